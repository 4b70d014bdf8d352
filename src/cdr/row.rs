//! The public row of a CDR: the columns KAZOO's CDR listing and CSV export show, in order.

use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::direction::CallDirection;
use super::record::Cdr;
use crate::time::{UnixMicros, UtcOffset};

/// How to build a [`PublicRow`]: whether to add the reseller columns, and the UTC offset of
/// the `datetime` column.
///
/// A builder: start from [`RowOptions::new`] (or `default()`, the same) and chain the
/// setters.
///
/// ```
/// use kazoo_records::cdr::{Cdr, RowOptions};
/// use kazoo_records::time::UtcOffset;
///
/// let options = RowOptions::new().reseller(true).utc_offset(UtcOffset::parse("-05:00")?);
/// let cdr = Cdr::from_json_str(r#"{"call_id": "abc", "timestamp": 63724403408}"#)?;
/// let row = cdr.public_row(&options);
/// assert_eq!(row.get("datetime"), Some("2019-05-06_18:10:08"));
/// assert_eq!(row.len(), 37);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RowOptions {
    pub(crate) reseller: bool,
    pub(crate) utc_offset: Option<UtcOffset>,
}

impl RowOptions {
    /// The 35 public columns, `datetime` in UTC.
    pub fn new() -> Self {
        RowOptions::default()
    }

    /// Whether to add `reseller_cost` and `reseller_call_type` (KAZOO adds them for
    /// resellers; default `false`).
    pub fn reseller(mut self, reseller: bool) -> Self {
        self.reseller = reseller;
        self
    }

    /// Shift the `datetime` column to this offset (KAZOO's `utc_seconds_offset`; default
    /// UTC). The other time columns stay in UTC, as in KAZOO.
    pub fn utc_offset(mut self, offset: UtcOffset) -> Self {
        self.utc_offset = Some(offset);
        self
    }
}

/// A CDR as one row of KAZOO's CDR listing: [`PublicRow::COLUMNS`] in order (plus
/// [`PublicRow::RESELLER_COLUMNS`] when asked), every cell a string, empty when the CDR lacks
/// what the cell needs.
///
/// Time columns use the leg's start time ([`Cdr::start_time`]); a CDR without a timestamp
/// gets empty time cells, and one without a known direction empty `dialed_number` and
/// `calling_from` cells (KAZOO crashes on both). Money: `cost` and `reseller_cost` are in
/// units ([`Units`](super::Units)), `rate` in dollars, as KAZOO writes them. Cells taken from
/// a JSON value (`call_priority`, and `media_recordings` from the channel variables) are
/// written as the CSV export writes document values: `null` empty, strings bare, a list of
/// scalars joined by `,`, any other list or object as JSON.
///
/// Serialised as KAZOO's JSON row: an object in column order with KAZOO's JSON types
/// (integers for `duration_seconds` and `billing_seconds`, a list for `media_recordings`,
/// strings elsewhere).
///
/// ```
/// use kazoo_records::cdr::{Cdr, PublicRow, RowOptions};
///
/// let cdr = Cdr::from_json_str(r#"{"call_id": "abc", "timestamp": 63724403408,
///                                  "duration_seconds": 10, "call_direction": "inbound",
///                                  "request": "15553451234@192.168.0.1"}"#)?;
/// let row = cdr.public_row(&RowOptions::default());
/// assert_eq!(row.get("datetime"), Some("2019-05-06_23:09:58"));
/// assert_eq!(row.get("dialed_number"), Some("15553451234"));
/// assert_eq!(row.iter().count(), PublicRow::COLUMNS.len());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicRow {
    values: Vec<String>,
}

