//! `EventPublisher` throughput against a live broker: publishes N persistent EDR events, each
//! confirmed before its `publish` returns, into a durable queue bound to a transient topic
//! exchange (as KAZOO's are), first one at a time, then from 64 tasks sharing the publisher.
//!
//! ```sh
//! source .ci/rabbitmq.sh && broker_start
//! cargo run --release -p kazoo-records-amqp --example event_publish_throughput -- 20000
//! ```
//!
//! The broker is `AMQP_URL`; the count defaults to 20 000. Prints events per second.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Instant;

use kazoo_records::edr::{Event, Severity, Verbosity};
use kazoo_records_amqp::EventPublisher;
use lapin::options::{
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Publishing tasks of the concurrent run.
const TASKS: usize = 64;

fn event(i: usize) -> Event {
    Event::new(
        "callflow",
        "4.3.1",
        Severity::Warning,
        Verbosity::Info,
        serde_json::json!({"n": i, "call_id": format!("call-{i}")}),
    )
    .with_account("7600efb3424dc4b79854521fd4563d0a")
    .with_node("kazoo_apps@host")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("AMQP_URL").map_err(|_| "set AMQP_URL (see .ci/rabbitmq.sh)")?;
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(|_| format!("{n:?} is not a count"))?,
        None => 20_000,
    };
    let run = format!("kazoo_records.publish-{}", std::process::id());
    let exchange = format!("{run}.kapps");
    let connection = Connection::connect(&url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(run.as_str().into(), durable, FieldTable::default())
        .await?;
    channel
        .queue_bind(
            run.as_str().into(),
            exchange.as_str().into(),
            "edr.#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;

    let publisher = Arc::new(EventPublisher::connect_to(&url, &exchange).await?);
    let events: Vec<Event> = (0..count).map(event).collect();
    let started = Instant::now();
    for event in &events {
        publisher.publish(event).await?;
    }
    let one = started.elapsed().as_secs_f64();

    let events = Arc::new(events);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (publisher, events) = (Arc::clone(&publisher), Arc::clone(&events));
        tasks.push(tokio::spawn(async move {
            for event in events.iter().skip(task).step_by(TASKS) {
                publisher.publish(event).await?;
            }
            Ok::<(), kazoo_records_amqp::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let many = started.elapsed().as_secs_f64();
    println!(
        "one at a time: {count} persistent events confirmed in {one:.2} s: {:.0} events/s",
        count as f64 / one
    );
    println!(
        "{TASKS} tasks: {count} persistent events confirmed in {many:.2} s: {:.0} events/s",
        count as f64 / many
    );
    channel
        .queue_delete(run.as_str().into(), QueueDeleteOptions::default())
        .await?;
    connection.close(200, "done".into()).await?;
    Ok(())
}
