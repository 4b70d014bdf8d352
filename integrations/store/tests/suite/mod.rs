//! The store-independent test bodies, run by each store's test file.
#![allow(dead_code)]

use super::common::*;
use kazoo_records::Error;
use kazoo_records::cdr::{Cdr, OrderedStore};
use kazoo_records_store::{PgStore, Scope, SqliteStore};

/// What the suite needs of a store.
pub trait Store {
    type Cdrs<'a>: OrderedStore<Row = Cdr>
    where
        Self: 'a;
    type Legs<'a>: OrderedStore<Row = Cdr>
    where
        Self: 'a;
    fn insert(&self, db: &str, cdr: &Cdr) -> Result<bool, Error>;
    fn document(&self, db: &str, id: &str) -> Result<Option<String>, Error>;
    fn cdrs(&self, scope: Scope) -> Self::Cdrs<'_>;
    fn interactions(&self, account: &str) -> Self::Legs<'_>;
    fn count(&self) -> i64;
}

impl Store for SqliteStore {
    type Cdrs<'a> = kazoo_records_store::SqliteCdrs<'a>;
    type Legs<'a> = kazoo_records_store::SqliteInteractions<'a>;
    fn insert(&self, db: &str, cdr: &Cdr) -> Result<bool, Error> {
        SqliteStore::insert(self, db, cdr)
    }
    fn document(&self, db: &str, id: &str) -> Result<Option<String>, Error> {
        SqliteStore::document(self, db, id)
    }
    fn cdrs(&self, scope: Scope) -> Self::Cdrs<'_> {
        SqliteStore::cdrs(self, scope)
    }
    fn interactions(&self, account: &str) -> Self::Legs<'_> {
        SqliteStore::interactions(self, account)
    }
    fn count(&self) -> i64 {
        self.connection()
            .query_row("SELECT count(*) FROM cdrs", [], |r| r.get(0))
            .unwrap()
    }
}

impl Store for PgStore {
    type Cdrs<'a> = kazoo_records_store::PgCdrs<'a>;
    type Legs<'a> = kazoo_records_store::PgInteractions<'a>;
    fn insert(&self, db: &str, cdr: &Cdr) -> Result<bool, Error> {
        PgStore::insert(self, db, cdr)
    }
    fn document(&self, db: &str, id: &str) -> Result<Option<String>, Error> {
        PgStore::document(self, db, id)
    }
    fn cdrs(&self, scope: Scope) -> Self::Cdrs<'_> {
        PgStore::cdrs(self, scope)
    }
    fn interactions(&self, account: &str) -> Self::Legs<'_> {
        PgStore::interactions(self, account)
    }
    fn count(&self) -> i64 {
        self.query_strings("SELECT count(*)::text FROM cdrs")
            .unwrap()[0]
            .parse()
            .unwrap()
    }
}

const FROM: i64 = BASE + 50;
const TO: i64 = BASE + 330;

fn queries() -> Vec<(String, Option<&'static str>)> {
    let mut out = Vec::new();
    for order in ["ascending=true", "descending=true"] {
        for filter in ["", "&filter_call_direction=inbound"] {
            for owner in [None, Some("alice")] {
                out.push((
                    format!("created_from={FROM}&created_to={TO}&page_size=7&{order}{filter}"),
                    owner,
                ));
            }
        }
    }
    out
}

pub fn pages_visit_every_cdr_once_in_order_while_another_connection_inserts<S: Store>(
    store: &S,
    writer: &S,
) {
    let mut rng = Rng(0x5eed);
    let mut all: Vec<Cdr> = Vec::new();
    for n in 0..400 {
        let (db, cdr) = cdr(n, &mut rng);
        assert!(store.insert(&db, &cdr).unwrap());
        all.push(cdr);
    }
    let mut next = 400;
    for (qs, owner) in queries() {
        let q = query(&qs, owner, None);
        let before = oracle(&all, &q, FROM, TO);
        let scope = match owner {
            Some(o) => Scope::account(ACCOUNT).with_owner(o),
            None => Scope::account(ACCOUNT),
        };
        let mut inserted = Vec::new();
        let seen = walk(&store.cdrs(scope), &qs, owner, |_| {
            for _ in 0..3 {
                let (db, cdr) = cdr(next, &mut rng);
                next += 1;
                assert!(writer.insert(&db, &cdr).unwrap());
                inserted.push(cdr);
            }
        });
        all.extend(inserted);
        let after = oracle(&all, &q, FROM, TO);
        // Exactly once and in order: what was seen is a subsequence of the final oracle
        // that holds every row present before the walk.
        let mut it = after.iter();
        for id in &seen {
            assert!(
                it.any(|o| o == id),
                "{qs} {owner:?}: {id} out of order or repeated"
            );
        }
        for id in &before {
            assert!(seen.contains(id), "{qs} {owner:?}: {id} was missed");
        }
        assert!(!before.is_empty());
    }
}

