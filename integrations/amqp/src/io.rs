//! Connecting, declaring and awaiting broker operations with a deadline.

use std::time::Duration;

use lapin::message::{Delivery, DeliveryResult};
use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::mpsc;
use tokio::time::timeout;

use crate::Error;

/// The longest one broker operation may take.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(15);

/// Awaits one broker operation, failing after [`STEP_TIMEOUT`] with an error naming `step`.
pub(crate) async fn step<T>(
    step: impl FnOnce() -> String,
    operation: impl Future<Output = lapin::Result<T>>,
) -> Result<T, Error> {
    match timeout(STEP_TIMEOUT, operation).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Error::broker(step(), e)),
        Err(_) => Err(Error::timeout(step(), STEP_TIMEOUT)),
    }
}

/// Connects to `url` and opens one channel.
pub(crate) async fn open(url: &str) -> Result<(Connection, Channel), Error> {
    let connection = step(
        || format!("connect to {url}"),
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await?;
    let channel = step(|| "open a channel".to_owned(), connection.create_channel()).await?;
    Ok((connection, channel))
}

/// Declares a topic exchange as KAZOO does (not durable: KAZOO declares its exchanges
/// transient; a redeclare with other flags would be refused by the broker).
pub(crate) async fn declare_topic(channel: &Channel, exchange: &str) -> Result<(), Error> {
    step(
        || format!("declare the topic exchange {exchange:?}"),
        channel.exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        ),
    )
    .await
}

/// Deliveries of a consumer, or why it stopped.
pub(crate) type Deliveries = mpsc::UnboundedReceiver<Result<Delivery, String>>;

/// Starts consuming `queue` (manual acknowledgements) into a channel of deliveries.
pub(crate) async fn consume(
    channel: &Channel,
    queue: &str,
    tag: &str,
) -> Result<Deliveries, Error> {
    let consumer = step(
        || format!("consume {queue}"),
        channel.basic_consume(
            queue.into(),
            tag.into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        ),
    )
    .await?;
    let (tx, deliveries) = mpsc::unbounded_channel();
    consumer.set_delegate(move |delivery: DeliveryResult| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(match delivery {
                Ok(Some(delivery)) => Ok(delivery),
                Ok(None) => Err("the broker cancelled the consumer".to_owned()),
                Err(e) => Err(e.to_string()),
            });
        }
    });
    Ok(deliveries)
}
