//! Carries EDR events between nodes through RabbitMQ, with KAZOO's routing keys and wire shape.
//!
//! The crate does no I/O; this example is the host side. Two roles:
//!
//! - **publisher** (node A): applications emit into a local [`Registry`]; one subscription
//!   that selects every event hands each one (through a channel: registry callbacks are
//!   synchronous) to an async task that publishes it to a topic exchange, routing key
//!   [`Event::routing_key`], body [`Event::to_amqp_json`], with publisher confirms.
//! - **consumer** (node B): its own [`Registry`] with subscriptions; one queue bound with
//!   every [`Binding::keys`] of them; each delivery is read back with [`Event::from_amqp_json`]
//!   and re-dispatched in-process, where `include_descendants` bindings (keyed with account
//!   `*` on the broker) are filtered by [`Binding::matches`].
//!
//! The exchange is KAZOO's `kapps` (a topic exchange; KAZOO's EDR AMQP backend publishes
//! there), or `AMQP_EXCHANGE`. The broker is `AMQP_URL` (default `amqp://127.0.0.1:5672/%2f`).
//!
//! ```sh
//! cargo run --example amqp_bridge -- consume            # terminal 1: node B, until Ctrl-C
//! cargo run --example amqp_bridge -- publish            # terminal 2: node A emits 24 events
//! cargo run --example amqp_bridge                       # both roles in one process, checked
//! ```
//!
//! Options: `publish --count N --interval-ms MS`, `consume --idle-secs S` (stop after S idle
//! seconds). With both roles, the run fails unless node B's subscriptions received exactly
//! what their bindings select among the events node A sent.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error as StdError;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kazoo_records::edr::{App, Binding, Emitter, Event, Registry, Severity, Verbosity};
use lapin::message::DeliveryResult;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicRejectOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

type BoxError = Box<dyn StdError + Send + Sync>;

const DEFAULT_URL: &str = "amqp://127.0.0.1:5672/%2f";
/// KAZOO's exchange for inter-application traffic (`kapi_edr_amqp` publishes EDR events there).
const DEFAULT_EXCHANGE: &str = "kapps";
/// How long one broker operation may take before the example gives up.
const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// The reseller and its customers the demo events are about.
const RESELLER: &str = "d240bf3a1937301cee910193a54ba0d2";
const CUSTOMERS: [&str; 2] = [
    "7600efb3424dc4b79854521fd4563d0a",
    "5b0e2a4e9b1c4d6f8a7e3c2b1a0f9e8d",
];
const OTHER_ACCOUNT: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("amqp_bridge: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let broker = Broker::from_env();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (role, options) = match args.split_first() {
        Some((role, rest)) => (role.as_str(), Options::parse(rest)?),
        None => ("both", Options::default()),
    };
    match role {
        "publish" => {
            let sent = publish(&broker, &options).await?;
            println!("node A: published {} events", sent.len());
        }
        "consume" => {
            let (ready_tx, ready_rx) = oneshot::channel();
            tokio::spawn(async move {
                if ready_rx.await.is_ok() {
                    println!("node B: waiting for events (Ctrl-C to stop)");
                }
            });
            consume(&broker, options.idle, ready_tx).await?;
        }
        "both" => both(&broker, &options).await?,
        other => {
            return Err(format!(
                "unknown role {other:?}; expected publish, consume, or nothing for both"
            )
            .into());
        }
    }
    Ok(())
}

/// Where the broker is and which exchange carries the events.
struct Broker {
    url: String,
    exchange: String,
}

