//! Event detail records: events, bindings, routing keys and in-process dispatch.
//!
//! An application ([`App`]) emits events through an [`Emitter`], which fills in id, node,
//! time and account tree and builds nothing when nobody listens; or it builds an [`Event`] and
//! [`dispatch`](Registry::dispatch)es it itself. Subscribers [`bind`](Registry::bind) to a
//! [`Registry`] with [`Binding`]s; dispatching an event delivers it to every subscription with
//! a binding that selects it (calls its callback, synchronously).
//!
//! A binding also gives the AMQP routing keys a broker queue is bound with ([`Binding::keys`]);
//! [`topic::matches`] is RabbitMQ's topic matching, and in-process delivery
//! ([`Binding::matches`]) agrees with it, so events can cross nodes through a topic exchange
//! with the same routing as in-process.

mod app;
mod binding;
mod body_filter;
mod emitter;
mod event;
mod event_id;
mod guard;
mod index;
mod interest;
mod json;
#[cfg(feature = "tracing")]
mod layer;
mod level;
mod registry;
mod report;
mod snapshot;
mod subscription;
mod tally;
pub mod topic;
mod walk;

pub use app::App;
pub use binding::{Binding, Levels, Names};
pub use body_filter::BodyFilter;
pub use emitter::Emitter;
pub use event::Event;
pub use event_id::EventId;
pub use guard::Subscription;
pub use json::{bindings_from_json, bindings_to_json};
#[cfg(feature = "tracing")]
pub use layer::EdrLayer;
pub use level::{Severity, Verbosity};
pub use registry::{Registry, RegistryStats};
pub use report::DispatchReport;
pub use subscription::{SubscriptionId, SubscriptionInfo};
