//! `PgStore` against a real PostgreSQL server: `KAZOO_RECORDS_PG_URL` (`.ci/postgres.sh`
//! starts one). These tests fail, never skip, when the server is unreachable.

mod common;
mod suite;

use kazoo_records_store::PgStore;

/// Two connections to a fresh schema named after the test (dropped and made again).
fn two(test: &str) -> (PgStore, PgStore) {
    let url = std::env::var("KAZOO_RECORDS_PG_URL").unwrap_or_else(|_| {
        panic!(
            "KAZOO_RECORDS_PG_URL is not set: the PostgreSQL store tests need a server \
             (`source .ci/postgres.sh && pg_start` starts a private one)"
        )
    });
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL at KAZOO_RECORDS_PG_URL={url} is unreachable: {e}"));
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {test} CASCADE; CREATE SCHEMA {test};"
        ))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{sep}options=-csearch_path%3D{test}");
    (
        PgStore::connect(&scoped).unwrap(),
        PgStore::connect(&scoped).unwrap(),
    )
}

#[test]
fn pages_visit_every_cdr_once_in_order_while_another_connection_inserts() {
    let (a, b) = two("t_concurrent");
    suite::pages_visit_every_cdr_once_in_order_while_another_connection_inserts(&a, &b);
}

#[test]
fn pages_without_concurrent_inserts_equal_the_oracle_chunked() {
    let (a, _) = two("t_oracle");
    suite::pages_without_concurrent_inserts_equal_the_oracle_chunked(&a);
}

#[test]
fn interaction_pages_are_whole_exactly_once_and_in_order() {
    let (a, b) = two("t_interactions");
    suite::interaction_pages_are_whole_exactly_once_and_in_order(&a, &b);
}

#[test]
fn a_redelivered_cdr_is_a_no_op() {
    let (a, _) = two("t_redelivery");
    suite::a_redelivered_cdr_is_a_no_op(&a);
}

#[test]
fn fixtures_round_trip_byte_for_byte() {
    let (a, _) = two("t_fixtures");
    suite::fixtures_round_trip_byte_for_byte(&a);
}

#[test]
fn a_page_is_an_index_range_scan() {
    let (a, _) = two("t_explain");
    // Enough rows that the planner prefers the index to a sequential scan.
    let mut rng = common::Rng(3);
    for n in 0..3000 {
        let (db, c) = common::cdr(n, &mut rng);
        a.insert(&db, &c).unwrap();
    }
    a.query_strings("ANALYZE cdrs").ok();
    let plan = |sql: &str| {
        a.query_strings(&format!("EXPLAIN {sql}"))
            .unwrap()
            .join("\n")
    };
    let p = plan(
        "SELECT time, id, doc FROM cdrs WHERE account = 'a' AND (time, id) < (5, 'x') ORDER BY time DESC, id DESC LIMIT 51",
    );
    assert!(
        p.contains("Index Scan Backward using cdrs_listing") && !p.contains("Sort"),
        "{p}"
    );
    let p = plan(
        "SELECT time, id, doc FROM cdrs WHERE account = 'a' AND owner = 'u' AND (time, id) > (5, 'x') ORDER BY time ASC, id ASC LIMIT 51",
    );
    assert!(
        p.contains("Index Scan using cdrs_owner") && !p.contains("Sort"),
        "{p}"
    );
}

#[test]
fn insert_all_stores_each_once_in_one_transaction() {
    let (a, _) = two("t_insert_all");
    let mut rng = common::Rng(7);
    let rows: Vec<_> = (0..2500).map(|n| common::cdr(n, &mut rng)).collect();
    // The first 100 already there: only the others are inserted.
    for (db, c) in &rows[..100] {
        assert!(a.insert(db, c).unwrap());
    }
    assert_eq!(a.insert_all(&rows).unwrap(), 2400);
    assert_eq!(
        a.insert_all(&rows).unwrap(),
        0,
        "a second import is a no-op"
    );
    assert_eq!(
        a.query_strings("SELECT count(*)::text FROM cdrs").unwrap(),
        ["2500"]
    );
    for (db, c) in rows.iter().step_by(97) {
        let stored = a.document(db, c.listing_id()).unwrap().expect("stored");
        assert_eq!(stored, serde_json::to_string(c).unwrap());
    }
}
