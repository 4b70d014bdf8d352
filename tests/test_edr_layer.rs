//! `edr::EdrLayer`: `tracing` events with target `edr` become EDR events, end to end through
//! a `tracing_subscriber` stack.
#![cfg(feature = "tracing")]

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use kazoo_records::edr::{
    App, Binding, EdrLayer, Emitter, Event, Registry, Severity, SubscriptionId, Verbosity,
};
use kazoo_records::time::GregorianSeconds;
use serde_json::json;
use tracing::Level;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Every event the recorder subscription received.
type Seen = Arc<Mutex<Vec<Event>>>;

/// A binding that selects every event.
fn everything() -> Binding {
    Binding::default().verbosity(Verbosity::Trace)
}

/// Binds a subscription named `name` that records what it receives into `seen`.
fn record(registry: &Registry, name: &str, binding: Binding, seen: &Seen) -> SubscriptionId {
    let sink = Arc::clone(seen);
    registry
        .bind(name, [binding], move |e: &Event| {
            sink.lock().unwrap().push(e.clone())
        })
        .unwrap()
}

/// A registry whose one subscription (`binding`) records every event it receives.
fn recording(binding: Binding) -> (Arc<Registry>, Seen) {
    let registry = Arc::new(Registry::new());
    let seen = Seen::default();
    record(&registry, "recorder", binding, &seen);
    (registry, seen)
}

/// The layer under test: a fixed clock and node, app `tester` 1.0.
fn layer(registry: &Arc<Registry>) -> EdrLayer {
    let emitter = Emitter::new(Arc::clone(registry))
        .with_node("kazoo_apps@test")
        .with_clock(|| GregorianSeconds(63_595_733_389));
    EdrLayer::new(emitter, App::new("tester", "1.0"))
}

/// Runs `f` with `registry`'s layer as the thread's `tracing` subscriber.
fn traced(registry: &Arc<Registry>, f: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(layer(registry));
    tracing::subscriber::with_default(subscriber, f);
}

/// The recorded events, taken.
fn taken(seen: &Seen) -> Vec<Event> {
    std::mem::take(&mut *seen.lock().unwrap())
}

/// A value whose `Debug` counts how often it is formatted.
struct Counted(Arc<AtomicUsize>);

impl fmt::Debug for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("counted")
    }
}

/// A value whose `Debug` writes a little, then fails.
struct Failing;

impl fmt::Debug for Failing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("warn")?;
        Err(fmt::Error)
    }
}

#[test]
fn levels_map_onto_severities_and_verbosities_as_documented() {
    let (registry, seen) = recording(everything());
    traced(&registry, || {
        tracing::error!(target: "edr", "e");
        tracing::warn!(target: "edr", "w");
        tracing::info!(target: "edr", "i");
        tracing::debug!(target: "edr", "d");
        tracing::trace!(target: "edr", "t");
    });
    let got: Vec<_> = taken(&seen)
        .iter()
        .map(|e| (e.body()["message"].clone(), e.severity(), e.verbosity()))
        .collect();
    assert_eq!(
        got,
        [
            (json!("e"), Severity::Critical, Verbosity::Error),
            (json!("w"), Severity::Warning, Verbosity::Warn),
            (json!("i"), Severity::Ok, Verbosity::Info),
            (json!("d"), Severity::Ok, Verbosity::Debug),
            (json!("t"), Severity::Ok, Verbosity::Trace),
        ]
    );
}

#[test]
fn explicit_levels_override_the_tracing_level_even_where_it_is_not_wanted() {
    // Only critical/fatal is wanted: an `info!` is enabled only through its fields.
    let (registry, seen) = recording(
        Binding::default()
            .severity(Severity::Critical)
            .verbosity(Verbosity::Fatal),
    );
    traced(&registry, || {
        tracing::info!(target: "edr", severity = "critical", verbosity = "fatal", "down");
        tracing::info!(target: "edr", severity = %Severity::Critical, verbosity = %Verbosity::Fatal);
        // One of the two overridden: the other column comes from the level (error), not wanted.
        tracing::error!(target: "edr", severity = "critical", "not fatal");
        tracing::trace!(target: "edr", verbosity = "fatal", "ok, not critical");
        tracing::error!(target: "edr", verbosity = "fatal", "critical from ERROR");
    });
    let got = taken(&seen);
    assert_eq!(got.len(), 3, "{got:?}");
    for event in &got {
        assert_eq!(
            (event.severity(), event.verbosity()),
            (Severity::Critical, Verbosity::Fatal)
        );
        // A field that was used is not repeated in the body.
        assert!(event.body().get("severity").is_none(), "{event:?}");
        assert!(event.body().get("verbosity").is_none(), "{event:?}");
    }
    assert_eq!(got[0].body(), &json!({"message": "down"}));
    assert_eq!(got[1].body(), &json!({}));
    assert_eq!(got[2].body(), &json!({"message": "critical from ERROR"}));
}

