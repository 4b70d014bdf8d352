//! An example KAZOO-compatible CDR service: crossbar's CDR endpoints (`cb_cdrs`) over
//! [`kazoo_records_store`]'s SQLite or PostgreSQL store, fed by
//! [`kazoo_records_amqp::CdrConsumer`] from RabbitMQ.
//!
//! | path (under `/v2/accounts/{A}` and `/v2/accounts/{A}/users/{U}`) | answer |
//! |---|---|
//! | `GET /cdrs` | a page of CDRs: KAZOO's envelope, or CSV on `Accept: text/csv` / `accept=csv` |
//! | `GET /cdrs/interaction` | a page of whole calls, JSON or CSV |
//! | `GET /cdrs/summary` | the billing summary of the range |
//! | `GET /cdrs/{cdr id}` | one CDR's public document; 404 `bad identifier` when missing |
//! | `GET /cdrs/legs/{interaction id}` | the public documents of one call's legs |
//!
//! Every listing parameter of [`ListingQuery`](kazoo_records::cdr::ListingQuery) is read
//! from the raw query string. Errors are crossbar's envelopes: `{"data": …, "error":
//! "400", "message": "invalid request", "status": "error"}` for a bad parameter (the data
//! keyed by the parameter), KAZOO's 404 `utc_offset must be a number`, 404 `bad identifier`
//! for an account, CDR or interaction id that names nothing, 500 `datastore fault`.
//! Under `/users/{U}` every listing and the summary are the owner's only.
//!
//! The stores are synchronous: every database call runs on tokio's blocking pool through a
//! [`StorePool`](kazoo_records_store::StorePool), one connection per call.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod database;
mod reply;
mod routes;
mod service;

pub use database::Backend;
pub use service::Service;
