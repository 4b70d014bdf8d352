//! `kazoo-records`' [`OrderedStore`](kazoo_records::cdr::OrderedStore) over real databases:
//! SQLite ([`SqliteStore`], embedded, bundled library) and PostgreSQL ([`PgStore`]).
//!
//! Both hold one table of CDR documents with the listing index (listing time, document
//! id) per account, the owner (`custom_channel_vars.owner_id`) and the interaction key,
//! and the document exactly as it was stored (`serde_json::to_string(&cdr)`). Ingested
//! CDRs are inserted if absent: a redelivered CHANNEL_DESTROY (same `_id`) is a no-op.
//!
//! A [`Scope`] names what one listing scans: an account, and optionally an owner (pushed
//! into the index, so an owner-scoped page reads only that owner's rows).
//!
//! Both stores are synchronous. Async hosts share their connections through a
//! [`StorePool`] (feature `tokio`), which runs each call on tokio's blocking pool; with
//! the feature `amqp` a pool of either store is the CDR consumer's sink
//! (`kazoo_records_amqp::CdrSink`), implemented here because this crate owns the store
//! types (the AMQP crate stays free of database clients).
//!
//! ```
//! use kazoo_records::cdr::{Cdr, ListingQuery};
//! use kazoo_records::time::GregorianSeconds;
//! use kazoo_records_store::{Scope, SqliteStore};
//!
//! let store = SqliteStore::open_in_memory()?;
//! let cdr = Cdr::from_json_str(r#"{"_id": "201905-abc", "call_id": "abc", "timestamp": 63724403408}"#)?;
//! assert!(store.insert("account%2Fab%2Fcd%2Fef-201905", &cdr)?);
//! assert!(!store.insert("account%2Fab%2Fcd%2Fef-201905", &cdr)?, "a redelivery is a no-op");
//! let query = ListingQuery::from_query_string("created_from=63724403000&created_to=63724404000")?;
//! let page = query.list_store(&store.cdrs(Scope::account("account%2Fab%2Fcd%2Fef")), GregorianSeconds(63_724_404_000))?;
//! assert_eq!(page.items.len(), 1);
//! # Ok::<(), kazoo_records::Error>(())
//! ```
#![deny(missing_docs)]

mod listing;
mod pg;
#[cfg(feature = "tokio")]
mod pool;
mod row;
mod scope;
mod sqlite;

pub use listing::{Cdrs, Engine, Interactions};
pub use pg::{PgCdrs, PgInteractions, PgStore};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use pool::StorePool;
pub use row::account_of;
pub use scope::Scope;
pub use sqlite::{SqliteCdrs, SqliteInteractions, SqliteStore};
