//! CSV export as a user sees it: read back with the `csv` crate's reader (an independent RFC
//! 4180 implementation), it gives the rows.
#![cfg(feature = "csv")]

mod common;

use kazoo_records::ErrorKind;
use kazoo_records::cdr::csv::{CsvOptions, CsvWriter, write_cdrs};
use kazoo_records::cdr::{Cdr, PublicRow, RowOptions};
use kazoo_records::time::GregorianSeconds;
use proptest::prelude::*;

fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn text() -> impl Strategy<Value = String> {
    // Commas, quotes, CR/LF and non-ASCII: everything RFC 4180 must quote.
    "[a-zé ,\"\r\n;]{0,10}"
}

fn cdr_strategy() -> impl Strategy<Value = Cdr> {
    (
        text(),
        text(),
        prop::option::of(0..100_000i64),
        prop::option::of(0..3_600i64),
        text(),
    )
        .prop_map(|(name, number, ts, duration, cause)| {
            let mut cdr = Cdr::new(format!("call-{number}"));
            cdr.caller_id_name = Some(name);
            cdr.caller_id_number = Some(number);
            cdr.timestamp = ts.map(|t| GregorianSeconds(63_724_400_000 + t));
            cdr.duration_seconds = duration;
            cdr.hangup_cause = Some(cause);
            cdr
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn public_rows_read_back_equal(cdrs in prop::collection::vec(cdr_strategy(), 0..8), reseller in any::<bool>()) {
        let row_options = RowOptions::new().reseller(reseller);
        let mut out = Vec::new();
        write_cdrs(&mut out, &cdrs, &CsvOptions::new().row_options(row_options)).unwrap();
        let records = read_back(&out);
        let header: Vec<String> = cdrs.first().map_or_else(
            || PublicRow::COLUMNS.iter().chain(if reseller { PublicRow::RESELLER_COLUMNS } else { &[] }).map(|c| c.to_string()).collect(),
            |c| c.public_row(&row_options).columns().iter().map(|c| c.to_string()).collect(),
        );
        prop_assert_eq!(&records[0], &header);
        prop_assert_eq!(records.len(), cdrs.len() + 1);
        for (cdr, record) in cdrs.iter().zip(&records[1..]) {
            prop_assert_eq!(record, &cdr.public_row(&row_options).into_values());
        }
    }
}

#[test]
fn the_rfc_1036_comma_is_quoted() {
    let mut cdr = Cdr::new("abc");
    cdr.timestamp = Some(GregorianSeconds(63_724_403_408));
    let mut out = Vec::new();
    write_cdrs(&mut out, [&cdr], &CsvOptions::new()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\"Mon, 06 May 2019 23:10:08 GMT\""), "{text}");
    let records = read_back(text.as_bytes());
    let at = PublicRow::COLUMNS
        .iter()
        .position(|c| *c == "rfc_1036")
        .unwrap();
    assert_eq!(records[1][at], "Mon, 06 May 2019 23:10:08 GMT");
    assert_eq!(records[1].len(), PublicRow::COLUMNS.len());
}

#[test]
fn caller_columns_mix_row_cells_and_flattened_document_keys() {
    let json = common::read_test_file("fixtures/kazoo/channel_destroy_inbound.json");
    let cdr = Cdr::from_json_str(&json).unwrap();
    let columns = [
        "call_id",
        "custom_channel_vars_account_id",
        "reseller_cost",
        "missing_key",
        "datetime",
    ];
    let mut out = Vec::new();
    write_cdrs(&mut out, [&cdr], &CsvOptions::new().columns(columns)).unwrap();
    let records = read_back(&out);
    assert_eq!(records[0], columns);
    let row = cdr.public_row(&RowOptions::new().reseller(true));
    assert_eq!(records[1][0], cdr.call_id);
    assert_eq!(
        records[1][1],
        cdr.custom_channel_vars
            .as_ref()
            .and_then(|v| v.account_id.clone())
            .unwrap_or_default()
    );
    assert_eq!(records[1][2], row.get("reseller_cost").unwrap());
    assert_eq!(records[1][3], "");
    assert_eq!(records[1][4], row.get("datetime").unwrap());
}

#[test]
fn arrays_of_scalars_are_joined_and_nested_objects_flattened() {
    let cdr = Cdr::from_json_str(
        r#"{"call_id": "a", "media_recordings": ["r1", "r2"], "tags": [1, "x", true],
            "custom_application_vars": {"team": {"name": "ops"}}}"#,
    )
    .unwrap();
    let mut out = Vec::new();
    let columns = [
        "media_recordings",
        "tags",
        "custom_application_vars_team_name",
    ];
    write_cdrs(
        &mut out,
        [&cdr],
        &CsvOptions::new().columns(columns).header(false),
    )
    .unwrap();
    assert_eq!(read_back(&out), vec![vec!["r1,r2", "1,x,true", "ops"]]);
}

