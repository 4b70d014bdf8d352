//! `Registry::dispatch` allocates nothing on its common path: delivering to one subscription
//! among many, and finding nobody to deliver to. Its own test binary, as it counts every
//! allocation of the process through a counting global allocator, and without the test harness
//! (`harness = false`): the harness's own thread allocates while a test runs, which a count of
//! the whole process cannot tell apart. Here `main` is the only thread.

use std::alloc::System;
use std::hint::black_box;

use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
use serde_json::json;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations made by `n` calls of `f`, after one warm-up call (which may fill the thread's
/// cached snapshot).
fn allocations(n: usize, mut f: impl FnMut()) -> usize {
    f();
    let region = Region::new(GLOBAL);
    for _ in 0..n {
        f();
    }
    region.change().allocations
}

fn registry(n: usize) -> Registry {
    let registry = Registry::new();
    for i in 0..n {
        let binding = match i % 4 {
            0 => Binding::default().account(format!("acct{i}")),
            1 => Binding::default()
                .account(format!("acct{i}"))
                .app("callflow"),
            2 => Binding::default().app(format!("app{i}")),
            _ => Binding::default()
                .account(format!("acct{i}"))
                .include_descendants(true),
        };
        registry
            .bind(format!("s{i}"), [binding], |e: &Event| {
                black_box(e.id());
            })
            .expect("bind");
    }
    registry
}

fn main() {
    dispatch_allocates_nothing_on_the_common_path();
    println!("test_dispatch_allocations: dispatch allocates nothing on its common path: ok");
}

fn dispatch_allocates_nothing_on_the_common_path() {
    for n in [1usize, 1_000, 20_000] {
        let registry = registry(n);
        registry
            .bind(
                "target",
                [Binding::default().account("target").app("callflow")],
                |e: &Event| {
                    black_box(e.id());
                },
            )
            .expect("bind");
        let hit = Event::new(
            "callflow",
            "1",
            Severity::Warning,
            Verbosity::Info,
            json!({}),
        )
        .with_account("target");
        assert_eq!(registry.dispatch(&hit).delivered, 1);
        let count = allocations(1_000, || {
            black_box(registry.dispatch(black_box(&hit)));
        });
        assert_eq!(
            count,
            0,
            "dispatch to 1 of {} subscriptions allocated",
            n + 1
        );

        let miss = Event::new(
            "nobody",
            "1",
            Severity::Critical,
            Verbosity::Fatal,
            json!({}),
        )
        .with_account("nobody");
        assert_eq!(registry.dispatch(&miss).delivered, 0);
        let count = allocations(1_000, || {
            black_box(registry.dispatch(black_box(&miss)));
        });
        assert_eq!(
            count,
            0,
            "dispatch to none of {} subscriptions allocated",
            n + 1
        );
    }

    // Several buckets matching one event (any account, the account, its app, an ancestor):
    // the candidates are merged in bind order without allocating.
    let registry = Registry::new();
    let bindings = [
        Binding::default(),
        Binding::default().account("child"),
        Binding::default().app("callflow"),
        Binding::default().account("root").include_descendants(true),
        Binding::default().account("child").app("callflow"),
    ];
    for (i, binding) in bindings.into_iter().enumerate() {
        registry
            .bind(format!("s{i}"), [binding], |_| {})
            .expect("bind");
    }
    let event = Event::new("callflow", "1", Severity::Ok, Verbosity::Info, json!({}))
        .with_account("child")
        .with_account_tree(vec!["root".into()]);
    assert_eq!(registry.dispatch(&event).delivered, 5);
    let count = allocations(1_000, || {
        black_box(registry.dispatch(black_box(&event)));
    });
    assert_eq!(
        count, 0,
        "dispatch to 5 subscriptions from 5 buckets allocated"
    );
}
