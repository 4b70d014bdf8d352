//! `edr::Registry`: binding, dispatch rules, panics, re-entrancy and threads.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kazoo_records::ErrorKind;
use kazoo_records::edr::{
    Binding, DispatchReport, Event, Registry, Severity, SubscriptionId, Verbosity,
};
use proptest::prelude::*;
use serde_json::json;

fn event(app: &str, account: Option<&str>, s: Severity, v: Verbosity) -> Event {
    let e = Event::new(app, "1.0", s, v, json!({}));
    match account {
        Some(a) => e.with_account(a),
        None => e,
    }
}

/// A callback that appends `tag` to a shared log.
fn logger(log: &Arc<Mutex<Vec<String>>>, tag: &str) -> impl Fn(&Event) + Send + Sync + 'static {
    let log = Arc::clone(log);
    let tag = tag.to_owned();
    move |_| log.lock().unwrap().push(tag.clone())
}

#[test]
fn delivers_in_bind_order_at_most_once_per_subscription() {
    let registry = Registry::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    // Overlapping bindings in one subscription, filed in different buckets.
    registry
        .bind(
            "overlap",
            [
                Binding::default().account("abc"),
                Binding::default().app("callflow"),
                Binding::default(),
            ],
            logger(&log, "overlap"),
        )
        .unwrap();
    registry
        .bind(
            "second",
            [Binding::default().accounts(["abc", "abc", "*"])],
            logger(&log, "second"),
        )
        .unwrap();
    registry
        .bind(
            "other",
            [Binding::default().account("def")],
            logger(&log, "other"),
        )
        .unwrap();
    registry
        .bind(
            "third",
            [Binding::default().apps(["callflow", "*"])],
            logger(&log, "third"),
        )
        .unwrap();

    let report = registry.dispatch(&event(
        "callflow",
        Some("abc"),
        Severity::Ok,
        Verbosity::Info,
    ));
    assert_eq!(
        (report.delivered, report.panicked, report.dropped_nested),
        (3, 0, 0)
    );
    assert!(report.reached_anyone() && !DispatchReport::default().reached_anyone());
    assert_eq!(*log.lock().unwrap(), ["overlap", "second", "third"]);
}

#[test]
fn names_are_unique_and_bindings_are_validated() {
    let registry = Registry::new();
    let id = registry
        .bind("audit", [Binding::default()], |_| {})
        .unwrap();
    let err = registry
        .bind("audit", [Binding::default()], |_| {})
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Exists);
    assert_eq!(
        err.to_string(),
        r#"a subscription named "audit" is bound already"#
    );

    let err = registry
        .bind(
            "bad",
            [
                Binding::default(),
                Binding::default().apps(["ok", "call.flow"]),
            ],
            |_| {},
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(r#"bindings[1].app_name[1]: "call.flow" is not an app name"#),
        "{err}"
    );
    let err = registry
        .bind("none", Vec::<Binding>::new(), |_| {})
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bindings: [] is not a list of bindings"),
        "{err}"
    );

    // The name is free again after unbind; ids are never reused.
    assert!(registry.unbind(id));
    assert!(!registry.unbind(id));
    let again = registry
        .bind("audit", [Binding::default()], |_| {})
        .unwrap();
    assert!(again > id);
    let infos = registry.subscriptions();
    assert_eq!(infos.len(), 1);
    assert_eq!((infos[0].id, infos[0].name.as_str()), (again, "audit"));
    assert_eq!(infos[0].bindings, [Binding::default()]);
}

