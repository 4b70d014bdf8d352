//! `edr::Emitter`: the interest check, event building and injection points.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use kazoo_records::edr::{App, Binding, Emitter, Event, EventId, Registry, Severity, Verbosity};
use kazoo_records::time::GregorianSeconds;
use serde_json::json;

/// A registry whose one subscription records every event it receives.
fn recording(binding: Binding) -> (Arc<Registry>, Arc<Mutex<Vec<Event>>>) {
    let registry = Arc::new(Registry::new());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    registry
        .bind("recorder", [binding], move |e: &Event| {
            sink.lock().unwrap().push(e.clone())
        })
        .unwrap();
    (registry, seen)
}

/// A body closure that counts its calls.
fn counted(calls: &Arc<AtomicUsize>) -> impl FnOnce() -> serde_json::Value + use<> {
    let calls = Arc::clone(calls);
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        json!({"built": true})
    }
}

#[test]
fn nobody_interested_means_nothing_is_built() {
    let (registry, seen) = recording(Binding::default().severity(Severity::Critical));
    let clock_reads = Arc::new(AtomicUsize::new(0));
    let ids_made = Arc::new(AtomicUsize::new(0));
    let trees = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(AtomicUsize::new(0));
    let (c, i, t) = (
        Arc::clone(&clock_reads),
        Arc::clone(&ids_made),
        Arc::clone(&trees),
    );
    let emitter = Emitter::new(registry)
        .with_clock(move || {
            c.fetch_add(1, Ordering::SeqCst);
            GregorianSeconds(63_595_733_389)
        })
        .with_id_generator(move || {
            i.fetch_add(1, Ordering::SeqCst);
            EventId::generate()
        })
        .with_account_tree(move |_: &str| {
            t.fetch_add(1, Ordering::SeqCst);
            None
        });
    let app = App::new("app", "1");
    assert_eq!(
        emitter.emit(&app, Severity::Ok, Verbosity::Info, counted(&bodies)),
        None
    );
    assert_eq!(
        emitter.emit_for_account(
            &app,
            "abc",
            Severity::Warning,
            Verbosity::Fatal,
            counted(&bodies)
        ),
        None
    );
    assert_eq!(
        emitter.event("app", "1", Severity::Ok, Verbosity::Info, json!({})),
        None
    );
    assert_eq!(
        emitter.event_for_account(
            "app",
            "1",
            Severity::Warning,
            Verbosity::Fatal,
            json!({}),
            "abc"
        ),
        None
    );
    for counter in [&clock_reads, &ids_made, &trees, &bodies] {
        assert_eq!(counter.load(Ordering::SeqCst), 0);
    }
    assert!(seen.lock().unwrap().is_empty());

    // Interested: one clock read, one id, one tree lookup, one body.
    let report = emitter
        .emit_for_account(
            &app,
            "abc",
            Severity::Critical,
            Verbosity::Info,
            counted(&bodies),
        )
        .unwrap();
    assert_eq!(report.delivered, 1);
    for counter in [&clock_reads, &ids_made, &trees, &bodies] {
        assert_eq!(counter.load(Ordering::SeqCst), 1);
    }
    assert_eq!(seen.lock().unwrap()[0].body(), &json!({"built": true}));
    // The positional form takes the same path: one more of each (its body was built already).
    let report = emitter
        .event_for_account(
            "app",
            "1",
            Severity::Critical,
            Verbosity::Info,
            json!({}),
            "abc",
        )
        .unwrap();
    assert_eq!(report.delivered, 1);
    for counter in [&clock_reads, &ids_made, &trees] {
        assert_eq!(counter.load(Ordering::SeqCst), 2);
    }
    // Without an account, no tree lookup.
    let report = emitter
        .emit(&app, Severity::Critical, Verbosity::Info, counted(&bodies))
        .unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(trees.load(Ordering::SeqCst), 2);
    assert_eq!(bodies.load(Ordering::SeqCst), 2);
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn events_carry_node_time_id_account_and_tree() {
    let (registry, seen) = recording(
        Binding::default()
            .account("reseller")
            .include_descendants(true),
    );
    let emitter = Emitter::new(registry)
        .with_node("kazoo_apps@host")
        .with_clock(|| GregorianSeconds(63_724_403_408))
        .with_id_generator(|| "0123456789abcdef0123456789abcdef".to_owned())
        .with_account_tree(|account: &str| match account {
            "customer" => Some(vec!["root".into(), "reseller".into()]),
            _ => None,
        });
    let callflow = App::new("callflow", "4.3.1");
    let report = emitter
        .emit_for_account(
            &callflow,
            "customer",
            Severity::Ok,
            Verbosity::Info,
            || json!({"k": 1}),
        )
        .unwrap();
    assert_eq!(report.delivered, 1);
    {
        let seen = seen.lock().unwrap();
        let e = &seen[0];
        assert_eq!(e.node(), "kazoo_apps@host");
        assert_eq!(e.gregorian_time(), GregorianSeconds(63_724_403_408));
        assert_eq!(e.timestamp(), "2019-05-06T23:10:08Z");
        assert_eq!(e.id().as_str(), "0123456789abcdef0123456789abcdef");
        assert_eq!(e.account_id(), Some("customer"));
        assert_eq!(
            e.account_tree(),
            Some(&["root".to_owned(), "reseller".to_owned()][..])
        );
        assert_eq!((e.app_name(), e.app_version()), ("callflow", "4.3.1"));
        assert_eq!(e.body(), &json!({"k": 1}));
    }
    // The positional form builds the same event.
    let report = emitter
        .event_for_account(
            "callflow",
            "4.3.1",
            Severity::Ok,
            Verbosity::Info,
            json!({"k": 1}),
            "customer",
        )
        .unwrap();
    assert_eq!(report.delivered, 1);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1], seen[0]);
    }
    // An account the resolver does not know: no tree, and so not a descendant.
    let report = emitter
        .emit_for_account(&callflow, "stranger", Severity::Ok, Verbosity::Info, || {
            json!({})
        })
        .unwrap();
    assert_eq!(report.delivered, 0);
    let report = emitter
        .event_for_account(
            "callflow",
            "4.3.1",
            Severity::Ok,
            Verbosity::Info,
            json!({}),
            "stranger",
        )
        .unwrap();
    assert_eq!(report.delivered, 0);
}

