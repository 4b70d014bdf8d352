//! Cursor pagination as a user sees it: over a slice, over an ordered store (a `BTreeMap`
//! here), for CDRs and for interactions; bad requests and bad cursors.

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;

use kazoo_records::cdr::{
    Cdr, OrderedStore, PageRequest, ScanStart, SortKey, SortOrder, group_interactions, paginate,
    paginate_interaction_store, paginate_interactions, paginate_store,
};
use kazoo_records::time::GregorianSeconds;
use kazoo_records::{Error, ErrorKind};
use proptest::prelude::*;

const BASE: i64 = 63_724_400_000;
const NOW: GregorianSeconds = GregorianSeconds(BASE + 1_000);

/// A CDR listed at `time` (as `timestamp`, or as `pvt_created` when `created_only`).
fn cdr(call_id: &str, time: Option<i64>, created_only: bool, doc_id: Option<&str>) -> Cdr {
    let mut cdr = Cdr::new(call_id);
    match (time, created_only) {
        (Some(t), false) => cdr.timestamp = Some(GregorianSeconds(t)),
        (Some(t), true) => cdr.pvt_created = Some(GregorianSeconds(t)),
        (None, _) => {}
    }
    cdr.doc_id = doc_id.map(str::to_owned);
    cdr
}

/// CDRs with few distinct times (many ties), some without a time, some listed by
/// `pvt_created`, some sharing a document id (exact duplicate keys), unique call ids.
fn cdrs() -> impl Strategy<Value = Vec<Cdr>> {
    let one = (
        prop::option::weighted(0.9, 0..8i64),
        any::<bool>(),
        prop::option::of(0..4u8),
    );
    prop::collection::vec(one, 0..60).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (time, created_only, doc))| {
                let doc = doc.map(|d| format!("doc{d}"));
                cdr(
                    &format!("c{i:03}"),
                    time.map(|t| BASE + t),
                    created_only,
                    doc.as_deref(),
                )
            })
            .collect()
    })
}

fn request(order: SortOrder, size: usize, from: i64, to: i64) -> PageRequest {
    PageRequest::new()
        .page_size(size)
        .order(order)
        .created_from(GregorianSeconds(BASE + from))
        .created_to(GregorianSeconds(BASE + to))
}

/// Follows `next_start_key` from the first page, collecting the items of every page.
fn follow<T>(
    first: PageRequest,
    mut page: impl FnMut(&PageRequest) -> Result<kazoo_records::cdr::Page<T>, Error>,
) -> Vec<T> {
    let mut request = first.clone();
    let mut items = Vec::new();
    for _ in 0..1000 {
        let result = page(&request).expect("a valid request");
        assert!(result.items.len() <= result.page_size);
        let next = result.next_start_key.clone();
        if next.is_some() {
            assert_eq!(
                result.items.len(),
                result.page_size,
                "only the last page is short"
            );
        }
        items.extend(result.items);
        match next {
            Some(key) => request = first.clone().start_key(key),
            None => return items,
        }
    }
    panic!("pagination did not end");
}

/// The naive listing: every CDR in range, sorted by (time, document id, position).
fn oracle(cdrs: &[Cdr], order: SortOrder, from: i64, to: i64) -> Vec<String> {
    let mut keyed: Vec<(i64, String, usize)> = cdrs
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let time = c.timestamp.or(c.pvt_created)?.0;
            let id = c.doc_id.clone().unwrap_or_else(|| c.call_id.clone());
            (BASE + from <= time && time <= BASE + to).then_some((time, id, i))
        })
        .collect();
    keyed.sort();
    if order == SortOrder::Descending {
        keyed.reverse();
    }
    keyed
        .into_iter()
        .map(|(_, _, i)| cdrs[i].call_id.clone())
        .collect()
}

/// A CDR store on a `BTreeMap`, as a host's SQL index or CouchDB view would behave.
/// `inclusive_after` makes `After` include its own key, as a CouchDB `startkey` does.
struct MemStore {
    rows: BTreeMap<SortKey, Cdr>,
    inclusive_after: bool,
}

impl MemStore {
    fn new(cdrs: &[Cdr], inclusive_after: bool) -> Self {
        let rows = cdrs
            .iter()
            .filter_map(|c| Some((SortKey::of_cdr(c)?, c.clone())))
            .collect();
        MemStore {
            rows,
            inclusive_after,
        }
    }
}