#[test]
fn lists_holding_objects_are_json_in_document_and_row_columns_alike() {
    let cdr =
        Cdr::from_json_str(r#"{"call_id": "a", "tags": [{"a": 1}], "call_priority": [{"a": 1}]}"#)
            .unwrap();
    let mut out = Vec::new();
    write_cdrs(
        &mut out,
        [&cdr],
        &CsvOptions::new()
            .columns(["tags", "call_priority"])
            .header(false),
    )
    .unwrap();
    // `call_priority` is a public-row column, `tags` a document key: one rendering for both.
    assert_eq!(read_back(&out), vec![vec![r#"[{"a":1}]"#, r#"[{"a":1}]"#]]);
    assert_eq!(
        cdr.public_row(&RowOptions::default()).get("call_priority"),
        Some(r#"[{"a":1}]"#)
    );
}

#[test]
fn header_is_written_once_even_without_rows() {
    let writer = CsvWriter::new(Vec::new(), &CsvOptions::new().columns(["call_id"])).unwrap();
    assert_eq!(writer.finish().unwrap(), b"call_id\n");
    let mut writer = CsvWriter::new(Vec::new(), &CsvOptions::new().columns(["call_id"])).unwrap();
    for id in ["a", "b", "c"] {
        writer.write(&Cdr::new(id)).unwrap();
    }
    assert_eq!(writer.finish().unwrap(), b"call_id\na\nb\nc\n");
}

#[test]
fn a_record_of_one_empty_cell_is_not_an_empty_line() {
    let cdrs = [Cdr::new("a"), Cdr::new("b")];
    let mut out = Vec::new();
    write_cdrs(&mut out, &cdrs, &CsvOptions::new().columns(["missing_key"])).unwrap();
    assert_eq!(out, b"missing_key\n\"\"\n\"\"\n");
    assert_eq!(
        read_back(&out),
        vec![vec!["missing_key"], vec![""], vec![""]]
    );
}

#[test]
fn rows_past_the_buffer_are_written_in_order() {
    let cdrs: Vec<Cdr> = (0..5_000).map(|i| Cdr::new(format!("call-{i}"))).collect();
    let mut writer = CsvWriter::new(Vec::new(), &CsvOptions::new()).unwrap();
    for cdr in &cdrs {
        writer.write(cdr).unwrap();
    }
    let records = read_back(&writer.finish().unwrap());
    assert_eq!(records.len(), cdrs.len() + 1);
    for (cdr, record) in cdrs.iter().zip(&records[1..]) {
        assert_eq!(record, &cdr.public_row(&RowOptions::new()).into_values());
    }
}

#[test]
fn a_dropped_writer_writes_its_rows() {
    let mut out = Vec::new();
    {
        let mut writer = CsvWriter::new(&mut out, &CsvOptions::new().columns(["call_id"])).unwrap();
        writer.write(&Cdr::new("a")).unwrap();
    }
    assert_eq!(out, b"call_id\na\n");
}

#[test]
fn failures_are_errors() {
    let e =
        CsvWriter::new(Vec::new(), &CsvOptions::new().columns(Vec::<String>::new())).unwrap_err();
    assert_eq!(e.path(), "columns");

    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "pipe closed",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let cdrs = vec![Cdr::new("a")];
    let e = write_cdrs(Broken, &cdrs, &CsvOptions::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("pipe closed"), "{e}");
}
