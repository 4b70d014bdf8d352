//! KAZOO's two record models, for Rust services that embed them.
//!
//! - [`edr`]: event detail records. Applications emit events; subscribers bind with filters
//!   and get synchronous, in-process callbacks, safe under threads, panics and re-entrancy; the
//!   same bindings give AMQP topic routing keys, so events can cross nodes through RabbitMQ.
//! - [`cdr`]: call detail records. KAZOO's call-leg document typed, and written back as the
//!   JSON value it was read from, with its ids, cost formula and listing row, and what a CDR
//!   API needs: interactions, cursor pagination, query filters and CSV export.
//! - [`time`]: Gregorian/Unix seconds, the formats KAZOO prints, ISO 8601 parsing and UTC
//!   offsets.
//!
//! Every failure is an [`Error`] whose [`kind`](Error::kind) says what went wrong and whose
//! message names the value and, for JSON, its path. The crate does no I/O of its own: the host
//! hands in what it needs (a clock, an account-tree lookup, an ordered store, a writer).
//!
//! # Quick start
//!
//! Events: bind a subscription, emit, and read the routing keys a broker would use.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use kazoo_records::edr::{App, Binding, Emitter, Event, Registry, Severity, Verbosity};
//!
//! let registry = Arc::new(Registry::new());
//! let alerts = Binding::default().account("abc").app("callflow").severity(Severity::Warning);
//! assert_eq!(alerts.keys()[0], "edr.warning.info.abc.callflow");
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = Arc::clone(&seen);
//! registry.bind("alerts", [alerts], move |e: &Event| sink.lock().unwrap().push(e.clone()))?;
//!
//! let callflow = App::new("callflow", "4.3.1");
//! let emitter = Emitter::new(Arc::clone(&registry)).with_node("kazoo_apps@host");
//! let report = emitter.emit_for_account(&callflow, "abc", Severity::Critical, Verbosity::Error, || {
//!     serde_json::json!({"reason": "no route"})
//! });
//! assert_eq!(report.map(|r| r.delivered), Some(1));
//! assert_eq!(seen.lock().unwrap()[0].routing_key()?, "edr.critical.error.abc.callflow");
//!
//! // Nobody listens to ok/info: the body is never built.
//! assert!(emitter.emit(&callflow, Severity::Ok, Verbosity::Info, || unreachable!()).is_none());
//!
//! // A guarded subscription unbinds when its guard is dropped.
//! let everything = registry.bind_guarded("everything", [Binding::default().verbosity(Verbosity::Trace)], |_| {})?;
//! assert!(registry.is_interested(Severity::Ok, Verbosity::Info));
//! drop(everything);
//! assert!(!registry.is_interested(Severity::Ok, Verbosity::Info));
//! # Ok::<(), kazoo_records::Error>(())
//! ```
//!
//! Call records: read a stored CDR, price it, list it.
//!
//! ```
//! use kazoo_records::cdr::{Cdr, PageRequest, RowOptions, Units, paginate};
//! use kazoo_records::time::GregorianSeconds;
//!
//! let cdr = Cdr::from_json_str(r#"{
//!     "_id": "201504-abc", "call_id": "abc", "timestamp": 63595733389, "duration_seconds": "61",
//!     "billing_seconds": "61", "call_direction": "inbound",
//!     "custom_channel_vars": {"rate": "2262", "rate_minimum": "60", "rate_increment": "60"}
//! }"#)?;
//! assert_eq!(cdr.start_time(), Some(GregorianSeconds(63_595_733_328)));
//! assert_eq!(cdr.cost(), Units(4524));
//! assert_eq!(cdr.public_row(&RowOptions::default()).get("datetime"), Some("2015-04-08_17:28:48"));
//!
//! let cdrs = vec![cdr];
//! let now = GregorianSeconds(63_595_740_000);
//! let page = paginate(&cdrs, &PageRequest::new().page_size(25), now)?;
//! assert_eq!(page.items.len(), 1);
//! assert!(page.next_start_key.is_none(), "the last page");
//! # Ok::<(), kazoo_records::Error>(())
//! ```
//!
//! # Features
//!
//! - `csv` (default): CSV export of CDR rows (`cdr::csv`).
//! - `tz`: IANA time-zone names in [`time::Zone`].
//! - `preserve_order`: keep JSON key order in `serde_json::Value` outputs (serde_json's
//!   feature of that name, which changes its map type for the whole program).
//! - `tracing`: `edr::EdrLayer`, a `tracing_subscriber::Layer` that turns `tracing` events with
//!   target `edr` into EDR events, so a service emits EDRs with the logging macros it already
//!   uses.
//!
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod decimal;
mod error;
mod json;
mod random;

pub mod cdr;
pub mod edr;
pub mod time;

pub use error::{Error, ErrorKind};
