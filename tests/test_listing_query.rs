//! `ListingQuery` as a host uses it: crossbar's query parameters with KAZOO's semantics and
//! the deliberate fixes, filters inside pagination, cursors bound to the whole query, and a
//! naive oracle (filter everything, sort by the listing key, cut pages) over random queries,
//! CDR sets and inserts between pages.

mod common;

use std::collections::HashSet;

use kazoo_records::ErrorKind;
use kazoo_records::cdr::{
    Cdr, Filters, Interaction, ListingQuery, OrderedStore, PageRequest, ScanStart, SortKey,
    SortOrder, group_interactions, paginate,
};
use kazoo_records::time::GregorianSeconds;
use proptest::prelude::*;
use serde_json::{Value, json};

const BASE: i64 = 63_724_400_000;
const NOW: GregorianSeconds = GregorianSeconds(BASE + 2_000);

fn cdr(value: Value) -> Cdr {
    Cdr::from_json_value(&value).unwrap()
}

fn sample() -> Vec<Cdr> {
    (0..10_i64)
        .map(|i| {
            cdr(json!({
                "call_id": format!("c{i}"),
                "timestamp": BASE + i / 2,
                "call_direction": if i % 2 == 0 { "inbound" } else { "outbound" },
                "custom_channel_vars": {"owner_id": if i % 3 == 0 { "alice" } else { "bob" }},
            }))
        })
        .collect()
}

fn ids(items: &[&Cdr]) -> Vec<String> {
    items.iter().map(|c| c.call_id.clone()).collect()
}

#[test]
fn parameters_are_read_as_crossbar_reads_them() {
    let query = ListingQuery::from_query_string(
        "created_from=63724400000&created_to=63724401000&page_size=25&paginate=true&utc_offset=-18000&accept=csv&file_name=x.csv",
    )
    .unwrap();
    assert_eq!(query.get_page_size(), 25);
    assert!(query.get_paginate());
    assert_eq!(query.get_utc_offset().unwrap().seconds(), -18_000);
    assert!(query.get_accept_csv());
    assert_eq!(query.file_name(None), "x.csv");
    assert!(
        query.get_filters().is_empty(),
        "created_* bound the range, not the filters"
    );
    let cdrs = sample();
    let page = query.list(&cdrs, NOW).unwrap();
    assert_eq!(page.items.len(), 10);
}

#[test]
fn order_follows_kazoo_rule() {
    let order = |qs: &str| ListingQuery::from_query_string(qs).unwrap().get_order();
    assert_eq!(order(""), SortOrder::Descending);
    assert_eq!(order("descending=true"), SortOrder::Descending);
    assert_eq!(order("ascending=false"), SortOrder::Descending);
    assert_eq!(order("ascending=true"), SortOrder::Ascending);
    assert_eq!(order("ascending=yes"), SortOrder::Ascending);
    assert_eq!(order("ascending="), SortOrder::Ascending);
    assert_eq!(
        order("ascending=true&descending=true"),
        SortOrder::Descending
    );
    assert_eq!(order("descending=false"), SortOrder::Descending);
}

