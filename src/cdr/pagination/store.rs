//! [`OrderedStore`], the host's ordered store, and the paginators over it.

use super::cursor::{Listing, Position};
use super::order::SortOrder;
use super::request::{Page, PageRequest, Place, Window};
use crate::Error;
use crate::cdr::SortKey;
use crate::time::GregorianSeconds;

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
    /// What a row carries (a [`Cdr`](crate::cdr::Cdr), a document id, a raw JSON document…).
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

/// One page of CDRs from a host's ordered store (see [`OrderedStore`]).
///
/// Scans from the cursor (or the range's near end) and stops at the range's far end or
/// after `page_size + 1` rows, asking the store again only when it returned rows that are
/// not on the page (a repeated boundary row).
///
/// # Errors
///
/// As [`paginate`](crate::cdr::paginate); the store's errors; [`ErrorKind::Store`](crate::ErrorKind::Store) when the store returns rows out of; the store's errors; [`ErrorKind::Store`](crate::ErrorKind::Store) when the store returns rows out of
/// order.
pub fn paginate_store<S: OrderedStore + ?Sized>(
    store: &S,
    request: &PageRequest,
    now: GregorianSeconds,
) -> Result<Page<S::Row>, Error> {
    let window = request.resolve(Listing::Cdrs, now)?;
    page_store(store, request, &window, |_| true)
}

/// The most rows one scan asks for beyond what the page still needs, when `keep` refuses
/// rows (the read-ahead grows by doubling up to this).
const MAX_READ_AHEAD: usize = 4096;

/// The most rows one scan asks for (an unpaged listing, `paginate=false`, reads its range in
/// scans of this size rather than asking a store for `usize::MAX` rows at once).
const MAX_SCAN: usize = 10_000;

/// A page of the store's rows in `window` that `keep` keeps.
///
/// Scans from the cursor (or the range's near end); each scan asks for the rows the page
/// still needs plus a read-ahead that doubles (up to [`MAX_READ_AHEAD`]) while `keep` or a
/// repeated boundary row leaves the page short, and the next scan starts after the last row
/// read, kept or not. So a page reads each row of the store once, and costs what it reads.
pub(crate) fn page_store<S: OrderedStore + ?Sized>(
    store: &S,
    request: &PageRequest,
    window: &Window,
    keep: impl Fn(&S::Row) -> bool,
) -> Result<Page<S::Row>, Error> {
    let cursor = window.after_key();
    let mut rows: Vec<(SortKey, S::Row)> = Vec::new();
    // The last row read (kept or not): the next scan starts after it.
    let mut last_read: Option<SortKey> = None;
    let mut read_ahead = 0usize;
    'scan: loop {
        let limit = (window.want() - rows.len())
            .saturating_add(read_ahead)
            .min(MAX_SCAN);
        let start = match last_read.as_ref().or(cursor.as_ref()) {
            Some(key) => ScanStart::After(key),
            None => ScanStart::Time(window.near_end()),
        };
        let batch = store.scan(start, window.order, limit)?;
        let exhausted = batch.len() < limit;
        let mut refused = false;
        for (key, row) in batch {
            let boundary = last_read.as_ref().or(cursor.as_ref());
            match window.place(&key, boundary)? {
                Place::Skip => {
                    refused = true;
                    continue;
                }
                Place::Past => break 'scan,
                Place::Take => {}
            }
            if !keep(&row) {
                refused = true;
                last_read = Some(key);
                continue;
            }
            last_read = Some(key.clone());
            rows.push((key, row));
            if rows.len() == window.want() {
                break 'scan;
            }
        }
        if exhausted {
            break;
        }
        if refused {
            read_ahead = read_ahead
                .saturating_mul(2)
                .saturating_add(window.want() - rows.len())
                .min(MAX_READ_AHEAD);
        }
    }
    let next = window.next_after(&mut rows, |(key, _)| position(key));
    let items = rows.into_iter().map(|(_, row)| row).collect();
    Ok(window.page(items, request, next))
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
    let next = query.next_after(&mut groups, |(key, _)| position(key));
    let items = groups.into_iter().map(|(_, legs)| legs).collect();
    Ok(query.page(items, request, next))
}

/// Where a store key stands in a listing, for its cursor (stores have no tie-breaker).
fn position(key: &SortKey) -> Position {
    Position {
        time: key.time.0,
        id: key.id.clone(),
        tie: 0,
    }
}
