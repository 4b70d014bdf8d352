//! Cursor pagination of CDR listings: [`PageRequest`], [`Page`], the host-store trait
//! [`OrderedStore`], and the paginators over slices (of CDRs, of interactions) and over a
//! store.
//!
//! A listing is ordered by a composite key, so that equal times never make a page boundary
//! skip or repeat an item:
//!
//! - CDRs by ([`Cdr::listing_time`], document id — `_id`, else `call_id`);
//! - interactions by (interaction time, interaction key).
//!
//! A page ends with an opaque `next_start_key` when more items follow; passing it back as
//! [`PageRequest::start_key`] continues after the page's last item. Cursors are bound to the
//! listing, order and time range that issued them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::cursor::{Cursor, Listing, Position};
use super::interaction::Interaction;
use super::order::SortOrder;
use super::record::Cdr;
use crate::Error;
use crate::time::GregorianSeconds;

/// What page of a listing to return: its size, order, time range and where to start.
///
/// A builder: chained setters named after the setting, read back with
/// [`get_page_size`](Self::get_page_size), [`get_order`](Self::get_order) and
/// [`get_start_key`](Self::get_start_key). Nothing is checked until the request is used (by
/// [`paginate`], [`paginate_store`], [`paginate_interactions`]
/// or [`paginate_interaction_store`]), which then reports the first bad parameter by name.
///
/// Time range (KAZOO's defaults): `created_to` defaults to now, `created_from` to
/// `created_to − max_range`; both bounds are inclusive; `created_to < created_from` and a
/// range wider than `max_range` are errors. With a `start_key`, a bound the request leaves
/// unset is the one the cursor was issued for (so following `next_start_key` keeps the
/// range even as "now" moves), and a bound it sets must equal the cursor's.
///
/// ```
/// use kazoo_records::cdr::{PageRequest, SortOrder};
/// use kazoo_records::time::GregorianSeconds;
///
/// let request = PageRequest::new()
///     .page_size(20)
///     .ascending()
///     .created_from(GregorianSeconds(63_724_000_000))
///     .created_to(GregorianSeconds(63_724_086_400));
/// assert_eq!(request.get_order(), SortOrder::Ascending);
/// assert_eq!(request.get_page_size(), 20);
/// assert_eq!(request.get_start_key(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    page_size: usize,
    max_page_size: usize,
    order: SortOrder,
    created_from: Option<GregorianSeconds>,
    created_to: Option<GregorianSeconds>,
    max_range: i64,
    start_key: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page_size: PageRequest::DEFAULT_PAGE_SIZE,
            max_page_size: PageRequest::DEFAULT_MAX_PAGE_SIZE,
            order: SortOrder::Descending,
            created_from: None,
            created_to: None,
            max_range: PageRequest::DEFAULT_MAX_RANGE,
            start_key: None,
        }
    }
}

impl PageRequest {
    /// The default number of items on a page.
    pub const DEFAULT_PAGE_SIZE: usize = 50;

    /// The default largest page size a request may ask for.
    pub const DEFAULT_MAX_PAGE_SIZE: usize = 1000;

    /// The default widest time range, in seconds (KAZOO's `maximum_range`, 31 days + 1 hour).
    pub const DEFAULT_MAX_RANGE: i64 = 2_682_000;

    /// The first page, 50 items, newest first, over the last [`PageRequest::DEFAULT_MAX_RANGE`] seconds.
    pub fn new() -> Self {
        PageRequest::default()
    }

