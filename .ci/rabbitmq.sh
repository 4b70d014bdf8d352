# A private RabbitMQ for the tests of integrations/amqp (kazoo-records-amqp), on loopback only.
#
# Sourced by .ci/run:
#   broker_start   installs Debian's rabbitmq-server if missing, starts a private node
#                  (its own data dir, free port, no plugins) bound to 127.0.0.1, waits until
#                  it answers, and exports AMQP_URL.
#                  It also writes a restart script and exports AMQP_BROKER_RESTART (its path):
#                  running it restarts the broker application (`rabbitmqctl stop_app` then
#                  `start_app`: every connection drops, durable queues and persistent messages
#                  are recovered, transient ones are gone), as the reconnection tests need.
#   broker_restart runs that script.
#   broker_stop    stops that node (and the epmd daemon if this script started it); safe to
#                  call more than once.
# When AMQP_URL is already set, broker_start uses that broker and starts nothing.
#
# By hand: `source .ci/rabbitmq.sh && broker_start` then `cargo test -p kazoo-records-amqp`,
# `cargo run -p kazoo-records-amqp --example amqp_bridge`, and `broker_stop`.
# The independent AMQP client the tests publish with (Python's pika, Debian's python3-pika)
# is installed by broker_start too.

RMQ_BIN=/usr/lib/rabbitmq/bin
RMQ_STARTUP_TIMEOUT=${RMQ_STARTUP_TIMEOUT:-120}
RMQ_DIR=""
RMQ_PID=""
RMQ_NODE=""
RMQ_STARTED_EPMD=0

# Runs a RabbitMQ command with this node's environment (HOME holds its Erlang cookie; the
# caller's HOME, and so cargo's, is left alone).
rmq_env() {
    env HOME="$RMQ_DIR" \
        RABBITMQ_NODENAME="$RMQ_NODE" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$RMQ_PORT" \
        RABBITMQ_DIST_PORT="$((RMQ_PORT + 20000))" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia" \
        RABBITMQ_LOG_BASE="$RMQ_DIR/log" \
        RABBITMQ_LOGS="$RMQ_DIR/log/node.log" \
        RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins" \
        RABBITMQ_PID_FILE="$RMQ_DIR/rabbit.pid" \
        "$@"
}

