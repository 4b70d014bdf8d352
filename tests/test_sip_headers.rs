//! Custom SIP headers, as a user sees them: KAZOO's header-name rule (without its `A-z` bug),
//! the `in`/`out` maps, and lossless round trips.

use kazoo_records::cdr::CustomSipHeaders;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

#[test]
fn the_route_request_headers_read() {
    let headers: CustomSipHeaders =
        serde_json::from_value(json!({"X-AUTH-IP": "10.26.20.20", "X-AUTH-PORT": "52941"}))
            .unwrap();
    assert_eq!(headers.headers().len(), 2);
    assert_eq!(headers.get("X-AUTH-PORT"), Some(&json!("52941")));
    assert!(headers.inbound().is_none() && headers.outbound().is_none());
}

#[test]
fn kazoos_a_to_z_range_bug_is_not_copied() {
    // `[A-z]` also spans `[ \ ] ^ _ `` `: only `_` of those is a header-name character.
    for name in ["X[", "X\\", "X]", "X^", "X`"] {
        assert!(!CustomSipHeaders::is_valid_name(name), "{name}");
        let err = serde_json::from_value::<CustomSipHeaders>(json!({ name: "1" })).unwrap_err();
        assert!(
            err.to_string().contains("is not a SIP header name"),
            "{err}"
        );
    }
    assert!(CustomSipHeaders::is_valid_name("X_"));
}

fn header_map() -> impl Strategy<Value = Map<String, Value>> {
    let value = prop_oneof![
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ];
    prop::collection::btree_map("[A-Za-z0-9_-]{1,12}", value, 0..6)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn header_names_follow_the_schema_pattern(name in any::<String>()) {
        let pattern = regex::Regex::new("^[A-Za-z0-9_-]+$").unwrap();
        prop_assert_eq!(CustomSipHeaders::is_valid_name(&name), pattern.is_match(&name));
        let read = serde_json::from_value::<CustomSipHeaders>(json!({ name.clone(): "v" }));
        // A string under `in` or `out` is a header of that name, so the rule is the same.
        prop_assert_eq!(read.is_ok(), pattern.is_match(&name));
    }

    #[test]
    fn valid_headers_round_trip(flat in header_map(), inbound in prop::option::of(header_map()),
                                outbound in prop::option::of(header_map())) {
        let mut document = flat.clone();
        document.remove("in");
        document.remove("out");
        if let Some(inbound) = &inbound {
            document.insert("in".into(), Value::Object(inbound.clone()));
        }
        if let Some(outbound) = &outbound {
            document.insert("out".into(), Value::Object(outbound.clone()));
        }
        let document = Value::Object(document);
        let headers: CustomSipHeaders = serde_json::from_str(&document.to_string()).unwrap();
        prop_assert_eq!(headers.inbound(), inbound.as_ref());
        prop_assert_eq!(headers.outbound(), outbound.as_ref());
        prop_assert_eq!(serde_json::to_value(&headers).unwrap(), document);
    }
}