impl OrderedStore for MemStore {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        let time_start = |t: GregorianSeconds| SortKey::new(t, "");
        let range: (Bound<SortKey>, Bound<SortKey>) = match (start, order) {
            (ScanStart::Time(t), SortOrder::Ascending) => {
                (Bound::Included(time_start(t)), Bound::Unbounded)
            }
            (ScanStart::Time(t), SortOrder::Descending) => (
                Bound::Unbounded,
                Bound::Excluded(time_start(GregorianSeconds(t.0 + 1))),
            ),
            (ScanStart::From(k), SortOrder::Ascending) => {
                (Bound::Included(k.clone()), Bound::Unbounded)
            }
            (ScanStart::From(k), SortOrder::Descending) => {
                (Bound::Unbounded, Bound::Included(k.clone()))
            }
            (ScanStart::After(k), SortOrder::Ascending) if self.inclusive_after => {
                (Bound::Included(k.clone()), Bound::Unbounded)
            }
            (ScanStart::After(k), SortOrder::Descending) if self.inclusive_after => {
                (Bound::Unbounded, Bound::Included(k.clone()))
            }
            (ScanStart::After(k), SortOrder::Ascending) => {
                (Bound::Excluded(k.clone()), Bound::Unbounded)
            }
            (ScanStart::After(k), SortOrder::Descending) => {
                (Bound::Unbounded, Bound::Excluded(k.clone()))
            }
        };
        let rows = self.rows.range(range).map(|(k, c)| (k.clone(), c.clone()));
        Ok(match order {
            SortOrder::Ascending => rows.take(limit).collect(),
            SortOrder::Descending => rows.rev().take(limit).collect(),
        })
    }
}

/// A store of interaction legs keyed by (interaction time, key), legs of one interaction
/// consecutive (ordered by call id within it). Scans linearly: simple and plainly correct.
struct LegStore {
    rows: Vec<(SortKey, Cdr)>,
}

impl LegStore {
    fn new(cdrs: &[Cdr]) -> Self {
        let mut rows: Vec<(SortKey, Cdr)> = cdrs
            .iter()
            .filter_map(|c| Some((SortKey::of_interaction_leg(c)?, c.clone())))
            .collect();
        rows.sort_by(|a, b| (&a.0, &a.1.call_id).cmp(&(&b.0, &b.1.call_id)));
        LegStore { rows }
    }
}

impl OrderedStore for LegStore {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        // Descending reads the store backwards: legs of one interaction stay together.
        Ok(common::scan_sorted(&self.rows, start, order, limit))
    }
}

fn order() -> impl Strategy<Value = SortOrder> {
    prop_oneof![Just(SortOrder::Ascending), Just(SortOrder::Descending)]
}

