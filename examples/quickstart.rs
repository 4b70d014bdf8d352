//! The main demo. EDR: a registry, two subscribers with different bindings, events emitted for
//! two accounts, what each subscriber received, the routing keys a broker would use, an
//! unbind, and a guard that unbinds when dropped. CDR: a CHANNEL_DESTROY off the wire ingested into the document KAZOO stores and
//! listed; stored KAZOO call records read, priced, grouped into calls and listed page by page.
//!
//! Run with `cargo run --example quickstart`.

use std::sync::{Arc, Mutex};

use kazoo_records::cdr::{
    Cdr, Ingest, Ingested, PageRequest, RowOptions, group_interactions, paginate,
};
use kazoo_records::edr::{
    App, Binding, Emitter, Event, Registry, Severity, Verbosity, bindings_from_json,
};
use kazoo_records::time::GregorianSeconds;
use serde_json::json;

const RESELLER: &str = "d240bf3a1937301cee910193a54ba0d2";
const CUSTOMER: &str = "7600efb3424dc4b79854521fd4563d0a";
const OTHER: &str = "5b0e2a4e9b1c4d6f8a7e3c2b1a0f9e8d";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Arc::new(Registry::new());

    // Subscriber 1: serious callflow problems of one account, built in code.
    let alerts = Binding::default()
        .account(CUSTOMER)
        .app("callflow")
        .severity(Severity::Warning)
        .verbosity(Verbosity::Error);
    // Subscriber 2: everything a reseller and its sub-accounts emit, read from KAZOO's JSON.
    let audit = bindings_from_json(&json!({
        "account_id": RESELLER,
        "include_descendants": true,
        "verbosity": "debug"
    }))?;

    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = |who: &'static str| {
        let received = Arc::clone(&received);
        move |event: &Event| {
            let line = format!(
                "{who:>6} got {} {}/{} from {}",
                event.app_name(),
                event.severity(),
                event.verbosity(),
                event.account_id().unwrap_or("-")
            );
            received.lock().map(|mut r| r.push(line)).ok();
        }
    };
    let alerts_id = registry.bind("alerts", [alerts.clone()], log("alerts"))?;
    registry.bind("audit", audit.clone(), log("audit"))?;

    println!("Broker routing keys (a queue per subscriber):");
    for (name, binding) in [("alerts", &alerts), ("audit", &audit[0])] {
        println!("  {name}: {}", binding.keys().join(" "));
    }

    // The emitter fills in id, node, time and the account tree; it builds nothing when
    // nobody listens.
    let emitter = Emitter::new(Arc::clone(&registry))
        .with_node("kazoo_apps@quickstart")
        .with_account_tree(|account: &str| match account {
            CUSTOMER | OTHER => Some(vec![RESELLER.to_owned()]),
            _ => None,
        });

    // The body is a closure: it runs only when someone listens.
    let callflow = App::new("callflow", "4.3.1");
    let crossbar = App::new("crossbar", "4.3.1");
    let emitted = [
        emitter.emit_for_account(
            &callflow,
            CUSTOMER,
            Severity::Critical,
            Verbosity::Fatal,
            || json!({"reason": "no route"}),
        ),
        emitter.emit_for_account(
            &crossbar,
            OTHER,
            Severity::Ok,
            Verbosity::Debug,
            || json!({"request": "GET /v2/users"}),
        ),
        emitter.emit_for_account(&callflow, CUSTOMER, Severity::Ok, Verbosity::Trace, || {
            json!({})
        }),
    ];
    println!("\nEmitted three events:");
    for report in emitted {
        match report {
            Some(report) => println!("  delivered to {} subscriber(s)", report.delivered),
            None => println!("  nobody listens to that severity/verbosity: nothing was built"),
        }
    }
    println!("\nWhat the subscribers received:");
    for line in received.lock().map(|r| r.clone()).unwrap_or_default() {
        println!("  {line}");
    }

    registry.unbind(alerts_id);
    let after = emitter.emit_for_account(
        &callflow,
        CUSTOMER,
        Severity::Critical,
        Verbosity::Fatal,
        || json!({}),
    );
    println!(
        "\nAfter unbinding alerts, a critical callflow event reaches {} subscriber(s); {} remain bound.",
        after.map_or(0, |r| r.delivered),
        registry.stats().subscriptions
    );

    // A guard unbinds when dropped: here, a subscriber to everything, trace included.
    let everything = Binding::default().verbosity(Verbosity::Trace);
    let guard = registry.bind_guarded("debugger", [everything], |_| {})?;
    assert!(registry.is_interested(Severity::Ok, Verbosity::Trace));
    drop(guard);
    assert!(!registry.is_interested(Severity::Ok, Verbosity::Trace));
    let stats = registry.stats();
    println!(
        "Guard dropped: trace events are built for nobody. {} events dispatched, {} deliveries.",
        stats.dispatched, stats.delivered
    );

    call_records()
}

