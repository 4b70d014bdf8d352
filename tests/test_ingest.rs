//! `cdr::Ingest`: CHANNEL_DESTROY events in, the CDRs KAZOO's `cdr` application stores out.
//!
//! The oracle is `tests/vectors/cdr_ingest.jsonl`, one case a line, produced by running KAZOO's
//! own Erlang code (`cdr_channel_destroy`, master) on each input:
//!
//! - `input_json`: the AMQP payload as text (`input`: as KAZOO decoded it; `{}` for a payload
//!   that is not JSON); `now`: KAZOO's clock for the case (Gregorian seconds); `node`: its
//!   Erlang node, which KAZOO writes as `pvt_node`.
//! - `outcome`: `saved` (with `db`, the database, and `doc_json`, the exact document);
//!   `anonymous_not_stored` (no account: nothing saved by default, `db`/`doc_json` are what
//!   `store_anonymous` saves); `ignored` (a loopback bow-out); `not_routed` (not a
//!   CHANNEL_DESTROY); `error` (KAZOO's handler crashed and the CDR was lost: here an `Error`
//!   naming the field).
//! - `rand_hex`: for events without a usable `Call-Interaction-ID`, the 8 random hex digits
//!   of the interaction id KAZOO generated (`<now>-<hex>`): here the key's shape is checked
//!   and the document compared with it substituted.
//! - `pvt_document_hash` is not reproduced, so it is left out of the comparison.
//!
//! Two cases differ from KAZOO's bytes for reasons outside the pipeline, and are adjusted
//! before comparing: an event that repeats `Call-ID` (KAZOO's `_id` takes the first
//! occurrence, its `call_id` the last; a parsed `Value` holds only the last), and `-0`, which
//! serde_json reads as the float -0.0 (KAZOO's parser as the integer 0).
//!
//! The stored [`Cdr`] is compared with the `Cdr` read from KAZOO's document, and its
//! serialisation with KAZOO's document itself: every stored document is written back exactly
//! as KAZOO saved it (one of them has an integer `call_id`, kept as that number).

use std::collections::BTreeMap;

use kazoo_records::cdr::{Cdr, Ingest, Ingested, SkipReason, account_modb, normalize_document};
use kazoo_records::time::GregorianSeconds;
use kazoo_records::{Error, ErrorKind};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn test_file(relative: &str) -> String {
    let path = format!("{}/tests/{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The real CHANNEL_DESTROY of 2015, in wire form (no `Call-Interaction-ID`).
fn wire_2015() -> Value {
    serde_json::from_str(&test_file("fixtures/kazoo/channel_destroy_wire_2015.json"))
        .expect("the fixture is JSON")
}

/// A `now` after the 2015 event.
const NOW_2015: GregorianSeconds = GregorianSeconds(63_610_891_990);

struct Case {
    id: String,
    wire: Value,
    now: GregorianSeconds,
    node: String,
    outcome: String,
    rand_hex: Option<String>,
    db: Option<String>,
    doc: Option<Value>,
}

fn cases() -> Vec<Case> {
    test_file("vectors/cdr_ingest.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let case: Value = serde_json::from_str(line).expect("a JSON line");
            let text = |key: &str| case.get(key).and_then(Value::as_str).map(str::to_owned);
            let wire = text("input_json")
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_else(|| case["input"].clone());
            let id = text("id").expect("an id");
            let doc = text("doc_json").map(|json| {
                let mut doc: Value = serde_json::from_str(&json).expect("KAZOO's document");
                let fields = doc.as_object_mut().expect("an object");
                fields.remove("pvt_document_hash");
                if id.contains("duplicate Call-ID keys") {
                    fields.insert("_id".into(), json!("201905-second-call-id"));
                }
                if id.contains("negative zero") {
                    fields.insert("x_neg_int_zero".into(), json!(-0.0));
                }
                doc
            });
            Case {
                id,
                wire,
                now: GregorianSeconds(case["now"].as_i64().expect("now")),
                node: text("node").expect("a node"),
                outcome: text("outcome").expect("an outcome"),
                rand_hex: text("rand_hex"),
                db: text("db"),
                doc,
            }
        })
        .collect()
}

/// The event field a crash case is about, from its name (`D1:timestamp null` → `Timestamp`).
fn crash_path(id: &str) -> &'static str {
    let name = id.split_once(':').map_or(id, |(_, name)| name);
    [
        ("interaction", "Custom-Channel-Vars.Call-Interaction-ID"),
        ("timestamp", "Timestamp"),
        ("account", "Custom-Channel-Vars.Account-ID"),
        ("CCVs", "Custom-Channel-Vars"),
        ("CAVs", "Custom-Application-Vars"),
        ("Call-ID", "Call-ID"),
    ]
    .into_iter()
    .find(|(prefix, _)| name.starts_with(prefix))
    .map(|(_, path)| path)
    .unwrap_or_else(|| panic!("no field known for the crash of {id:?}"))
}

