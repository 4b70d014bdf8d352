//! The CDR service in one command:
//!
//! ```text
//! cargo run -p kazoo-records-service --example cdr_service                 # SQLite, ./cdrs.sqlite
//! cargo run -p kazoo-records-service --example cdr_service -- --pg postgresql://user@127.0.0.1:5432/db
//! cargo run -p kazoo-records-service --example cdr_service -- --amqp amqp://guest:guest@127.0.0.1:5672/%2f
//! ```
//!
//! Options: `--sqlite PATH` (default `cdrs.sqlite`), `--pg URL` (or `KAZOO_RECORDS_PG_URL`
//! with `--pg` alone), `--amqp URL` (or `AMQP_URL` with `--amqp` alone: starts the CDR
//! consumer on KAZOO's `callevt` exchange), `--listen ADDR` (default `127.0.0.1:8000`),
//! `--connections N` (default 4). Stops on Ctrl-C.

use std::sync::Arc;

use kazoo_records_amqp::{CdrConsumer, CdrConsumerConfig};
use kazoo_records_service::{Backend, Service};

struct Options {
    backend: Backend,
    amqp: Option<String>,
    listen: String,
    connections: usize,
}

/// The value after `flag`, else the environment variable `env` when the flag stands alone.
fn value(args: &[String], i: &mut usize, flag: &str, env: Option<&str>) -> Result<String, String> {
    if let Some(v) = args.get(*i + 1).filter(|v| !v.starts_with("--")) {
        *i += 1;
        return Ok(v.clone());
    }
    env.and_then(|name| std::env::var(name).ok())
        .ok_or_else(|| match env {
            Some(name) => format!("{flag} needs a value (or {name} set)"),
            None => format!("{flag} needs a value"),
        })
}

fn options() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options {
        backend: Backend::Sqlite("cdrs.sqlite".into()),
        amqp: None,
        listen: "127.0.0.1:8000".to_owned(),
        connections: 4,
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--sqlite" => {
                o.backend = Backend::Sqlite(value(&args, &mut i, "--sqlite", None)?.into())
            }
            "--pg" => {
                o.backend =
                    Backend::Postgres(value(&args, &mut i, "--pg", Some("KAZOO_RECORDS_PG_URL"))?)
            }
            "--amqp" => o.amqp = Some(value(&args, &mut i, "--amqp", Some("AMQP_URL"))?),
            "--listen" => o.listen = value(&args, &mut i, "--listen", None)?,
            "--connections" => {
                let n = value(&args, &mut i, "--connections", None)?;
                o.connections =
                    n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--connections {n:?}: a whole number of at least 1")
                    })?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (see the example's doc)"
                ));
            }
        }
        i += 1;
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let service = Service::open(&o.backend, o.connections).await?;
    let listener = tokio::net::TcpListener::bind(&o.listen).await?;
    let consumer = o
        .amqp
        .as_ref()
        .map(|url| Arc::new(CdrConsumer::new(CdrConsumerConfig::new(url.clone()))));
    println!(
        "serving {:?} on http://{} (CDR consumer: {})",
        o.backend,
        listener.local_addr()?,
        if consumer.is_some() { "on" } else { "off" }
    );
    service
        .serve(listener, consumer, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
