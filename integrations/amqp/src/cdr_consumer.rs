//! [`CdrConsumer`]: CHANNEL_DESTROY events from KAZOO's `callevt` exchange into a host store.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kazoo_records::cdr::{Ingest, Ingested};
use kazoo_records::time::GregorianSeconds;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection};

use crate::io::{Deliveries, consume, declare_topic, open, step};
use crate::{CALLEVT_EXCHANGE, CHANNEL_DESTROY_KEY, CdrSink, Error};

/// Where and how a [`CdrConsumer`] consumes. Plain data: start from [`new`](Self::new) and
/// change fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CdrConsumerConfig {
    /// The broker, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
    pub url: String,
    /// The topic exchange CHANNEL_DESTROY events are published to: [`CALLEVT_EXCHANGE`].
    pub exchange: String,
    /// The binding key: [`CHANNEL_DESTROY_KEY`] (`call.CHANNEL_DESTROY.*`).
    pub routing_key: String,
    /// The durable queue (shared by every consumer of this service): `kazoo_records.cdr`.
    ///
    /// Deliberately not KAZOO's: `cdr_listener` declares `cdr_listener` with
    /// `?QUEUE_OPTIONS = [{exclusive, false}]`, so `kz_amqp_util:new_queue/2`'s defaults make it
    /// transient and `auto_delete` with `x-message-ttl` 60 000 and `x-max-length` 100, and it
    /// consumes with `no_ack = true` (`kz_amqp_util:basic_consume/2`'s default): a restart or
    /// a burst loses CDRs there. A queue of another name neither competes with KAZOO's for
    /// messages nor conflicts with its declaration; keep it durable for the guarantees of
    /// [`CdrConsumer`].
    pub queue: String,
    /// The durable queue messages that cannot be ingested are rejected to (through the default
    /// exchange, with RabbitMQ's `x-death` header saying where they came from):
    /// `kazoo_records.cdr.dead`. Inspect or replay it with any AMQP client.
    pub dead_letter_queue: String,
    /// Unacknowledged messages the broker may send ahead (`basic.qos`): 200.
    pub prefetch: u16,
    /// How KAZOO's `cdr` application is configured (ignored apps, anonymous CDRs, ...).
    pub ingest: Ingest,
    /// The first wait before reconnecting after the connection failed: 100 ms, doubled after
    /// each failed attempt up to [`reconnect_max`](Self::reconnect_max).
    pub reconnect_min: Duration,
    /// The longest wait between reconnection attempts: 5 s.
    pub reconnect_max: Duration,
    /// Consecutive failed connection attempts after which [`CdrConsumer::run`] gives up
    /// (`None`: never): `None`.
    pub max_failed_connects: Option<u32>,
    /// The pause after a store error before the next message, so a store that is down is not
    /// offered the same message in a hot loop: 20 ms.
    pub store_retry_delay: Duration,
}

impl CdrConsumerConfig {
    /// The defaults listed on each field, for the broker at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        CdrConsumerConfig {
            url: url.into(),
            exchange: CALLEVT_EXCHANGE.to_owned(),
            routing_key: CHANNEL_DESTROY_KEY.to_owned(),
            queue: "kazoo_records.cdr".to_owned(),
            dead_letter_queue: "kazoo_records.cdr.dead".to_owned(),
            prefetch: 200,
            ingest: Ingest::new(),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            max_failed_connects: None,
            store_retry_delay: Duration::from_millis(20),
        }
    }
}

/// What a [`CdrConsumer`] did so far (a snapshot; see [`CdrConsumer::stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CdrConsumerStats {
    /// Documents the sink inserted.
    pub inserted: u64,
    /// Documents the sink already had (redeliveries), acknowledged.
    pub already_present: u64,
    /// Events KAZOO would not store (ignored app, loopback bow-out, anonymous), acknowledged.
    pub skipped: u64,
    /// Messages rejected to the dead-letter queue (not JSON, or not an event KAZOO could
    /// ingest).
    pub dead_lettered: u64,
    /// Sink errors (each message requeued).
    pub store_errors: u64,
    /// Sessions lost and reopened (broker restarts, dropped connections).
    pub reconnects: u64,
    /// The latest error: a sink error, a dead-lettered message's reason, or a lost session.
    pub last_error: Option<String>,
}

