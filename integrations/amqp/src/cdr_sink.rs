//! [`CdrSink`]: where the CDR consumer hands each ingested document.

use kazoo_records::cdr::Cdr;

/// The host's CDR store, as the [`CdrConsumer`](crate::CdrConsumer) sees it.
///
/// The consumer acknowledges a message only once `insert_if_absent` returned `Ok`; on `Err`
/// the message is requeued and delivered again, so the same document may be offered more than
/// once (after an error, a crash, or a lost connection before the acknowledgement reached the
/// broker). An implementation stores `cdr` in `database` under its
/// [`doc_id`](Cdr::doc_id) unless a document with that id is already there: ids are
/// deterministic (`YYYYMM-<Call-ID>`), so the store ends with each call leg once.
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::Mutex;
///
/// use kazoo_records::cdr::Cdr;
/// use kazoo_records_amqp::CdrSink;
///
/// /// Documents by (database, id).
/// #[derive(Default)]
/// struct MemoryStore(Mutex<BTreeMap<(String, String), Cdr>>);
///
/// impl CdrSink for MemoryStore {
///     type Error = String;
///
///     async fn insert_if_absent(&self, database: &str, cdr: &Cdr) -> Result<bool, String> {
///         let id = cdr.doc_id.clone().ok_or("a document without an id")?;
///         let mut docs = self.0.lock().map_err(|_| "poisoned".to_owned())?;
///         let key = (database.to_owned(), id);
///         if docs.contains_key(&key) {
///             return Ok(false);
///         }
///         docs.insert(key, cdr.clone());
///         Ok(true)
///     }
/// }
/// ```
pub trait CdrSink: Send + Sync {
    /// Why a document was not stored (shown in [`CdrConsumerStats::last_error`](crate::CdrConsumerStats::last_error)).
    type Error: std::fmt::Display + Send;

    /// Stores `cdr` in `database` unless its id is there already. `Ok(true)`: inserted;
    /// `Ok(false)`: already present (a redelivery). Either way the message is acknowledged.
    ///
    /// # Errors
    ///
    /// The document was not stored; the message is delivered again.
    fn insert_if_absent(
        &self,
        database: &str,
        cdr: &Cdr,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}
