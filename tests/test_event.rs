//! `edr::Event`: builders, routing keys and both JSON shapes.

mod common;

use kazoo_records::ErrorKind;
use kazoo_records::edr::{Event, EventId, Severity, Verbosity};
use kazoo_records::time::GregorianSeconds;
use proptest::prelude::*;
use serde_json::{Value, json};

fn sample() -> Event {
    Event::new(
        "callflow",
        "4.3.1",
        Severity::Warning,
        Verbosity::Error,
        json!({"k": [1, "two"]}),
    )
    .with_account("abc")
    .with_account_tree(vec!["root".into(), "reseller".into()])
    .with_id("0123456789abcdef0123456789abcdef")
    .with_node("kazoo_apps@host")
    .with_time(GregorianSeconds(63_595_733_389))
}

/// The snake_case shape, as serde writes it.
fn snake(event: &Event) -> Value {
    serde_json::to_value(event).unwrap()
}

#[test]
fn builders_set_every_field() {
    let e = sample();
    assert_eq!(e.app_name(), "callflow");
    assert_eq!(e.app_version(), "4.3.1");
    assert_eq!(e.severity(), Severity::Warning);
    assert_eq!(e.verbosity(), Verbosity::Error);
    assert_eq!(e.body(), &json!({"k": [1, "two"]}));
    assert_eq!(e.account_id(), Some("abc"));
    assert_eq!(
        e.account_tree(),
        Some(&["root".to_owned(), "reseller".to_owned()][..])
    );
    assert_eq!(e.id().as_str(), "0123456789abcdef0123456789abcdef");
    assert_eq!(e.node(), "kazoo_apps@host");
    assert_eq!(e.gregorian_time(), GregorianSeconds(63_595_733_389));
    assert_eq!(e.timestamp(), "2015-04-08T17:29:49Z");
}

#[test]
fn new_events_get_a_fresh_kazoo_id_the_current_time_and_the_default_node() {
    let a = Event::new("app", "1", Severity::Ok, Verbosity::Info, json!({}));
    let b = Event::new("app", "1", Severity::Ok, Verbosity::Info, json!({}));
    assert_ne!(a.id(), b.id());
    assert!(a.id().is_kazoo_form() && b.id().is_kazoo_form());
    assert_eq!(a.node(), Event::DEFAULT_NODE);
    assert_eq!(a.account_id(), None);
    // 2024-01-01 < now < 2200-01-01
    assert!(a.gregorian_time() > GregorianSeconds(63_871_286_400));
    assert!(a.gregorian_time() < GregorianSeconds(69_379_747_200));
}

#[test]
fn ids_are_unique_across_threads() {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| (0..20_000).map(|_| EventId::generate()).collect::<Vec<_>>())
        })
        .collect();
    let mut all = std::collections::HashSet::new();
    for h in handles {
        for id in h.join().unwrap() {
            assert!(id.is_kazoo_form(), "{id}");
            assert!(all.insert(id));
        }
    }
    assert_eq!(all.len(), 80_000);
}

#[test]
fn routing_keys_follow_kazoos_format() {
    assert_eq!(
        sample().routing_key().unwrap(),
        "edr.warning.error.abc.callflow"
    );
    let no_account = Event::new("crossbar", "1", Severity::Ok, Verbosity::Trace, json!({}));
    assert_eq!(
        no_account.routing_key().unwrap(),
        "edr.ok.trace.undefined.crossbar"
    );
}

#[test]
fn routing_keys_refuse_words_that_break_routing() {
    for (event, start) in [
        (
            sample().with_account("a.b"),
            r#"account_id: "a.b" is not usable in a routing key"#,
        ),
        (
            sample().with_account("*"),
            r#"account_id: "*" is not usable"#,
        ),
        (
            Event::new("call#flow", "1", Severity::Ok, Verbosity::Info, json!({})),
            r##"app_name: "call#flow" is not usable"##,
        ),
    ] {
        let err = event.routing_key().unwrap_err();
        assert!(err.to_string().starts_with(start), "{err}");
        assert!(err.kind() == ErrorKind::Invalid);
    }
}

#[test]
fn snake_case_shape_has_kazoos_keys_and_omits_absent_optionals() {
    let text = serde_json::to_string(&sample()).unwrap();
    assert_eq!(
        text,
        r#"{"account_id":"abc","account_tree":["root","reseller"],"app_name":"callflow","app_version":"4.3.1","body":{"k":[1,"two"]},"id":"0123456789abcdef0123456789abcdef","node":"kazoo_apps@host","severity":"warning","timestamp":"2015-04-08T17:29:49Z","gregorian_time":63595733389,"verbosity":"error"}"#
    );
    let bare = Event::new("a", "1", Severity::Ok, Verbosity::Info, json!({}));
    let value = snake(&bare);
    assert!(value.get("account_id").is_none() && value.get("account_tree").is_none());
    assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), sample());
    assert_eq!(Event::from_json(&value).unwrap(), bare);
}

