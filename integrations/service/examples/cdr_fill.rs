//! Fills a database with generated CDRs for load tests of the service:
//!
//! ```text
//! cargo run --release -p kazoo-records-service --example cdr_fill -- --sqlite cdrs-1m.sqlite 1000000
//! cargo run --release -p kazoo-records-service --example cdr_fill -- --pg postgresql://… 1000000
//! ```
//!
//! CDR `n` of account `4b8c6fec4b2597882c0390202d195419` is listed at
//! `63900000000 + 2n` (the million span about 23 days, inside one default range:
//! `created_from=63900000000&created_to=63902000000` lists them all), one in ten inbound,
//! owners `u0`…`u19`, as the store's page bench generates them. SQLite: one transaction;
//! PostgreSQL: multi-row inserts in one transaction (`PgStore::insert_all`). Then `ANALYZE`.

use kazoo_records::cdr::{Cdr, CdrId};
use kazoo_records_store::{PgStore, SqliteStore};

const ACCOUNT_ID: &str = "4b8c6fec4b2597882c0390202d195419";
const BASE: i64 = 63_900_000_000;

fn cdr(n: u64) -> Result<Cdr, kazoo_records::Error> {
    let direction = if n % 10 == 3 { "inbound" } else { "outbound" };
    Cdr::from_json_str(&format!(
        r#"{{"_id":"202503-c{n:07}","call_id":"c{n:07}","timestamp":{},"call_direction":"{direction}","billing_seconds":{},"custom_channel_vars":{{"owner_id":"u{}"}}}}"#,
        BASE + 2 * n as i64,
        n % 600,
        n % 20
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [engine, target, count] = args.as_slice() else {
        return Err("usage: cdr_fill (--sqlite PATH | --pg URL) COUNT".into());
    };
    let count: u64 = count.parse().map_err(|e| format!("COUNT {count:?}: {e}"))?;
    let database = CdrId::parse("202503-c")?.account_database(ACCOUNT_ID)?;
    let started = std::time::Instant::now();
    match engine.as_str() {
        "--sqlite" => {
            let store = SqliteStore::open(target)?;
            store.connection().execute_batch("BEGIN")?;
            for n in 0..count {
                store.insert(&database, &cdr(n)?)?;
            }
            store.connection().execute_batch("COMMIT; ANALYZE")?;
        }
        "--pg" => {
            let store = PgStore::connect(target)?;
            let mut batch = Vec::with_capacity(10_000);
            for n in 0..count {
                batch.push((database.clone(), cdr(n)?));
                if batch.len() == 10_000 || n + 1 == count {
                    store.insert_all(&batch)?;
                    batch.clear();
                }
            }
            store.query_strings("ANALYZE cdrs")?;
        }
        other => return Err(format!("{other:?}: --sqlite PATH or --pg URL").into()),
    }
    println!("{count} CDRs in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