#[test]
fn malformed_values_name_their_parameter() {
    for (qs, path, kind) in [
        ("page_size=ten", "page_size", ErrorKind::Invalid),
        ("page_size=-1", "page_size", ErrorKind::Invalid),
        (
            "page_size=99999999999999999999999",
            "page_size",
            ErrorKind::OutOfRange,
        ),
        ("created_from=yesterday", "created_from", ErrorKind::Invalid),
        ("created_to=1.5", "created_to", ErrorKind::Invalid),
        ("utc_offset=-05:00", "utc_offset", ErrorKind::Invalid),
        ("paginate=maybe", "paginate", ErrorKind::Invalid),
        ("filter_=x", "filter_", ErrorKind::Invalid),
        ("filter_any_x=[1,", "filter_any_x", ErrorKind::Invalid),
    ] {
        let err = ListingQuery::from_query_string(qs).unwrap_err();
        assert_eq!((err.path(), err.kind()), (path, kind), "{qs}: {err}");
    }
    // Bounds are the listing's: checked against the host's maximum when it lists.
    let query = ListingQuery::from_query_string("page_size=0").unwrap();
    assert_eq!(query.list(&sample(), NOW).unwrap_err().path(), "page_size");
    let query = ListingQuery::from_query_string("page_size=11")
        .unwrap()
        .max_page_size(10);
    assert_eq!(
        query.list(&sample(), NOW).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
}

#[test]
fn utc_offset_is_seconds_and_shifts_only_datetime() {
    let cdrs = vec![cdr(
        json!({"call_id": "a", "timestamp": 63_724_403_408_i64}),
    )];
    let query = ListingQuery::from_query_string("utc_offset=-18000").unwrap();
    let body = query.respond(&query.list(&cdrs, GregorianSeconds(63_724_403_500)).unwrap());
    assert_eq!(body["data"][0]["datetime"], "2019-05-06_18:10:08");
    assert_eq!(body["data"][0]["iso_8601_combined"], "2019-05-06T23:10:08Z");
    // `-1800` is half an hour, never "-18:00".
    let query = ListingQuery::from_query_string("utc_offset=-1800").unwrap();
    assert_eq!(query.get_utc_offset().unwrap().seconds(), -1800);
}

#[test]
fn query_strings_are_percent_decoded() {
    let query = ListingQuery::from_query_string(
        "filter_caller_id_name=John%20Doe&filter_custom_channel_vars.owner_id=a%2Bb&has_key=x+y",
    )
    .unwrap();
    let doc =
        json!({"caller_id_name": "John Doe", "custom_channel_vars": {"owner_id": "a+b"}, "x y": 1});
    assert!(query.get_filters().matches_json(&doc));
    let query = ListingQuery::from_query_string("?page_size=3").unwrap();
    assert_eq!(query.get_page_size(), 3);
}

#[test]
fn call_id_values_lose_their_cdr_id_prefix() {
    let cdrs = sample();
    let query = ListingQuery::from_query_string("filter_call_id=201905-c3").unwrap();
    assert_eq!(ids(&query.list(&cdrs, NOW).unwrap().items), ["c3"]);
    // Filters alone are crossbar_filter: no stripping.
    let filters = Filters::from_query([("filter_call_id", "201905-c3")]).unwrap();
    assert!(!filters.matches(&cdrs[3]));
}

#[test]
fn paginate_false_lists_the_whole_range_without_keys() {
    let query =
        ListingQuery::from_query_string("paginate=false&page_size=2&ascending=true").unwrap();
    let cdrs = sample();
    let page = query.list(&cdrs, NOW).unwrap();
    assert_eq!(page.items.len(), 10);
    assert!(page.is_last());
    let body = query.respond(&page);
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 10);
}

#[test]
fn filtered_pages_are_full_and_owner_restricts() {
    let cdrs = sample();
    let query =
        ListingQuery::from_query_string("page_size=2&filter_call_direction=inbound&ascending=true")
            .unwrap();
    let mut seen = Vec::new();
    let mut request = query.clone();
    loop {
        let page = request.list(&cdrs, NOW).unwrap();
        assert!(page.items.len() == 2 || page.is_last());
        seen.extend(ids(&page.items));
        let Some(next) = page.next_start_key else {
            break;
        };
        request = ListingQuery::from_pairs([
            ("page_size", "2"),
            ("filter_call_direction", "inbound"),
            ("ascending", "true"),
            ("start_key", next.as_str()),
        ])
        .unwrap();
    }
    assert_eq!(seen, ["c0", "c2", "c4", "c6", "c8"]);

    let alice = ListingQuery::from_query_string("ascending=true")
        .unwrap()
        .owner("alice");
    assert_eq!(
        ids(&alice.list(&cdrs, NOW).unwrap().items),
        ["c0", "c3", "c6", "c9"]
    );
}

