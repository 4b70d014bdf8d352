//! The CDR model as a user sees it: real KAZOO documents read, written and read again without
//! loss; typed values; errors that name the path and the value.

use kazoo_records::ErrorKind;
use kazoo_records::cdr::{
    CallDirection, Cdr, CustomChannelVars, CustomSipHeaders, InteractionId, ResourceType, Units,
};
use kazoo_records::time::{GregorianSeconds, UnixMicros};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/kazoo/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every fixture, and how a test takes it.
const FIXTURES: &[(&str, Form)] = &[
    ("channel_destroy_inbound.json", Form::Stored),
    ("cdr_legacy_2013.json", Form::Stored),
    ("webhook_channel_destroy.json", Form::Stored),
    ("channel_destroy_wire_2015.json", Form::Wire),
    ("route_req_inbound_onnet_callflow.json", Form::Wire),
    ("schema_cdrs.json", Form::NotACdr),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    /// A CDR document (or an array of them) as KAZOO stores or sends it.
    Stored,
    /// An AMQP message (`Call-ID`, `Custom-Channel-Vars`): a CDR once its keys are normalised.
    Wire,
    /// KAZOO's JSON schema for CDRs.
    NotACdr,
}

/// KAZOO's key normalisation (`kz_json:normalize_jobj`) for the wire fixtures: at every depth,
/// `-` becomes `_` and ASCII letters are lowercased in keys; `null` members are dropped.
fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.replace('-', "_").to_ascii_lowercase(), normalise(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// The CDR documents among the fixtures, one JSON object each: the stored ones as they are,
/// the wire ones normalised.
fn cdr_documents() -> Vec<(String, Value)> {
    let mut documents = Vec::new();
    for &(name, form) in FIXTURES {
        let value = serde_json::from_str::<Value>(&fixture(name)).unwrap();
        let value = match form {
            Form::Stored => value,
            Form::Wire => normalise(&value),
            Form::NotACdr => continue,
        };
        match value {
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    documents.push((format!("{name}[{i}]"), item));
                }
            }
            object => documents.push((name.to_owned(), object)),
        }
    }
    documents
}

/// The first place where `output` differs from `input`, as a path, if any.
fn first_difference(input: &Value, output: &Value, path: &str) -> Option<String> {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let Some(written) = b.get(key) else {
                    return Some(format!("{path}.{key} lost"));
                };
                if let Some(d) = first_difference(value, written, &format!("{path}.{key}")) {
                    return Some(d);
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map(|added| format!("{path}.{added} added"))
        }
        (a, b) if a == b => None,
        (a, b) => Some(format!("{path}: {a} was written as {b}")),
    }
}

/// Reads `input` as a CDR three ways (text, value, serde) and checks that writing gives back
/// exactly `input`, and that reading that again gives an equal CDR.
fn assert_round_trip(name: &str, input: &Value) -> Cdr {
    let text = input.to_string();
    let cdr = Cdr::from_json_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        Cdr::from_json_value(input).as_ref(),
        Ok(&cdr),
        "{name}: from_json_value"
    );
    assert_eq!(
        serde_json::from_str::<Cdr>(&text).ok().as_ref(),
        Some(&cdr),
        "{name}: serde"
    );
    let written = serde_json::to_value(&cdr).unwrap();
    if let Some(difference) = first_difference(input, &written, "") {
        panic!("{name}: {difference}");
    }
    assert_eq!(&written, input, "{name}");
    let again = Cdr::from_json_str(&serde_json::to_string(&cdr).unwrap()).unwrap();
    assert_eq!(again, cdr, "{name}: read–write–read");
    let (lenient, kept) = Cdr::from_json_value_lenient(input).unwrap();
    assert_eq!((&lenient, kept.len()), (&cdr, 0), "{name}: lenient");
    cdr
}

#[test]
fn every_fixture_cdr_writes_back_the_value_it_read() {
    let documents = cdr_documents();
    assert_eq!(documents.len(), 5);
    for (name, document) in &documents {
        assert_round_trip(name, document);
    }
    // The fixtures here are the shared ones, unchanged.
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/kazoo");
    if let Ok(entries) = std::fs::read_dir(shared) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                assert!(
                    FIXTURES.iter().any(|(known, _)| *known == name),
                    "{name} is not tested"
                );
                let here = fixture(&name);
                assert_eq!(
                    std::fs::read_to_string(entry.path()).unwrap(),
                    here,
                    "{name}"
                );
            }
        }
    }
}

/// Keys of stored CDR documents beyond the schema's, each a typed field.
const STORED_KEYS: &[&str] = &[
    "_id",
    "id",
    "interaction_key",
    "interaction_time",
    "channel_name",
    "channel_loopback_leg",
    "media_recordings",
    "recording_url",
    "fax_info",
    "switch_hostname",
    "switch_nodename",
    "switch_uri",
    "switch_url",
    "event_category",
    "event_name",
    "msg_id",
    "pvt_account_db",
    "pvt_account_id",
    "pvt_created",
    "pvt_modified",
    "pvt_type",
    "pvt_vsn",
];

#[test]
fn every_schema_and_stored_key_is_a_typed_field() {
    // A nested array fits no typed field: a key that lands in `extra` instead reads fine.
    let schema: Value = serde_json::from_str(&fixture("schema_cdrs.json")).unwrap();
    let schema_keys = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str);
    let keys: Vec<&str> = schema_keys.chain(STORED_KEYS.iter().copied()).collect();
    assert!(keys.len() > 60);
    for key in keys.into_iter().filter(|k| *k != "call_id") {
        let document = json!({"call_id": "a", key: [[1]]});
        let err =
            Cdr::from_json_value(&document).expect_err(&format!("{key} is not a typed field"));
        assert!(err.path().starts_with(key), "{key}: {err}");
    }
}

