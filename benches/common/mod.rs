//! What the CDR benches share: the real stored CDR and the rows the CSV benches export.

use kazoo_records::cdr::Cdr;

/// The real stored CDR of `tests/fixtures/kazoo/channel_destroy_inbound.json`.
pub fn fixture() -> Cdr {
    Cdr::from_json_str(include_str!(
        "../../tests/fixtures/kazoo/channel_destroy_inbound.json"
    ))
    .expect("the fixture is a CDR")
}

/// `rows` copies of the fixture with distinct call ids and a caller name that needs CSV quoting.
pub fn csv_rows(rows: usize) -> Vec<Cdr> {
    let template = fixture();
    (0..rows)
        .map(|i| {
            let mut cdr = template.clone();
            cdr.call_id = format!("{}-{i}", template.call_id);
            cdr.caller_id_name = Some(format!("Doe, Jane \"{i}\""));
            cdr
        })
        .collect()
}
