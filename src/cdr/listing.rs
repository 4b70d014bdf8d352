//! [`ListingQuery`]: one crossbar CDR listing request (`GET /v2/accounts/{A}/cdrs?…`), parsed
//! from its query string, listed over a slice, a store or interactions, and answered in
//! KAZOO's shapes.

use std::borrow::Borrow;
#[cfg(feature = "csv")]
use std::io;

use serde_json::{Map, Value};

use super::filter::{Filters, fnv1a, parse_gregorian};
use super::interaction::Interaction;
use super::pagination::cursor::Listing;
use super::pagination::request::Window;
use super::pagination::{OrderedStore, Page, PageRequest, SortOrder, slice, store};
use super::record::Cdr;
use super::row::{RowCells, RowOptions, json_row};
use crate::Error;
use crate::error::show_str;
use crate::time::{GregorianSeconds, UtcOffset};

/// One crossbar CDR listing request: the page, the filters, the owner and the response's
/// form, read from KAZOO's query-string parameters.
///
/// | parameter | meaning |
/// |---|---|
/// | `created_from`, `created_to` | the listing-time range, Gregorian seconds, inclusive (defaults: to = now, from = to − `max_range`) |
/// | `page_size` | items per page, 1 to the maximum page size (default 50, maximum 1000) |
/// | `paginate=false` | every item of the range on one page, without paging keys |
/// | `start_key` | the `next_start_key` of the previous page |
/// | `ascending`, `descending` | KAZOO's rule: `descending=true` or `ascending=false` lists newest first; any other `ascending` value oldest first; neither: newest first |
/// | `utc_offset` | seconds east of UTC (`-18000`), for the rows' `datetime` only |
/// | `accept=csv` | the host should answer with [`write_csv`](Self::write_csv) |
/// | `file_name` | the CSV's file name (see [`file_name`](Self::file_name)) |
/// | every [`Filters`] key | `filter_<path>`, `filter_not_`, `filter_any_`, `filter_none_`, `filter_array_intersect_{all,any,none}_`, `has_key`, `key_missing`, `has_value`, `value_missing`/`missing_value`, `modified_from`, `modified_to` |
///
/// As KAZOO's CDR listing does, a value of a key ending in `call_id` that starts with
/// `YYYYMM-` (a CDR id) has that prefix removed (`filter_call_id=201905-abc` filters on
/// `abc`). Unknown keys are ignored; for a parameter given twice the last value stands,
/// while filters add up.
///
/// Filters are applied inside pagination: a page holds `page_size` matching items unless the
/// range is exhausted. The cursor a page returns is bound to everything that decides the rows
/// and their order: the listing (CDRs or interactions), the order, the range, the filters
/// and the owner. Replayed under another query, it is an
/// [`ErrorKind::Cursor`](crate::ErrorKind::Cursor) error, never a silently different page.
///
/// ```
/// use kazoo_records::cdr::{Cdr, ListingQuery};
/// use kazoo_records::time::GregorianSeconds;
///
/// let cdrs: Vec<Cdr> = (0..6_i64)
///     .map(|i| serde_json::json!({
///         "call_id": format!("c{i}"),
///         "timestamp": 63_724_403_400 + i,
///         "call_direction": if i % 2 == 0 { "inbound" } else { "outbound" },
///     }))
///     .map(|json| Cdr::from_json_value(&json))
///     .collect::<Result<_, _>>()?;
/// let now = GregorianSeconds(63_724_403_500);
///
/// let query = ListingQuery::from_query_string("page_size=2&filter_call_direction=inbound&ascending=true")?;
/// let first = query.list(&cdrs, now)?;
/// assert_eq!(first.items.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(), ["c0", "c2"]);
///
/// let cursor = first.next_start_key.clone().expect("c4 follows");
/// let next = ListingQuery::from_pairs([("page_size", "2"), ("filter_call_direction", "inbound"),
///                                      ("ascending", "true"), ("start_key", cursor.as_str())])?;
/// let second = next.list(&cdrs, now)?;
/// assert_eq!(second.items.len(), 1);
/// assert!(second.is_last());
///
/// // The same cursor under other filters is refused.
/// let other = ListingQuery::from_pairs([("ascending", "true"), ("start_key", cursor.as_str())])?;
/// assert_eq!(other.list(&cdrs, now).unwrap_err().kind(), kazoo_records::ErrorKind::Cursor);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingQuery {
    request: PageRequest,
    paginate: bool,
    filters: Filters,
    owner: Option<String>,
    utc_offset: Option<UtcOffset>,
    accept_csv: bool,
    file_name: Option<String>,
    reseller: bool,
}

