//! CSV export of CDRs (feature `csv`): RFC 4180, header once, streamed row by row to any
//! [`io::Write`].
//!
//! Columns are the public-row columns ([`PublicRow::COLUMNS`]) by default, or a caller's
//! list. A listed name is a public-row column when it is one; otherwise it names a value of
//! the CDR's JSON document flattened with `_` (`custom_channel_vars_account_id`), lists of
//! scalars joined with `,`, other lists as JSON, `null` and absent values empty.
//!
//! ```
//! use kazoo_records::cdr::Cdr;
//! use kazoo_records::cdr::csv::{CsvOptions, write_cdrs};
//!
//! let cdrs = vec![Cdr::from_json_str(r#"{"call_id": "abc", "caller_id_name": "Doe, Jane",
//!                                         "custom_channel_vars": {"account_id": "acc"}}"#)?];
//! let mut out = Vec::new();
//! write_cdrs(&mut out, &cdrs, &CsvOptions::new().columns(["call_id", "caller_id_name", "custom_channel_vars_account_id"]))?;
//! assert_eq!(String::from_utf8(out).unwrap(),
//!            "call_id,caller_id_name,custom_channel_vars_account_id\nabc,\"Doe, Jane\",acc\n");
//! # Ok::<(), kazoo_records::Error>(())
//! ```

mod flatten;
mod rfc4180;

use std::io;

use self::flatten::Flattener;
use super::record::Cdr;
use super::row::{ALL_COLUMNS, Cell, CellSink, PublicRow, RowCells, RowOptions, write_cells};
use crate::Error;

/// What to write: the columns, the public-row options, and whether to write a header.
///
/// A builder: start from [`CsvOptions::new`] (or `default()`, the same: the public-row
/// columns, UTC, a header line) and chain the setters.
///
/// ```
/// use kazoo_records::cdr::{Cdr, RowOptions};
/// use kazoo_records::cdr::csv::{CsvOptions, write_cdrs};
///
/// let cdrs = vec![Cdr::from_json_str(r#"{"call_id": "abc", "duration_seconds": 5}"#)?];
/// let options = CsvOptions::new()
///     .columns(["call_id", "duration_seconds"])
///     .row_options(RowOptions::new().reseller(true))
///     .header(false);
/// let mut out = Vec::new();
/// write_cdrs(&mut out, &cdrs, &options)?;
/// assert_eq!(out, b"abc,5\n");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The caller's columns; `None` for the public-row columns.
    columns: Option<Vec<String>>,
    /// How public-row cells are built.
    row: RowOptions,
    /// Whether the first line is the column names.
    header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            columns: None,
            row: RowOptions::default(),
            header: true,
        }
    }
}

impl CsvOptions {
    /// The public-row columns with a header.
    pub fn new() -> Self {
        CsvOptions::default()
    }

    /// Write these columns, in this order (default: [`PublicRow::COLUMNS`], with
    /// [`PublicRow::RESELLER_COLUMNS`] when the row options add them).
    pub fn columns<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// How public-row cells are built: reseller columns, `datetime` offset (default
    /// [`RowOptions::default`]).
    pub fn row_options(mut self, row: RowOptions) -> Self {
        self.row = row;
        self
    }

    /// Whether the first line is the column names (default `true`).
    pub fn header(mut self, header: bool) -> Self {
        self.header = header;
        self
    }
}

/// Writes CDRs as CSV rows to a writer, one at a time; the header goes before the first row
/// (or at [`finish`](Self::finish) when there is none).
///
/// Rows are buffered; call [`finish`](Self::finish) to flush and get the writer back (a
/// writer dropped unfinished flushes too, but cannot report a failure).
///
/// ```
/// use kazoo_records::cdr::Cdr;
/// use kazoo_records::cdr::csv::{CsvOptions, CsvWriter};
///
/// let mut writer = CsvWriter::new(Vec::new(), &CsvOptions::new().columns(["call_id", "duration_seconds"]))?;
/// writer.write(&Cdr::from_json_str(r#"{"call_id": "a", "duration_seconds": 5}"#)?)?;
/// let bytes = writer.finish()?;
/// assert_eq!(bytes, b"call_id,duration_seconds\na,5\n");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug)]
pub struct CsvWriter<W: io::Write> {
    /// The writer, until [`finish`](Self::finish) gives it back.
    out: Option<W>,
    /// Rows not yet written to `out`.
    buffer: String,
    names: Vec<String>,
    columns: Vec<Column>,
    row: RowOptions,
    /// Whether any column is a public-row column.
    uses_row: bool,
    /// Whether the columns are the row's, in order: its cells are written as they are.
    whole_rows: bool,
    /// The public-row cells the columns use, a bit per column.
    row_cells: u64,
    /// The document keys the columns name (none: the document is not read).
    document: Option<Flattener>,
    header_pending: bool,
    /// The public-row cells of the row being written, reused from row to row.
    cells: RowCells,
}

