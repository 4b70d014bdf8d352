//! CDR ingest: a CHANNEL_DESTROY event in (KAZOO's AMQP payload), the CDR document KAZOO's
//! `cdr` application would store and its database out.
//!
//! ```text
//! cargo run --example ingest -- [EVENT.json]
//! ```
//!
//! Without a file it ingests a real event of 2015 (`tests/fixtures/kazoo/`), then shows an
//! event that is skipped and one KAZOO would crash on. The crate does no I/O: this example
//! reads the file and prints; a service would take the payload off its AMQP queue
//! (`cdr_listener`, key `call.CHANNEL_DESTROY.*`) and insert the document if absent.

use kazoo_records::cdr::{Ingest, Ingested};
use kazoo_records::time::GregorianSeconds;

const REAL_EVENT: &str = include_str!("../tests/fixtures/kazoo/channel_destroy_wire_2015.json");

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (text, now) = match std::env::args().nth(1) {
        Some(path) => (std::fs::read_to_string(path)?, GregorianSeconds::now()),
        // Two seconds after the real event's hangup, as its CDR was written.
        None => (REAL_EVENT.to_owned(), GregorianSeconds(63_610_891_990)),
    };
    let wire: serde_json::Value = serde_json::from_str(&text)?;
    let ingest = Ingest::new().node("kazoo_apps@example");

    match ingest.channel_destroy(&wire, now)? {
        Ingested::Stored { database, cdr } => {
            println!("database: {database}");
            println!("document id: {}", cdr.doc_id.as_deref().unwrap_or("-"));
            println!(
                "interaction: {}",
                cdr.interaction().map_or("-", |id| id.as_str())
            );
            // As the `Cdr` writes it back.
            println!("{}", serde_json::to_string_pretty(&cdr)?);
        }
        Ingested::Skipped(reason) => println!("not stored: {reason}"),
    }

    // The same event from KAZOO's test tone application is skipped, by default.
    let mut milliwatt = wire.clone();
    milliwatt["Application-Name"] = "milliwatt".into();
    if let Ingested::Skipped(reason) = ingest.channel_destroy(&milliwatt, now)? {
        println!("\nwith Application-Name milliwatt: not stored: {reason}");
    }

    // KAZOO's handler crashes on a malformed interaction id and the CDR is lost; here it is
    // an error that names the field.
    let mut malformed = wire;
    malformed["Custom-Channel-Vars"]["Call-Interaction-ID"] = "1443672788-abcd1234".into();
    if let Err(error) = ingest.channel_destroy(&malformed, now) {
        println!("with a Unix-seconds interaction id: {error}");
    }
    Ok(())
}
