//! The registry's counters: per subscription (`SubscriptionInfo`) and in total
//! (`RegistryStats`), across threads that come and go, unbinds and reused counter slots.

use std::sync::Arc;
use std::thread;

use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
use serde_json::json;

fn event(app: &str) -> Event {
    Event::new(app, "1", Severity::Ok, Verbosity::Info, json!({}))
}

fn counts(registry: &Registry, name: &str) -> Option<(u64, u64)> {
    registry
        .subscriptions()
        .into_iter()
        .find(|info| info.name == name)
        .map(|info| (info.delivered, info.panicked))
}

#[test]
fn counts_are_exact_over_threads_that_exit_and_survive_unbinding() {
    let registry = Arc::new(Registry::new());
    registry.bind("all", [Binding::default()], |_| {}).unwrap();
    let crossbar = registry
        .bind("crossbar", [Binding::default().app("crossbar")], |_| {})
        .unwrap();
    registry
        .bind("broken", [Binding::default().app("callflow")], |_| {
            panic!("callflow subscriber failed")
        })
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let registry = Arc::clone(&registry);
            thread::spawn(move || {
                for i in 0..(100 * (t + 1)) {
                    let app = if i % 2 == 0 { "crossbar" } else { "callflow" };
                    registry.dispatch(&event(app));
                }
            })
        })
        .collect();
    for handle in threads {
        handle.join().unwrap();
    }
    // 1000 events: 500 crossbar, 500 callflow (each panicking once).
    assert_eq!(counts(&registry, "all"), Some((1_000, 0)));
    assert_eq!(counts(&registry, "crossbar"), Some((500, 0)));
    assert_eq!(counts(&registry, "broken"), Some((0, 500)));
    let broken = registry
        .subscriptions()
        .into_iter()
        .find(|s| s.name == "broken")
        .unwrap();
    assert_eq!(
        broken.last_panic.as_deref(),
        Some("callflow subscriber failed")
    );
    let stats = registry.stats();
    assert_eq!(
        (stats.dispatched, stats.delivered, stats.panicked),
        (1_000, 1_500, 500)
    );

    // Binds and unbinds forget the exited threads' slots; their counts stay.
    assert!(registry.unbind(crossbar));
    let fresh = registry
        .bind("fresh", [Binding::default()], |_| {})
        .unwrap();
    assert_eq!(
        counts(&registry, "fresh"),
        Some((0, 0)),
        "a reused counter slot starts at zero"
    );
    assert_eq!(counts(&registry, "all"), Some((1_000, 0)));
    let after = registry.stats();
    assert_eq!((after.dispatched, after.delivered), (1_000, 1_500));

    registry.dispatch(&event("crossbar"));
    assert_eq!(counts(&registry, "fresh"), Some((1, 0)));
    assert_eq!(counts(&registry, "all"), Some((1_001, 0)));
    assert!(registry.unbind(fresh));
    assert_eq!(registry.stats().delivered, 1_502);
}

#[test]
fn events_nobody_selects_are_not_counted_as_dispatched() {
    let registry = Registry::new();
    registry
        .bind(
            "warnings",
            [Binding::default().severity(Severity::Warning)],
            |_| {},
        )
        .unwrap();
    registry.dispatch(&event("app"));
    let stats = registry.stats();
    assert_eq!(
        (stats.dispatched, stats.delivered),
        (0, 0),
        "not interested"
    );
    let warning = Event::new("app", "1", Severity::Warning, Verbosity::Info, json!({}));
    registry.dispatch(&warning);
    registry.dispatch(&warning.clone().with_account("abc"));
    let stats = registry.stats();
    assert_eq!((stats.dispatched, stats.delivered), (2, 2));
}

#[test]
fn many_subscriptions_count_apart_as_the_tables_grow() {
    let registry = Registry::new();
    let ids: Vec<_> = (0..600)
        .map(|i| {
            registry
                .bind(
                    format!("s{i}"),
                    [Binding::default().app(format!("app{i}"))],
                    |_| {},
                )
                .unwrap()
        })
        .collect();
    for i in 0..600 {
        for _ in 0..(i % 3) {
            registry.dispatch(&event(&format!("app{i}")));
        }
    }
    for (i, info) in registry.subscriptions().iter().enumerate() {
        assert_eq!(info.delivered, (i % 3) as u64, "{}", info.name);
    }
    for id in ids.into_iter().step_by(2) {
        assert!(registry.unbind(id));
    }
    for info in registry.subscriptions() {
        let i: usize = info.name[1..].parse().unwrap();
        assert_eq!(info.delivered, (i % 3) as u64, "{}", info.name);
    }
    assert_eq!(registry.stats().delivered, 600);
}

/// A callback binds many subscriptions and dispatches to them: the nested dispatch counts in a
/// larger table than the outer one, which goes on counting in its own; no count is lost.
#[test]
fn counts_stay_exact_when_a_nested_dispatch_needs_a_larger_table() {
    let registry = Arc::new(Registry::new());
    let r = Arc::clone(&registry);
    registry
        .bind("grower", [Binding::default().app("grow")], move |_| {
            for i in 0..300 {
                r.bind(format!("late{i}"), [Binding::default().app("late")], |_| {})
                    .unwrap();
            }
            assert_eq!(r.dispatch(&event("late")).delivered, 300);
        })
        .unwrap();
    registry
        .bind("outer", [Binding::default().app("grow")], |_| {})
        .unwrap();
    // The outer dispatch delivers to "outer" after the nested one grew this thread's table.
    assert_eq!(registry.dispatch(&event("grow")).delivered, 2);
    assert_eq!(registry.dispatch(&event("late")).delivered, 300);
    assert_eq!(counts(&registry, "grower"), Some((1, 0)));
    assert_eq!(counts(&registry, "outer"), Some((1, 0)));
    for i in 0..300 {
        assert_eq!(
            counts(&registry, &format!("late{i}")),
            Some((2, 0)),
            "late{i}"
        );
    }
    let stats = registry.stats();
    assert_eq!((stats.dispatched, stats.delivered), (3, 602));
}
