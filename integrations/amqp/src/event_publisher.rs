//! [`EventPublisher`]: EDR events to KAZOO's exchange, in KAZOO's wire shape, confirmed, and
//! re-sent after a lost connection.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kazoo_records::edr::Event;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Confirmation, Connection};
use tokio::sync::Mutex;

use crate::io::{declare_topic, open, step};
use crate::{Error, EventPublisherConfig};

/// Publishes [`Event`]s to a topic exchange (KAZOO's [`KAPPS_EXCHANGE`](crate::KAPPS_EXCHANGE) by default), routing
/// key [`Event::routing_key`] (KAZOO's `edr_bindings:event_binding_key/1`, which
/// `kapi_edr_amqp:publish_event/1` publishes with), body [`Event::to_amqp_json`], content type
/// `application/json`, persistent (delivery mode 2), AMQP `message-id` the event's id.
///
/// # What a returned `Ok` means, and what a broker restart does
///
/// - [`publish`](Self::publish) returns `Ok` only after the broker confirmed the message
///   (publisher confirms). RabbitMQ confirms a persistent message once every durable queue it
///   was routed to has written it to disk, so a confirmed event that reached a durable queue
///   survives a broker restart.
/// - When the connection dies before the confirm arrived (a broker restart, a dropped link),
///   the publisher reconnects with exponential backoff (100 ms doubling to 5 s, see
///   [`EventPublisherConfig`]), redeclares the exchange and **sends the same event again**,
///   up to [`EventPublisherConfig::max_attempts`] times. Delivery is therefore *at least
///   once*: the first copy may have been stored before the connection died, so a consumer
///   can see an event twice and should dedupe on its `ID` (also the AMQP `message-id`).
/// - An error means the event was not confirmed: the broker refused it (nack), it could not
///   be routed ([`Error::is_unroutable`], only with
///   [`mandatory`](EventPublisherConfig::mandatory)), the reconnection gave up
///   ([`EventPublisherConfig::max_failed_connects`]), or every attempt lost its connection.
///   It may or may not have been stored; publishing it again is safe for a deduping consumer.
/// - KAZOO declares its exchanges transient (`kz_amqp_util:new_exchange/3`), so after a
///   restart the exchange, and every binding to it, are gone until declared again (this
///   publisher redeclares the exchange, each consumer its bindings). By default, as KAZOO
///   does, an event published while no queue is bound is confirmed and dropped by the
///   broker; publish `mandatory` to get an error for it instead, and retry.
///
/// Publishing from several tasks at once through one `&EventPublisher` is fine: they share
/// one channel, and one of them reconnects for all.
///
/// Registry callbacks are synchronous: to bridge a [`Registry`](kazoo_records::edr::Registry),
/// bind a subscription whose callback sends the event into a channel (`try_send`, never
/// blocking the emitting thread) and publish from an async task; see the `amqp_bridge`
/// example.
///
/// ```no_run
/// use kazoo_records::edr::{Event, Severity, Verbosity};
/// use kazoo_records_amqp::{EventPublisher, EventPublisherConfig};
///
/// # async fn run() -> Result<(), kazoo_records_amqp::Error> {
/// let config = EventPublisherConfig::new("amqp://guest:guest@127.0.0.1:5672/%2f");
/// let publisher = EventPublisher::connect_with(config).await?;
/// let event = Event::new("callflow", "4.3.1", Severity::Ok, Verbosity::Info, serde_json::json!({}));
/// publisher.publish(&event).await?; // confirmed by the broker, re-sent after a lost connection
/// publisher.close().await
/// # }
/// ```
#[derive(Debug)]
pub struct EventPublisher {
    config: EventPublisherConfig,
    session: Mutex<Session>,
    reconnects: AtomicU64,
    resent: AtomicU64,
}

/// One connection and its confirming channel; `generation` counts the reconnections, so that
/// of several tasks that saw the same connection die only one reconnects.
#[derive(Debug)]
struct Session {
    connection: Connection,
    channel: Channel,
    generation: u64,
}

/// What became of one send.
enum Sent {
    Confirmed,
    /// The broker answered, and not with an ack: sending it again would not help.
    Refused(Error),
    /// No answer on this connection: reconnect and send again.
    Lost(Error),
}

