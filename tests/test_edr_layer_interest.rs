//! `edr::EdrLayer` and `tracing`'s callsite interest cache. An `edr` callsite that no
//! subscription wants is disabled for good (`Interest::never`), and a bind or unbind that
//! changes which levels are wanted has `tracing` ask again.
//!
//! One test in its own binary on purpose: `tracing` asks every callsite again whenever a
//! dispatcher is created, so another test building a subscriber on another thread would mask a
//! registry that fails to announce its change.
#![cfg(feature = "tracing")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use kazoo_records::edr::{App, Binding, EdrLayer, Emitter, Event, Registry, Severity, Verbosity};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;

/// One callsite, hit again and again.
fn warn_callsite(n: u64) {
    tracing::warn!(target: "edr", n);
}

/// Another callsite, at a level the test's first binding does not want.
fn debug_callsite(n: u64) {
    tracing::debug!(target: "edr", n);
}

/// A value whose `Debug` counts how often it is formatted: a disabled callsite never does.
struct Counted(Arc<AtomicUsize>);

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("counted")
    }
}

#[test]
fn callsites_are_disabled_for_good_while_unwanted_and_asked_again_when_interest_changes() {
    let registry = Arc::new(Registry::new());
    let seen: Arc<Mutex<Vec<Event>>> = Arc::default();
    let bind = |name: &str, binding: Binding| {
        let sink = Arc::clone(&seen);
        registry
            .bind(name, [binding], move |e: &Event| {
                sink.lock().unwrap().push(e.clone())
            })
            .unwrap()
    };
    let formatted = Arc::new(AtomicUsize::new(0));
    let layer = EdrLayer::new(
        Emitter::new(Arc::clone(&registry)),
        App::new("tester", "1.0"),
    );
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let counted = Counted(Arc::clone(&formatted));
        // Registered while nobody is interested: disabled for good, nothing formatted.
        warn_callsite(0);
        tracing::warn!(target: "edr", value = ?counted);
        // A bind that makes warnings wanted: both callsites are asked again.
        let warnings = bind("warnings", Binding::default().severity(Severity::Warning));
        warn_callsite(1);
        debug_callsite(1); // ok/debug is still unwanted
        // A second subscription at the same levels changes nothing that is cached.
        let more = bind(
            "more warnings",
            Binding::default().severity(Severity::Warning),
        );
        warn_callsite(2);
        assert!(registry.unbind(more));
        warn_callsite(3);
        // Unbinding the last one disables the callsites again ...
        assert!(registry.unbind(warnings));
        warn_callsite(4);
        debug_callsite(4);
        tracing::warn!(target: "edr", value = ?counted);
        // ... and a bind wanting debug verbosity enables the other one.
        bind("debug", Binding::default().verbosity(Verbosity::Debug));
        debug_callsite(5);
        warn_callsite(5); // warning/warn is wanted by verbosity debug too
    });
    let got: Vec<(String, Value)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| (e.severity().to_string(), e.body()["n"].clone()))
        .collect();
    let expected = [
        ("warning", json!(1)),
        ("warning", json!(2)),
        ("warning", json!(2)),
        ("warning", json!(3)),
        ("ok", json!(5)),
        ("warning", json!(5)),
    ];
    let expected: Vec<(String, Value)> = expected
        .iter()
        .map(|(s, n)| (s.to_string(), n.clone()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        formatted.load(Ordering::SeqCst),
        0,
        "a disabled callsite formatted a field"
    );
}