/// Every column, the reseller pair last.
pub(crate) const ALL_COLUMNS: [&str; 37] = [
    "id",
    "call_id",
    "caller_id_number",
    "caller_id_name",
    "callee_id_number",
    "callee_id_name",
    "duration_seconds",
    "billing_seconds",
    "timestamp",
    "hangup_cause",
    "other_leg_call_id",
    "owner_id",
    "to",
    "from",
    "direction",
    "request",
    "authorizing_id",
    "cost",
    "dialed_number",
    "calling_from",
    "datetime",
    "unix_timestamp",
    "unix_timestamp_micro",
    "rfc_1036",
    "iso_8601",
    "iso_8601_combined",
    "call_type",
    "rate",
    "rate_name",
    "bridge_id",
    "recording_url",
    "media_recordings",
    "media_server",
    "call_priority",
    "interaction_id",
    "reseller_cost",
    "reseller_call_type",
];

impl PublicRow {
    /// The 35 public columns, in KAZOO's order.
    pub const COLUMNS: &'static [&'static str] = ALL_COLUMNS.split_at(35).0;

    /// The two columns added for resellers.
    pub const RESELLER_COLUMNS: &'static [&'static str] = ALL_COLUMNS.split_at(35).1;

    /// The row's columns: [`COLUMNS`](Self::COLUMNS), then the reseller pair if asked for.
    pub fn columns(&self) -> &'static [&'static str] {
        ALL_COLUMNS.get(..self.values.len()).unwrap_or(&ALL_COLUMNS)
    }

    /// The cells, in column order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The cells, in column order, by value.
    pub fn into_values(self) -> Vec<String> {
        self.values
    }

    /// The cell of `column`, or `None` for a column the row does not have.
    pub fn get(&self, column: &str) -> Option<&str> {
        let index = self.columns().iter().position(|c| *c == column)?;
        self.values.get(index).map(String::as_str)
    }

    /// `(column, cell)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.columns()
            .iter()
            .copied()
            .zip(self.values.iter().map(String::as_str))
    }

    /// The number of columns (35, or 37 with the reseller pair).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always `false`: a row has at least the 35 public columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Cdr {
    /// This CDR as a row of KAZOO's CDR listing (see [`PublicRow`]).
    ///
    /// ```
    /// use kazoo_records::cdr::{Cdr, PublicRow, RowOptions};
    ///
    /// let cdr = Cdr::from_json_str(r#"{"call_id": "abc", "billing_seconds": 7}"#)?;
    /// let row = cdr.public_row(&RowOptions::default());
    /// assert_eq!(row.columns(), PublicRow::COLUMNS);
    /// assert_eq!(row.get("billing_seconds"), Some("7"));
    /// assert_eq!(row.get("datetime"), Some(""));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn public_row(&self, options: &RowOptions) -> PublicRow {
        let mut cells = RowCells::default();
        cells.fill(self, options);
        let mut values = Vec::with_capacity(cells.len());
        values.extend(cells.iter().map(str::to_owned));
        PublicRow { values }
    }
}

impl Serialize for PublicRow {
    /// KAZOO's JSON row: an object in column order, every cell a string except
    /// `duration_seconds` and `billing_seconds` (integers; `""` when the CDR has none) and
    /// `media_recordings` (a list, `[]` when there are none).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (column, value) in self.iter() {
            map.serialize_entry(column, &typed_cell(column, value))?;
        }
        map.end()
    }
}

/// A row as KAZOO's JSON object (what serialising its [`PublicRow`] gives), built from
/// reusable cells.
pub(crate) fn json_row(cdr: &Cdr, options: &RowOptions, cells: &mut RowCells) -> Value {
    cells.fill(cdr, options);
    let mut map = serde_json::Map::with_capacity(cells.len());
    for (column, value) in ALL_COLUMNS.iter().zip(cells.iter()) {
        map.insert((*column).to_owned(), typed_cell(column, value));
    }
    Value::Object(map)
}

/// A cell with KAZOO's JSON type for its column.
fn typed_cell(column: &str, value: &str) -> Value {
    match column {
        "duration_seconds" | "billing_seconds" => match value.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(value),
        },
        "media_recordings" => {
            // An object, or a list that is not of scalars, was written as its JSON: give it
            // back, an object as a list of it (KAZOO's `media_recordings` is always a list).
            if value.starts_with('{') || value.starts_with("[{") || value.starts_with("[[") {
                match serde_json::from_str::<Value>(value) {
                    Ok(list @ Value::Array(_)) => return list,
                    Ok(object @ Value::Object(_)) => return Value::Array(vec![object]),
                    _ => {}
                }
            }
            if value.is_empty() {
                Value::Array(Vec::new())
            } else {
                Value::Array(value.split(',').map(Value::from).collect())
            }
        }
        _ => Value::from(value),
    }
}

