//! Inputs sized to hurt: huge page sizes, deeply nested JSON, megabyte names, ten-thousand
//! entry binding lists, cursors of random bytes. Each gets a clear error or a correct answer
//! whose cost is bounded by the input (README, "Reliability").

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kazoo_records::cdr::{
    Cdr, CdrId, Filters, InteractionId, OrderedStore, PageRequest, ScanStart, SortKey, SortOrder,
    group_interactions, paginate, paginate_interactions, paginate_store,
};
use kazoo_records::edr::{
    Binding, Emitter, Event, Registry, Severity, Verbosity, bindings_from_json, bindings_to_json,
    topic,
};
use kazoo_records::time::{GregorianSeconds, UtcOffset, parse_iso8601};
use kazoo_records::{Error, ErrorKind};
use proptest::prelude::{Rng, RngCore};
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::{Value, json};

const MEGABYTE: usize = 1 << 20;
const NOW: GregorianSeconds = GregorianSeconds(63_724_403_500);

/// An error message is one line and does not echo a huge input whole.
fn assert_short(err: &Error) {
    let message = err.to_string();
    assert!(
        message.len() < 400 && !message.contains('\n'),
        "message of {} bytes: {message:.400}",
        message.len()
    );
}

fn cdrs(n: usize) -> Vec<Cdr> {
    (0..n)
        .map(|i| {
            let doc = json!({"call_id": format!("c{i}"), "timestamp": NOW.0 - (i as i64 % 1000),
                             "interaction_id": format!("{}-{:08x}", NOW.0 - 2000, i / 3)});
            Cdr::from_json_value(&doc).expect("a valid CDR")
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Page sizes

#[test]
fn a_page_size_over_the_maximum_is_refused_by_name() {
    let cdrs = cdrs(10);
    for size in [1001, usize::MAX] {
        let err = paginate(&cdrs, &PageRequest::new().page_size(size), NOW).unwrap_err();
        assert_eq!(
            (err.kind(), err.path()),
            (ErrorKind::OutOfRange, "page_size")
        );
        assert!(err.to_string().contains(&size.to_string()), "{err}");
    }
}

#[test]
fn the_largest_page_size_a_host_allows_costs_only_what_exists() {
    let cdrs = cdrs(3000);
    let request = PageRequest::new()
        .max_page_size(usize::MAX)
        .page_size(usize::MAX);
    let page = paginate(&cdrs, &request, NOW).expect("one page of everything");
    assert_eq!(page.items.len(), 3000);
    assert!(page.is_last());
    let ascending =
        paginate(&cdrs, &request.clone().ascending(), NOW).expect("one page of everything");
    assert_eq!(ascending.items.len(), 3000);
    assert!(
        ascending
            .items
            .windows(2)
            .all(|w| w[0].timestamp <= w[1].timestamp)
    );

    let interactions = group_interactions(&cdrs);
    let page =
        paginate_interactions(&interactions, &request, NOW).expect("one page of every interaction");
    assert_eq!(page.items.len(), 1000);
    assert!(page.is_last());
}

/// A store that counts the rows it hands out.
struct Counting {
    rows: Vec<(SortKey, usize)>,
    handed: AtomicUsize,
}

impl OrderedStore for Counting {
    type Row = usize;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, usize)>, Error> {
        let rows = common::scan_sorted(&self.rows, start, order, limit);
        self.handed.fetch_add(rows.len(), Ordering::Relaxed);
        Ok(rows)
    }
}

#[test]
fn a_store_listing_reads_no_more_rows_than_the_page_needs() {
    let rows: Vec<(SortKey, usize)> = (0..5000)
        .map(|i| {
            (
                SortKey::new(
                    GregorianSeconds(NOW.0 - 5000 + i as i64),
                    format!("d{i:05}"),
                ),
                i,
            )
        })
        .collect();
    let store = Counting {
        rows,
        handed: AtomicUsize::new(0),
    };
    let page = paginate_store(&store, &PageRequest::new().page_size(10), NOW).expect("a page");
    assert_eq!(page.items, (4990..5000).rev().collect::<Vec<_>>());
    assert!(
        store.handed.load(Ordering::Relaxed) <= 11 + 1,
        "read {} rows for a page of 10",
        store.handed.load(Ordering::Relaxed)
    );

    store.handed.store(0, Ordering::Relaxed);
    let all = PageRequest::new()
        .max_page_size(usize::MAX)
        .page_size(usize::MAX)
        .max_range(10_000);
    let page = paginate_store(&store, &all, NOW).expect("everything");
    assert_eq!(page.items.len(), 5000);
    assert_eq!(store.handed.load(Ordering::Relaxed), 5000);
}

// ---------------------------------------------------------------------------------------------
// Deeply nested JSON

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn deeply_nested_cdr_json_is_a_json_error_not_a_stack_overflow() {
    for depth in [200, 100_000] {
        let text = format!(r#"{{"call_id": "a", "extra": {}}}"#, nested(depth));
        let err = Cdr::from_json_str(&text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Json, "{err}");
        assert!(err.to_string().contains("recursion limit"), "{err}");
        assert_short(&err);
        assert_eq!(
            Cdr::from_json_slice(text.as_bytes()).unwrap_err().kind(),
            ErrorKind::Json
        );
    }
    // Nesting within serde_json's limit (128) is kept whole.
    let text = format!(r#"{{"call_id": "a", "extra": {}}}"#, nested(100));
    let cdr = Cdr::from_json_str(&text).expect("100 levels are fine");
    let written = serde_json::to_string(&cdr).expect("serialises");
    assert_eq!(Cdr::from_json_str(&written), Ok(cdr));
}

#[test]
fn deeply_nested_event_and_binding_json_is_refused_by_the_reader() {
    let event = format!(r#"{{"app_name": "a", "body": {}}}"#, nested(100_000));
    assert!(serde_json::from_str::<Event>(&event).is_err());
    let bindings = format!(r#"[{{"app_name": {}}}]"#, nested(100_000));
    assert!(serde_json::from_str::<Vec<Binding>>(&bindings).is_err());
    // Through a `Value`, the depth is whatever the host's parser allowed (128 for serde_json):
    // a body that deep is carried as is.
    let body: Value = serde_json::from_str(&nested(120)).expect("within the limit");
    let event = Event::new("a", "1", Severity::Ok, Verbosity::Info, body.clone());
    assert_eq!(
        Event::from_json(&serde_json::to_value(&event).unwrap()).map(|e| e.body().clone()),
        Ok(body)
    );
}

// ---------------------------------------------------------------------------------------------
// Megabyte names

#[test]
fn a_megabyte_app_name_dispatches_in_process_but_has_no_routing_key() {
    let app = "a".repeat(MEGABYTE);
    let registry = Arc::new(Registry::new());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    registry
        .bind("all", [Binding::default()], move |event: &Event| {
            counter.fetch_add(event.app_name().len(), Ordering::Relaxed);
        })
        .expect("binds");
    let event =
        Event::new(app.as_str(), "1", Severity::Ok, Verbosity::Info, json!({})).with_account("abc");
    assert_eq!(registry.dispatch(&event).delivered, 1);
    assert_eq!(seen.load(Ordering::Relaxed), MEGABYTE);

    let err = event.routing_key().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
    assert_short(&err);
    assert_eq!(
        Event::from_json(&serde_json::to_value(&event).unwrap()).as_ref(),
        Ok(&event)
    );
    assert_eq!(
        Event::from_amqp_json(&event.to_amqp_json()).as_ref(),
        Ok(&event)
    );

    let emitter = Emitter::new(Arc::clone(&registry));
    let report = emitter
        .event(&app, "1", Severity::Ok, Verbosity::Info, json!({}))
        .expect("someone listens");
    assert_eq!(report.delivered, 1);
}

#[test]
fn a_binding_on_a_megabyte_name_is_refused_by_name() {
    let app = "a".repeat(MEGABYTE);
    let err = Binding::default().app(app.as_str()).validate().unwrap_err();
    assert_eq!(
        (err.kind(), err.path()),
        (ErrorKind::OutOfRange, "app_name")
    );
    assert_short(&err);

    let err = bindings_from_json(&json!([{}, {"account_id": ["abc", app]}])).unwrap_err();
    assert_eq!(
        (err.kind(), err.path()),
        (ErrorKind::OutOfRange, "bindings[1].account_id[1]")
    );
    assert_short(&err);

    let registry = Registry::new();
    let err = registry
        .bind("big", [Binding::default().app(app)], |_: &Event| {})
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
    assert_eq!(registry.stats().subscriptions, 0);
}

#[test]
fn megabyte_texts_are_refused_quickly_and_briefly() {
    let junk = "9".repeat(MEGABYTE);
    let errors = [
        parse_iso8601(&junk).map(|_| ()).unwrap_err(),
        GregorianSeconds::parse_iso8601(&junk)
            .map(|_| ())
            .unwrap_err(),
        UtcOffset::parse(&junk).map(|_| ()).unwrap_err(),
        CdrId::parse(&junk).map(|_| ()).unwrap_err(),
        InteractionId::parse(&junk).map(|_| ()).unwrap_err(),
        junk.parse::<Severity>().map(|_| ()).unwrap_err(),
        Cdr::from_json_str(&format!(r#"{{"call_id": "a", "timestamp": "{junk}x"}}"#))
            .map(|_| ())
            .unwrap_err(),
    ];
    for err in &errors {
        assert_short(err);
    }
    assert!(!topic::matches(&junk, "9"));
    assert!(topic::matches(
        &format!("{}#", "#.".repeat(MEGABYTE / 2)),
        &"a.".repeat(1000)
    ));
}

// ---------------------------------------------------------------------------------------------
// Ten thousand entries

#[test]
fn ten_thousand_bindings_read_write_and_bind() {
    let list: Vec<Value> = (0..10_000)
        .map(|i| json!({"account_id": format!("acc{i}"), "app_name": ["callflow", "crossbar"]}))
        .collect();
    let bindings = bindings_from_json(&Value::Array(list)).expect("reads");
    assert_eq!(bindings.len(), 10_000);
    assert_eq!(
        bindings_from_json(&bindings_to_json(&bindings)).as_ref(),
        Ok(&bindings)
    );

    let registry = Registry::new();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    registry
        .bind("many", bindings, move |_: &Event| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .expect("binds");
    for account in ["acc0", "acc9999", "acc10000"] {
        let event = Event::new("crossbar", "1", Severity::Ok, Verbosity::Info, json!({}))
            .with_account(account);
        registry.dispatch(&event);
    }
    assert_eq!(
        hits.load(Ordering::Relaxed),
        2,
        "delivered once each to acc0 and acc9999"
    );
}

#[test]
fn a_binding_of_ten_thousand_accounts_is_filed_once_per_account() {
    let accounts: Vec<String> = (0..10_000).map(|i| format!("acc{i}")).collect();
    let binding = Binding::default()
        .accounts(accounts.clone())
        .include_descendants(true);
    assert_eq!(binding.validate(), Ok(()));
    let registry = Registry::new();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    registry
        .bind("wide", [binding], move |_: &Event| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .expect("binds");
    let child = Event::new("a", "1", Severity::Ok, Verbosity::Info, json!({}))
        .with_account("child")
        .with_account_tree(vec!["root".into(), "acc7777".into()]);
    assert_eq!(registry.dispatch(&child).delivered, 1);
    assert_eq!(hits.load(Ordering::Relaxed), 1);

    let apps: Vec<String> = (0..10_000).map(|i| format!("app{i}")).collect();
    let err = Binding::default()
        .accounts(accounts)
        .apps(apps)
        .validate()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
    assert!(
        err.to_string()
            .contains(&format!("at most {}", Binding::MAX_NAME_PAIRS)),
        "{err}"
    );
}

#[test]
fn ten_thousand_filters_parse_and_match() {
    let pairs: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("filter_not_k{i}"), format!("v{i}")))
        .collect();
    let filters =
        Filters::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).expect("parses");
    assert_eq!(filters.len(), 10_000);
    assert!(filters.matches_json(&json!({"k1": "other"})));
    assert!(!filters.matches_json(&json!({"k9999": "v9999"})));

    let list = format!(
        "[{}]",
        (0..100_000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let filters =
        Filters::from_query([("filter_billing_seconds", list.as_str())]).expect("a long list");
    assert!(filters.matches_json(&json!({"billing_seconds": 99_999})));
    assert!(!filters.matches_json(&json!({"billing_seconds": 100_000})));
}

// ---------------------------------------------------------------------------------------------
// Cursors of random bytes

#[test]
fn cursors_of_random_bytes_are_refused_as_cursors() {
    let cdrs = cdrs(50);
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    for round in 0..2000 {
        let mut bytes = vec![0; rng.random_range(0..300)];
        rng.fill_bytes(&mut bytes);
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if round % 2 == 0 {
            text.insert_str(0, "v1.");
        }
        let err = paginate(&cdrs, &PageRequest::new().start_key(text.as_str()), NOW)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.path()),
            (ErrorKind::Cursor, "start_key"),
            "{text:?}: {err}"
        );
        assert_short(&err);
    }
    let huge = format!("v1.{}", "A".repeat(MEGABYTE));
    let err = paginate(&cdrs, &PageRequest::new().start_key(huge), NOW)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cursor);
    assert_short(&err);
}
