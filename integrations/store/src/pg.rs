//! [`PgStore`]: the CDR store in PostgreSQL.

use std::sync::Mutex;

use kazoo_records::Error;
use kazoo_records::cdr::{Cdr, ScanStart, SortKey, SortOrder};
use kazoo_records::time::GregorianSeconds;
use postgres::types::ToSql;
use postgres::{Client, NoTls};

use crate::Scope;
use crate::row::{Bound, Columns, bound, parse, scan_sql};

/// The schema: as SQLite's, ids in the `C` collation so the index orders them bytewise,
/// as the core's `SortKey` does.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS cdrs (
    account TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    db TEXT NOT NULL,
    time BIGINT,
    owner TEXT COLLATE "C",
    itime BIGINT,
    ikey TEXT COLLATE "C",
    doc TEXT NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS cdrs_listing ON cdrs (account, time, id);
CREATE INDEX IF NOT EXISTS cdrs_owner ON cdrs (account, owner, time, id);
CREATE INDEX IF NOT EXISTS cdrs_interaction ON cdrs (account, itime, ikey, id);
"#;

/// The CDR store in a PostgreSQL database, over the synchronous `postgres` client (one
/// connection behind a mutex).
///
/// The `postgres` client runs its own tokio runtime: do not call it from a thread of
/// another tokio runtime (wrap calls in `tokio::task::spawn_blocking` there), or it panics.
///
/// # Errors
///
/// Every method reports PostgreSQL's failures as
/// [`ErrorKind::Store`](kazoo_records::ErrorKind::Store), the client's error as source.
pub struct PgStore {
    client: Mutex<Client>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgresql://user@host:port/db`) and creates the schema if absent.
    ///
    /// # Errors
    ///
    /// PostgreSQL's, when the server is unreachable or the schema cannot be created.
    pub fn connect(url: &str) -> Result<Self, Error> {
        let mut client = Client::connect(url, NoTls).map_err(Error::store)?;
        client.batch_execute(SCHEMA).map_err(Error::store)?;
        Ok(PgStore {
            client: Mutex::new(client),
        })
    }

    fn client(&self) -> Result<std::sync::MutexGuard<'_, Client>, Error> {
        self.client
            .lock()
            .map_err(|_| Error::store("the PostgreSQL connection's lock is poisoned"))
    }

    /// Runs `sql` on this store's connection (a host's own statements: `EXPLAIN`, `TRUNCATE`).
    ///
    /// # Errors
    ///
    /// PostgreSQL's.
    pub fn query_strings(&self, sql: &str) -> Result<Vec<String>, Error> {
        let rows = self.client()?.query(sql, &[]).map_err(Error::store)?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(Error::store))
            .collect()
    }

    /// Stores `cdr` in `database` unless its id is already there; `true` when inserted,
    /// `false` for a redelivery (the stored document is left as it was).
    ///
    /// # Errors
    ///
    /// PostgreSQL's.
    pub fn insert(&self, database: &str, cdr: &Cdr) -> Result<bool, Error> {
        let c = Columns::of(database, cdr)?;
        let (itime, ikey) = c.interaction.unzip();
        let n = self
            .client()?
            .execute(
                "INSERT INTO cdrs (account, id, db, time, owner, itime, ikey, doc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (account, id) DO NOTHING",
                &[
                    &c.account, &c.id, &database, &c.time, &c.owner, &itime, &ikey, &c.doc,
                ],
            )
            .map_err(Error::store)?;
        Ok(n == 1)
    }

    /// Stores many CDRs (`(database, cdr)` pairs) in one transaction, each unless its id
    /// is already there, with multi-row `INSERT`s of up to 1000 rows: a bulk import's fast
    /// path (one round trip per 1000 rows). Returns how many were inserted.
    ///
    /// # Errors
    ///
    /// PostgreSQL's (nothing is stored then: the transaction rolls back).
    pub fn insert_all(&self, cdrs: &[(String, Cdr)]) -> Result<u64, Error> {
        let rows = cdrs
            .iter()
            .map(|(database, cdr)| Columns::of(database, cdr).map(|c| (database.as_str(), c)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(Error::store)?;
        let mut inserted = 0;
        for chunk in rows.chunks(1000) {
            let mut sql = String::from(
                "INSERT INTO cdrs (account, id, db, time, owner, itime, ikey, doc) VALUES ",
            );
            let interactions: Vec<(Option<i64>, Option<&str>)> = chunk
                .iter()
                .map(|(_, c)| match &c.interaction {
                    Some((t, k)) => (Some(*t), Some(k.as_str())),
                    None => (None, None),
                })
                .collect();
            let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * 8);
            for (n, ((database, c), (itime, ikey))) in chunk.iter().zip(&interactions).enumerate() {
                let b = n * 8;
                if n > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${},${},${},${},${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8
                ));
                params.extend_from_slice(&[
                    &c.account, &c.id, database, &c.time, &c.owner, itime, ikey, &c.doc,
                ]);
            }
            sql.push_str(" ON CONFLICT (account, id) DO NOTHING");
            inserted += tx.execute(&sql, &params).map_err(Error::store)?;
        }
        tx.commit().map_err(Error::store)?;
        Ok(inserted)
    }

    /// The document `id` of `database`'s account exactly as it was stored, if any.
    ///
    /// # Errors
    ///
    /// PostgreSQL's.
    pub fn document(&self, database: &str, id: &str) -> Result<Option<String>, Error> {
        let row = self
            .client()?
            .query_opt(
                "SELECT doc FROM cdrs WHERE account = $1 AND id = $2",
                &[&crate::account_of(database), &id],
            )
            .map_err(Error::store)?;
        row.map(|r| r.try_get(0).map_err(Error::store)).transpose()
    }

    /// The CDR listing of `scope`: an [`OrderedStore`](kazoo_records::cdr::OrderedStore) keyed by the listing key.
    pub fn cdrs(&self, scope: Scope) -> PgCdrs<'_> {
        crate::listing::Cdrs::new(self, scope)
    }

    /// The interaction listing of `account`: legs keyed by their interaction key.
    pub fn interactions(&self, account: impl Into<String>) -> PgInteractions<'_> {
        crate::listing::Interactions::new(self, account.into())
    }
}

impl crate::listing::Engine for PgStore {
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
        let limit_i = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&account];
        let owner_s;
        if let Some(o) = owner {
            owner_s = o;
            params.push(&owner_s);
        }
        match &b {
            Bound::Time(t) => params.push(t),
            Bound::Key(_, t, id) => {
                params.push(t);
                params.push(id);
            }
        }
        params.push(&limit_i);
        let mut client = self.client()?;
        let stmt = client.prepare(&sql).map_err(Error::store)?;
        let rows = client.query(&stmt, &params).map_err(Error::store)?;
        drop(client);
        rows.iter()
            .map(|r| {
                let time: i64 = r.try_get(0).map_err(Error::store)?;
                let key: String = r.try_get(1).map_err(Error::store)?;
                let doc: &str = r.try_get(2).map_err(Error::store)?;
                Ok((SortKey::new(GregorianSeconds(time), key), parse(doc)?))
            })
            .collect()
    }
}

/// [`PgStore::cdrs`]: one scope's CDR listing, an [`OrderedStore`](kazoo_records::cdr::OrderedStore).
pub type PgCdrs<'a> = crate::listing::Cdrs<'a, PgStore>;

/// [`PgStore::interactions`]: one account's interaction legs, an [`OrderedStore`](kazoo_records::cdr::OrderedStore).
pub type PgInteractions<'a> = crate::listing::Interactions<'a, PgStore>;
