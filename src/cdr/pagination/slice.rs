//! The paginators over slices in memory: CDRs (unsorted, one scan per page) and interactions
//! (in listing order, binary search).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::cursor::{Listing, Position};
use super::order::SortOrder;
use super::request::{Page, PageRequest, Window};
use crate::Error;
use crate::cdr::{Cdr, Interaction};
use crate::time::GregorianSeconds;

/// One page of the CDRs of a slice, in listing order.
///
/// Each call scans the slice once (O(n)) and keeps the page in a bounded heap of
/// `page_size + 1` entries (O(n log page_size) at worst), so every page costs the same —
/// the 10 000th as the first — and the slice needs no sorting or index. Keys are
/// ([`Cdr::listing_time`], [`Cdr::listing_id`], position in the slice): the position keeps
/// exact duplicates apart, so CDRs added between pages go at the end of the slice.
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
    let window = request.resolve(Listing::Cdrs, now)?;
    Ok(page_cdrs(cdrs, request, &window, |_| true))
}

/// A page of the CDRs of `cdrs` in `window` that `keep` keeps; the one scan of the slice
/// checks the range and the cursor first, then `keep`.
pub(crate) fn page_cdrs<'a>(
    cdrs: &'a [Cdr],
    request: &PageRequest,
    window: &Window,
    keep: impl Fn(&Cdr) -> bool,
) -> Page<&'a Cdr> {
    let after = window
        .after
        .as_ref()
        .map(|p| (p.time, p.id.as_str(), p.tie));
    let candidates = cdrs.iter().enumerate().filter_map(|(index, cdr)| {
        let (time, id) = cdr.listing_key_ref()?;
        let key = (time.0, id, index as u64);
        (window.contains(time)
            && after.is_none_or(|after| window.order.beyond(&key, &after))
            && keep(cdr))
        .then_some(key)
    });
    let mut keys = match window.order {
        SortOrder::Ascending => first_n(candidates, window.want()),
        SortOrder::Descending => first_n(candidates.map(Reverse), window.want())
            .into_iter()
            .map(|Reverse(key)| key)
            .collect(),
    };
    let next = window.next_after(&mut keys, |&(time, id, tie)| Position {
        time,
        id: id.to_owned(),
        tie,
    });
    let items = keys
        .into_iter()
        .filter_map(|(_, _, index)| cdrs.get(index as usize))
        .collect();
    window.page(items, request, next)
}

/// One page of interactions, by (interaction time, key) within the request's range.
///
/// `interactions` must be in listing order, as [`group_interactions`](crate::cdr::group_interactions)
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
    let window = request.resolve(Listing::Interactions, now)?;
    Ok(page_interactions(interactions, request, &window, |_| true))
}

/// A page of the interactions in `window` that `keep` keeps: the range and the cursor by
/// binary search, then `keep` on each interaction read until the page is full.
pub(crate) fn page_interactions<'i, 'a>(
    interactions: &'i [Interaction<'a>],
    request: &PageRequest,
    window: &Window,
    keep: impl Fn(&Interaction<'a>) -> bool,
) -> Page<&'i Interaction<'a>> {
    let from = Some(window.from);
    let to = Some(window.to);
    let mut lo = interactions.partition_point(|g| g.time() < from);
    let mut hi = interactions.partition_point(|g| g.time() <= to);
    if let Some(after) = &window.after {
        let after = (
            Some(GregorianSeconds(after.time)),
            after.id.as_str(),
            after.tie,
        );
        match window.order {
            SortOrder::Ascending => {
                lo = lo.max(interactions.partition_point(|g| g.order() <= after));
            }
            SortOrder::Descending => {
                hi = hi.min(interactions.partition_point(|g| g.order() < after));
            }
        }
    }
    let in_range = interactions.get(lo..hi).unwrap_or(&[]);
    let kept = |g: &&Interaction<'a>| keep(g);
    let mut items: Vec<&Interaction<'a>> = match window.order {
        SortOrder::Ascending => in_range.iter().filter(kept).take(window.want()).collect(),
        SortOrder::Descending => in_range
            .iter()
            .rev()
            .filter(kept)
            .take(window.want())
            .collect(),
    };
    let next = window.next_after(&mut items, |group| {
        let (time, key, tie) = group.order();
        Position {
            time: time.map(|t| t.0).unwrap_or_default(),
            id: key.to_owned(),
            tie,
        }
    });
    window.page(items, request, next)
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
}
