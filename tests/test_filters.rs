//! Query-string filters as a user sees them, against cases worked by hand from KAZOO's
//! `crossbar_filter` (`should_filter/2`, `has_value/2`) and `kz_term:is_empty/1`.

use kazoo_records::ErrorKind;
use kazoo_records::cdr::{Cdr, Filters};
use proptest::prelude::*;
use serde_json::{Value, json};

fn matches(key: &str, value: &str, document: &Value) -> bool {
    Filters::from_query([(key, value)])
        .unwrap_or_else(|e| panic!("{key}={value}: {e}"))
        .matches_json(document)
}

#[test]
fn equality_compares_as_text() {
    let seven = json!({"billing_seconds": 7});
    // KAZOO: get_binary_value gives <<"7">>, equal to the query's <<"7">>.
    assert!(matches("filter_billing_seconds", "7", &seven));
    assert!(matches(
        "filter_billing_seconds",
        "7",
        &json!({"billing_seconds": "7"})
    ));
    assert!(!matches("filter_billing_seconds", "8", &seven));
    assert!(!matches("filter_billing_seconds", "07", &seven));
    // KAZOO: ["7"] decodes to [<<"7">>], and lists:member(<<"7">>, …) holds.
    assert!(matches("filter_billing_seconds", r#"["7"]"#, &seven));
    assert!(matches("filter_billing_seconds", r#"["6", "7"]"#, &seven));
    // KAZOO: [7,8] decodes to [7,8]; <<"7">> is not a member: no match. Here numbers match.
    assert!(matches("filter_billing_seconds", "[7,8]", &seven));
    assert!(!matches("filter_billing_seconds", "[6,8]", &seven));
    // KAZOO: "\"7\"" decodes to <<"7">>, equal to the value: a match.
    assert!(matches("filter_billing_seconds", "\"7\"", &seven));
    // Booleans and null compare as their words (atoms to binaries in KAZOO).
    assert!(matches("filter_flag", "true", &json!({"flag": true})));
    assert!(matches("filter_flag", "null", &json!({"flag": null})));
}

#[test]
fn an_empty_value_matches_documents_without_the_key() {
    // KAZOO: get_binary_value(Keys, Doc, <<>>) defaults to <<>>, equal to the empty query value.
    assert!(matches("filter_x", "", &json!({"y": 1})));
    assert!(matches("filter_x", "", &json!({"x": ""})));
    assert!(!matches("filter_x", "", &json!({"x": "a"})));
    assert!(!matches("filter_not_x", "", &json!({"y": 1})));
}

#[test]
fn paths_are_dotted_and_negation_inverts() {
    let doc = json!({"custom_channel_vars": {"account_id": "acc", "list": ["a", "b"]}});
    assert!(matches(
        "filter_custom_channel_vars.account_id",
        "acc",
        &doc
    ));
    assert!(!matches(
        "filter_not_custom_channel_vars.account_id",
        "acc",
        &doc
    ));
    assert!(matches(
        "filter_not_custom_channel_vars.account_id",
        "other",
        &doc
    ));
    // A list of strings is concatenated, as iolist_to_binary does.
    assert!(matches("filter_custom_channel_vars.list", "ab", &doc));
    // A number steps into a list, from 1.
    assert!(matches("filter_custom_channel_vars.list.2", "b", &doc));
}

#[test]
fn presence_and_emptiness_follow_kz_term_is_empty() {
    let doc = json!({"zero": 0, "zero_f": 0.0, "empty": "", "zero_s": "0", "null_s": "NULL",
                     "undef": "undefined", "list": [], "obj": {}, "null": null,
                     "one": 1, "text": "a", "false": false, "items": [0], "nested": {"a": null}});
    for empty in [
        "zero", "zero_f", "empty", "zero_s", "null_s", "undef", "list", "obj", "null", "absent",
    ] {
        assert!(!matches("has_value", empty, &doc), "has_value {empty}");
        assert!(
            matches("value_missing", empty, &doc),
            "value_missing {empty}"
        );
        assert!(
            matches("missing_value", empty, &doc),
            "missing_value {empty}"
        );
    }
    for full in ["one", "text", "false", "items", "nested"] {
        assert!(matches("has_value", full, &doc), "has_value {full}");
        assert!(
            !matches("value_missing", full, &doc),
            "value_missing {full}"
        );
    }
    // has_key: present even when null or empty (kz_json:get_value =/= undefined).
    assert!(matches("has_key", "null", &doc));
    assert!(matches("has_key", "list", &doc));
    assert!(matches("has_key", "nested.a", &doc));
    assert!(!matches("has_key", "absent", &doc));
    assert!(matches("key_missing", "absent", &doc));
    assert!(!matches("key_missing", "zero", &doc));
}

#[test]
fn time_bounds_use_the_listing_time_inclusively() {
    let doc =
        json!({"timestamp": 63_724_403_408_i64, "pvt_created": 1, "pvt_modified": "63724403500"});
    assert!(matches("created_from", "63724403408", &doc));
    assert!(!matches("created_from", "63724403409", &doc));
    assert!(matches("created_to", "63724403408", &doc));
    assert!(!matches("created_to", "63724403407", &doc));
    assert!(matches("created_to", "5", &json!({"pvt_created": 5})));
    assert!(!matches(
        "created_from",
        "0",
        &json!({"call_id": "no time"})
    ));
    assert!(matches("modified_from", "63724403500", &doc));
    assert!(!matches("modified_to", "63724403499", &doc));
}

#[test]
fn time_fields_are_read_as_a_cdr_reads_them() {
    // A float or string timestamp bounds a raw document exactly as it bounds the parsed CDR.
    for timestamp in [
        json!(63_724_403_408_i64),
        json!(63_724_403_408.0),
        json!("63724403408"),
    ] {
        let doc = json!({"call_id": "abc", "timestamp": timestamp, "pvt_modified": timestamp});
        let cdr = Cdr::from_json_value(&doc).unwrap();
        for (key, bound, expected) in [
            ("created_from", "63724403408", true),
            ("created_from", "63724403409", false),
            ("created_to", "63724403408", true),
            ("created_to", "63724403407", false),
            ("modified_from", "63724403408", true),
            ("modified_to", "63724403407", false),
        ] {
            let filters = Filters::from_query([(key, bound)]).unwrap();
            assert_eq!(
                filters.matches_json(&doc),
                expected,
                "{key}={bound} on {doc}"
            );
            assert_eq!(filters.matches(&cdr), expected, "{key}={bound} on {cdr:?}");
        }
    }
    // What a CDR refuses as a time is no time here: the listing time falls back to pvt_created.
    for not_a_time in [
        json!("+63724403408"),
        json!(" 5"),
        json!(63_724_403_408.5),
        json!([5]),
    ] {
        let doc = json!({"call_id": "abc", "timestamp": not_a_time, "pvt_created": 5});
        assert!(Cdr::from_json_value(&doc).is_err(), "{doc}");
        assert!(matches("created_to", "5", &doc), "{doc}");
        assert!(!matches("created_from", "6", &doc), "{doc}");
        assert!(!matches(
            "modified_from",
            "0",
            &json!({"pvt_modified": not_a_time})
        ));
    }
}

#[test]
fn filters_combine_with_and_and_ignore_other_keys() {
    let filters = Filters::from_query([
        ("filter_call_direction", "inbound"),
        ("has_key", "hangup_cause"),
        ("page_size", "25"),
        ("start_key", "whatever"),
        ("paginate", "true"),
    ])
    .unwrap();
    assert_eq!(filters.len(), 2);
    assert!(filters.matches_json(&json!({"call_direction": "inbound", "hangup_cause": "x"})));
    assert!(!filters.matches_json(&json!({"call_direction": "inbound"})));
    assert!(Filters::new().matches_json(&json!(null)));
}

#[test]
fn cdrs_are_judged_on_their_json_form() {
    let cdr = Cdr::from_json_str(
        r#"{"call_id": "abc", "billing_seconds": "7", "custom_channel_vars": {"account_id": "acc"},
            "my_key": {"deep": [1]}}"#,
    )
    .unwrap();
    let pass = |pairs: &[(&str, &str)]| {
        Filters::from_query(pairs.iter().copied())
            .unwrap()
            .matches(&cdr)
    };
    assert!(pass(&[("filter_billing_seconds", "7")]));
    assert!(pass(&[
        ("filter_call_id", "abc"),
        ("has_key", "my_key.deep")
    ]));
    assert!(pass(&[(
        "filter_custom_channel_vars.account_id",
        r#"["acc","other"]"#
    )]));
    assert!(!pass(&[("has_value", "duration_seconds")]));
    assert!(!pass(&[("created_from", "0")]));
}

#[test]
fn malformed_filters_are_errors_naming_the_parameter() {
    let error = |key: &str, value: &str| Filters::from_query([(key, value)]).unwrap_err();
    let e = error("filter_", "x");
    assert_eq!(e.path(), "filter_");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.to_string().contains("is not a key path"), "{e}");
    assert_eq!(error("filter_not_", "x").path(), "filter_not_");
    assert_eq!(error("filter_a..b", "x").path(), "filter_a..b");
    let e = error("filter_billing_seconds", "[7,");
    assert_eq!(
        e.to_string(),
        r#"filter_billing_seconds: "[7," is not a JSON list of values; expected a JSON array of strings and numbers, such as ["7",8]"#
    );
    assert_eq!(error("filter_x", "[[1]]").path(), "filter_x");
    assert_eq!(error("filter_x", r#"[{"a":1}]"#).path(), "filter_x");
    assert_eq!(error("has_key", "").path(), "has_key");
    assert_eq!(error("has_value", "a.").path(), "has_value");
    assert_eq!(error("missing_value", ".a").path(), "missing_value");
    let e = error("created_from", "yesterday");
    assert_eq!(e.path(), "created_from");
    assert!(e.to_string().contains("is not Gregorian seconds"), "{e}");
    assert_eq!(error("modified_to", "1.5").path(), "modified_to");
}

proptest! {
    #[test]
    fn parsing_never_panics(key in "(filter_(not_)?)?[a-z._]{0,8}|has_key|has_value|created_from", value in ".{0,12}") {
        let _ = Filters::from_query([(key, value)]);
    }

    #[test]
    fn negation_and_missing_are_exact_complements(value in "[a-z0-9]{0,3}", doc_value in prop_oneof![
        Just(Value::Null), any::<i64>().prop_map(Value::from), "[a-z0-9]{0,3}".prop_map(Value::from),
        Just(json!([])), Just(json!({})), Just(json!(0)), Just(json!("0")),
    ], present in any::<bool>()) {
        let doc = if present { json!({"k": doc_value}) } else { json!({}) };
        prop_assert_ne!(matches("filter_k", &value, &doc), matches("filter_not_k", &value, &doc));
        prop_assert_ne!(matches("has_key", "k", &doc), matches("key_missing", "k", &doc));
        prop_assert_ne!(matches("has_value", "k", &doc), matches("value_missing", "k", &doc));
    }

    #[test]
    fn plain_values_match_equal_strings_only(value in "[a-z0-9 ]{0,6}", stored in "[a-z0-9 ]{0,6}") {
        // Oracle: for plain text (not a JSON list or string), a match is string equality.
        prop_assert_eq!(matches("filter_k", &value, &json!({"k": stored})), value == stored);
    }

    #[test]
    fn time_bounds_agree_with_the_parsed_cdr(
        n in -(1_i64 << 53)..=(1_i64 << 53),
        form in 0..3_u8,
        bound in any::<i64>(),
        from in any::<bool>(),
    ) {
        // Oracle: the integer compared with the bound, whichever form the document writes it in.
        let timestamp = match form {
            0 => json!(n),
            1 => json!(n as f64),
            _ => json!(n.to_string()),
        };
        let doc = json!({"call_id": "abc", "timestamp": timestamp});
        let cdr = Cdr::from_json_value(&doc).unwrap();
        let (key, expected) = if from { ("created_from", n >= bound) } else { ("created_to", n <= bound) };
        let filters = Filters::from_query([(key, bound.to_string())]).unwrap();
        prop_assert_eq!(filters.matches_json(&doc), expected);
        prop_assert_eq!(filters.matches(&cdr), expected);
    }

    #[test]
    fn integers_match_their_decimal_text_alone_or_in_lists(n in any::<i64>(), others in prop::collection::vec(any::<i64>(), 0..4)) {
        let doc = json!({"k": n});
        prop_assert!(matches("filter_k", &n.to_string(), &doc));
        let mut list = others.clone();
        let expected = others.contains(&n);
        prop_assert_eq!(matches("filter_k", &serde_json::to_string(&list).unwrap(), &doc), expected);
        list.push(n);
        prop_assert!(matches("filter_k", &serde_json::to_string(&list).unwrap(), &doc));
    }
}

/// KAZOO's own `crossbar_filter` answers (`tests/vectors/crossbar_filter.jsonl`): every case
/// without a `differs` note agrees exactly through `Filters::matches_json`,
/// `Filters::matches` and `ListingQuery` (against `keep_cdrs`, after the listing's `call_id`
/// prefix stripping). A malformed filter is an error here (KAZOO keeps every document), so
/// those cases must be refused instead.
#[test]
fn kazoo_crossbar_filter_vectors_agree() {
    use kazoo_records::cdr::ListingQuery;
    use kazoo_records::time::GregorianSeconds;

    let text = include_str!("vectors/crossbar_filter.jsonl");
    let (mut agreed, mut refused, mut differs, mut unread) = (0, 0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap_or_default();
        if case.get("differs").is_some() {
            differs += 1;
            continue;
        }
        let pairs: Vec<(String, String)> = case["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                // A bare key (`?filter_x`) reaches crossbar as `true`.
                let value = match &p[1] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (p[0].as_str().unwrap().to_owned(), value)
            })
            .collect();
        let doc = &case["doc"];
        let keep = case["keep"].as_bool().unwrap();
        let keep_cdrs = case["keep_cdrs"].as_bool().unwrap();
        let filters = match Filters::from_query(pairs.iter().map(|(k, v)| (k, v))) {
            Ok(filters) => filters,
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::Invalid, "{id}: {err}");
                assert!(
                    ListingQuery::from_pairs(pairs.iter().map(|(k, v)| (k, v))).is_err(),
                    "{id}"
                );
                refused += 1;
                continue;
            }
        };
        assert_eq!(filters.matches_json(doc), keep, "{id} matches_json: {line}");
        // Documents the strict reader refuses are judged as JSON only (they need the
        // lenient record reader).
        let Ok(cdr) = Cdr::from_json_value(doc) else {
            unread += 1;
            agreed += 1;
            continue;
        };
        assert_eq!(filters.matches(&cdr), keep, "{id} matches: {line}");
        let query = ListingQuery::from_pairs(pairs.iter().map(|(k, v)| (k, v)))
            .unwrap()
            .max_range(i64::MAX);
        let now = GregorianSeconds(i64::MAX / 2);
        if cdr.listing_time().is_some() {
            match query.list(std::slice::from_ref(&cdr), now) {
                Ok(page) => {
                    assert_eq!(
                        page.items.len() == 1,
                        keep_cdrs,
                        "{id} ListingQuery: {line}"
                    );
                }
                // created_to before created_from: KAZOO's filters keep nothing, the listing
                // refuses the range.
                Err(err) => {
                    assert_eq!(err.kind(), ErrorKind::OutOfRange, "{id}: {err}");
                    assert!(!keep_cdrs, "{id}: {err}");
                }
            }
        } else {
            assert_eq!(
                query.keeps(&cdr),
                keep_cdrs,
                "{id} ListingQuery::keeps: {line}"
            );
        }
        agreed += 1;
    }
    println!(
        "crossbar_filter: {agreed} agree ({unread} as JSON only: the strict reader refuses the document), \
         {refused} refused as malformed, {differs} differ by design"
    );
    let total = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(agreed + refused + differs, total);
    assert!(agreed > 400, "{agreed}");
}

proptest! {
    /// `matches(&cdr)` writes out only what the filters read, and answers exactly as
    /// `matches_json` of the whole written document.
    #[test]
    fn matches_on_a_cdr_is_matches_json_of_its_document(
        key in prop::sample::select(vec![
            "filter_call_direction", "filter_not_billing_seconds", "filter_custom_channel_vars.account_id",
            "filter_custom_channel_vars", "has_key", "key_missing", "has_value", "value_missing",
            "filter_any_caller_id_number", "filter_array_intersect_any_media_recordings",
            "created_from", "created_to", "filter_x_unknown", "filter_custom_channel_vars.x.y",
            "filter_call_id", "filter_not_to", "filter_custom_channel_vars.rate",
        ]),
        value in prop::sample::select(vec![
            "inbound", "7", "[7,8]", "acc", "custom_channel_vars.account_id", "custom_channel_vars",
            "billing_seconds", "x_unknown", "[\"r1.mp3\"]", "63724403408", "",
            "custom_channel_vars.x", "9", "p", "to", "call_id", "custom_channel_vars.rate",
        ]),
        second in prop::option::of(("has_value|key_missing", "billing_seconds|custom_channel_vars.rate|timestamp")),
        billing in prop::option::of(0..10_i64), account in prop::option::of("acc|other"),
        direction in prop::option::of("inbound|outbound"), timestamp in prop::option::of(63_724_403_400..63_724_403_420_i64),
        recordings in prop::option::of(prop::collection::vec("r[0-9]\\.mp3", 0..3)),
        call_id in prop::sample::select(vec![json!("p"), json!(9), json!("9")]),
        billing_as_text in any::<bool>(), null_to in any::<bool>(),
    ) {
        // Values in other forms than their native one (an integer call id, digits as text)
        // and nulls of known keys are judged as written.
        let mut doc = json!({"call_id": call_id, "x_unknown": "acc"});
        if null_to { doc["to"] = Value::Null; }
        if let Some(b) = billing {
            doc["billing_seconds"] = if billing_as_text { json!(b.to_string()) } else { json!(b) };
        }
        if let Some(d) = direction { doc["call_direction"] = json!(d); }
        if let Some(t) = timestamp { doc["timestamp"] = json!(t); }
        if let Some(r) = recordings { doc["media_recordings"] = json!(r); }
        if let Some(a) = account { doc["custom_channel_vars"] = json!({"account_id": a, "rate": "7", "x": {"y": "inbound"}}); }
        let cdr = Cdr::from_json_value(&doc).unwrap();
        let mut pairs = vec![(key.to_owned(), value.to_owned())];
        if let Some((k, v)) = second { pairs.push((k, v)); }
        if let Ok(filters) = Filters::from_query(pairs) {
            let written = serde_json::to_value(&cdr).unwrap();
            prop_assert_eq!(filters.matches(&cdr), filters.matches_json(&written));
        }
    }
}

#[test]
fn newer_filters_compare_like_filter_and_intersect_none_means_none() {
    let doc = json!({"call_direction": "inbound", "billing_seconds": 7,
                     "media_recordings": ["r1.mp3", "r2.mp3"], "single": "r1.mp3"});
    // filter_any_ / filter_none_: one of the list, numbers included (KAZOO: strings only).
    assert!(matches(
        "filter_any_call_direction",
        r#"["inbound","outbound"]"#,
        &doc
    ));
    assert!(matches("filter_any_billing_seconds", "[6,7]", &doc));
    assert!(!matches("filter_any_billing_seconds", "[6,8]", &doc));
    assert!(matches(
        "filter_none_call_direction",
        r#"["outbound"]"#,
        &doc
    ));
    assert!(!matches("filter_none_billing_seconds", "[7]", &doc));
    // filter_array_intersect_*_: the document's list against the wanted values.
    assert!(matches(
        "filter_array_intersect_all_media_recordings",
        r#"["r1.mp3","r2.mp3"]"#,
        &doc
    ));
    assert!(!matches(
        "filter_array_intersect_all_media_recordings",
        r#"["r1.mp3","r3.mp3"]"#,
        &doc
    ));
    assert!(matches(
        "filter_array_intersect_any_media_recordings",
        r#"["r3.mp3","r2.mp3"]"#,
        &doc
    ));
    assert!(!matches(
        "filter_array_intersect_any_media_recordings",
        r#"["r3.mp3"]"#,
        &doc
    ));
    // KAZOO codes intersect_none as "not all": ["r1.mp3","r3.mp3"] would pass there.
    assert!(!matches(
        "filter_array_intersect_none_media_recordings",
        r#"["r1.mp3","r3.mp3"]"#,
        &doc
    ));
    assert!(matches(
        "filter_array_intersect_none_media_recordings",
        r#"["r3.mp3"]"#,
        &doc
    ));
    // A value that is no list: all/any never hold, none always does.
    assert!(!matches(
        "filter_array_intersect_any_single",
        r#"["r1.mp3"]"#,
        &doc
    ));
    assert!(matches(
        "filter_array_intersect_none_single",
        r#"["r1.mp3"]"#,
        &doc
    ));
    // A single value instead of a list.
    assert!(matches(
        "filter_array_intersect_any_media_recordings",
        "r2.mp3",
        &doc
    ));
    // Malformed lists are errors naming the parameter.
    let err = Filters::from_query([("filter_array_intersect_all_x", "[1,")]).unwrap_err();
    assert_eq!(err.path(), "filter_array_intersect_all_x");
    let err = Filters::from_query([("filter_none_", "[1]")]).unwrap_err();
    assert_eq!(err.path(), "filter_none_");
}

/// A value of any JSON kind, in the forms documents hold: integers as numbers, floats and
/// digit strings, booleans as words, strings as numbers, lists and objects.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        2 => (-1_i64..3).prop_map(Value::from),
        1 => prop::sample::select(vec![0.0, 2.0, 1.5, -0.0]).prop_map(Value::from),
        3 => prop::sample::select(vec![
            "", "0", "2", "02", "true", "inbound", "NULL", "63724403398-af5b9a0e", "r1.mp3",
        ])
        .prop_map(Value::from),
        3 => prop::collection::vec(prop::sample::select(vec!["r1.mp3", "r2.mp3"]), 0..3)
            .prop_map(|list| json!(list)),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(vec!["a", "b", "1"]), inner, 0..3)
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Every kind of field (text, integers, booleans, times, money, names, ids, lists,
    /// objects, the nested records, unknown keys), each holding any JSON value (a misfit is
    /// kept verbatim by the lenient read), under filters on any path: `matches(&cdr)` is
    /// `matches_json` of the document the CDR writes.
    #[test]
    fn matches_on_any_field_of_any_form_is_matches_json_of_the_written_document(
        fields in prop::collection::vec((
            prop::sample::select(vec![
                "billing_seconds", "call_direction", "call_priority", "caller_id_number",
                "channel_authorized_x", "custom_application_vars", "custom_sip_headers",
                "duration_seconds", "fax_info", "interaction_id", "media_recordings",
                "other_leg_direction", "pvt_created", "pvt_modified", "timestamp", "to",
                "x_unknown", "custom_channel_vars.account_id", "custom_channel_vars.base_cost",
                "custom_channel_vars.channel_authorized", "custom_channel_vars.rate",
                "custom_channel_vars.resource_type", "custom_channel_vars.call_interaction_id",
                "custom_channel_vars.x",
            ]),
            any_value(),
        ), 1..8),
        call_id in prop::sample::select(vec![json!("p"), json!(9), json!("9")]),
        filters in prop::collection::vec((
            prop::sample::select(vec![
                "filter_", "filter_not_", "filter_array_intersect_any_",
                "filter_array_intersect_none_", "has_key", "key_missing", "has_value",
                "value_missing", "created_from", "modified_to",
            ]),
            any::<prop::sample::Index>(),
            any::<bool>(),
            prop::sample::select(vec![
                "2", "", "0", "2.0", "1.5", "true", "inbound", "[2,\"r1.mp3\"]", "63724403398",
                "r1.mp3r2.mp3", "{}", "{\"a\":2}",
            ]),
        ), 1..3),
    ) {
        let mut doc = json!({"call_id": call_id, "custom_channel_vars": {}});
        for (path, value) in fields.iter().cloned() {
            match path.split_once('.') {
                Some((outer, inner)) => doc[outer][inner] = value,
                None => doc[path] = value,
            }
        }
        let Ok((cdr, _)) = Cdr::from_json_value_lenient(&doc) else {
            return Ok(());
        };
        let written = serde_json::to_value(&cdr).unwrap();
        // Mostly the paths the document sets, else paths into what it sets.
        const DEEPER: [&str; 14] = [
            "call_id", "call_priority.1", "call_priority.a", "custom_application_vars.a",
            "custom_sip_headers.a", "fax_info.b.1", "media_recordings.1", "x_unknown.a",
            "custom_channel_vars", "custom_channel_vars.x.1", "custom_channel_vars.x.a",
            "timestamp", "pvt_created", "to",
        ];
        let paths: Vec<&str> = fields.iter().map(|(path, _)| *path).collect();
        let pairs = filters.into_iter().map(|(kind, index, set, value)| {
            let path = if set && !paths.is_empty() { *index.get(&paths) } else { *index.get(&DEEPER) };
            (kind, path, value)
        });
        let pairs = pairs.map(|(kind, path, value)| match kind {
            "has_key" | "key_missing" | "has_value" | "value_missing" => (kind.to_owned(), path.to_owned()),
            "created_from" | "modified_to" => (kind.to_owned(), "63724403398".to_owned()),
            _ => (format!("{kind}{path}"), value.to_owned()),
        });
        let filters = Filters::from_query(pairs).unwrap();
        prop_assert_eq!(filters.matches(&cdr), filters.matches_json(&written), "{}", written);
    }
}

