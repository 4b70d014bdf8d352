//! Helpers of the live-broker tests: the broker, a CDR store, KAZOO wire payloads.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kazoo_records::cdr::Cdr;
use kazoo_records_amqp::{CdrConsumerConfig, CdrSink};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeleteOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::Value;

/// The broker `.ci/run` started (`AMQP_URL`). Fails, naming what to do, when it is unset or
/// does not answer: these tests are never skipped.
pub fn broker_url() -> String {
    let url = std::env::var("AMQP_URL").unwrap_or_else(|_| {
        panic!(
            "AMQP_URL is unset: these tests need a live RabbitMQ. Start one with \
             `source .ci/rabbitmq.sh && broker_start` (it exports AMQP_URL) or set AMQP_URL"
        )
    });
    let host_port = url
        .split('@')
        .next_back()
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5672")
        .to_owned();
    let reachable = host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok());
    assert!(
        reachable,
        "no AMQP broker answers at {host_port} (AMQP_URL={url}); start one with \
         `source .ci/rabbitmq.sh && broker_start`"
    );
    url
}

/// Restarts the broker with the script `.ci/rabbitmq.sh` wrote (`AMQP_BROKER_RESTART`).
pub fn restart_broker() {
    let script = std::env::var("AMQP_BROKER_RESTART").unwrap_or_else(|_| {
        panic!(
            "AMQP_BROKER_RESTART is unset: the restart test needs the broker \
             `source .ci/rabbitmq.sh && broker_start` starts (it exports the restart script)"
        )
    });
    let status = std::process::Command::new(&script)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    assert!(status.success(), "{script} failed: {status}");
}

/// A name no other run or test uses.
pub fn unique(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("kazoo_records.test.{what}.{}.{nanos}", std::process::id())
}

/// A consumer config on private queues for one test.
pub fn config(url: &str, what: &str) -> CdrConsumerConfig {
    let mut config = CdrConsumerConfig::new(url);
    // Its own exchange too: every test's queue binds call.CHANNEL_DESTROY.*.
    config.exchange = unique(&format!("{what}.callevt"));
    config.queue = unique(what);
    config.dead_letter_queue = format!("{}.dead", config.queue);
    config.store_retry_delay = Duration::from_millis(1);
    config.reconnect_min = Duration::from_millis(50);
    config.reconnect_max = Duration::from_millis(500);
    config
}

/// The `_id` of each call of `run`, as `Ingest` computes it (a deterministic function of
/// the wire event).
pub fn expected_ids(run: &str, count: usize) -> std::collections::BTreeSet<String> {
    (0..count)
        .map(|i| {
            match kazoo_records::cdr::Ingest::new()
                .channel_destroy(&wire(run, i), kazoo_records::time::GregorianSeconds::now())
                .expect("the fixture ingests")
            {
                kazoo_records::cdr::Ingested::Stored { cdr, .. } => cdr.doc_id.expect("an _id"),
                kazoo_records::cdr::Ingested::Skipped(reason) => panic!("skipped: {reason}"),
            }
        })
        .collect()
}

/// Deletes a test's queues.
pub async fn delete_queues(config: &CdrConsumerConfig) {
    let connection = Connection::connect(&config.url, ConnectionProperties::default())
        .await
        .expect("connect to delete the test queues");
    let channel = connection.create_channel().await.expect("a channel");
    for queue in [&config.queue, &config.dead_letter_queue] {
        channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap_or_else(|e| panic!("delete {queue}: {e}"));
    }
    let _ = connection.close(200, "done".into()).await;
}

/// The real CHANNEL_DESTROY of the fixture, as ecallmgr published it.
pub fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/channel_destroy_wire_2015.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture as call `i` of run `run`: its own Call-ID and Msg-ID, a timestamp a few
/// seconds on, billing seconds varied.
pub fn wire(run: &str, i: usize) -> Value {
    let mut wire = fixture();
    let call_id = format!("{run}-{i:05}");
    wire["Call-ID"] = Value::from(call_id.clone());
    wire["Custom-Channel-Vars"]["Bridge-ID"] = Value::from(call_id);
    wire["Msg-ID"] = Value::from(format!("{}", 1_443_672_788_333_353_u64 + i as u64));
    let timestamp = wire["Timestamp"].as_i64().expect("the fixture's Timestamp");
    wire["Timestamp"] = Value::from(timestamp + i as i64);
    wire["Billing-Seconds"] = Value::from((i % 600).to_string());
    wire
}

/// Calls `0..count` of `run` as (routing key, JSON body) messages.
pub fn messages(run: &str, count: usize) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|i| {
            let wire = wire(run, i);
            (routing_key(&wire), serde_json::to_vec(&wire).expect("JSON"))
        })
        .collect()
}

/// KAZOO's routing key for a CHANNEL_DESTROY (`kz_amqp_util:encode/1` of the call id).
pub fn routing_key(wire: &Value) -> String {
    kazoo_records_amqp::channel_destroy_routing_key(wire).expect("a Call-ID")
}

/// Publishes bodies to `exchange` with their keys, persistent, every one confirmed.
pub async fn publish(url: &str, exchange: &str, messages: &[(String, Vec<u8>)]) {
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("connect to publish");
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("publisher confirms");
    for (key, body) in messages {
        channel
            .basic_publish(
                exchange.into(),
                key.as_str().into(),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default()
                    .with_content_type("application/json".into())
                    .with_delivery_mode(2),
            )
            .await
            .expect("publish");
    }
    let returned = channel.wait_for_confirms().await.expect("confirms");
    assert!(returned.is_empty(), "{} messages returned", returned.len());
    let _ = connection.close(200, "done".into()).await;
}

/// An in-memory store keyed like KAZOO's (database, `_id`), failing every `fail_every`-th
/// insert when asked to.
#[derive(Default)]
pub struct MemoryStore {
    docs: Mutex<HashMap<(String, String), Cdr>>,
    calls: AtomicU64,
    fail_every: Option<u64>,
    pub failures: AtomicU64,
}

impl MemoryStore {
    pub fn failing_every(n: u64) -> Self {
        MemoryStore {
            fail_every: Some(n),
            ..MemoryStore::default()
        }
    }

    pub fn len(&self) -> usize {
        self.docs.lock().expect("the store").len()
    }

    pub fn docs(&self) -> HashMap<(String, String), Cdr> {
        self.docs.lock().expect("the store").clone()
    }
}

impl CdrSink for MemoryStore {
    type Error = String;

    async fn insert_if_absent(&self, database: &str, cdr: &Cdr) -> Result<bool, String> {
        let call = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if self.fail_every.is_some_and(|n| call % n == 0) {
            self.failures.fetch_add(1, Ordering::Relaxed);
            return Err(format!(
                "write {call} refused (every {:?})",
                self.fail_every
            ));
        }
        let id = cdr.doc_id.clone().ok_or("a document without _id")?;
        let mut docs = self.docs.lock().map_err(|_| "poisoned".to_owned())?;
        let key = (database.to_owned(), id);
        if docs.contains_key(&key) {
            return Ok(false);
        }
        docs.insert(key, cdr.clone());
        Ok(true)
    }
}

/// Polls `done` every 20 ms until it holds or `limit` passes; returns whether it held.
pub async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}
