//! A CDR report from a crossbar query string: reads a JSON-lines file of CDRs, lists their
//! interactions page by page as `GET /v2/accounts/{A}/cdrs/interaction?…` would (filters on
//! the A leg, following `next_start_key`), then answers the same query as CSV.
//!
//! ```text
//! cargo run --example cdr_report -- [CDRS.jsonl] [--csv OUT.csv] ['QUERY STRING']
//! cargo run --example cdr_report -- examples/data/cdrs.jsonl --csv /tmp/cdrs.csv 'filter_call_direction=inbound&page_size=15'
//! ```
//!
//! Without a query string, `page_size=15&ascending=true` over the day of the data.
//!
//! Without `--csv` the CSV goes to standard output after the report. The crate itself does
//! no I/O: this example reads and writes the files.

use std::io::Write;

use kazoo_records::cdr::{Cdr, ListingQuery, group_interactions};
use kazoo_records::time::GregorianSeconds;

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdrs.jsonl").to_owned();
    let mut csv_path = None;
    let mut query_string = String::from("page_size=15&ascending=true");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--csv" {
            csv_path = Some(args.next().ok_or("--csv needs a path")?);
        } else if arg.contains('=') {
            query_string = arg;
        } else {
            path = arg;
        }
    }

    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut cdrs = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let cdr = Cdr::from_json_str(line).map_err(|e| format!("{path}:{}: {e}", number + 1))?;
        cdrs.push(cdr);
    }

    // Unless the query says otherwise, the report covers the day of the data.
    let times = cdrs.iter().filter_map(Cdr::listing_time);
    let (Some(from), Some(to)) = (times.clone().min(), times.max()) else {
        eprintln!("no CDR with a time in {path}");
        return Ok(());
    };
    if !query_string.contains("created_from") {
        query_string.push_str(&format!(
            "&created_from={}&created_to={}",
            from.0 - 3600,
            to.0
        ));
    }
    let interactions = group_interactions(&cdrs);
    let now = GregorianSeconds::now();
    let mut query = ListingQuery::from_query_string(&query_string)?;
    let mut out = std::io::stdout().lock();
    for number in 1.. {
        let page = query.list_interactions(&interactions, now)?;
        writeln!(out, "--- page {number} ({} interactions)", page.items.len())?;
        for interaction in &page.items {
            let s = &interaction.summary;
            writeln!(
                out,
                "{:<22} {} {:>2} legs {:>5} s billed  {:<22} -> {:<6} {:<8} {}",
                interaction.id.to_string(),
                s.start.map(|t| t.iso8601()).unwrap_or_default(),
                s.legs,
                s.billing_seconds,
                format!(
                    "{} <{}>",
                    s.caller_id_name.unwrap_or("?"),
                    s.caller_id_number.unwrap_or("?")
                ),
                s.callee_id_number.unwrap_or("?"),
                s.direction.map(|d| d.as_str()).unwrap_or("?"),
                s.hangup_cause.unwrap_or("?"),
            )?;
        }
        match page.next_start_key {
            Some(key) => {
                query =
                    ListingQuery::from_query_string(&format!("{query_string}&start_key={key}"))?;
            }
            None => break,
        }
    }
    writeln!(
        out,
        "{} CDRs in {} interactions",
        cdrs.len(),
        interactions.len()
    )?;

    // The same query, every CDR of the range on one page, as CSV.
    let all = ListingQuery::from_query_string(&format!("{query_string}&paginate=false"))?;
    let page = all.list(&cdrs, now)?;
    match csv_path {
        Some(csv_path) => {
            let file = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
            all.write_csv(file, &page)?;
            writeln!(
                out,
                "{} rows written to {csv_path} ({})",
                page.items.len(),
                all.file_name(None)
            )?;
        }
        None => all.write_csv(&mut out, &page)?,
    }
    Ok(())
}