    /// Items per page: 1 to the maximum page size.
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size;
        self
    }

    /// The largest page size accepted (the host's limit; default 1000, at least 1).
    pub fn max_page_size(mut self, max: usize) -> Self {
        self.max_page_size = max;
        self
    }

    /// Oldest first.
    pub fn ascending(self) -> Self {
        self.order(SortOrder::Ascending)
    }

    /// Newest first (the default).
    pub fn descending(self) -> Self {
        self.order(SortOrder::Descending)
    }

    /// The listing order (default [`SortOrder::Descending`]).
    pub fn order(mut self, order: SortOrder) -> Self {
        self.order = order;
        self
    }

    /// The earliest listing time included.
    pub fn created_from(mut self, from: GregorianSeconds) -> Self {
        self.created_from = Some(from);
        self
    }

    /// The latest listing time included.
    pub fn created_to(mut self, to: GregorianSeconds) -> Self {
        self.created_to = Some(to);
        self
    }

    /// The widest range accepted, in seconds (the host's limit; default 2 682 000).
    pub fn max_range(mut self, seconds: i64) -> Self {
        self.max_range = seconds;
        self
    }

    /// Continue after the page that returned this `next_start_key`.
    pub fn start_key(mut self, key: impl Into<String>) -> Self {
        self.start_key = Some(key.into());
        self
    }

    /// The requested page size (not yet checked).
    pub fn get_page_size(&self) -> usize {
        self.page_size
    }

    /// The requested order.
    pub fn get_order(&self) -> SortOrder {
        self.order
    }

    /// The cursor the request continues from, if any.
    pub fn get_start_key(&self) -> Option<&str> {
        self.start_key.as_deref()
    }

    /// Checks the request and resolves its time range for a listing at `now`.
    pub(crate) fn resolve(&self, listing: Listing, now: GregorianSeconds) -> Result<Query, Error> {
        if self.max_page_size == 0 {
            return Err(Error::out_of_range("0", "at least 1").within("max_page_size"));
        }
        if !(1..=self.max_page_size).contains(&self.page_size) {
            return Err(Error::out_of_range(
                self.page_size.to_string(),
                format!("1 to {}", self.max_page_size),
            )
            .within("page_size"));
        }
        if self.max_range < 0 {
            return Err(
                Error::out_of_range(self.max_range.to_string(), "at least 0").within("max_range"),
            );
        }
        let cursor = self.start_key.as_deref().map(Cursor::decode).transpose()?;
        let (from, to, after) = match cursor {
            Some(cursor) => self.bind(cursor, listing)?,
            None => {
                let to = self.created_to.unwrap_or(now);
                let from = self
                    .created_from
                    .unwrap_or(GregorianSeconds(to.0.saturating_sub(self.max_range)));
                (from, to, None)
            }
        };
        if to < from {
            return Err(Error::out_of_range(
                to.0.to_string(),
                format!("at least created_from ({})", from.0),
            )
            .within("created_to"));
        }
        if to.0.saturating_sub(from.0) > self.max_range {
            return Err(Error::out_of_range(
                from.0.to_string(),
                format!(
                    "at most {} seconds before created_to ({})",
                    self.max_range, to.0
                ),
            )
            .within("created_from"));
        }
        Ok(Query {
            listing,
            order: self.order,
            from,
            to,
            page_size: self.page_size,
            after,
        })
    }

    /// Checks that `cursor` belongs to this request's listing, order and range.
    fn bind(
        &self,
        cursor: Cursor,
        listing: Listing,
    ) -> Result<(GregorianSeconds, GregorianSeconds, Option<Position>), Error> {
        let from = self.created_from.unwrap_or(cursor.from);
        let to = self.created_to.unwrap_or(cursor.to);
        if cursor.listing != listing
            || cursor.order != self.order
            || cursor.from != from
            || cursor.to != to
        {
            return Err(Error::cursor(
                crate::error::show_str(self.start_key.as_deref().unwrap_or_default()),
                format!(
                    "was issued for another query ({} {} from {} to {}), not this one ({} {} from {} to {})",
                    cursor.listing.name(),
                    cursor.order.as_str(),
                    cursor.from.0,
                    cursor.to.0,
                    listing.name(),
                    self.order.as_str(),
                    from.0,
                    to.0,
                ),
            )
            .within(super::cursor::START_KEY));
        }
        Ok((from, to, Some(cursor.position)))
    }
}

