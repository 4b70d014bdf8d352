//! CDR consumer throughput against a live broker: publishes N persistent CHANNEL_DESTROY
//! events (publisher confirms), then times the consumer ingesting each and acknowledging it
//! after an in-memory insert-if-absent store accepted it.
//!
//! ```sh
//! source .ci/rabbitmq.sh && broker_start
//! cargo run --release -p kazoo-records-amqp --example cdr_throughput -- 20000
//! ```
//!
//! The broker is `AMQP_URL`; the count defaults to 20 000. Prints messages per second.

use std::collections::HashSet;
use std::error::Error as StdError;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kazoo_records::cdr::Cdr;
use kazoo_records_amqp::{CdrConsumer, CdrConsumerConfig, CdrSink};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeleteOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::Value;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The ids stored, as an insert-if-absent store keeps them.
#[derive(Default)]
struct Ids(Mutex<HashSet<(String, String)>>);

impl CdrSink for Ids {
    type Error = String;

    async fn insert_if_absent(&self, database: &str, cdr: &Cdr) -> Result<bool, String> {
        let id = cdr.doc_id.clone().ok_or("no _id")?;
        let mut ids = self.0.lock().map_err(|_| "poisoned".to_owned())?;
        Ok(ids.insert((database.to_owned(), id)))
    }
}

impl Ids {
    fn len(&self) -> usize {
        self.0.lock().map_or(0, |ids| ids.len())
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("AMQP_URL").map_err(|_| "set AMQP_URL (see .ci/rabbitmq.sh)")?;
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(|_| format!("{n:?} is not a count"))?,
        None => 20_000,
    };
    let fixture: Value = serde_json::from_str(include_str!(
        "../tests/fixtures/channel_destroy_wire_2015.json"
    ))?;
    let mut config = CdrConsumerConfig::new(url.clone());
    let run = format!("throughput-{}", std::process::id());
    config.exchange = format!("kazoo_records.{run}.callevt");
    config.queue = format!("kazoo_records.{run}");
    config.dead_letter_queue = format!("kazoo_records.{run}.dead");
    let consumer = CdrConsumer::new(config.clone());
    consumer.declare().await?;

    let connection = Connection::connect(&url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let published = Instant::now();
    for i in 0..count {
        let mut wire = fixture.clone();
        let call_id = format!("{run}-{i}");
        wire["Call-ID"] = Value::from(call_id.clone());
        let body = serde_json::to_vec(&wire)?;
        channel
            .basic_publish(
                config.exchange.as_str().into(),
                format!("call.CHANNEL_DESTROY.{call_id}").as_str().into(),
                BasicPublishOptions::default(),
                &body,
                BasicProperties::default()
                    .with_content_type("application/json".into())
                    .with_delivery_mode(2),
            )
            .await?;
    }
    channel.wait_for_confirms().await?;
    let publish_secs = published.elapsed().as_secs_f64();

    let ids = Ids::default();
    let started = Instant::now();
    consumer
        .run(&ids, async {
            while ids.len() < count {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "published {count} persistent events in {publish_secs:.2} s ({:.0}/s, confirmed)",
        count as f64 / publish_secs
    );
    println!(
        "consumed, ingested, stored and acknowledged {count} in {secs:.2} s: {:.0} messages/s",
        count as f64 / secs
    );
    for queue in [&config.queue, &config.dead_letter_queue] {
        channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await?;
    }
    connection.close(200, "done".into()).await?;
    Ok(())
}