#[test]
fn interest_mask_is_exact_after_bind_and_unbind() {
    let registry = Registry::new();
    let cells = |r: &Registry| {
        Severity::ALL
            .iter()
            .flat_map(|s| Verbosity::ALL.iter().map(move |v| (*s, *v)))
            .filter(|(s, v)| r.is_interested(*s, *v))
            .count()
    };
    assert_eq!(cells(&registry), 0);
    let a = registry
        .bind(
            "a",
            [Binding::default()
                .severity(Severity::Critical)
                .verbosity(Verbosity::Trace)
                .exact_verbosity(true)],
            |_| {},
        )
        .unwrap();
    assert_eq!(cells(&registry), 1);
    assert!(registry.is_interested(Severity::Critical, Verbosity::Trace));
    let b = registry
        .bind("b", [Binding::default(), Binding::default()], |_| {})
        .unwrap();
    assert_eq!(cells(&registry), 13);
    assert!(registry.unbind(b));
    assert_eq!(cells(&registry), 1);
    assert!(registry.unbind(a));
    assert_eq!(cells(&registry), 0);
    assert_eq!(
        registry
            .dispatch(&event("x", None, Severity::Critical, Verbosity::Trace))
            .delivered,
        0
    );
}

#[test]
fn include_descendants_through_the_registry() {
    let registry = Registry::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    registry
        .bind(
            "reseller",
            [Binding::default()
                .account("reseller")
                .include_descendants(true)],
            logger(&log, "reseller"),
        )
        .unwrap();
    registry
        .bind(
            "exact",
            [Binding::default().account("reseller")],
            logger(&log, "exact"),
        )
        .unwrap();
    let child = event("app", Some("customer"), Severity::Ok, Verbosity::Info)
        .with_account_tree(vec!["root".into(), "reseller".into()]);
    assert_eq!(registry.dispatch(&child).delivered, 1);
    let own = event("app", Some("reseller"), Severity::Ok, Verbosity::Info);
    assert_eq!(registry.dispatch(&own).delivered, 2);
    let stranger = event("app", Some("x"), Severity::Ok, Verbosity::Info)
        .with_account_tree(vec!["root".into()]);
    assert_eq!(registry.dispatch(&stranger).delivered, 0);
    // A tree without an account (malformed) does not make descendants match.
    let treeless = event("app", None, Severity::Ok, Verbosity::Info)
        .with_account_tree(vec!["reseller".into()]);
    assert_eq!(registry.dispatch(&treeless).delivered, 0);
    assert_eq!(*log.lock().unwrap(), ["reseller", "reseller", "exact"]);
}

#[test]
fn a_panicking_callback_is_caught_and_counted_and_the_others_run() {
    let registry = Registry::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    registry
        .bind("before", [Binding::default()], logger(&log, "before"))
        .unwrap();
    registry
        .bind("broken", [Binding::default()], |_| panic!("subscriber bug"))
        .unwrap();
    registry
        .bind("after", [Binding::default()], logger(&log, "after"))
        .unwrap();
    let e = event("app", None, Severity::Ok, Verbosity::Info);
    for round in 1..=3 {
        let report = registry.dispatch(&e);
        assert_eq!((report.delivered, report.panicked), (2, 1));
        assert_eq!(registry.stats().panicked, round);
    }
    assert_eq!(log.lock().unwrap().len(), 6);
}

#[test]
fn nested_emits_are_delivered_up_to_the_cap_then_dropped_and_counted() {
    let registry = Arc::new(Registry::new());
    let depth_seen = Arc::new(AtomicUsize::new(0));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let (r, d, rep) = (
        Arc::clone(&registry),
        Arc::clone(&depth_seen),
        Arc::clone(&reports),
    );
    // Re-emits every event it receives, one level deeper, forever.
    registry
        .bind("echo", [Binding::default()], move |e: &Event| {
            let level = e.body()["level"].as_u64().unwrap_or(0) as usize;
            d.fetch_max(level, Ordering::SeqCst);
            let next = Event::new(
                "echo",
                "1",
                Severity::Ok,
                Verbosity::Info,
                json!({"level": level + 1}),
            );
            let report = r.dispatch(&next);
            rep.lock().unwrap().push(report);
        })
        .unwrap();
    let report = registry.dispatch(&Event::new(
        "echo",
        "1",
        Severity::Ok,
        Verbosity::Info,
        json!({"level": 0}),
    ));
    assert_eq!(report.delivered, 1);
    assert_eq!(
        depth_seen.load(Ordering::SeqCst),
        Registry::MAX_NESTED_DEPTH
    );
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), Registry::MAX_NESTED_DEPTH + 1);
    assert_eq!(reports[0].dropped_nested, 1, "the deepest emit is dropped");
    assert!(reports[1..].iter().all(|r| r.delivered == 1));
    assert_eq!(registry.stats().dropped_nested, 1);
    drop(reports);
    // The thread's nesting is back to zero: a new top-level event is delivered again.
    assert_eq!(
        registry
            .dispatch(&Event::new(
                "x",
                "1",
                Severity::Ok,
                Verbosity::Info,
                json!({})
            ))
            .delivered,
        1
    );
}

