//! CDR ingest bench: KAZOO's `cdr` application on the real CHANNEL_DESTROY of 2015 (from its
//! parsed `Value` to the typed, stored `Cdr`), against what a host does without it: parse the
//! same bytes into a `serde_json::Value` and normalise its keys naively. Budget: ingest costs
//! at most as much (≤ 1×).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kazoo_records::cdr::Ingest;
use kazoo_records::time::GregorianSeconds;
use serde_json::{Map, Value};

const WIRE: &str = include_str!("../tests/fixtures/kazoo/channel_destroy_wire_2015.json");

/// A `now` just after the event.
const NOW: GregorianSeconds = GregorianSeconds(63_610_891_990);

/// The normalisation a host would write by hand: every key rebuilt character by character
/// (`-` as `_`, ASCII lowercased), nulls dropped, at every depth.
fn naive_normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                if !value.is_null() {
                    let key: String = key
                        .chars()
                        .map(|c| {
                            if c == '-' {
                                '_'
                            } else {
                                c.to_ascii_lowercase()
                            }
                        })
                        .collect();
                    out.insert(key, naive_normalise(value));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(naive_normalise).collect()),
        other => other,
    }
}

fn ingest(c: &mut Criterion) {
    let bytes = WIRE.as_bytes();
    let wire: Value = serde_json::from_slice(bytes).expect("the fixture is JSON");
    let ingest = Ingest::new().node("kazoo_apps@host");
    assert!(
        ingest.channel_destroy(&wire, NOW).is_ok(),
        "the fixture ingests"
    );

    let mut group = c.benchmark_group("ingest_channel_destroy");
    group.bench_function("ingest", |b| {
        b.iter(|| ingest.channel_destroy(black_box(&wire), NOW))
    });
    group.bench_function("value_parse_and_naive_normalise", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)).map(naive_normalise))
    });
    group.bench_function("value_parse", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)))
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
