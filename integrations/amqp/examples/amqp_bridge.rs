//! Carries EDR events between nodes through RabbitMQ, with KAZOO's routing keys and wire shape.
//!
//! The core crate does no I/O; [`EventPublisher`] and [`EventConsumer`] of this crate are the
//! host side. Two roles:
//!
//! - **publisher** (node A): applications emit into a local [`Registry`]; one subscription
//!   that selects every event hands each one (through a channel: registry callbacks are
//!   synchronous) to an async task that publishes it with [`EventPublisher::publish`]
//!   (routing key [`Event::routing_key`], body [`Event::to_amqp_json`], publisher confirms).
//! - **consumer** (node B): its own [`Registry`] with subscriptions; an [`EventConsumer`]
//!   bound with every [`Binding::keys`] of them re-dispatches each delivery in-process, where
//!   `include_descendants` bindings (keyed with account `*` on the broker) are filtered by
//!   [`Binding::matches`].
//!
//! The exchange is KAZOO's `kapps` (a topic exchange; KAZOO's EDR AMQP backend publishes
//! there), or `AMQP_EXCHANGE`. The broker is `AMQP_URL` (default `amqp://127.0.0.1:5672/%2f`).
//!
//! ```sh
//! cargo run -p kazoo-records-amqp --example amqp_bridge -- consume  # terminal 1: node B
//! cargo run -p kazoo-records-amqp --example amqp_bridge -- publish  # terminal 2: node A
//! cargo run -p kazoo-records-amqp --example amqp_bridge             # both, checked
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
use kazoo_records_amqp::{EventConsumer, EventPublisher, KAPPS_EXCHANGE};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

type BoxError = Box<dyn StdError + Send + Sync>;

const DEFAULT_URL: &str = "amqp://127.0.0.1:5672/%2f";

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
            exchange: std::env::var("AMQP_EXCHANGE").unwrap_or_else(|_| KAPPS_EXCHANGE.to_owned()),
        }
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
    let publisher = EventPublisher::connect_to(&broker.url, &broker.exchange).await?;

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
                publisher.publish(&event).await?;
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
    let dropped = dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        eprintln!("node A: {dropped} events dropped (bridge channel full)");
    }
    publisher.close().await?;
    Ok(sent)
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
    let registry = Registry::new();
    let received: Arc<Mutex<BTreeMap<&'static str, BTreeSet<String>>>> = Arc::default();
    let subscriptions = subscriptions();
    for (name, binding) in &subscriptions {
        let (name, received) = (*name, Arc::clone(&received));
        registry.bind(name, [binding.clone()], move |event: &Event| {
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
    let mut consumer = EventConsumer::bind_to(
        &broker.url,
        &broker.exchange,
        subscriptions.iter().map(|(_, b)| b),
    )
    .await?;
    println!(
        "node B: queue {} bound to {:?}",
        consumer.queue(),
        broker.exchange
    );
    let _ = ready.send(());

    loop {
        let next = match idle {
            Some(idle) => match timeout(idle, consumer.next(&registry)).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => consumer.next(&registry).await,
        };
        match next {
            Ok(event) => {
                if !subscriptions.iter().any(|(_, b)| b.matches(&event)) {
                    // Keyed with account `*` for include_descendants, but not a descendant.
                    println!(
                        "node B: {} (account {}) filtered out in-process",
                        event.routing_key()?,
                        event.account_id().unwrap_or("-")
                    );
                }
            }
            // A body that is not an EDR event was rejected; say so and go on.
            Err(e) if e.is_malformed() => eprintln!("node B: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    consumer.close().await?;
    let received = received
        .lock()
        .map_err(|_| "a subscription callback panicked")?
        .clone();
    Ok(received)
}