/// A row's cells written one after another into one reusable buffer: building a row
/// allocates nothing once the buffer has grown (the CSV writer keeps one for every row).
#[derive(Debug, Default)]
pub(crate) struct RowCells {
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
    /// The cells to write, a bit per column (the others are left empty).
    wanted: u64,
}

impl RowCells {
    /// Replaces the cells with those of `cdr`'s row.
    pub fn fill(&mut self, cdr: &Cdr, options: &RowOptions) {
        self.fill_only(cdr, options, u64::MAX);
    }

    /// Replaces the cells with those of `cdr`'s row, writing only the cells of the columns
    /// whose bit is set in `wanted` (bit `i` for column `i`) and leaving the others empty.
    pub fn fill_only(&mut self, cdr: &Cdr, options: &RowOptions, wanted: u64) {
        self.text.clear();
        self.ends.clear();
        self.wanted = wanted;
        write_cells(self, cdr, options);
    }

    /// How many cells the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The cell at `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        self.text.get(start..end)
    }

    /// The cells, in column order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = self.text.get(start..end).unwrap_or_default();
            start = end;
            cell
        })
    }

    /// Whether the next cell is to be written.
    fn next_wanted(&self) -> bool {
        self.ends.len() >= 64 || self.wanted & (1 << self.ends.len()) != 0
    }
}

impl CellSink for RowCells {
    fn push(&mut self, cell: &str) {
        if self.next_wanted() {
            self.text.push_str(cell);
        }
        self.ends.push(self.text.len());
    }

    fn number(&mut self, n: Option<i64>) {
        if let Some(n) = n.filter(|_| self.next_wanted()) {
            crate::decimal::push_i64(&mut self.text, n);
        }
        self.ends.push(self.text.len());
    }

    fn with<T>(&mut self, _kind: Cell, write: impl FnOnce(&mut String) -> T) {
        if self.next_wanted() {
            write(&mut self.text);
        }
        self.ends.push(self.text.len());
    }
}

/// What a row's cells are written into, one after another in column order: the reusable
/// [`RowCells`], or a CSV line directly.
pub(crate) trait CellSink {
    /// A cell of text.
    fn push(&mut self, cell: &str);
    /// A cell holding an integer, or empty.
    fn number(&mut self, n: Option<i64>);
    /// A cell that `write` appends to the text; `kind` says what it may hold.
    fn with<T>(&mut self, kind: Cell, write: impl FnOnce(&mut String) -> T);
}

/// What a cell written by [`CellSink::with`] may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Digits, signs, `.`, `:`, `-`, `_`, `T`, `Z` and spaces only (numbers, amounts, dates):
    /// never a byte that CSV quotes.
    Plain,
    /// Any text.
    Text,
}