/// KAZOO's document with the random interaction key replaced by the one `cdr` generated,
/// after checking its shape: 8 lowercase hex digits, `<now>-<key>`, at `now`.
fn with_generated_key(
    expected: &mut Value,
    cdr: &Cdr,
    now: GregorianSeconds,
) -> Result<(), String> {
    let id = cdr.interaction_id.as_ref().ok_or("no interaction id")?;
    let key = id.key();
    let hex = key.len() == 8
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex || id.time() != now || cdr.interaction_time != Some(now) {
        return Err(format!(
            "generated interaction id {id} at {:?}",
            cdr.interaction_time
        ));
    }
    expected["interaction_id"] = json!(id.as_str());
    expected["interaction_key"] = json!(key);
    Ok(())
}

#[derive(Default)]
struct Tally {
    by_outcome: BTreeMap<String, usize>,
    /// Stored cases whose `Cdr` writes back KAZOO's document exactly.
    exact: usize,
}

/// Checks one stored case; `Ok` says how it agreed.
fn check_stored(case: &Case, tally: &mut Tally) -> Result<(), String> {
    let ingest = Ingest::new().node(case.node.clone()).store_anonymous(true);
    let got = ingest.channel_destroy(&case.wire, case.now);
    let mut expected = case.doc.clone().expect("a stored case has a document");
    let (database, cdr) = match got {
        Ok(Ingested::Stored { database, cdr }) => (database, cdr),
        Ok(other) => return Err(format!("not stored: {other:?}")),
        Err(err) => {
            let reference = Cdr::from_json_value_lenient(&expected).map(|(cdr, _)| cdr);
            return Err(format!(
                "{err}; reading KAZOO's document gives {reference:?}"
            ));
        }
    };
    if Some(&database) != case.db.as_ref() {
        return Err(format!("database {database:?}, expected {:?}", case.db));
    }
    if case.rand_hex.is_some() {
        with_generated_key(&mut expected, &cdr, case.now)?;
    }
    let reference = Cdr::from_json_value_lenient(&expected)
        .map(|(cdr, _)| cdr)
        .map_err(|e| format!("stored here, but KAZOO's document does not read: {e}"))?;
    if cdr != reference {
        return Err(format!(
            "the Cdr differs from KAZOO's:\n{cdr:?}\n{reference:?}"
        ));
    }
    // The whole stored document, exactly as KAZOO saved it.
    let written = serde_json::to_value(&cdr).expect("a Cdr serialises");
    if written != expected {
        let mut paths = Vec::new();
        differences("", &written, &expected, &mut paths);
        return Err(format!("the stored document differs: {}", paths.join(", ")));
    }
    tally.exact += 1;
    Ok(())
}

/// Where `written` differs from `expected`: `path: expected → written` for each leaf.
fn differences(path: &str, written: &Value, expected: &Value, out: &mut Vec<String>) {
    match (written, expected) {
        (Value::Object(w), Value::Object(e)) => {
            let keys: std::collections::BTreeSet<&String> = w.keys().chain(e.keys()).collect();
            for key in keys {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match (w.get(key), e.get(key)) {
                    (Some(w), Some(e)) => differences(&at, w, e, out),
                    (w, e) => out.push(format!("{at}: {e:?} → {w:?}")),
                }
            }
        }
        (w, e) if w != e => out.push(format!("{path}: {e} → {w}")),
        _ => {}
    }
}

