//! A CDR report: reads a JSON-lines file of CDRs, keeps those passing KAZOO query-string
//! filters, prints their interactions page by page (following `next_start_key`), and writes
//! the CDRs as CSV.
//!
//! ```text
//! cargo run --example cdr_report -- [CDRS.jsonl] [--csv OUT.csv] [filter_key=value ...]
//! cargo run --example cdr_report -- examples/data/cdrs.jsonl --csv /tmp/cdrs.csv filter_call_direction=inbound
//! ```
//!
//! Without `--csv` the CSV goes to standard output after the report. The crate itself does
//! no I/O: this example reads and writes the files.

use std::io::Write;

use kazoo_records::cdr::csv::{CsvOptions, write_cdrs};
use kazoo_records::cdr::{Cdr, Filters, PageRequest, group_interactions, paginate_interactions};
use kazoo_records::time::GregorianSeconds;

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/cdrs.jsonl").to_owned();
    let mut csv_path = None;
    let mut query = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--csv" {
            csv_path = Some(args.next().ok_or("--csv needs a path")?);
        } else if let Some((key, value)) = arg.split_once('=') {
            query.push((key.to_owned(), value.to_owned()));
        } else {
            path = arg;
        }
    }
    let filters = Filters::from_query(query)?;

    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut cdrs = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let cdr = Cdr::from_json_str(line).map_err(|e| format!("{path}:{}: {e}", number + 1))?;
        if filters.matches(&cdr) {
            cdrs.push(cdr);
        }
    }

    // The report covers the day of the data: from its first to its last listing time.
    let times = cdrs.iter().filter_map(Cdr::listing_time);
    let (Some(from), Some(to)) = (times.clone().min(), times.max()) else {
        eprintln!("no CDR with a time in {path}");
        return Ok(());
    };
    let interactions = group_interactions(&cdrs);
    let first = PageRequest::new()
        .page_size(15)
        .ascending()
        .created_from(GregorianSeconds(from.0 - 3600))
        .created_to(to);
    let now = GregorianSeconds::now();
    let mut request = first.clone();
    let mut out = std::io::stdout().lock();
    for number in 1.. {
        let page = paginate_interactions(&interactions, &request, now)?;
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
            Some(key) => request = first.clone().start_key(key),
            None => break,
        }
    }
    writeln!(
        out,
        "{} CDRs in {} interactions",
        cdrs.len(),
        interactions.len()
    )?;

    match csv_path {
        Some(csv_path) => {
            let file = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
            write_cdrs(file, &cdrs, &CsvOptions::new())?;
            writeln!(out, "CSV written to {csv_path}")?;
        }
        None => write_cdrs(&mut out, &cdrs, &CsvOptions::new())?,
    }
    Ok(())
}