#[test]
fn cursors_are_bound_to_the_whole_query() {
    let cdrs = sample();
    let legs = group_interactions(&cdrs);
    let first = ListingQuery::from_query_string("page_size=2&filter_call_direction=inbound")
        .unwrap()
        .list(&cdrs, NOW)
        .unwrap();
    let cursor = first.next_start_key.unwrap();
    let with =
        |qs: &str| ListingQuery::from_query_string(&format!("{qs}&start_key={cursor}")).unwrap();
    // The same query (filters in another order count as the same) continues.
    assert!(
        with("page_size=2&filter_call_direction=inbound")
            .list(&cdrs, NOW)
            .is_ok()
    );
    assert!(
        with("page_size=5&filter_call_direction=inbound")
            .list(&cdrs, NOW)
            .is_ok()
    );
    for (qs, owner) in [
        ("page_size=2", None),
        ("page_size=2&filter_call_direction=outbound", None),
        (
            "page_size=2&filter_call_direction=inbound&has_key=call_id",
            None,
        ),
        ("page_size=2&filter_call_direction=inbound", Some("alice")),
        (
            "page_size=2&filter_call_direction=inbound&ascending=true",
            None,
        ),
    ] {
        let mut query = with(qs);
        if let Some(owner) = owner {
            query = query.owner(owner);
        }
        let err = query.list(&cdrs, NOW).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cursor, "{qs}");
        assert_eq!(err.path(), "start_key");
    }
    // Not on interactions, nor on the plain paginator.
    let err = with("page_size=2&filter_call_direction=inbound")
        .list_interactions(&legs, NOW)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cursor);
    let err = paginate(
        &cdrs,
        &PageRequest::new().page_size(2).start_key(&*cursor),
        NOW,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cursor);
    // An owner's cursor under another owner.
    let alice = ListingQuery::from_query_string("page_size=1")
        .unwrap()
        .owner("alice");
    let key = alice.list(&cdrs, NOW).unwrap().next_start_key.unwrap();
    let bob = ListingQuery::from_pairs([("page_size", "1"), ("start_key", key.as_str())])
        .unwrap()
        .owner("bob");
    assert_eq!(bob.list(&cdrs, NOW).unwrap_err().kind(), ErrorKind::Cursor);
    // Tampering.
    let mut edited = cursor.clone();
    let last = edited.pop().unwrap();
    edited.push(if last == 'A' { 'B' } else { 'A' });
    let err = ListingQuery::from_pairs([
        ("page_size", "2"),
        ("filter_call_direction", "inbound"),
        ("start_key", edited.as_str()),
    ])
    .unwrap()
    .list(&cdrs, NOW)
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cursor);
}

#[test]
fn interactions_are_filtered_by_their_a_leg_and_never_split() {
    let legs: Vec<Cdr> = (0..4_i64)
        .flat_map(|call| {
            [("a", 1), ("b", 2)].map(move |(leg, micros)| {
                cdr(json!({
                    "call_id": format!("{call}-{leg}"),
                    "interaction_id": format!("{}-call{call}", BASE + call),
                    "channel_created_time": (BASE - 62_167_219_200 + call) * 1_000_000 + micros,
                    "call_direction": if leg == "a" { "inbound" } else { "outbound" },
                    "custom_channel_vars": {"owner_id": if call % 2 == 0 { "alice" } else { "bob" }},
                }))
            })
        })
        .collect();
    let calls = group_interactions(&legs);
    let query =
        ListingQuery::from_query_string("filter_call_direction=inbound&page_size=3&ascending=true")
            .unwrap();
    let page = query.list_interactions(&calls, NOW).unwrap();
    assert_eq!(page.items.len(), 3);
    assert!(page.items.iter().all(|call| call.legs.len() == 2));
    let none = ListingQuery::from_query_string("filter_call_direction=outbound").unwrap();
    assert!(
        none.list_interactions(&calls, NOW)
            .unwrap()
            .items
            .is_empty()
    );
    let alice = ListingQuery::from_query_string("ascending=true")
        .unwrap()
        .owner("alice");
    let keys: Vec<&str> = alice
        .list_interactions(&calls, NOW)
        .unwrap()
        .items
        .iter()
        .map(|call| call.key())
        .collect();
    assert_eq!(keys, ["call0", "call2"]);
    // A page of interactions answers with the rows of their legs.
    let body = query.respond(&page);
    assert_eq!(body["data"].as_array().unwrap().len(), 6);
}

#[test]
fn respond_writes_kazoo_envelope_with_integers() {
    let cdrs = sample();
    let query = ListingQuery::from_query_string("page_size=3").unwrap();
    let page = query.list(&cdrs, NOW).unwrap();
    let body = query.respond(&page);
    assert_eq!(body["page_size"], json!(3));
    assert_eq!(body["status"], json!("success"));
    assert!(body.get("start_key").is_none());
    let next = body["next_start_key"].as_str().unwrap().to_owned();
    let second =
        ListingQuery::from_pairs([("page_size", "3"), ("start_key", next.as_str())]).unwrap();
    let body = second.respond(&second.list(&cdrs, NOW).unwrap());
    assert_eq!(body["start_key"], json!(next));
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in ["data", "page_size", "start_key", "next_start_key", "status"] {
        assert!(keys.contains(&key), "{key}");
    }
}