fn call_ids<'a>(items: impl IntoIterator<Item = &'a Cdr>) -> Vec<String> {
    items.into_iter().map(|c| c.call_id.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn slice_pages_visit_every_cdr_in_range_once_in_order(
        cdrs in cdrs(), order in order(), size in 1..8usize, from in 0..8i64, span in 0..8i64,
    ) {
        let to = from + span;
        let visited = follow(request(order, size, from, to), |r| paginate(&cdrs, r, NOW));
        prop_assert_eq!(call_ids(visited), oracle(&cdrs, order, from, to));
    }

    #[test]
    fn store_pages_visit_every_cdr_in_range_once_in_order(
        cdrs in cdrs(), order in order(), size in 1..8usize, from in 0..8i64, span in 0..8i64,
        inclusive_after in any::<bool>(),
    ) {
        // A store's keys are unique: keep the first CDR of each key.
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<Cdr> = cdrs.into_iter().filter(|c| SortKey::of_cdr(c).is_none_or(|k| seen.insert(k))).collect();
        let store = MemStore::new(&unique, inclusive_after);
        let to = from + span;
        let visited = follow(request(order, size, from, to), |r| paginate_store(&store, r, NOW));
        prop_assert_eq!(call_ids(&visited), oracle(&unique, order, from, to));
    }

    #[test]
    fn interaction_pages_lose_and_repeat_no_group(
        legs in prop::collection::vec((0..12u8, 0..4i64, 0..3u8), 0..60),
        order in order(), size in 1..5usize, from in 0..4i64, span in 0..4i64,
    ) {
        // Interactions 0..12 at 4 possible times (ties between keys), legs of an
        // interaction scattered through the input; some legs without an id.
        let cdrs: Vec<Cdr> = legs.iter().enumerate().map(|(i, &(group, time, kind))| {
            let mut leg = cdr(&format!("l{i:03}"), Some(BASE + time), false, None);
            if kind > 0 {
                let key_time = BASE + (i64::from(group) % 4);
                leg.interaction_id = Some(format!("{key_time}-k{group:02}").parse().unwrap());
            }
            leg
        }).collect();
        let to = from + span;
        let interactions = group_interactions(&cdrs);

        // Over the grouping (a slice): every group in range once, in listing order.
        let visited = follow(request(order, size, from, to), |r| paginate_interactions(&interactions, r, NOW));
        let mut expected: Vec<_> = interactions.iter()
            .filter(|g| g.time().is_some_and(|t| BASE + from <= t.0 && t.0 <= BASE + to))
            .collect();
        if order == SortOrder::Descending { expected.reverse(); }
        prop_assert_eq!(visited, expected);

        // Over a store of legs: whole interactions, each once, in key order.
        let store = LegStore::new(&cdrs);
        let pages = follow(request(order, size, from, to), |r| paginate_interaction_store(&store, r, NOW));
        let got: Vec<(SortKey, Vec<String>)> = pages.iter().map(|legs| {
            (SortKey::of_interaction_leg(&legs[0]).unwrap(), call_ids(legs))
        }).collect();
        let mut want: BTreeMap<SortKey, Vec<String>> = BTreeMap::new();
        for (key, leg) in &store.rows {
            if BASE + from <= key.time.0 && key.time.0 <= BASE + to {
                want.entry(key.clone()).or_default().push(leg.call_id.clone());
            }
        }
        let mut want: Vec<_> = want.into_iter().collect();
        if order == SortOrder::Descending {
            want.reverse();
            for (_, legs) in &mut want { legs.reverse(); }
        }
        prop_assert_eq!(got, want);
    }
}

#[test]
fn an_interaction_larger_than_a_scan_is_returned_whole() {
    // 40 legs in one interaction, page size 1: the first scan (limit 8) ends inside it.
    let mut cdrs: Vec<Cdr> = (0..40)
        .map(|i| cdr(&format!("big{i:02}"), Some(BASE + 5), false, None))
        .collect();
    cdrs.push(cdr("small", Some(BASE + 6), false, None));
    for (i, leg) in cdrs.iter_mut().enumerate() {
        let id = if i < 40 {
            "63724400005-big"
        } else {
            "63724400006-small"
        };
        leg.interaction_id = Some(id.parse().unwrap());
    }
    let store = LegStore::new(&cdrs);
    let request = request(SortOrder::Ascending, 1, 0, 10);
    let first = paginate_interaction_store(&store, &request, NOW).unwrap();
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.items[0].len(), 40);
    let next = request.clone().start_key(first.next_start_key.unwrap());
    let second = paginate_interaction_store(&store, &next, NOW).unwrap();
    assert_eq!(call_ids(&second.items[0]), ["small"]);
    assert!(second.is_last());
}

#[test]
fn a_cdr_without_a_listing_time_is_in_no_range() {
    let cdrs = vec![
        cdr("none", None, false, None),
        cdr("ts", Some(BASE), false, None),
        cdr("created", Some(BASE + 1), true, None),
    ];
    let page = paginate(
        &cdrs,
        &request(SortOrder::Ascending, 10, -1_000_000, 10)
            .created_from(GregorianSeconds(i64::MIN / 2))
            .max_range(i64::MAX),
        NOW,
    )
    .unwrap();
    assert_eq!(call_ids(page.items.clone()), ["ts", "created"]);
    assert!(page.is_last());
    assert_eq!(page.start_key, None);
}

#[test]
fn bounds_are_inclusive_and_default_to_the_last_max_range() {
    let cdrs = vec![
        cdr("old", Some(NOW.0 - 2_682_001), false, None),
        cdr("first", Some(NOW.0 - 2_682_000), false, None),
        cdr("last", Some(NOW.0), false, None),
        cdr("future", Some(NOW.0 + 1), false, None),
    ];
    let page = paginate(&cdrs, &PageRequest::new(), NOW).unwrap();
    assert_eq!(
        call_ids(page.items),
        ["last", "first"],
        "descending by default"
    );
}

#[test]
fn following_a_cursor_keeps_its_range_as_now_moves() {
    let cdrs: Vec<Cdr> = (0..5)
        .map(|i| cdr(&format!("c{i}"), Some(NOW.0 - 10 + i), false, None))
        .collect();
    let first = paginate(&cdrs, &PageRequest::new().page_size(2), NOW).unwrap();
    assert_eq!(call_ids(first.items), ["c4", "c3"]);
    let later = GregorianSeconds(NOW.0 + 3600);
    let next = PageRequest::new()
        .page_size(2)
        .start_key(first.next_start_key.unwrap());
    let second = paginate(&cdrs, &next, later).unwrap();
    assert_eq!(call_ids(second.items), ["c2", "c1"]);
}

