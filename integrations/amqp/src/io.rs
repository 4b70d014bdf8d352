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

/// Declares a topic exchange with exactly the flags KAZOO declares its exchanges with, since
/// the broker refuses (`PRECONDITION_FAILED`, closing the channel) a redeclaration with other
/// flags: KAZOO's `kz_amqp_util:new_exchange/3` sends `exchange.declare` with `passive`,
/// `durable`, `auto_delete`, `internal` and `nowait` all `false` and no arguments unless
/// asked otherwise, and neither `kz_amqp_util:callevt_exchange/0` (`callevt`, used by
/// `kapi_call:declare_exchanges/0`) nor `kz_amqp_util:kapps_exchange/0` (`kapps`, used by
/// `kapi_edr_amqp:declare_exchanges/0`) asks otherwise; both are `topic` exchanges
/// (`?TYPE_CALLEVT` and `?TYPE_KAPPS` in `kz_amqp.hrl`). lapin's default options are those
/// five `false`s.
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
