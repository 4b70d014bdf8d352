//! The exchanges as a KAZOO cluster has them: declared by KAZOO first (transient topic
//! exchanges, `kz_amqp_util:new_exchange/3`'s flags), this crate's declarations are accepted,
//! while one with other flags is refused; and a CHANNEL_DESTROY keyed with the encoded call id
//! reaches the `call.CHANNEL_DESTROY.*` queue where the raw id would not. Needs `AMQP_URL`
//! (`.ci/rabbitmq.sh`); fails without.

mod common;

use common::{broker_url, config, delete_queues, unique, wire};
use kazoo_records::edr::Binding;
use kazoo_records_amqp::{CdrConsumer, EventConsumer, EventPublisher, channel_destroy_routing_key};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
};

/// `exchange.declare` as `kz_amqp_util:new_exchange(Exchange, <<"topic">>)` sends it.
fn kazoo_flags() -> ExchangeDeclareOptions {
    ExchangeDeclareOptions {
        passive: false,
        durable: false,
        auto_delete: false,
        internal: false,
        nowait: false,
    }
}

async fn declare(
    channel: &Channel,
    exchange: &str,
    options: ExchangeDeclareOptions,
) -> lapin::Result<()> {
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            options,
            FieldTable::default(),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crate_declares_exchanges_as_kazoo_does() {
    let url = broker_url();
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("a channel");
    let kapps = unique("kazoo.kapps");
    let cdr = config(&url, "kazoo");
    for exchange in [&kapps, &cdr.exchange] {
        declare(&channel, exchange, kazoo_flags())
            .await
            .unwrap_or_else(|e| panic!("KAZOO's declaration of {exchange}: {e}"));
    }

    let publisher = EventPublisher::connect_to(&url, &kapps)
        .await
        .expect("the publisher's declaration matches KAZOO's");
    let events = EventConsumer::bind_to(&url, &kapps, [&Binding::default()])
        .await
        .expect("the event consumer's declaration matches KAZOO's");
    let consumer = CdrConsumer::new(cdr.clone());
    consumer
        .declare()
        .await
        .expect("the CDR consumer's declaration matches KAZOO's");

    // The control: other flags on the same exchange are refused, and the channel closed.
    let refused = declare(
        &channel,
        &kapps,
        ExchangeDeclareOptions {
            durable: true,
            ..kazoo_flags()
        },
    )
    .await
    .expect_err("a durable redeclaration of a transient exchange");
    assert!(
        refused.to_string().contains("PRECONDITION_FAILED"),
        "{refused}"
    );

    publisher.close().await.expect("close");
    events.close().await.expect("close");
    delete_queues(&cdr).await;
    let _ = connection.close(200, "done".into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_encoded_call_id_routes_to_the_channel_destroy_binding() {
    let url = broker_url();
    let cdr = config(&url, "encoded");
    let consumer = CdrConsumer::new(cdr.clone());
    consumer.declare().await.expect("declare the queues");
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("publisher confirms");
    let mut event = wire("encoded", 0);
    let call_id = "a84b4c76e66710@pc33.atlanta.com*#1";
    event["Call-ID"] = serde_json::Value::from(call_id);
    let body = serde_json::to_vec(&event).expect("JSON");
    let encoded = channel_destroy_routing_key(&event).expect("a key");
    let raw = format!("call.CHANNEL_DESTROY.{call_id}");
    let mut returned = Vec::new();
    for key in [&encoded, &raw] {
        let confirmation = channel
            .basic_publish(
                cdr.exchange.as_str().into(),
                key.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &body,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .expect("publish")
            .await
            .expect("confirmed");
        returned.push(matches!(confirmation, Confirmation::Ack(Some(_))));
    }
    assert_eq!(
        returned,
        [false, true],
        "routed with {encoded} (not returned), returned with {raw}"
    );
    delete_queues(&cdr).await;
    let _ = connection.close(200, "done".into()).await;
}
