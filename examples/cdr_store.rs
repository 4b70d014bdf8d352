//! How a host backs cursor pagination with its own database: two sketches of
//! [`OrderedStore`], one over an SQL index and one over a CouchDB view.
//!
//! No database is contacted. The SQL store builds the statement and its parameters, prints
//! them, and runs the same query over an in-memory table so the example shows real pages;
//! the CouchDB store builds the view URL a host would request.
//!
//! ```text
//! cargo run --example cdr_store
//! ```

use std::cell::RefCell;

use kazoo_records::Error;
use kazoo_records::cdr::{
    Cdr, OrderedStore, PageRequest, ScanStart, SortKey, SortOrder, paginate_store,
};
use kazoo_records::time::GregorianSeconds;

/// A bound SQL parameter.
#[derive(Debug, Clone, PartialEq)]
enum Param {
    Int(i64),
    Text(String),
}

/// An SQL table `cdrs(listing_time BIGINT, doc_id TEXT, doc JSONB)` with the index
/// `CREATE UNIQUE INDEX cdrs_listing ON cdrs (listing_time, doc_id)`.
///
/// `scan` is one indexed range query; the row-value comparison `(a, b) > (?, ?)` is what
/// PostgreSQL, SQLite ≥ 3.15 and MySQL evaluate on a composite index.
struct SqlStore {
    /// Stands in for the table: (listing_time, doc_id, doc).
    table: Vec<(i64, String, Cdr)>,
    /// The statements issued, for the printout.
    log: RefCell<Vec<String>>,
}

impl SqlStore {
    /// The statement and parameters of one scan.
    fn statement(start: ScanStart<'_>, order: SortOrder, limit: usize) -> (String, Vec<Param>) {
        let (cmp, keyword) = match order {
            SortOrder::Ascending => ((">=", ">"), "ASC"),
            SortOrder::Descending => (("<=", "<"), "DESC"),
        };
        let (condition, mut params) = match start {
            ScanStart::Time(t) => (format!("listing_time {} ?", cmp.0), vec![Param::Int(t.0)]),
            ScanStart::From(key) => (
                format!("(listing_time, doc_id) {} (?, ?)", cmp.0),
                vec![Param::Int(key.time.0), Param::Text(key.id.clone())],
            ),
            ScanStart::After(key) => (
                format!("(listing_time, doc_id) {} (?, ?)", cmp.1),
                vec![Param::Int(key.time.0), Param::Text(key.id.clone())],
            ),
        };
        params.push(Param::Int(limit as i64));
        let sql = format!(
            "SELECT listing_time, doc_id, doc FROM cdrs WHERE {condition} \
             ORDER BY listing_time {keyword}, doc_id {keyword} LIMIT ?"
        );
        (sql, params)
    }

    /// Evaluates the statement's meaning over the in-memory table (what the database does).
    fn run(&self, start: ScanStart<'_>, order: SortOrder, limit: usize) -> Vec<(SortKey, Cdr)> {
        let wanted = |time: i64, id: &str| {
            let key = (time, id);
            match (start, order) {
                (ScanStart::Time(t), SortOrder::Ascending) => time >= t.0,
                (ScanStart::Time(t), SortOrder::Descending) => time <= t.0,
                (ScanStart::From(k), SortOrder::Ascending) => key >= (k.time.0, k.id.as_str()),
                (ScanStart::From(k), SortOrder::Descending) => key <= (k.time.0, k.id.as_str()),
                (ScanStart::After(k), SortOrder::Ascending) => key > (k.time.0, k.id.as_str()),
                (ScanStart::After(k), SortOrder::Descending) => key < (k.time.0, k.id.as_str()),
            }
        };
        let rows = self.table.iter().filter(|(t, id, _)| wanted(*t, id));
        let rows: Vec<_> = match order {
            SortOrder::Ascending => rows.take(limit).collect(),
            SortOrder::Descending => rows.rev().take(limit).collect(),
        };
        rows.into_iter()
            .map(|(t, id, cdr)| (SortKey::new(GregorianSeconds(*t), id.clone()), cdr.clone()))
            .collect()
    }
}

impl OrderedStore for SqlStore {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        let (sql, params) = SqlStore::statement(start, order, limit);
        self.log.borrow_mut().push(format!("{sql}  -- {params:?}"));
        // A real host: `client.query(&sql, &params).map_err(Error::store)`.
        Ok(self.run(start, order, limit))
    }
}

/// A CouchDB view emitting `[listing_time, doc_id]` for each CDR (KAZOO's
/// `cdrs/crossbar_listing` keys by time the same way). Only the request is built here.
struct CouchView {
    database: String,
}

impl CouchView {
    /// The view query of one scan. CouchDB's `startkey` is inclusive, so `After` asks from
    /// the key itself and the paginator skips the repeated row; `[t, {}]` sorts after every
    /// `[t, id]` (objects collate after strings).
    fn url(&self, start: ScanStart<'_>, order: SortOrder, limit: usize) -> String {
        let descending = order == SortOrder::Descending;
        let startkey = match start {
            ScanStart::Time(t) if descending => format!("[{},{{}}]", t.0),
            ScanStart::Time(t) => format!("[{}]", t.0),
            ScanStart::From(k) | ScanStart::After(k) => {
                format!("[{},{}]", k.time.0, serde_json::Value::from(k.id.as_str()))
            }
        };
        format!(
            "/{}/_design/cdrs/_view/listing_by_time?startkey={}&descending={descending}&limit={limit}&include_docs=true",
            self.database,
            percent_encode(&startkey),
        )
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn main() -> Result<(), Error> {
    // Ten CDRs, three of them at the same second: the composite key keeps them apart.
    let mut table: Vec<(i64, String, Cdr)> = (0..10)
        .map(|i| {
            let time = 63_724_403_400 + if (3..6).contains(&i) { 3 } else { i };
            let mut cdr = Cdr::new(format!("call-{i}"));
            cdr.timestamp = Some(GregorianSeconds(time));
            cdr.doc_id = Some(format!("201905-call-{i}"));
            let key = SortKey::of_cdr(&cdr).expect("the CDR has a timestamp");
            (key.time.0, key.id, cdr)
        })
        .collect();
    table.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let store = SqlStore {
        table,
        log: RefCell::new(Vec::new()),
    };

    let now = GregorianSeconds(63_724_403_500);
    let first = PageRequest::new()
        .page_size(4)
        .created_from(GregorianSeconds(63_724_403_000))
        .created_to(now);
    let mut request = first.clone();
    loop {
        let page = paginate_store(&store, &request, now)?;
        let ids: Vec<&str> = page.items.iter().map(|c| c.call_id.as_str()).collect();
        println!("page: {ids:?}");
        for statement in store.log.borrow_mut().drain(..) {
            println!("  SQL  {statement}");
        }
        match page.next_start_key {
            Some(key) => request = first.clone().start_key(key),
            None => break,
        }
    }

    let view = CouchView {
        database: "account%2F76%2F00%2Fefb3424dc4b79854521fd4563d0a-201905".to_owned(),
    };
    let key = SortKey::new(GregorianSeconds(63_724_403_403), "201905-call-4");
    println!(
        "CouchDB, first page:  {}",
        view.url(ScanStart::Time(now), SortOrder::Descending, 5)
    );
    println!(
        "CouchDB, next page:   {}",
        view.url(ScanStart::After(&key), SortOrder::Descending, 5)
    );
    Ok(())
}