impl Default for ListingQuery {
    fn default() -> Self {
        ListingQuery {
            request: PageRequest::new(),
            paginate: true,
            filters: Filters::new(),
            owner: None,
            utc_offset: None,
            accept_csv: false,
            file_name: None,
            reseller: false,
        }
    }
}

/// The CSV file name when neither the header nor the query names one.
const DEFAULT_FILE_NAME: &str = "result.csv";

impl ListingQuery {
    /// The first page of 50, newest first, over the default range, unfiltered.
    pub fn new() -> Self {
        ListingQuery::default()
    }

    /// Reads a raw query string (`created_from=63910000000&page_size=25&…`, with or without
    /// a leading `?`), percent-decoding keys and values (`+` is a space) as HTML forms do; a
    /// key without `=` has the value `true`, as crossbar sees it.
    ///
    /// ```
    /// use kazoo_records::cdr::{ListingQuery, SortOrder};
    ///
    /// let query = ListingQuery::from_query_string("?page_size=25&descending=true&utc_offset=-18000")?;
    /// assert_eq!(query.get_page_size(), 25);
    /// assert_eq!(query.get_order(), SortOrder::Descending);
    /// assert_eq!(query.get_utc_offset().map(|o| o.seconds()), Some(-18_000));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`from_pairs`](Self::from_pairs).
    pub fn from_query_string(raw: &str) -> Result<ListingQuery, Error> {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        let pairs = raw
            .split('&')
            .filter(|part| !part.is_empty())
            .flat_map(|part| {
                // A bare key reaches crossbar as `true` (cowboy's reading of `?key`).
                let bare = !part.contains('=');
                form_urlencoded::parse(part.as_bytes()).map(move |(key, value)| {
                    let value = if bare { "true".into() } else { value };
                    (key, value)
                })
            });
        ListingQuery::from_pairs(pairs)
    }

