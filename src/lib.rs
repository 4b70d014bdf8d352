//! KAZOO's two record models, for Rust services that embed them.
//!
//! - [`edr`]: event detail records. Applications emit events; subscribers bind with filters
//!   and get synchronous callbacks; the same bindings give AMQP topic routing keys.
//! - [`time`]: Gregorian/Unix seconds and the formats KAZOO prints.
//!
//! The crate does no I/O of its own.
//!
//! # Quick start
//!
//! ```
//! use kazoo_records::edr::{Binding, Event, Severity, Verbosity};
//!
//! let binding = Binding::default().account("abc").app("callflow").severity(Severity::Warning);
//! assert_eq!(binding.keys()[0], "edr.warning.info.abc.callflow");
//!
//! let event = Event::new("callflow", "4.3.1", Severity::Critical, Verbosity::Error, serde_json::json!({}))
//!     .with_account("abc");
//! assert!(binding.matches(&event));
//! assert_eq!(event.routing_key()?, "edr.critical.error.abc.callflow");
//! # Ok::<(), kazoo_records::Error>(())
//! ```
//!
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod decimal;
mod error;
mod random;

pub mod cdr;
pub mod edr;
pub mod time;

pub use error::{Error, ErrorKind};
