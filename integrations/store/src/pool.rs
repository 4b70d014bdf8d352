//! [`StorePool`]: a store's connections shared with async code.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use kazoo_records::Error;

/// A fixed set of store connections ([`SqliteStore`](crate::SqliteStore)s or
/// [`PgStore`](crate::PgStore)s, one per connection) shared by async tasks.
///
/// Both stores are synchronous: a query blocks its thread. [`run`](Self::run) therefore
/// runs each call on tokio's blocking pool (`spawn_blocking`), never on a runtime worker, with
/// one connection checked out of the pool for the call's duration; when every connection is
/// busy the call waits (on the blocking pool) for the first one returned. The call runs with
/// no lock of the pool held. Cloning a pool shares its connections; when the last clone is
/// dropped on a runtime thread, the connections are closed on a thread of their own (the
/// `postgres` client's close blocks on its own runtime).
///
/// With the `amqp` feature a pool of either store is the CDR consumer's
/// [`CdrSink`](kazoo_records_amqp::CdrSink).
///
/// ```
/// use kazoo_records_store::{SqliteStore, StorePool};
///
/// # fn main() -> Result<(), kazoo_records::Error> {
/// let dir = std::env::temp_dir().join(format!("kazoo-records-pool-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).map_err(kazoo_records::Error::store)?;
/// let path = dir.join("cdrs.sqlite");
/// let pool = StorePool::new((0..2).map(|_| SqliteStore::open(&path)).collect::<Result<Vec<_>, _>>()?)?;
/// let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(kazoo_records::Error::store)?;
/// let n: i64 = runtime.block_on(pool.run(|store| {
///     store.connection().query_row("SELECT count(*) FROM cdrs", [], |r| r.get(0)).map_err(kazoo_records::Error::store)
/// }))?;
/// assert_eq!(n, 0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub struct StorePool<S: Send> {
    inner: Arc<Inner<S>>,
}

struct Inner<S: Send> {
    idle: Mutex<Vec<S>>,
    returned: Condvar,
    size: usize,
}

impl<S: Send> Clone for StorePool<S> {
    fn clone(&self) -> Self {
        StorePool {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: Send> std::fmt::Debug for StorePool<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorePool")
            .field("size", &self.inner.size)
            .finish_non_exhaustive()
    }
}

impl<S: Send + 'static> StorePool<S> {
    /// A pool of `stores` (open one connection per store).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Store`](kazoo_records::ErrorKind::Store) when `stores` is empty.
    pub fn new(stores: impl IntoIterator<Item = S>) -> Result<Self, Error> {
        let idle: Vec<S> = stores.into_iter().collect();
        if idle.is_empty() {
            return Err(Error::store("a store pool needs at least one connection"));
        }
        let size = idle.len();
        Ok(StorePool {
            inner: Arc::new(Inner {
                idle: Mutex::new(idle),
                returned: Condvar::new(),
                size,
            }),
        })
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// Runs `call` with one of the pool's stores on tokio's blocking pool and returns its
    /// result. Must be called from within a tokio runtime.
    ///
    /// # Errors
    ///
    /// `call`'s, and [`ErrorKind::Store`](kazoo_records::ErrorKind::Store) when `call`
    /// panicked (its connection is then dropped and replaced by none: the pool shrinks).
    pub async fn run<T, F>(&self, call: F) -> Result<T, Error>
    where
        F: FnOnce(&S) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let store = Checkout::take(&inner)?;
            call(store.get())
        })
        .await
        .map_err(|e| Error::store(format!("a store call did not finish: {e}")))?
    }
}

impl<S: Send> Drop for Inner<S> {
    fn drop(&mut self) {
        let stores = std::mem::take(
            self.idle
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if tokio::runtime::Handle::try_current().is_err() {
            drop(stores);
            return;
        }
        // Closing a `postgres` connection blocks on its own runtime, which panics on a
        // thread of another: close the connections on a thread of their own.
        let closing = std::thread::scope(|scope| {
            scope
                .spawn(move || drop(stores))
                .join()
                .map_err(|_| "a store's destructor panicked")
        });
        if let Err(e) = closing {
            eprintln!("kazoo-records-store: {e}");
        }
    }
}

impl<S: Send> Inner<S> {
    fn idle(&self) -> MutexGuard<'_, Vec<S>> {
        // The lock guards only the idle list (no host code runs under it).
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One store out of the pool; back in on drop unless its call panicked.
struct Checkout<'a, S: Send> {
    inner: &'a Inner<S>,
    store: Option<S>,
}

impl<'a, S: Send> Checkout<'a, S> {
    fn take(inner: &'a Inner<S>) -> Result<Self, Error> {
        let mut idle = inner.idle();
        loop {
            if let Some(store) = idle.pop() {
                return Ok(Checkout {
                    inner,
                    store: Some(store),
                });
            }
            idle = inner
                .returned
                .wait(idle)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    fn get(&self) -> &S {
        self.store.as_ref().expect("a checked-out store is present")
    }
}

impl<S: Send> Drop for Checkout<'_, S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Dropped outside the lock, like every store's destructor.
            drop(self.store.take());
            return;
        }
        if let Some(store) = self.store.take() {
            self.inner.idle().push(store);
            self.inner.returned.notify_one();
        }
    }
}

#[cfg(feature = "amqp")]
mod sink {
    use kazoo_records::Error;
    use kazoo_records::cdr::Cdr;
    use kazoo_records_amqp::CdrSink;

    use super::StorePool;
    use crate::{PgStore, SqliteStore};

    /// The CDR consumer's sink: an insert-if-absent on one of the pool's connections, on
    /// tokio's blocking pool.
    impl CdrSink for StorePool<SqliteStore> {
        type Error = Error;

        async fn insert_if_absent(&self, database: &str, cdr: &Cdr) -> Result<bool, Error> {
            let (database, cdr) = (database.to_owned(), cdr.clone());
            self.run(move |store| store.insert(&database, &cdr)).await
        }
    }

    /// The CDR consumer's sink: an insert-if-absent on one of the pool's connections, on
    /// tokio's blocking pool (where the synchronous `postgres` client may block).
    impl CdrSink for StorePool<PgStore> {
        type Error = Error;

        async fn insert_if_absent(&self, database: &str, cdr: &Cdr) -> Result<bool, Error> {
            let (database, cdr) = (database.to_owned(), cdr.clone());
            self.run(move |store| store.insert(&database, &cdr)).await
        }
    }
}