    /// Reads decoded `(key, value)` query pairs.
    ///
    /// ```
    /// use kazoo_records::cdr::ListingQuery;
    ///
    /// let query = ListingQuery::from_pairs([("paginate", "false"), ("accept", "csv")])?;
    /// assert!(!query.get_paginate());
    /// assert!(query.get_accept_csv());
    /// let err = ListingQuery::from_pairs([("page_size", "many")]).unwrap_err();
    /// assert_eq!(err.path(), "page_size");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An error whose path is the parameter: [`ErrorKind::Invalid`](crate::ErrorKind::Invalid)
    /// for a `page_size`, `created_from`, `created_to`, `paginate`, `utc_offset` that is not
    /// of its form, or a malformed filter (see [`Filters`]);
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) for a number past its type's
    /// range.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<ListingQuery, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = ListingQuery::new();
        let mut ascending: Option<String> = None;
        let mut descending: Option<String> = None;
        let mut filters: Vec<(String, String)> = Vec::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            let at = |e: Error| e.within(key);
            match key {
                "created_from" => {
                    query.request = query
                        .request
                        .created_from(parse_gregorian(value).map_err(at)?);
                }
                "created_to" => {
                    query.request = query
                        .request
                        .created_to(parse_gregorian(value).map_err(at)?);
                }
                "page_size" => {
                    query.request = query.request.page_size(page_size(value).map_err(at)?)
                }
                "paginate" => query.paginate = boolean(value).map_err(at)?,
                "start_key" => query.request = query.request.start_key(value),
                "ascending" => ascending = Some(value.to_owned()),
                "descending" => descending = Some(value.to_owned()),
                "utc_offset" => {
                    query.utc_offset = Some(UtcOffset::parse_seconds(value).map_err(at)?);
                }
                "accept" => {
                    query.accept_csv =
                        value.eq_ignore_ascii_case("csv") || value.eq_ignore_ascii_case("text/csv");
                }
                "file_name" => query.file_name = Some(value.to_owned()),
                _ => filters.push((key.to_owned(), strip_cdr_id_prefix(key, value).to_owned())),
            }
        }
        let descending = descending.as_deref() == Some("true")
            || ascending.as_deref().is_none_or(|a| a == "false");
        query.request = query.request.order(if descending {
            SortOrder::Descending
        } else {
            SortOrder::Ascending
        });
        query.filters = Filters::from_query(filters)?;
        Ok(query)
    }

    /// Only the CDRs of this user (`users/{U}/cdrs`): `custom_channel_vars.owner_id` is
    /// `user`; for interactions, that of the A leg.
    pub fn owner(mut self, user: impl Into<String>) -> Self {
        self.owner = Some(user.into());
        self
    }

    /// The largest page size accepted (the host's limit; default 1000).
    pub fn max_page_size(mut self, max: usize) -> Self {
        self.request = self.request.max_page_size(max);
        self
    }

    /// The widest range accepted, in seconds (the host's limit; default 2 682 000).
    pub fn max_range(mut self, seconds: i64) -> Self {
        self.request = self.request.max_range(seconds);
        self
    }

    /// Whether the rows carry the reseller columns (KAZOO adds them for a reseller's
    /// request; default `false`).
    pub fn reseller(mut self, reseller: bool) -> Self {
        self.reseller = reseller;
        self
    }

    /// The page request (size, order, range, cursor) this query lists with.
    pub fn get_request(&self) -> &PageRequest {
        &self.request
    }

    /// The requested page size.
    pub fn get_page_size(&self) -> usize {
        self.request.get_page_size()
    }

    /// The listing order.
    pub fn get_order(&self) -> SortOrder {
        self.request.get_order()
    }

    /// Whether the listing is paged (`paginate=false` turns it off).
    pub fn get_paginate(&self) -> bool {
        self.paginate
    }

    /// The filters.
    pub fn get_filters(&self) -> &Filters {
        &self.filters
    }

    /// The owner the listing is restricted to.
    pub fn get_owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The UTC offset of the rows' `datetime` column.
    pub fn get_utc_offset(&self) -> Option<UtcOffset> {
        self.utc_offset
    }

    /// Whether `accept=csv` asked for CSV.
    pub fn get_accept_csv(&self) -> bool {
        self.accept_csv
    }

    /// The options the rows of this query's responses are built with.
    pub fn row_options(&self) -> RowOptions {
        let options = RowOptions::new().reseller(self.reseller);
        match self.utc_offset {
            Some(offset) => options.utc_offset(offset),
            None => options,
        }
    }

    /// Whether a CDR passes this query's owner and filters (not its time range).
    pub fn keeps(&self, cdr: &Cdr) -> bool {
        self.owner
            .as_deref()
            .is_none_or(|owner| cdr.channel_vars().owner_id.as_deref() == Some(owner))
            && self.filters.matches(cdr)
    }

    /// The fingerprint of what, besides order and range, decides the rows: 0 for none.
    fn scope(&self) -> u64 {
        if self.filters.is_empty() && self.owner.is_none() {
            return 0;
        }
        let mut bytes = self.filters.fingerprint().to_be_bytes().to_vec();
        if let Some(owner) = &self.owner {
            bytes.push(1);
            bytes.extend_from_slice(owner.as_bytes());
        }
        fnv1a(&bytes).max(1)
    }

    fn window(&self, listing: Listing, now: GregorianSeconds) -> Result<Window, Error> {
        self.request
            .resolve_scoped(listing, self.scope(), self.paginate, now)
    }

    fn finish<T>(&self, mut page: Page<T>) -> Page<T> {
        if !self.paginate {
            page.page_size = page.items.len();
            page.start_key = None;
        }
        page
    }

    /// One page of the CDRs of a slice that pass the filters and owner, in listing order
    /// (by [`Cdr::listing_key`]).
    ///
    /// One scan of the slice per page, checking the range and the cursor before the
    /// filters; the page is kept in a bounded heap (O(n log page_size)).
    ///
    /// # Errors
    ///
    /// As [`paginate`](super::paginate), and a cursor issued under other filters or another
    /// owner is [`ErrorKind::Cursor`](crate::ErrorKind::Cursor).
    pub fn list<'a>(&self, cdrs: &'a [Cdr], now: GregorianSeconds) -> Result<Page<&'a Cdr>, Error> {
        let window = self.window(Listing::Cdrs, now)?;
        let page = slice::page_cdrs(cdrs, &self.request, &window, |cdr| self.keeps(cdr));
        Ok(self.finish(page))
    }

    /// One page of a host store's CDRs that pass the filters and owner.
    ///
    /// The store is read from the cursor on, in batches that grow while the filters refuse
    /// rows, until the page is full or the range ends; every row is read once, so a page
    /// costs the rows it reads, the 10 000th as the first.
    ///
    /// # Errors
    ///
    /// As [`list`](Self::list); the store's errors, and
    /// [`ErrorKind::Store`](crate::ErrorKind::Store) for rows out of order.
    pub fn list_store<S>(&self, store: &S, now: GregorianSeconds) -> Result<Page<S::Row>, Error>
    where
        S: OrderedStore + ?Sized,
        S::Row: Borrow<Cdr>,
    {
        let window = self.window(Listing::Cdrs, now)?;
        let page = store::page_store(store, &self.request, &window, |row| {
            self.keeps(row.borrow())
        })?;
        Ok(self.finish(page))
    }

    /// One page of interactions (whole calls) whose A leg passes the filters and owner, as
    /// KAZOO's interaction listing filters them.
    ///
    /// `interactions` must be in listing order, as
    /// [`group_interactions`](super::group_interactions) returns them; the range and the
    /// cursor are found by binary search and the filters read interactions only until the
    /// page is full.
    ///
    /// # Errors
    ///
    /// As [`list`](Self::list); a cursor from a CDR listing is
    /// [`ErrorKind::Cursor`](crate::ErrorKind::Cursor) here.
    pub fn list_interactions<'i, 'a>(
        &self,
        interactions: &'i [Interaction<'a>],
        now: GregorianSeconds,
    ) -> Result<Page<&'i Interaction<'a>>, Error> {
        let window = self.window(Listing::Interactions, now)?;
        let page = slice::page_interactions(interactions, &self.request, &window, |call| {
            call.representative().is_some_and(|leg| self.keeps(leg))
        });
        Ok(self.finish(page))
    }

    /// KAZOO's JSON answer for a page: `{"data": [rows], "page_size": n, "start_key": s,
    /// "next_start_key": s, "status": "success"}`, integers as integers.
    ///
    /// `start_key` is absent on the first page and `next_start_key` on the last; with
    /// `paginate=false` only `data` and `status` are written. Rows are
    /// [`Cdr::public_row`]s with KAZOO's JSON types (see [`PublicRow`](super::PublicRow)'s
    /// serialisation) and this query's [`row_options`](Self::row_options); an interaction
    /// gives the rows of its legs, in leg order.
    ///
    /// ```
    /// use kazoo_records::cdr::{Cdr, ListingQuery};
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// let cdrs = vec![Cdr::from_json_str(r#"{"call_id": "a", "timestamp": 63724403408, "billing_seconds": "7"}"#)?];
    /// let query = ListingQuery::from_query_string("page_size=10")?;
    /// let body = query.respond(&query.list(&cdrs, GregorianSeconds(63_724_403_500))?);
    /// assert_eq!(body["page_size"], 10);
    /// assert_eq!(body["status"], "success");
    /// assert_eq!(body["data"][0]["billing_seconds"], 7);
    /// assert!(body.get("next_start_key").is_none());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn respond<T: ListingItem>(&self, page: &Page<T>) -> Value {
        let options = self.row_options();
        let mut cells = RowCells::default();
        let mut data = Vec::with_capacity(page.items.len());
        for item in &page.items {
            item.for_each_cdr(&mut |cdr| data.push(json_row(cdr, &options, &mut cells)));
        }
        let mut body = Map::new();
        body.insert("data".to_owned(), Value::Array(data));
        if self.paginate {
            body.insert("page_size".to_owned(), Value::from(page.page_size));
            if let Some(key) = &page.start_key {
                body.insert("start_key".to_owned(), Value::from(key.as_str()));
            }
            if let Some(key) = &page.next_start_key {
                body.insert("next_start_key".to_owned(), Value::from(key.as_str()));
            }
        }
        body.insert("status".to_owned(), Value::from("success"));
        Value::Object(body)
    }

    /// Writes a page as KAZOO's CSV listing: a header row, then one row per CDR (an
    /// interaction's legs in leg order), RFC 4180 quoting.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the writer fails.
    #[cfg(feature = "csv")]
    #[cfg_attr(docsrs, doc(cfg(feature = "csv")))]
    pub fn write_csv<W: io::Write, T: ListingItem>(
        &self,
        writer: W,
        page: &Page<T>,
    ) -> Result<(), Error> {
        let options = super::csv::CsvOptions::new().row_options(self.row_options());
        let mut csv = super::csv::CsvWriter::new(writer, &options)?;
        let mut failed = None;
        for item in &page.items {
            item.for_each_cdr(&mut |cdr| {
                if failed.is_none() {
                    failed = csv.write(cdr).err();
                }
            });
        }
        match failed {
            Some(error) => Err(error),
            None => csv.finish().map(drop),
        }
    }

    /// The CSV download's file name: the `X-File-Name` header (pass it, or `None`), else the
    /// `file_name` parameter, else `result.csv`; only the last path segment, so that no
    /// name climbs out of a directory.
    ///
    /// ```
    /// use kazoo_records::cdr::ListingQuery;
    ///
    /// let query = ListingQuery::from_query_string("file_name=../../etc/march.csv")?;
    /// assert_eq!(query.file_name(None), "march.csv");
    /// assert_eq!(query.file_name(Some("mine.csv")), "mine.csv");
    /// assert_eq!(ListingQuery::new().file_name(None), "result.csv");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn file_name(&self, header: Option<&str>) -> String {
        [header, self.file_name.as_deref()]
            .into_iter()
            .flatten()
            .map(basename)
            .find(|name| !name.is_empty() && *name != "." && *name != "..")
            .unwrap_or(DEFAULT_FILE_NAME)
            .to_owned()
    }
}