#[test]
fn bind_and_unbind_inside_callbacks_take_effect_from_the_next_event() {
    let registry = Arc::new(Registry::new());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (r, l) = (Arc::clone(&registry), Arc::clone(&log));
    let binder = registry
        .bind("binder", [Binding::default().app("trigger")], move |_| {
            let tag = format!("late{}", r.stats().subscriptions);
            let _ = r.bind(tag.clone(), [Binding::default()], logger(&l, &tag));
        })
        .unwrap();
    let self_unbinder_id = Arc::new(Mutex::new(None::<SubscriptionId>));
    let (r2, me, l2) = (
        Arc::clone(&registry),
        Arc::clone(&self_unbinder_id),
        Arc::clone(&log),
    );
    let id = registry
        .bind("once", [Binding::default()], move |_| {
            l2.lock().unwrap().push("once".into());
            if let Some(id) = *me.lock().unwrap() {
                assert!(r2.unbind(id));
            }
        })
        .unwrap();
    *self_unbinder_id.lock().unwrap() = Some(id);

    let trigger = event("trigger", None, Severity::Ok, Verbosity::Info);
    // First event: binder binds "late2", which must not see this event; "once" unbinds itself.
    assert_eq!(registry.dispatch(&trigger).delivered, 2);
    assert_eq!(*log.lock().unwrap(), ["once"]);
    // Second event: "late2" sees it; "once" is gone.
    let report = registry.dispatch(&trigger);
    assert_eq!(report.delivered, 2);
    assert_eq!(*log.lock().unwrap(), ["once", "late2"]);
    assert!(registry.unbind(binder));
}