/// Every filter kind on every path against documents holding each field kind in each of its
/// forms: `matches(&cdr)` is `matches_json` of the document the CDR writes.
#[test]
fn matches_on_every_form_is_matches_json_of_the_written_document() {
    let documents = [
        json!({"call_id": "p", "media_recordings": ["r1.mp3"], "custom_application_vars": {"a": 2},
               "fax_info": {"b": [0, "2"]}, "billing_seconds": 2.0, "to": 2, "call_priority": [2, "a"],
               "custom_channel_vars": {"rate": "2", "base_cost": 0, "channel_authorized": "true",
                                       "account_id": 2, "x": ["r1.mp3", "r2.mp3"]},
               "custom_sip_headers": {"a": "2"}, "timestamp": "63724403398", "x_unknown": {"a": "0"}}),
        json!({"call_id": 9, "media_recordings": ["r1.mp3", "r2.mp3"], "custom_application_vars": {},
               "fax_info": {}, "billing_seconds": "0", "to": 1.5, "call_priority": "2",
               "custom_channel_vars": {"rate": 0, "channel_authorized": true, "resource_type": "offnet",
                                       "call_interaction_id": "63724403398-af5b9a0e"},
               "interaction_id": "63724403398-af5b9a0e", "pvt_created": 63724403398_i64}),
        json!({"call_id": "9", "media_recordings": [], "billing_seconds": "ten", "to": null,
               "custom_channel_vars": {"rate": 2.5, "x": {"a": 2}}, "timestamp": 63724403398.0,
               "custom_sip_headers": {}, "call_direction": "inbound", "pvt_modified": "0"}),
    ];
    let kinds = [
        "filter_",
        "filter_not_",
        "filter_array_intersect_all_",
        "filter_array_intersect_any_",
        "filter_array_intersect_none_",
        "has_key",
        "key_missing",
        "has_value",
        "value_missing",
        "created_from",
        "created_to",
        "modified_from",
    ];
    let paths = [
        "billing_seconds",
        "call_direction",
        "call_id",
        "call_priority",
        "call_priority.1",
        "custom_application_vars",
        "custom_application_vars.a",
        "custom_channel_vars",
        "custom_channel_vars.account_id",
        "custom_channel_vars.base_cost",
        "custom_channel_vars.call_interaction_id",
        "custom_channel_vars.channel_authorized",
        "custom_channel_vars.rate",
        "custom_channel_vars.resource_type",
        "custom_channel_vars.x",
        "custom_channel_vars.x.1",
        "custom_channel_vars.x.a",
        "custom_sip_headers",
        "custom_sip_headers.a",
        "fax_info",
        "fax_info.b",
        "fax_info.b.2",
        "interaction_id",
        "media_recordings",
        "media_recordings.1",
        "media_recordings.2",
        "to",
        "x_unknown",
        "x_unknown.a",
    ];
    let values = [
        "2",
        "",
        "0",
        "2.0",
        "1.5",
        "2.5",
        "true",
        "inbound",
        "offnet",
        "[2,\"r1.mp3\"]",
        "[\"r1.mp3\",\"r2.mp3\"]",
        "r1.mp3",
        "r1.mp3r2.mp3",
        "{}",
        "{\"a\":2}",
        "{\"a\":\"2\"}",
        "[0,\"2\"]",
        "ten",
        "63724403398",
        "63724403398-af5b9a0e",
    ];
    let mut compared = 0;
    for document in &documents {
        let (cdr, _) = Cdr::from_json_value_lenient(document).unwrap();
        let written = serde_json::to_value(&cdr).unwrap();
        for kind in kinds {
            for path in paths {
                for value in values {
                    let pair = match kind {
                        "has_key" | "key_missing" | "has_value" | "value_missing" => {
                            (kind.to_owned(), path.to_owned())
                        }
                        "created_from" | "created_to" | "modified_from" => {
                            (kind.to_owned(), "63724403398".to_owned())
                        }
                        _ => (format!("{kind}{path}"), value.to_owned()),
                    };
                    let filters = Filters::from_query([pair.clone()]).unwrap();
                    assert_eq!(
                        filters.matches(&cdr),
                        filters.matches_json(&written),
                        "{pair:?} on {written}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(
        compared,
        documents.len() * kinds.len() * paths.len() * values.len()
    );
}