impl EventPublisher {
    /// Connects to `url` and declares [`KAPPS_EXCHANGE`](crate::KAPPS_EXCHANGE), with the defaults of
    /// [`EventPublisherConfig`].
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses the declaration.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(EventPublisherConfig::new(url)).await
    }

    /// Connects to `url` and declares the topic exchange `exchange`, with the defaults of
    /// [`EventPublisherConfig`].
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses the declaration.
    pub async fn connect_to(url: &str, exchange: &str) -> Result<Self, Error> {
        Self::connect_with(EventPublisherConfig::new(url).exchange(exchange)).await
    }

    /// Connects as `config` says and declares its exchange. Only this first connection fails
    /// at once when the broker cannot be reached; later ones are retried with backoff.
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses the declaration (e.g. an exchange of that name
    /// exists with other flags: `PRECONDITION_FAILED`).
    pub async fn connect_with(config: EventPublisherConfig) -> Result<Self, Error> {
        let (connection, channel) = connect_session(&config).await?;
        Ok(EventPublisher {
            config,
            session: Mutex::new(Session {
                connection,
                channel,
                generation: 0,
            }),
            reconnects: AtomicU64::new(0),
            resent: AtomicU64::new(0),
        })
    }

    /// The exchange events go to.
    pub fn exchange(&self) -> &str {
        self.config.get_exchange()
    }

    /// Its configuration.
    pub fn config(&self) -> &EventPublisherConfig {
        &self.config
    }

    /// How many times the connection was reopened after it was lost.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    /// How many events were sent again because their connection died before the confirm
    /// (each one possibly a duplicate for the consumer).
    pub fn resent(&self) -> u64 {
        self.resent.load(Ordering::Relaxed)
    }

    /// Publishes one event and waits for the broker's confirm, reconnecting and sending it
    /// again when the connection dies first (see the type's documentation).
    ///
    /// # Errors
    ///
    /// The event cannot be routed (an app name or account holding `.`, `*` or `#`); the
    /// broker refuses (nacks) it; with [`mandatory`](EventPublisherConfig::mandatory), no
    /// queue is bound for its key ([`Error::is_unroutable`]); the connection could not be
    /// reopened ([`EventPublisherConfig::max_failed_connects`]) or was lost on each of
    /// [`EventPublisherConfig::max_attempts`] sends.
    pub async fn publish(&self, event: &Event) -> Result<(), Error> {
        let key = event
            .routing_key()
            .map_err(|e| Error::other(format!("route the event {}", event.id()), e.to_string()))?;
        let body = serde_json::to_vec(&event.to_amqp_json())
            .map_err(|e| Error::other(format!("encode the event {}", event.id()), e.to_string()))?;
        let id = event.id().as_str();
        let mut attempt = 1;
        loop {
            let (channel, generation) = {
                let session = self.session.lock().await;
                (session.channel.clone(), session.generation)
            };
            match self.send(&channel, &key, &body, id).await {
                Sent::Confirmed => return Ok(()),
                Sent::Refused(error) => return Err(error),
                Sent::Lost(error) => {
                    if attempt >= self.config.get_max_attempts() {
                        return Err(error);
                    }
                    self.reconnect(generation).await?;
                    attempt += 1;
                    self.resent.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Sends one message on `channel` and waits for its confirm.
    async fn send(&self, channel: &Channel, key: &str, body: &[u8], id: &str) -> Sent {
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(id.into());
        let options = BasicPublishOptions {
            mandatory: self.config.get_mandatory(),
            ..BasicPublishOptions::default()
        };
        let exchange = self.config.get_exchange();
        let confirm = match step(
            || format!("publish {key}"),
            channel.basic_publish(exchange.into(), key.into(), options, body, properties),
        )
        .await
        {
            Ok(confirm) => confirm,
            Err(error) => return Sent::Lost(error),
        };
        match step(|| format!("confirm {key}"), confirm).await {
            Ok(Confirmation::Ack(None) | Confirmation::NotRequested) => Sent::Confirmed,
            Ok(Confirmation::Ack(Some(_))) => Sent::Refused(Error::unroutable(
                format!("publish {key}"),
                format!("the broker returned it: no queue is bound for it on {exchange:?}"),
            )),
            Ok(Confirmation::Nack(_)) => Sent::Refused(Error::other(
                format!("publish {key}"),
                "the broker refused it",
            )),
            Err(error) => Sent::Lost(error),
        }
    }

    /// Replaces the session of `generation` (whose connection died) with a new one, waiting
    /// with backoff between attempts; returns at once if another task already replaced it.
    async fn reconnect(&self, generation: u64) -> Result<(), Error> {
        let mut session = self.session.lock().await;
        if session.generation != generation {
            return Ok(());
        }
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            session.connection.close(320, "reconnecting".into()),
        )
        .await;
        let mut wait = self.config.get_reconnect_min();
        let mut failed = 0u32;
        loop {
            tokio::time::sleep(wait).await;
            match connect_session(&self.config).await {
                Ok((connection, channel)) => {
                    *session = Session {
                        connection,
                        channel,
                        generation: generation + 1,
                    };
                    self.reconnects.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(error) => {
                    failed += 1;
                    if self
                        .config
                        .get_max_failed_connects()
                        .is_some_and(|max| failed >= max)
                    {
                        return Err(error);
                    }
                }
            }
            wait = (wait * 2).min(self.config.get_reconnect_max());
        }
    }

    /// Closes the connection.
    ///
    /// # Errors
    ///
    /// The broker fails to close it.
    pub async fn close(self) -> Result<(), Error> {
        let session = self.session.into_inner();
        step(
            || "close the connection".to_owned(),
            session.connection.close(200, "bye".into()),
        )
        .await
    }
}

/// Connects, declares the exchange (as KAZOO does) and enables publisher confirms.
async fn connect_session(config: &EventPublisherConfig) -> Result<(Connection, Channel), Error> {
    let (connection, channel) = open(config.get_url()).await?;
    let prepared = async {
        declare_topic(&channel, config.get_exchange()).await?;
        step(
            || "enable publisher confirms".to_owned(),
            channel.confirm_select(ConfirmSelectOptions::default()),
        )
        .await
    };
    match prepared.await {
        Ok(()) => Ok((connection, channel)),
        Err(error) => {
            let _ = tokio::time::timeout(
                Duration::from_secs(1),
                connection.close(200, "not prepared".into()),
            )
            .await;
            Err(error)
        }
    }
}
