//! A broker restart in the middle of 10 000 persistent CHANNEL_DESTROY events: the consumer
//! reconnects and the store ends with exactly 10 000 documents. Its own test binary: the
//! restart drops every connection of the broker. Needs `AMQP_URL` and `AMQP_BROKER_RESTART`
//! (`.ci/rabbitmq.sh`); fails without.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{MemoryStore, broker_url, config, delete_queues, publish, restart_broker, wait_until};
use kazoo_records_amqp::CdrConsumer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_mid_stream_loses_nothing() {
    let url = broker_url();
    // Checked before anything is published: the restart is the point of the test.
    assert!(
        std::env::var("AMQP_BROKER_RESTART").is_ok(),
        "AMQP_BROKER_RESTART is unset (start the broker with .ci/rabbitmq.sh's broker_start)"
    );
    let count = 10_000;
    let consumer = Arc::new(CdrConsumer::new(config(&url, "restart")));
    consumer.declare().await.expect("declare the queues");
    let run = common::unique("restart").replace('.', "-");
    let messages = common::messages(&run, count);
    publish(&url, &consumer.config().exchange, &messages).await;

    let store = Arc::new(MemoryStore::default());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let (consumer, store) = (Arc::clone(&consumer), Arc::clone(&store));
        tokio::spawn(async move {
            consumer
                .run(&*store, async {
                    let _ = stop_rx.await;
                })
                .await
                .expect("the consumer runs until stopped");
        })
    };
    assert!(
        wait_until(Duration::from_secs(120), || store.len() >= 2_000).await,
        "stored only {} before the restart: {:?}",
        store.len(),
        consumer.stats()
    );
    let before = store.len();
    tokio::task::spawn_blocking(restart_broker)
        .await
        .expect("the restart");
    eprintln!("restarted the broker after {before} of {count} documents");
    assert!(
        before < count,
        "the whole stream was consumed before the restart"
    );

    let all = wait_until(Duration::from_secs(300), || store.len() == count).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop_tx.send(()).expect("the consumer is running");
    task.await.expect("the consumer task");
    let stats = consumer.stats();
    assert!(
        all,
        "stored {} of {count} after the restart: {stats:?}",
        store.len()
    );
    assert_eq!(store.len(), count, "{stats:?}");
    assert!(stats.reconnects >= 1, "no reconnection: {stats:?}");
    assert_eq!(stats.inserted, count as u64, "{stats:?}");
    eprintln!("{stats:?}");
    delete_queues(consumer.config()).await;
}