#[test]
fn named_fields_set_the_app_and_account() {
    let (registry, seen) = recording(everything());
    let emitter = Emitter::new(Arc::clone(&registry))
        .with_node("kazoo_apps@test")
        .with_account_tree(|account: &str| (account == "abc").then(|| vec!["reseller".into()]));
    let subscriber =
        tracing_subscriber::registry().with(EdrLayer::new(emitter, App::new("tester", "1.0")));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "edr", app_name = "callflow", app_version = "4.3.1", account_id = "abc");
        let account = String::from("def");
        tracing::info!(target: "edr", app_name = "crossbar", account_id = %account);
        tracing::info!(target: "edr", app_version = "2.0");
    });
    let got = taken(&seen);
    let shape: Vec<_> = got
        .iter()
        .map(|e| {
            (
                e.app_name(),
                e.app_version(),
                e.account_id(),
                e.account_tree(),
                e.node(),
            )
        })
        .collect();
    let tree = ["reseller".to_owned()];
    assert_eq!(
        shape,
        [
            (
                "callflow",
                "4.3.1",
                Some("abc"),
                Some(&tree[..]),
                "kazoo_apps@test"
            ),
            ("crossbar", "1.0", Some("def"), None, "kazoo_apps@test"),
            ("tester", "2.0", None, None, "kazoo_apps@test"),
        ]
    );
    assert!(got.iter().all(|e| e.body() == &json!({})), "{got:?}");
    assert_eq!(got[0].routing_key().unwrap(), "edr.ok.info.abc.callflow");
}

#[test]
fn other_fields_land_in_the_body_with_their_types() {
    let (registry, seen) = recording(everything());
    #[derive(Debug)]
    struct Call {
        #[allow(dead_code)]
        id: u32,
    }
    let io = std::io::Error::other("socket closed");
    traced(&registry, || {
        tracing::warn!(
            target: "edr",
            negative = -5_i64,
            big = u64::MAX,
            yes = true,
            no = false,
            name = "queue one",
            owned = String::from("owned"),
            ratio = 0.25,
            nan = f64::NAN,
            huge = i128::MIN,
            huge_unsigned = u128::MAX,
            small_wide = 7_i128,
            call = ?Call { id: 9 },
            shown = %"display text",
            error = &io as &(dyn std::error::Error + 'static),
            call.id = 12,
            bytes = &b"hi"[..],
            "{} attempts", 3
        );
    });
    let got = taken(&seen);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].body(),
        &json!({
            "negative": -5,
            "big": u64::MAX,
            "yes": true,
            "no": false,
            "name": "queue one",
            "owned": "owned",
            "ratio": 0.25,
            "nan": "NaN",
            "huge": i128::MIN.to_string(),
            "huge_unsigned": u128::MAX.to_string(),
            "small_wide": 7,
            "call": "Call { id: 9 }",
            "shown": "display text",
            "error": "socket closed",
            "call.id": 12,
            "bytes": "[68 69]",
            "message": "3 attempts",
        })
    );
    // Typed, not stringly: the numbers are JSON numbers.
    assert!(got[0].body()["negative"].is_i64());
    assert!(got[0].body()["big"].is_u64());
    assert!(got[0].body()["ratio"].is_f64());
}

#[test]
fn other_targets_and_spans_are_ignored() {
    let (registry, seen) = recording(everything());
    traced(&registry, || {
        tracing::error!(target: "other", "not an EDR");
        tracing::error!("the default target is the module path");
        tracing::error!(target: "edr_like", "not exactly edr");
        tracing::error!(target: "edr::sub", "not exactly edr");
        let span = tracing::error_span!(target: "edr", "a span, not an event", k = 1);
        let _entered = span.enter();
    });
    assert!(taken(&seen).is_empty());
}