/// Writes `cdr`'s public-row cells into `sink`, in column order.
pub(crate) fn write_cells<S: CellSink>(sink: &mut S, cdr: &Cdr, options: &RowOptions) {
    let vars = cdr.channel_vars();
    let start = cdr.start_time();

    sink.push(cdr.document_id().unwrap_or_default());
    sink.push(&cdr.call_id);
    sink.push(text(&cdr.caller_id_number));
    sink.push(text(&cdr.caller_id_name));
    sink.push(text(&cdr.callee_id_number));
    sink.push(text(&cdr.callee_id_name));
    sink.number(cdr.duration_seconds);
    sink.number(cdr.billing_seconds);
    sink.number(start.map(|s| s.0));
    sink.push(text(&cdr.hangup_cause));
    sink.push(text(&cdr.other_leg_call_id));
    sink.push(text(&vars.owner_id));
    sink.push(text(&cdr.to));
    sink.push(text(&cdr.from));
    sink.push(cdr.call_direction.as_ref().map_or("", |d| d.as_str()));
    sink.push(text(&cdr.request));
    sink.push(authorizing_id(
        vars.account_id.as_deref(),
        vars.authorizing_id.as_deref(),
    ));
    sink.with(Cell::Plain, |out| {
        crate::decimal::push_i64(out, cdr.customer_cost().0)
    });
    sink.push(dialed_number(cdr));
    sink.push(calling_from(cdr));
    let offset = options.utc_offset.unwrap_or(UtcOffset::UTC);
    sink.with(Cell::Plain, |out| {
        start.inspect(|s| s.write_pretty(offset, out))
    });
    sink.number(start.map(|s| s.to_unix().0));
    let micros = cdr
        .channel_created_time
        .or_else(|| start.map(UnixMicros::from_gregorian));
    sink.with(Cell::Plain, |out| {
        if let Some(micros) = micros {
            // KAZOO's float: six decimals at most, trailing zeros dropped, one kept.
            micros.write_decimal_seconds(out);
            while out.ends_with('0') && !out.ends_with(".0") {
                out.pop();
            }
        }
    });
    sink.with(Cell::Text, |out| start.inspect(|s| s.write_rfc1036(out)));
    sink.with(Cell::Plain, |out| {
        start.inspect(|s| s.write_iso8601_date(out))
    });
    sink.with(Cell::Plain, |out| {
        start.inspect(|s| s.write_iso8601(UtcOffset::UTC, out))
    });
    sink.push(text(&vars.account_billing));
    sink.with(Cell::Plain, |out| {
        vars.rate.unwrap_or_default().write_dollars(out)
    });
    sink.push(text(&vars.rate_name));
    sink.push(text(&vars.bridge_id));
    sink.push(text(&cdr.recording_url));
    sink.with(Cell::Text, |out| media_recordings(cdr, out));
    sink.push(text(&cdr.media_server));
    sink.with(Cell::Text, |out| call_priority(cdr, out));
    sink.push(cdr.interaction().map_or("", |id| id.as_str()));
    if options.reseller {
        sink.with(Cell::Plain, |out| {
            crate::decimal::push_i64(out, cdr.reseller_cost().0)
        });
        sink.push(text(&vars.reseller_billing));
    }
}

/// KAZOO leaves `authorizing_id` empty when the account authorised its own call.
fn authorizing_id<'a>(account_id: Option<&str>, authorizing_id: Option<&'a str>) -> &'a str {
    match authorizing_id {
        Some(id) if Some(id) != account_id => id,
        _ => "",
    }
}

/// The user part (before `@`) of a SIP address.
fn user_part(address: Option<&str>) -> &str {
    let address = address.unwrap_or_default();
    address.split('@').next().unwrap_or(address)
}

/// Inbound: the user part of the request URI; outbound: the user part of `to`.
fn dialed_number(cdr: &Cdr) -> &str {
    match cdr.call_direction {
        Some(CallDirection::Inbound) => user_part(cdr.request.as_deref()),
        Some(CallDirection::Outbound) => user_part(cdr.to.as_deref()),
        _ => "",
    }
}

/// Inbound: the caller id number; outbound: the user part of the From URI.
fn calling_from(cdr: &Cdr) -> &str {
    match cdr.call_direction {
        Some(CallDirection::Inbound) => cdr.caller_id_number.as_deref().unwrap_or_default(),
        Some(CallDirection::Outbound) => user_part(cdr.from_uri.as_deref()),
        _ => "",
    }
}

/// `media_recordings`, else the channel variable of that name (KAZOO's source), joined by `,`.
fn media_recordings(cdr: &Cdr, out: &mut String) {
    match &cdr.media_recordings {
        Some(recordings) => join_into(recordings.iter().map(String::as_str), out),
        None => {
            if let Some(value) = small_get(&cdr.channel_vars().extra, "media_recordings") {
                write_json_cell(value, out);
            }
        }
    }
}

/// The channel variable `call_priority` (KAZOO's source), else the document's.
fn call_priority(cdr: &Cdr, out: &mut String) {
    let value =
        small_get(&cdr.channel_vars().extra, "call_priority").or(cdr.call_priority.as_ref());
    if let Some(value) = value {
        write_json_cell(value, out);
    }
}

