//! [`PageRequest`] and [`Page`]: what page of a listing to return, and the page returned;
//! and the checked form of a request (a window over the listing) that the paginators share.
//!
//! A listing is ordered by a composite key, so that equal times never make a page boundary
//! skip or repeat an item:
//!
//! - CDRs by [`Cdr::listing_key`](crate::cdr::Cdr::listing_key): (listing time, `_id`, else
//!   `call_id`);
//! - interactions by (interaction time, interaction key).
//!
//! A page ends with an opaque `next_start_key` when more items follow; passing it back as
//! [`PageRequest::start_key`] continues after the page's last item. Cursors are bound to the
//! listing, order, time range and scope (filters, owner) that issued them.

use super::cursor::{Cursor, Listing, Position, START_KEY};
use super::order::SortOrder;
use crate::Error;
use crate::cdr::SortKey;
use crate::time::GregorianSeconds;

/// What page of a listing to return: its size, order, time range and where to start.
///
/// A builder: chained setters named after the setting, read back with
/// [`get_page_size`](Self::get_page_size), [`get_order`](Self::get_order) and
/// [`get_start_key`](Self::get_start_key). Nothing is checked until the request is used (by
/// [`paginate`](crate::cdr::paginate), [`paginate_store`](crate::cdr::paginate_store),
/// [`paginate_interactions`](crate::cdr::paginate_interactions) or
/// [`paginate_interaction_store`](crate::cdr::paginate_interaction_store)), which then reports the first bad parameter by name.
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

    /// The earliest listing time asked for, if set.
    pub fn get_created_from(&self) -> Option<GregorianSeconds> {
        self.created_from
    }

    /// The latest listing time asked for, if set.
    pub fn get_created_to(&self) -> Option<GregorianSeconds> {
        self.created_to
    }

    /// The cursor the request continues from, if any.
    pub fn get_start_key(&self) -> Option<&str> {
        self.start_key.as_deref()
    }

    /// Checks the request and resolves its time range for a listing at `now`.
    pub(crate) fn resolve(&self, listing: Listing, now: GregorianSeconds) -> Result<Window, Error> {
        self.resolve_scoped(listing, 0, true, now)
    }

    /// As [`resolve`](Self::resolve), for a listing whose rows are also decided by `scope`
    /// (a fingerprint of filters and owner, 0 for none); `paginate == false` lists the whole
    /// range on one page without a cursor (KAZOO's `paginate=false`).
    pub(crate) fn resolve_scoped(
        &self,
        listing: Listing,
        scope: u64,
        paginate: bool,
        now: GregorianSeconds,
    ) -> Result<Window, Error> {
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
        let cursor = match (paginate, self.start_key.as_deref()) {
            (true, Some(text)) => Some(Cursor::decode(text)?),
            _ => None,
        };
        let (from, to, after) = match cursor {
            Some(cursor) => self.bind(cursor, listing, scope)?,
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
        Ok(Window {
            listing,
            order: self.order,
            from,
            to,
            scope,
            page_size: if paginate {
                self.page_size
            } else {
                usize::MAX - 1
            },
            after,
        })
    }

    /// Checks that `cursor` belongs to this request's listing, order and range.
    fn bind(
        &self,
        cursor: Cursor,
        listing: Listing,
        scope: u64,
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
            .within(START_KEY));
        }
        if cursor.scope != scope {
            return Err(Error::cursor(
                crate::error::show_str(self.start_key.as_deref().unwrap_or_default()),
                "was issued under other filters or for another owner than this query's",
            )
            .within(START_KEY));
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

/// A checked request: the listing, its order and inclusive range, the page size and the
/// position to continue after.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    pub listing: Listing,
    pub order: SortOrder,
    pub from: GregorianSeconds,
    pub to: GregorianSeconds,
    pub scope: u64,
    pub page_size: usize,
    pub after: Option<Position>,
}

/// Where a store row falls relative to the page being collected.
pub(crate) enum Place {
    /// On the page.
    Take,
    /// Not on the page (before the range, or the boundary row again).
    Skip,
    /// Beyond the range's far end: the listing ends.
    Past,
}

impl Window {
    /// Items to collect: the page and one more, to know whether another page follows.
    pub(crate) fn want(&self) -> usize {
        self.page_size.saturating_add(1)
    }

    pub(crate) fn contains(&self, time: GregorianSeconds) -> bool {
        self.from <= time && time <= self.to
    }

    /// The end of the range a listing starts from.
    pub(crate) fn near_end(&self) -> GregorianSeconds {
        match self.order {
            SortOrder::Ascending => self.from,
            SortOrder::Descending => self.to,
        }
    }

    pub(crate) fn after_key(&self) -> Option<SortKey> {
        self.after
            .as_ref()
            .map(|p| SortKey::new(GregorianSeconds(p.time), p.id.clone()))
    }

    /// Places a store row relative to the range and the last key taken (or the cursor).
    pub(crate) fn place(&self, key: &SortKey, last: Option<&SortKey>) -> Result<Place, Error> {
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
                scope: self.scope,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_range_ends_now_and_spans_the_maximum() {
        let now = GregorianSeconds(63_724_403_398);
        let window = PageRequest::new().resolve(Listing::Cdrs, now).unwrap();
        assert_eq!(window.to, now);
        assert_eq!(
            window.from,
            GregorianSeconds(now.0 - PageRequest::DEFAULT_MAX_RANGE)
        );
        assert_eq!(window.order, SortOrder::Descending);
        assert_eq!(window.page_size, PageRequest::DEFAULT_PAGE_SIZE);
        assert_eq!(window.scope, 0);
    }
}
