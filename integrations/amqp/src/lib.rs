//! KAZOO's AMQP side for [`kazoo_records`]: the part that does I/O (lapin, tokio).
//!
//! - [`EventPublisher`] publishes EDR events to KAZOO's `kapps` topic exchange with
//!   [`Event::routing_key`](kazoo_records::edr::Event::routing_key) and KAZOO's wire body
//!   ([`Event::to_amqp_json`](kazoo_records::edr::Event::to_amqp_json)), persistent and
//!   confirmed by the broker; after a lost connection it reconnects with backoff and sends
//!   again what was not confirmed (at least once: consumers dedupe on the event's id).
//! - [`EventConsumer`] binds a queue with the [`Binding::keys`](kazoo_records::edr::Binding::keys)
//!   of a node's subscriptions and dispatches every delivery into a local
//!   [`Registry`](kazoo_records::edr::Registry).
//! - [`CdrConsumer`] binds a durable queue to KAZOO's `callevt` topic exchange with
//!   `call.CHANNEL_DESTROY.*` (as KAZOO's `cdr_listener` does), ingests each message with
//!   [`Ingest::channel_destroy`](kazoo_records::cdr::Ingest::channel_destroy) and hands the
//!   document to the host's [`CdrSink`]. A message is acknowledged only after the sink accepted
//!   it: a sink error, a crash or a lost connection redelivers it (at least once; the
//!   document's deterministic `_id` makes an insert-if-absent sink idempotent). A message that
//!   is not a CHANNEL_DESTROY KAZOO could store is rejected to the dead-letter queue
//!   ([`CdrConsumerConfig::dead_letter_queue`]), never dropped silently. The consumer
//!   reconnects with backoff after a broker restart.
//! - [`encode_word`], [`call_event_routing_key`] and [`channel_destroy_routing_key`] build the
//!   routing keys KAZOO publishes call events with (`kz_amqp_util:encode/1`, `kapi_call`).
//!
//! The exchanges are declared with KAZOO's flags (transient topic exchanges, as
//! `kz_amqp_util:new_exchange/3` declares them), so they coexist with a KAZOO cluster's.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cdr_consumer;
mod cdr_sink;
mod error;
mod event_consumer;
mod event_publisher;
mod event_publisher_config;
mod io;
mod routing;

pub use cdr_consumer::{CdrConsumer, CdrConsumerConfig, CdrConsumerStats};
pub use cdr_sink::CdrSink;
pub use error::Error;
pub use event_consumer::EventConsumer;
pub use event_publisher::EventPublisher;
pub use event_publisher_config::EventPublisherConfig;
pub use routing::{call_event_routing_key, channel_destroy_routing_key, encode_word};

/// KAZOO's exchange for inter-application traffic, a transient topic exchange
/// (`?EXCHANGE_KAPPS`, `?TYPE_KAPPS` in `kz_amqp.hrl`): its EDR AMQP backend publishes there
/// (`kapi_edr_amqp:publish_event/1` through `kz_amqp_util:kapps_publish/2`).
pub const KAPPS_EXCHANGE: &str = "kapps";
/// KAZOO's exchange for call events, a transient topic exchange (`?EXCHANGE_CALLEVT`,
/// `?TYPE_CALLEVT` in `kz_amqp.hrl`): ecallmgr publishes CHANNEL_DESTROY there
/// (`kapi_call:publish_event/2` through `kz_amqp_util:callevt_publish/4`).
pub const CALLEVT_EXCHANGE: &str = "callevt";
/// The key KAZOO's `cdr_listener` binds with: every CHANNEL_DESTROY, any call id. Its
/// bindings `[{call, [{restrict_to, ['CHANNEL_DESTROY']}]}]` make `kapi_call:bind_q/2` bind
/// `?CALL_EVENT_ROUTING_KEY('CHANNEL_DESTROY', <<"*">>)`, and `kz_amqp_util:encode/1` keeps a
/// lone `*`; see [`call_event_routing_key`] for the key events are published with.
pub const CHANNEL_DESTROY_KEY: &str = "call.CHANNEL_DESTROY.*";