#[test]
fn amqp_shape_has_kazoos_wire_keys() {
    let wire = sample().to_amqp_json();
    let expected = json!({
        "Event-Category": "edr",
        "Event-Name": "event",
        "Account-ID": "abc",
        "Account-Tree": ["root", "reseller"],
        "App-Name": "callflow",
        "App-Version": "4.3.1",
        "Body": {"k": [1, "two"]},
        "ID": "0123456789abcdef0123456789abcdef",
        "Node": "kazoo_apps@host",
        "Severity": "warning",
        "Timestamp": "2015-04-08T17:29:49Z",
        "Gregorian-Time": 63_595_733_389i64,
        "Verbosity": "error"
    });
    assert_eq!(wire, expected);
    assert_eq!(Event::from_amqp_json(&wire).unwrap(), sample());
    // The broker envelope is ignored; a wrong category is not.
    let mut with_envelope = wire.clone();
    with_envelope["Msg-ID"] = json!("m1");
    with_envelope["Server-ID"] = json!("s1");
    assert_eq!(Event::from_amqp_json(&with_envelope).unwrap(), sample());
    let mut wrong = wire;
    wrong["Event-Category"] = json!("call_event");
    let err = Event::from_amqp_json(&wrong).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(r#"Event-Category: "call_event" is not an EDR Event-Category"#),
        "{err}"
    );
}

#[test]
fn either_time_field_alone_is_enough_and_both_must_agree() {
    let mut v = snake(&sample());
    v.as_object_mut().unwrap().remove("timestamp");
    assert_eq!(Event::from_json(&v).unwrap(), sample());
    let mut v = snake(&sample());
    v.as_object_mut().unwrap().remove("gregorian_time");
    assert_eq!(Event::from_json(&v).unwrap(), sample());
    let mut v = snake(&sample());
    v["timestamp"] = json!("2015-04-08T17:29:50Z");
    let err = Event::from_json(&v).unwrap_err();
    assert!(
        err.to_string().starts_with(
            r#"timestamp: "2015-04-08T17:29:50Z" is not the instant of gregorian_time 63595733389"#
        ),
        "{err}"
    );
}

#[test]
fn malformed_events_name_the_key() {
    let base = snake(&sample());
    let with = |key: &str, value: Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    let without = |key: &str| {
        let mut v = base.clone();
        v.as_object_mut().unwrap().remove(key);
        v
    };
    let both_times_missing = {
        let mut v = without("timestamp");
        v.as_object_mut().unwrap().remove("gregorian_time");
        v
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!([]), "[] is not an event"),
        (
            with("severity", json!("OK")),
            r#"severity: "OK" is not a severity"#,
        ),
        (
            with("verbosity", json!(3)),
            "verbosity: 3 is not a verbosity",
        ),
        (with("app_name", json!(1)), "app_name: 1 is not a string"),
        (
            with("account_tree", json!("root")),
            r#"account_tree: "root" is not a list of account ids"#,
        ),
        (
            with("account_tree", json!(["root", 2])),
            "account_tree[1]: 2 is not a string",
        ),
        (
            with("gregorian_time", json!("soon")),
            r#"gregorian_time: "soon" is not Gregorian seconds"#,
        ),
        (
            with("timestamp", json!("2015-02-30T00:00:00Z")),
            "timestamp: ",
        ),
        (with("extra", json!(1)), r#"unknown key "extra""#),
        (without("id"), r#"missing required key "id""#),
        (without("body"), r#"missing required key "body""#),
        (
            both_times_missing,
            r#"missing required key "timestamp or gregorian_time""#,
        ),
    ];
    for (doc, start) in cases {
        let err = Event::from_json(&doc).unwrap_err();
        assert!(
            err.to_string().starts_with(start),
            "want {start:?}, got {err}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn both_shapes_round_trip(e in common::event()) {
        prop_assert_eq!(&Event::from_json(&snake(&e)).unwrap(), &e);
        prop_assert_eq!(&Event::from_amqp_json(&e.to_amqp_json()).unwrap(), &e);
        let text = serde_json::to_string(&e).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Event>(&text).unwrap(), &e);
    }
}