/// A CSV line being written: the public-row cells go into it as they are made, with their
/// commas and quotes, so a whole row is written without copying its cells.
struct CsvLine<'a> {
    out: &'a mut String,
    first: bool,
}

impl CsvLine<'_> {
    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
    }
}

impl CellSink for CsvLine<'_> {
    fn push(&mut self, cell: &str) {
        self.separate();
        rfc4180::push_field(self.out, cell);
    }

    fn number(&mut self, n: Option<i64>) {
        self.separate();
        if let Some(n) = n {
            crate::decimal::push_i64(self.out, n);
        }
    }

    fn with<T>(&mut self, kind: Cell, write: impl FnOnce(&mut String) -> T) {
        self.separate();
        let start = self.out.len();
        write(self.out);
        let written = self.out.get(start..).unwrap_or_default().as_bytes();
        debug_assert!(
            kind == Cell::Text || !rfc4180::needs_quotes(written),
            "a plain cell needs quotes: {written:?}"
        );
        if kind == Cell::Text && rfc4180::needs_quotes(written) {
            let cell = self.out.split_off(start);
            rfc4180::push_quoted(self.out, &cell);
        }
    }
}

/// Where a column's cells come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// A public-row column, by position in a row with the reseller pair.
    Row(usize),
    /// A flattened document key, by position among the flattener's keys.
    Document(usize),
}

/// The buffered bytes that make a write to the writer.
const FLUSH_AT: usize = 64 * 1024;

impl<W: io::Write> CsvWriter<W> {
    /// A writer of `options`' columns to `writer`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `columns` for an empty column list, at `columns[i]` for an
    /// empty column name (it would name no column and leave a blank header cell).
    pub fn new(writer: W, options: &CsvOptions) -> Result<Self, Error> {
        let mut row = options.row;
        let names: Vec<String> = match &options.columns {
            Some(columns) if columns.is_empty() => {
                return Err(
                    Error::invalid("[]", "a column list", "at least one column").within("columns")
                );
            }
            Some(columns) => {
                if let Some(blank) = columns.iter().position(String::is_empty) {
                    return Err(Error::invalid(
                        "\"\"",
                        "a column name",
                        "a public-row column or a flattened document key, such as \
                         custom_channel_vars_account_id",
                    )
                    .within_index(blank)
                    .within("columns"));
                }
                columns.clone()
            }
            None => {
                let reseller = if row.reseller {
                    PublicRow::RESELLER_COLUMNS
                } else {
                    &[]
                };
                PublicRow::COLUMNS
                    .iter()
                    .chain(reseller)
                    .map(|c| (*c).to_owned())
                    .collect()
            }
        };
        let document_keys: Vec<&str> = names
            .iter()
            .filter(|name| !ALL_COLUMNS.contains(&name.as_str()))
            .map(String::as_str)
            .collect();
        let document = (!document_keys.is_empty()).then(|| Flattener::new(document_keys));
        let columns: Vec<Column> = names
            .iter()
            .map(|name| match ALL_COLUMNS.iter().position(|c| c == name) {
                Some(index) => Column::Row(index),
                None => Column::Document(
                    document
                        .as_ref()
                        .and_then(|d| d.index_of(name))
                        .unwrap_or_default(),
                ),
            })
            .collect();
        if columns
            .iter()
            .any(|c| matches!(c, Column::Row(i) if *i >= PublicRow::COLUMNS.len()))
        {
            row.reseller = true;
        }
        let uses_row = columns.iter().any(|c| matches!(c, Column::Row(_)));
        let row_len = PublicRow::COLUMNS.len() + if row.reseller { 2 } else { 0 };
        let whole_rows = columns.len() == row_len
            && columns
                .iter()
                .enumerate()
                .all(|(i, c)| *c == Column::Row(i));
        let row_cells = columns.iter().fold(0u64, |bits, c| match c {
            Column::Row(i) => bits | 1 << i,
            Column::Document(_) => bits,
        });
        Ok(CsvWriter {
            out: Some(writer),
            buffer: String::with_capacity(FLUSH_AT + 4096),
            names,
            columns,
            row,
            uses_row,
            whole_rows,
            row_cells,
            document,
            header_pending: options.header,
            cells: RowCells::default(),
        })
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.names
    }

