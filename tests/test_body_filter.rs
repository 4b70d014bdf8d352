//! `BodyFilter` and bindings that carry one: matching against a naive oracle, JSON round
//! trips, routing keys, and dispatch through a `Registry`.

use std::sync::{Arc, Mutex};

use kazoo_records::ErrorKind;
use kazoo_records::edr::{
    Binding, BodyFilter, Event, Registry, Severity, Verbosity, bindings_from_json, bindings_to_json,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// The oracle: the documented rules, written out directly (pointers through serde_json's own
// RFC 6901 implementation).

fn oracle_matches(filter: &Value, body: &Value) -> bool {
    filter.as_object().unwrap().iter().all(|(key, value)| {
        if key.starts_with('/') {
            let alternatives = match value {
                Value::Array(list) => list.clone(),
                other => vec![other.clone()],
            };
            match body.pointer(key) {
                None => false,
                Some(found) => alternatives.iter().any(|a| oracle_equal(found, a)),
            }
        } else {
            match body {
                Value::Object(members) => members
                    .get(key)
                    .is_some_and(|found| oracle_contains(found, value)),
                _ => false,
            }
        }
    })
}

fn oracle_contains(value: &Value, pattern: &Value) -> bool {
    match pattern {
        Value::Object(wanted) => match value {
            Value::Object(have) => wanted.iter().all(|(k, p)| match have.get(k) {
                Some(v) => oracle_contains(v, p),
                None => false,
            }),
            _ => false,
        },
        Value::Array(wanted) => match value {
            Value::Array(have) => {
                wanted
                    .iter()
                    .filter(|p| !have.iter().any(|v| oracle_contains(v, p)))
                    .count()
                    == 0
            }
            _ => false,
        },
        scalar => !value.is_object() && !value.is_array() && oracle_equal(value, scalar),
    }
}

/// Equality with numbers by value: the generated numbers are exact in `f64`.
fn oracle_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| oracle_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| oracle_equal(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// Generators over small domains, so that random filters often hit random bodies.

const KEYS: [&str; 5] = ["a", "b", "status", "a/b", "m~n"];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0i64..3).prop_map(Value::from),
        prop_oneof![Just(1.0f64), Just(2.5), Just(0.0)].prop_map(Value::from),
        prop_oneof![Just("ready"), Just("paused"), Just("")].prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..4).prop_map(
                |members| {
                    Value::Object(
                        members
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

fn body() -> impl Strategy<Value = Value> {
    prop_oneof![
        9 => prop::collection::vec((prop::sample::select(&KEYS[..]), value()), 0..5).prop_map(
            |members| Value::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        ),
        1 => value(),
    ]
}

/// A pointer over [`KEYS`] and small indexes, escaped as RFC 6901 says (with some that
/// never resolve: `-`, a leading zero).
fn pointer() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(&KEYS[..]).prop_map(|k| k.replace('~', "~0").replace('/', "~1")),
        prop_oneof![Just("0"), Just("1"), Just("01"), Just("-")].prop_map(str::to_owned),
    ];
    prop::collection::vec(token, 1..4).prop_map(|tokens| format!("/{}", tokens.join("/")))
}

fn filter_json() -> impl Strategy<Value = Value> {
    let member = prop_oneof![
        (
            prop::sample::select(&KEYS[..]).prop_map(str::to_owned),
            value()
        ),
        (
            pointer(),
            prop_oneof![
                // Not an array: compared for equality (an array is a list of alternatives).
                value().prop_filter("a single value", |v| !v.is_array()),
                prop::collection::vec(value(), 1..4).prop_map(Value::Array)
            ]
        ),
    ];
    prop::collection::vec(member, 1..4)
        .prop_map(|members| Value::Object(members.into_iter().collect()))
}

/// Members that a body satisfies (unless a random member is added beside them): its own
/// members, pointers to them, to their first element or member.
fn taken_members(body: &Value) -> Vec<(String, Value)> {
    let Value::Object(members) = body else {
        return Vec::new();
    };
    let mut taken = Vec::new();
    for (key, value) in members {
        let escaped = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
        taken.push((key.clone(), value.clone()));
        taken.push((escaped.clone(), json!([value, "other"])));
        match value {
            Value::Array(items) if !items.is_empty() => {
                taken.push((format!("{escaped}/0"), json!([items[0]])));
                taken.push((key.clone(), json!([items[items.len() - 1]])));
            }
            Value::Object(inner) => {
                if let Some((k, v)) = inner.iter().next() {
                    taken.push((key.clone(), json!({ k.clone(): v })));
                }
            }
            _ => {}
        }
    }
    taken
}

/// A body and a filter: random, or partly taken from the body.
fn case() -> impl Strategy<Value = (Value, Value)> {
    body().prop_flat_map(|body| {
        let taken = taken_members(&body);
        (
            Just(body),
            filter_json(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            any::<bool>(),
        )
            .prop_map(move |(body, random, picks, keep_random)| {
                let mut members = match (keep_random, &random) {
                    (true, Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                if !taken.is_empty() {
                    for pick in picks {
                        let (k, v) = taken[pick.index(taken.len())].clone();
                        members.insert(k, v);
                    }
                }
                let filter = if members.is_empty() {
                    random
                } else {
                    Value::Object(members)
                };
                (body, filter)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn body_filters_agree_with_the_oracle((body, filter) in case()) {
        let compiled = BodyFilter::from_json(&filter).expect("generated filters are valid");
        prop_assert_eq!(compiled.matches(&body), oracle_matches(&filter, &body));
        prop_assert_eq!(compiled.to_json(), filter);
    }

    #[test]
    fn a_body_contains_its_own_members(body in body()) {
        // Every member of an object body, as a containment member, matches it.
        let Value::Object(members) = &body else { return Ok(()) };
        let plain: Map<String, Value> =
            members.iter().filter(|(k, _)| !k.starts_with('/')).map(|(k, v)| (k.clone(), v.clone())).collect();
        prop_assume!(!plain.is_empty());
        let filter = BodyFilter::from_json(&Value::Object(plain)).unwrap();
        prop_assert!(filter.matches(&body));
    }

    #[test]
    fn bindings_with_body_filters_round_trip_and_keep_their_keys(
        filter in filter_json(),
        severity in prop::sample::select(&Severity::ALL[..]),
    ) {
        let plain = Binding::default().account("abc").severity(severity);
        let binding = plain.clone().body(BodyFilter::from_json(&filter).unwrap());
        prop_assert_eq!(binding.keys(), plain.keys());
        let value = bindings_to_json(std::slice::from_ref(&binding));
        prop_assert_eq!(&value[0]["body"], &filter);
        prop_assert_eq!(bindings_from_json(&value).unwrap(), vec![binding.clone()]);
        let text = serde_json::to_string(&binding).unwrap();
        prop_assert_eq!(serde_json::from_str::<Binding>(&text).unwrap(), binding);
    }
}

// ---------------------------------------------------------------------------------------------
// Examples.

#[test]
fn subset_and_pointer_members_as_documented() {
    let filter = |v: Value| BodyFilter::from_json(&v).unwrap();
    let body = json!({
        "event": "call_status_change",
        "call": {"status": "ready", "tags": ["vip", "queue-1", "queue-2"], "n": 2},
    });
    assert!(filter(json!({"event": "call_status_change"})).matches(&body));
    assert!(filter(json!({"call": {"status": "ready"}})).matches(&body));
    assert!(filter(json!({"call": {"tags": ["queue-2", "vip"]}})).matches(&body));
    assert!(!filter(json!({"call": {"tags": ["queue-3"]}})).matches(&body));
    assert!(
        filter(json!({"call": {"n": 2.0}})).matches(&body),
        "numbers by value"
    );
    assert!(
        !filter(json!({"call": "ready"})).matches(&body),
        "a scalar is no object"
    );
    assert!(filter(json!({"/call/status": ["paused", "ready"]})).matches(&body));
    assert!(filter(json!({"/call/status": "ready"})).matches(&body));
    assert!(filter(json!({"/call/tags/0": "vip"})).matches(&body));
    assert!(!filter(json!({"/call/tags": ["vip", "queue-1", "queue-2"]})).matches(&body));
    assert!(filter(json!({"/call/tags": [["vip", "queue-1", "queue-2"]]})).matches(&body));
    assert!(
        !filter(json!({"/call/missing": [null]})).matches(&body),
        "nothing there"
    );
    // Both kinds in one filter: all must hold.
    let both = filter(json!({"event": "call_status_change", "/call/status": "paused"}));
    assert!(!both.matches(&body));
    // Pointer escapes, and a `/` name inside a containment pattern is a plain name.
    let odd = json!({"a/b": {"/x": 1}});
    assert!(filter(json!({"/a~1b/~1x": 1})).matches(&odd));
    assert!(filter(json!({"a/b": {"/x": 1}})).matches(&odd));
    assert!(!filter(json!({"event": "x"})).matches(&json!("event")));
}

#[test]
fn filters_compare_and_hash_by_their_json() {
    use std::collections::HashSet;
    let a = BodyFilter::from_json(&json!({"a": 1, "/b": [2, 3]})).unwrap();
    let b = BodyFilter::from_json(&json!({"/b": [2, 3], "a": 1})).unwrap();
    let c = BodyFilter::from_json(&json!({"a": 1, "/b": [3, 2]})).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let set: HashSet<Binding> = [a, b, c]
        .into_iter()
        .map(|f| Binding::default().body(f))
        .collect();
    assert_eq!(set.len(), 2);
}

#[test]
fn bad_filters_name_the_member() {
    let err = BodyFilter::from_json(&json!({"ok": 1, "/a~": 1})).unwrap_err();
    assert_eq!((err.kind(), err.path()), (ErrorKind::Invalid, r#"["/a~"]"#));
    let err = bindings_from_json(&json!([{}, {"body": {"/s": []}}])).unwrap_err();
    assert_eq!(err.path(), r#"bindings[1].body["/s"]"#);
    let err = BodyFilter::from_json(&json!(null)).unwrap_err();
    assert_eq!((err.kind(), err.path()), (ErrorKind::Invalid, ""));
}

#[test]
fn a_binding_without_a_body_filter_is_written_in_kazoos_shape() {
    let value = bindings_to_json(&[Binding::default()]);
    assert!(value[0].get("body").is_none());
    assert_eq!(value[0].as_object().unwrap().len(), 7);
    let with = Binding::default().body(BodyFilter::from_json(&json!({"k": 1})).unwrap());
    assert_eq!(with.clone().any_body(), Binding::default());
    assert_eq!(with.get_body().unwrap().to_json(), json!({"k": 1}));
}

// ---------------------------------------------------------------------------------------------
// Dispatch: the registry delivers what `Binding::matches` selects, body filters included.

fn event(n: u64, status: &str) -> Event {
    Event::new(
        "acdc",
        "4.3",
        Severity::Ok,
        Verbosity::Info,
        json!({"n": n, "status": status, "event": if n % 3 == 0 { "call_status_change" } else { "other" }}),
    )
}

#[test]
fn dispatch_applies_body_filters_and_counts_only_deliveries() {
    let registry = Registry::new();
    let f = |v: Value| BodyFilter::from_json(&v).unwrap();
    let subscriptions: Vec<Vec<Binding>> = vec![
        vec![Binding::default()],
        vec![Binding::default().body(f(json!({"/status": ["ready", "paused"]})))],
        vec![Binding::default().body(f(json!({"event": "call_status_change"})))],
        // Either binding: one delivery at most.
        vec![
            Binding::default().body(f(json!({"/status": "busy"}))),
            Binding::default().body(f(json!({"event": "call_status_change"}))),
        ],
        // A filtered binding and an unfiltered one of another app.
        vec![
            Binding::default().body(f(json!({"/status": "ready"}))),
            Binding::default().app("crossbar"),
        ],
    ];
    let seen: Vec<Arc<Mutex<Vec<u64>>>> = subscriptions.iter().map(|_| Arc::default()).collect();
    for (i, bindings) in subscriptions.iter().enumerate() {
        let sink = Arc::clone(&seen[i]);
        registry
            .bind(format!("s{i}"), bindings.clone(), move |e: &Event| {
                sink.lock().unwrap().push(e.body()["n"].as_u64().unwrap());
            })
            .unwrap();
    }
    let statuses = ["ready", "paused", "busy"];
    let mut expected: Vec<Vec<u64>> = vec![Vec::new(); subscriptions.len()];
    let mut delivered = 0;
    for n in 0..60u64 {
        let e = event(n, statuses[(n % 7 % 3) as usize]);
        for (i, bindings) in subscriptions.iter().enumerate() {
            if bindings.iter().any(|b| b.matches(&e)) {
                expected[i].push(n);
            }
        }
        delivered += registry.dispatch(&e).delivered;
    }
    for (i, seen) in seen.iter().enumerate() {
        assert_eq!(*seen.lock().unwrap(), expected[i], "subscription s{i}");
    }
    let infos = registry.subscriptions();
    for (info, expected) in infos.iter().zip(&expected) {
        assert_eq!(info.delivered, expected.len() as u64, "{}", info.name);
    }
    let stats = registry.stats();
    assert_eq!((stats.dispatched, stats.delivered), (60, delivered as u64));
    assert_eq!(delivered, expected.iter().map(Vec::len).sum::<usize>());
    assert_eq!(expected[0].len(), 60);
    for (i, e) in expected.iter().enumerate().skip(1) {
        assert!(
            !e.is_empty() && e.len() < 60,
            "s{i} filters something: {e:?}"
        );
    }
}

/// The generators are not vacuous: random filters both hit and miss random bodies.
#[test]
fn the_generated_cases_both_match_and_miss() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut hits, total) = (0, 2_000);
    for _ in 0..total {
        let (body, filter) = case().new_tree(&mut runner).unwrap().current();
        hits += usize::from(oracle_matches(&filter, &body));
    }
    assert!(
        hits > total / 5 && hits < total - total / 5,
        "{hits} hits of {total}"
    );
}
