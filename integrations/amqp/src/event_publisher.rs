//! [`EventPublisher`]: EDR events to KAZOO's exchange, in KAZOO's wire shape.

use kazoo_records::edr::Event;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection};

use crate::io::{declare_topic, open, step};
use crate::{Error, KAPPS_EXCHANGE};

/// Publishes [`Event`]s to a topic exchange (KAZOO's [`KAPPS_EXCHANGE`] by default), routing
/// key [`Event::routing_key`], body [`Event::to_amqp_json`], persistent, each confirmed by the
/// broker before [`publish`](Self::publish) returns.
///
/// Registry callbacks are synchronous: to bridge a [`Registry`](kazoo_records::edr::Registry),
/// bind a subscription whose callback sends the event into a channel (`try_send`, never
/// blocking the emitting thread) and publish from an async task; see the `amqp_bridge`
/// example.
#[derive(Debug)]
pub struct EventPublisher {
    connection: Connection,
    channel: Channel,
    exchange: String,
}

impl EventPublisher {
    /// Connects to `url` and declares [`KAPPS_EXCHANGE`].
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses the declaration.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_to(url, KAPPS_EXCHANGE).await
    }

    /// Connects to `url` and declares the topic exchange `exchange`.
    ///
    /// # Errors
    ///
    /// The broker cannot be reached or refuses the declaration.
    pub async fn connect_to(url: &str, exchange: &str) -> Result<Self, Error> {
        let (connection, channel) = open(url).await?;
        declare_topic(&channel, exchange).await?;
        step(
            || "enable publisher confirms".to_owned(),
            channel.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        Ok(EventPublisher {
            connection,
            channel,
            exchange: exchange.to_owned(),
        })
    }

    /// The exchange events go to.
    pub fn exchange(&self) -> &str {
        &self.exchange
    }

    /// Publishes one event and waits for the broker's confirm.
    ///
    /// # Errors
    ///
    /// The event cannot be routed (an app name or account holding `.`, `*` or `#`), the
    /// broker fails or does not answer, or it refuses (nacks) the message.
    pub async fn publish(&self, event: &Event) -> Result<(), Error> {
        let key = event
            .routing_key()
            .map_err(|e| Error::other(format!("route the event {}", event.id()), e.to_string()))?;
        let body = serde_json::to_vec(&event.to_amqp_json())
            .map_err(|e| Error::other(format!("encode the event {}", event.id()), e.to_string()))?;
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(event.id().as_str().into());
        let confirm = step(
            || format!("publish {key}"),
            self.channel.basic_publish(
                self.exchange.as_str().into(),
                key.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                properties,
            ),
        )
        .await?;
        let confirmation = step(|| format!("confirm {key}"), confirm).await?;
        if confirmation.is_nack() {
            return Err(Error::other(
                format!("publish {key}"),
                "the broker refused it",
            ));
        }
        Ok(())
    }

    /// Closes the connection.
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
