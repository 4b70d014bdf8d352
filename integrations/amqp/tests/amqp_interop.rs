//! Interop with a real RabbitMQ: the keys of `Binding::keys` and the routing key and wire
//! shape of `Event` route through a live topic exchange exactly as the crate says.
//!
//! A differential test against the real engine: a few hundred random bindings (lists with and
//! without `*`, exact flags, `include_descendants`) each get a queue bound with their keys;
//! a few hundred random events are published with their routing keys; what each queue received
//! is compared with
//! - the keys-based expectation (some key matches the event key under `topic::matches`): equal,
//! - in-process delivery (`Binding::matches`): equal for bindings without
//!   `include_descendants`; for those (keyed with account `*`), a subset, and equal once the
//!   delivered events are filtered in-process, as a consuming node does;
//!
//! and every delivered body, read back with `Event::from_amqp_json`, equals the event sent.
//!
//! The broker is `AMQP_URL` (`.ci/rabbitmq.sh` starts one and exports it); without one the
//! test fails saying so. The generator seed is `AMQP_INTEROP_SEED` (a u64), else a fixed one;
//! it is printed. The binding and event strategies (`tests/strategies`) are copies of the core
//! crate's own, so both crates' tests draw from the same generators.

mod common;
mod strategies;

use std::collections::{BTreeSet, HashMap};
use std::error::Error as StdError;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kazoo_records::edr::{Binding, Event, topic};
use lapin::message::DeliveryResult;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::sync::mpsc;
use tokio::time::timeout;

type BoxError = Box<dyn StdError + Send + Sync>;

const DEFAULT_SEED: u64 = 0x6b61_7a6f_6f5f_6564;
const BINDINGS: usize = 300;
const EVENTS: usize = 400;
/// The longest one broker operation may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the whole exchange with the broker may take.
const TEST_TIMEOUT: Duration = Duration::from_secs(240);

