//! [`EventConsumer`]: a queue bound with a node's binding keys, dispatched into its registry.

use kazoo_records::edr::{Binding, Event, Registry};
use lapin::options::{BasicAckOptions, BasicRejectOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};

use crate::io::{Deliveries, consume, declare_topic, open, step};
use crate::{Error, KAPPS_EXCHANGE};

/// A private queue (server-named, deleted with the connection) bound to a topic exchange with
/// every [`Binding::keys`] of a node's subscriptions. [`next`](Self::next) reads each delivery
/// back with [`Event::from_amqp_json`] and dispatches it into the node's [`Registry`], where
/// `include_descendants` bindings (keyed with account `*` on the broker) are filtered
/// in-process.
///
/// A body that is not an EDR event is rejected without requeue (the broker drops it, or
/// dead-letters it where the queue's policy says so) and returned as an error naming it, so
/// the host sees every one.
#[derive(Debug)]
pub struct EventConsumer {
    connection: Connection,
    _channel: Channel,
    queue: String,
    deliveries: Deliveries,
}

impl EventConsumer {
    /// Binds a queue on [`KAPPS_EXCHANGE`] with the keys of `bindings` and starts consuming.
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses a declaration or binding.
    pub async fn bind<'a>(
        url: &str,
        bindings: impl IntoIterator<Item = &'a Binding>,
    ) -> Result<Self, Error> {
        Self::bind_to(url, KAPPS_EXCHANGE, bindings).await
    }

    /// Binds a queue on the topic exchange `exchange` with the keys of `bindings`.
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses a declaration or binding.
    pub async fn bind_to<'a>(
        url: &str,
        exchange: &str,
        bindings: impl IntoIterator<Item = &'a Binding>,
    ) -> Result<Self, Error> {
        let (connection, channel) = open(url).await?;
        declare_topic(&channel, exchange).await?;
        let declared = step(
            || "declare a private queue".to_owned(),
            channel.queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await?;
        let queue = declared.name().as_str().to_owned();
        let mut keys: Vec<String> = Vec::new();
        for binding in bindings {
            for key in binding.keys() {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        for key in &keys {
            step(
                || format!("bind {queue} to {exchange:?} with {key}"),
                channel.queue_bind(
                    queue.as_str().into(),
                    exchange.into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                ),
            )
            .await?;
        }
        let deliveries = consume(&channel, &queue, "kazoo-records-edr").await?;
        Ok(EventConsumer {
            connection,
            _channel: channel,
            queue,
            deliveries,
        })
    }

    /// The broker-named queue.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// Waits for the next delivery, dispatches it into `registry`, acknowledges it and returns
    /// the event. The registry's callbacks run here, on the caller's task, under no lock of
    /// this crate.
    ///
    /// # Errors
    ///
    /// The consumer stopped (connection lost, consumer cancelled), or the body is not an EDR
    /// event in KAZOO's wire shape: it is rejected, and the error, naming its routing key, is
    /// [`Error::is_malformed`] (the next call goes on consuming).
    pub async fn next(&mut self, registry: &Registry) -> Result<Event, Error> {
        let delivery = match self.deliveries.recv().await {
            Some(Ok(delivery)) => delivery,
            Some(Err(e)) => return Err(Error::other(format!("consume {}", self.queue), e)),
            None => return Err(Error::other(format!("consume {}", self.queue), "stopped")),
        };
        let key = delivery.routing_key.as_str().to_owned();
        let decoded = serde_json::from_slice::<serde_json::Value>(&delivery.data)
            .map_err(|e| e.to_string())
            .and_then(|value| Event::from_amqp_json(&value).map_err(|e| e.to_string()));
        match decoded {
            Ok(event) => {
                registry.dispatch(&event);
                step(
                    || format!("acknowledge {key}"),
                    delivery.ack(BasicAckOptions::default()),
                )
                .await?;
                Ok(event)
            }
            Err(e) => {
                step(
                    || format!("reject {key}"),
                    delivery.reject(BasicRejectOptions { requeue: false }),
                )
                .await?;
                Err(Error::malformed(
                    format!("read the message routed with {key}"),
                    format!("not an EDR event: {e}"),
                ))
            }
        }
    }

    /// Closes the connection (the private queue goes with it).
    ///
    /// # Errors
    ///
    /// The broker fails to close it.
    pub async fn close(self) -> Result<(), Error> {
        step(
            || "close the connection".to_owned(),
            self.connection.close(200, "bye".into()),
        )
        .await
    }
}
