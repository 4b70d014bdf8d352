//! Listing benches, each against its budget:
//!
//! - `Filters::matches(&Cdr)` vs `Filters::matches_json(&Value)` of the same document: ≤ 1×;
//! - a filtered page of 50 (1 row in 10 matches), page 1 vs page 10 000: within 1.5×. With
//!   1 row in 10 matching, a 1 000 000-row store has only 2 000 pages, so the store holds
//!   5 000 000 rows (500 000 matches, exactly 10 000 full pages) and page 10 000 is its last
//!   (rows 4 999 500 to 4 999 999). The store makes its rows on demand from their index
//!   (`Generated`): a scan builds each row it returns, as a range scan of a real store reads
//!   and decodes each row, so both pages' times include building the ~500 rows they read
//!   (the same number for both pages); a budget of the paginator alone would be lower;
//! - CSV export of public rows through `ListingQuery::write_csv`: ≥ 1 000 000 rows/s;
//! - a whole `ListingQuery::respond` for a page of 50.
//!
//! ```text
//! cargo bench --bench listing -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kazoo_records::Error;
use kazoo_records::cdr::{
    CallDirection, Cdr, Filters, ListingQuery, OrderedStore, ScanStart, SortKey, SortOrder,
};
use kazoo_records::time::GregorianSeconds;

use common::{csv_rows, fixture};

const ROWS: i64 = 5_000_000;
const BASE: i64 = 63_724_400_000;
const NOW: GregorianSeconds = GregorianSeconds(BASE + ROWS);
const PAGE: usize = 50;
const DEEP_PAGE: usize = 10_000;

fn matching(c: &mut Criterion) {
    let cdr = fixture();
    let json = serde_json::to_value(&cdr).expect("a CDR writes");
    let mut group = c.benchmark_group("filters_matches");
    for (name, pairs) in [
        ("direction", vec![("filter_call_direction", "inbound")]),
        (
            "ccv_account",
            vec![(
                "filter_custom_channel_vars.account_id",
                "7600efb3424dc4b79854521fd4563d0a",
            )],
        ),
    ] {
        let filters = Filters::from_query(pairs).expect("valid filters");
        group.bench_function(format!("{name}/cdr"), |b| {
            b.iter(|| filters.matches(black_box(&cdr)))
        });
        group.bench_function(format!("{name}/json"), |b| {
            b.iter(|| filters.matches_json(black_box(&json)))
        });
    }
    group.finish();
}

/// A store of 5 000 000 CDRs, one a second, made on demand (row `i` at `BASE + i`); every
/// tenth is inbound.
struct Generated;

impl Generated {
    fn row(i: i64) -> (SortKey, Cdr) {
        let mut cdr = Cdr::new(format!("c{i:07}"));
        cdr.timestamp = Some(GregorianSeconds(BASE + i));
        cdr.call_direction = Some(if i % 10 == 0 {
            CallDirection::Inbound
        } else {
            CallDirection::Outbound
        });
        cdr.billing_seconds = Some(i % 60);
        (cdr.listing_key().expect("a timestamp"), cdr)
    }
}

impl OrderedStore for Generated {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        let index = |key: &SortKey| key.time.0 - BASE;
        let limit = limit as i64;
        let rows: Vec<i64> = match order {
            SortOrder::Ascending => {
                let first = match start {
                    ScanStart::Time(t) => t.0 - BASE,
                    ScanStart::From(key) => index(key),
                    ScanStart::After(key) => index(key) + 1,
                }
                .max(0);
                (first..ROWS.min(first.saturating_add(limit))).collect()
            }
            SortOrder::Descending => {
                let last = match start {
                    ScanStart::Time(t) => t.0 - BASE,
                    ScanStart::From(key) => index(key),
                    ScanStart::After(key) => index(key) - 1,
                }
                .min(ROWS - 1);
                (last.saturating_sub(limit - 1).max(0)..=last)
                    .rev()
                    .collect()
            }
        };
        Ok(rows.into_iter().map(Generated::row).collect())
    }
}

fn store_pages(c: &mut Criterion) {
    let base_query = format!(
        "ascending=true&filter_call_direction=inbound&created_from={BASE}&created_to={}",
        BASE + ROWS
    );
    let query = |page_size: usize, cursor: Option<&str>| {
        let cursor = cursor.map_or(String::new(), |c| format!("&start_key={c}"));
        ListingQuery::from_query_string(&format!("{base_query}&page_size={page_size}{cursor}"))
            .expect("a valid query")
            .max_range(ROWS)
    };
    let first = query(PAGE, None);
    // Walk past the first 9 999 pages once, in pages of the largest size (page sizes may
    // change between pages).
    let skip = (DEEP_PAGE - 1) * PAGE;
    let mut skipped = 0;
    let mut cursor: Option<String> = None;
    while skipped < skip {
        let page = query((skip - skipped).min(1000), cursor.as_deref())
            .list_store(&Generated, NOW)
            .expect("a page");
        skipped += page.items.len();
        cursor = Some(page.next_start_key.expect("more pages"));
    }
    let deep = query(PAGE, cursor.as_deref());
    let page = deep.list_store(&Generated, NOW).expect("page 10 000");
    assert_eq!(page.items.len(), PAGE);
    assert_eq!(page.items[0].call_id, format!("c{:07}", skip * 10));
    assert!(page.is_last(), "page 10 000 is the last");

    let mut group = c.benchmark_group("list_store_filtered_5M");
    group.bench_function("page_1", |b| {
        b.iter(|| first.list_store(black_box(&Generated), NOW))
    });
    group.bench_function(format!("page_{DEEP_PAGE}"), |b| {
        b.iter(|| deep.list_store(black_box(&Generated), NOW))
    });
    group.finish();
}

fn responses(c: &mut Criterion) {
    const CSV_ROWS: usize = 10_000;
    let cdrs = csv_rows(CSV_ROWS);
    let now = GregorianSeconds(63_724_403_500);
    let all = ListingQuery::from_query_string("paginate=false&accept=csv&created_from=63724000000")
        .expect("a valid query");
    let page = all.list(&cdrs, now).expect("a page");
    let mut group = c.benchmark_group("listing_csv");
    group.throughput(Throughput::Elements(page.items.len() as u64));
    group.bench_function("write_csv_10k", |b| {
        b.iter(|| all.write_csv(std::io::sink(), black_box(&page)))
    });
    group.finish();

    let query = ListingQuery::from_query_string("page_size=50&created_from=63724000000")
        .expect("a valid query");
    let page = query.list(&cdrs, now).expect("a page");
    let mut group = c.benchmark_group("listing_respond");
    group.bench_function("page_50", |b| b.iter(|| query.respond(black_box(&page))));
    group.finish();
}

criterion_group!(benches, matching, store_pages, responses);
criterion_main!(benches);