# Whether something accepts TCP connections on 127.0.0.1:$1.
rmq_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Installs Debian packages (the packages' own service starts are not wanted, and are refused
# where there is no init).
rmq_apt_install() {
    echo "installing $* (Debian packages)"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

rmq_install() {
    if [ ! -x "$RMQ_BIN/rabbitmq-server" ]; then
        rmq_apt_install rabbitmq-server
    fi
}

# Debian's python3-pika, for the tests that publish as KAZOO would with another client.
rmq_install_pika() {
    if ! /usr/bin/python3 -c 'import pika' 2>/dev/null; then
        rmq_apt_install python3-pika
    fi
}

# Writes $RMQ_DIR/restart: stop_app then start_app on this node, waiting until it answers.
rmq_write_restart() {
    local ctl
    ctl=$(printf '%q ' env HOME="$RMQ_DIR" RABBITMQ_NODENAME="$RMQ_NODE" \
        RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        ERL_EPMD_ADDRESS=127.0.0.1 "$RMQ_BIN/rabbitmqctl" -q -n "$RMQ_NODE")
    cat >"$RMQ_DIR/restart" <<EOS
#!/usr/bin/env bash
# Restarts the RabbitMQ application of node $RMQ_NODE (connections drop; durable state stays).
set -euo pipefail
$ctl stop_app >/dev/null
$ctl start_app >/dev/null
$ctl await_startup --timeout 60 >/dev/null
EOS
    chmod +x "$RMQ_DIR/restart"
    export AMQP_BROKER_RESTART="$RMQ_DIR/restart"
}

broker_restart() {
    if [ -z "${AMQP_BROKER_RESTART:-}" ]; then
        echo "broker_restart: no broker started by this script (AMQP_BROKER_RESTART unset)" >&2
        return 1
    fi
    "$AMQP_BROKER_RESTART"
}

broker_start() {
    if [ -n "${AMQP_URL:-}" ]; then
        echo "using the broker at AMQP_URL=$AMQP_URL"
        rmq_install_pika
        return 0
    fi
    local started=$SECONDS
    rmq_install
    rmq_install_pika
    local installed=$SECONDS

    # The first free AMQP port from 5672 (its distribution port, +20000, free too).
    RMQ_PORT=5672
    while rmq_port_open "$RMQ_PORT" || rmq_port_open "$((RMQ_PORT + 20000))"; do
        RMQ_PORT=$((RMQ_PORT + 1))
        if [ "$RMQ_PORT" -gt 5772 ]; then
            echo "no free port for RabbitMQ in 5672..5772" >&2
            return 1
        fi
    done
    if ! rmq_port_open 4369; then RMQ_STARTED_EPMD=1; fi

    RMQ_DIR=$(mktemp -d /tmp/kazoo-records-rabbitmq.XXXXXX)
    RMQ_NODE="kazoo_ci_$$@localhost"
    mkdir -p "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
    echo '[].' >"$RMQ_DIR/enabled_plugins"
    echo '[].' >"$RMQ_DIR/advanced.config"
    : >"$RMQ_DIR/rabbitmq.conf"

    rmq_env "$RMQ_BIN/rabbitmq-server" >"$RMQ_DIR/server.out" 2>&1 </dev/null &
    RMQ_PID=$!

    until rmq_env "$RMQ_BIN/rabbitmqctl" -q -n "$RMQ_NODE" await_startup --timeout 10 \
        >/dev/null 2>&1; do
        if ! kill -0 "$RMQ_PID" 2>/dev/null; then
            echo "RabbitMQ exited while starting:" >&2
            tail -n 40 "$RMQ_DIR/server.out" "$RMQ_DIR"/log/*.log >&2 2>/dev/null || true
            RMQ_PID=""
            return 1
        fi
        if [ $((SECONDS - installed)) -ge "$RMQ_STARTUP_TIMEOUT" ]; then
            echo "RabbitMQ did not start within ${RMQ_STARTUP_TIMEOUT}s:" >&2
            tail -n 40 "$RMQ_DIR/server.out" "$RMQ_DIR"/log/*.log >&2 2>/dev/null || true
            return 1
        fi
        sleep 1
    done
    if ! rmq_port_open "$RMQ_PORT"; then
        echo "RabbitMQ started but does not listen on 127.0.0.1:$RMQ_PORT" >&2
        return 1
    fi
    export AMQP_URL="amqp://guest:guest@127.0.0.1:$RMQ_PORT/%2f"
    rmq_write_restart
    echo "RabbitMQ $RMQ_NODE answers at $AMQP_URL" \
        "(install $((installed - started))s, startup $((SECONDS - installed))s)"
}

broker_stop() {
    if [ -z "$RMQ_PID" ]; then
        return 0
    fi
    rmq_env timeout 60 "$RMQ_BIN/rabbitmqctl" -q -n "$RMQ_NODE" stop >/dev/null 2>&1 || true
    local waited=0
    while kill -0 "$RMQ_PID" 2>/dev/null && [ "$waited" -lt 30 ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$RMQ_PID" 2>/dev/null; then
        # Still up: the start script stops the node on TERM; the VM itself (its pid file)
        # is killed if even that fails. Only processes started above are signalled.
        local vm
        vm=$(cat "$RMQ_DIR/rabbit.pid" 2>/dev/null || true)
        kill -TERM "$RMQ_PID" 2>/dev/null || true
        sleep 5
        if [ -n "$vm" ] && kill -0 "$vm" 2>/dev/null; then kill -KILL "$vm" 2>/dev/null || true; fi
    fi
    wait "$RMQ_PID" 2>/dev/null || true
    if [ "$RMQ_STARTED_EPMD" -eq 1 ]; then
        epmd -kill >/dev/null 2>&1 || true
    fi
    rm -rf "$RMQ_DIR"
    RMQ_PID=""
    unset AMQP_URL AMQP_BROKER_RESTART
    echo "RabbitMQ stopped"
}