#[test]
fn every_document_kazoo_saved_in_the_ingest_vectors_writes_back_the_value_it_read() {
    // The documents KAZOO's `cdr` application saved, as its own Erlang code produced them.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/cdr_ingest.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let (mut read, mut kept_verbatim, mut integer_call_ids) = (0, 0, 0);
    for (line, raw) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let vector: Value = serde_json::from_str(raw).unwrap();
        let Some(doc) = vector.get("doc").filter(|d| d.is_object()) else {
            continue;
        };
        let name = format!("cdr_ingest.jsonl line {}", line + 1);
        if Cdr::from_json_value(doc).is_ok() {
            let cdr = assert_round_trip(&name, doc);
            if let Some(number) = doc["call_id"].as_u64() {
                // KAZOO saved the event's integer `Call-ID` as a number.
                assert_eq!(cdr.call_id, number.to_string(), "{name}");
                integer_call_ids += 1;
            }
            read += 1;
        } else {
            // A value KAZOO saved that does not fit its field (an interaction id without a
            // key): the lenient reader keeps it and still writes the document back.
            let (cdr, kept) = Cdr::from_json_value_lenient(doc).unwrap();
            assert!(!kept.is_empty(), "{name}");
            assert_eq!(&serde_json::to_value(&cdr).unwrap(), doc, "{name}");
            kept_verbatim += 1;
        }
    }
    assert!(read >= 20, "only {read} saved documents read");
    assert!(kept_verbatim < read, "{kept_verbatim} of {read}");
    assert_eq!(integer_call_ids, 1, "the vectors hold one integer call id");
    println!(
        "{read} read, {kept_verbatim} read leniently, {integer_call_ids} with an integer call id"
    );
}

#[test]
fn the_schema_is_not_a_cdr() {
    let err = Cdr::from_json_str(&fixture("schema_cdrs.json")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingKey);
}

#[test]
fn the_channel_destroy_reads_into_typed_fields() {
    let cdr = Cdr::from_json_str(&fixture("channel_destroy_inbound.json")).unwrap();
    assert_eq!(
        cdr.call_id,
        "SD80b4301-08cad0a2bb1f10205aba739d13258341-06a91u0"
    );
    assert_eq!(cdr.call_direction, Some(CallDirection::Inbound));
    assert_eq!(cdr.billing_seconds, Some(7));
    assert_eq!(cdr.timestamp, Some(GregorianSeconds(63_724_403_408)));
    assert_eq!(cdr.start_time(), Some(GregorianSeconds(63_724_403_398)));
    assert_eq!(
        cdr.channel_created_time,
        Some(UnixMicros(1_557_184_198_071_108))
    );
    assert_eq!(
        cdr.start_time().map(|t| t.iso8601()).as_deref(),
        Some("2019-05-06T23:09:58Z")
    );
    assert_eq!(cdr.switch_hostname.as_deref(), Some("apps.2600hz.local"));
    assert!(
        cdr.local_sdp
            .as_deref()
            .is_some_and(|sdp| sdp.starts_with("v=0\r\n"))
    );
    assert_eq!(cdr.custom_sip_headers, Some(CustomSipHeaders::new()));
    assert_eq!(cdr.custom_application_vars, Some(Map::new()));
    assert_eq!(cdr.extra.get("channel_state"), Some(&json!("REPORTING")));

    let vars = cdr.custom_channel_vars.as_ref().unwrap();
    assert_eq!(vars.rate, Some(Units(2262)));
    assert_eq!(vars.base_cost, Some(Units(2262)));
    assert_eq!(vars.surcharge, Some(Units(0)));
    assert_eq!(
        (
            vars.rate_minimum,
            vars.rate_increment,
            vars.rate_nocharge_time
        ),
        (Some(60), Some(60), Some(0))
    );
    assert_eq!(vars.resource_type, Some(ResourceType::OffnetOrigination));
    assert_eq!(vars.global_resource, Some(false));
    assert_eq!(vars.channel_authorized, Some(true));
    assert_eq!(vars.account_billing.as_deref(), Some("flat_rate"));
    assert_eq!(
        vars.extra.get("account_trunk_usage"),
        Some(&json!("0/0/20/0/0/0"))
    );

    let interaction = cdr.interaction().unwrap();
    assert_eq!(interaction.as_str(), "63724403398-af5b9a0e");
    assert_eq!(interaction.time(), cdr.start_time().unwrap());

    // 7 s at 2262/min with a 60 s minimum costs one minute; the account is on a flat rate.
    assert_eq!(cdr.cost(), Units(2262));
    assert_eq!(cdr.customer_cost(), Units(0));
    assert_eq!(cdr.reseller_cost(), Units(0));
    assert_eq!(
        cdr.cdr_id().unwrap().to_string(),
        format!("201905-{}", cdr.call_id)
    );

    // Channel vars are written as they arrived; canonically, numbers and booleans are native.
    let written = serde_json::to_value(&cdr).unwrap();
    assert_eq!(written["custom_channel_vars"]["rate"], json!("2262"));
    assert_eq!(
        written["custom_channel_vars"]["global_resource"],
        json!("false")
    );
    let canonical = cdr.to_canonical_value();
    assert_eq!(canonical["custom_channel_vars"]["rate"], json!(2262));
    assert_eq!(
        canonical["custom_channel_vars"]["global_resource"],
        json!(false)
    );
    assert_eq!(canonical["custom_channel_vars"]["pvt_cost"], json!("0"));
    assert_eq!(canonical["duration_seconds"], written["duration_seconds"]);
}

#[test]
fn the_2013_cdr_keeps_its_private_fields() {
    let cdr = Cdr::from_json_str(&fixture("cdr_legacy_2013.json")).unwrap();
    assert_eq!(cdr.pvt_created, Some(GregorianSeconds(63_542_353_959)));
    assert_eq!(cdr.pvt_vsn, Some(2));
    assert_eq!(cdr.pvt_type.as_deref(), Some("cdr"));
    assert_eq!(cdr.extra.get("server_id"), Some(&json!("")));
    assert_eq!(cdr.start_time(), None);
    assert_eq!(cdr.cost(), Units(0));
    let err = cdr.cdr_id().unwrap_err();
    assert_eq!(
        (err.kind(), err.to_string().as_str()),
        (ErrorKind::MissingKey, r#"missing required key "timestamp""#)
    );
    let vars = cdr.custom_channel_vars.unwrap();
    assert_eq!(vars.authorizing_type.as_deref(), Some("device"));
    assert_eq!(vars.username.as_deref(), Some("account_username"));
}

#[test]
fn the_webhook_payload_reads_its_string_timestamp() {
    let payload: Value = serde_json::from_str(&fixture("webhook_channel_destroy.json")).unwrap();
    let cdr = Cdr::from_json_value(&payload[0]).unwrap();
    assert_eq!(cdr.timestamp, Some(GregorianSeconds(63_724_349_409)));
    assert_eq!(cdr.start_time(), Some(GregorianSeconds(63_724_349_403)));
    assert_eq!(
        cdr.extra.get("owner_id"),
        Some(&json!("d860229e722bf8f738737365b0b1e333"))
    );
    assert_eq!(cdr.extra.get("call_forwarded"), Some(&json!(false)));
    let written = serde_json::to_value(&cdr).unwrap();
    assert_eq!(written["timestamp"], json!("63724349409"));
    assert_eq!(
        cdr.to_canonical_value()["timestamp"],
        json!(63_724_349_409_i64)
    );
    // The payload itself is an array: not a CDR.
    let err = Cdr::from_json_value(&payload).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not an object; expected a JSON object",
            short(&payload)
        )
    );
}