#[test]
fn file_names_prefer_the_header_and_keep_only_the_basename() {
    let query = ListingQuery::from_query_string("file_name=reports%2F2019.csv").unwrap();
    assert_eq!(query.file_name(None), "2019.csv");
    assert_eq!(query.file_name(Some("/tmp/h.csv")), "h.csv");
    assert_eq!(query.file_name(Some("")), "2019.csv");
    assert_eq!(ListingQuery::new().file_name(Some("..")), "result.csv");
}

#[cfg(feature = "csv")]
#[test]
fn csv_of_a_page_reads_back_with_a_header() {
    let cdrs = vec![cdr(
        json!({"call_id": "a,\"b\"", "timestamp": BASE, "caller_id_name": "x\ny"}),
    )];
    let query = ListingQuery::from_query_string("accept=csv").unwrap();
    let page = query.list(&cdrs, NOW).unwrap();
    let mut out = Vec::new();
    query.write_csv(&mut out, &page).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(out.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.get(1), Some("call_id"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get(1), Some("a,\"b\""));
    assert_eq!(rows[0].get(3), Some("x\ny"));
}

#[test]
fn an_unpaged_store_listing_reads_in_bounded_scans() {
    struct Counting(VecStore, std::cell::Cell<usize>);
    impl OrderedStore for Counting {
        type Row = Cdr;
        fn scan(
            &self,
            start: ScanStart<'_>,
            order: SortOrder,
            limit: usize,
        ) -> Result<Vec<(SortKey, Cdr)>, kazoo_records::Error> {
            self.1.set(self.1.get().max(limit));
            self.0.scan(start, order, limit)
        }
    }
    let cdrs: Vec<Cdr> = (0..25_000_i64)
        .map(|i| cdr(json!({"call_id": format!("c{i:05}"), "timestamp": BASE + i % 1_000})))
        .collect();
    let store = Counting(VecStore::new(&cdrs), std::cell::Cell::new(0));
    let query = ListingQuery::from_query_string("paginate=false").unwrap();
    let page = query.list_store(&store, NOW).unwrap();
    assert_eq!(page.items.len(), 25_000);
    assert!(page.is_last());
    assert!(store.1.get() <= 10_000, "{}", store.1.get());
}

// ---- the naive oracle -------------------------------------------------------------------

/// A sorted in-memory store keyed by the listing key, scanned by the shared reference scan.
struct VecStore(Vec<(SortKey, Cdr)>);

impl VecStore {
    fn new(cdrs: &[Cdr]) -> Self {
        let mut rows: Vec<(SortKey, Cdr)> = cdrs
            .iter()
            .filter_map(|c| Some((c.listing_key()?, c.clone())))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        VecStore(rows)
    }
}

impl OrderedStore for VecStore {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, kazoo_records::Error> {
        Ok(common::scan_sorted(&self.0, start, order, limit))
    }
}

fn arb_cdr(n: usize) -> impl Strategy<Value = Cdr> {
    (
        0..40_i64,
        prop::option::of("inbound|outbound"),
        prop::option::of("alice|bob"),
        prop::option::of(0..20_i64),
        any::<bool>(),
    )
        .prop_map(move |(t, direction, owner, billing, stored)| {
            let mut value = json!({"call_id": format!("call-{n}-{t}")});
            if stored {
                value["_id"] = json!(format!("201905-call-{n}-{t}"));
            }
            if t < 38 {
                value["timestamp"] = json!(BASE + t);
            }
            if let Some(d) = direction {
                value["call_direction"] = json!(d);
            }
            if let Some(o) = owner {
                value["custom_channel_vars"] = json!({"owner_id": o});
            }
            if let Some(b) = billing {
                value["billing_seconds"] = json!(b.to_string());
            }
            cdr(value)
        })
}

fn arb_cdrs() -> impl Strategy<Value = Vec<Cdr>> {
    prop::collection::vec(0..1usize, 0..30).prop_flat_map(|slots| {
        slots
            .iter()
            .enumerate()
            .map(|(i, _)| arb_cdr(i))
            .collect::<Vec<_>>()
    })
}

fn arb_query() -> impl Strategy<Value = (String, Option<&'static str>)> {
    (
        1..6usize,
        prop::option::of(prop::sample::select(vec![
            "filter_call_direction=inbound",
            "filter_not_call_direction=inbound",
            "filter_billing_seconds=[1,2,3,4,5]",
            "has_value=billing_seconds",
            "filter_none_call_direction=[\"outbound\"]",
            "key_missing=call_direction",
        ])),
        prop::option::of(prop::sample::select(vec![
            "ascending=true",
            "descending=true",
            "ascending=false",
        ])),
        prop::option::of((0..20_i64, 20..40_i64)),
        prop::option::of(prop::sample::select(vec!["alice", "bob"])),
    )
        .prop_map(|(size, filter, order, range, owner)| {
            let mut qs = format!("page_size={size}");
            for part in [filter.map(str::to_owned), order.map(str::to_owned)]
                .into_iter()
                .flatten()
            {
                qs.push('&');
                qs.push_str(&part);
            }
            if let Some((from, to)) = range {
                qs.push_str(&format!(
                    "&created_from={}&created_to={}",
                    BASE + from,
                    BASE + to
                ));
            }
            (qs, owner)
        })
}

fn build(qs: &str, owner: Option<&str>, start_key: Option<&str>) -> ListingQuery {
    let mut qs = qs.to_owned();
    if let Some(key) = start_key {
        qs.push_str("&start_key=");
        qs.push_str(key);
    }
    let query = ListingQuery::from_query_string(&qs).unwrap();
    match owner {
        Some(owner) => query.owner(owner),
        None => query,
    }
}

/// The oracle's answer: every CDR the query keeps in its range, sorted in its order.
fn oracle<'a>(query: &ListingQuery, cdrs: &'a [Cdr]) -> Vec<(SortKey, &'a Cdr)> {
    let window = query.get_request();
    let (from, to) = range_of(query);
    let mut kept: Vec<(SortKey, &Cdr)> = cdrs
        .iter()
        .filter_map(|c| Some((c.listing_key()?, c)))
        .filter(|(k, c)| from <= k.time && k.time <= to && query.keeps(c))
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    if window.get_order() == SortOrder::Descending {
        kept.reverse();
    }
    kept
}

