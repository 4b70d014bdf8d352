//! [`SqliteStore`]: the CDR store in SQLite.

use std::path::Path;

use kazoo_records::Error;
use kazoo_records::cdr::{Cdr, ScanStart, SortKey, SortOrder};
use kazoo_records::time::GregorianSeconds;
use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value};

use crate::Scope;
use crate::row::{Bound, Columns, bound, parse, scan_sql};

/// The schema: one row per document, keyed by (account, id); the listing index
/// (account, time, id), the owner's (account, owner, time, id) and the interactions'
/// (account, itime, ikey, id), so a page is one index range scan.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cdrs (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    db TEXT NOT NULL,
    time BIGINT,
    owner TEXT,
    itime BIGINT,
    ikey TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS cdrs_listing ON cdrs (account, time, id);
CREATE INDEX IF NOT EXISTS cdrs_owner ON cdrs (account, owner, time, id);
CREATE INDEX IF NOT EXISTS cdrs_interaction ON cdrs (account, itime, ikey, id);
";

/// The CDR store in an SQLite database (one connection; open one store per thread).
///
/// # Errors
///
/// Every method reports SQLite's failures as
/// [`ErrorKind::Store`](kazoo_records::ErrorKind::Store), the SQLite error as source.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, in WAL mode so other
    /// connections insert while this one pages.
    ///
    /// # Errors
    ///
    /// SQLite's, when the file cannot be opened or the schema created.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let conn = Connection::open(path).map_err(Error::store)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(Error::store)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(Error::store)?;
        Self::with_connection(conn)
    }

    /// A private in-memory database.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn open_in_memory() -> Result<Self, Error> {
        Self::with_connection(Connection::open_in_memory().map_err(Error::store)?)
    }

    fn with_connection(conn: Connection) -> Result<Self, Error> {
        conn.execute_batch(SCHEMA).map_err(Error::store)?;
        Ok(SqliteStore { conn })
    }

    /// The connection, for a host's own queries (`EXPLAIN QUERY PLAN`, transactions).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Stores `cdr` (as [`Ingested::Stored`](kazoo_records::cdr::Ingested) gives it) in
    /// `database` unless a document with its id is already there; `true` when inserted,
    /// `false` for a redelivery (the stored document is left as it was).
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn insert(&self, database: &str, cdr: &Cdr) -> Result<bool, Error> {
        let c = Columns::of(database, cdr)?;
        let (itime, ikey) = c.interaction.unzip();
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO cdrs (account, id, db, time, owner, itime, ikey, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (account, id) DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(rusqlite::params![
                    c.account, c.id, database, c.time, c.owner, itime, ikey, c.doc
                ])
            })
            .map_err(Error::store)?;
        Ok(n == 1)
    }

    /// The document `id` of `database`'s account exactly as it was stored, if any.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn document(&self, database: &str, id: &str) -> Result<Option<String>, Error> {
        self.conn
            .prepare_cached("SELECT doc FROM cdrs WHERE account = ?1 AND id = ?2")
            .and_then(|mut s| {
                s.query_row([crate::account_of(database), id], |r| r.get(0))
                    .optional()
            })
            .map_err(Error::store)
    }

    /// The CDR listing of `scope`: an [`OrderedStore`](kazoo_records::cdr::OrderedStore) keyed by the listing key.
    pub fn cdrs(&self, scope: Scope) -> SqliteCdrs<'_> {
        crate::listing::Cdrs::new(self, scope)
    }

    /// The interaction listing of `account`: an [`OrderedStore`](kazoo_records::cdr::OrderedStore) of legs keyed by their
    /// interaction key, legs of one interaction consecutive (ordered by document id).
    pub fn interactions(&self, account: impl Into<String>) -> SqliteInteractions<'_> {
        crate::listing::Interactions::new(self, account.into())
    }
}

impl crate::listing::Engine for SqliteStore {
    fn scan(
        &self,
        cols: (&str, &str),
        account: &str,
        owner: Option<&str>,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        let b = bound(start, order);
        let sql = scan_sql(cols, owner.is_some(), &b, order);
        let mut values: Vec<Value> = vec![Value::Text(account.to_owned())];
        if let Some(o) = owner {
            values.push(Value::Text(o.to_owned()));
        }
        match b {
            Bound::Time(t) => values.push(Value::Integer(t)),
            Bound::Key(_, t, id) => {
                values.push(Value::Integer(t));
                values.push(Value::Text(id));
            }
        }
        values.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let mut stmt = self.conn.prepare_cached(&sql).map_err(Error::store)?;
        let mut rows = stmt.query(params_from_iter(values)).map_err(Error::store)?;
        let mut out = Vec::with_capacity(limit.min(1024));
        while let Some(r) = rows.next().map_err(Error::store)? {
            let time: i64 = r.get(0).map_err(Error::store)?;
            let key: String = r.get(1).map_err(Error::store)?;
            let doc: String = r.get(2).map_err(Error::store)?;
            out.push((SortKey::new(GregorianSeconds(time), key), parse(&doc)?));
        }
        Ok(out)
    }
}

/// [`SqliteStore::cdrs`]: one scope's CDR listing, an [`OrderedStore`](kazoo_records::cdr::OrderedStore).
pub type SqliteCdrs<'a> = crate::listing::Cdrs<'a, SqliteStore>;

/// [`SqliteStore::interactions`]: one account's interaction legs, an [`OrderedStore`](kazoo_records::cdr::OrderedStore).
pub type SqliteInteractions<'a> = crate::listing::Interactions<'a, SqliteStore>;