/// One page of a listing.
///
/// `start_key` is the cursor the request continued from (`None` on the first page);
/// `next_start_key` continues after this page and is `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items, in listing order.
    pub items: Vec<T>,
    /// The cursor this page started after.
    pub start_key: Option<String>,
    /// The cursor of the next page; `None` when this page is the last.
    pub next_start_key: Option<String>,
    /// The page size that was asked for (`items` may be shorter on the last page).
    pub page_size: usize,
}

impl<T> Page<T> {
    /// Whether no page follows this one.
    pub fn is_last(&self) -> bool {
        self.next_start_key.is_none()
    }

    /// The same page with each item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            start_key: self.start_key,
            next_start_key: self.next_start_key,
            page_size: self.page_size,
        }
    }
}

/// The key a listing is ordered by: a time and an id.
///
/// For CDRs, ([`Cdr::listing_time`], document id — `_id`, else `call_id`); for
/// interactions, (interaction time, interaction key). Ordered by time, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortKey {
    /// The listing time.
    pub time: GregorianSeconds,
    /// The document id or interaction key.
    pub id: String,
}

impl SortKey {
    /// Where this key stands in a store listing, for its cursor (stores have no tie-breaker).
    fn position(&self) -> Position {
        Position {
            time: self.time.0,
            id: self.id.clone(),
            tie: 0,
        }
    }

    /// A key of `time` and `id`.
    pub fn new(time: GregorianSeconds, id: impl Into<String>) -> Self {
        SortKey {
            time,
            id: id.into(),
        }
    }

    /// The key a CDR listing orders `cdr` by; `None` when it has no listing time (it is then
    /// in no time range).
    pub fn of_cdr(cdr: &Cdr) -> Option<SortKey> {
        let (time, id) = cdr_key(cdr)?;
        Some(SortKey::new(time, id))
    }

    /// The key an interaction listing orders `cdr`'s interaction by: the interaction id's
    /// time and key; `None` for a leg without an interaction id.
    pub fn of_interaction_leg(cdr: &Cdr) -> Option<SortKey> {
        let id = cdr.interaction()?;
        Some(SortKey::new(id.time(), id.key()))
    }
}

/// Where an [`OrderedStore::scan`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStart<'a> {
    /// The first rows whose time is at or beyond this time in the scan's order
    /// (ascending: time ≥ t; descending: time ≤ t), every id included.
    Time(GregorianSeconds),
    /// The rows at or beyond this key (inclusive).
    From(&'a SortKey),
    /// The rows strictly beyond this key (exclusive).
    After(&'a SortKey),
}

/// A host's ordered store: one method, "rows from key K, in this order, at most N" — a
/// CouchDB view, an SQL index, a B-tree.
///
/// Rows come back with their [`SortKey`], in the scan's order, at most `limit` of them;
/// fewer than `limit` means the store has no more. For a CDR listing
/// ([`paginate_store`]) keys must be unique, as document ids are. For an interaction
/// listing ([`paginate_interaction_store`]) rows are legs and the legs of one interaction
/// share its key (and must be consecutive, as they are in any index on that key).
///
/// A store may return the row of an [`After`](ScanStart::After) key itself (a CouchDB
/// `startkey` is inclusive): the paginators skip it. Rows out of order are reported as
/// [`ErrorKind::Store`](crate::ErrorKind::Store). See `examples/cdr_store.rs` for SQL and CouchDB sketches.
pub trait OrderedStore {
    /// What a row carries (a [`Cdr`], a document id, a raw JSON document…).
    type Row;

    /// At most `limit` rows from `start`, in `order`, with their keys.
    ///
    /// # Errors
    ///
    /// The store's own failures, as [`ErrorKind::Store`](crate::ErrorKind::Store).
    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Self::Row)>, Error>;
}

impl<S: OrderedStore + ?Sized> OrderedStore for &S {
    type Row = S::Row;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Self::Row)>, Error> {
        (**self).scan(start, order, limit)
    }
}