    /// Writes one CDR's row (after the header, the first time).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the writer fails.
    pub fn write(&mut self, cdr: &Cdr) -> Result<(), Error> {
        self.write_header()?;
        let before = self.buffer.len();
        if self.whole_rows {
            // The row's cells go straight into the buffer, each quoted as it is written.
            write_cells(
                &mut CsvLine {
                    out: &mut self.buffer,
                    first: true,
                },
                cdr,
                &self.row,
            );
            return self.end_record(before);
        }
        if self.uses_row {
            self.cells.fill_only(cdr, &self.row, self.row_cells);
        }
        if let Some(document) = &mut self.document {
            document.fill(cdr);
        }
        let (cells, document) = (&self.cells, &self.document);
        let buffer = &mut self.buffer;
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                buffer.push(',');
            }
            let cell = match *column {
                Column::Row(index) => cells.get(index).unwrap_or_default(),
                Column::Document(index) => document.as_ref().map_or("", |d| d.cell(index)),
            };
            rfc4180::push_field(buffer, cell);
        }
        self.end_record(before)
    }

    /// Writes the header if it is still due, flushes, and returns the writer.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the writer fails.
    pub fn finish(mut self) -> Result<W, Error> {
        self.write_header()?;
        self.write_buffer()?;
        let mut out = self.out.take().expect("a writer until finished");
        out.flush()?;
        Ok(out)
    }

    fn write_header(&mut self) -> Result<(), Error> {
        if self.header_pending {
            self.header_pending = false;
            let before = self.buffer.len();
            for (i, name) in self.names.iter().enumerate() {
                if i > 0 {
                    self.buffer.push(',');
                }
                rfc4180::push_field(&mut self.buffer, name);
            }
            self.end_record(before)?;
        }
        Ok(())
    }

    /// Ends the record that started at `before` in the buffer, and writes the buffer out
    /// when it is full. A record of nothing (one empty cell) is written `""`, so that it is
    /// not an empty line.
    fn end_record(&mut self, before: usize) -> Result<(), Error> {
        if self.buffer.len() == before {
            self.buffer.push_str("\"\"");
        }
        self.buffer.push('\n');
        if self.buffer.len() >= FLUSH_AT {
            self.write_buffer()?;
        }
        Ok(())
    }

    fn write_buffer(&mut self) -> Result<(), Error> {
        if let Some(out) = &mut self.out {
            if !self.buffer.is_empty() {
                let written = out.write_all(self.buffer.as_bytes());
                // Written or failed (and reported), the rows are not written again.
                self.buffer.clear();
                written?;
            }
        }
        Ok(())
    }
}

impl<W: io::Write> Drop for CsvWriter<W> {
    /// Writes what is still buffered (a failure cannot be reported here: call
    /// [`finish`](CsvWriter::finish) to see it).
    fn drop(&mut self) {
        if let Some(out) = &mut self.out {
            if !self.buffer.is_empty() && out.write_all(self.buffer.as_bytes()).is_ok() {
                let _ = out.flush();
            }
        }
    }
}

