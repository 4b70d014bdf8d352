//! Pages over 1 000 000 CDRs in SQLite: the first page against the 10 001st (row 500 000),
//! and a filtered page where one CDR in ten matches.
//!
//! The database is built once into `target/kazoo-records-store-bench-1m.sqlite` and reused.

use std::path::PathBuf;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use kazoo_records::cdr::{Cdr, ListingQuery};
use kazoo_records::time::GregorianSeconds;
use kazoo_records_store::{Scope, SqliteStore};

const ROWS: i64 = 1_000_000;
const BASE: i64 = 63_900_000_000;
const ACCOUNT: &str = "account%2Fbe%2Fnc%2Fh0000000000000000000000";
/// Two seconds a CDR: the million span about 23 days, inside the default range.
const TO: i64 = BASE + 2 * ROWS;
const NOW: GregorianSeconds = GregorianSeconds(TO + 1);

fn db_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    target.join("kazoo-records-store-bench-1m.sqlite")
}

fn build() -> SqliteStore {
    let path = db_path();
    let done = path.with_extension("done");
    if done.exists() {
        return SqliteStore::open(&path).unwrap();
    }
    let _ = std::fs::remove_file(&path);
    let store = SqliteStore::open(&path).unwrap();
    store.connection().execute_batch("BEGIN").unwrap();
    for n in 0..ROWS {
        // One CDR in ten inbound (the filtered page's matches).
        let direction = if n % 10 == 3 { "inbound" } else { "outbound" };
        let json = format!(
            r#"{{"_id":"202503-c{n:07}","call_id":"c{n:07}","timestamp":{},"call_direction":"{direction}","billing_seconds":{},"custom_channel_vars":{{"owner_id":"u{}"}}}}"#,
            BASE + 2 * n,
            n % 600,
            n % 20
        );
        let cdr = Cdr::from_json_str(&json).unwrap();
        store.insert(&format!("{ACCOUNT}-202503"), &cdr).unwrap();
    }
    store.connection().execute_batch("COMMIT; ANALYZE").unwrap();
    std::fs::write(&done, b"").unwrap();
    store
}

fn range() -> String {
    format!("created_from={}&created_to={TO}", TO - 2_600_000)
}

fn benches(c: &mut Criterion) {
    let store = build();
    let cdrs = store.cdrs(Scope::account(ACCOUNT));
    // The cursor of page 10 001 of 50: 500 pages of 1000 (page_size may change between pages).
    let mut key: Option<String> = None;
    for _ in 0..500 {
        let mut qs = format!("{}&page_size=1000", range());
        if let Some(k) = &key {
            qs.push_str(&format!("&start_key={k}"));
        }
        let page = ListingQuery::from_query_string(&qs)
            .unwrap()
            .list_store(&cdrs, NOW)
            .unwrap();
        key = page.next_start_key;
    }
    let deep = ListingQuery::from_query_string(&format!(
        "{}&page_size=50&start_key={}",
        range(),
        key.unwrap()
    ))
    .unwrap();
    let first = ListingQuery::from_query_string(&format!("{}&page_size=50", range())).unwrap();
    let filtered = ListingQuery::from_query_string(&format!(
        "{}&page_size=50&filter_call_direction=inbound",
        range()
    ))
    .unwrap();
    let owner = ListingQuery::from_query_string(&format!("{}&page_size=50", range()))
        .unwrap()
        .owner("u7");
    let owned = store.cdrs(Scope::account(ACCOUNT).with_owner("u7"));

    let mut g = c.benchmark_group("sqlite_1m");
    g.bench_function("page_1_of_50", |b| {
        b.iter(|| black_box(first.list_store(&cdrs, NOW).unwrap()))
    });
    g.bench_function("page_10001_of_50", |b| {
        b.iter(|| black_box(deep.list_store(&cdrs, NOW).unwrap()))
    });
    g.bench_function("filtered_page_1_in_10", |b| {
        b.iter(|| {
            let page = filtered.list_store(&cdrs, NOW).unwrap();
            assert_eq!(page.items.len(), 50);
            black_box(page)
        })
    });
    g.bench_function("owner_page_1_in_20_pushed_down", |b| {
        b.iter(|| {
            let page = owner.list_store(&owned, NOW).unwrap();
            assert_eq!(page.items.len(), 50);
            black_box(page)
        })
    });
    g.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