/// One page of the CDRs of a slice, in listing order.
///
/// Each call scans the slice once (O(n)) and keeps the page in a bounded heap of
/// `page_size + 1` entries (O(n log page_size) at worst), so every page costs the same —
/// the 10 000th as the first — and the slice needs no sorting or index. Keys are
/// ([`Cdr::listing_time`], document id, position in the slice): the position keeps exact
/// duplicates apart.
///
/// ```
/// use kazoo_records::cdr::{Cdr, PageRequest, paginate};
/// use kazoo_records::time::GregorianSeconds;
///
/// let cdrs: Vec<Cdr> = (0..5)
///     .map(|i| Cdr::from_json_value(&serde_json::json!({"call_id": format!("c{i}"), "timestamp": 63_724_403_400_i64})))
///     .collect::<Result<_, _>>()?;
/// let now = GregorianSeconds(63_724_403_500);
/// let first = paginate(&cdrs, &PageRequest::new().page_size(3).ascending(), now)?;
/// assert_eq!(first.items.len(), 3);
/// let cursor = first.next_start_key.clone().expect("more CDRs follow");
/// let second = paginate(&cdrs, &PageRequest::new().page_size(3).ascending().start_key(cursor), now)?;
/// assert_eq!(second.items.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(), ["c3", "c4"]);
/// assert!(second.is_last());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
///
/// # Errors
///
/// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) naming `page_size`, `max_page_size`, `max_range`, `created_from`
/// or `created_to`; [`ErrorKind::Cursor`](crate::ErrorKind::Cursor) for a `start_key` that is not a cursor, was altered,
/// or belongs to another query.
pub fn paginate<'a>(
    cdrs: &'a [Cdr],
    request: &PageRequest,
    now: GregorianSeconds,
) -> Result<Page<&'a Cdr>, Error> {
    let query = request.resolve(Listing::Cdrs, now)?;
    let after = query.after.as_ref().map(|p| (p.time, p.id.as_str(), p.tie));
    let candidates = cdrs.iter().enumerate().filter_map(|(index, cdr)| {
        let (time, id) = cdr_key(cdr)?;
        let key = (time.0, id, index as u64);
        (query.contains(time) && after.is_none_or(|after| query.order.beyond(&key, &after)))
            .then_some(key)
    });
    let mut keys = match query.order {
        SortOrder::Ascending => first_n(candidates, query.want()),
        SortOrder::Descending => first_n(candidates.map(Reverse), query.want())
            .into_iter()
            .map(|Reverse(key)| key)
            .collect(),
    };
    let next = query.next_after(&mut keys, |&(time, id, tie)| Position {
        time,
        id: id.to_owned(),
        tie,
    });
    let items = keys
        .into_iter()
        .filter_map(|(_, _, index)| cdrs.get(index as usize))
        .collect();
    Ok(query.page(items, request, next))
}