fn check_case(case: &Case, tally: &mut Tally) -> Result<(), String> {
    let default = Ingest::new().node(case.node.clone());
    match case.outcome.as_str() {
        "saved" => check_stored(case, tally),
        "anonymous_not_stored" => {
            match default.channel_destroy(&case.wire, case.now) {
                Ok(Ingested::Skipped(SkipReason::Anonymous)) => {}
                other => return Err(format!("not skipped as anonymous: {other:?}")),
            }
            check_stored(case, tally)
        }
        "ignored" => match default.channel_destroy(&case.wire, case.now) {
            Ok(Ingested::Skipped(SkipReason::LoopbackBowout)) => Ok(()),
            other => Err(format!("not skipped as a loopback bow-out: {other:?}")),
        },
        "not_routed" => match default.channel_destroy(&case.wire, case.now) {
            Err(err)
                if err.path().starts_with("Event-")
                    || err.to_string().contains("Event-Category") =>
            {
                Ok(())
            }
            other => Err(format!("not refused as another event: {other:?}")),
        },
        "error" => match default.channel_destroy(&case.wire, case.now) {
            Err(err) if err.path() == crash_path(&case.id) => Ok(()),
            other => Err(format!(
                "expected an error at {}: {other:?}",
                crash_path(&case.id)
            )),
        },
        other => Err(format!("unknown outcome {other:?}")),
    }
}

