//! Event detail records: events, bindings, routing keys and in-process dispatch.
//!
//! An application emits an [`Event`]; subscribers describe what they want with [`Binding`]s.
//! A binding gives the AMQP routing keys a broker queue is bound with ([`Binding::keys`]) and
//! decides in-process delivery ([`Binding::matches`]); [`topic::matches`] is RabbitMQ's topic
//! matching, so the two agree.

mod binding;
mod event;
mod event_id;
mod json;
mod level;
pub mod topic;

pub use binding::{Binding, Levels, Names};
pub use event::{DEFAULT_NODE, Event};
pub use event_id::EventId;
pub use json::{bindings_from_json, bindings_to_json};
pub use level::{Level, Severity, Verbosity};