/// One page of interactions, by (interaction time, key) within the request's range.
///
/// `interactions` must be in listing order, as [`group_interactions`](super::group_interactions)
/// returns them (any
/// subsequence of that, such as the interactions a filter kept, is in order too). The range
/// and the cursor are then found by binary search, so a page costs O(log n + page size), the
/// 10 000th as the first. In another order the page is unspecified, as with
/// [`slice::binary_search`] (never a panic). An interaction without a time (legs without an
/// interaction id or timestamps) is in no range.
///
/// ```
/// use kazoo_records::cdr::{Cdr, PageRequest, group_interactions, paginate_interactions};
/// use kazoo_records::time::GregorianSeconds;
///
/// let legs: Vec<Cdr> = (0..3_i64)
///     .flat_map(|call| ["a", "b"].map(|leg| serde_json::json!({
///         "call_id": format!("{call}-{leg}"),
///         "interaction_id": format!("{}-call{call}", 63_724_403_400 + call),
///     })))
///     .map(|json| Cdr::from_json_value(&json))
///     .collect::<Result<_, _>>()?;
/// let interactions = group_interactions(&legs);
/// let now = GregorianSeconds(63_724_403_500);
/// let request = PageRequest::new().page_size(2).ascending();
/// let first = paginate_interactions(&interactions, &request, now)?;
/// assert_eq!(first.items.iter().map(|i| i.key()).collect::<Vec<_>>(), ["call0", "call1"]);
/// let cursor = first.next_start_key.clone().expect("a third call follows");
/// let second = paginate_interactions(&interactions, &request.start_key(cursor), now)?;
/// assert_eq!(second.items.len(), 1);
/// assert_eq!(second.items[0].legs.len(), 2);
/// assert!(second.is_last());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
///
/// # Errors
///
/// As [`paginate`]; a cursor from a CDR listing is [`ErrorKind::Cursor`](crate::ErrorKind::Cursor)
/// here.
pub fn paginate_interactions<'i, 'a>(
    interactions: &'i [Interaction<'a>],
    request: &PageRequest,
    now: GregorianSeconds,
) -> Result<Page<&'i Interaction<'a>>, Error> {
    let query = request.resolve(Listing::Interactions, now)?;
    let from = Some(query.from);
    let to = Some(query.to);
    let mut lo = interactions.partition_point(|g| g.time() < from);
    let mut hi = interactions.partition_point(|g| g.time() <= to);
    if let Some(after) = &query.after {
        let after = (
            Some(GregorianSeconds(after.time)),
            after.id.as_str(),
            after.tie,
        );
        match query.order {
            SortOrder::Ascending => {
                lo = lo.max(interactions.partition_point(|g| g.order() <= after));
            }
            SortOrder::Descending => {
                hi = hi.min(interactions.partition_point(|g| g.order() < after));
            }
        }
    }
    let in_range = interactions.get(lo..hi).unwrap_or(&[]);
    let mut items: Vec<&Interaction<'a>> = match query.order {
        SortOrder::Ascending => in_range.iter().take(query.want()).collect(),
        SortOrder::Descending => in_range.iter().rev().take(query.want()).collect(),
    };
    let next = query.next_after(&mut items, |group| {
        let (time, key, tie) = group.order();
        Position {
            time: time.map(|t| t.0).unwrap_or_default(),
            id: key.to_owned(),
            tie,
        }
    });
    Ok(query.page(items, request, next))
}

/// One page of CDRs from a host's ordered store (see [`OrderedStore`]).
///
/// Scans from the cursor (or the range's near end) and stops at the range's far end or
/// after `page_size + 1` rows, asking the store again only when it returned rows that are
/// not on the page (a repeated boundary row).
///
/// # Errors
///
/// As [`paginate`]; the store's errors; [`ErrorKind::Store`](crate::ErrorKind::Store) when the store returns rows out of
/// order.
pub fn paginate_store<S: OrderedStore + ?Sized>(
    store: &S,
    request: &PageRequest,
    now: GregorianSeconds,
) -> Result<Page<S::Row>, Error> {
    let query = request.resolve(Listing::Cdrs, now)?;
    let cursor = query.after_key();
    let mut rows: Vec<(SortKey, S::Row)> = Vec::new();
    // Extra rows to ask for when a scan brought only rows that are not on the page (a store
    // whose `After` is inclusive returns the boundary row again).
    let mut slack = 0usize;
    'scan: loop {
        let limit = (query.want() - rows.len()).saturating_add(slack);
        // The boundary: the last row taken, else the cursor's key.
        let start = match rows.last().map(|(k, _)| k).or(cursor.as_ref()) {
            Some(key) => ScanStart::After(key),
            None => ScanStart::Time(query.near_end()),
        };
        let batch = store.scan(start, query.order, limit)?;
        let exhausted = batch.len() < limit;
        let mut advanced = false;
        for (key, row) in batch {
            let boundary = rows.last().map(|(k, _)| k).or(cursor.as_ref());
            match query.place(&key, boundary)? {
                Place::Skip => continue,
                Place::Past => break 'scan,
                Place::Take => {}
            }
            advanced = true;
            rows.push((key, row));
            if rows.len() == query.want() {
                break 'scan;
            }
        }
        if exhausted {
            break;
        }
        if !advanced {
            slack = slack.saturating_mul(2).saturating_add(1);
        }
    }
    let next = query.next_after(&mut rows, |(key, _)| key.position());
    let items = rows.into_iter().map(|(_, row)| row).collect();
    Ok(query.page(items, request, next))
}