#[test]
fn every_vector_case_agrees_with_kazoo() {
    let cases = cases();
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for case in &cases {
        match check_case(case, &mut tally) {
            Ok(()) => *tally.by_outcome.entry(case.outcome.clone()).or_default() += 1,
            Err(problem) => failures.push(format!("{}: {problem}", case.id)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from KAZOO:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("agreed, by KAZOO's outcome: {:?}", tally.by_outcome);
    eprintln!("stored: {} exactly as KAZOO saved them", tally.exact);
    let stored = tally.by_outcome.get("saved").copied().unwrap_or(0)
        + tally
            .by_outcome
            .get("anonymous_not_stored")
            .copied()
            .unwrap_or(0);
    assert_eq!(
        tally.exact, stored,
        "every stored document is KAZOO's, byte for byte"
    );
    assert_eq!(cases.len(), 127, "the vector file changed");
}

#[test]
fn the_real_event_is_stored_in_its_month_database() {
    let Ingested::Stored { database, cdr } = Ingest::new()
        .channel_destroy(&wire_2015(), NOW_2015)
        .expect("the real event ingests")
    else {
        panic!("the real event has an account");
    };
    assert_eq!(
        database,
        "account%2F4b%2F8c%2F6fec4b2597882c0390202d195419-201510"
    );
    assert_eq!(cdr.call_id, "at6dmu4ffk97vnlp6qfq");
    assert_eq!(cdr.doc_id.as_deref(), Some("201510-at6dmu4ffk97vnlp6qfq"));
    assert_eq!(cdr.pvt_account_db.as_deref(), Some(database.as_str()));
    assert_eq!(
        cdr.pvt_account_id.as_deref(),
        Some("4b8c6fec4b2597882c0390202d195419")
    );
    assert_eq!(cdr.pvt_created, Some(NOW_2015));
    assert_eq!(cdr.pvt_modified, Some(NOW_2015));
    assert_eq!(
        (cdr.pvt_type.as_deref(), cdr.pvt_vsn),
        (Some("cdr"), Some(2))
    );
    assert_eq!(cdr.billing_seconds, Some(31));
    assert_eq!(cdr.interaction_time, Some(NOW_2015), "generated at now");
    assert_eq!(
        cdr.channel_vars().account_id.as_deref(),
        Some("4b8c6fec4b2597882c0390202d195419")
    );
    assert_eq!(cdr.extra.get("pvt_node"), None, "no node was named");
    assert_eq!(cdr.extra.get("pvt_document_hash"), None);
    assert!(cdr.custom_sip_headers.is_some());
    let again = Ingest::new()
        .channel_destroy(&wire_2015(), NOW_2015)
        .unwrap();
    let Ingested::Stored { cdr: again, .. } = again else {
        unreachable!()
    };
    assert_eq!(
        again.doc_id, cdr.doc_id,
        "the id does not depend on the random key"
    );
    assert_ne!(
        again.interaction_id, cdr.interaction_id,
        "the generated key is random"
    );
}

#[test]
fn defaults_and_settings() {
    let mut milliwatt = wire_2015();
    milliwatt["Application-Name"] = json!("milliwatt");
    assert_eq!(
        Ingest::new().channel_destroy(&milliwatt, NOW_2015),
        Ok(Ingested::Skipped(SkipReason::IgnoredApp(
            "milliwatt".into()
        )))
    );
    assert!(matches!(
        Ingest::new()
            .ignore_apps(["echo"])
            .channel_destroy(&milliwatt, NOW_2015),
        Ok(Ingested::Stored { .. })
    ));
    // Only the top-level name counts, not the channel variable.
    let mut echo = wire_2015();
    echo["Custom-Channel-Vars"]["Application-Name"] = json!("echo");
    assert!(matches!(
        Ingest::new()
            .ignore_apps(vec!["echo".to_owned()])
            .channel_destroy(&echo, NOW_2015),
        Ok(Ingested::Stored { .. })
    ));

    let mut bowout = wire_2015();
    for key in [
        "Channel-Is-Loopback",
        "Channel-Loopback-Bowout",
        "Channel-Loopback-Bowout-Execute",
    ] {
        bowout[key] = json!(true);
    }
    bowout["Channel-Loopback-Leg"] = json!("B");
    assert_eq!(
        Ingest::new().channel_destroy(&bowout, NOW_2015),
        Ok(Ingested::Skipped(SkipReason::LoopbackBowout))
    );
    assert!(matches!(
        Ingest::new()
            .ignore_loopback_bowout(false)
            .channel_destroy(&bowout, NOW_2015),
        Ok(Ingested::Stored { .. })
    ));
    bowout["Hangup-Cause"] = json!("USER_BUSY");
    assert!(matches!(
        Ingest::new().channel_destroy(&bowout, NOW_2015),
        Ok(Ingested::Stored { .. })
    ));

    let Ok(Ingested::Stored { cdr, .. }) = Ingest::new()
        .node("kazoo_apps@host")
        .channel_destroy(&wire_2015(), NOW_2015)
    else {
        panic!("stored");
    };
    assert_eq!(cdr.extra["pvt_node"], "kazoo_apps@host");

    assert_eq!(Ingest::new(), Ingest::default());
    assert_ne!(Ingest::new(), Ingest::new().store_anonymous(true));
    for (reason, text) in [
        (
            SkipReason::IgnoredApp("milliwatt".into()),
            "ignored application \"milliwatt\"",
        ),
        (
            SkipReason::LoopbackBowout,
            "a loopback channel that bowed out",
        ),
        (
            SkipReason::Anonymous,
            "no account, and anonymous CDRs are not stored",
        ),
    ] {
        assert_eq!(reason.to_string(), text);
    }
}

#[test]
fn crashes_are_errors_that_name_the_field() {
    let now = NOW_2015;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut wire = wire_2015();
        edit(&mut wire);
        Ingest::new().channel_destroy(&wire, now).unwrap_err()
    };
    let cases: Vec<(Error, ErrorKind, &str, &str)> = vec![
        (
            Ingest::new().channel_destroy(&json!([1]), now).unwrap_err(),
            ErrorKind::Invalid,
            "",
            "[1] is not a CHANNEL_DESTROY event; expected a JSON object",
        ),
        (
            with(&|w| w["Event-Name"] = json!("CHANNEL_CREATE")),
            ErrorKind::Invalid,
            "Event-Name",
            "Event-Name: \"CHANNEL_CREATE\" is not the event name of a CHANNEL_DESTROY; expected \"CHANNEL_DESTROY\"",
        ),
        (
            with(&|w| {
                w.as_object_mut().unwrap().remove("Call-ID");
            }),
            ErrorKind::MissingKey,
            "",
            "missing required key \"Call-ID\"",
        ),
        (
            with(&|w| {
                w.as_object_mut().unwrap().remove("Timestamp");
            }),
            ErrorKind::MissingKey,
            "",
            "missing required key \"Timestamp\"",
        ),
        (
            with(&|w| w["Timestamp"] = json!("yesterday")),
            ErrorKind::Invalid,
            "Timestamp",
            "Timestamp: \"yesterday\" is not a timestamp; expected Gregorian seconds: an integer, a number or a numeric string",
        ),
        (
            with(&|w| w["Timestamp"] = json!(-1)),
            ErrorKind::OutOfRange,
            "Timestamp",
            "Timestamp: -1 is out of range; expected Gregorian seconds from 0 (0000-01-01) to the year 262142",
        ),
        (
            with(&|w| {
                w["Custom-Channel-Vars"]["Call-Interaction-ID"] = json!("1557184208-abcd1234")
            }),
            ErrorKind::Invalid,
            "Custom-Channel-Vars.Call-Interaction-ID",
            "Custom-Channel-Vars.Call-Interaction-ID: \"1557184208-abcd1234\" is not an interaction id; expected <11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e",
        ),
        (
            with(&|w| w["Custom-Channel-Vars"]["Account-ID"] = json!("4b8c6fec")),
            ErrorKind::Invalid,
            "Custom-Channel-Vars.Account-ID",
            "Custom-Channel-Vars.Account-ID: \"4b8c6fec\" is not an account id; expected 32 ASCII characters, such as 47459457c634aff90b96f6af8a8eebb6, or an account database name (account%2F47%2F45%2F…)",
        ),
        (
            with(&|w| w["Custom-Channel-Vars"] = json!("x")),
            ErrorKind::Invalid,
            "Custom-Channel-Vars",
            "Custom-Channel-Vars: \"x\" is not a set of channel variables; expected a JSON object",
        ),
    ];
    for (err, kind, path, message) in cases {
        assert_eq!(
            (err.kind(), err.path(), err.to_string().as_str()),
            (kind, path, message)
        );
    }
    // A generated interaction id needs an 11-digit now.
    let err = Ingest::new()
        .channel_destroy(&wire_2015(), GregorianSeconds(9_999_999_999))
        .unwrap_err();
    assert_eq!((err.kind(), err.path()), (ErrorKind::OutOfRange, ""));
    assert!(err.to_string().contains("9999999999"), "{err}");
}

#[test]
fn month_databases() {
    let id = "47459457c634aff90b96f6af8a8eebb6";
    let march_2025 = GregorianSeconds(63_909_219_200);
    let modb = "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-202503";
    assert_eq!(account_modb(id, march_2025).as_deref(), Ok(modb));
    assert_eq!(account_modb(modb, march_2025).as_deref(), Ok(modb));
    let err = account_modb("47459457", march_2025).unwrap_err();
    assert_eq!((err.kind(), err.path()), (ErrorKind::Invalid, ""));
    assert!(
        err.to_string()
            .starts_with("\"47459457\" is not an account id"),
        "{err}"
    );
    let err = account_modb(id, GregorianSeconds(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
}

#[test]
fn the_deepest_value_serde_json_parses_is_carried_through() {
    // serde_json refuses text nested deeper than 128; a value that deep reaches `extra`.
    let depth = 63; // an object and a list each: 126 levels
    let deep = format!("{}{}", r#"{"A-B": ["#.repeat(depth), "]}".repeat(depth));
    let deep: Value = serde_json::from_str(&deep).expect("within serde_json's limit");
    let mut wire = wire_2015();
    wire["X-Deep"] = deep.clone();
    let Ok(Ingested::Stored { cdr, .. }) = Ingest::new().channel_destroy(&wire, NOW_2015) else {
        panic!("stored");
    };
    assert_eq!(cdr.extra["x_deep"], normalize_document(deep));
}

#[test]
fn public_types_are_send_sync_and_debug() {
    fn check<T: Send + Sync + std::fmt::Debug>() {}
    check::<Ingest>();
    check::<Ingested>();
    check::<SkipReason>();
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// The naive oracle: `-` as `_`, ASCII capitals lowercased, one character at a time.
fn naive_key(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '-' => '_',
            'A'..='Z' => c.to_ascii_lowercase(),
            other => other,
        })
        .collect()
}

/// The naive oracle of the whole normalisation: members in the object's order, nulls
/// dropped, a later key replacing an earlier one that normalises alike.
fn naive_normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                if !value.is_null() {
                    out.insert(naive_key(key), naive_normalize(value));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(naive_normalize).collect()),
        other => other.clone(),
    }
}

/// Keys as a wire might spell them: mixed case, dashes and underscores, non-ASCII letters
/// (some with lowercase forms that byte-wise lowercasing would corrupt).
fn wire_key() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "Call", "ID", "id", "-", "_", "Custom", "Channel", "Vars", "X", "a", "Ä", "É", "ß",
            "Σ", "İ", "ÿ", "К", "✓", "pvt", "Pvt", "0", "",
        ]),
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![Just("true".to_owned()), Just("31".to_owned()), "\\PC{0,8}"]
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((wire_key(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Every object key in `value`, at every depth.
fn all_keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                out.push(key.clone());
                all_keys(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| all_keys(item, out)),
        _ => {}
    }
}

/// The normalised keys of an object's non-null members.
fn kept_keys(map: &Map<String, Value>) -> std::collections::BTreeSet<String> {
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| naive_key(k))
        .collect()
}