impl Broker {
    fn from_env() -> Self {
        Broker {
            url: std::env::var("AMQP_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned()),
            exchange: std::env::var("AMQP_EXCHANGE")
                .unwrap_or_else(|_| DEFAULT_EXCHANGE.to_owned()),
        }
    }

    /// Connects and declares the topic exchange (transient, as KAZOO declares it).
    async fn open(&self) -> Result<(Connection, Channel), BoxError> {
        let connection = timeout(
            BROKER_TIMEOUT,
            Connection::connect(&self.url, ConnectionProperties::default()),
        )
        .await
        .map_err(|_| format!("no answer from the broker at {} in time", self.url))?
        .map_err(|e| format!("cannot connect to {}: {e}", self.url))?;
        let channel = within(connection.create_channel()).await?;
        within(channel.exchange_declare(
            self.exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        ))
        .await
        .map_err(|e| format!("cannot declare the topic exchange {:?}: {e}", self.exchange))?;
        Ok((connection, channel))
    }
}

/// Command-line options of both roles.
struct Options {
    count: usize,
    interval: Duration,
    idle: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            count: 24,
            interval: Duration::from_millis(20),
            idle: None,
        }
    }
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, BoxError> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number: u64 = value
                .parse()
                .map_err(|_| format!("{flag}: {value:?} is not a whole number"))?;
            match flag.as_str() {
                "--count" => options.count = usize::try_from(number)?,
                "--interval-ms" => options.interval = Duration::from_millis(number),
                "--idle-secs" => options.idle = Some(Duration::from_secs(number)),
                _ => {
                    return Err(format!(
                        "unknown option {flag:?}; expected --count, --interval-ms or --idle-secs"
                    )
                    .into());
                }
            }
        }
        Ok(options)
    }
}

/// Both roles in one process: node B binds first, node A publishes, node B drains; then the
/// run checks that B's subscriptions got exactly what their bindings select.
async fn both(broker: &Broker, options: &Options) -> Result<(), BoxError> {
    let (ready_tx, ready_rx) = oneshot::channel();
    let idle = options.idle.or(Some(Duration::from_secs(1)));
    let consumer = async { consume(broker, idle, ready_tx).await };
    let publisher = async {
        ready_rx
            .await
            .map_err(|_| "node B stopped before binding its queue")?;
        publish(broker, options).await
    };
    let (received, sent) = tokio::try_join!(consumer, publisher)?;

    let mut mismatches = 0;
    for (name, binding) in subscriptions() {
        let expected: BTreeSet<String> = sent
            .iter()
            .filter(|e| binding.matches(e))
            .map(|e| e.id().as_str().to_owned())
            .collect();
        let got = received.get(name).cloned().unwrap_or_default();
        let verdict = if got == expected { "ok" } else { "MISMATCH" };
        println!(
            "check {name}: expected {}, received {}: {verdict}",
            expected.len(),
            got.len()
        );
        mismatches += usize::from(got != expected);
    }
    if mismatches > 0 {
        return Err(format!("{mismatches} subscriptions did not get what they selected").into());
    }
    println!(
        "node A published {} events; node B delivered each exactly where its bindings select",
        sent.len()
    );
    Ok(())
}

