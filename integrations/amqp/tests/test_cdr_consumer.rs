//! The CDR consumer against the live broker: KAZOO-shaped events published by another client,
//! a failing store, malformed messages. Needs `AMQP_URL` (`.ci/rabbitmq.sh`); fails without.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{
    MemoryStore, broker_url, config, delete_queues, publish, routing_key, wait_until, wire,
};
use kazoo_records::cdr::{Ingest, Ingested};
use kazoo_records::time::GregorianSeconds;
use kazoo_records_amqp::CdrConsumer;
use lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use tokio::sync::oneshot;

const LIMIT: Duration = Duration::from_secs(120);

/// Runs `consumer` into `store` on a task; send on the returned sender to stop it.
fn spawn(
    consumer: &Arc<CdrConsumer>,
    store: &Arc<MemoryStore>,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (consumer, store) = (Arc::clone(consumer), Arc::clone(store));
    let task = tokio::spawn(async move {
        consumer
            .run(&*store, async {
                let _ = stop_rx.await;
            })
            .await
            .expect("the consumer runs until stopped");
    });
    (stop_tx, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_destroys_published_by_pika_are_ingested_and_stored() {
    let url = broker_url();
    let consumer = Arc::new(CdrConsumer::new(config(&url, "pika")));
    consumer.declare().await.expect("declare the queues");
    let store = Arc::new(MemoryStore::default());
    let (stop, task) = spawn(&consumer, &store);

    let count = 200;
    let started = GregorianSeconds::now();
    // Call ids holding what KAZOO's routing keys must encode (`.`, `*`, `#`, `@`, a space).
    let run = format!(
        "{}.a*b#c@10.0.0.1 d",
        common::unique("pika").replace('.', "-")
    );
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/channel_destroy_wire_2015.json"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/publish_pika.py");
    let output = tokio::process::Command::new("/usr/bin/python3")
        .args([
            script,
            &url,
            &consumer.config().exchange,
            fixture,
            &run,
            &count.to_string(),
        ])
        .output()
        .await
        .expect("run /usr/bin/python3 (Debian's python3-pika; .ci/rabbitmq.sh installs it)");
    assert!(
        output.status.success(),
        "the pika publisher failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let all = wait_until(LIMIT, || store.len() == count).await;
    stop.send(()).expect("the consumer is running");
    task.await.expect("the consumer task");
    assert!(
        all,
        "stored {} of {count}: {:?}",
        store.len(),
        consumer.stats()
    );

    // Each stored document is exactly what Ingest makes of the same wire event.
    let docs = store.docs();
    for i in 0..count {
        let expected = match Ingest::new()
            .channel_destroy(&wire(&run, i), GregorianSeconds::now())
            .expect("the fixture ingests")
        {
            Ingested::Stored { database, cdr } => (database, cdr),
            Ingested::Skipped(reason) => panic!("the fixture is skipped: {reason}"),
        };
        let id = expected.1.doc_id.clone().expect("an _id");
        let got = docs
            .get(&(expected.0.clone(), id.clone()))
            .unwrap_or_else(|| panic!("{id} missing from {}", expected.0));
        // What Ingest takes from the clock (the generated interaction id, created and
        // modified times) is from the consumer's run: checked for range, then compared equal.
        let mut expected = expected.1;
        let created = got.pvt_created.expect("pvt_created");
        assert!(
            (started.0..=GregorianSeconds::now().0).contains(&created.0),
            "{id}: pvt_created {created:?} outside the run"
        );
        assert_eq!(got.interaction_time, Some(created), "{id}");
        assert!(
            got.interaction_key.as_ref().is_some_and(|k| k.len() == 8),
            "{id}"
        );
        expected.interaction_id = got.interaction_id.clone();
        expected.interaction_key = got.interaction_key.clone();
        expected.interaction_time = got.interaction_time;
        expected.pvt_created = got.pvt_created;
        expected.pvt_modified = got.pvt_modified;
        assert_eq!(got, &expected, "document {id}");
    }
    let stats = consumer.stats();
    assert_eq!(stats.inserted, count as u64, "{stats:?}");
    assert_eq!(stats.dead_lettered, 0, "{stats:?}");
    delete_queues(consumer.config()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failing_every_tenth_write_loses_nothing() {
    let url = broker_url();
    let consumer = Arc::new(CdrConsumer::new(config(&url, "flaky")));
    consumer.declare().await.expect("declare the queues");
    let count = 1_000;
    let run = common::unique("flaky").replace('.', "-");
    let messages = common::messages(&run, count);
    publish(&url, &consumer.config().exchange, &messages).await;

    let store = Arc::new(MemoryStore::failing_every(10));
    let (stop, task) = spawn(&consumer, &store);
    let all = wait_until(LIMIT, || store.len() == count).await;
    // A little longer: nothing more may arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).expect("the consumer is running");
    task.await.expect("the consumer task");
    let stats = consumer.stats();
    assert!(all, "stored {} of {count}: {stats:?}", store.len());
    assert_eq!(store.len(), count);
    let failures = store.failures.load(Ordering::Relaxed);
    assert!(failures >= count as u64 / 10, "only {failures} failures");
    assert_eq!(stats.store_errors, failures, "{stats:?}");
    assert_eq!(stats.inserted, count as u64, "{stats:?}");
    let expected_ids = common::expected_ids(&run, count);
    let got_ids: std::collections::BTreeSet<String> =
        store.docs().into_keys().map(|(_, id)| id).collect();
    assert_eq!(got_ids, expected_ids);
    delete_queues(consumer.config()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_go_to_the_dead_letter_queue() {
    let url = broker_url();
    let config = config(&url, "malformed");
    let consumer = Arc::new(CdrConsumer::new(config.clone()));
    consumer.declare().await.expect("declare the queues");
    let run = common::unique("malformed").replace('.', "-");
    let good = wire(&run, 0);
    let mut wrong_event = wire(&run, 1);
    wrong_event["Event-Name"] = "CHANNEL_ANSWER".into();
    let mut no_call_id = wire(&run, 2);
    no_call_id
        .as_object_mut()
        .expect("an object")
        .remove("Call-ID");
    let key = routing_key(&good);
    let bad: Vec<Vec<u8>> = vec![
        b"{not json".to_vec(),
        serde_json::to_vec(&wrong_event).expect("JSON"),
        serde_json::to_vec(&no_call_id).expect("JSON"),
    ];
    let mut messages: Vec<(String, Vec<u8>)> =
        bad.iter().map(|body| (key.clone(), body.clone())).collect();
    messages.push((key.clone(), serde_json::to_vec(&good).expect("JSON")));
    publish(&url, &consumer.config().exchange, &messages).await;

    let store = Arc::new(MemoryStore::default());
    let (stop, task) = spawn(&consumer, &store);
    let done = wait_until(LIMIT, || {
        let stats = consumer.stats();
        stats.inserted == 1 && stats.dead_lettered == 3
    })
    .await;
    stop.send(()).expect("the consumer is running");
    task.await.expect("the consumer task");
    let stats = consumer.stats();
    assert!(done, "{stats:?}");
    assert_eq!(store.len(), 1);
    assert!(
        stats
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("dead-lettered")),
        "{stats:?}"
    );

    // The three bodies are in the dead-letter queue, unchanged (in any order).
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("a channel");
    let depth = channel
        .queue_declare(
            config.dead_letter_queue.as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("the dead-letter queue exists")
        .message_count();
    assert_eq!(depth, 3);
    let mut dead = Vec::new();
    for _ in &bad {
        let message = channel
            .basic_get(
                config.dead_letter_queue.as_str().into(),
                BasicGetOptions::default(),
            )
            .await
            .expect("basic.get")
            .expect("a dead-lettered message");
        dead.push(String::from_utf8_lossy(&message.delivery.data).into_owned());
        assert_eq!(
            message.delivery.routing_key.as_str(),
            config.dead_letter_queue
        );
        message
            .delivery
            .ack(BasicAckOptions::default())
            .await
            .expect("ack");
    }
    let mut sent: Vec<String> = bad
        .iter()
        .map(|body| String::from_utf8_lossy(body).into_owned())
        .collect();
    sent.sort();
    dead.sort();
    assert!(
        dead == sent,
        "the dead-letter queue holds other bodies than the three sent"
    );
    let _ = connection.close(200, "done".into()).await;
    delete_queues(&config).await;
}
