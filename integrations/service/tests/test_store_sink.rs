//! The CDR consumer feeding both stores through a `StorePool` (the store crate's
//! `CdrSink`), against the live broker and PostgreSQL `.ci/run` starts: every call stored
//! once, each message delivered twice, the second delivery a no-op. Fails without them.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{broker_url, consumer_config, expected, pg_url, publish, unique};
use kazoo_records::Error;
use kazoo_records_amqp::{CdrConsumer, CdrSink};
use kazoo_records_store::{PgStore, SqliteStore, StorePool};

const CALLS: usize = 60;

async fn every_call_is_stored_once<S: Send + 'static>(
    pool: StorePool<S>,
    what: &str,
    count: fn(&S) -> Result<i64, Error>,
    document: fn(&S, &str, &str) -> Result<Option<String>, Error>,
) where
    StorePool<S>: CdrSink,
{
    let url = broker_url();
    let consumer = Arc::new(CdrConsumer::new(consumer_config(&url, what)));
    consumer.declare().await.expect("declare the queues");
    let run = unique(what).replace('.', "-");
    let exchange = consumer.config().exchange.clone();
    // Every call twice: the second delivery is a redelivery of the same document.
    publish(&url, &exchange, &run, 0..CALLS).await;
    publish(&url, &exchange, &run, 0..CALLS).await;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let (consumer, pool) = (Arc::clone(&consumer), pool.clone());
        async move {
            consumer
                .run(&pool, async {
                    let _ = stopped.await;
                })
                .await
        }
    });
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let stats = consumer.stats();
        if stats.inserted + stats.already_present >= 2 * CALLS as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
    task.await
        .expect("the consumer task")
        .expect("the consumer stops cleanly");

    let stats = consumer.stats();
    assert_eq!(
        (stats.inserted, stats.already_present, stats.store_errors),
        (CALLS as u64, CALLS as u64, 0),
        "{stats:?}"
    );
    assert_eq!(pool.run(count).await.expect("count"), CALLS as i64);
    for (id, cdr) in expected(&run, CALLS) {
        let database = cdr.pvt_account_db.clone().expect("pvt_account_db");
        let key = id.clone();
        let stored = pool
            .run(move |s| document(s, &database, &key))
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("{id} is not stored"));
        let stored: serde_json::Value = serde_json::from_str(&stored).expect("JSON");
        let mut want = serde_json::to_value(&cdr).expect("JSON");
        // `pvt_created`/`pvt_modified` are the consumer's clock: compare the rest.
        let mut got = stored;
        for key in ["pvt_created", "pvt_modified"] {
            want.as_object_mut().map(|m| m.remove(key));
            got.as_object_mut().map(|m| m.remove(key));
        }
        assert_eq!(got, want, "{id}");
    }
    common::delete_queues(consumer.config()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_feeds_sqlite_once_per_call() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cdrs.sqlite");
    let stores = (0..2)
        .map(|_| SqliteStore::open(&path))
        .collect::<Result<Vec<_>, _>>()
        .expect("open");
    every_call_is_stored_once(
        StorePool::new(stores).expect("a pool"),
        "sink-sqlite",
        |s| {
            s.connection()
                .query_row("SELECT count(*) FROM cdrs", [], |r| r.get(0))
                .map_err(Error::store)
        },
        SqliteStore::document,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_feeds_postgres_once_per_call() {
    let url = tokio::task::spawn_blocking(|| pg_url("t_sink"))
        .await
        .expect("a schema");
    let stores = tokio::task::spawn_blocking(move || {
        (0..2)
            .map(|_| PgStore::connect(&url))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .expect("connect")
    .expect("connect");
    every_call_is_stored_once(
        StorePool::new(stores).expect("a pool"),
        "sink-pg",
        |s| {
            s.query_strings("SELECT count(*)::text FROM cdrs")?[0]
                .parse()
                .map_err(Error::store)
        },
        PgStore::document,
    )
    .await;
}
