//! `edr::Binding`: routing keys, in-process matching and KAZOO's bindings JSON.

mod common;

use kazoo_records::ErrorKind;
use kazoo_records::edr::{
    Binding, Event, Levels, Names, Severity, Verbosity, bindings_from_json, bindings_to_json, topic,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn event(app: &str, s: Severity, v: Verbosity) -> Event {
    Event::new(app, "4.3.1", s, v, json!({}))
}

#[test]
fn keys_equal_kazoos_for_every_vector() {
    let text = common::read_test_file("vectors/edr_binding_keys.jsonl");
    let mut count = 0;
    for (line_no, line) in text.lines().enumerate() {
        let row: Value = serde_json::from_str(line).unwrap();
        let binding = serde_json::from_value::<Binding>(row["binding"].clone())
            .unwrap_or_else(|e| panic!("line {}: {e}", line_no + 1));
        let expected: Vec<String> = serde_json::from_value(row["keys"].clone()).unwrap();
        assert_eq!(
            binding.keys(),
            expected,
            "line {}: {}",
            line_no + 1,
            row["binding"]
        );
        count += 1;
    }
    assert_eq!(count, 300);
}

#[test]
fn kazoo_unit_vectors() {
    let b = Binding::default()
        .severity(Severity::Warning)
        .verbosity(Verbosity::Error)
        .account("abc")
        .app("app");
    assert_eq!(
        b.keys(),
        [
            "edr.warning.error.abc.app",
            "edr.warning.fatal.abc.app",
            "edr.critical.error.abc.app",
            "edr.critical.fatal.abc.app",
        ]
    );
    let b = Binding::default()
        .account("abc")
        .severity(Severity::Critical)
        .verbosity(Verbosity::Fatal);
    assert_eq!(b.keys(), ["edr.critical.fatal.abc.*"]);
    let b = Binding::default()
        .accounts(["abc", "def"])
        .severity(Severity::Warning)
        .verbosity(Verbosity::Fatal);
    assert_eq!(
        b.keys(),
        [
            "edr.warning.fatal.abc.*",
            "edr.warning.fatal.def.*",
            "edr.critical.fatal.abc.*",
            "edr.critical.fatal.def.*",
        ]
    );
}

#[test]
fn an_empty_object_is_the_default_binding_with_twelve_keys() {
    let from_empty: Binding = serde_json::from_value(json!({})).unwrap();
    assert_eq!(from_empty, Binding::default());
    let mut expected = Vec::new();
    for s in ["ok", "warning", "critical"] {
        for v in ["info", "warn", "error", "fatal"] {
            expected.push(format!("edr.{s}.{v}.*.*"));
        }
    }
    assert_eq!(from_empty.keys(), expected);
}

#[test]
fn a_star_inside_a_list_keeps_every_entry_and_matches_anything() {
    let b = Binding::default()
        .apps(["crossbar", "*"])
        .severity(Severity::Critical)
        .verbosity(Verbosity::Fatal);
    assert_eq!(
        b.keys(),
        ["edr.critical.fatal.*.crossbar", "edr.critical.fatal.*.*"]
    );
    assert!(b.matches(&event("callflow", Severity::Critical, Verbosity::Fatal)));
}

#[test]
fn duplicate_keys_are_removed_keeping_the_first() {
    let b = Binding::default()
        .accounts(["abc", "abc", "def"])
        .verbosities([Verbosity::Debug, Verbosity::Debug])
        .severities([Severity::Ok]);
    assert_eq!(b.keys(), ["edr.ok.debug.abc.*", "edr.ok.debug.def.*"]);
}

#[test]
fn level_rules() {
    let at_least = Binding::default().severity(Severity::Warning);
    assert!(!at_least.matches(&event("a", Severity::Ok, Verbosity::Info)));
    assert!(at_least.matches(&event("a", Severity::Warning, Verbosity::Info)));
    assert!(at_least.matches(&event("a", Severity::Critical, Verbosity::Info)));
    let exact = at_least.clone().exact_severity(true);
    assert!(!exact.matches(&event("a", Severity::Critical, Verbosity::Info)));
    assert!(exact.matches(&event("a", Severity::Warning, Verbosity::Info)));
    // A list is exactly those levels, whatever the exact flag says.
    let list = Binding::default()
        .verbosities([Verbosity::Trace, Verbosity::Error])
        .exact_verbosity(false);
    assert!(list.matches(&event("a", Severity::Ok, Verbosity::Trace)));
    assert!(!list.matches(&event("a", Severity::Ok, Verbosity::Debug)));
    assert!(!list.matches(&event("a", Severity::Ok, Verbosity::Fatal)));
    // The default verbosity is info and above.
    assert!(!Binding::default().matches(&event("a", Severity::Ok, Verbosity::Debug)));
    assert_eq!(
        list.selected_verbosities().collect::<Vec<_>>(),
        [Verbosity::Trace, Verbosity::Error]
    );
}

#[test]
fn include_descendants_selects_the_accounts_and_their_descendants() {
    let b = Binding::default()
        .accounts(["reseller", "other"])
        .include_descendants(true);
    let own = event("a", Severity::Ok, Verbosity::Info).with_account("reseller");
    let child = event("a", Severity::Ok, Verbosity::Info)
        .with_account("customer")
        .with_account_tree(vec!["root".into(), "reseller".into()]);
    let stranger = event("a", Severity::Ok, Verbosity::Info)
        .with_account("customer")
        .with_account_tree(vec!["root".into()]);
    let no_tree = event("a", Severity::Ok, Verbosity::Info).with_account("customer");
    let no_account = event("a", Severity::Ok, Verbosity::Info);
    assert!(b.matches(&own));
    assert!(b.matches(&child));
    assert!(!b.matches(&stranger));
    assert!(!b.matches(&no_tree));
    assert!(!b.matches(&no_account));
    // Without the flag only the account itself.
    let plain = b.clone().include_descendants(false);
    assert!(plain.matches(&own) && !plain.matches(&child));
    // Descendants cannot be keyed: the broker side binds `*` and filters in-process.
    assert!(b.keys().iter().all(|k| k.split('.').nth(3) == Some("*")));
    // With any account, the flag changes nothing.
    let any = Binding::default().include_descendants(true);
    assert!(any.matches(&no_account) && any.matches(&stranger));
}

#[test]
fn events_without_an_account_reach_only_any_account_bindings() {
    let e = event("callflow", Severity::Ok, Verbosity::Info);
    assert!(Binding::default().matches(&e));
    assert!(Binding::default().accounts(["abc", "*"]).matches(&e));
    assert!(!Binding::default().account("abc").matches(&e));
}

#[test]
fn validate_refuses_names_that_break_routing() {
    let cases: Vec<(Binding, &str)> = vec![
        (
            Binding::default().app("call.flow"),
            r#"app_name: "call.flow""#,
        ),
        (Binding::default().app("call*"), r#"app_name: "call*""#),
        (Binding::default().account("a#"), r#"account_id: "a#""#),
        (Binding::default().account(""), r#"account_id: """#),
        (
            Binding::default().account("undefined"),
            r#"account_id: "undefined""#,
        ),
        (
            Binding::default().accounts(["abc", "x.y"]),
            r#"account_id[1]: "x.y""#,
        ),
        (
            Binding::default().accounts(Vec::<String>::new()),
            "account_id: []",
        ),
        (
            Binding::default().apps(Vec::<String>::new()),
            "app_name: []",
        ),
        (Binding::default().severities([]), "severity: []"),
        (Binding::default().verbosities([]), "verbosity: []"),
    ];
    for (binding, prefix) in cases {
        let err = binding.validate().unwrap_err();
        assert!(err.to_string().starts_with(prefix), "{prefix:?} vs {err}");
        assert!(err.kind() == ErrorKind::Invalid, "{err:?}");
    }
    Binding::default()
        .apps(["*", "crossbar"])
        .validate()
        .unwrap();
}

#[test]
fn json_reading_is_lenient_where_kazoo_is() {
    let b: Binding = serde_json::from_value(json!({
        "pvt_account_id": "abc",
        "include_descendants": "true",
        "app_name": ["crossbar"],
        "severity": ["ok", "critical"],
        "exact_verbosity": "false",
        "verbosity": "debug"
    }))
    .unwrap();
    assert_eq!(b.get_accounts(), &Names::One("abc".into()));
    assert!(b.get_include_descendants());
    assert_eq!(b.get_apps(), &Names::List(vec!["crossbar".into()]));
    assert_eq!(
        b.get_severities(),
        &Levels::List(vec![Severity::Ok, Severity::Critical])
    );
    assert_eq!(b.get_verbosities(), &Levels::One(Verbosity::Debug));
    // account_id wins over pvt_account_id.
    let b: Binding =
        serde_json::from_value(json!({"account_id": "x", "pvt_account_id": "y"})).unwrap();
    assert_eq!(b.get_accounts(), &Names::One("x".into()));
}

#[test]
fn getters_read_back_what_the_setters_set() {
    let b = Binding::default()
        .accounts(["abc", "def"])
        .include_descendants(true)
        .app("crossbar")
        .severity(Severity::Warning)
        .exact_severity(true)
        .verbosities([Verbosity::Debug, Verbosity::Fatal])
        .exact_verbosity(true);
    assert_eq!(
        b.get_accounts(),
        &Names::List(vec!["abc".into(), "def".into()])
    );
    assert!(b.get_include_descendants());
    assert_eq!(b.get_apps(), &Names::One("crossbar".into()));
    assert_eq!(b.get_severities(), &Levels::One(Severity::Warning));
    assert!(b.get_exact_severity());
    assert_eq!(
        b.get_verbosities(),
        &Levels::List(vec![Verbosity::Debug, Verbosity::Fatal])
    );
    assert!(b.get_exact_verbosity());
    let d = Binding::default();
    assert_eq!((d.get_accounts(), d.get_apps()), (&Names::Any, &Names::Any));
    assert!(!d.get_include_descendants() && !d.get_exact_severity() && !d.get_exact_verbosity());
    assert_eq!(d.get_severities(), &Levels::One(Severity::Ok));
    assert_eq!(d.get_verbosities(), &Levels::One(Verbosity::Info));
    let d = b.any_account().any_app();
    assert_eq!((d.get_accounts(), d.get_apps()), (&Names::Any, &Names::Any));
}

#[test]
fn json_writing_uses_kazoos_shape_and_order() {
    let b = Binding::default()
        .accounts(["abc", "def"])
        .severity(Severity::Warning);
    let text = serde_json::to_string(&b).unwrap();
    assert_eq!(
        text,
        r#"{"account_id":["abc","def"],"include_descendants":false,"app_name":"*","severity":"warning","exact_severity":false,"verbosity":"info","exact_verbosity":false}"#
    );
    let array = bindings_to_json(std::slice::from_ref(&b));
    assert_eq!(
        array,
        json!([serde_json::from_str::<Value>(&text).unwrap()])
    );
    #[cfg(feature = "preserve_order")]
    assert_eq!(serde_json::to_string(&array).unwrap(), format!("[{text}]"));
    // A lone object reads as one binding; writing always gives an array.
    let object = serde_json::to_value(&b).unwrap();
    assert_eq!(bindings_from_json(&object).unwrap(), vec![b.clone()]);
    let back: Binding = serde_json::from_str(&text).unwrap();
    assert_eq!(back, b);
}

#[test]
fn every_vector_round_trips_through_json_exactly() {
    let text = common::read_test_file("vectors/edr_binding_keys.jsonl");
    for line in text.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let binding: Binding = serde_json::from_value(row["binding"].clone()).unwrap();
        assert_eq!(serde_json::to_value(&binding).unwrap(), row["binding"]);
        assert_eq!(
            bindings_from_json(&row["binding"]).unwrap(),
            std::slice::from_ref(&binding)
        );
        assert_eq!(
            bindings_to_json(&[binding]),
            Value::Array(vec![row["binding"].clone()])
        );
    }
}

/// Malformed bindings documents, each with the start its message must have.
#[test]
fn malformed_bindings_json_names_the_path_and_value() {
    let cases: Vec<(Value, &str)> = vec![
        (json!(null), "null is not a binding or a list of bindings"),
        (json!(42), "42 is not a binding or a list of bindings"),
        (
            json!("severity"),
            r#""severity" is not a binding or a list"#,
        ),
        (
            json!([null]),
            "bindings[0]: null is not a binding; expected a JSON object",
        ),
        (json!([{}, []]), "bindings[1]: [] is not a binding"),
        (
            json!({"severity": "OK"}),
            r#"severity: "OK" is not a severity; expected ok, warning or critical"#,
        ),
        (
            json!([{}, {}, {"severity": "OK"}]),
            r#"bindings[2].severity: "OK" is not a severity"#,
        ),
        (
            json!({"severity": "info"}),
            r#"severity: "info" is not a severity"#,
        ),
        (
            json!({"verbosity": "warning"}),
            r#"verbosity: "warning" is not a verbosity; expected trace, debug, info, warn, error or fatal"#,
        ),
        (
            json!({"verbosity": ["info", "loud"]}),
            r#"verbosity[1]: "loud" is not a verbosity"#,
        ),
        (json!({"severity": []}), "severity: [] is not a severity"),
        (json!({"severity": 2}), "severity: 2 is not a severity"),
        (
            json!({"severity": null}),
            "severity: null is not a severity",
        ),
        (
            json!({"verbosity": [1]}),
            "verbosity[0]: 1 is not a verbosity",
        ),
        (
            json!({"severity": {"ok": true}}),
            r#"severity: {"ok":true} is not a severity"#,
        ),
        (
            json!({"account_id": 7}),
            "account_id: 7 is not an account id",
        ),
        (
            json!({"account_id": []}),
            "account_id: [] is not an account id",
        ),
        (
            json!({"account_id": ["abc", null]}),
            "account_id[1]: null is not an account id",
        ),
        (
            json!({"account_id": "a.b"}),
            r#"account_id: "a.b" is not an account id"#,
        ),
        (
            json!({"pvt_account_id": "a*"}),
            r#"pvt_account_id: "a*" is not an account id"#,
        ),
        (
            json!({"account_id": ""}),
            r#"account_id: "" is not an account id"#,
        ),
        (
            json!({"app_name": "call.flow"}),
            r#"app_name: "call.flow" is not an app name"#,
        ),
        (
            json!({"app_name": ["crossbar", "#"]}),
            r##"app_name[1]: "#" is not an app name"##,
        ),
        (
            json!({"app_name": {"name": "x"}}),
            r#"app_name: {"name":"x"} is not an app name"#,
        ),
        (
            json!({"include_descendants": "yes"}),
            r#"include_descendants: "yes" is not a boolean; expected true, false, "true" or "false""#,
        ),
        (
            json!({"exact_severity": 1}),
            "exact_severity: 1 is not a boolean",
        ),
        (
            json!({"exact_verbosity": null}),
            "exact_verbosity: null is not a boolean",
        ),
        (
            json!({"exact_severity": "True"}),
            r#"exact_severity: "True" is not a boolean"#,
        ),
        (
            json!({"severty": "ok"}),
            r#"unknown key "severty"; expected one of account_id, include_descendants"#,
        ),
        (
            json!([{}, {"app": "x"}]),
            r#"bindings[1]: unknown key "app""#,
        ),
        (
            json!({"severity": [["ok"]]}),
            r#"severity[0]: ["ok"] is not a severity"#,
        ),
    ];
    assert!(cases.len() >= 20);
    for (doc, start) in cases {
        let err = bindings_from_json(&doc).unwrap_err();
        assert!(
            err.to_string().starts_with(start),
            "{doc}\n  want: {start}\n  got:  {err}"
        );
    }
}

#[test]
fn a_huge_name_gives_a_short_message() {
    let name = "x.".repeat(500_000);
    let err = serde_json::from_value::<Binding>(json!({"app_name": name})).unwrap_err();
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
}

fn words(s: &str) -> Vec<&str> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split('.').collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// In-process matching and broker routing agree.
    #[test]
    fn matches_iff_a_key_routes_the_event(b in common::binding(false), e in common::event()) {
        let key = e.routing_key().unwrap();
        let routed = b.keys().iter().any(|k| topic::matches(k, &key));
        prop_assert_eq!(b.matches(&e), routed, "keys {:?} event key {}", b.keys(), key);
        prop_assert!(words(&key).len() == 5);
    }

    /// With descendants: a direct reading of the rule in `Binding`'s documentation.
    #[test]
    fn matches_agrees_with_a_naive_reading(b in common::binding(true), e in common::event()) {
        let sev_ok = b.selected_severities().any(|s| s == e.severity());
        let verb_ok = b.selected_verbosities().any(|v| v == e.verbosity());
        let app_ok = match b.get_apps() {
            Names::Any => true,
            names => names.as_slice().iter().any(|n| n == "*" || n == e.app_name()),
        };
        let listed = b.get_accounts().as_slice();
        let account_ok = matches!(b.get_accounts(), Names::Any)
            || listed.iter().any(|a| a == "*")
            || e.account_id().is_some_and(|acc| {
                listed.iter().any(|a| a == acc)
                    || (b.get_include_descendants()
                        && e.account_tree().unwrap_or(&[]).iter().any(|t| listed.contains(t)))
            });
        prop_assert_eq!(b.matches(&e), sev_ok && verb_ok && app_ok && account_ok);
    }

    #[test]
    fn json_round_trip_is_identity(b in common::binding(true)) {
        let object = serde_json::to_value(&b).unwrap();
        prop_assert_eq!(&serde_json::from_value::<Binding>(object).unwrap(), &b);
        let text = serde_json::to_string(&b).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Binding>(&text).unwrap(), &b);
        let all = bindings_to_json(&[b.clone(), Binding::default()]);
        prop_assert_eq!(bindings_from_json(&all).unwrap(), vec![b, Binding::default()]);
    }

    #[test]
    fn keys_have_no_duplicates_and_five_words(b in common::binding(true)) {
        let keys = b.keys();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        prop_assert_eq!(distinct.len(), keys.len());
        prop_assert!(keys.iter().all(|k| words(k).len() == 5 && k.starts_with("edr.")));
    }
}
