//! [`Backend`] and the database the service reads: a pool of either store.

use std::path::PathBuf;

use kazoo_records::Error;
use kazoo_records::cdr::{
    Cdr, InteractionId, ListingQuery, OrderedStore, Page, ScanStart, SortKey, SortOrder, legs_of,
};
use kazoo_records::time::GregorianSeconds;
use kazoo_records_store::{PgStore, Scope, SqliteStore, StorePool};

/// Where the service keeps its CDRs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// An SQLite database file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgresql://user@host:port/db`).
    Postgres(String),
}

/// The stores' reads the endpoints need, over one connection.
pub(crate) trait Records {
    /// One page of `scope`'s CDRs.
    fn page(
        &self,
        scope: Scope,
        query: &ListingQuery,
        now: GregorianSeconds,
    ) -> Result<Page<Cdr>, Error>;
    /// Every interaction leg of `account` whose interaction time is in `from..=to`.
    fn legs_between(&self, account: &str, from: i64, to: i64) -> Result<Vec<Cdr>, Error>;
    /// The legs of one interaction, in channel order.
    fn legs(&self, account: &str, id: &InteractionId) -> Result<Vec<Cdr>, Error>;
    /// A stored document, as stored.
    fn document(&self, database: &str, id: &str) -> Result<Option<String>, Error>;
}

/// Rows of `store` from `start` (ascending) while `more` holds for their keys, read with a
/// limit that grows until the rows pass `more` or the store ends.
fn scan_while(
    store: &impl OrderedStore<Row = Cdr>,
    start: ScanStart<'_>,
    more: impl Fn(&SortKey) -> bool,
) -> Result<Vec<Cdr>, Error> {
    let mut limit = 256;
    loop {
        let rows = store.scan(start, SortOrder::Ascending, limit)?;
        let exhausted = rows.len() < limit;
        if exhausted || rows.last().is_some_and(|(key, _)| !more(key)) {
            return Ok(rows
                .into_iter()
                .take_while(|(key, _)| more(key))
                .map(|(_, cdr)| cdr)
                .collect());
        }
        limit = limit.saturating_mul(4);
    }
}

macro_rules! records {
    ($store:ty) => {
        impl Records for $store {
            fn page(
                &self,
                scope: Scope,
                query: &ListingQuery,
                now: GregorianSeconds,
            ) -> Result<Page<Cdr>, Error> {
                query.list_store(&self.cdrs(scope), now)
            }

            fn legs_between(&self, account: &str, from: i64, to: i64) -> Result<Vec<Cdr>, Error> {
                scan_while(
                    &self.interactions(account),
                    ScanStart::Time(GregorianSeconds(from)),
                    |key| key.time.0 <= to,
                )
            }

            fn legs(&self, account: &str, id: &InteractionId) -> Result<Vec<Cdr>, Error> {
                let key = SortKey::new(id.time(), id.key());
                let legs = scan_while(&self.interactions(account), ScanStart::From(&key), |k| {
                    *k == key
                })?;
                Ok(legs_of(&legs, id).into_iter().cloned().collect())
            }

            fn document(&self, database: &str, id: &str) -> Result<Option<String>, Error> {
                <$store>::document(self, database, id)
            }
        }
    };
}

records!(SqliteStore);
records!(PgStore);

/// The service's connections: a pool of one store or the other.
#[derive(Debug, Clone)]
pub(crate) enum Database {
    Sqlite(StorePool<SqliteStore>),
    Postgres(StorePool<PgStore>),
}

impl Database {
    /// Opens `connections` connections to `backend` (on the blocking pool: the PostgreSQL
    /// client must not connect on a runtime thread).
    pub(crate) async fn open(backend: &Backend, connections: usize) -> Result<Database, Error> {
        let backend = backend.clone();
        let n = connections.max(1);
        tokio::task::spawn_blocking(move || match backend {
            Backend::Sqlite(path) => {
                let stores = (0..n)
                    .map(|_| SqliteStore::open(&path))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Database::Sqlite(StorePool::new(stores)?))
            }
            Backend::Postgres(url) => {
                let stores = (0..n)
                    .map(|_| PgStore::connect(&url))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Database::Postgres(StorePool::new(stores)?))
            }
        })
        .await
        .map_err(|e| Error::store(format!("opening the database did not finish: {e}")))?
    }

    /// Runs `call` on one connection, on the blocking pool.
    pub(crate) async fn run<T, F>(&self, call: F) -> Result<T, Error>
    where
        F: FnOnce(&dyn Records) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        match self {
            Database::Sqlite(pool) => pool.run(move |store| call(store)).await,
            Database::Postgres(pool) => pool.run(move |store| call(store)).await,
        }
    }
}
