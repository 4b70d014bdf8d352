#!/usr/bin/env bash
# Requests/s and latency of the service's CDR listing over 1 000 000 stored CDRs, with wrk
# (Debian package `wrk`) from a second process on loopback, against the release build.
#
#   bash integrations/service/load_test.sh sqlite target/loadtest/cdrs-1m.sqlite
#   bash integrations/service/load_test.sh pg "postgresql://…?options=-csearch_path%3Dloadtest"
#
# The database must hold the CDRs `cdr_fill` generates (see examples/cdr_fill.rs):
#   cargo run --release -p kazoo-records-service --example cdr_fill -- --sqlite target/loadtest/cdrs-1m.sqlite 1000000
# Measures page 1 (50 newest) and a deep page (50 after row 500 000, by its start_key).
# DURATION (default 20s), CONNECTIONS (default 16), PORT (default 18081) may be set.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine="$1" target="$2"
port="${PORT:-18081}" duration="${DURATION:-20s}" connections="${CONNECTIONS:-16}"
case "$engine" in
  sqlite) flag=--sqlite ;;
  pg) flag=--pg ;;
  *) echo "usage: $0 sqlite PATH | pg URL" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q -p kazoo-records-service --example cdr_service
./target/release/examples/cdr_service "$flag" "$target" --listen "127.0.0.1:$port" --connections 4 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port/v2/accounts/4b8c6fec4b2597882c0390202d195419/cdrs"
range="created_from=63900000000&created_to=63902000000"
for _ in $(seq 100); do curl -sf "$base?$range&page_size=1" >/dev/null && break; sleep 0.1; done

# The cursor after row 500 000: 500 pages of 1000 (page_size may change between pages).
key=""
for _ in $(seq 500); do
  key=$(curl -sf "$base?$range&page_size=1000${key:+&start_key=$key}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["next_start_key"])')
done
rows=$(curl -sf "$base?$range&page_size=50&start_key=$key" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
[ "$rows" = 50 ] || { echo "the deep page holds $rows rows" >&2; exit 1; }

echo "== $engine, page 1 of 50 (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
wrk --latency -t2 -c"$connections" -d"$duration" "$base?$range&page_size=50"
echo "== $engine, page 10 001 of 50 (after row 500 000) (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
wrk --latency -t2 -c"$connections" -d"$duration" "$base?$range&page_size=50&start_key=$key"
