//! Body filters across the live broker: a broker routes by key and cannot look into a body,
//! so the queue receives every event the binding's keys select, and the consumer's local
//! `Registry` applies the body filter when `EventConsumer::next` dispatches. Needs `AMQP_URL`
//! (`.ci/rabbitmq.sh`); fails without.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kazoo_records::edr::{Binding, BodyFilter, Event, Registry, Severity, Verbosity};
use kazoo_records_amqp::{EventConsumer, EventPublisher};
use serde_json::json;
use tokio::time::timeout;

const ACCOUNT: &str = "7600efb3424dc4b79854521fd4563d0a";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumers_registry_applies_body_filters_the_broker_cannot() {
    let url = common::broker_url();
    let exchange = common::unique("kapps");
    let filtered = Binding::default().account(ACCOUNT).app("acdc").body(
        BodyFilter::from_json(&json!({
            "event": "agent_status_change",
            "/agent/status": ["ready", "paused"],
        }))
        .expect("a valid filter"),
    );
    assert_eq!(
        filtered.keys(),
        filtered.clone().any_body().keys(),
        "the broker sees the same keys"
    );
    let registry = Registry::new();
    let got: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = Arc::clone(&got);
    registry
        .bind("agents", [filtered.clone()], move |e: &Event| {
            sink.lock().expect("the list").push(e.clone());
        })
        .expect("bind");
    let mut consumer = EventConsumer::bind_to(&url, &exchange, [&filtered])
        .await
        .expect("bind the queue");

    let event = |n: u64, body: serde_json::Value| {
        let mut body = body;
        body["n"] = n.into();
        Event::new("acdc", "4.3.1", Severity::Ok, Verbosity::Info, body).with_account(ACCOUNT)
    };
    let sent = [
        event(
            0,
            json!({"event": "agent_status_change", "agent": {"status": "ready"}}),
        ),
        event(
            1,
            json!({"event": "agent_status_change", "agent": {"status": "busy"}}),
        ),
        event(
            2,
            json!({"event": "queue_size", "agent": {"status": "paused"}}),
        ),
        event(
            3,
            json!({"event": "agent_status_change", "agent": {"status": "paused", "id": "a1"}}),
        ),
        event(4, json!({"event": "agent_status_change"})),
    ];
    let selected: Vec<Event> = sent
        .iter()
        .filter(|e| filtered.matches(e))
        .cloned()
        .collect();
    assert_eq!(selected.len(), 2, "the test sends both kinds");
    let publisher = EventPublisher::connect_to(&url, &exchange)
        .await
        .expect("connect");
    for e in &sent {
        publisher.publish(e).await.expect("publish");
    }

    // Every event crosses the broker (same routing key); the registry filters.
    let mut arrived = Vec::new();
    for _ in &sent {
        let next = timeout(Duration::from_secs(30), consumer.next(&registry))
            .await
            .expect("a delivery in time")
            .expect("an event");
        arrived.push(next);
    }
    assert_eq!(arrived, sent, "the broker cannot filter on the body");
    assert_eq!(*got.lock().expect("the list"), selected);
    let info = &registry.subscriptions()[0];
    assert_eq!(info.delivered, selected.len() as u64);
    assert_eq!(registry.stats().dispatched, sent.len() as u64);
    publisher.close().await.expect("close");
    consumer.close().await.expect("close");
}