/// One page of interactions from a host's ordered store of legs (see [`OrderedStore`]):
/// each item holds the rows of one interaction, in store order.
///
/// Rows are legs keyed by (interaction time, interaction key). The page boundary always
/// falls between interactions: a scan that ends inside one is repeated from that
/// interaction's key (with a doubled limit when one interaction fills a whole scan), so no
/// interaction is cut, lost or repeated — KAZOO's leg-based paging loses them.
///
/// # Errors
///
/// As [`paginate_store`].
pub fn paginate_interaction_store<S: OrderedStore + ?Sized>(
    store: &S,
    request: &PageRequest,
    now: GregorianSeconds,
) -> Result<Page<Vec<S::Row>>, Error> {
    let query = request.resolve(Listing::Interactions, now)?;
    let cursor = query.after_key();
    let mut groups: Vec<(SortKey, Vec<S::Row>)> = Vec::new();
    let mut resume: Option<SortKey> = None;
    let mut limit = query.want().saturating_mul(4);
    'scan: loop {
        let start = match (&resume, &cursor) {
            (Some(key), _) => ScanStart::From(key),
            (None, Some(key)) => ScanStart::After(key),
            (None, None) => ScanStart::Time(query.near_end()),
        };
        let batch = store.scan(start, query.order, limit)?;
        let exhausted = batch.len() < limit;
        let groups_before = groups.len();
        for (key, row) in batch {
            if let Some((last_key, legs)) = groups.last_mut() {
                if *last_key == key {
                    legs.push(row);
                    continue;
                }
            }
            let last = groups.last().map(|(k, _)| k).or(cursor.as_ref());
            match query.place(&key, last)? {
                Place::Skip => continue,
                Place::Past => break 'scan,
                Place::Take => {}
            }
            groups.push((key, vec![row]));
            if groups.len() == query.want() {
                // The first row of the interaction after the page: the page is complete.
                break 'scan;
            }
        }
        if exhausted {
            break;
        }
        // The scan stopped inside the last interaction (or saw only rows before the page):
        // drop that interaction and read it again whole, with a doubled limit when the
        // scan completed none.
        let popped = groups.pop();
        if groups.len() <= groups_before {
            limit = limit.saturating_mul(2);
        }
        if let Some((key, _)) = popped {
            resume = Some(key);
        }
    }
    let next = query.next_after(&mut groups, |(key, _)| key.position());
    let items = groups.into_iter().map(|(_, legs)| legs).collect();
    Ok(query.page(items, request, next))
}

/// A checked request: the listing, its order and inclusive range, the page size and the
/// position to continue after.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub listing: Listing,
    pub order: SortOrder,
    pub from: GregorianSeconds,
    pub to: GregorianSeconds,
    pub page_size: usize,
    pub after: Option<Position>,
}

/// Where a store row falls relative to the page being collected.
enum Place {
    /// On the page.
    Take,
    /// Not on the page (before the range, or the boundary row again).
    Skip,
    /// Beyond the range's far end: the listing ends.
    Past,
}

impl Query {
    /// Items to collect: the page and one more, to know whether another page follows.
    pub(crate) fn want(&self) -> usize {
        self.page_size.saturating_add(1)
    }

    pub(crate) fn contains(&self, time: GregorianSeconds) -> bool {
        self.from <= time && time <= self.to
    }

