//! Time formatting and parsing: this crate's formatters and parser, with chrono's
//! `format`/`parse_from_rfc3339` as the baseline.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kazoo_records::time::{GregorianSeconds, UnixMicros, UtcOffset, parse_iso8601};

fn formatting(c: &mut Criterion) {
    let g = GregorianSeconds(63_595_733_389);
    let offset = UtcOffset::from_seconds(-18_000).expect("a valid offset");
    let mut group = c.benchmark_group("format");
    group.bench_function("iso8601", |b| b.iter(|| black_box(g).iso8601()));
    group.bench_function("iso8601_with_offset", |b| {
        b.iter(|| black_box(g).iso8601_with_offset(black_box(offset)))
    });
    group.bench_function("iso8601_date", |b| b.iter(|| black_box(g).iso8601_date()));
    group.bench_function("rfc1036", |b| b.iter(|| black_box(g).rfc1036()));
    group.bench_function("pretty", |b| b.iter(|| black_box(g).pretty()));
    group.bench_function("decimal_seconds", |b| {
        b.iter(|| black_box(UnixMicros(1_557_184_198_071_108)).decimal_seconds())
    });
    let dt = g.to_datetime().expect("in chrono's range");
    group.bench_function("chrono_baseline_iso8601", |b| {
        b.iter(|| black_box(dt).format("%Y-%m-%dT%H:%M:%SZ").to_string())
    });
    group.finish();
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, text) in [
        ("extended_offset", "2015-04-07T04:33:02-05:00"),
        ("basic_offset", "20150407T043302-05"),
        ("extended_fraction_z", "2019-05-06T23:09:58.071108Z"),
        ("bare_date", "2015-04-07"),
        ("reject_feb_30", "2015-02-30T00:00:00Z"),
    ] {
        group.bench_function(name, |b| b.iter(|| parse_iso8601(black_box(text))));
    }
    group.bench_function("gregorian_seconds", |b| {
        b.iter(|| GregorianSeconds::parse_iso8601(black_box("2015-04-07T04:33:02-05:00")))
    });
    group.bench_function("chrono_baseline_rfc3339", |b| {
        b.iter(|| chrono::DateTime::parse_from_rfc3339(black_box("2015-04-07T04:33:02-05:00")))
    });
    group.bench_function("utc_offset", |b| {
        b.iter(|| UtcOffset::parse(black_box("+05:30")))
    });
    group.finish();
}

criterion_group!(benches, formatting, parsing);
criterion_main!(benches);