pub fn pages_without_concurrent_inserts_equal_the_oracle_chunked<S: Store>(store: &S) {
    let mut rng = Rng(77);
    let all: Vec<Cdr> = (0..300)
        .map(|n| {
            let (db, c) = cdr(n, &mut rng);
            store.insert(&db, &c).unwrap();
            c
        })
        .collect();
    for (qs, owner) in queries() {
        let q = query(&qs, owner, None);
        let scope = match owner {
            Some(o) => Scope::account(ACCOUNT).with_owner(o),
            None => Scope::account(ACCOUNT),
        };
        assert_eq!(
            walk(&store.cdrs(scope), &qs, owner, |_| {}),
            oracle(&all, &q, FROM, TO),
            "{qs} {owner:?}"
        );
    }
    // Another account sees nothing.
    let qs = format!("created_from={FROM}&created_to={TO}&page_size=7");
    assert!(
        walk(
            &store.cdrs(Scope::account("account%2Fzz")),
            &qs,
            None,
            |_| {}
        )
        .is_empty()
    );
}

pub fn interaction_pages_are_whole_exactly_once_and_in_order<S: Store>(store: &S, writer: &S) {
    let mut rng = Rng(991);
    let mut all: Vec<Cdr> = Vec::new();
    for n in 0..300 {
        let (db, c) = cdr(n, &mut rng);
        store.insert(&db, &c).unwrap();
        all.push(c);
    }
    for (order, descending) in [("ascending=true", false), ("descending=true", true)] {
        let qs = format!("created_from={FROM}&created_to={TO}&page_size=4&{order}");
        let before = interaction_oracle(&all, FROM, TO, descending);
        let plain = walk_interactions(&store.interactions(ACCOUNT), &qs, |_| {}).unwrap();
        assert_eq!(plain, before, "{qs}");
        // With rows of new interactions inserted between pages: no interaction repeated
        // or cut, every one present before the walk seen.
        let mut next = 10_000 + all.len();
        let mut inserted = Vec::new();
        let seen = walk_interactions(&store.interactions(ACCOUNT), &qs, |_| {
            let (db, c) = cdr(next, &mut rng);
            next += 1;
            writer.insert(&db, &c).unwrap();
            inserted.push(c);
        })
        .unwrap();
        all.extend(inserted);
        let keys: Vec<_> = seen.iter().map(|(k, _)| k.clone()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        if descending {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "{qs}: interactions repeated or out of order");
        for (k, _) in &before {
            assert!(keys.contains(k), "{qs}: {k:?} missed");
        }
    }
}

pub fn a_redelivered_cdr_is_a_no_op<S: Store>(store: &S) {
    let (db, first) = cdr(1, &mut Rng(5));
    assert!(store.insert(&db, &first).unwrap());
    let mut again = first.clone();
    again.billing_seconds = Some(9999);
    assert!(!store.insert(&db, &again).unwrap());
    let stored = store.document(&db, first.listing_id()).unwrap().unwrap();
    assert_eq!(stored, serde_json::to_string(&first).unwrap());
    assert_eq!(store.count(), 1);
}

pub fn fixtures_round_trip_byte_for_byte<S: Store>(store: &S) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kazoo");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(cdr) = Cdr::from_json_str(&text) else {
            continue;
        };
        let expected = serde_json::to_string(&cdr).unwrap();
        let db = format!("{ACCOUNT}-201905");
        store.insert(&db, &cdr).unwrap();
        assert_eq!(
            store.document(&db, cdr.listing_id()).unwrap().unwrap(),
            expected,
            "{path:?}"
        );
        checked += 1;
    }
    assert!(checked >= 1);
}