/// What a listing page holds that [`ListingQuery::respond`] and
/// [`ListingQuery::write_csv`] can write: CDRs (one row each) and interactions (a row per leg).
pub trait ListingItem {
    /// Calls `f` with each CDR the item is written as, in order.
    fn for_each_cdr<'s>(&'s self, f: &mut dyn FnMut(&'s Cdr));
}

impl ListingItem for Cdr {
    fn for_each_cdr<'s>(&'s self, f: &mut dyn FnMut(&'s Cdr)) {
        f(self);
    }
}

impl ListingItem for Interaction<'_> {
    fn for_each_cdr<'s>(&'s self, f: &mut dyn FnMut(&'s Cdr)) {
        for leg in &self.legs {
            f(leg);
        }
    }
}

impl<T: ListingItem + ?Sized> ListingItem for &T {
    fn for_each_cdr<'s>(&'s self, f: &mut dyn FnMut(&'s Cdr)) {
        (**self).for_each_cdr(f);
    }
}

/// The last `/`- or `\`-separated segment.
fn basename(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim()
}

/// `page_size`: a whole number (its bounds are checked when the query lists).
fn page_size(value: &str) -> Result<usize, Error> {
    use std::num::IntErrorKind;
    value.parse::<usize>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => Error::out_of_range(show_str(value), "1 to 1000"),
        _ => Error::invalid(show_str(value), "a page size", "a whole number such as 50"),
    })
}