/// `map.get(key)`, by comparing the keys of a small map (a few channel variables) rather
/// than hashing `key`, as a map with `preserve_order` would.
fn small_get<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() > 16 {
        return map.get(key);
    }
    map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

/// A JSON value as cell text, as the public row and the CSV export write it: `null` empty,
/// strings bare, a list of scalars with its items joined by `,` (strings bare, `null` empty),
/// any other list, objects, numbers and booleans as JSON (so `[{"a":1}]` keeps its brackets).
pub(crate) fn write_json_cell(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::String(s) => out.push_str(s),
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_cell(item, out);
            }
        }
        other => {
            // Writing to a `String` cannot fail.
            let _ = write!(out, "{other}");
        }
    }
}

/// An optional text field as cell text.
fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

fn join_into<'a>(parts: impl Iterator<Item = &'a str>, out: &mut String) {
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_column_gets_exactly_one_cell() {
        let mut cells = RowCells::default();
        let cdr = Cdr::new("call");
        cells.fill(&cdr, &RowOptions::new());
        assert_eq!(cells.len(), PublicRow::COLUMNS.len());
        cells.fill(&cdr, &RowOptions::new().reseller(true));
        assert_eq!(cells.len(), ALL_COLUMNS.len());
        assert_eq!(cells.get(1), Some("call"));
        assert_eq!(cells.get(ALL_COLUMNS.len()), None);
    }

    #[test]
    fn only_the_wanted_cells_are_written() {
        let cdr = Cdr::from_json_str(include_str!(
            "../../tests/fixtures/kazoo/channel_destroy_inbound.json"
        ))
        .unwrap();
        let options = RowOptions::new().reseller(true);
        let mut all = RowCells::default();
        all.fill(&cdr, &options);
        for wanted in [
            0u64,
            1,
            1 << 20 | 1 << 17,
            1 << 36 | 1 << 35 | 1 << 31,
            u64::MAX,
        ] {
            let mut some = RowCells::default();
            some.fill_only(&cdr, &options, wanted);
            assert_eq!(some.len(), all.len());
            for i in 0..all.len() {
                let expected = if wanted & (1 << i) != 0 {
                    all.get(i)
                } else {
                    Some("")
                };
                assert_eq!(some.get(i), expected, "column {i} of {wanted:b}");
            }
        }
    }

    #[test]
    fn json_cells_join_scalar_lists_and_keep_other_json() {
        let cell = |value: Value| {
            let mut out = String::from("before|");
            write_json_cell(&value, &mut out);
            out
        };
        assert_eq!(cell(json!(null)), "before|");
        assert_eq!(cell(json!("a,b")), "before|a,b");
        assert_eq!(
            cell(json!(["a", 1, true, null, 1.5])),
            "before|a,1,true,,1.5"
        );
        assert_eq!(cell(json!([])), "before|");
        assert_eq!(cell(json!([{"a": 1}])), r#"before|[{"a":1}]"#);
        assert_eq!(cell(json!(["x", ["y"]])), r#"before|["x",["y"]]"#);
        assert_eq!(cell(json!({"k": "v"})), r#"before|{"k":"v"}"#);
        assert_eq!(cell(json!(-7)), "before|-7");
    }

    #[test]
    fn cells_are_split_where_they_were_written() {
        let mut cdr = Cdr::new("é-call");
        cdr.media_server = Some("ü".into());
        cdr.media_recordings = Some(vec!["a".into(), "b".into()]);
        let mut cells = RowCells::default();
        cells.fill(&cdr, &RowOptions::new());
        let index = |column: &str| {
            PublicRow::COLUMNS
                .iter()
                .position(|c| *c == column)
                .unwrap()
        };
        assert_eq!(cells.get(index("call_id")), Some("é-call"));
        assert_eq!(cells.get(index("media_recordings")), Some("a,b"));
        assert_eq!(cells.get(index("media_server")), Some("ü"));
        assert_eq!(cells.get(index("datetime")), Some(""));
    }
}