#[test]
fn a_live_topic_exchange_routes_like_the_bindings() {
    let url = common::broker_url();
    let seed = std::env::var("AMQP_INTEROP_SEED")
        .ok()
        .map(|s| {
            s.parse::<u64>()
                .unwrap_or_else(|_| panic!("AMQP_INTEROP_SEED: {s:?} is not a u64"))
        })
        .unwrap_or(DEFAULT_SEED);
    // Printed (and shown on failure) so any failure reproduces.
    eprintln!("amqp_interop: seed {seed} (AMQP_INTEROP_SEED={seed} reproduces this run)");

    let (bindings, events) = generate(seed);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let started = Instant::now();
    let received = runtime
        .block_on(async {
            timeout(TEST_TIMEOUT, exchange_with_broker(&url, &bindings, &events)).await
        })
        .unwrap_or_else(|_| panic!("seed {seed}: the broker exchange took over {TEST_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let elapsed = started.elapsed();

    let deliveries: usize = received.iter().map(Vec::len).sum();
    let report = check(&bindings, &events, &received);
    let _ = writeln!(
        std::io::stderr(),
        "amqp_interop: seed {seed}: {} bindings ({} keys), {} events, {deliveries} deliveries \
         in {:.2?} against {url}",
        bindings.len(),
        bindings.iter().map(|b| b.keys().len()).sum::<usize>(),
        events.len(),
        elapsed,
    );
    assert!(
        report.mismatches.is_empty(),
        "seed {seed}: {} of {} queues disagree with the crate:\n{}",
        report.mismatches.len(),
        bindings.len(),
        report.mismatches.join("\n")
    );
    // The data must exercise what the test is about, or it proves nothing.
    assert!(
        report.superset_queues > 0,
        "seed {seed}: no include_descendants binding received more than it selects in-process"
    );
    assert!(
        report.empty_queues > 0 && report.empty_queues < bindings.len(),
        "seed {seed}: {} of {} queues empty: the generator is too narrow or too wide",
        report.empty_queues,
        bindings.len()
    );
}

/// Random valid bindings and events over a small pool of accounts and apps (so they meet),
/// reproducible from `seed`. Event ids are made unique (their index) to tell deliveries apart.
fn generate(seed: u64) -> (Vec<Binding>, Vec<Event>) {
    let mut seed_bytes = [0u8; 32];
    for (i, chunk) in seed_bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let binding = strategies::binding(true);
    let bindings: Vec<Binding> = (0..BINDINGS)
        .map(|_| {
            binding
                .new_tree(&mut runner)
                .expect("the binding strategy never rejects")
                .current()
        })
        .collect();
    let event = strategies::event();
    let events: Vec<Event> = (0..EVENTS)
        .map(|i| {
            event
                .new_tree(&mut runner)
                .expect("the event strategy never rejects")
                .current()
                .with_id(format!("{i:032x}"))
        })
        .collect();
    (bindings, events)
}

/// Everything done with the broker: returns, per binding, the index of each event its queue
/// received (in arrival order, duplicates kept). Exchange and queues are removed at the end,
/// whatever happened.
async fn exchange_with_broker(
    url: &str,
    bindings: &[Binding],
    events: &[Event],
) -> Result<Vec<Vec<usize>>, BoxError> {
    let connection = step(
        "connect",
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await?;
    let names = Names::unique();
    let result = route_through(&connection, &names, bindings, events).await;
    let cleanup = remove(&connection, &names, bindings.len()).await;
    let closed = step("close the connection", connection.close(200, "done".into())).await;
    let received = result?;
    cleanup?;
    closed?;
    Ok(received)
}

/// This run's exchange and queue names (unique per run, so runs never meet).
struct Names {
    exchange: String,
}

impl Names {
    fn unique() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Names {
            exchange: format!("kazoo_records.interop.{}.{nanos}", std::process::id()),
        }
    }

    fn queue(&self, i: usize) -> String {
        format!("{}.q{i}", self.exchange)
    }
}

async fn route_through(
    connection: &Connection,
    names: &Names,
    bindings: &[Binding],
    events: &[Event],
) -> Result<Vec<Vec<usize>>, BoxError> {
    let channel = step("open a channel", connection.create_channel()).await?;
    step(
        "declare the exchange",
        channel.exchange_declare(
            names.exchange.as_str().into(),
            ExchangeKind::Topic,
            // Gone with its last queue even if this run is cut short.
            ExchangeDeclareOptions {
                auto_delete: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        ),
    )
    .await?;

    // One queue per binding, bound with its keys. Exclusive: the broker drops them if this
    // process dies before removing them.
    for (i, binding) in bindings.iter().enumerate() {
        let queue = names.queue(i);
        step(
            "declare a queue",
            channel.queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    exclusive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await?;
        for key in binding.keys() {
            step(
                "bind a queue",
                channel.queue_bind(
                    queue.as_str().into(),
                    names.exchange.as_str().into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                ),
            )
            .await?;
        }
    }

    // Publish every event with its routing key, in KAZOO's wire shape; once every publish is
    // confirmed, the broker has routed them all into the queues.
    step(
        "enable publisher confirms",
        channel.confirm_select(ConfirmSelectOptions::default()),
    )
    .await?;
    for event in events {
        let body = serde_json::to_vec(&event.to_amqp_json())?;
        step(
            "publish",
            channel.basic_publish(
                names.exchange.as_str().into(),
                event.routing_key()?.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                BasicProperties::default().with_content_type("application/json".into()),
            ),
        )
        .await?;
    }
    let returned = step("wait for confirms", channel.wait_for_confirms()).await?;
    if !returned.is_empty() {
        return Err(format!("the broker returned {} messages", returned.len()).into());
    }

    let mut expected_total = 0;
    for i in 0..bindings.len() {
        expected_total += queue_length(&channel, &names.queue(i)).await?;
    }
    let received = consume_all(connection, names, events, bindings.len(), expected_total).await?;
    // Nothing is left behind (every routed message was consumed, none arrived late).
    for i in 0..bindings.len() {
        let left = queue_length(&channel, &names.queue(i)).await?;
        if left != 0 {
            return Err(format!("queue {i} still holds {left} messages").into());
        }
    }
    step("close the channel", channel.close(200, "done".into())).await?;
    Ok(received)
}

/// How many messages a queue holds (a passive declare).
async fn queue_length(channel: &Channel, queue: &str) -> Result<usize, BoxError> {
    let declared = step(
        "inspect a queue",
        channel.queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        ),
    )
    .await?;
    Ok(usize::try_from(declared.message_count())?)
}

/// Consumes every queue (auto-ack) until `total` messages arrived; checks each delivery's
/// routing key and body against the event it carries (the wire round trip).
async fn consume_all(
    connection: &Connection,
    names: &Names,
    events: &[Event],
    queues: usize,
    total: usize,
) -> Result<Vec<Vec<usize>>, BoxError> {
    let by_id: HashMap<&str, usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id().as_str(), i))
        .collect();
    let channel = step("open a channel", connection.create_channel()).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut consumers = Vec::with_capacity(queues);
    for q in 0..queues {
        let consumer = step(
            "consume",
            channel.basic_consume(
                names.queue(q).as_str().into(),
                format!("interop-{q}").as_str().into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await?;
        let tx = tx.clone();
        consumer.set_delegate(move |delivery: DeliveryResult| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((q, delivery.map_err(|e| e.to_string())));
            }
        });
        consumers.push(consumer);
    }

    let mut received = vec![Vec::new(); queues];
    let mut count = 0;
    while count < total {
        let next = timeout(STEP_TIMEOUT, rx.recv()).await.map_err(|_| {
            format!("received {count} of {total} messages, then nothing for {STEP_TIMEOUT:?}")
        })?;
        let Some((q, delivery)) = next else {
            return Err("the consumers stopped".into());
        };
        let Some(delivery) = delivery.map_err(|e| format!("queue {q}: {e}"))? else {
            return Err(format!("queue {q}: the broker cancelled the consumer").into());
        };
        let value: serde_json::Value = serde_json::from_slice(&delivery.data)
            .map_err(|e| format!("queue {q}: a delivered body is not JSON: {e}"))?;
        let event = Event::from_amqp_json(&value)
            .map_err(|e| format!("queue {q}: a delivered body is not an EDR event: {e}"))?;
        let &index = by_id
            .get(event.id().as_str())
            .ok_or_else(|| format!("queue {q}: an event nobody sent: {value}"))?;
        if event != events[index] {
            return Err(format!(
                "queue {q}: event {index} changed on the way:\n sent {:?}\n got  {event:?}",
                events[index]
            )
            .into());
        }
        if delivery.routing_key.as_str() != events[index].routing_key()? {
            return Err(format!(
                "queue {q}: event {index} arrived with routing key {}",
                delivery.routing_key
            )
            .into());
        }
        received[q].push(index);
        count += 1;
    }
    drop(consumers);
    step(
        "close the consuming channel",
        channel.close(200, "done".into()),
    )
    .await?;
    Ok(received)
}

/// Deletes the queues and the exchange (on a fresh channel: an earlier error may have closed
/// the other one).
async fn remove(connection: &Connection, names: &Names, queues: usize) -> Result<(), BoxError> {
    let channel = step("open a channel", connection.create_channel()).await?;
    for i in 0..queues {
        step(
            "delete a queue",
            channel.queue_delete(
                names.queue(i).as_str().into(),
                QueueDeleteOptions::default(),
            ),
        )
        .await?;
    }
    step(
        "delete the exchange",
        channel.exchange_delete(
            names.exchange.as_str().into(),
            ExchangeDeleteOptions::default(),
        ),
    )
    .await?;
    step("close the channel", channel.close(200, "done".into())).await?;
    Ok(())
}

/// What the comparison found.
struct Report {
    mismatches: Vec<String>,
    /// include_descendants queues that received more than the binding selects in-process.
    superset_queues: usize,
    empty_queues: usize,
}

/// Compares what each queue received with what the crate says it should.
fn check(bindings: &[Binding], events: &[Event], received: &[Vec<usize>]) -> Report {
    let keys: Vec<String> = events
        .iter()
        .map(|e| e.routing_key().expect("generated events are routable"))
        .collect();
    let mut report = Report {
        mismatches: Vec::new(),
        superset_queues: 0,
        empty_queues: 0,
    };
    for (q, (binding, got)) in bindings.iter().zip(received).enumerate() {
        let broker: BTreeSet<usize> = got.iter().copied().collect();
        let binding_keys = binding.keys();
        let by_keys: BTreeSet<usize> = (0..events.len())
            .filter(|&i| binding_keys.iter().any(|k| topic::matches(k, &keys[i])))
            .collect();
        let in_process: BTreeSet<usize> = (0..events.len())
            .filter(|&i| binding.matches(&events[i]))
            .collect();
        // What a consuming node keeps after filtering the deliveries in-process.
        let kept: BTreeSet<usize> = broker
            .iter()
            .copied()
            .filter(|&i| binding.matches(&events[i]))
            .collect();

        let mut problems = Vec::new();
        if broker.len() != got.len() {
            problems.push(format!("{} duplicate deliveries", got.len() - broker.len()));
        }
        if broker != by_keys {
            problems.push(format!(
                "broker vs keys: only broker {:?}, only keys {:?}",
                routing_keys(broker.difference(&by_keys), &keys),
                routing_keys(by_keys.difference(&broker), &keys)
            ));
        }
        if !in_process.is_subset(&broker) {
            problems.push(format!(
                "selected in-process but not delivered: {:?}",
                routing_keys(in_process.difference(&broker), &keys)
            ));
        }
        if !binding.get_include_descendants() && broker != in_process {
            problems.push(format!(
                "broker vs matches: only broker {:?}",
                routing_keys(broker.difference(&in_process), &keys)
            ));
        }
        if kept != in_process {
            problems.push("filtered deliveries differ from in-process selection".to_owned());
        }
        if !problems.is_empty() {
            report.mismatches.push(format!(
                "queue {q}: binding {} keys {binding_keys:?}: {}",
                serde_json::to_string(binding).unwrap_or_default(),
                problems.join("; ")
            ));
        }
        report.superset_queues += usize::from(broker.len() > in_process.len());
        report.empty_queues += usize::from(broker.is_empty());
    }
    report
}

fn routing_keys<'a>(indexes: impl Iterator<Item = &'a usize>, keys: &[String]) -> Vec<String> {
    indexes.map(|&i| format!("#{i} {}", keys[i])).collect()
}

/// Awaits one broker operation, failing after [`STEP_TIMEOUT`] with a message naming it.
async fn step<T, E>(
    what: &str,
    operation: impl Future<Output = Result<T, E>>,
) -> Result<T, BoxError>
where
    E: std::fmt::Display,
{
    match timeout(STEP_TIMEOUT, operation).await {
        Ok(result) => result.map_err(|e| format!("{what}: {e}").into()),
        Err(_) => Err(format!("{what}: no answer from the broker in {STEP_TIMEOUT:?}").into()),
    }
}
