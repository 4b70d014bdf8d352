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

use std::collections::HashMap;
use std::io;

use serde_json::Value;

use super::record::Cdr;
use super::row::{ALL_COLUMNS, PublicRow, RowCells, RowOptions, write_json_cell};
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
    inner: ::csv::Writer<W>,
    names: Vec<String>,
    columns: Vec<Column>,
    row: RowOptions,
    /// Whether any column is a public-row column.
    uses_row: bool,
    /// The document keys the columns name (none: the document is not flattened).
    document_keys: Vec<String>,
    header_pending: bool,
    /// The public-row cells of the row being written, reused from row to row.
    cells: RowCells,
}

/// Where a column's cells come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    /// A public-row column, by position in a row with the reseller pair.
    Row(usize),
    /// A flattened document key.
    Document(String),
}

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
        let columns: Vec<Column> = names
            .iter()
            .map(|name| match ALL_COLUMNS.iter().position(|c| c == name) {
                Some(index) => Column::Row(index),
                None => Column::Document(name.clone()),
            })
            .collect();
        if columns
            .iter()
            .any(|c| matches!(c, Column::Row(i) if *i >= PublicRow::COLUMNS.len()))
        {
            row.reseller = true;
        }
        let uses_row = columns.iter().any(|c| matches!(c, Column::Row(_)));
        let document_keys = columns
            .iter()
            .filter_map(|c| match c {
                Column::Document(key) => Some(key.clone()),
                Column::Row(_) => None,
            })
            .collect();
        Ok(CsvWriter {
            inner: ::csv::WriterBuilder::new()
                .quote_style(::csv::QuoteStyle::Necessary)
                .terminator(::csv::Terminator::Any(b'\n'))
                .from_writer(writer),
            names,
            columns,
            row,
            uses_row,
            document_keys,
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
        if self.uses_row {
            self.cells.fill(cdr, &self.row);
        }
        let flat = if self.document_keys.is_empty() {
            HashMap::new()
        } else {
            flattened(cdr, &self.document_keys)
        };
        let cells = self.columns.iter().map(|column| match column {
            Column::Row(index) => self.cells.get(*index).unwrap_or_default(),
            Column::Document(key) => flat.get(key.as_str()).map_or("", String::as_str),
        });
        self.inner.write_record(cells).map_err(csv_error)
    }

    /// Writes the header if it is still due, flushes, and returns the writer.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the writer fails.
    pub fn finish(mut self) -> Result<W, Error> {
        self.write_header()?;
        self.inner.flush()?;
        self.inner
            .into_inner()
            .map_err(|e| Error::from(e.into_error()))
    }

    fn write_header(&mut self) -> Result<(), Error> {
        if self.header_pending {
            self.header_pending = false;
            self.inner.write_record(&self.names).map_err(csv_error)?;
        }
        Ok(())
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

/// The values of `wanted` flattened keys of the CDR's JSON document (nested keys joined
/// with `_`); objects are entered only on the way to a wanted key.
fn flattened(cdr: &Cdr, wanted: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(Value::Object(map)) = serde_json::to_value(cdr) {
        for (key, value) in map {
            flatten_into(key, value, wanted, &mut out);
        }
    }
    out
}

fn flatten_into(key: String, value: Value, wanted: &[String], out: &mut HashMap<String, String>) {
    match value {
        Value::Object(map) => {
            let on_the_way = wanted.iter().any(|w| {
                w.strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with('_'))
            });
            if on_the_way {
                for (inner, value) in map {
                    flatten_into(format!("{key}_{inner}"), value, wanted, out);
                }
            }
        }
        other if wanted.contains(&key) => {
            let mut text = String::new();
            write_json_cell(&other, &mut text);
            out.insert(key, text);
        }
        _ => {}
    }
}

fn csv_error(error: ::csv::Error) -> Error {
    if error.is_io_error() {
        if let ::csv::ErrorKind::Io(io) = error.into_kind() {
            return Error::from(io);
        }
        unreachable!("is_io_error means an Io kind");
    }
    let message = format!("{:?}", error.kind());
    Error::write_failure(message, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn documents_flatten_to_the_wanted_keys() {
        let mut out = HashMap::new();
        let wanted = ["a_b_c".to_owned(), "a_d".to_owned()];
        flatten_into(
            "a".into(),
            json!({"b": {"c": 1, "x": 2}, "d": [], "e": 3}),
            &wanted,
            &mut out,
        );
        assert_eq!(out.get("a_b_c").map(String::as_str), Some("1"));
        assert_eq!(out.get("a_d").map(String::as_str), Some(""));
        assert_eq!(out.len(), 2);
    }
}
