//! `Registry::bind_guarded` and its `Subscription` guard: dropping the guard unbinds, wherever
//! it is dropped.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;

use kazoo_records::edr::{Binding, Event, Registry, Severity, Subscription, Verbosity};
use serde_json::json;

fn event(app: &str) -> Event {
    Event::new(app, "1", Severity::Ok, Verbosity::Info, json!({}))
}

fn counting(registry: &Arc<Registry>, name: &str, app: &str) -> (Subscription, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let sink = Arc::clone(&calls);
    let guard = registry
        .bind_guarded(name, [Binding::default().app(app)], move |_| {
            sink.fetch_add(1, SeqCst);
        })
        .expect("bind");
    (guard, calls)
}

#[test]
fn the_guard_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Subscription>();
}

#[test]
fn dropping_the_guard_unbinds() {
    let registry = Arc::new(Registry::new());
    let (guard, calls) = counting(&registry, "g", "a");
    assert_eq!(registry.subscriptions()[0].id, guard.id());
    assert_eq!(registry.dispatch(&event("a")).delivered, 1);
    drop(guard);
    assert_eq!(registry.dispatch(&event("a")).delivered, 0);
    assert_eq!(calls.load(SeqCst), 1);
    assert!(registry.subscriptions().is_empty());
    assert!(!registry.is_interested(Severity::Ok, Verbosity::Info));
    // The name is free again.
    let (_again, _) = counting(&registry, "g", "a");
}

#[test]
fn unbind_and_detach_and_unbind_by_id() {
    let registry = Arc::new(Registry::new());
    let (guard, _) = counting(&registry, "g", "a");
    assert!(guard.unbind());
    assert!(registry.subscriptions().is_empty());

    let (guard, _) = counting(&registry, "h", "a");
    let id = guard.detach();
    assert_eq!(
        registry.dispatch(&event("a")).delivered,
        1,
        "detached stays bound"
    );
    assert!(registry.unbind(id));

    let (guard, _) = counting(&registry, "i", "a");
    assert!(registry.unbind(guard.id()));
    assert!(!guard.unbind(), "unbound by id already");
}

#[test]
fn a_guard_outliving_its_registry_does_nothing_when_dropped() {
    let registry = Arc::new(Registry::new());
    let (guard, _) = counting(&registry, "g", "a");
    drop(registry);
    assert!(!guard.unbind());
}

#[test]
fn a_guard_dropped_inside_another_callback_unbinds() {
    let registry = Arc::new(Registry::new());
    let (guard, calls) = counting(&registry, "target", "b");
    let slot = Arc::new(Mutex::new(Some(guard)));
    let held = Arc::clone(&slot);
    registry
        .bind("dropper", [Binding::default().app("a")], move |_| {
            let guard = held.lock().unwrap().take();
            drop(guard);
        })
        .unwrap();
    assert_eq!(registry.dispatch(&event("b")).delivered, 1);
    assert_eq!(registry.dispatch(&event("a")).delivered, 1);
    assert!(slot.lock().unwrap().is_none());
    assert_eq!(registry.dispatch(&event("b")).delivered, 0);
    assert_eq!(calls.load(SeqCst), 1);
    assert_eq!(registry.subscriptions().len(), 1);
}

#[test]
fn a_guard_dropped_during_a_nested_dispatch_stops_deliveries_at_once() {
    let registry = Arc::new(Registry::new());
    // Bound first, so it is walked before the target in the same dispatch.
    let slot: Arc<Mutex<Option<Subscription>>> = Arc::new(Mutex::new(None));
    let held = Arc::clone(&slot);
    let weak = Arc::downgrade(&registry);
    let nested = Arc::new(Mutex::new(None));
    let nested_sink = Arc::clone(&nested);
    registry
        .bind("outer", [Binding::default().app("x")], move |_| {
            let registry = weak.upgrade().unwrap();
            // Drop the guard while dispatching a nested event that the target selects.
            drop(held.lock().unwrap().take());
            *nested_sink.lock().unwrap() = Some(registry.dispatch(&event("x")));
        })
        .unwrap();
    let (guard, calls) = counting(&registry, "target", "x");
    *slot.lock().unwrap() = Some(guard);
    let report = registry.dispatch(&event("x"));
    // The outer subscription ran (its nested dispatch found only itself, which re-entered
    // with nothing left to drop); the target was unbound before it was reached.
    assert_eq!(calls.load(SeqCst), 0);
    assert_eq!(report.delivered, 1);
    assert!(nested.lock().unwrap().is_some());
    assert_eq!(registry.subscriptions().len(), 1);
}

#[test]
fn a_guard_dropped_on_another_thread_unbinds() {
    let registry = Arc::new(Registry::new());
    let (guard, calls) = counting(&registry, "g", "a");
    assert_eq!(registry.dispatch(&event("a")).delivered, 1);
    thread::spawn(move || drop(guard)).join().unwrap();
    assert_eq!(registry.dispatch(&event("a")).delivered, 0);
    assert_eq!(calls.load(SeqCst), 1);
    assert!(registry.subscriptions().is_empty());
}

#[test]
fn guards_dropped_on_threads_while_others_dispatch() {
    let registry = Arc::new(Registry::new());
    let guards: Vec<_> = (0..16)
        .map(|i| counting(&registry, &format!("g{i}"), "a").0)
        .collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let dispatcher = {
        let registry = Arc::clone(&registry);
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            while !stop.load(SeqCst) {
                assert!(registry.dispatch(&event("a")).delivered <= 16);
            }
        })
    };
    let droppers: Vec<_> = guards
        .into_iter()
        .map(|guard| thread::spawn(move || drop(guard)))
        .collect();
    for dropper in droppers {
        dropper.join().unwrap();
    }
    stop.store(true, SeqCst);
    dispatcher.join().unwrap();
    assert!(registry.subscriptions().is_empty());
    assert_eq!(registry.dispatch(&event("a")).delivered, 0);
}
