//! The public row of a CDR: the columns KAZOO's CDR listing and CSV export show, in order.

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::direction::CallDirection;
use super::record::Cdr;
use crate::time::{GregorianSeconds, UnixMicros, UtcOffset};

/// How to build a [`PublicRow`]: whether to add the reseller columns, and the UTC offset of
/// the `datetime` column.
///
/// ```
/// use kazoo_records::cdr::RowOptions;
/// use kazoo_records::time::UtcOffset;
///
/// let options = RowOptions::new().reseller(true).utc_offset(UtcOffset::parse("-05:00")?);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct RowOptions {
    /// Add `reseller_cost` and `reseller_call_type` (KAZOO adds them for resellers).
    pub reseller: bool,
    /// Shift the `datetime` column to this offset (KAZOO's `utc_seconds_offset`); UTC when
    /// `None`. The other time columns stay in UTC, as in KAZOO.
    pub utc_offset: Option<UtcOffset>,
}

impl RowOptions {
    /// The 35 public columns, `datetime` in UTC.
    pub fn new() -> Self {
        RowOptions::default()
    }

    /// Whether to add the two reseller columns.
    pub fn reseller(mut self, reseller: bool) -> Self {
        self.reseller = reseller;
        self
    }

    /// The offset of the `datetime` column.
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
/// units ([`Units`](super::Units)), `rate` in dollars, as KAZOO writes them.
///
/// Serialised as a JSON object of strings in column order.
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
const ALL_COLUMNS: [&str; 37] = [
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

    /// The row of `cdr`.
    pub fn new(cdr: &Cdr, options: &RowOptions) -> Self {
        PublicRow {
            values: cells(cdr, options)
                .into_iter()
                .map(Cow::into_owned)
                .collect(),
        }
    }

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
    pub fn public_row(&self, options: &RowOptions) -> PublicRow {
        PublicRow::new(self, options)
    }
}

impl Serialize for PublicRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (column, value) in self.iter() {
            map.serialize_entry(column, value)?;
        }
        map.end()
    }
}

/// The cells of `cdr`'s row, borrowing what the CDR holds as is (for writers that need no
/// owned row).
pub(crate) fn cells<'a>(cdr: &'a Cdr, options: &RowOptions) -> Vec<Cow<'a, str>> {
    let vars = cdr.channel_vars();
    let start = cdr.start_time();
    let text =
        |value: Option<&'a String>| value.map_or(Cow::Borrowed(""), |v| Cow::Borrowed(v.as_str()));
    let number =
        |value: Option<i64>| value.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string()));
    let at_start = |format: fn(GregorianSeconds) -> String| {
        start.map_or(Cow::Borrowed(""), |s| Cow::Owned(format(s)))
    };

    let mut values = Vec::with_capacity(ALL_COLUMNS.len());
    values.extend([
        Cow::Borrowed(cdr.document_id().unwrap_or_default()),
        Cow::Borrowed(cdr.call_id.as_str()),
        text(cdr.caller_id_number.as_ref()),
        text(cdr.caller_id_name.as_ref()),
        text(cdr.callee_id_number.as_ref()),
        text(cdr.callee_id_name.as_ref()),
        number(cdr.duration_seconds),
        number(cdr.billing_seconds),
        number(start.map(|s| s.0)),
        text(cdr.hangup_cause.as_ref()),
        text(cdr.other_leg_call_id.as_ref()),
        text(vars.owner_id.as_ref()),
        text(cdr.to.as_ref()),
        text(cdr.from.as_ref()),
        Cow::Borrowed(cdr.call_direction.as_ref().map_or("", |d| d.as_str())),
        text(cdr.request.as_ref()),
        Cow::Borrowed(authorizing_id(
            vars.account_id.as_deref(),
            vars.authorizing_id.as_deref(),
        )),
        Cow::Owned(cdr.customer_cost().0.to_string()),
        Cow::Borrowed(dialed_number(cdr)),
        Cow::Borrowed(calling_from(cdr)),
        start.map_or(Cow::Borrowed(""), |s| {
            Cow::Owned(datetime(s, options.utc_offset))
        }),
        number(start.map(|s| s.to_unix().0)),
        unix_timestamp_micro(cdr.channel_created_time(), start),
        at_start(GregorianSeconds::rfc1036),
        at_start(GregorianSeconds::iso8601_date),
        at_start(GregorianSeconds::iso8601),
        text(vars.account_billing.as_ref()),
        vars.rate
            .map_or(Cow::Borrowed(""), |rate| Cow::Owned(rate.dollars_string())),
        text(vars.rate_name.as_ref()),
        text(vars.bridge_id.as_ref()),
        text(cdr.recording_url.as_ref()),
        media_recordings(cdr),
        text(cdr.media_server.as_ref()),
        call_priority(cdr),
        cdr.interaction()
            .map_or(Cow::Borrowed(""), |id| Cow::Borrowed(id.as_str())),
    ]);
    if options.reseller {
        values.push(Cow::Owned(cdr.reseller_cost().0.to_string()));
        values.push(text(vars.reseller_billing.as_ref()));
    }
    values
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

fn datetime(start: GregorianSeconds, offset: Option<UtcOffset>) -> String {
    match offset {
        Some(offset) => start.pretty_with_offset(offset),
        None => start.pretty(),
    }
}

/// The channel's creation time to the microsecond, else the start second.
fn unix_timestamp_micro(
    created: Option<UnixMicros>,
    start: Option<GregorianSeconds>,
) -> Cow<'static, str> {
    created
        .or_else(|| start.map(UnixMicros::from_gregorian))
        .map_or(Cow::Borrowed(""), |t| Cow::Owned(t.decimal_seconds()))
}

/// `media_recordings`, else the channel variable of that name (KAZOO's source), joined by `,`.
fn media_recordings(cdr: &Cdr) -> Cow<'_, str> {
    if let Some(recordings) = &cdr.media_recordings {
        return match recordings.as_slice() {
            [one] => Cow::Borrowed(one.as_str()),
            many => Cow::Owned(many.join(",")),
        };
    }
    cdr.channel_vars()
        .extra
        .get("media_recordings")
        .map_or(Cow::Borrowed(""), scalar_text)
}

/// The channel variable `call_priority` (KAZOO's source), else the document's.
fn call_priority(cdr: &Cdr) -> Cow<'_, str> {
    cdr.channel_vars()
        .extra
        .get("call_priority")
        .or(cdr.call_priority.as_ref())
        .map_or(Cow::Borrowed(""), scalar_text)
}

/// A JSON value as cell text: strings bare, lists of scalars joined by `,`, null empty.
fn scalar_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::String(s) => Cow::Borrowed(s),
        Value::Array(items) => {
            Cow::Owned(items.iter().map(scalar_text).collect::<Vec<_>>().join(","))
        }
        other => Cow::Owned(other.to_string()),
    }
}
