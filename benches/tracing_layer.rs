//! The `tracing` bridge (`EdrLayer`) against the emitter it wraps, and a disabled EDR against
//! a plain disabled `tracing` event.
//!
//! One process-wide subscriber (as a service installs it): `tracing_subscriber::registry()`
//! with the EDR layer and a global filter that disables every target but `edr` (so that the
//! plain event's callsite interest is `never`). The EDR registry has one subscription, for
//! severity warning and up, so `warn!` / `Severity::Warning` events are delivered and `info!` /
//! `Severity::Ok` ones are wanted by nobody. Bodies are alike: `{"attempts": 3, "message": "no
//! route"}`.
//!
//! - `interested/emitter`: `Emitter::emit`, build + dispatch to 1;
//! - `interested/tracing`: `tracing::warn!(target: "edr", …)` through the layer, same event;
//! - `disabled/emitter`: `Emitter::emit` that nobody wants (one load, the body not built);
//! - `disabled/tracing_edr`: `tracing::info!(target: "edr", …)` that nobody wants;
//! - `disabled/tracing_plain`: `tracing::info!(target: "plain", …)`, a callsite whose interest
//!   is `never` (what a disabled `tracing` event costs).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kazoo_records::edr::{App, Binding, EdrLayer, Emitter, Event, Registry, Severity, Verbosity};
use serde_json::json;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;

fn bridge(c: &mut Criterion) {
    let registry = Arc::new(Registry::new());
    registry
        .bind(
            "warnings",
            [Binding::default().severity(Severity::Warning)],
            |e: &Event| {
                black_box(e.id());
            },
        )
        .expect("bind");
    let emitter = Emitter::new(Arc::clone(&registry)).with_node("kazoo_apps@bench");
    let app = App::new("callflow", "4.3.1");
    let subscriber = tracing_subscriber::registry()
        .with(filter_fn(|metadata| metadata.target() == EdrLayer::TARGET))
        .with(EdrLayer::new(emitter.clone(), app.clone()));
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");

    let mut group = c.benchmark_group("interested");
    group.bench_function("emitter", |b| {
        b.iter(|| {
            emitter.emit(
                &app,
                Severity::Warning,
                Verbosity::Warn,
                || json!({"attempts": black_box(3), "message": "no route"}),
            )
        })
    });
    group.bench_function("tracing", |b| {
        b.iter(|| tracing::warn!(target: "edr", attempts = black_box(3), "no route"))
    });
    group.finish();

    let mut group = c.benchmark_group("disabled");
    group.bench_function("emitter", |b| {
        b.iter(|| {
            emitter.emit(
                &app,
                Severity::Ok,
                Verbosity::Info,
                || json!({"attempts": black_box(3), "message": "no route"}),
            )
        })
    });
    group.bench_function("tracing_edr", |b| {
        b.iter(|| tracing::info!(target: "edr", attempts = black_box(3), "no route"))
    });
    group.bench_function("tracing_plain", |b| {
        b.iter(|| tracing::info!(target: "plain", attempts = black_box(3), "no route"))
    });
    group.finish();
    assert!(registry.is_interested(Severity::Warning, Verbosity::Warn));
    assert!(!registry.is_interested(Severity::Ok, Verbosity::Info));
}

criterion_group!(benches, bridge);
criterion_main!(benches);