/// Writes `cdrs` as CSV to `writer`: the header, then one row per CDR.
///
/// # Errors
///
/// As [`CsvWriter::new`] and [`CsvWriter::write`].
pub fn write_cdrs<'a, W, I>(writer: W, cdrs: I, options: &CsvOptions) -> Result<(), Error>
where
    W: io::Write,
    I: IntoIterator<Item = &'a Cdr>,
{
    let mut csv = CsvWriter::new(writer, options)?;
    for cdr in cdrs {
        csv.write(cdr)?;
    }
    csv.finish().map(drop)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::cdr::row::write_json_cell;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[test]
    fn column_lists_must_name_columns() {
        let err = CsvWriter::new(Vec::new(), &CsvOptions::new().columns(Vec::<String>::new()))
            .unwrap_err();
        assert_eq!(err.path(), "columns");
        let err = CsvWriter::new(
            Vec::new(),
            &CsvOptions::new().columns(["call_id", "", "to"]),
        )
        .unwrap_err();
        assert_eq!(err.path(), "columns[1]");
        assert!(
            err.to_string()
                .starts_with(r#"columns[1]: "" is not a column name"#),
            "{err}"
        );
        assert!(CsvWriter::new(Vec::new(), &CsvOptions::new().columns(["no_such_key"])).is_ok());
    }

    /// The flattening rule written out plainly, over the document as a `serde_json::Value`:
    /// every key path joined with `_`, the later of two equal keys in the map's iteration
    /// order winning.
    fn naive_cells(cdr: &Cdr, wanted: &[&str]) -> Vec<String> {
        fn visit(key: String, value: Value, wanted: &[&str], out: &mut HashMap<String, String>) {
            match value {
                Value::Object(map)
                    if wanted.iter().any(|w| {
                        w.strip_prefix(key.as_str())
                            .is_some_and(|rest| rest.starts_with('_'))
                    }) =>
                {
                    for (inner, value) in map {
                        visit(format!("{key}_{inner}"), value, wanted, out);
                    }
                }
                Value::Object(_) => {}
                other if wanted.contains(&key.as_str()) => {
                    let mut text = String::new();
                    write_json_cell(&other, &mut text);
                    out.insert(key, text);
                }
                _ => {}
            }
        }
        let mut out = HashMap::new();
        if let Ok(Value::Object(map)) = serde_json::to_value(cdr) {
            for (key, value) in map {
                visit(key, value, wanted, &mut out);
            }
        }
        wanted
            .iter()
            .map(|w| out.get(*w).cloned().unwrap_or_default())
            .collect()
    }

    fn flattened(cdr: &Cdr, wanted: &[&str]) -> Vec<String> {
        let mut flattener = Flattener::new(wanted.iter().copied());
        flattener.fill(cdr);
        wanted
            .iter()
            .map(|w| {
                let index = flattener.index_of(w).unwrap();
                flattener.cell(index).to_owned()
            })
            .collect()
    }

    #[test]
    fn documents_flatten_to_the_wanted_keys() {
        let cdr = Cdr::from_json_value(&json!({
            "call_id": "c", "a": {"b": {"c": 1, "x": 2}, "d": [], "e": 3, "f": 1.5},
            "a_b": {"c": "top"}, "custom_channel_vars": {"account_id": "acc", "rate": "7"},
        }))
        .unwrap();
        let wanted = [
            "a_b_c",
            "a_d",
            "a_f",
            "custom_channel_vars_account_id",
            "a",
            "zz",
        ];
        let cells = flattened(&cdr, &wanted);
        assert_eq!(cells, naive_cells(&cdr, &wanted));
        assert_eq!(cells[1], "");
        assert_eq!(cells[2], "1.5");
        assert_eq!(cells[3], "acc");
        assert_eq!(cells[4], "");
        assert_eq!(cells[5], "");
    }

    #[test]
    fn colliding_paths_resolve_as_the_documents_map_iterates() {
        for doc in [
            json!({"call_id": "c", "a_b": 1, "a": {"b": 2}}),
            json!({"call_id": "c", "a": {"b": 2}, "a_b": 1}),
            json!({"call_id": "c", "a": {"b_c": 1, "b": {"c": 2}}, "a_b": {"c": 3}}),
            json!({"call_id": "c", "a_b": {"c": null}, "a": {"b": {"c": 2}, "b_c": 1}}),
            // Known keys are written before the others, not in key order.
            json!({"call_id": "c", "fax_info": {"x": 1}, "fax": {"info_x": 2}}),
            json!({"call_id": "c", "custom_channel_vars": {"account_id": "known", "account": {"id": "other"}}}),
        ] {
            let (cdr, _) = Cdr::from_json_value_lenient(&doc).unwrap();
            let wanted = [
                "a_b",
                "a_b_c",
                "fax_info_x",
                "custom_channel_vars_account_id",
            ];
            assert_eq!(
                flattened(&cdr, &wanted),
                naive_cells(&cdr, &wanted),
                "{doc}"
            );
        }
    }

    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "b", "a_b", "b_c", "", "_", "c", "account_id"])
            .prop_map(str::to_owned)
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z ,\"]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The walk over the CDR's `Serialize` output gives the cells the plain rule gives
        /// over its JSON document, colliding paths included.
        #[test]
        fn flattening_agrees_with_the_plain_rule(
            top in prop::collection::btree_map(
                prop::sample::select(vec!["a", "a_b", "b", "custom_channel_vars", "custom",
                                          "timestamp", "custom_channel_vars_account", "call_priority",
                                          "fax_info", "fax"]),
                json_value(), 0..6),
            wanted in prop::collection::vec(prop::sample::select(vec![
                "a", "a_b", "a_b_c", "a_a_b", "a__", "a_", "b", "b_c", "a_account_id",
                "custom_channel_vars_account_id", "custom_channel_vars_a_b", "timestamp",
                "call_id", "call_priority", "custom_channel_vars_account_id_a", "fax_info_a_b", "fax_info_a",
            ]), 1..5),
        ) {
            let mut doc: serde_json::Map<String, Value> =
                top.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            doc.insert("call_id".into(), json!("c1"));
            let (cdr, _) = Cdr::from_json_value_lenient(&Value::Object(doc)).unwrap();
            prop_assert_eq!(flattened(&cdr, &wanted), naive_cells(&cdr, &wanted));
        }
    }
}
