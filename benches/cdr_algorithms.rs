//! CDR algorithm benches, each against its budget:
//!
//! - grouping 1 000 000 legs into interactions: ≤ 1 s;
//! - page 1 vs page 10 000 of 1 000 000 CDRs by cursor: within 1.5× (over a slice, and over
//!   the grouped interactions);
//! - CSV export: ≥ 1 000 000 rows/s (`public_rows_10k`; `chosen_columns_10k` writes four
//!   columns, one of them a flattened document key).
//!
//! ```text
//! cargo bench --bench cdr_algorithms -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The 1 000 000 legs (about 2.5 GB) are built once and shared by the benches.

mod common;

use std::hint::black_box;
use std::sync::OnceLock;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kazoo_records::cdr::csv::{CsvOptions, write_cdrs};
use kazoo_records::cdr::{Cdr, PageRequest, group_interactions, paginate, paginate_interactions};
use kazoo_records::time::{GregorianSeconds, UnixMicros};

const LEGS: usize = 1_000_000;
const BASE: i64 = 63_724_400_000;
const NOW: GregorianSeconds = GregorianSeconds(BASE + 2_000_000);
const PAGE: usize = 50;
const DEEP_PAGE: usize = 10_000;

/// One million legs: calls of 1–4 legs, most with an interaction id, one in six linked only
/// by `other_leg_call_id`; about 3 legs per second, so many equal timestamps.
fn legs() -> &'static [Cdr] {
    static LEGS_CELL: OnceLock<Vec<Cdr>> = OnceLock::new();
    LEGS_CELL.get_or_init(|| {
        let mut cdrs = Vec::with_capacity(LEGS);
        let mut call = 0u64;
        while cdrs.len() < LEGS {
            call += 1;
            let legs = 1 + (call % 4) as usize;
            let time = BASE + (cdrs.len() / 3) as i64;
            let interaction = (call % 6 != 0).then(|| {
                format!("{time}-{call:08x}")
                    .parse()
                    .expect("a valid interaction id")
            });
            for leg in 0..legs.min(LEGS - cdrs.len()) {
                let mut cdr = Cdr::new(format!("c{call}-{leg}"));
                cdr.interaction_id = interaction.clone();
                cdr.timestamp = Some(GregorianSeconds(time + 30));
                cdr.duration_seconds = Some(30);
                cdr.billing_seconds = Some(25);
                cdr.channel_created_time = Some(UnixMicros(
                    UnixMicros::from_gregorian(GregorianSeconds(time)).0 + leg as i64,
                ));
                if leg > 0 {
                    cdr.other_leg_call_id = Some(format!("c{call}-0"));
                }
                cdrs.push(cdr);
            }
        }
        cdrs
    })
}

fn grouping(c: &mut Criterion) {
    let cdrs = legs();
    let mut group = c.benchmark_group("cdr_group_interactions");
    group.sample_size(10);
    group.throughput(Throughput::Elements(cdrs.len() as u64));
    group.bench_function("1M_legs", |b| {
        b.iter_batched(
            || (),
            |()| group_interactions(black_box(cdrs)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn pages(c: &mut Criterion) {
    let cdrs = legs();
    let first = PageRequest::new()
        .page_size(PAGE)
        .ascending()
        .created_from(GregorianSeconds(BASE))
        .created_to(NOW);
    // The cursor of page 10 000: the one after item 9 999 × 50, from one big page.
    let skip = first
        .clone()
        .max_page_size(usize::MAX)
        .page_size((DEEP_PAGE - 1) * PAGE);
    let deep_key = paginate(cdrs, &skip, NOW)
        .expect("a valid request")
        .next_start_key
        .expect("more than 10 000 pages");
    let deep = first.clone().start_key(deep_key);

    let mut group = c.benchmark_group("cdr_paginate_1M");
    group.sample_size(20);
    group.bench_function("page_1", |b| {
        b.iter(|| paginate(black_box(cdrs), &first, NOW))
    });
    group.bench_function("page_10000", |b| {
        b.iter(|| paginate(black_box(cdrs), &deep, NOW))
    });
    group.finish();

    // About 400 000 interactions: pages of 25 reach page 10 000.
    let first = first.page_size(25);
    let interactions = group_interactions(cdrs);
    let skip = first
        .clone()
        .max_page_size(usize::MAX)
        .page_size((DEEP_PAGE - 1) * 25);
    let deep_key = paginate_interactions(&interactions, &skip, NOW)
        .expect("a valid request")
        .next_start_key
        .expect("more than 10 000 pages");
    let deep = first.clone().start_key(deep_key);
    let mut group = c.benchmark_group("paginate_interactions");
    group.bench_function("page_1", |b| {
        b.iter(|| paginate_interactions(&interactions, black_box(&first), NOW))
    });
    group.bench_function("page_10000", |b| {
        b.iter(|| paginate_interactions(&interactions, black_box(&deep), NOW))
    });
    group.finish();
}

fn csv_export(c: &mut Criterion) {
    const ROWS: usize = 10_000;
    let cdrs = common::csv_rows(ROWS);
    let mut group = c.benchmark_group("cdr_csv");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("public_rows_10k", |b| {
        b.iter(|| write_cdrs(std::io::sink(), black_box(&cdrs), &CsvOptions::new()))
    });
    let columns = CsvOptions::new().columns([
        "call_id",
        "datetime",
        "custom_channel_vars_account_id",
        "billing_seconds",
    ]);
    group.bench_function("chosen_columns_10k", |b| {
        b.iter(|| write_cdrs(std::io::sink(), black_box(&cdrs), &columns))
    });
    group.finish();
}

criterion_group!(benches, csv_export, pages, grouping);
criterion_main!(benches);
