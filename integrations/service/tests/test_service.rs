//! The service end to end: KAZOO's CHANNEL_DESTROY events published to the live broker, the
//! service's CDR consumer storing them (SQLite, then PostgreSQL), and every endpoint walked
//! with curl: pages to the end by `next_start_key`, the union checked against what was
//! published (each call exactly once, in order), filters, user scopes, interactions, CSV,
//! single documents, legs, the summary, and crossbar's status codes for bad parameters.
//! Needs `AMQP_URL` and `KAZOO_RECORDS_PG_URL` (`.ci/run` starts both); fails without.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{
    ACCOUNT_ID, Running, broker_url, consumer_config, curl, expected, owner, pg_url, publish,
    unique, wait_until,
};
use kazoo_records::cdr::{Cdr, SortKey, Summary};
use kazoo_records_service::Backend;

/// Calls published; the first `REPEATED` are published twice (redeliveries).
const CALLS: usize = 75;
const REPEATED: usize = 10;

/// The range holding every call, as query parameters.
fn range(calls: &BTreeMap<String, Cdr>) -> String {
    let times: Vec<i64> = calls
        .values()
        .map(|c| c.listing_time().expect("a listing time").0)
        .collect();
    let (from, to) = (times.iter().min().unwrap(), times.iter().max().unwrap());
    format!("created_from={}&created_to={}", from - 10, to + 10)
}

/// Every page of `path?query` from the first by `next_start_key`: the rows' ids, page by
/// page, checking each page's envelope.
fn walk(base: &str, path: &str, query: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut key: Option<String> = None;
    loop {
        let url = match &key {
            Some(k) => format!("{base}/{path}?{query}&start_key={k}"),
            None => format!("{base}/{path}?{query}"),
        };
        let answer = curl(&url, &[]);
        assert_eq!(answer.status, 200, "{url}: {}", answer.body);
        let body = answer.json();
        assert_eq!(body["status"], "success", "{url}");
        assert_eq!(body["start_key"].as_str(), key.as_deref(), "{url}");
        let ids: Vec<String> = body["data"]
            .as_array()
            .unwrap_or_else(|| panic!("{url}: no data"))
            .iter()
            .map(|row| row["id"].as_str().expect("a row id").to_owned())
            .collect();
        pages.push(ids);
        assert!(pages.len() <= 2 * CALLS, "{url}: pages never end");
        match body["next_start_key"].as_str() {
            Some(k) => key = Some(k.to_owned()),
            None => return pages,
        }
    }
}

/// The ids of `calls` that `keep` keeps, in listing order (descending unless `ascending`).
fn oracle(
    calls: &BTreeMap<String, Cdr>,
    ascending: bool,
    keep: impl Fn(&Cdr) -> bool,
) -> Vec<String> {
    let mut rows: Vec<(SortKey, &String)> = calls
        .iter()
        .filter(|(_, c)| keep(c))
        .map(|(id, c)| (c.listing_key().expect("a key"), id))
        .collect();
    rows.sort();
    if !ascending {
        rows.reverse();
    }
    rows.into_iter().map(|(_, id)| id.clone()).collect()
}

fn owner_of(cdr: &Cdr) -> Option<&str> {
    cdr.channel_vars().owner_id.as_deref()
}

