//! Helpers of the live tests: the broker and PostgreSQL `.ci/run` starts, KAZOO's
//! CHANNEL_DESTROY as ecallmgr publishes it, the service on a loopback port, and curl.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kazoo_records::cdr::{Cdr, Ingest, Ingested};
use kazoo_records::time::GregorianSeconds;
use kazoo_records_amqp::{CdrConsumer, CdrConsumerConfig};
use kazoo_records_service::{Backend, Service};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeleteOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::Value;

/// The fixture's account (`Custom-Channel-Vars.Account-ID`).
pub const ACCOUNT_ID: &str = "4b8c6fec4b2597882c0390202d195419";

/// The broker `.ci/run` started (`AMQP_URL`); fails, never skips, when it is unset or silent.
pub fn broker_url() -> String {
    let url = std::env::var("AMQP_URL").unwrap_or_else(|_| {
        panic!(
            "AMQP_URL is unset: these tests need a live RabbitMQ. Start one with \
             `source .ci/rabbitmq.sh && broker_start` (it exports AMQP_URL)"
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
        "no AMQP broker answers at {host_port} (AMQP_URL={url})"
    );
    url
}

/// A URL of the PostgreSQL server `.ci/run` started (`KAZOO_RECORDS_PG_URL`), scoped to a
/// fresh schema `schema` (dropped and made again); fails, never skips, without a server.
pub fn pg_url(schema: &str) -> String {
    let url = std::env::var("KAZOO_RECORDS_PG_URL").unwrap_or_else(|_| {
        panic!(
            "KAZOO_RECORDS_PG_URL is unset: these tests need PostgreSQL \
             (`source .ci/postgres.sh && pg_start` starts a private one)"
        )
    });
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL at KAZOO_RECORDS_PG_URL={url} is unreachable: {e}"));
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .expect("a fresh schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

/// A name no other run or test uses.
pub fn unique(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("kazoo_records.test.{what}.{}.{nanos}", std::process::id())
}

/// A consumer config on a private exchange and queues.
pub fn consumer_config(url: &str, what: &str) -> CdrConsumerConfig {
    let mut config = CdrConsumerConfig::new(url);
    config.exchange = unique(&format!("{what}.callevt"));
    config.queue = unique(what);
    config.dead_letter_queue = format!("{}.dead", config.queue);
    config.store_retry_delay = Duration::from_millis(10);
    config.reconnect_min = Duration::from_millis(50);
    config.reconnect_max = Duration::from_millis(500);
    config
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

/// The owner of call `i` (`alice`, `bob`, or none).
pub fn owner(i: usize) -> Option<&'static str> {
    match i % 3 {
        0 => Some("alice"),
        1 => Some("bob"),
        _ => None,
    }
}

/// Call `i` of `run`: its own Call-ID, a timestamp `i` seconds on (every fifth shares its
/// predecessor's: ties), both directions, an owner, and an interaction of up to three legs.
pub fn wire(run: &str, i: usize) -> Value {
    let mut wire = fixture();
    let call_id = format!("{run}-{i:05}");
    let timestamp = wire["Timestamp"].as_i64().expect("the fixture's Timestamp");
    let at = timestamp + i as i64 - i64::from(i % 5 == 4);
    wire["Call-ID"] = Value::from(call_id.clone());
    wire["Msg-ID"] = Value::from(format!("{}", 1_443_672_788_333_353_u64 + i as u64));
    wire["Timestamp"] = Value::from(at);
    wire["Billing-Seconds"] = Value::from((i % 600).to_string());
    wire["Call-Direction"] = Value::from(if i % 4 == 1 { "outbound" } else { "inbound" });
    let ccv = &mut wire["Custom-Channel-Vars"];
    ccv["Bridge-ID"] = Value::from(call_id);
    match owner(i) {
        Some(o) => ccv["Owner-ID"] = Value::from(o),
        None => drop(ccv.as_object_mut().map(|m| m.remove("Owner-ID"))),
    }
    let group = i / 3;
    let tag = run.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    ccv["Call-Interaction-ID"] =
        Value::from(format!("{}-{tag:08x}{group:04}", timestamp + group as i64));
    wire
}

/// KAZOO's routing key for a CHANNEL_DESTROY (`amqp_util:encode` of the Call-ID).
pub fn routing_key(wire: &Value) -> String {
    let call_id = wire["Call-ID"].as_str().expect("a Call-ID");
    let encoded = call_id
        .replace('.', "%2E")
        .replace('*', "%2A")
        .replace('#', "%23");
    format!("call.CHANNEL_DESTROY.{encoded}")
}

/// The documents calls `0..count` of `run` become, by `_id`, as `Ingest` makes them.
pub fn expected(run: &str, count: usize) -> BTreeMap<String, Cdr> {
    (0..count)
        .map(|i| {
            match Ingest::new()
                .channel_destroy(&wire(run, i), GregorianSeconds::now())
                .expect("the fixture ingests")
            {
                Ingested::Stored { cdr, .. } => (cdr.doc_id.clone().expect("an _id"), cdr),
                Ingested::Skipped(reason) => panic!("skipped: {reason}"),
            }
        })
        .collect()
}

/// Publishes calls `calls` of `run` to `exchange`, persistent, every one confirmed.
pub async fn publish(url: &str, exchange: &str, run: &str, calls: impl Iterator<Item = usize>) {
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("connect to publish");
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("publisher confirms");
    for i in calls {
        let wire = wire(run, i);
        let body = serde_json::to_vec(&wire).expect("JSON");
        channel
            .basic_publish(
                exchange.into(),
                routing_key(&wire).as_str().into(),
                BasicPublishOptions::default(),
                &body,
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

/// Polls `done` every 50 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// The service on a free loopback port, with its CDR consumer, in its own runtime.
pub struct Running {
    pub base: String,
    pub consumer: Arc<CdrConsumer>,
    pub runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), kazoo_records::Error>>>,
}

impl Running {
    pub fn start(backend: Backend, config: CdrConsumerConfig) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let consumer = Arc::new(CdrConsumer::new(config));
        runtime
            .block_on(consumer.declare())
            .expect("declare the queues");
        let (service, listener) = runtime.block_on(async {
            let service = Service::open(&backend, 3)
                .await
                .expect("the database opens");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            (service, listener)
        });
        let base = format!(
            "http://{}/v2/accounts/{ACCOUNT_ID}",
            listener.local_addr().expect("its address")
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = runtime.spawn(service.serve(listener, Some(Arc::clone(&consumer)), async {
            let _ = stopped.await;
        }));
        Running {
            base,
            consumer,
            runtime,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the service and its consumer, and deletes the consumer's queues.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            self.runtime
                .block_on(task)
                .expect("the service task ends")
                .expect("the service stops cleanly");
        }
        self.runtime.block_on(delete_queues(self.consumer.config()));
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `GET url` with curl and the given request headers.
pub fn curl(url: &str, headers: &[&str]) -> Answer {
    let mut cmd = Command::new("curl");
    cmd.args(["--silent", "--show-error", "--max-time", "30", "--include"]);
    for h in headers {
        cmd.args(["--header", h]);
    }
    let out = cmd.arg(url).output().unwrap_or_else(|e| {
        panic!("cannot run curl ({e}): the end-to-end tests need curl (`.ci/run` installs it)")
    });
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}