#[test]
fn the_webhook_payload_reaches_the_typed_channel_vars() {
    use kazoo_records::cdr::{Filters, RowOptions};

    let payload: Value = serde_json::from_str(&fixture("webhook_channel_destroy.json")).unwrap();
    let plain = Cdr::from_json_value(&payload[0]).unwrap();
    assert_eq!(plain.channel_vars().owner_id, None);
    let cdr = Cdr::from_webhook_value(&payload[0]).unwrap();
    let vars = cdr.channel_vars();
    assert_eq!(
        vars.owner_id.as_deref(),
        Some("d860229e722bf8f738737365b0b1e333")
    );
    assert_eq!(
        vars.account_id.as_deref(),
        Some("91eb05e5c68d7ca05e7618b6821d2d16")
    );
    assert_eq!(
        vars.authorizing_id.as_deref(),
        Some("7f2b66a620cf9523d349cc5de8f21f37")
    );
    assert_eq!(vars.authorizing_type.as_deref(), Some("device"));
    assert_eq!(
        vars.reseller_id.as_deref(),
        Some("026f4f0a6d99f9a19b6aa4aa75501d7d")
    );
    assert_eq!(
        vars.resource_id.as_deref(),
        Some("d88c4e753d18755ca71adbae784e5f10")
    );

    let row = cdr.public_row(&RowOptions::default());
    assert_eq!(
        row.get("owner_id"),
        Some("d860229e722bf8f738737365b0b1e333")
    );
    assert_eq!(
        row.get("authorizing_id"),
        Some("7f2b66a620cf9523d349cc5de8f21f37")
    );
    let owner = Filters::from_query([(
        "filter_custom_channel_vars.owner_id",
        "d860229e722bf8f738737365b0b1e333",
    )])
    .unwrap();
    assert!(owner.matches(&cdr));
    assert!(!owner.matches(&plain));

    // Written back: the payload, plus the channel variables it flattened.
    let mut expected = payload[0].clone();
    expected["custom_channel_vars"] = json!({
        "account_id": "91eb05e5c68d7ca05e7618b6821d2d16",
        "authorizing_id": "7f2b66a620cf9523d349cc5de8f21f37",
        "authorizing_type": "device",
        "owner_id": "d860229e722bf8f738737365b0b1e333",
        "reseller_id": "026f4f0a6d99f9a19b6aa4aa75501d7d",
        "resource_id": "d88c4e753d18755ca71adbae784e5f10",
    });
    assert_eq!(serde_json::to_value(&cdr).unwrap(), expected);

    // A variable the payload's own channel vars hold is kept; numbers are kept as numbers.
    let payload = json!({"call_id": "a", "owner_id": 7, "account_id": "top",
                         "custom_channel_vars": {"account_id": "nested"}});
    let cdr = Cdr::from_webhook_value(&payload).unwrap();
    assert_eq!(cdr.channel_vars().account_id.as_deref(), Some("nested"));
    assert_eq!(
        serde_json::to_value(&cdr).unwrap()["custom_channel_vars"],
        json!({"account_id": "nested", "owner_id": 7})
    );
    let err = Cdr::from_webhook_value(&json!({"call_id": "a", "owner_id": ["u"]})).unwrap_err();
    assert_eq!(
        (err.path(), err.to_string().as_str()),
        (
            "owner_id",
            r#"owner_id: ["u"] is not a string; expected a JSON string"#
        )
    );
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[test]
fn an_amqp_route_request_is_not_a_cdr() {
    // KAZOO's wire shape (`Call-ID`, `Custom-Channel-Vars`) is normalised before it is stored.
    let err = Cdr::from_json_str(&fixture("route_req_inbound_onnet_callflow.json")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingKey);
    assert_eq!(err.path(), "");
    assert_eq!(err.to_string(), r#"missing required key "call_id""#);
}

#[test]
fn serde_json_reports_the_path_too() {
    let err =
        serde_json::from_str::<Cdr>(r#"{"call_id": "a", "custom_channel_vars": {"rate": "abc"}}"#)
            .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(r#"custom_channel_vars.rate: "abc" is not an integer; expected a JSON integer or a string of decimal digits"#),
        "{err}"
    );
    let cdr: Cdr = serde_json::from_str(r#"{"call_id": "a", "ringing_seconds": "3"}"#).unwrap();
    assert_eq!(cdr.ringing_seconds, Some(3));
}

#[test]
fn serde_json_values_deserialize_too() {
    let document =
        json!({"call_id": "a", "billing_seconds": "7", "custom_sip_headers": {"X-A": 1}});
    let owned: Cdr = serde_json::from_value(document.clone()).unwrap();
    assert_eq!(Ok(&owned), Cdr::from_json_value(&document).as_ref());
    assert_eq!(owned.billing_seconds, Some(7));
    let err =
        serde_json::from_value::<Cdr>(json!({"call_id": "a", "timestamp": "soon"})).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(r#"timestamp: "soon" is not an integer"#),
        "{err}"
    );
}

#[test]
fn null_values_of_known_keys_are_kept() {
    let input = json!({"call_id": "a", "billing_seconds": null, "custom_channel_vars": null});
    let cdr = assert_round_trip("nulls", &input);
    assert_eq!(cdr.billing_seconds, None);
    assert_eq!(cdr.custom_channel_vars, None);
}

#[test]
fn built_records_write_what_was_set() {
    let mut cdr = Cdr::new("leg-1");
    cdr.call_direction = Some(CallDirection::from("sideways"));
    cdr.interaction_id = Some(InteractionId::parse("63724403398-af5b9a0e").unwrap());
    let mut vars = CustomChannelVars::new();
    vars.rate = Some(Units(100));
    cdr.custom_channel_vars = Some(vars);
    cdr.extra.insert("call_id".into(), json!("shadow"));
    cdr.extra.insert("billing_seconds".into(), Value::Null);
    cdr.billing_seconds = Some(5);
    let written = serde_json::to_value(&cdr).unwrap();
    assert_eq!(
        written,
        json!({"call_id": "leg-1", "billing_seconds": 5, "call_direction": "sideways",
               "custom_channel_vars": {"rate": 100}, "interaction_id": "63724403398-af5b9a0e"})
    );
}

#[test]
fn values_keep_the_json_type_they_arrived_in() {
    let input = json!({
        "call_id": "a",
        "billing_seconds": "7", "duration_seconds": 7.0, "ringing_seconds": "007",
        "timestamp": "-0", "pvt_vsn": -0.0, "pvt_created": 63724403398_i64,
        "caller_id_number": 15555678907_i64, "callee_id_number": 1.5, "to": "+1555",
        "custom_channel_vars": {"rate": "2262", "surcharge": 0, "global_resource": "false",
                                "channel_authorized": true, "owner_id": 42}
    });
    let cdr = Cdr::from_json_value(&input).unwrap();
    assert_eq!(cdr.billing_seconds, Some(7));
    assert_eq!(cdr.duration_seconds, Some(7));
    assert_eq!(cdr.ringing_seconds, Some(7));
    assert_eq!(cdr.timestamp, Some(GregorianSeconds(0)));
    assert_eq!(cdr.pvt_vsn, Some(0));
    assert_eq!(cdr.caller_id_number.as_deref(), Some("15555678907"));
    assert_eq!(cdr.callee_id_number.as_deref(), Some("1.5"));
    let vars = cdr.channel_vars();
    assert_eq!(
        (vars.rate, vars.global_resource),
        (Some(Units(2262)), Some(false))
    );
    assert_eq!(vars.owner_id.as_deref(), Some("42"));
    assert_eq!(serde_json::to_value(&cdr).unwrap(), input);
    // The text too, `-0.0` and `007` included.
    let text = serde_json::to_string(&cdr).unwrap();
    for piece in [
        r#""pvt_vsn":-0.0"#,
        r#""ringing_seconds":"007""#,
        r#""duration_seconds":7.0"#,
    ] {
        assert!(text.contains(piece), "{piece} in {text}");
    }
    assert_eq!(
        cdr.to_canonical_value(),
        json!({
            "call_id": "a",
            "billing_seconds": 7, "duration_seconds": 7, "ringing_seconds": 7,
            "timestamp": 0, "pvt_vsn": 0, "pvt_created": 63724403398_i64,
            "caller_id_number": "15555678907", "callee_id_number": "1.5", "to": "+1555",
            "custom_channel_vars": {"rate": 2262, "surcharge": 0, "global_resource": false,
                                    "channel_authorized": true, "owner_id": "42"}
        })
    );
}

#[test]
fn a_value_set_from_rust_drops_the_form_it_arrived_in() {
    let input = json!({"call_id": "a", "billing_seconds": "7", "caller_id_number": 5,
                       "custom_channel_vars": {"rate": "2262", "global_resource": "true"}});
    let read = Cdr::from_json_value(&input).unwrap();
    let mut cdr = read.clone();
    cdr.billing_seconds = Some(8);
    cdr.caller_id_number = Some("6".into());
    let vars = cdr.custom_channel_vars.as_mut().unwrap();
    vars.rate = Some(Units(100));
    vars.global_resource = Some(false);
    assert_eq!(
        serde_json::to_value(&cdr).unwrap(),
        json!({"call_id": "a", "billing_seconds": 8, "caller_id_number": "6",
               "custom_channel_vars": {"rate": 100, "global_resource": false}})
    );
    assert_ne!(cdr, read);
    // Equal records write the same JSON: a read "7" is not a built 7.
    let mut built = Cdr::new("a");
    built.billing_seconds = Some(7);
    let seven = Cdr::from_json_value(&json!({"call_id": "a", "billing_seconds": "7"})).unwrap();
    assert_eq!(seven.billing_seconds, built.billing_seconds);
    assert_ne!(seven, built);
    assert_eq!(
        Cdr::from_json_value(&seven.to_canonical_value()).unwrap(),
        built
    );
    // A field given back the value it was read with is written as it was read.
    let mut again = seven.clone();
    again.billing_seconds = Some(7);
    assert_eq!(again, seven);
}

#[test]
fn the_lenient_reader_keeps_and_reports_values_of_the_wrong_kind() {
    let input = json!({
        "call_id": "a", "billing_seconds": "ten", "call_direction": 5,
        "media_recordings": ["r1", 2], "pvt_created": 18446744073709551615_u64,
        "custom_sip_headers": {"X Bad": "1"},
        "custom_channel_vars": {"rate": "2262", "rate_minimum": "1m", "resource_type": ["x"]},
        "timestamp": "63724403408"
    });
    let (cdr, kept) = Cdr::from_json_value_lenient(&input).unwrap();
    assert_eq!(serde_json::to_value(&cdr).unwrap(), input);
    assert_eq!(cdr.timestamp, Some(GregorianSeconds(63_724_403_408)));
    assert_eq!(cdr.billing_seconds, None);
    assert_eq!(cdr.extra["billing_seconds"], json!("ten"));
    assert_eq!(cdr.channel_vars().rate, Some(Units(2262)));
    assert_eq!(cdr.channel_vars().extra["rate_minimum"], json!("1m"));
    let mut reported: Vec<(String, String)> = kept
        .iter()
        .map(|e| (e.path().to_owned(), e.to_string()))
        .collect();
    reported.sort();
    let mut expected: Vec<(String, String)> = [
        "billing_seconds",
        "call_direction",
        "media_recordings[1]",
        "pvt_created",
        "custom_sip_headers",
        "custom_channel_vars.rate_minimum",
        "custom_channel_vars.resource_type",
    ]
    .iter()
    .map(|path| {
        let key = path.split(['.', '[']).next().unwrap();
        let alone = match path.split_once('.') {
            Some((_, var)) => json!({"call_id": "a", key: {var: input[key][var].clone()}}),
            None => json!({"call_id": "a", key: input[key].clone()}),
        };
        (
            path.to_string(),
            Cdr::from_json_value(&alone).unwrap_err().to_string(),
        )
    })
    .collect();
    expected.sort();
    assert_eq!(reported, expected);

    // An empty call id is kept and reported; a missing one, or one that is neither a string
    // nor an integer, is still refused.
    let (cdr, kept) = Cdr::from_json_value_lenient(&json!({"call_id": ""})).unwrap();
    assert_eq!((cdr.call_id.as_str(), kept.len()), ("", 1));
    assert_eq!(
        kept[0].to_string(),
        r#"call_id: "" is not a call id; expected a non-empty JSON string or an integer"#
    );
    for refused in [
        json!({"call_id": 5.5}),
        json!({"call_id": true}),
        json!({}),
        json!([]),
        json!(null),
    ] {
        assert_eq!(
            Cdr::from_json_value_lenient(&refused).unwrap_err(),
            Cdr::from_json_value(&refused).unwrap_err()
        );
    }
}

#[test]
fn an_integer_call_id_is_its_decimal_text_and_is_written_back_as_the_number() {
    // KAZOO stores an event's integer `Call-ID` as a JSON number.
    let stored = json!({"call_id": 7, "_id": "201905-7", "timestamp": 63724403408_i64,
                        "interaction_id": "63724403398-af5b9a0e"});
    for cdr in [
        Cdr::from_json_value(&stored).unwrap(),
        Cdr::from_json_str(&stored.to_string()).unwrap(),
        Cdr::from_json_slice(stored.to_string().as_bytes()).unwrap(),
        Cdr::from_json_value_lenient(&stored)
            .map(|(cdr, kept)| {
                assert!(kept.is_empty());
                cdr
            })
            .unwrap(),
    ] {
        assert_eq!(cdr.call_id, "7");
        assert_eq!(cdr.cdr_id().unwrap().as_str(), "201905-7");
        assert_eq!(cdr.cdr_id().unwrap().call_id(), "7");
        assert_eq!(serde_json::to_value(&cdr).unwrap(), stored);
        assert_eq!(
            serde_json::to_string(&cdr).unwrap().find(r#""call_id":7"#),
            Some(1)
        );
        // Canonically, a call id is a string.
        assert_eq!(cdr.to_canonical_value()["call_id"], json!("7"));
        // Equal to the record read from the string form: same values, but another JSON form.
        let as_text = Cdr::from_json_value(&json!({"call_id": "7", "_id": "201905-7",
            "timestamp": 63724403408_i64, "interaction_id": "63724403398-af5b9a0e"}))
        .unwrap();
        assert_ne!(cdr, as_text);
        assert_eq!(cdr.to_canonical_value(), as_text.to_canonical_value());
    }

    // The whole range of JSON integers, and a repeated key (the last one stands).
    for (json, text) in [
        (r#"{"call_id": 0}"#, "0"),
        (r#"{"call_id": -12}"#, "-12"),
        (
            r#"{"call_id": 18446744073709551615}"#,
            "18446744073709551615",
        ),
        (r#"{"call_id": "a", "call_id": 9}"#, "9"),
    ] {
        let cdr = Cdr::from_json_str(json).unwrap();
        assert_eq!(cdr.call_id, text, "{json}");
        assert_eq!(
            serde_json::to_value(&cdr).unwrap()["call_id"],
            serde_json::from_str::<Value>(json).unwrap()["call_id"]
        );
    }
    let cdr = Cdr::from_json_str(r#"{"call_id": 9, "call_id": "b"}"#).unwrap();
    assert_eq!(serde_json::to_value(&cdr).unwrap(), json!({"call_id": "b"}));

    // A call id set from Rust is written natively, as a string, even when it is digits.
    let mut cdr = Cdr::from_json_value(&stored).unwrap();
    cdr.call_id = "8".to_owned();
    assert_eq!(serde_json::to_value(&cdr).unwrap()["call_id"], json!("8"));

    // Legs joined by an integer call id and a string `other_leg_call_id`.
    let legs = [
        Cdr::from_json_value(
            &json!({"call_id": 41, "other_leg_call_id": "42", "timestamp": 63724403408_i64}),
        )
        .unwrap(),
        Cdr::from_json_value(&json!({"call_id": 42, "timestamp": 63724403409_i64})).unwrap(),
    ];
    let calls = kazoo_records::cdr::group_interactions(&legs);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].legs.len(), 2);
    assert_eq!(legs[1].listing_id(), "42");
}

#[test]
fn public_types_are_send_sync_debug() {
    fn check<T: Send + Sync + std::fmt::Debug>() {}
    check::<Cdr>();
    check::<CustomChannelVars>();
    check::<CustomSipHeaders>();
    check::<CallDirection>();
    check::<ResourceType>();
    check::<kazoo_records::cdr::Unrecognized<CallDirection>>();
    check::<InteractionId>();
    check::<kazoo_records::cdr::CdrId>();
    check::<Units>();
    check::<kazoo_records::cdr::Rating>();
    check::<kazoo_records::cdr::PublicRow>();
    check::<kazoo_records::cdr::RowOptions>();
}

/// Malformed documents: (document, expected path, expected message).
const MALFORMED: &[(&str, &str, &str)] = &[
    (
        r#"{"caller_id_number": "1"}"#,
        "",
        r#"missing required key "call_id""#,
    ),
    (
        r#"{"call_id": 4.2}"#,
        "call_id",
        r#"call_id: 4.2 is not a call id; expected a non-empty JSON string or an integer"#,
    ),
    (
        r#"{"call_id": ""}"#,
        "call_id",
        r#"call_id: "" is not a call id; expected a non-empty JSON string or an integer"#,
    ),
    (
        r#"{"call_id": null}"#,
        "call_id",
        r#"call_id: null is not a call id; expected a non-empty JSON string or an integer"#,
    ),
    (
        r#"{"call_id": "a", "call_direction": 1}"#,
        "call_direction",
        "call_direction: 1 is not a call direction; expected a JSON string, such as inbound or outbound",
    ),
    (
        r#"{"call_id": "a", "interaction_id": "63724403398af5b9a0e"}"#,
        "interaction_id",
        r#"interaction_id: "63724403398af5b9a0e" is not an interaction id; expected <11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e"#,
    ),
    (
        r#"{"call_id": "a", "interaction_id": "6372440339-af5b9a0e"}"#,
        "interaction_id",
        r#"interaction_id: "6372440339-af5b9a0e" is not an interaction id; expected <11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e"#,
    ),
    (
        r#"{"call_id": "a", "interaction_id": "63724403398-"}"#,
        "interaction_id",
        r#"interaction_id: "63724403398-" is not an interaction id; expected <11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e"#,
    ),
    (
        r#"{"call_id": "a", "custom_channel_vars": {"rate": "abc"}}"#,
        "custom_channel_vars.rate",
        r#"custom_channel_vars.rate: "abc" is not an integer; expected a JSON integer or a string of decimal digits"#,
    ),
    (
        r#"{"call_id": "a", "custom_channel_vars": {"global_resource": "yes"}}"#,
        "custom_channel_vars.global_resource",
        r#"custom_channel_vars.global_resource: "yes" is not a boolean; expected true, false, "true" or "false""#,
    ),
    (
        r#"{"call_id": "a", "custom_channel_vars": {"call_interaction_id": "x"}}"#,
        "custom_channel_vars.call_interaction_id",
        r#"custom_channel_vars.call_interaction_id: "x" is not an interaction id; expected <11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e"#,
    ),
    (
        r#"{"call_id": "a", "pvt_created": 18446744073709551615}"#,
        "pvt_created",
        "pvt_created: 18446744073709551615 is out of range; expected an integer from -9223372036854775808 to 9223372036854775807",
    ),
    (
        r#"{"call_id": "a", "custom_channel_vars": "rate=1"}"#,
        "custom_channel_vars",
        r#"custom_channel_vars: "rate=1" is not an object; expected a JSON object"#,
    ),
    (
        r#"{"call_id": "a", "custom_channel_vars": {"resource_type": ["onnet"]}}"#,
        "custom_channel_vars.resource_type",
        r#"custom_channel_vars.resource_type: ["onnet"] is not a resource type; expected a JSON string, such as offnet-origination, offnet-termination, onnet-origination or onnet-termination"#,
    ),
    (
        r#"{"call_id": "a", "custom_sip_headers": {"X Bad": "1"}}"#,
        "custom_sip_headers",
        r#"custom_sip_headers: "X Bad" is not a SIP header name; expected letters, digits, '_' and '-' (^[A-Za-z0-9_-]+$)"#,
    ),
    (
        r#"{"call_id": "a", "custom_sip_headers": {"X[1]": "1"}}"#,
        "custom_sip_headers",
        r#"custom_sip_headers: "X[1]" is not a SIP header name; expected letters, digits, '_' and '-' (^[A-Za-z0-9_-]+$)"#,
    ),
    (
        r#"{"call_id": "a", "custom_sip_headers": {"out": {"X^": "1"}}}"#,
        "custom_sip_headers.out",
        r#"custom_sip_headers.out: "X^" is not a SIP header name; expected letters, digits, '_' and '-' (^[A-Za-z0-9_-]+$)"#,
    ),
    (
        r#"{"call_id": "a", "custom_sip_headers": {"X-A": {"b": 1}}}"#,
        "custom_sip_headers.X-A",
        r#"custom_sip_headers.X-A: {"b":1} is not a SIP header value; expected a JSON string, number or boolean"#,
    ),
    (
        r#"{"call_id": "a", "custom_application_vars": []}"#,
        "custom_application_vars",
        "custom_application_vars: [] is not an object; expected a JSON object",
    ),
    (
        r#"{"call_id": "a", "fax_info": "ok"}"#,
        "fax_info",
        r#"fax_info: "ok" is not an object; expected a JSON object"#,
    ),
    (
        r#"{"call_id": "a", "media_recordings": ["r1", 2]}"#,
        "media_recordings[1]",
        "media_recordings[1]: 2 is not a string; expected a JSON string",
    ),
    (
        r#"{"call_id": "a", "media_recordings": "r1"}"#,
        "media_recordings",
        r#"media_recordings: "r1" is not a list of strings; expected a JSON array of strings"#,
    ),
    (
        r#"["call_id", "a"]"#,
        "",
        r#"["call_id","a"] is not an object; expected a JSON object"#,
    ),
];

/// Integer fields given something else: (field, value as JSON). The message names both.
const NOT_INTEGERS: &[(&str, &str)] = &[
    ("billing_seconds", r#""ten""#),
    ("duration_seconds", "1.5"),
    ("ringing_seconds", "true"),
    ("timestamp", r#""2019-05-06""#),
    ("channel_created_time", "[1]"),
];

#[test]
fn malformed_documents_name_the_field_and_value() {
    let not_integers = NOT_INTEGERS.iter().map(|(field, value)| {
        let document = format!(r#"{{"call_id": "a", "{field}": {value}}}"#);
        let message = format!(
            "{field}: {value} is not an integer; expected a JSON integer or a string of decimal digits"
        );
        (document, field.to_string(), message)
    });
    let all: Vec<(String, String, String)> = MALFORMED
        .iter()
        .map(|(d, p, m)| (d.to_string(), p.to_string(), m.to_string()))
        .chain(not_integers)
        .collect();
    assert!(all.len() >= 20);
    for (document, path, message) in &all {
        let document = document.as_str();
        let err = Cdr::from_json_str(document).unwrap_err();
        assert_eq!(err.path(), *path, "{document}");
        assert_eq!(err.to_string(), *message, "{document}");
        let via_value = Cdr::from_json_value(&serde_json::from_str(document).unwrap()).unwrap_err();
        assert_eq!(via_value, err, "{document}");
    }
}

#[test]
fn text_that_is_not_json_is_a_json_error() {
    for text in [
        "",
        "{",
        r#"{"call_id": "a"} x"#,
        r#"{"call_id": "a", "custom_channel_vars": {"rate": }"#,
    ] {
        let err = Cdr::from_json_str(text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Json, "{text}: {err}");
        assert_eq!(Cdr::from_json_slice(text.as_bytes()).unwrap_err(), err);
    }
}

// --- property tests -------------------------------------------------------------------------

/// What a known key holds when its value is valid.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bool,
    InteractionId,
    Object,
    Headers,
    Texts,
    Any,
}

const TOP_KEYS: &[(&str, Kind)] = &[
    ("_id", Kind::Text),
    ("app_name", Kind::Text),
    ("billing_seconds", Kind::Int),
    ("call_direction", Kind::Text),
    ("call_priority", Kind::Any),
    ("caller_id_number", Kind::Text),
    ("channel_created_time", Kind::Int),
    ("custom_application_vars", Kind::Object),
    ("custom_sip_headers", Kind::Headers),
    ("duration_seconds", Kind::Int),
    ("fax_info", Kind::Object),
    ("fax_success", Kind::Text),
    ("interaction_id", Kind::InteractionId),
    ("interaction_time", Kind::Int),
    ("media_recordings", Kind::Texts),
    ("other_leg_direction", Kind::Text),
    ("pvt_vsn", Kind::Int),
    ("timestamp", Kind::Int),
    ("to", Kind::Text),
];
const VAR_KEYS: &[(&str, Kind)] = &[
    ("account_id", Kind::Text),
    ("rate", Kind::Int),
    ("surcharge", Kind::Int),
    ("rate_minimum", Kind::Int),
    ("resource_type", Kind::Text),
    ("global_resource", Kind::Bool),
    ("channel_authorized", Kind::Bool),
    ("call_interaction_id", Kind::InteractionId),
    ("discount_percentage", Kind::Int),
];

/// A valid value for a key of this kind, in any of the forms lenient reading accepts.
fn valid_value(kind: Kind) -> BoxedStrategy<Value> {
    match kind {
        Kind::Text => prop_oneof![
            3 => any::<String>().prop_map(Value::from),
            1 => any::<i64>().prop_map(Value::from),
            1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ]
        .boxed(),
        Kind::Int => prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<i64>().prop_map(|n| Value::from(n.to_string())),
            (-1_000_000i64..1_000_000).prop_map(|n| Value::from(n as f64)),
            Just(Value::from(-0.0)),
            "-?0{0,3}[0-9]{1,6}".prop_map(Value::from),
        ]
        .boxed(),
        Kind::Bool => prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<bool>().prop_map(|b| Value::from(b.to_string())),
        ]
        .boxed(),
        Kind::InteractionId => (10_000_000_000i64..=99_999_999_999, "[0-9a-f]{8}")
            .prop_map(|(time, key)| Value::from(format!("{time}-{key}")))
            .boxed(),
        Kind::Object => prop::collection::btree_map(any::<String>(), json_value(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed(),
        Kind::Headers => prop::collection::btree_map("[A-Za-z0-9_-]{1,8}", leaf_text(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed(),
        Kind::Texts => prop::collection::vec(any::<String>().prop_map(Value::from), 0..3)
            .prop_map(Value::Array)
            .boxed(),
        Kind::Any => json_value().boxed(),
    }
}

fn leaf_text() -> impl Strategy<Value = Value> {
    any::<String>().prop_map(Value::from)
}

/// A known key with (mostly) a valid value, sometimes any JSON at all.
fn known_entry(keys: &'static [(&'static str, Kind)]) -> impl Strategy<Value = (String, Value)> {
    prop::sample::select(keys).prop_flat_map(|(key, kind)| {
        (
            Just(key.to_owned()),
            prop_oneof![6 => valid_value(kind), 1 => json_value()],
        )
    })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop_oneof![
            Just("true".to_owned()),
            Just("false".to_owned()),
            Just("inbound".to_owned()),
            Just("63724403398-af5b9a0e".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-zA-Z0-9 _-]{0,12}",
            any::<String>(),
        ]
        .prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_ -]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object_with(keys: &'static [(&'static str, Kind)]) -> impl Strategy<Value = Map<String, Value>> {
    let entry = prop_oneof![
        3 => known_entry(keys),
        1 => ("[a-z_]{1,10}", json_value()),
        1 => (any::<String>(), json_value()),
    ];
    prop::collection::vec(entry, 0..8).prop_map(|entries| entries.into_iter().collect())
}

fn cdr_document() -> impl Strategy<Value = Value> {
    (
        object_with(TOP_KEYS),
        object_with(VAR_KEYS),
        any::<bool>(),
        prop_oneof![
            4 => "[a-zA-Z0-9-]{1,20}".prop_map(Value::String),
            1 => any::<i64>().prop_map(Value::from),
            1 => any::<u64>().prop_map(Value::from),
        ],
    )
        .prop_map(|(mut top, vars, with_vars, call_id)| {
            if with_vars {
                top.insert("custom_channel_vars".into(), Value::Object(vars));
            }
            top.insert("call_id".into(), call_id);
            Value::Object(top)
        })
}

proptest! {
    #[test]
    fn any_object_with_a_call_id_reads_or_errs_and_round_trips(document in cdr_document()) {
        let text = document.to_string();
        match Cdr::from_json_str(&text) {
            Ok(cdr) => {
                let written = serde_json::to_value(&cdr).unwrap();
                prop_assert_eq!(first_difference(&document, &written, ""), None);
                prop_assert_eq!(&written, &document);
                let again = Cdr::from_json_str(&written.to_string()).unwrap();
                prop_assert_eq!(&again, &cdr);
                prop_assert_eq!(Cdr::from_json_value_lenient(&document).unwrap(), (cdr, vec![]));
            }
            Err(err) => {
                // The document is an object with a good call id: only a field can be wrong
                // (a value that does not fit, or an integer past i64).
                prop_assert!([ErrorKind::Invalid, ErrorKind::OutOfRange].contains(&err.kind()), "{}", &err);
                prop_assert!(!err.path().is_empty(), "{}", &err);
                let err_of_value = Cdr::from_json_value(&document).unwrap_err();
                prop_assert_eq!(&err_of_value, &err);
                // The lenient reader keeps what the strict one refused, first of all.
                let (cdr, kept) = Cdr::from_json_value_lenient(&document).unwrap();
                prop_assert_eq!(kept.first(), Some(&err_of_value));
                prop_assert!(kept.iter().all(|e| !e.path().is_empty()));
                prop_assert_eq!(serde_json::to_value(&cdr).unwrap(), document);
            }
        }
    }

    #[test]
    fn the_lenient_reader_never_refuses_an_object_with_a_string_call_id(
        document in cdr_document(), call_id in prop_oneof![Just(String::new()), any::<String>()],
    ) {
        let mut document = document;
        document["call_id"] = Value::String(call_id);
        let (cdr, kept) = Cdr::from_json_value_lenient(&document).unwrap();
        prop_assert_eq!(serde_json::to_value(&cdr).unwrap(), document.clone());
        // Read again from what it wrote: the same CDR and the same reports (in another order
        // with `preserve_order`, where the written keys are in writing order).
        let (again, kept_again) =
            Cdr::from_json_value_lenient(&serde_json::to_value(&cdr).unwrap()).unwrap();
        prop_assert_eq!(&again, &cdr);
        let shown = |errors: &[kazoo_records::Error]| {
            let mut shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            shown.sort();
            shown
        };
        prop_assert_eq!(shown(&kept_again), shown(&kept));
        match Cdr::from_json_value(&document) {
            Ok(strict) => prop_assert_eq!((strict, kept.len()), (cdr, 0)),
            Err(err) => prop_assert_eq!(kept.first(), Some(&err)),
        }
        for error in &kept {
            prop_assert!([ErrorKind::Invalid, ErrorKind::OutOfRange].contains(&error.kind()), "{}", error);
        }
    }

    #[test]
    fn values_set_from_rust_are_written_natively(document in cdr_document(), n in any::<i64>()) {
        if let Ok(mut cdr) = Cdr::from_json_value(&document) {
            cdr.billing_seconds = Some(n);
            cdr.caller_id_number = Some(n.to_string());
            let written = serde_json::to_value(&cdr).unwrap();
            prop_assert_eq!(&written["billing_seconds"], &json!(n));
            prop_assert_eq!(&written["caller_id_number"], &json!(n.to_string()));
            let canonical = cdr.to_canonical_value();
            prop_assert_eq!(Cdr::from_json_value(&canonical).unwrap().to_canonical_value(), canonical);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Cdr::from_json_str(&text);
    }

    #[test]
    fn call_directions_read_back_as_written_and_other_is_never_known(name in named_text(CALL_DIRECTIONS)) {
        let direction = CallDirection::from(name.as_str());
        prop_assert_eq!(direction.as_str(), name.as_str());
        prop_assert_eq!(direction.to_string(), name.clone());
        prop_assert_eq!(&CallDirection::from(name.clone()), &direction);
        prop_assert_eq!(&name.parse::<CallDirection>().unwrap(), &direction);
        let json = serde_json::to_value(&direction).unwrap();
        prop_assert_eq!(&json, &Value::String(name.clone()));
        prop_assert_eq!(&serde_json::from_value::<CallDirection>(json).unwrap(), &direction);
        let known = CALL_DIRECTIONS.contains(&name.as_str());
        prop_assert_eq!(matches!(direction, CallDirection::Other(_)), !known, "{:?}", direction);
        if let CallDirection::Other(other) = &direction {
            prop_assert_eq!(other.as_str(), name.as_str());
        }
    }

    #[test]
    fn resource_types_read_back_as_written_and_other_is_never_known(name in named_text(RESOURCE_TYPES)) {
        let resource = ResourceType::from(name.as_str());
        prop_assert_eq!(resource.as_str(), name.as_str());
        prop_assert_eq!(resource.to_string(), name.clone());
        prop_assert_eq!(&ResourceType::from(name.clone()), &resource);
        prop_assert_eq!(&name.parse::<ResourceType>().unwrap(), &resource);
        let json = serde_json::to_value(&resource).unwrap();
        prop_assert_eq!(&json, &Value::String(name.clone()));
        prop_assert_eq!(&serde_json::from_value::<ResourceType>(json).unwrap(), &resource);
        let known = RESOURCE_TYPES.contains(&name.as_str());
        prop_assert_eq!(matches!(resource, ResourceType::Other(_)), !known, "{:?}", resource);
        if let ResourceType::Other(other) = &resource {
            prop_assert_eq!(other.as_str(), name.as_str());
        }
    }

    #[test]
    fn named_values_read_from_a_cdr_are_the_parsed_ones(
        direction in named_text(CALL_DIRECTIONS), resource in named_text(RESOURCE_TYPES),
    ) {
        let document = json!({"call_id": "a", "call_direction": direction,
                              "custom_channel_vars": {"resource_type": resource}});
        let cdr = Cdr::from_json_value(&document).unwrap();
        prop_assert_eq!(cdr.call_direction.clone(), Some(CallDirection::from(direction.as_str())));
        prop_assert_eq!(
            cdr.channel_vars().resource_type.clone(),
            Some(ResourceType::from(resource.as_str()))
        );
        prop_assert_eq!(serde_json::to_value(&cdr).unwrap(), document);
    }
}

/// The names `CallDirection` knows.
const CALL_DIRECTIONS: &[&str] = &["inbound", "outbound"];

/// The names `ResourceType` knows.
const RESOURCE_TYPES: &[&str] = &[
    "offnet-origination",
    "offnet-termination",
    "onnet-origination",
    "onnet-termination",
];

/// Names to parse: the known ones, near misses (case, spaces, prefixes, the other enum's
/// names), and any text.
fn named_text(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    let all: Vec<&'static str> = CALL_DIRECTIONS
        .iter()
        .chain(RESOURCE_TYPES)
        .copied()
        .collect();
    prop_oneof![
        3 => prop::sample::select(known).prop_map(str::to_owned),
        2 => (prop::sample::select(all), 0..5u8).prop_map(|(name, edit)| match edit {
            0 => name.to_uppercase(),
            1 => format!(" {name}"),
            2 => format!("{name} "),
            3 => name.get(..name.len() - 1).unwrap_or_default().to_owned(),
            _ => name.to_owned(),
        }),
        2 => "[a-z-]{0,20}",
        1 => any::<String>(),
    ]
}