/// Node A: emits demo events into a local registry and forwards every one to the exchange.
/// Returns the events published (all confirmed by the broker).
async fn publish(broker: &Broker, options: &Options) -> Result<Vec<Event>, BoxError> {
    let (connection, channel) = broker.open().await?;
    within(channel.confirm_select(ConfirmSelectOptions::default())).await?;

    // The bridge: a subscription that selects everything, handing events to the async side.
    // The callback runs synchronously in the emitting thread: it must not block, so a full
    // channel drops the event (counted) rather than stall the application.
    let registry = Arc::new(Registry::new());
    let (events_tx, mut events_rx) = mpsc::channel::<Event>(1024);
    let dropped = Arc::new(AtomicU64::new(0));
    let dropped_in_callback = Arc::clone(&dropped);
    let everything = Binding::default()
        .severity(Severity::Ok)
        .verbosity(Verbosity::Trace);
    let bridge = registry.bind("amqp-bridge", [everything], move |event: &Event| {
        if events_tx.try_send(event.clone()).is_err() {
            dropped_in_callback.fetch_add(1, Ordering::Relaxed);
        }
    })?;

    // The application: a thread emitting events, as KAZOO apps do.
    let (done_tx, mut done_rx) = oneshot::channel();
    let app_registry = Arc::clone(&registry);
    let (count, interval) = (options.count, options.interval);
    let app = std::thread::spawn(move || {
        let emitter = Emitter::new(Arc::clone(&app_registry))
            .with_node("kazoo_apps@node-a")
            .with_account_tree(|account: &str| {
                CUSTOMERS
                    .contains(&account)
                    .then(|| vec![RESELLER.to_owned()])
            });
        for i in 0..count {
            emit_demo_event(&emitter, i);
            std::thread::sleep(interval);
        }
        // From here on the bridge callback is never called again.
        app_registry.unbind(bridge);
        let _ = done_tx.send(());
    });

    let mut sent = Vec::new();
    let mut emitting = true;
    loop {
        tokio::select! {
            biased;
            Some(event) = events_rx.recv() => {
                forward(&channel, &broker.exchange, &event).await?;
                println!("node A: published {}", event.routing_key()?);
                sent.push(event);
            }
            _ = &mut done_rx, if emitting => {
                emitting = false;
                // Whatever was queued before the unbind is still received, then `None`.
                events_rx.close();
            }
            else => break,
        }
    }
    app.join().map_err(|_| "the emitting thread panicked")?;
    let returned = within(channel.wait_for_confirms()).await?;
    if !returned.is_empty() {
        return Err(format!("the broker returned {} messages", returned.len()).into());
    }
    let dropped = dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        eprintln!("node A: {dropped} events dropped (bridge channel full)");
    }
    within(connection.close(200, "bye".into())).await?;
    Ok(sent)
}

/// Publishes one event in KAZOO's wire shape, keyed with its routing key, and waits for the
/// broker's confirm.
async fn forward(channel: &Channel, exchange: &str, event: &Event) -> Result<(), BoxError> {
    // An app name or account with '.', '*' or '#' cannot be routed: say so, don't corrupt keys.
    let key = event.routing_key()?;
    let body = serde_json::to_vec(&event.to_amqp_json())?;
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_message_id(event.id().as_str().into());
    let confirm = within(channel.basic_publish(
        exchange.into(),
        key.as_str().into(),
        BasicPublishOptions::default(),
        &body,
        properties,
    ))
    .await?;
    let confirmation = within(confirm).await?;
    if !confirmation.is_ack() {
        return Err(format!("the broker refused the event {key}").into());
    }
    Ok(())
}

/// One demo event: apps, accounts (some under the reseller) and levels in turn.
fn emit_demo_event(emitter: &Emitter, i: usize) {
    const APPS: [&str; 3] = ["callflow", "crossbar", "acdc"];
    let app = APPS[i % APPS.len()];
    let severity = Severity::ALL[i % Severity::ALL.len()];
    let verbosity = Verbosity::ALL[(i / 2) % Verbosity::ALL.len()];
    let account = match i % 4 {
        0 => Some(RESELLER),
        1 => Some(CUSTOMERS[0]),
        2 => Some(CUSTOMERS[1]),
        _ => (i % 8 == 3).then_some(OTHER_ACCOUNT),
    };
    let app = App::new(app, "4.3.1");
    let body = || json!({"sequence": i, "note": format!("demo event {i} from {}", app.name())});
    match account {
        Some(account) => emitter.emit_for_account(&app, account, severity, verbosity, body),
        None => emitter.emit(&app, severity, verbosity, body),
    };
}

/// Node B's subscriptions: (name, binding).
fn subscriptions() -> Vec<(&'static str, Binding)> {
    vec![
        ("alerts", Binding::default().severity(Severity::Warning)),
        (
            "reseller-audit",
            Binding::default()
                .account(RESELLER)
                .include_descendants(true)
                .verbosity(Verbosity::Debug),
        ),
        (
            "callflow-trace",
            Binding::default()
                .app("callflow")
                .verbosity(Verbosity::Trace)
                .exact_verbosity(true),
        ),
    ]
}