/// CDR: ingest a real CHANNEL_DESTROY, then read the bundled sample of stored KAZOO documents,
/// price, group and list them.
fn call_records() -> Result<(), Box<dyn std::error::Error>> {
    // A CHANNEL_DESTROY as KAZOO publishes it becomes the document KAZOO's `cdr` application
    // would store; a host inserts it if absent (its id is deterministic).
    let wire: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/fixtures/kazoo/channel_destroy_wire_2015.json"
    ))?;
    let two_seconds_after_hangup = GregorianSeconds(63_610_891_990);
    if let Ingested::Stored { database, cdr } =
        Ingest::new().channel_destroy(&wire, two_seconds_after_hangup)?
    {
        println!(
            "\nIngested a CHANNEL_DESTROY: document {} for database {database}",
            cdr.doc_id.as_deref().unwrap_or("-")
        );
        // Listed as crossbar lists it: the day of the call, newest first.
        let time = cdr.listing_time().unwrap_or(two_seconds_after_hangup);
        let request = PageRequest::new()
            .created_to(time)
            .created_from(GregorianSeconds(time.0 - 86_400));
        let stored = [cdr];
        let page = paginate(&stored, &request, time)?;
        for listed in &page.items {
            println!("  listed: {}", listing_line(listed));
        }
    }

    let cdrs = include_str!("data/cdrs.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(Cdr::from_json_str)
        .collect::<Result<Vec<Cdr>, _>>()?;
    let first = &cdrs[0];
    println!(
        "\nRead {} call legs. The first, {}, lasted {} s and costs ${} ({} units).",
        cdrs.len(),
        first.call_id,
        first.billing_seconds.unwrap_or(0),
        first.cost().dollars_string(),
        first.cost().0
    );
    println!("  its listing row: {}", listing_line(first));

    let calls = group_interactions(&cdrs);
    println!("They are {} calls (interactions).", calls.len());

    // Page through the listing, newest first, three CDRs at a time, following the cursors.
    let now = cdrs
        .iter()
        .filter_map(Cdr::listing_time)
        .max()
        .unwrap_or_default();
    let mut request = PageRequest::new()
        .page_size(3)
        .created_to(now)
        .created_from(GregorianSeconds(now.0 - 86_400));
    for number in 1..=2 {
        let page = paginate(&cdrs, &request, now)?;
        let ids: Vec<&str> = page.items.iter().map(|c| c.call_id.as_str()).collect();
        println!("  page {number}: {}", ids.join(", "));
        match page.next_start_key {
            Some(next) => request = request.start_key(next),
            None => break,
        }
    }
    Ok(())
}

/// A few columns of the row crossbar's CDR listing shows for `cdr`.
fn listing_line(cdr: &Cdr) -> String {
    let row = cdr.public_row(&RowOptions::default());
    [
        "datetime",
        "caller_id_number",
        "callee_id_number",
        "hangup_cause",
        "cost",
    ]
    .map(|column| format!("{column}={}", row.get(column).unwrap_or("")))
    .join(" ")
}