fn every_endpoint(backend: Backend, what: &str) {
    let url = broker_url();
    let config = consumer_config(&url, what);
    let exchange = config.exchange.clone();
    let service = Running::start(backend, config);
    let base = service.base.clone();
    let run = unique(what).replace('.', "-");
    service.runtime.block_on(async {
        publish(&url, &exchange, &run, 0..CALLS).await;
        publish(&url, &exchange, &run, 0..REPEATED).await;
    });
    let calls = expected(&run, CALLS);
    let range = range(&calls);

    // Stored: every call listed (one page of everything), the redeliveries no-ops.
    let everything = format!("{base}/cdrs?{range}&paginate=false");
    let stored = wait_until(Duration::from_secs(60), || {
        curl(&everything, &[]).json()["data"]
            .as_array()
            .is_some_and(|rows| rows.len() >= CALLS)
            && service.consumer.stats().already_present >= REPEATED as u64
    });
    let stats = service.consumer.stats();
    assert!(stored, "not stored within 60 s: {stats:?}");
    assert_eq!(
        (
            stats.inserted,
            stats.already_present,
            stats.dead_lettered,
            stats.store_errors
        ),
        (CALLS as u64, REPEATED as u64, 0, 0),
        "{stats:?}"
    );
    let all = curl(&everything, &[]).json();
    assert!(all.get("next_start_key").is_none() && all.get("page_size").is_none());

    // CDR listings, paged to the end, both orders, filtered, user-scoped.
    let inbound = |c: &Cdr| c.call_direction.as_ref().map(|d| d.as_str()) == Some("inbound");
    for ascending in [true, false] {
        let order = if ascending {
            "ascending=true"
        } else {
            "descending=true"
        };
        for (path, filter, keep) in [
            (
                "cdrs",
                "",
                Box::new(|_: &Cdr| true) as Box<dyn Fn(&Cdr) -> bool>,
            ),
            ("cdrs", "&filter_call_direction=inbound", Box::new(inbound)),
            (
                "users/alice/cdrs",
                "",
                Box::new(|c: &Cdr| owner_of(c) == Some("alice")),
            ),
            (
                "users/bob/cdrs",
                "&filter_call_direction=inbound",
                Box::new(move |c: &Cdr| owner_of(c) == Some("bob") && inbound(c)),
            ),
        ] {
            let query = format!("{range}&page_size=7&{order}{filter}");
            let pages = walk(&base, path, &query);
            let want = oracle(&calls, ascending, keep);
            assert!(!want.is_empty(), "{path}?{query}: the oracle lists nothing");
            assert!(
                pages[..pages.len() - 1].iter().all(|p| p.len() == 7),
                "{path}?{query}: a short page before the last: {pages:?}"
            );
            let got: Vec<String> = pages.concat();
            assert_eq!(got, want, "{path}?{query}: not each CDR once, in order");
        }
    }
    // The published calls are the listed ones, and the owners are as published.
    let listed: BTreeSet<String> = walk(&base, "cdrs", &format!("{range}&page_size=50"))
        .concat()
        .into_iter()
        .collect();
    assert_eq!(listed, calls.keys().cloned().collect::<BTreeSet<_>>());
    let alice = (0..CALLS).filter(|i| owner(*i) == Some("alice")).count();
    assert_eq!(
        walk(
            &base,
            "users/alice/cdrs",
            &format!("{range}&paginate=false")
        )
        .concat()
        .len(),
        alice
    );

    // Interactions: whole calls, every leg once, never split across pages.
    let mut legs_by_call: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, cdr) in &calls {
        let call = cdr.interaction().expect("an interaction").to_string();
        legs_by_call.entry(call).or_default().insert(id.clone());
    }
    for (path, keep_owner) in [
        ("cdrs/interaction", None),
        ("users/alice/cdrs/interaction", Some("alice")),
    ] {
        let pages = walk(&base, path, &format!("{range}&page_size=4&ascending=true"));
        let mut seen = BTreeSet::new();
        for page in &pages {
            let mut calls_on_page: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for id in page {
                assert!(seen.insert(id.clone()), "{path}: {id} listed twice");
                let call = calls[id].interaction().unwrap().to_string();
                calls_on_page.entry(call).or_default().insert(id.clone());
            }
            assert!(
                calls_on_page.len() <= 4,
                "{path}: more than a page of calls"
            );
            for (call, legs) in calls_on_page {
                assert_eq!(
                    legs, legs_by_call[&call],
                    "{path}: call {call} split across pages"
                );
            }
        }
        let want: BTreeSet<String> = legs_by_call
            .values()
            .filter(|legs| {
                // KAZOO's rule: a call is the owner's when its A leg is.
                let a_leg = legs
                    .iter()
                    .map(|id| &calls[id])
                    .min_by_key(|c| (c.channel_created_time, c.call_id.clone()))
                    .unwrap();
                keep_owner.is_none_or(|o| owner_of(a_leg) == Some(o))
            })
            .flatten()
            .cloned()
            .collect();
        assert_eq!(seen, want, "{path}: not every call's legs");
    }

    // One CDR, the legs of one call, and what names nothing.
    for (id, cdr) in calls.iter().take(5) {
        let answer = curl(&format!("{base}/cdrs/{id}"), &[]);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let doc = answer.json();
        assert_eq!(doc["status"], "success");
        assert_eq!(doc["data"], cdr.public_doc(), "{id}");
        assert!(
            doc["data"]
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.starts_with('_') && !k.starts_with("pvt_"))
        );
        let call = cdr.interaction().unwrap().to_string();
        let legs = curl(&format!("{base}/cdrs/legs/{call}"), &[]).json();
        let ids: BTreeSet<String> = legs["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, legs_by_call[&call], "legs of {call}");
    }
    let some_id = calls.keys().next().unwrap();
    let owned = curl(&format!("{base}/users/alice/cdrs/{some_id}"), &[]);
    assert_eq!(owned.status, 200, "{}", owned.body);
    let missing = format!("{}-no-such-call", &some_id[..6]);
    for (path, id) in [
        (format!("cdrs/{missing}"), missing.as_str()),
        ("cdrs/not-an-id".to_owned(), "not-an-id"),
        (
            "cdrs/legs/not-an-interaction".to_owned(),
            "not-an-interaction",
        ),
    ] {
        let answer = curl(&format!("{base}/{path}"), &[]);
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        let body = answer.json();
        assert_eq!(
            (
                body["error"].as_str(),
                body["message"].as_str(),
                body["status"].as_str()
            ),
            (Some("404"), Some("bad identifier"), Some("error")),
            "{path}"
        );
        assert_eq!(body["data"], serde_json::json!([id]));
    }

    // CSV: the header row and one row per CDR, named as asked.
    for (query, headers, name) in [
        (
            format!("{range}&paginate=false"),
            vec!["Accept: text/csv"],
            "result.csv",
        ),
        (
            format!("{range}&paginate=false"),
            vec!["Accept: text/csv", "X-File-Name: march.csv"],
            "march.csv",
        ),
        (
            format!("{range}&paginate=false&accept=csv&file_name=../x/april.csv"),
            vec![],
            "april.csv",
        ),
    ] {
        let answer = curl(&format!("{base}/cdrs?{query}"), &headers);
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("text/csv"));
        assert_eq!(
            answer.header("content-disposition"),
            Some(format!("attachment; filename=\"{name}\"").as_str())
        );
        let mut reader = csv::Reader::from_reader(answer.body.as_bytes());
        let header = reader.headers().expect("a header row").clone();
        let id_column = header.iter().position(|h| h == "id").expect("an id column");
        let ids: BTreeSet<String> = reader
            .records()
            .map(|r| r.expect("a CSV row")[id_column].to_owned())
            .collect();
        assert_eq!(ids, listed, "{query}: CSV rows");
    }
    let csv_calls = curl(
        &format!("{base}/cdrs/interaction?{range}&paginate=false"),
        &["Accept: text/csv"],
    );
    assert_eq!(csv_calls.status, 200);
    assert_eq!(
        csv_calls.body.lines().count(),
        CALLS + 1,
        "a header and a row per leg"
    );

    // The summary of the range equals the core's over what was published.
    let summary = curl(&format!("{base}/cdrs/summary?{range}"), &[]).json();
    assert_eq!(summary["status"], "success");
    assert_eq!(summary["data"], Summary::of(calls.values()).to_json());

    // Bad parameters: crossbar's codes and envelopes.
    for (query, status, parameter) in [
        ("page_size=0", 400, Some("page_size")),
        ("page_size=many", 400, Some("page_size")),
        (
            "created_from=63610891999&created_to=63610891000",
            400,
            Some("created_to"),
        ),
        (
            "created_from=1&created_to=63610891000",
            400,
            Some("created_from"),
        ),
        ("start_key=garbage", 400, Some("start_key")),
        ("utc_offset=abc", 404, None),
    ] {
        for path in ["cdrs", "cdrs/interaction", "users/alice/cdrs"] {
            let answer = curl(&format!("{base}/{path}?{query}"), &[]);
            assert_eq!(answer.status, status, "{path}?{query}: {}", answer.body);
            let body = answer.json();
            assert_eq!(body["status"], "error", "{path}?{query}");
            assert_eq!(body["error"], status.to_string(), "{path}?{query}");
            match parameter {
                Some(p) => {
                    assert_eq!(body["message"], "invalid request", "{path}?{query}");
                    assert!(
                        body["data"].get(p).is_some(),
                        "{path}?{query}: {}",
                        answer.body
                    );
                }
                None => assert_eq!(body["message"], "utc_offset must be a number"),
            }
        }
    }
    // A cursor replayed under another query is refused.
    let first = curl(&format!("{base}/cdrs?{range}&page_size=5"), &[]).json();
    let key = first["next_start_key"].as_str().expect("more than a page");
    let replayed = curl(
        &format!("{base}/cdrs?{range}&page_size=5&ascending=true&start_key={key}"),
        &[],
    );
    assert_eq!(replayed.status, 400, "{}", replayed.body);
    // An account id that is not one, and a path crossbar does not route.
    let other = base.replace(ACCOUNT_ID, "not-an-account");
    assert_eq!(curl(&format!("{other}/cdrs"), &[]).status, 404);
    assert_eq!(curl(&format!("{base}/cdrs/legs/a/b"), &[]).status, 404);

    service.stop();
}

#[test]
fn every_endpoint_over_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    every_endpoint(
        Backend::Sqlite(dir.path().join("cdrs.sqlite")),
        "svc-sqlite",
    );
}

#[test]
fn every_endpoint_over_postgres() {
    every_endpoint(Backend::Postgres(pg_url("t_service")), "svc-pg");
}