/// At every depth, the output object has exactly the normalised keys of the input's non-null
/// members.
fn no_key_lost(input: &Value, output: &Value) -> Result<(), TestCaseError> {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            let kept = kept_keys(a);
            prop_assert_eq!(&kept, &b.keys().cloned().collect());
            for (key, value) in a.iter().filter(|(_, v)| !v.is_null()) {
                // The member that won its normalised key is the last one in the order.
                let winner = a
                    .iter()
                    .rfind(|(k, v)| !v.is_null() && naive_key(k) == naive_key(key))
                    .map(|(k, _)| k);
                if winner == Some(key) {
                    no_key_lost(value, &b[&naive_key(key)])?;
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            prop_assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                no_key_lost(x, y)?;
            }
        }
        (a, b) => prop_assert_eq!(a, b),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn normalisation_matches_the_naive_oracle(value in json_value()) {
        let normal = normalize_document(value.clone());
        prop_assert_eq!(&normal, &naive_normalize(&value));
        prop_assert_eq!(&normalize_document(normal.clone()), &normal, "idempotent");
        no_key_lost(&value, &normal)?;
        let mut keys = Vec::new();
        all_keys(&normal, &mut keys);
        for key in keys {
            prop_assert!(!key.contains('-') && !key.bytes().any(|b| b.is_ascii_uppercase()), "{key:?}");
        }
    }

    #[test]
    fn lowercasing_is_ascii_only(key in wire_key(), value in json_value()) {
        prop_assume!(!value.is_null());
        let normal = normalize_document(json!({ key.clone(): value }));
        let normal_key = normal.as_object().unwrap().keys().next().unwrap().clone();
        prop_assert_eq!(&normal_key, &naive_key(&key));
        let non_ascii = |k: &str| k.chars().filter(|c| !c.is_ascii()).collect::<String>();
        prop_assert_eq!(non_ascii(&normal_key), non_ascii(&key), "non-ASCII characters are kept as they are");
    }

    #[test]
    fn ingest_never_panics_on_any_json(value in json_value(), now in any::<i64>()) {
        let _ = Ingest::new().channel_destroy(&value, GregorianSeconds(now));
        let mut wire = wire_2015();
        wire["Custom-Channel-Vars"] = value.clone();
        let _ = Ingest::new().store_anonymous(true).channel_destroy(&wire, GregorianSeconds(now));
    }

    #[test]
    fn ingest_never_panics_when_any_field_is_any_json(
        fields in prop::collection::vec((
            prop::sample::select(vec![
                "Call-ID", "Timestamp", "Event-Category", "Event-Name", "Msg-ID", "App-Name",
                "Application-Name", "Channel-Is-Loopback", "Channel-Loopback-Bowout",
                "Channel-Loopback-Bowout-Execute", "Channel-Loopback-Leg", "Hangup-Cause",
                "Custom-SIP-Headers", "Custom-Application-Vars", "Fax-Info", "_rev", "_id",
                "pvt_created", "interaction_time", "Interaction-Id",
            ]),
            json_value(),
        ), 0..4),
        vars in prop::collection::vec((
            prop::sample::select(vec![
                "Account-ID", "Call-Interaction-ID", "Recording-Url", "Call-Priority",
                "Is-Conference", "E164-Destination", "_attachments", "pvt_x", "Owner-ID",
            ]),
            json_value(),
        ), 0..4),
        interaction in "[0-9+.e-]{0,13}-?[a-f0-9]{0,8}",
        now in prop_oneof![Just(63_610_891_990i64), any::<i64>()],
    ) {
        let mut wire = wire_2015();
        wire["Custom-Channel-Vars"]["Call-Interaction-ID"] = json!(interaction);
        for (key, value) in fields {
            wire[key] = value;
        }
        if wire["Custom-Channel-Vars"].is_object() {
            for (key, value) in vars {
                wire["Custom-Channel-Vars"][key] = value;
            }
        }
        let ingest = Ingest::new().store_anonymous(true).node("n@h");
        if let Ok(Ingested::Stored { database, cdr }) = ingest.channel_destroy(&wire, GregorianSeconds(now)) {
            prop_assert_eq!(cdr.pvt_account_db.as_deref(), Some(database.as_str()));
            prop_assert!(cdr.doc_id.is_some());
        }
    }
}