fn range_of(query: &ListingQuery) -> (GregorianSeconds, GregorianSeconds) {
    // The generated queries use explicit bounds or the defaults, which hold every time.
    let request = query.get_request();
    (
        request
            .get_created_from()
            .unwrap_or(GregorianSeconds(i64::MIN)),
        request.get_created_to().unwrap_or(NOW),
    )
}

/// A page's (key, call id) items and its next cursor.
type Listed = (Vec<(SortKey, String)>, Option<String>);

fn walk(
    qs: &str,
    owner: Option<&str>,
    list: &mut dyn FnMut(&ListingQuery, usize) -> Listed,
) -> Vec<Vec<(SortKey, String)>> {
    let mut pages = Vec::new();
    let mut start: Option<String> = None;
    for turn in 0..200 {
        let query = build(qs, owner, start.as_deref());
        let (items, next) = list(&query, turn);
        pages.push(items);
        match next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    pages
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Without inserts, every listing's pages are the oracle's, cut in page_size pieces,
    /// over a slice and over a store.
    #[test]
    fn pages_are_the_oracle_cut_in_pieces(cdrs in arb_cdrs(), (qs, owner) in arb_query()) {
        // Listing keys are unique in a store, as document ids are.
        let mut seen = HashSet::new();
        let cdrs: Vec<Cdr> = cdrs.into_iter().filter(|c| c.listing_key().is_none_or(|k| seen.insert(k))).collect();
        let query = build(&qs, owner, None);
        let expected: Vec<(SortKey, String)> = oracle(&query, &cdrs)
            .into_iter()
            .map(|(k, c)| (k, c.call_id.clone()))
            .collect();
        let size = query.get_page_size();
        let cut: Vec<Vec<(SortKey, String)>> = if expected.is_empty() {
            vec![Vec::new()]
        } else {
            expected.chunks(size).map(<[_]>::to_vec).collect()
        };
        let from_slice = walk(&qs, owner, &mut |q, _| {
            let page = q.list(&cdrs, NOW).unwrap();
            (page.items.iter().map(|c| (c.listing_key().unwrap(), c.call_id.clone())).collect(), page.next_start_key)
        });
        prop_assert_eq!(&from_slice, &cut);
        let store = VecStore::new(&cdrs);
        let from_store = walk(&qs, owner, &mut |q, _| {
            let page = q.list_store(&store, NOW).unwrap();
            (page.items.iter().map(|c| (c.listing_key().unwrap(), c.call_id.clone())).collect(), page.next_start_key)
        });
        prop_assert_eq!(&from_store, &cut);
    }

    /// With CDRs added between pages (equal times included), every CDR present from the
    /// start and kept by the query is listed exactly once, in order, and nothing the query
    /// does not keep is listed.
    #[test]
    fn inserts_between_pages_neither_lose_nor_repeat(
        cdrs in arb_cdrs(), inserts in prop::collection::vec(arb_cdr(1000), 0..12),
        (qs, owner) in arb_query(), use_store in any::<bool>(),
    ) {
        let mut seen = HashSet::new();
        let initial: Vec<Cdr> = cdrs.into_iter().filter(|c| c.listing_key().is_none_or(|k| seen.insert(k))).collect();
        let mut inserts: Vec<Cdr> = inserts.into_iter().enumerate().map(|(i, mut c)| {
            c.call_id = format!("new-{i}-{}", c.call_id);
            c.doc_id = None;
            c
        }).collect();
        let query = build(&qs, owner, None);
        let must: Vec<String> = oracle(&query, &initial).into_iter().map(|(_, c)| c.call_id.clone()).collect();
        let mut live = initial.clone();
        let pages = walk(&qs, owner, &mut |q, _| {
            let page = if use_store {
                let store = VecStore::new(&live);
                let page = q.list_store(&store, NOW).unwrap();
                (page.items.iter().map(|c| (c.listing_key().unwrap(), c.call_id.clone())).collect::<Vec<_>>(), page.next_start_key)
            } else {
                let page = q.list(&live, NOW).unwrap();
                (page.items.iter().map(|c| (c.listing_key().unwrap(), c.call_id.clone())).collect::<Vec<_>>(), page.next_start_key)
            };
            if let Some(new) = inserts.pop() {
                live.push(new);
            }
            page
        });
        let listed: Vec<(SortKey, String)> = pages.iter().flatten().cloned().collect();
        let ascending = query.get_order() == SortOrder::Ascending;
        for pair in listed.windows(2) {
            prop_assert!(if ascending { pair[0].0 < pair[1].0 } else { pair[0].0 > pair[1].0 }, "{:?}", pair);
        }
        let names: HashSet<&String> = listed.iter().map(|(_, id)| id).collect();
        prop_assert_eq!(names.len(), listed.len());
        for id in &must {
            prop_assert!(names.contains(id), "{} lost", id);
        }
        let kept: HashSet<String> = oracle(&query, &live).into_iter().map(|(_, c)| c.call_id.clone()).collect();
        for (_, id) in &listed {
            prop_assert!(kept.contains(id), "{} listed but not kept", id);
        }
        for page in &pages[..pages.len().saturating_sub(1)] {
            prop_assert_eq!(page.len(), query.get_page_size());
        }
    }

    /// Interactions: the pages are the A-leg-filtered interactions in listing order, cut in
    /// pieces, with new calls added between pages never losing or repeating one.
    #[test]
    fn interaction_pages_follow_the_oracle(
        calls in prop::collection::vec((0..30_i64, prop::option::of("inbound|outbound"), prop::option::of("alice|bob"), 1..3usize), 0..20),
        (qs, owner) in arb_query(), added in 0..5usize,
    ) {
        let make = |prefix: &str, calls: &[(i64, Option<String>, Option<String>, usize)]| -> Vec<Cdr> {
            calls.iter().enumerate().flat_map(|(n, (t, direction, who, legs))| {
                (0..*legs).map(move |leg| {
                    let mut value = json!({
                        "call_id": format!("{prefix}{n}-{leg}"),
                        "interaction_id": format!("{}-{prefix}k{n}", BASE + t),
                        "channel_created_time": (BASE - 62_167_219_200 + t) * 1_000_000 + leg as i64,
                        "timestamp": BASE + t,
                    });
                    if let Some(d) = direction { value["call_direction"] = json!(d); }
                    if let Some(o) = who { value["custom_channel_vars"] = json!({"owner_id": o}); }
                    cdr(value)
                }).collect::<Vec<_>>()
            }).collect()
        };
        let calls: Vec<(i64, Option<String>, Option<String>, usize)> = calls;
        let mut legs = make("c", &calls);
        let query = build(&qs, owner, None);
        let (from, to) = range_of(&query);
        let oracle = |legs: &[Cdr]| -> Vec<String> {
            let grouped = group_interactions(legs);
            let mut kept: Vec<&Interaction<'_>> = grouped.iter()
                .filter(|i| i.time().is_some_and(|t| from <= t && t <= to))
                .filter(|i| query.keeps(i.representative().unwrap()))
                .collect();
            if query.get_order() == SortOrder::Descending { kept.reverse(); }
            kept.iter().map(|i| i.key().to_owned()).collect()
        };
        let must = oracle(&legs);
        let extra: Vec<(i64, Option<String>, Option<String>, usize)> =
            (0..added).map(|i| (i as i64 * 7 % 30, Some("inbound".to_owned()), Some("alice".to_owned()), 2)).collect();
        let mut extra = make("n", &extra);
        let mut listed: Vec<String> = Vec::new();
        let mut sizes = Vec::new();
        let mut start: Option<String> = None;
        for _ in 0..200 {
            let q = build(&qs, owner, start.as_deref());
            let grouped = group_interactions(&legs);
            let page = q.list_interactions(&grouped, NOW).unwrap();
            for call in &page.items {
                prop_assert!(call.legs.iter().all(|leg| leg.interaction() == call.legs[0].interaction()));
                listed.push(call.key().to_owned());
            }
            sizes.push(page.items.len());
            let next = page.next_start_key.clone();
            drop(page);
            drop(grouped);
            for _ in 0..2 { if let Some(leg) = extra.pop() { legs.push(leg); } }
            match next { Some(next) => start = Some(next), None => break }
        }
        let unique: HashSet<&String> = listed.iter().collect();
        prop_assert_eq!(unique.len(), listed.len());
        for key in &must { prop_assert!(unique.contains(key), "{} lost", key); }
        if added == 0 {
            prop_assert_eq!(&listed, &must);
        }
        for size in &sizes[..sizes.len().saturating_sub(1)] {
            prop_assert_eq!(*size, query.get_page_size());
        }
    }
}

#[test]
fn one_document_and_its_database() {
    use kazoo_records::cdr::{CdrId, InteractionId, legs_of};
    let cdr = cdr(
        json!({"_id": "201905-abc", "_rev": "2-x", "call_id": "abc", "pvt_vsn": 2,
                         "pvt_account_db": "x", "billing_seconds": "7", "custom_x": {"_k": 1}}),
    );
    let doc = cdr.public_doc();
    assert_eq!(doc["id"], json!("201905-abc"));
    assert!(
        doc.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with('_') && !k.starts_with("pvt_"))
    );
    assert_eq!(
        doc["custom_x"],
        json!({"_k": 1}),
        "only top-level keys are private"
    );
    let id = CdrId::parse("201510-at6dmu4ffk97vnlp6qfq").unwrap();
    assert_eq!(
        id.account_database("account0000000000000000000000002")
            .unwrap(),
        "account%2Fac%2Fco%2Funt0000000000000000000000002-201510"
    );
    let err = id.account_database("short").unwrap_err();
    assert_eq!((err.kind(), err.path()), (ErrorKind::Invalid, "account_id"));
    let legs = vec![cdr_leg("b", 2), cdr_leg("a", 1), cdr_leg("c", 3)];
    let interaction = InteractionId::parse("63724403398-k").unwrap();
    let order: Vec<&str> = legs_of(&legs, &interaction)
        .iter()
        .map(|l| l.call_id.as_str())
        .collect();
    assert_eq!(order, ["a", "b", "c"]);
}

fn cdr_leg(call: &str, micros: i64) -> Cdr {
    cdr(
        json!({"call_id": call, "interaction_id": "63724403398-k", "channel_created_time": 1_557_184_198_000_000_i64 + micros}),
    )
}
