//! CDR benches: typed parse of a real KAZOO document against a `serde_json::Value` parse of
//! the same bytes (budget: typed at least as fast, ≤ 1× of the `Value` parse, with faithful
//! writing's bookkeeping included: the fixture's eight channel variables that arrive as
//! strings are remembered as they arrived), writing (faithful and canonical), the public row
//! and the cost formula, and paging a host's ordered store.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kazoo_records::Error;
use kazoo_records::cdr::{
    Cdr, OrderedStore, PageRequest, RowOptions, ScanStart, SortKey, SortOrder, paginate_store,
};
use kazoo_records::time::GregorianSeconds;

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
    c.bench_function("cdr_write_canonical", |b| {
        b.iter(|| black_box(&cdr).to_canonical_value())
    });
}

const BASE: i64 = 63_724_400_000;
const NOW: GregorianSeconds = GregorianSeconds(BASE + 1_000_000);

/// An in-memory ordered store: rows sorted by key, scans by binary search.
struct SortedStore(Vec<(SortKey, u32)>);

impl OrderedStore for SortedStore {
    type Row = u32;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, u32)>, Error> {
        let rows = &self.0;
        let ascending = matches!(order, SortOrder::Ascending);
        // Ascending scans read rows[first..], descending ones rows[..end] backwards.
        let split = match (start, ascending) {
            (ScanStart::Time(t), true) => rows.partition_point(|(k, _)| k.time < t),
            (ScanStart::Time(t), false) => rows.partition_point(|(k, _)| k.time <= t),
            (ScanStart::From(key), true) => rows.partition_point(|(k, _)| k < key),
            (ScanStart::From(key), false) => rows.partition_point(|(k, _)| k <= key),
            (ScanStart::After(key), true) => rows.partition_point(|(k, _)| k <= key),
            (ScanStart::After(key), false) => rows.partition_point(|(k, _)| k < key),
        };
        Ok(if ascending {
            rows.get(split..)
                .unwrap_or_default()
                .iter()
                .take(limit)
                .cloned()
                .collect()
        } else {
            rows.get(..split)
                .unwrap_or_default()
                .iter()
                .rev()
                .take(limit)
                .cloned()
                .collect()
        })
    }
}

fn store_pages(c: &mut Criterion) {
    const ROWS: u32 = 100_000;
    let store = SortedStore(
        (0..ROWS)
            .map(|i| {
                let key = SortKey::new(
                    GregorianSeconds(BASE + i64::from(i / 3)),
                    format!("cdr-{i:08}"),
                );
                (key, i)
            })
            .collect(),
    );
    let mut group = c.benchmark_group("cdr_paginate_store");
    for size in [50, 1000] {
        let first = PageRequest::new()
            .page_size(size)
            .ascending()
            .created_from(GregorianSeconds(BASE))
            .created_to(NOW);
        let second = paginate_store(&store, &first, NOW)
            .expect("a valid request")
            .next_start_key
            .map(|key| first.clone().start_key(key))
            .expect("more than one page");
        group.bench_function(format!("first_page_{size}"), |b| {
            b.iter(|| paginate_store(black_box(&store), &first, NOW))
        });
        group.bench_function(format!("next_page_{size}"), |b| {
            b.iter(|| paginate_store(black_box(&store), &second, NOW))
        });
    }
    group.finish();
}

criterion_group!(benches, parse, derived, store_pages);
criterion_main!(benches);