/// Consumes CHANNEL_DESTROY events as KAZOO's `cdr_listener` does and hands each ingested
/// document to a [`CdrSink`], at least once.
///
/// Per message:
/// - not JSON, or [`Ingest::channel_destroy`] fails: rejected without requeue, so the broker
///   moves it to [`CdrConsumerConfig::dead_letter_queue`] (counted in
///   [`CdrConsumerStats::dead_lettered`]);
/// - [`Ingested::Skipped`] (nothing to store): acknowledged;
/// - [`Ingested::Stored`] (a document): offered to the sink; acknowledged after `Ok`, requeued after `Err`.
///
/// The queue and the dead-letter queue are durable: with persistent publishing (delivery mode
/// 2, publisher confirms) a broker restart loses nothing; the consumer reconnects with
/// exponential backoff and redeclares its queue and binding.
#[derive(Debug)]
pub struct CdrConsumer {
    config: CdrConsumerConfig,
    counters: Counters,
}

#[derive(Debug, Default)]
struct Counters {
    inserted: AtomicU64,
    already_present: AtomicU64,
    skipped: AtomicU64,
    dead_lettered: AtomicU64,
    store_errors: AtomicU64,
    reconnects: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Counters {
    fn error(&self, message: String) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(message);
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl CdrConsumer {
    /// A consumer with `config`; nothing is connected until [`run`](Self::run).
    pub fn new(config: CdrConsumerConfig) -> Self {
        CdrConsumer {
            config,
            counters: Counters::default(),
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &CdrConsumerConfig {
        &self.config
    }

    /// What it did so far (callable while [`run`](Self::run) runs, from another task).
    pub fn stats(&self) -> CdrConsumerStats {
        let c = &self.counters;
        CdrConsumerStats {
            inserted: c.inserted.load(Ordering::Relaxed),
            already_present: c.already_present.load(Ordering::Relaxed),
            skipped: c.skipped.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
            store_errors: c.store_errors.load(Ordering::Relaxed),
            reconnects: c.reconnects.load(Ordering::Relaxed),
            last_error: c.last_error.lock().ok().and_then(|e| e.clone()),
        }
    }

    /// Declares the queues (durable), binds the queue to the exchange and consumes into
    /// `sink` until `stop` completes, reconnecting after any lost session.
    ///
    /// # Errors
    ///
    /// [`CdrConsumerConfig::max_failed_connects`] consecutive sessions could not be opened
    /// (the last error is returned).
    pub async fn run<S: CdrSink>(
        &self,
        sink: &S,
        stop: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        let mut stop = std::pin::pin!(stop);
        let mut wait = self.config.reconnect_min;
        let mut failed_connects = 0u32;
        loop {
            match self.session(sink, &mut stop).await {
                Session::Stopped => return Ok(()),
                Session::Lost { opened, error } => {
                    self.counters.error(error.to_string());
                    if opened {
                        bump(&self.counters.reconnects);
                        failed_connects = 0;
                        wait = self.config.reconnect_min;
                    } else {
                        failed_connects += 1;
                        if self
                            .config
                            .max_failed_connects
                            .is_some_and(|max| failed_connects >= max)
                        {
                            return Err(error);
                        }
                    }
                }
            }
            tokio::select! {
                biased;
                () = &mut stop => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(self.config.reconnect_max);
        }
    }

    /// One connection: declare, consume, handle deliveries until stopped or lost.
    async fn session<S: CdrSink>(
        &self,
        sink: &S,
        stop: &mut (impl Future<Output = ()> + Unpin),
    ) -> Session {
        let (connection, channel, mut deliveries) = match self.subscribe().await {
            Ok(opened) => opened,
            Err(error) => {
                return Session::Lost {
                    opened: false,
                    error,
                };
            }
        };
        loop {
            let next = tokio::select! {
                biased;
                () = &mut *stop => {
                    // Unacknowledged deliveries go back to the queue with the connection.
                    let _ = step(|| "close".to_owned(), connection.close(200, "stop".into())).await;
                    return Session::Stopped;
                }
                next = deliveries.recv() => next,
            };
            let result = match next {
                Some(Ok(delivery)) => self.handle(sink, delivery).await,
                Some(Err(e)) => Err(Error::other(format!("consume {}", self.config.queue), e)),
                None => Err(Error::other(
                    format!("consume {}", self.config.queue),
                    "the consumer stopped",
                )),
            };
            if let Err(error) = result {
                drop(channel);
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    connection.close(320, "lost".into()),
                )
                .await;
                return Session::Lost {
                    opened: true,
                    error,
                };
            }
        }
    }

    /// Declares the exchange, both queues and the binding, then disconnects: what
    /// [`run`](Self::run) does first on every connection. Call it before publishing when the
    /// consumer may not be running yet, so that nothing published is unroutable.
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses a declaration (e.g. a queue of that name
    /// exists with other arguments).
    pub async fn declare(&self) -> Result<(), Error> {
        let (connection, channel) = open(&self.config.url).await?;
        self.declare_on(&channel).await?;
        step(
            || "close the connection".to_owned(),
            connection.close(200, "declared".into()),
        )
        .await
    }

    async fn subscribe(&self) -> Result<(Connection, Channel, Deliveries), Error> {
        let config = &self.config;
        let (connection, channel) = open(&config.url).await?;
        step(
            || format!("set prefetch {}", config.prefetch),
            channel.basic_qos(config.prefetch, BasicQosOptions::default()),
        )
        .await?;
        self.declare_on(&channel).await?;
        let deliveries = consume(&channel, &config.queue, "kazoo-records-cdr").await?;
        Ok((connection, channel, deliveries))
    }

    async fn declare_on(&self, channel: &Channel) -> Result<(), Error> {
        let config = &self.config;
        declare_topic(channel, &config.exchange).await?;
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        step(
            || format!("declare the dead-letter queue {}", config.dead_letter_queue),
            channel.queue_declare(
                config.dead_letter_queue.as_str().into(),
                durable,
                FieldTable::default(),
            ),
        )
        .await?;
        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString("".into()),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(config.dead_letter_queue.as_str().into()),
        );
        step(
            || format!("declare the queue {}", config.queue),
            channel.queue_declare(config.queue.as_str().into(), durable, arguments),
        )
        .await?;
        step(
            || {
                format!(
                    "bind {} to {:?} with {}",
                    config.queue, config.exchange, config.routing_key
                )
            },
            channel.queue_bind(
                config.queue.as_str().into(),
                config.exchange.as_str().into(),
                config.routing_key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
        Ok(())
    }

    /// One message: ingest, store, acknowledge (or requeue, or dead-letter). An error here is
    /// the broker's: the session is lost.
    async fn handle<S: CdrSink>(&self, sink: &S, delivery: Delivery) -> Result<(), Error> {
        let ingested = serde_json::from_slice::<serde_json::Value>(&delivery.data)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|wire| {
                self.config
                    .ingest
                    .channel_destroy(&wire, GregorianSeconds::now())
                    .map_err(|e| e.to_string())
            });
        let key = delivery.routing_key.as_str();
        match ingested {
            Err(reason) => {
                bump(&self.counters.dead_lettered);
                self.counters.error(format!(
                    "dead-lettered the message routed with {key} (delivery {}): {reason}",
                    delivery.delivery_tag
                ));
                step(
                    || format!("reject {key}"),
                    delivery.reject(BasicRejectOptions { requeue: false }),
                )
                .await?;
            }
            Ok(Ingested::Skipped(_)) => {
                bump(&self.counters.skipped);
                step(
                    || format!("acknowledge {key}"),
                    delivery.ack(BasicAckOptions::default()),
                )
                .await?;
            }
            Ok(Ingested::Stored { database, cdr }) => {
                match sink.insert_if_absent(&database, &cdr).await {
                    Ok(inserted) => {
                        bump(if inserted {
                            &self.counters.inserted
                        } else {
                            &self.counters.already_present
                        });
                        step(
                            || format!("acknowledge {key}"),
                            delivery.ack(BasicAckOptions::default()),
                        )
                        .await?;
                    }
                    Err(e) => {
                        bump(&self.counters.store_errors);
                        self.counters.error(format!(
                            "the store refused {} in {database}: {e}",
                            cdr.doc_id.as_deref().unwrap_or("-")
                        ));
                        step(
                            || format!("requeue {key}"),
                            delivery.nack(BasicNackOptions {
                                requeue: true,
                                ..BasicNackOptions::default()
                            }),
                        )
                        .await?;
                        tokio::time::sleep(self.config.store_retry_delay).await;
                    }
                }
            }
        }
        Ok(())
    }
}

enum Session {
    Stopped,
    Lost { opened: bool, error: Error },
}