    /// The end of the range a listing starts from.
    fn near_end(&self) -> GregorianSeconds {
        match self.order {
            SortOrder::Ascending => self.from,
            SortOrder::Descending => self.to,
        }
    }

    fn after_key(&self) -> Option<SortKey> {
        self.after
            .as_ref()
            .map(|p| SortKey::new(GregorianSeconds(p.time), p.id.clone()))
    }

    /// Places a store row relative to the range and the last key taken (or the cursor).
    fn place(&self, key: &SortKey, last: Option<&SortKey>) -> Result<Place, Error> {
        if let Some(last) = last {
            if key == last {
                return Ok(Place::Skip);
            }
            if !self.order.beyond(key, last) {
                return Err(Error::store_contract(format!(
                    "the store returned rows out of {} order: ({}, {:?}) after ({}, {:?})",
                    self.order.as_str(),
                    key.time.0,
                    key.id,
                    last.time.0,
                    last.id
                )));
            }
        }
        let before = match self.order {
            SortOrder::Ascending => key.time < self.from,
            SortOrder::Descending => key.time > self.to,
        };
        Ok(if before {
            Place::Skip
        } else if self.contains(key.time) {
            Place::Take
        } else {
            Place::Past
        })
    }

    /// Cuts `items` (page + 1 at most) to the page and returns the cursor after its last
    /// item when more followed.
    pub(crate) fn next_after<T>(
        &self,
        items: &mut Vec<T>,
        position: impl Fn(&T) -> Position,
    ) -> Option<String> {
        if items.len() <= self.page_size {
            return None;
        }
        items.truncate(self.page_size);
        let last = items.last()?;
        Some(
            Cursor {
                listing: self.listing,
                order: self.order,
                from: self.from,
                to: self.to,
                position: position(last),
            }
            .encode(),
        )
    }

    pub(crate) fn page<T>(
        &self,
        items: Vec<T>,
        request: &PageRequest,
        next: Option<String>,
    ) -> Page<T> {
        Page {
            items,
            start_key: request.start_key.clone(),
            next_start_key: next,
            page_size: self.page_size,
        }
    }
}

/// The listing time and document id of a CDR.
pub(crate) fn cdr_key(cdr: &Cdr) -> Option<(GregorianSeconds, &str)> {
    let time = cdr.listing_time()?;
    Some((time, cdr.doc_id.as_deref().unwrap_or(&cdr.call_id)))
}

/// The `n` smallest keys, sorted, keeping a max-heap of at most `n`.
fn first_n<K: Ord>(keys: impl Iterator<Item = K>, n: usize) -> Vec<K> {
    let mut heap = BinaryHeap::with_capacity(n.min(4096).saturating_add(1));
    for key in keys {
        if heap.len() < n {
            heap.push(key);
        } else if let Some(mut top) = heap.peek_mut() {
            if key < *top {
                *top = key;
            }
        }
    }
    heap.into_sorted_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_n_keeps_the_smallest_sorted() {
        let keys = [5, 1, 9, 3, 3, 7, 0];
        assert_eq!(first_n(keys.iter().copied(), 3), vec![0, 1, 3]);
        assert_eq!(first_n(keys.iter().copied(), 0), Vec::<i32>::new());
        assert_eq!(first_n(keys.iter().copied(), 100).len(), keys.len());
    }

    #[test]
    fn default_range_ends_now_and_spans_the_maximum() {
        let now = GregorianSeconds(63_724_403_398);
        let query = PageRequest::new().resolve(Listing::Cdrs, now).unwrap();
        assert_eq!(query.to, now);
        assert_eq!(
            query.from,
            GregorianSeconds(now.0 - PageRequest::DEFAULT_MAX_RANGE)
        );
        assert_eq!(query.order, SortOrder::Descending);
        assert_eq!(query.page_size, PageRequest::DEFAULT_PAGE_SIZE);
    }
}