#[test]
fn bad_requests_name_the_parameter() {
    let cdrs: Vec<Cdr> = Vec::new();
    let err = |r: PageRequest| paginate(&cdrs, &r, NOW).unwrap_err();

    let e = err(PageRequest::new().page_size(0));
    assert_eq!(
        e.to_string(),
        "page_size: 0 is out of range; expected 1 to 1000"
    );
    let e = err(PageRequest::new().page_size(1001));
    assert_eq!(
        e.to_string(),
        "page_size: 1001 is out of range; expected 1 to 1000"
    );
    let e = err(PageRequest::new().max_page_size(10).page_size(11));
    assert_eq!(
        e.to_string(),
        "page_size: 11 is out of range; expected 1 to 10"
    );
    assert_eq!(
        err(PageRequest::new().max_page_size(0)).path(),
        "max_page_size"
    );
    assert_eq!(err(PageRequest::new().max_range(-1)).path(), "max_range");

    let e = err(PageRequest::new()
        .created_from(GregorianSeconds(BASE + 10))
        .created_to(GregorianSeconds(BASE)));
    assert_eq!(e.path(), "created_to");
    assert_eq!(e.kind(), ErrorKind::OutOfRange);
    assert!(
        e.to_string()
            .contains("at least created_from (63724400010)"),
        "{e}"
    );

    let e = err(PageRequest::new()
        .created_from(GregorianSeconds(BASE))
        .created_to(GregorianSeconds(BASE + 2_682_001)));
    assert_eq!(e.path(), "created_from");
    assert!(e.to_string().contains("at most 2682000 seconds"), "{e}");
    // Exactly the maximum is allowed.
    assert!(
        paginate(
            &cdrs,
            &PageRequest::new()
                .created_from(GregorianSeconds(BASE))
                .created_to(GregorianSeconds(BASE + 2_682_000)),
            NOW
        )
        .is_ok()
    );
}

#[test]
fn bad_cursors_are_cursor_errors_at_start_key() {
    let cdrs: Vec<Cdr> = (0..10)
        .map(|i| cdr(&format!("c{i}"), Some(BASE + i), false, None))
        .collect();
    let base = request(SortOrder::Ascending, 3, 0, 100);
    let cursor = paginate(&cdrs, &base, NOW).unwrap().next_start_key.unwrap();
    let refused = |r: PageRequest| {
        let e = paginate(&cdrs, &r, NOW).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cursor, "{e}");
        assert_eq!(e.path(), "start_key");
        e.to_string()
    };

    // Random text, a bare prefix, another version.
    refused(base.clone().start_key("hello"));
    refused(base.clone().start_key("v1."));
    refused(base.clone().start_key("v2.AAAA"));
    // Edited: one character changed.
    let mut edited = cursor.clone();
    let last = edited.pop().unwrap();
    edited.push(if last == 'A' { 'B' } else { 'A' });
    assert!(refused(base.clone().start_key(edited)).contains("altered"));
    // Another query: other order, other range, other listing.
    let other = refused(base.clone().descending().start_key(cursor.clone()));
    assert!(other.contains("another query"), "{other}");
    refused(request(SortOrder::Ascending, 3, 0, 99).start_key(cursor.clone()));
    let interactions = group_interactions(&cdrs);
    let e = paginate_interactions(&interactions, &base.clone().start_key(cursor.clone()), NOW)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cursor);
    // The same query with a different page size is fine.
    assert!(paginate(&cdrs, &base.clone().page_size(5).start_key(cursor), NOW).is_ok());
}

#[test]
fn a_store_that_goes_backwards_is_an_error() {
    struct Backwards;
    impl OrderedStore for Backwards {
        type Row = ();
        fn scan(
            &self,
            _: ScanStart<'_>,
            _: SortOrder,
            _: usize,
        ) -> Result<Vec<(SortKey, ())>, Error> {
            Ok(vec![
                (SortKey::new(GregorianSeconds(BASE + 2), "b"), ()),
                (SortKey::new(GregorianSeconds(BASE + 1), "a"), ()),
            ])
        }
    }
    let e = paginate_store(&Backwards, &request(SortOrder::Ascending, 5, 0, 10), NOW).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert!(e.to_string().contains("out of ascending order"), "{e}");
}

#[test]
fn store_errors_pass_through() {
    struct Down;
    impl OrderedStore for Down {
        type Row = ();
        fn scan(
            &self,
            _: ScanStart<'_>,
            _: SortOrder,
            _: usize,
        ) -> Result<Vec<(SortKey, ())>, Error> {
            Err(Error::store(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "connection refused",
            )))
        }
    }
    let e = paginate_store(&Down, &PageRequest::new(), NOW).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert_eq!(e.to_string(), "the store failed: connection refused");
    let source = std::error::Error::source(&e).expect("the store's error is kept");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("as the host's type");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}
