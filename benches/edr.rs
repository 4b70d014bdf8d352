//! EDR benchmarks, with their performance budgets:
//! - `is_interested` with no matching binding: ≤ 2 ns;
//! - dispatch to 1 match among 10 / 1 000 / 100 000 subscriptions: ≤ 250 ns and flat;
//! - the same, KAZOO's way (every binding's keys matched as topic patterns): ≥ 100× slower at 100 000;
//! - the same among 1 000 when the match carries a body filter (a JSON pointer any-of, or a
//!   containment member): the filter's own cost on top (no budget; bindings without one must
//!   cost what they did);
//! - fan-out: dispatch to 1 / 10 / 100 subscriptions of one list (no budget: the cost of a
//!   delivery, the difference over the extra subscriptions, is what "flat" above leaves to
//!   grow when an event selects more of them);
//! - emitter, build (id, timestamps) + dispatch to 1: ≤ 1 µs;
//! - 2 threads emitting while a third binds/unbinds: throughput ≥ 1.6× one thread;
//! - binding n subscriptions with the same binding (then unbinding them): linear in n.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kazoo_records::edr::{
    App, Binding, BodyFilter, DispatchReport, Emitter, Event, Registry, Severity, Verbosity, topic,
};
use proptest::prelude::Rng as _;
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::json;

/// A subscriber's callback in the naive baseline.
type Callback = Box<dyn Fn(&Event)>;

const ACCOUNTS: usize = 10_000;
const APPS: usize = 20;
const TARGET_ACCOUNT: &str = "ffffffffffffffffffffffffffffffff";

fn account(i: usize) -> String {
    format!("{:032x}", i * 7_919 + 1)
}

fn app(i: usize) -> String {
    format!("app{i}")
}

/// A realistic random binding that never selects the target event (account
/// `TARGET_ACCOUNT`, app `app0`, critical/error): accounts from 10 000 ids (one or a short
/// list), apps from 20 names or any, mixed levels; one in ten is for any account, and those
/// stop below critical.
fn random_binding(rng: &mut TestRng) -> Binding {
    let mut b = Binding::default();
    let any_account = rng.random_range(0..10) == 0;
    b = if any_account {
        b.any_account()
    } else if rng.random_range(0..4) == 0 {
        b.accounts((0..1 + rng.random_range(0..3)).map(|_| account(rng.random_range(0..ACCOUNTS))))
    } else {
        b.account(account(rng.random_range(0..ACCOUNTS)))
    };
    b = match rng.random_range(0..4) {
        0 => b.any_app(),
        1 => b.apps([
            app(rng.random_range(0..APPS)),
            app(rng.random_range(0..APPS)),
        ]),
        _ => b.app(app(rng.random_range(0..APPS))),
    };
    b = if any_account {
        b.severities([Severity::Ok, Severity::Warning][..1 + rng.random_range(0..2)].to_vec())
    } else {
        b.severity(Severity::ALL[rng.random_range(0..3)])
            .exact_severity(rng.random_range(0..3) == 0)
    };
    match rng.random_range(0..3) {
        0 => b.verbosities([
            Verbosity::ALL[rng.random_range(0..6)],
            Verbosity::ALL[rng.random_range(0..6)],
        ]),
        _ => b
            .verbosity(Verbosity::ALL[rng.random_range(0..6)])
            .exact_verbosity(rng.random_range(0..4) == 0),
    }
}

fn target_binding() -> Binding {
    Binding::default()
        .account(TARGET_ACCOUNT)
        .app("app0")
        .severity(Severity::Warning)
        .verbosity(Verbosity::Info)
}

fn target_event() -> Event {
    Event::new(
        "app0",
        "4.3.1",
        Severity::Critical,
        Verbosity::Error,
        json!({"k": 1}),
    )
    .with_account(TARGET_ACCOUNT)
}

/// The app of the target event.
fn target_app() -> App {
    App::new("app0", "4.3.1")
}

/// Emits the target event from `app` through `emitter` (building it: id, clock, strings).
fn emit_target(emitter: &Emitter, app: &App) -> Option<DispatchReport> {
    emitter.emit_for_account(
        app,
        TARGET_ACCOUNT,
        Severity::Critical,
        Verbosity::Error,
        || json!({}),
    )
}

/// `n` subscriptions, exactly one of which selects the target event; also returns every
/// subscription's bindings for the naive baseline.
fn populated(n: usize) -> (Registry, Vec<Vec<Binding>>) {
    populated_with(n, target_binding())
}

/// [`populated`], with `target` as the binding that selects the target event.
fn populated_with(n: usize, target: Binding) -> (Registry, Vec<Vec<Binding>>) {
    let registry = Registry::new();
    // A fixed seed, so that every run benches the same bindings.
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        let bindings = if i == n / 2 {
            vec![target.clone()]
        } else {
            vec![random_binding(&mut rng)]
        };
        registry
            .bind(format!("sub{i}"), bindings.clone(), |e: &Event| {
                black_box(e.id());
            })
            .expect("valid binding");
        all.push(bindings);
    }
    assert_eq!(
        registry.dispatch(&target_event()).delivered,
        1,
        "exactly one match"
    );
    (registry, all)
}

fn is_interested(c: &mut Criterion) {
    let registry = Registry::new();
    for i in 0..100 {
        let b = Binding::default()
            .severity(Severity::Critical)
            .exact_severity(true);
        registry.bind(format!("s{i}"), [b], |_| {}).expect("bind");
    }
    c.bench_function("is_interested/miss", |b| {
        b.iter(|| registry.is_interested(black_box(Severity::Ok), black_box(Verbosity::Info)))
    });
}

fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch_1_match");
    for n in [10usize, 1_000, 100_000] {
        let (registry, all) = populated(n);
        let event = target_event();
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new("registry", n), &n, |b, _| {
            b.iter(|| registry.dispatch(black_box(&event)))
        });
        // KAZOO's way: every binding's routing keys matched as topic patterns against the
        // event's key (keys computed once, as KAZOO's binding server stores them).
        let keyed: Vec<(Vec<String>, Callback)> = all
            .iter()
            .map(|bindings| {
                let keys = bindings.iter().flat_map(Binding::keys).collect();
                let callback: Callback = Box::new(|e: &Event| {
                    black_box(e.id());
                });
                (keys, callback)
            })
            .collect();
        if n == 100_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("naive_topic_scan", n), &n, |b, _| {
            b.iter(|| {
                let key = event.routing_key().expect("routable");
                let mut delivered = 0;
                for (keys, callback) in &keyed {
                    if keys.iter().any(|k| topic::matches(k, &key)) {
                        callback(&event);
                        delivered += 1;
                    }
                }
                delivered
            })
        });
    }
    let filters = [
        ("body_filter_pointer", json!({"/k": [0, 1]})),
        ("body_filter_contains", json!({"k": 1})),
    ];
    group.sample_size(100);
    for (name, filter) in filters {
        let filter = BodyFilter::from_json(&filter).expect("a valid filter");
        let (registry, _) = populated_with(1_000, target_binding().body(filter));
        let event = target_event();
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new(name, 1_000), &1_000, |b, _| {
            b.iter(|| registry.dispatch(black_box(&event)))
        });
    }
    group.finish();
}

fn fan_out(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch_fan_out");
    let event = target_event();
    // 100 is more than one leaf of the index's lists, so it walks the list's tree.
    for n in [1usize, 10, 100] {
        let registry = Registry::new();
        for i in 0..n {
            registry
                .bind(format!("s{i}"), [Binding::default()], |e: &Event| {
                    black_box(e);
                })
                .expect("bind");
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("any_binding", n), &n, |b, _| {
            b.iter(|| registry.dispatch(black_box(&event)))
        });
    }
    group.finish();
}

fn emitter(c: &mut Criterion) {
    let registry = Arc::new(Registry::new());
    registry
        .bind("one", [target_binding()], |e: &Event| {
            black_box(e.id());
        })
        .expect("bind");
    let emitter = Emitter::new(registry).with_node("kazoo_apps@bench");
    let app = target_app();
    c.bench_function("emitter/build_and_dispatch_1", |b| {
        b.iter(|| emit_target(&emitter, &app))
    });
}

/// `threads` emitters share one registry of 1 000 subscriptions while another thread binds
/// and unbinds (every 50 µs). Reports wall time per event across all emitters, so the ratio
/// of the 1-thread to the 2-thread figure is the throughput gain.
fn concurrent(c: &mut Criterion) {
    let mut group = c.benchmark_group("emit_while_churning");
    for threads in [1usize, 2] {
        group.throughput(Throughput::Elements(1));
        let registry = Arc::new(populated(1_000).0);
        group.bench_with_input(
            BenchmarkId::from_parameter(threads),
            &threads,
            |b, &threads| {
                b.iter_custom(|iters| {
                    let stop = Arc::new(AtomicBool::new(false));
                    let churn = {
                        let (registry, stop) = (Arc::clone(&registry), Arc::clone(&stop));
                        std::thread::spawn(move || {
                            let mut i = 0u64;
                            while !stop.load(Ordering::Relaxed) {
                                let id = registry
                                    .bind(
                                        format!("churn{i}"),
                                        [Binding::default().account("other")],
                                        |_| {},
                                    )
                                    .expect("bind");
                                registry.unbind(id);
                                i += 1;
                                std::thread::sleep(Duration::from_micros(50));
                            }
                        })
                    };
                    let per_thread = iters.div_ceil(threads as u64);
                    let app = &target_app();
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for _ in 0..threads {
                            let emitter = Emitter::new(Arc::clone(&registry));
                            s.spawn(move || {
                                for _ in 0..per_thread {
                                    black_box(emit_target(&emitter, app));
                                }
                            });
                        }
                    });
                    let elapsed = start.elapsed();
                    stop.store(true, Ordering::Relaxed);
                    churn.join().expect("churn thread");
                    // Wall time per event of the whole group: lower means more throughput.
                    elapsed.mul_f64(iters as f64 / (per_thread * threads as u64) as f64)
                })
            },
        );
    }
    group.finish();
}

/// Binds `n` subscriptions with the same binding (one per websocket client, say), then unbinds
/// them all: the cost per subscription must not grow with `n`.
fn bind_identical(c: &mut Criterion) {
    let mut group = c.benchmark_group("bind_then_unbind_identical");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        group.throughput(Throughput::Elements(n as u64));
        let names: Vec<String> = (0..n).map(|i| format!("client{i}")).collect();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let registry = Registry::new();
                    let start = Instant::now();
                    let ids: Vec<_> = names
                        .iter()
                        .map(|name| {
                            registry
                                .bind(name.as_str(), [Binding::default()], |e: &Event| {
                                    black_box(e.id());
                                })
                                .expect("bind")
                        })
                        .collect();
                    for id in ids {
                        registry.unbind(id);
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    is_interested,
    dispatch,
    fan_out,
    emitter,
    concurrent,
    bind_identical
);
criterion_main!(benches);
