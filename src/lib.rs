//! KAZOO's two record models, for Rust services that embed them.
//!
//! - [`edr`]: event detail records. Applications emit events; subscribers bind with filters
//!   and get synchronous callbacks; the same bindings give AMQP topic routing keys.
//! - [`time`]: Gregorian/Unix seconds and the formats KAZOO prints.
//!
//! The crate does no I/O of its own.
//!
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;

pub mod cdr;
pub mod edr;
pub mod time;

pub use error::Error;
