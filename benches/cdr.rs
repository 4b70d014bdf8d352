//! CDR benches: typed parse of a real KAZOO document against a `serde_json::Value` parse of
//! the same bytes (budget: typed at least as fast), writing, the public row and the cost
//! formula.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kazoo_records::cdr::{Cdr, RowOptions};

const FIXTURE: &str = include_str!("../tests/fixtures/kazoo/channel_destroy_inbound.json");

fn parse(c: &mut Criterion) {
    let bytes = FIXTURE.as_bytes();
    let mut group = c.benchmark_group("cdr_parse");
    group.bench_function("typed_cdr", |b| {
        b.iter(|| Cdr::from_json_slice(black_box(bytes)))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)))
    });
    group.bench_function("typed_cdr_serde", |b| {
        b.iter(|| serde_json::from_slice::<Cdr>(black_box(bytes)))
    });
    group.finish();
}

fn derived(c: &mut Criterion) {
    let cdr = Cdr::from_json_str(FIXTURE).expect("the fixture is a CDR");
    c.bench_function("cdr_cost", |b| b.iter(|| black_box(&cdr).cost()));
    let options = RowOptions::new().reseller(true);
    c.bench_function("cdr_public_row", |b| {
        b.iter(|| black_box(&cdr).public_row(black_box(&options)))
    });
    c.bench_function("cdr_write", |b| {
        b.iter(|| serde_json::to_vec(black_box(&cdr)))
    });
}

criterion_group!(benches, parse, derived);
criterion_main!(benches);