/// Node B: binds a queue with its subscriptions' keys and re-dispatches what arrives.
///
/// Stops after `idle` without a delivery (never, when `None`). Returns, per subscription,
/// the ids of the events its callback received. `ready` is told once the queue is bound.
async fn consume(
    broker: &Broker,
    idle: Option<Duration>,
    ready: oneshot::Sender<()>,
) -> Result<BTreeMap<&'static str, BTreeSet<String>>, BoxError> {
    let (connection, channel) = broker.open().await?;

    let registry = Registry::new();
    let received: Arc<Mutex<BTreeMap<&'static str, BTreeSet<String>>>> = Arc::default();
    let mut keys: Vec<String> = Vec::new();
    for (name, binding) in subscriptions() {
        for key in binding.keys() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let received = Arc::clone(&received);
        registry.bind(name, [binding], move |event: &Event| {
            println!(
                "node B: [{name}] {} {} {} account {}",
                event.app_name(),
                event.severity(),
                event.verbosity(),
                event.account_id().unwrap_or("-")
            );
            if let Ok(mut received) = received.lock() {
                received
                    .entry(name)
                    .or_default()
                    .insert(event.id().as_str().to_owned());
            }
        })?;
    }

    // A private queue (server-named, deleted with the connection), bound with every key.
    let queue = within(channel.queue_declare(
        "".into(),
        QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        },
        FieldTable::default(),
    ))
    .await?;
    for key in &keys {
        within(channel.queue_bind(
            queue.name().clone(),
            broker.exchange.as_str().into(),
            key.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        ))
        .await?;
    }
    println!(
        "node B: queue {} bound to {:?} with {} keys",
        queue.name(),
        broker.exchange,
        keys.len()
    );

    let (deliveries_tx, mut deliveries_rx) = mpsc::unbounded_channel();
    let consumer = within(channel.basic_consume(
        queue.name().clone(),
        "edr-node-b".into(),
        BasicConsumeOptions::default(),
        FieldTable::default(),
    ))
    .await?;
    consumer.set_delegate(move |delivery: DeliveryResult| {
        let deliveries_tx = deliveries_tx.clone();
        async move {
            match delivery {
                Ok(Some(delivery)) => {
                    let _ = deliveries_tx.send(delivery);
                }
                Ok(None) => {}
                Err(e) => eprintln!("node B: consumer error: {e}"),
            }
        }
    });
    let _ = ready.send(());

    loop {
        let next = match idle {
            Some(idle) => match timeout(idle, deliveries_rx.recv()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => deliveries_rx.recv().await,
        };
        let Some(delivery) = next else { break };
        match decode(&delivery.data) {
            Ok(event) => {
                let report = registry.dispatch(&event);
                if !report.reached_anyone() {
                    // Keyed with account `*` for include_descendants, but not a descendant.
                    println!(
                        "node B: {} (account {}) filtered out in-process",
                        delivery.routing_key,
                        event.account_id().unwrap_or("-")
                    );
                }
                within(delivery.ack(BasicAckOptions::default())).await?;
            }
            Err(e) => {
                eprintln!(
                    "node B: dropping a message that is not an EDR event ({}): {e}",
                    delivery.routing_key
                );
                within(delivery.reject(BasicRejectOptions { requeue: false })).await?;
            }
        }
    }
    within(connection.close(200, "bye".into())).await?;
    let received = received
        .lock()
        .map_err(|_| "a subscription callback panicked")?
        .clone();
    Ok(received)
}

/// Reads a delivered body: JSON, in KAZOO's AMQP wire shape.
fn decode(body: &[u8]) -> Result<Event, BoxError> {
    let value: serde_json::Value = serde_json::from_slice(body)?;
    Ok(Event::from_amqp_json(&value)?)
}

/// Awaits one broker operation, failing after [`BROKER_TIMEOUT`].
async fn within<T, E>(operation: impl Future<Output = Result<T, E>>) -> Result<T, BoxError>
where
    E: StdError + Send + Sync + 'static,
{
    match timeout(BROKER_TIMEOUT, operation).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err("the broker did not answer in time".into()),
    }
}