#[test]
fn a_callback_may_unbind_another_subscription_later_in_the_same_dispatch() {
    let registry = Arc::new(Registry::new());
    let victim_called = Arc::new(AtomicUsize::new(0));
    let victim_id = Arc::new(Mutex::new(None::<SubscriptionId>));
    let (r, v) = (Arc::clone(&registry), Arc::clone(&victim_id));
    registry
        .bind("killer", [Binding::default()], move |_| {
            if let Some(id) = v.lock().unwrap().take() {
                r.unbind(id);
            }
        })
        .unwrap();
    let c = Arc::clone(&victim_called);
    let id = registry
        .bind("victim", [Binding::default()], move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    *victim_id.lock().unwrap() = Some(id);
    let report = registry.dispatch(&event("a", None, Severity::Ok, Verbosity::Info));
    assert_eq!(report.delivered, 1);
    assert_eq!(victim_called.load(Ordering::SeqCst), 0);
}

#[test]
fn unbind_drops_the_callback() {
    let registry = Registry::new();
    let captured = Arc::new(());
    let held = Arc::clone(&captured);
    let id = registry
        .bind("holder", [Binding::default()], move |_| {
            let _ = &held;
        })
        .unwrap();
    // Dispatch from two threads so that both cache a snapshot holding the callback.
    registry.dispatch(&event("a", None, Severity::Ok, Verbosity::Info));
    std::thread::scope(|s| {
        s.spawn(|| registry.dispatch(&event("a", None, Severity::Ok, Verbosity::Info)));
    });
    assert!(Arc::strong_count(&captured) > 1);
    assert!(registry.unbind(id));
    assert_eq!(
        Arc::strong_count(&captured),
        1,
        "the registry still holds the callback"
    );
}

#[test]
fn unbind_from_a_callback_releases_idle_threads_snapshots() {
    let registry = Arc::new(Registry::new());
    let captured = Arc::new(());
    let held = Arc::clone(&captured);
    let target = registry
        .bind("target", [Binding::default().app("target")], move |_| {
            let _ = &held;
        })
        .unwrap();
    let weak = Arc::downgrade(&registry);
    registry
        .bind("unbinder", [Binding::default().app("unbind")], move |_| {
            if let Some(registry) = weak.upgrade() {
                assert!(registry.unbind(target));
            }
        })
        .unwrap();
    let registry = &*registry;
    let (cached, finish) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
    std::thread::scope(|s| {
        // A thread that caches a snapshot holding the target's callback, then stays idle.
        s.spawn(|| {
            registry.dispatch(&event("target", None, Severity::Ok, Verbosity::Info));
            cached.wait();
            finish.wait();
        });
        cached.wait();
        registry.dispatch(&event("unbind", None, Severity::Ok, Verbosity::Info));
        // This thread's own snapshot is refreshed by its next dispatch.
        registry.dispatch(&event("other", None, Severity::Ok, Verbosity::Info));
        let count = Arc::strong_count(&captured);
        finish.wait();
        assert_eq!(
            count, 1,
            "an idle thread's snapshot still holds the callback"
        );
    });
}

#[test]
fn registries_are_independent_and_dropping_one_releases_its_callbacks() {
    let captured = Arc::new(());
    let (a, b) = (Registry::new(), Registry::new());
    let held = Arc::clone(&captured);
    a.bind("x", [Binding::default()], move |_| {
        let _ = &held;
    })
    .unwrap();
    b.bind("x", [Binding::default().app("only")], |_| {})
        .unwrap();
    let e = event("a", None, Severity::Ok, Verbosity::Info);
    assert_eq!((a.dispatch(&e).delivered, b.dispatch(&e).delivered), (1, 0));
    drop(a);
    assert_eq!(Arc::strong_count(&captured), 1);
    assert_eq!(
        b.dispatch(&event("only", None, Severity::Ok, Verbosity::Info))
            .delivered,
        1
    );
}

/// Threads dispatch while another binds and unbinds; every delivery is counted exactly,
/// and no callback runs after its `unbind` returned.
#[test]
fn stress_dispatch_while_binding_and_unbinding() {
    let registry = Arc::new(Registry::new());
    let stop = Arc::new(AtomicBool::new(false));
    let violations = Arc::new(AtomicUsize::new(0));
    // Two permanent subscriptions: one for every event, one for account "abc" only.
    let all = Arc::new(AtomicUsize::new(0));
    let abc = Arc::new(AtomicUsize::new(0));
    let (c1, c2) = (Arc::clone(&all), Arc::clone(&abc));
    registry
        .bind("all", [Binding::default()], move |_| {
            c1.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    registry
        .bind("abc", [Binding::default().account("abc")], move |_| {
            c2.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    registry
        .bind("panics", [Binding::default().app("boom")], |_| {
            panic!("boom")
        })
        .unwrap();

    let deadline = Instant::now() + Duration::from_millis(1500);
    let emitters: Vec<_> = (0..3)
        .map(|t| {
            let registry = Arc::clone(&registry);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut sent = [0usize; 3]; // total, to abc, boom panics seen
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let account = if i % 2 == 0 { "abc" } else { "def" };
                    let app = if i % 7 == 0 { "boom" } else { "callflow" };
                    let e = event(app, Some(account), Severity::Warning, Verbosity::Error)
                        .with_node(format!("t{t}"));
                    let report = registry.dispatch(&e);
                    sent[0] += 1;
                    sent[1] += usize::from(account == "abc");
                    sent[2] += report.panicked;
                    i += 1;
                }
                sent
            })
        })
        .collect();
    let churn = {
        let registry = Arc::clone(&registry);
        let violations = Arc::clone(&violations);
        std::thread::spawn(move || {
            let mut cycles = 0;
            while Instant::now() < deadline {
                let unbound = Arc::new(AtomicBool::new(false));
                let (u, v) = (Arc::clone(&unbound), Arc::clone(&violations));
                let id = registry
                    .bind(
                        format!("churn{cycles}"),
                        [Binding::default().account("abc")],
                        move |_| {
                            if u.load(Ordering::SeqCst) {
                                v.fetch_add(1, Ordering::SeqCst);
                            }
                        },
                    )
                    .unwrap();
                std::thread::yield_now();
                assert!(registry.unbind(id));
                unbound.store(true, Ordering::SeqCst);
                cycles += 1;
            }
            cycles
        })
    };
    let cycles = churn.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut totals = [0usize; 3];
    for e in emitters {
        let sent = e.join().unwrap();
        for k in 0..3 {
            totals[k] += sent[k];
        }
    }
    assert!(cycles > 10, "the churn thread made progress: {cycles}");
    assert!(totals[0] > 1000, "the emitters made progress: {totals:?}");
    assert_eq!(
        violations.load(Ordering::SeqCst),
        0,
        "a callback ran after its unbind returned"
    );
    assert_eq!(all.load(Ordering::Relaxed), totals[0]);
    assert_eq!(abc.load(Ordering::Relaxed), totals[1]);
    assert_eq!(registry.stats().panicked as usize, totals[2]);
    assert_eq!(registry.stats().subscriptions, 3);
}

/// `distribute`, the old name, is `dispatch`.
#[test]
#[allow(deprecated)]
fn distribute_is_the_deprecated_name_of_dispatch() {
    let registry = Registry::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    registry
        .bind("all", [Binding::default()], logger(&log, "all"))
        .unwrap();
    registry
        .bind(
            "abc",
            [Binding::default().account("abc")],
            logger(&log, "abc"),
        )
        .unwrap();
    let e = event("app", Some("def"), Severity::Ok, Verbosity::Info);
    let expected = DispatchReport {
        delivered: 1,
        panicked: 0,
        dropped_nested: 0,
    };
    assert_eq!(registry.distribute(&e), expected);
    assert_eq!(registry.dispatch(&e), expected);
    assert_eq!(*log.lock().unwrap(), ["all", "all"]);
}

#[derive(Debug, Clone)]
enum Op {
    Bind(Vec<Binding>),
    Unbind(usize),
    Dispatch(Box<Event>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => prop::collection::vec(common::binding(true), 1..3).prop_map(Op::Bind),
        1 => any::<usize>().prop_map(Op::Unbind),
        4 => common::event().prop_map(|e| Op::Dispatch(Box::new(e))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Deliveries equal "each bound subscription one of whose bindings matches, in bind order".
    #[test]
    fn delivery_equals_the_naive_reading(ops in prop::collection::vec(op(), 1..40)) {
        let registry = Registry::new();
        let log = Arc::new(Mutex::new(Vec::<usize>::new()));
        let mut bound: Vec<(usize, SubscriptionId, Vec<Binding>)> = Vec::new();
        for (n, op) in ops.into_iter().enumerate() {
            match op {
                Op::Bind(bindings) => {
                    let l = Arc::clone(&log);
                    let id = registry.bind(format!("s{n}"), bindings.clone(), move |_| l.lock().unwrap().push(n)).unwrap();
                    bound.push((n, id, bindings));
                }
                Op::Unbind(pick) if !bound.is_empty() => {
                    let (_, id, _) = bound.remove(pick % bound.len());
                    prop_assert!(registry.unbind(id));
                }
                Op::Unbind(_) => {}
                Op::Dispatch(e) => {
                    log.lock().unwrap().clear();
                    let expected: Vec<usize> = bound
                        .iter()
                        .filter(|(_, _, bs)| bs.iter().any(|b| b.matches(&e)))
                        .map(|(n, _, _)| *n)
                        .collect();
                    let report = registry.dispatch(&e);
                    prop_assert_eq!(&*log.lock().unwrap(), &expected);
                    prop_assert_eq!(report.delivered, expected.len());
                    let interested = bound.iter().any(|(_, _, bs)| bs.iter().any(|b| {
                        b.selected_severities().any(|s| s == e.severity())
                            && b.selected_verbosities().any(|v| v == e.verbosity())
                    }));
                    prop_assert_eq!(registry.is_interested(e.severity(), e.verbosity()), interested);
                }
            }
        }
    }
}

#[test]
fn several_panicking_callbacks_in_one_dispatch_each_count_once_and_the_rest_run_in_order() {
    let registry = Registry::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    for i in 0..12 {
        let l = Arc::clone(&log);
        registry
            .bind(format!("s{i}"), [Binding::default()], move |_| {
                l.lock().unwrap().push(i);
                if i % 3 == 0 {
                    panic!("subscriber {i}");
                }
            })
            .unwrap();
    }
    let report = registry.dispatch(&event("a", None, Severity::Ok, Verbosity::Info));
    assert_eq!((report.delivered, report.panicked), (8, 4));
    assert_eq!(*log.lock().unwrap(), (0..12).collect::<Vec<_>>());
    assert_eq!(registry.stats().panicked, 4);
}

/// The walks a dispatch can take: one short list, one list longer than a leaf of the index,
/// and several lists merged. In each, every candidate is either delivered, skipped (its body
/// filter refuses the event) or panics, and the report, the stats and the callbacks agree.
#[test]
fn reports_count_deliveries_skips_and_panics_alike_on_every_walk() {
    use kazoo_records::edr::BodyFilter;

    let wanted = BodyFilter::from_json(&serde_json::json!({"/k": [1]})).unwrap();
    let refused = BodyFilter::from_json(&serde_json::json!({"/k": [2]})).unwrap();
    // (subscriptions, how each is bound): any app, or spread over app and account buckets.
    for (n, spread) in [(5, false), (100, false), (5, true), (100, true)] {
        let registry = Registry::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut expected = Vec::new();
        let (mut delivered, mut panicked) = (0, 0);
        for i in 0..n {
            let mut binding = match (spread, i % 3) {
                (false, _) | (true, 0) => Binding::default(),
                (true, 1) => Binding::default().app("a"),
                (true, _) => Binding::default().account("acct"),
            };
            let skipped = i % 5 == 4;
            binding = binding.body(if skipped {
                refused.clone()
            } else {
                wanted.clone()
            });
            let panics = !skipped && i % 7 == 3;
            if !skipped {
                expected.push(i);
                if panics {
                    panicked += 1;
                } else {
                    delivered += 1;
                }
            }
            let l = Arc::clone(&log);
            registry
                .bind(format!("s{i}"), [binding], move |_| {
                    l.lock().unwrap().push(i);
                    if panics {
                        panic!("subscriber {i}");
                    }
                })
                .unwrap();
        }
        let event = Event::new(
            "a",
            "1",
            Severity::Ok,
            Verbosity::Info,
            serde_json::json!({"k": 1}),
        )
        .with_account("acct");
        let report = registry.dispatch(&event);
        let case = format!("{n} subscriptions, spread: {spread}");
        assert_eq!(*log.lock().unwrap(), expected, "{case}");
        assert_eq!(
            (report.delivered, report.panicked),
            (delivered, panicked),
            "{case}"
        );
        let stats = registry.stats();
        assert_eq!(
            (stats.delivered, stats.panicked),
            (delivered as u64, panicked as u64),
            "{case}"
        );
        let infos = registry.subscriptions();
        assert_eq!(
            infos.iter().map(|s| s.delivered).sum::<u64>(),
            delivered as u64,
            "{case}"
        );
        assert_eq!(
            infos.iter().map(|s| s.panicked).sum::<u64>(),
            panicked as u64,
            "{case}"
        );
    }
}