#[test]
fn disabled_callsites_never_build_an_event() {
    let formatted = Arc::new(AtomicUsize::new(0));
    let emit = |formatted: &Arc<AtomicUsize>| {
        tracing::info!(target: "edr", probe = ?Counted(Arc::clone(formatted)), "m");
        tracing::info!(target: "edr", severity = "ok", probe = ?Counted(Arc::clone(formatted)));
    };

    // Nobody subscribed.
    let registry = Arc::new(Registry::new());
    traced(&registry, || emit(&formatted));
    assert_eq!(formatted.load(Ordering::SeqCst), 0);

    // Subscribed, but only to critical: the first callsite is disabled; the second is
    // enabled (its `severity` field could say critical) but says ok, so its body is not built.
    let ids = Arc::new(AtomicUsize::new(0));
    let clock_reads = Arc::new(AtomicUsize::new(0));
    let (i, c) = (Arc::clone(&ids), Arc::clone(&clock_reads));
    let seen = Seen::default();
    record(
        &registry,
        "critical",
        Binding::default().severity(Severity::Critical),
        &seen,
    );
    let emitter = Emitter::new(Arc::clone(&registry))
        .with_id_generator(move || {
            i.fetch_add(1, Ordering::SeqCst);
            "an id"
        })
        .with_clock(move || {
            c.fetch_add(1, Ordering::SeqCst);
            GregorianSeconds(63_595_733_389)
        });
    // Another layer shows which events `tracing` dispatched at all.
    let dispatched = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry()
        .with(EdrLayer::new(emitter, App::new("tester", "1.0")))
        .with(Counting(Arc::clone(&dispatched)));
    tracing::subscriber::with_default(subscriber, || {
        emit(&formatted);
        // The first callsite was disabled before dispatch; the second reached the layers.
        assert_eq!(dispatched.load(Ordering::SeqCst), 1);
        assert_eq!(formatted.load(Ordering::SeqCst), 0);
        assert_eq!(
            ids.load(Ordering::SeqCst) + clock_reads.load(Ordering::SeqCst),
            0
        );
        assert!(taken(&seen).is_empty());

        // Wanted: each field is formatted once, one id and one clock read.
        tracing::info!(target: "edr", severity = "critical", probe = ?Counted(Arc::clone(&formatted)));
        assert_eq!(formatted.load(Ordering::SeqCst), 1);
        assert_eq!(ids.load(Ordering::SeqCst), 1);
        assert_eq!(clock_reads.load(Ordering::SeqCst), 1);
        let got = taken(&seen);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body(), &json!({"probe": "counted"}));
        assert_eq!(got[0].id().as_str(), "an id");
    });
}

/// One callsite, hit again and again.
fn one_callsite(n: u64) {
    tracing::warn!(target: "edr", n);
}

#[test]
fn binding_after_the_first_hit_starts_delivery_and_unbinding_stops_it() {
    let registry = Arc::new(Registry::new());
    let seen = Seen::default();
    traced(&registry, || {
        one_callsite(0); // registers the callsite, with nobody interested
        let id = record(&registry, "late", Binding::default(), &seen);
        one_callsite(1);
        assert!(registry.unbind(id));
        one_callsite(2);
        record(&registry, "again", Binding::default(), &seen);
        one_callsite(3);
    });
    let got: Vec<_> = taken(&seen).iter().map(|e| e.body()["n"].clone()).collect();
    assert_eq!(got, [json!(1), json!(3)]);
}

#[test]
fn bad_named_values_are_delivered_with_the_default_and_kept_in_the_body() {
    let (registry, seen) = recording(everything());
    traced(&registry, || {
        tracing::warn!(target: "edr", severity = "OK", "bad severity");
        tracing::warn!(target: "edr", verbosity = 7, "a number is not a verbosity");
        tracing::warn!(target: "edr", severity = ?Severity::Critical, "Debug is not the name");
        tracing::warn!(target: "edr", severity = ?Failing, "a failing Debug");
        tracing::warn!(target: "edr", account_id = 42, app_name = true, app_version = 1.5);
    });
    let got = taken(&seen);
    let shape: Vec<_> = got
        .iter()
        .map(|e| {
            (
                e.severity(),
                e.verbosity(),
                e.app_name(),
                e.app_version(),
                e.account_id(),
                e.body().clone(),
            )
        })
        .collect();
    let default = |body| {
        (
            Severity::Warning,
            Verbosity::Warn,
            "tester",
            "1.0",
            None,
            body,
        )
    };
    assert_eq!(
        shape,
        [
            default(json!({"severity": "OK", "message": "bad severity"})),
            default(json!({"verbosity": 7, "message": "a number is not a verbosity"})),
            default(json!({"severity": "Critical", "message": "Debug is not the name"})),
            default(json!({"severity": "warn", "message": "a failing Debug"})),
            default(json!({"account_id": 42, "app_name": true, "app_version": 1.5})),
        ]
    );
}

