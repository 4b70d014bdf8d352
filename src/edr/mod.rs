//! Event detail records: events, bindings, routing keys and in-process dispatch.

mod level;

pub use level::{Severity, Verbosity};