/// `true` or `false`.
fn boolean(value: &str) -> Result<bool, Error> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::invalid(
            show_str(value),
            "a boolean",
            "true or false",
        )),
    }
}

/// KAZOO's `fix_qs_filter_keys`: a `YYYYMM-` CDR-id prefix is removed from the value of a
/// key ending in `call_id`.
fn strip_cdr_id_prefix<'v>(key: &str, value: &'v str) -> &'v str {
    if !key.ends_with("call_id") {
        return value;
    }
    let bytes = value.as_bytes();
    let prefixed = bytes.len() > 7 && bytes[..6].iter().all(u8::is_ascii_digit) && bytes[6] == b'-';
    if prefixed { &value[7..] } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdr_id_prefixes_are_stripped_from_call_id_keys_only() {
        assert_eq!(strip_cdr_id_prefix("filter_call_id", "201905-abc"), "abc");
        assert_eq!(
            strip_cdr_id_prefix("filter_other_leg_call_id", "201905-abc"),
            "abc"
        );
        assert_eq!(
            strip_cdr_id_prefix("filter_call_id", "20190-abc"),
            "20190-abc"
        );
        assert_eq!(strip_cdr_id_prefix("filter_call_id", "201905-"), "201905-");
        assert_eq!(
            strip_cdr_id_prefix("filter_bridge_id", "201905-abc"),
            "201905-abc"
        );
    }

    #[test]
    fn basenames_drop_directories() {
        assert_eq!(basename("a/b/c.csv"), "c.csv");
        assert_eq!(basename(r"a\b.csv"), "b.csv");
        assert_eq!(basename("x.csv"), "x.csv");
    }
}