/// A layer that counts the events it is shown.
struct Counting(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for Counting {
    fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn the_layer_vetoes_only_unwanted_edr_events() {
    let (registry, seen) = recording(Binding::default().severity(Severity::Warning));
    let shown = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry()
        .with(layer(&registry))
        .with(Counting(Arc::clone(&shown)));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "other", "another layer's event");
        tracing::event!(target: "other", Level::TRACE, "another layer's event");
        assert_eq!(shown.load(Ordering::SeqCst), 2);
        tracing::info!(target: "edr", "nobody wants ok: disabled for the whole stack");
        assert_eq!(shown.load(Ordering::SeqCst), 2);
        tracing::warn!(target: "edr", "wanted: every layer sees it");
        assert_eq!(shown.load(Ordering::SeqCst), 3);
    });
    assert_eq!(taken(&seen).len(), 1);
}

#[test]
fn a_sibling_layers_own_filter_does_not_limit_the_edrs() {
    let (registry, seen) = recording(everything());
    let shown = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry()
        .with(Counting(Arc::clone(&shown)).with_filter(LevelFilter::INFO))
        .with(layer(&registry));
    tracing::subscriber::with_default(subscriber, || {
        tracing::trace!(target: "edr", "below the sibling's level");
        tracing::info!(target: "edr", "at it");
        tracing::trace!(target: "other", "nobody's");
    });
    let got: Vec<_> = taken(&seen).iter().map(|e| e.verbosity()).collect();
    assert_eq!(got, [Verbosity::Trace, Verbosity::Info]);
    assert_eq!(shown.load(Ordering::SeqCst), 1);
}

#[test]
fn a_panicking_subscriber_does_not_escape_the_tracing_call() {
    let registry = Arc::new(Registry::new());
    registry
        .bind("broken", [everything()], |_| panic!("bug in a subscriber"))
        .unwrap();
    let seen = Seen::default();
    record(&registry, "after", everything(), &seen);
    traced(
        &registry,
        || tracing::error!(target: "edr", "still delivered"),
    );
    assert_eq!(taken(&seen).len(), 1);
    assert_eq!(registry.stats().panicked, 1);
}

#[test]
fn a_callback_emits_nested_edrs_through_an_emitter_not_through_tracing() {
    let registry = Arc::new(Registry::new());
    let seen = Seen::default();
    record(&registry, "nested", Binding::default().app("nested"), &seen);
    // The emitter in the callback holds the registry: unbinding at the end breaks the cycle.
    let emitter = Emitter::new(Arc::clone(&registry));
    let relay = registry
        .bind("relay", [Binding::default().app("tester")], move |_| {
            // Dropped by tracing's re-entrancy guard (a scoped subscriber is set).
            tracing::info!(target: "edr", app_name = "nested", via = "tracing");
            let nested = App::new("nested", "1");
            emitter.emit(
                &nested,
                Severity::Ok,
                Verbosity::Info,
                || json!({"via": "emitter"}),
            );
        })
        .unwrap();
    traced(&registry, || tracing::info!(target: "edr", "outer"));
    let got: Vec<_> = taken(&seen).iter().map(|e| e.body().clone()).collect();
    assert_eq!(got, [json!({"via": "emitter"})]);
    assert!(registry.unbind(relay));
}

#[test]
fn the_layer_is_send_sync_clone_and_debug() {
    fn check<T: Send + Sync + Clone + fmt::Debug + 'static>() {}
    check::<EdrLayer>();
    let registry = Arc::new(Registry::new());
    let layer = layer(&registry);
    assert_eq!(
        (layer.app().name(), layer.app().version()),
        ("tester", "1.0")
    );
    assert!(Arc::ptr_eq(layer.emitter().registry(), &registry));
    assert!(format!("{layer:?}").contains("EdrLayer"));
    assert_eq!(EdrLayer::TARGET, "edr");
}
