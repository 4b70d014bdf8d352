//! The main demo: bindings, their AMQP routing keys, and matching events in-process.
//!
//! Run with `cargo run --example quickstart`.

use kazoo_records::edr::{Binding, Event, Severity, Verbosity, bindings_from_json, topic};
use serde_json::json;

fn main() -> Result<(), kazoo_records::Error> {
    // A subscriber that wants serious callflow problems of one account…
    let alerts = Binding::default()
        .account("7600efb3424dc4b79854521fd4563d0a")
        .app("callflow")
        .severity(Severity::Warning)
        .verbosity(Verbosity::Error);
    alerts.validate()?;

    // …and one read from KAZOO's JSON: everything a reseller and its sub-accounts emit.
    let audit = bindings_from_json(&json!({
        "account_id": "d240bf3a1937301cee910193a54ba0d2",
        "include_descendants": true,
        "verbosity": "debug"
    }))?
    .remove(0);

    for (name, binding) in [("alerts", &alerts), ("audit", &audit)] {
        println!(
            "{name}: {}",
            serde_json::to_string(binding).unwrap_or_default()
        );
        for key in binding.keys() {
            println!("  bind queue with {key}");
        }
    }

    let events = [
        Event::new(
            "callflow",
            "4.3.1",
            Severity::Critical,
            Verbosity::Fatal,
            json!({"reason": "no route"}),
        )
        .with_account("7600efb3424dc4b79854521fd4563d0a")
        .with_account_tree(vec!["d240bf3a1937301cee910193a54ba0d2".into()]),
        Event::new(
            "crossbar",
            "4.3.1",
            Severity::Ok,
            Verbosity::Debug,
            json!({"request": "GET /v2/accounts"}),
        )
        .with_account("5b0e2a4e9b1c4d6f8a7e3c2b1a0f9e8d")
        .with_account_tree(vec!["d240bf3a1937301cee910193a54ba0d2".into()]),
        Event::new(
            "ecallmgr",
            "4.3.1",
            Severity::Ok,
            Verbosity::Info,
            json!({}),
        ),
    ];

    for event in &events {
        let key = event.routing_key()?;
        println!("\nevent {key}");
        for (name, binding) in [("alerts", &alerts), ("audit", &audit)] {
            let in_process = binding.matches(event);
            let on_broker = binding.keys().iter().any(|k| topic::matches(k, &key));
            println!("  {name}: in-process {in_process}, broker {on_broker}");
        }
    }
    println!(
        "\n(audit is keyed with account `*` on the broker: descendants are filtered in-process)"
    );
    Ok(())
}
