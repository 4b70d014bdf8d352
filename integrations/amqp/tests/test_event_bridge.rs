//! `EventPublisher` and `EventConsumer` against the live broker: what a node's bindings
//! select arrives in its registry, in KAZOO's wire shape; a body that is not an event is
//! reported. Needs `AMQP_URL` (`.ci/rabbitmq.sh`); fails without.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
use kazoo_records_amqp::{EventConsumer, EventPublisher, EventPublisherConfig};
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::json;
use tokio::time::timeout;

const ACCOUNT: &str = "7600efb3424dc4b79854521fd4563d0a";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_the_broker_into_the_registry_that_selects_them() {
    let url = common::broker_url();
    let exchange = common::unique("kapps");
    let binding = Binding::default()
        .account(ACCOUNT)
        .app("callflow")
        .severity(Severity::Warning);
    let registry = Registry::new();
    let got: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = Arc::clone(&got);
    registry
        .bind("alerts", [binding.clone()], move |e: &Event| {
            sink.lock().expect("the list").push(e.clone());
        })
        .expect("bind");
    let mut consumer = EventConsumer::bind_to(&url, &exchange, [&binding])
        .await
        .expect("bind the queue");

    let selected = Event::new(
        "callflow",
        "4.3.1",
        Severity::Critical,
        Verbosity::Info,
        json!({"n": 1}),
    )
    .with_account(ACCOUNT)
    .with_node("kazoo_apps@a");
    let other_app = Event::new(
        "crossbar",
        "4.3.1",
        Severity::Critical,
        Verbosity::Info,
        json!({}),
    )
    .with_account(ACCOUNT);
    let too_mild = Event::new(
        "callflow",
        "4.3.1",
        Severity::Ok,
        Verbosity::Info,
        json!({}),
    )
    .with_account(ACCOUNT);
    let publisher = EventPublisher::connect_to(&url, &exchange)
        .await
        .expect("connect");
    for event in [&other_app, &too_mild, &selected] {
        publisher.publish(event).await.expect("publish");
    }
    // A body that is not an event, routed like the selected one.
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .basic_publish(
            exchange.as_str().into(),
            selected.routing_key().expect("routable").as_str().into(),
            BasicPublishOptions::default(),
            b"[1, 2]",
            BasicProperties::default(),
        )
        .await
        .expect("publish")
        .await
        .expect("sent");

    let first = timeout(Duration::from_secs(30), consumer.next(&registry))
        .await
        .expect("a delivery in time")
        .expect("the selected event");
    assert_eq!(first, selected);
    let second = timeout(Duration::from_secs(30), consumer.next(&registry))
        .await
        .expect("a delivery in time")
        .expect_err("not an event");
    assert!(second.is_malformed(), "{second}");
    assert!(second.to_string().contains("call"), "{second}");
    // Nothing else was routed to the queue.
    assert!(
        timeout(Duration::from_millis(500), consumer.next(&registry))
            .await
            .is_err()
    );
    assert_eq!(*got.lock().expect("the list"), vec![selected]);
    publisher.close().await.expect("close");
    consumer.close().await.expect("close");
    let _ = connection.close(200, "done".into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_nobody_is_bound_for_fails_only_when_published_mandatory() {
    let url = common::broker_url();
    let exchange = common::unique("kapps.unbound");
    let event = Event::new(
        "callflow",
        "4.3.1",
        Severity::Ok,
        Verbosity::Info,
        json!({}),
    );
    // KAZOO's way (mandatory = false): confirmed, and dropped by the broker.
    let quiet = EventPublisher::connect_to(&url, &exchange)
        .await
        .expect("connect");
    quiet.publish(&event).await.expect("confirmed");
    assert!(!quiet.config().get_mandatory());
    let loud = EventPublisher::connect_with(
        EventPublisherConfig::new(&url)
            .exchange(&exchange)
            .mandatory(true),
    )
    .await
    .expect("connect");
    let error = loud.publish(&event).await.expect_err("nobody is bound");
    assert!(error.is_unroutable(), "{error}");
    assert!(error.to_string().contains(&exchange), "{error}");
    assert_eq!((loud.reconnects(), loud.resent()), (0, 0));
    quiet.close().await.expect("close");
    loud.close().await.expect("close");
}

#[test]
fn public_types_are_send_sync_and_debug() {
    fn check<T: Send + Sync + std::fmt::Debug>() {}
    check::<EventPublisher>();
    check::<EventPublisherConfig>();
    check::<EventConsumer>();
    check::<kazoo_records_amqp::CdrConsumer>();
    check::<kazoo_records_amqp::CdrConsumerConfig>();
    check::<kazoo_records_amqp::CdrConsumerStats>();
    check::<kazoo_records_amqp::Error>();
}
