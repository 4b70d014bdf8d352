//! EDRs through `tracing`: a subscription bound to a registry, the `EdrLayer` installed as the
//! `tracing` subscriber, events emitted with `tracing::warn!(target: "edr", …)` and the other
//! logging macros, and what the subscription received.
//!
//! Run with `cargo run -p kazoo-records-examples --example tracing_bridge --features tracing`.

use std::sync::{Arc, Mutex};

use kazoo_records::edr::{App, Binding, EdrLayer, Emitter, Event, Registry, Severity, Verbosity};
use tracing_subscriber::layer::SubscriberExt;

const CUSTOMER: &str = "7600efb3424dc4b79854521fd4563d0a";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Arc::new(Registry::new());
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&delivered);
    // Warnings and worse, any account, any app.
    registry.bind(
        "alerts",
        [Binding::default().severity(Severity::Warning)],
        move |e: &Event| sink.lock().unwrap().push(e.clone()),
    )?;

    let emitter = Emitter::new(Arc::clone(&registry)).with_node("kazoo_apps@host");
    let layer = EdrLayer::new(emitter, App::new("callflow", "4.3.1"));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;

    // Delivered: WARN is severity warning, verbosity warn.
    tracing::warn!(target: "edr", account_id = CUSTOMER, attempts = 3, "no route to {}", "+14158867900");
    // Delivered: an explicit severity and verbosity, and another app.
    tracing::info!(
        target: "edr",
        app_name = "crossbar",
        app_version = "4.3.2",
        severity = "critical",
        verbosity = "fatal",
        method = "PUT",
        status = 500,
        "store down"
    );
    // Not delivered: INFO is severity ok, which nobody wants; nothing is built.
    tracing::info!(target: "edr", "call answered");
    // Not an EDR: another target.
    tracing::error!(target: "callflow", "a log line, not an event");
    // A bad severity: delivered as the level says, the bad value kept in the body.
    tracing::error!(target: "edr", severity = "OK", "severity names are lowercase");

    let delivered = delivered.lock().unwrap();
    println!("{} events delivered:", delivered.len());
    for event in delivered.iter() {
        println!(
            "  {} ({}/{})",
            event.routing_key()?,
            event.severity(),
            event.verbosity()
        );
        println!("    body {}", event.body());
    }
    assert_eq!(delivered.len(), 3);
    assert_eq!(
        (delivered[1].severity(), delivered[1].verbosity()),
        (Severity::Critical, Verbosity::Fatal)
    );
    Ok(())
}
