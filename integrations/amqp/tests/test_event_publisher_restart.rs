//! A broker restart in the middle of a stream of events published through `EventPublisher`
//! into a durable queue: every event the publisher confirmed is in the queue at the end
//! (distinct ids counted; duplicates, the price of at-least-once, are allowed and reported).
//! Its own test binary: the restart drops every connection of the broker. Needs `AMQP_URL`
//! and `AMQP_BROKER_RESTART` (`.ci/rabbitmq.sh`); fails without.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{broker_url, restart_broker, unique, wait_until};
use kazoo_records::edr::{Event, Severity, Verbosity};
use kazoo_records_amqp::{EventPublisher, EventPublisherConfig};
use lapin::message::DeliveryResult;
use lapin::options::{
    BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use serde_json::json;
use tokio::sync::Mutex;

/// Events in the stream.
const COUNT: usize = 6_000;

/// Declares `exchange` as KAZOO does (transient topic) and binds the durable `queue` to it
/// with `edr.#`: what a consumer does on every (re)connection, since KAZOO's transient
/// exchanges and their bindings do not survive a restart.
async fn bind_durable_queue(url: &str, exchange: &str, queue: &str) {
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("connect to bind the queue");
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("declare the exchange");
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("declare the durable queue");
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            "edr.#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("bind the queue");
    let _ = connection.close(200, "bound".into()).await;
}

/// Event `i` of the stream: its id is `i` in hex.
fn event(i: usize) -> Event {
    Event::new(
        "callflow",
        "4.3.1",
        Severity::Warning,
        Verbosity::Info,
        json!({"n": i}),
    )
    .with_account("7600efb3424dc4b79854521fd4563d0a")
    .with_id(format!("{i:032x}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_mid_stream_loses_no_confirmed_event() {
    let url = broker_url();
    assert!(
        std::env::var("AMQP_BROKER_RESTART").is_ok(),
        "AMQP_BROKER_RESTART is unset (start the broker with .ci/rabbitmq.sh's broker_start)"
    );
    let exchange = unique("restart.kapps");
    let queue = unique("restart.edr");
    bind_durable_queue(&url, &exchange, &queue).await;
    let config = EventPublisherConfig::new(url.clone())
        .exchange(exchange.clone())
        .reconnect_min(Duration::from_millis(50))
        .reconnect_max(Duration::from_millis(500))
        .mandatory(true);
    let publisher = Arc::new(EventPublisher::connect_with(config).await.expect("connect"));

    // The stream: each event published until confirmed. An unroutable one (published after
    // the restart, before the queue is bound again) is published again after a pause, as a
    // caller of a mandatory publisher does; any other error fails the test.
    let confirmed: Arc<Mutex<Vec<String>>> = Arc::default();
    let sent = Arc::new(AtomicUsize::new(0));
    let unroutable = Arc::new(AtomicUsize::new(0));
    let restarted = Arc::new(AtomicBool::new(false));
    let producer = {
        let (publisher, confirmed, sent, unroutable, restarted) = (
            Arc::clone(&publisher),
            Arc::clone(&confirmed),
            Arc::clone(&sent),
            Arc::clone(&unroutable),
            Arc::clone(&restarted),
        );
        tokio::spawn(async move {
            for i in 0..COUNT {
                // The second half waits for the restart to be over, so the restart falls
                // inside the stream however fast the first half went.
                if i == COUNT / 2 {
                    while !restarted.load(Ordering::Acquire) {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
                let event = event(i);
                loop {
                    match publisher.publish(&event).await {
                        Ok(()) => break,
                        Err(e) if e.is_unroutable() => {
                            unroutable.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(e) => panic!("event {i}: {e}"),
                    }
                }
                confirmed.lock().await.push(event.id().as_str().to_owned());
                sent.store(i + 1, Ordering::Release);
            }
        })
    };

    assert!(
        wait_until(Duration::from_secs(120), || sent.load(Ordering::Acquire)
            >= 500)
        .await,
        "only {} events confirmed before the restart",
        sent.load(Ordering::Acquire)
    );
    let before = sent.load(Ordering::Acquire);
    tokio::task::spawn_blocking(restart_broker)
        .await
        .expect("the restart");
    let after_restart = sent.load(Ordering::Acquire);
    // The broker is back, without the transient exchange and the binding: bind again.
    bind_durable_queue(&url, &exchange, &queue).await;
    restarted.store(true, Ordering::Release);
    eprintln!(
        "restarted the broker after {before} confirmed events ({after_restart} when it was back)"
    );
    tokio::time::timeout(Duration::from_secs(300), producer)
        .await
        .expect("the stream ends in time")
        .expect("the producer");
    assert!(
        publisher.reconnects() >= 1,
        "the publisher never reconnected"
    );

    // Everything in the durable queue.
    let confirmed: BTreeSet<String> = confirmed.lock().await.iter().cloned().collect();
    assert_eq!(confirmed.len(), COUNT, "every event was confirmed once");
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect to read the queue");
    let channel = connection.create_channel().await.expect("a channel");
    let consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "check".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("consume the durable queue");
    let received: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let bodies = Arc::clone(&received);
    consumer.set_delegate(move |delivery: DeliveryResult| {
        let bodies = Arc::clone(&bodies);
        async move {
            if let Ok(Some(delivery)) = delivery {
                let value: serde_json::Value =
                    serde_json::from_slice(&delivery.data).expect("a JSON body");
                let event = Event::from_amqp_json(&value).expect("an EDR event");
                bodies
                    .lock()
                    .expect("the list")
                    .push(event.id().as_str().to_owned());
            }
        }
    });
    let distinct = || {
        received
            .lock()
            .expect("the list")
            .iter()
            .collect::<BTreeSet<_>>()
            .len()
    };
    let all = wait_until(Duration::from_secs(120), || distinct() >= COUNT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received: Vec<String> = received.lock().expect("the list").clone();
    let ids: BTreeSet<String> = received.iter().cloned().collect();
    let lost: Vec<&String> = confirmed.difference(&ids).take(5).collect();
    let foreign: Vec<&String> = ids.difference(&confirmed).take(5).collect();
    eprintln!(
        "{} confirmed, {} received ({} distinct, {} duplicates), {} re-sent after the lost \
         connection, {} unroutable and retried, {} reconnection(s)",
        confirmed.len(),
        received.len(),
        ids.len(),
        received.len() - ids.len(),
        publisher.resent(),
        unroutable.load(Ordering::Relaxed),
        publisher.reconnects()
    );
    assert!(
        all && lost.is_empty(),
        "lost confirmed events, e.g. {lost:?}"
    );
    assert!(foreign.is_empty(), "events never published: {foreign:?}");
    assert_eq!(ids, confirmed);
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .expect("delete the queue");
    let _ = connection.close(200, "done".into()).await;
}