#[test]
fn emit_and_event_build_the_same_event_without_an_account() {
    let (registry, seen) = recording(Binding::default());
    let emitter = Emitter::new(registry)
        .with_clock(|| GregorianSeconds(63_724_403_408))
        .with_id_generator(|| "0123456789abcdef0123456789abcdef".to_owned())
        .with_account_tree(|_: &str| Some(vec!["root".into()]));
    let app = App::new("crossbar", "4.3.1");
    let emitted = emitter.emit(
        &app,
        Severity::Warning,
        Verbosity::Error,
        || json!({"k": 1}),
    );
    let positional = emitter.event(
        "crossbar",
        "4.3.1",
        Severity::Warning,
        Verbosity::Error,
        json!({"k": 1}),
    );
    assert_eq!(emitted.map(|r| r.delivered), Some(1));
    assert_eq!(positional, emitted);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], seen[1]);
    let e = &seen[0];
    assert_eq!((e.app_name(), e.app_version()), ("crossbar", "4.3.1"));
    assert_eq!(
        (e.severity(), e.verbosity()),
        (Severity::Warning, Verbosity::Error)
    );
    assert_eq!((e.account_id(), e.account_tree()), (None, None));
}

#[test]
fn an_app_is_a_name_and_a_version() {
    fn check<T: Send + Sync + Clone + Eq + std::hash::Hash + std::fmt::Debug>() {}
    check::<App>();
    let app = App::new("callflow", String::from("4.3.1"));
    assert_eq!((app.name(), app.version()), ("callflow", "4.3.1"));
    assert_eq!(app.clone(), app);
    assert_ne!(app, App::new("4.3.1", "callflow"));
    assert_eq!(
        format!("{app:?}"),
        r#"App { name: "callflow", version: "4.3.1" }"#
    );
    let set: std::collections::HashSet<App> = [app.clone(), app.clone()].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn defaults_are_the_system_clock_generated_ids_and_the_default_node() {
    let (registry, seen) = recording(Binding::default());
    let emitter = Emitter::new(Arc::clone(&registry));
    assert!(Arc::ptr_eq(emitter.registry(), &registry));
    let before = GregorianSeconds::now();
    emitter
        .emit(&App::new("app", "1"), Severity::Ok, Verbosity::Info, || {
            json!({})
        })
        .unwrap();
    emitter
        .event("app", "1", Severity::Ok, Verbosity::Info, json!({}))
        .unwrap();
    let after = GregorianSeconds::now();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0].id(), seen[1].id());
    assert!(seen.iter().all(|e| e.id().is_kazoo_form()
        && e.node() == Event::DEFAULT_NODE
        && e.account_id().is_none()));
    assert!(
        seen.iter()
            .all(|e| (before..=after).contains(&e.gregorian_time()))
    );
}

#[test]
fn emitters_are_shared_across_threads() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Emitter>();
    let (registry, seen) = recording(Binding::default());
    let emitter = Emitter::new(registry);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let emitter = emitter.clone();
            s.spawn(move || {
                let app = App::new("app", "1");
                for _ in 0..250 {
                    emitter
                        .emit(&app, Severity::Ok, Verbosity::Info, || json!({}))
                        .unwrap();
                }
            });
        }
    });
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1000);
    let ids: std::collections::HashSet<_> = seen.iter().map(|e| e.id().clone()).collect();
    assert_eq!(ids.len(), 1000);
}
