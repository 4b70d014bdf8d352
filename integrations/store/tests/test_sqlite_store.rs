//! `SqliteStore` against a real SQLite database file.

mod common;
mod suite;

use kazoo_records_store::SqliteStore;

/// Two connections to one fresh database file (the directory lives as long as the guard).
fn two() -> (tempfile::TempDir, SqliteStore, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cdrs.sqlite");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    (dir, a, b)
}

#[test]
fn pages_visit_every_cdr_once_in_order_while_another_connection_inserts() {
    let (_d, a, b) = two();
    suite::pages_visit_every_cdr_once_in_order_while_another_connection_inserts(&a, &b);
}

#[test]
fn pages_without_concurrent_inserts_equal_the_oracle_chunked() {
    let (_d, a, _) = two();
    suite::pages_without_concurrent_inserts_equal_the_oracle_chunked(&a);
}

#[test]
fn interaction_pages_are_whole_exactly_once_and_in_order() {
    let (_d, a, b) = two();
    suite::interaction_pages_are_whole_exactly_once_and_in_order(&a, &b);
}

#[test]
fn a_redelivered_cdr_is_a_no_op() {
    let (_d, a, _) = two();
    suite::a_redelivered_cdr_is_a_no_op(&a);
}

#[test]
fn fixtures_round_trip_byte_for_byte() {
    let (_d, a, _) = two();
    suite::fixtures_round_trip_byte_for_byte(&a);
}

#[test]
fn a_page_is_an_index_range_scan() {
    let store = SqliteStore::open_in_memory().unwrap();
    let plan = |sql: &str| -> String {
        let mut s = store
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows: Vec<String> = s
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.join("; ")
    };
    let p = plan(
        "SELECT time, id, doc FROM cdrs WHERE account = 'a' AND (time, id) < (5, 'x') ORDER BY time DESC, id DESC LIMIT 51",
    );
    assert!(
        p.contains("USING INDEX cdrs_listing") && !p.contains("TEMP B-TREE"),
        "{p}"
    );
    let p = plan(
        "SELECT time, id, doc FROM cdrs WHERE account = 'a' AND owner = 'u' AND (time, id) > (5, 'x') ORDER BY time ASC, id ASC LIMIT 51",
    );
    assert!(
        p.contains("USING INDEX cdrs_owner") && !p.contains("TEMP B-TREE"),
        "{p}"
    );
    let p = plan(
        "SELECT itime, ikey, doc FROM cdrs WHERE account = 'a' AND (itime, ikey) >= (5, 'x') ORDER BY itime ASC, ikey ASC, id ASC LIMIT 51",
    );
    assert!(
        p.contains("USING INDEX cdrs_interaction") && !p.contains("TEMP B-TREE"),
        "{p}"
    );
}
