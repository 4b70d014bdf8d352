//! A catalogue of malformed inputs for every entry point that reads outside input.
//!
//! The cases live in `tests/fixtures/bad_input.jsonl`, one JSON object a line (blank lines are
//! allowed):
//!
//! | key | meaning |
//! |---|---|
//! | `parser` | which entry point to run (see [`PARSERS`]) |
//! | `input` | what to give it: JSON, text, or a small spec (see each parser in [`dispatch`]) |
//! | `kind` | the expected [`Error::kind`]; for `serde_*` parsers, serde_json's category (`data`) |
//! | `path` | the expected [`Error::path`], exactly; for `serde_*` parsers, the path the message starts with |
//! | `names` | a string or a list of strings the message must contain (the offending value as shown) |
//! | `message` | the whole message, exactly; an object `{"tz": m, "!tz": n}` where it depends on that feature |
//! | `why` | optional: what makes the input bad |
//! | `feature` | optional: run only with (`"tz"`) or without (`"!tz"`) a cargo feature |
//!
//! Text inputs may be a JSON string or `{"prefix": p, "repeat": s, "times": n, "suffix": q}`
//! (for long inputs). In pagination entries, `{start_key}` in `names` stands for the cursor
//! actually used, shown as JSON.
//!
//! Every entry must fail — never succeed, never panic — with the catalogued kind and path, a
//! non-empty one-line message that names what is listed, and a message whose leading path
//! (the text before the first `": "`, when it looks like a path) is the error's path. All
//! mismatches are reported together, by line number.

mod common;

use std::collections::BTreeMap;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};

use kazoo_records::Error;
use kazoo_records::cdr::{
    Cdr, CdrId, CustomChannelVars, CustomSipHeaders, Ingest, InteractionId, OrderedStore,
    PageRequest, ScanStart, SortKey, SortOrder, Units, group_interactions, paginate,
    paginate_interaction_store, paginate_interactions, paginate_store,
};
use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity, bindings_from_json};
use kazoo_records::time::{
    GregorianSeconds, UnixMicros, UnixMillis, UnixSeconds, UtcOffset, Zone, parse_iso8601,
};
use serde_json::Value;

/// The catalogue, from the crate root.
const CATALOGUE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/bad_input.jsonl"
);

/// Every parser the catalogue must exercise, each at least [`MIN_PER_PARSER`] times.
const PARSERS: &[&str] = &[
    // edr
    "bindings_from_json",
    "binding_validate",
    "severity_from_str",
    "verbosity_from_str",
    "event_from_json",
    "event_from_amqp_json",
    "event_routing_key",
    "registry_bind",
    // time
    "parse_iso8601",
    "gregorian_parse_iso8601",
    "utc_offset_parse",
    "utc_offset_parse_seconds",
    "utc_offset_from_seconds",
    "zone_parse",
    "zone_offset_at",
    "to_datetime",
    // cdr
    "cdr_from_json_str",
    "cdr_from_json_slice",
    "cdr_from_json_value",
    "cdr_from_json_value_lenient",
    "cdr_from_webhook_value",
    "cdr_cdr_id",
    "cdr_id_parse",
    "cdr_id_new",
    "interaction_id_parse",
    "interaction_id_new",
    "units_from_dollars",
    "sip_headers_insert",
    "filters_from_query",
    "paginate",
    "paginate_interactions",
    "paginate_store",
    "paginate_interaction_store",
    "csv_writer_new",
    "csv_write_cdrs",
    "ingest_channel_destroy",
    // serde Deserialize
    "serde_severity",
    "serde_verbosity",
    "serde_utc_offset",
    "serde_zone",
    "serde_binding",
    "serde_event",
    "serde_cdr",
    "serde_custom_channel_vars",
    "serde_custom_sip_headers",
    "serde_cdr_id",
    "serde_interaction_id",
];

const MIN_PER_PARSER: usize = 3;
const MIN_ENTRIES: usize = 100;

/// The keys an entry may have.
const ENTRY_KEYS: &[&str] = &[
    "parser", "input", "kind", "path", "names", "message", "why", "feature",
];

/// The pagination fixture: 10 CDRs `c0`…`c9` at `BASE + 100 i`, legs `2k` and `2k + 1` in
/// interaction `<BASE + 200 k>-k<k>`, listed at `NOW`.
const BASE: i64 = 63_724_400_000;
const NOW: GregorianSeconds = GregorianSeconds(BASE + 2_000);

#[derive(Debug)]
struct Entry {
    line: usize,
    parser: String,
    input: Value,
    kind: String,
    path: String,
    names: Vec<String>,
    /// The exact message in this build, when the entry gives one.
    message: Option<String>,
    feature: Option<String>,
}

/// The error an entry point returned.
enum Got {
    Crate(Error),
    Serde(serde_json::Error),
}

impl Got {
    /// The kind's stable name: [`ErrorKind`]'s `Display`, or serde's category.
    fn kind(&self) -> String {
        match self {
            Got::Crate(e) => e.kind().to_string(),
            Got::Serde(e) => match e.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "data",
                serde_json::error::Category::Eof => "eof",
            }
            .to_owned(),
        }
    }

    /// The path the error reports: [`Error::path`], or for serde the path its message shows.
    fn path(&self) -> String {
        match self {
            Got::Crate(e) => e.path().to_owned(),
            Got::Serde(e) => shown_path(&e.to_string()).to_owned(),
        }
    }

    fn message(&self) -> String {
        match self {
            Got::Crate(e) => e.to_string(),
            Got::Serde(e) => e.to_string(),
        }
    }
}

/// What running an entry gave: the outcome and the cursor it used, if it made one.
struct Run {
    outcome: Result<String, Got>,
    start_key: Option<String>,
}

impl Run {
    fn of<T: std::fmt::Debug>(result: Result<T, Error>) -> Run {
        Run {
            outcome: result.map(|ok| format!("{ok:?}")).map_err(Got::Crate),
            start_key: None,
        }
    }

    fn of_serde<T: std::fmt::Debug>(result: Result<T, serde_json::Error>) -> Run {
        Run {
            outcome: result.map(|ok| format!("{ok:?}")).map_err(Got::Serde),
            start_key: None,
        }
    }
}

/// The text before the first `": "` of a message when it looks like a path, else `""`.
fn shown_path(message: &str) -> &str {
    let Some((head, _)) = message.split_once(": ") else {
        return "";
    };
    // A quoted segment (`body["/status"]`) may hold any character but a quote.
    let unquoted: String = head.split('"').step_by(2).collect();
    let path_like = !head.is_empty()
        && head.matches('"').count() % 2 == 0
        && unquoted
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.[]".contains(c));
    if path_like { head } else { "" }
}

fn load() -> (Vec<Entry>, Vec<String>) {
    let text = std::fs::read_to_string(CATALOGUE).unwrap_or_else(|e| panic!("{CATALOGUE}: {e}"));
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match parse_entry(line, raw) {
            Ok(entry) => entries.push(entry),
            Err(problem) => problems.push(format!("line {line}: bad entry: {problem}")),
        }
    }
    (entries, problems)
}

fn parse_entry(line: usize, raw: &str) -> Result<Entry, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("not a JSON object".into());
    };
    if let Some(key) = map.keys().find(|k| !ENTRY_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key {key:?}"));
    }
    let string = |key: &str| -> Result<String, String> {
        map.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{key:?} must be a string"))
    };
    let names = match map.get("names") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|n| n.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or("\"names\" must hold strings")?,
        _ => return Err("\"names\" must be a string or a non-empty list of strings".into()),
    };
    if names.iter().any(String::is_empty) {
        return Err("an empty name matches anything".into());
    }
    let feature = match map.get("feature") {
        None => None,
        Some(Value::String(f)) if ["tz", "!tz", "csv", "!csv"].contains(&f.as_str()) => {
            Some(f.clone())
        }
        Some(other) => return Err(format!("unknown feature {other}")),
    };
    let message = match map.get("message") {
        None => None,
        Some(Value::String(m)) => Some(m.clone()),
        Some(Value::Object(by_feature)) => {
            let key = if enabled(Some("tz")) { "tz" } else { "!tz" };
            let m = by_feature.get(key).and_then(Value::as_str);
            Some(
                m.ok_or(format!("\"message\" has no string for {key:?}"))?
                    .to_owned(),
            )
        }
        Some(other) => return Err(format!("\"message\" must be a string, not {other}")),
    };
    Ok(Entry {
        line,
        parser: string("parser")?,
        input: map.get("input").cloned().ok_or("no \"input\"")?,
        kind: string("kind")?,
        path: string("path")?,
        names,
        message,
        feature,
    })
}

/// Whether the entry runs in this build.
fn enabled(feature: Option<&str>) -> bool {
    match feature {
        None => true,
        Some("tz") => cfg!(feature = "tz"),
        Some("!tz") => !cfg!(feature = "tz"),
        Some("csv") => cfg!(feature = "csv"),
        Some("!csv") => !cfg!(feature = "csv"),
        Some(_) => false,
    }
}

/// Runs `entry` and says what differed from the catalogue, if anything.
fn check(entry: &Entry) -> Result<(), String> {
    let run = catch_unwind(AssertUnwindSafe(|| dispatch(&entry.parser, &entry.input)));
    let run = match run {
        Ok(Ok(run)) => run,
        Ok(Err(bad_entry)) => return Err(format!("bad entry: {bad_entry}")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            return Err(format!("panicked: {message}"));
        }
    };
    let got = match run.outcome {
        Ok(value) => return Err(format!("accepted the input: Ok({value})")),
        Err(got) => got,
    };
    let message = got.message();
    let mut differences = Vec::new();
    if got.kind() != entry.kind {
        differences.push(format!("kind {:?}, expected {:?}", got.kind(), entry.kind));
    }
    if got.path() != entry.path {
        differences.push(format!("path {:?}, expected {:?}", got.path(), entry.path));
    }
    if let Got::Crate(_) = &got {
        if shown_path(&message) != entry.path {
            differences.push(format!(
                "the message shows path {:?}, not {:?}",
                shown_path(&message),
                entry.path
            ));
        }
    }
    if message.is_empty() || message.contains(['\n', '\r']) || message.trim() != message {
        differences.push("the message is empty, spans lines or has outer whitespace".into());
    }
    for name in &entry.names {
        let name = match &run.start_key {
            Some(key) => name.replace("{start_key}", &Value::from(key.as_str()).to_string()),
            None => name.clone(),
        };
        if !message.contains(&name) {
            differences.push(format!("the message does not name {name}"));
        }
    }
    if let Some(expected) = &entry.message {
        let expected = match &run.start_key {
            Some(key) => expected.replace("{start_key}", &Value::from(key.as_str()).to_string()),
            None => expected.clone(),
        };
        if message != expected {
            differences.push(format!("the message is not {expected:?}"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!("{}; message: {message}", differences.join("; ")))
    }
}

#[test]
fn every_catalogued_input_is_refused_as_catalogued() {
    let (entries, mut failures) = load();
    let mut ran = 0;
    for entry in &entries {
        if !PARSERS.contains(&entry.parser.as_str()) {
            failures.push(format!(
                "line {}: unknown parser {:?}",
                entry.line, entry.parser
            ));
            continue;
        }
        if !enabled(entry.feature.as_deref()) {
            continue;
        }
        ran += 1;
        if let Err(difference) = check(entry) {
            failures.push(format!(
                "line {} ({}): {difference}",
                entry.line, entry.parser
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} catalogue entries failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_catalogue_covers_every_parser() {
    let (entries, problems) = load();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        entries.len() >= MIN_ENTRIES,
        "only {} entries; the catalogue must keep at least {MIN_ENTRIES}",
        entries.len()
    );
    let mut counts: BTreeMap<&str, usize> = PARSERS.iter().map(|p| (*p, 0)).collect();
    let mut unknown = Vec::new();
    for entry in &entries {
        match counts.get_mut(entry.parser.as_str()) {
            Some(count) => *count += 1,
            None => unknown.push(format!("line {}: {:?}", entry.line, entry.parser)),
        }
    }
    assert!(
        unknown.is_empty(),
        "unknown parsers: {}",
        unknown.join(", ")
    );
    let thin: Vec<String> = counts
        .iter()
        .filter(|(_, count)| **count < MIN_PER_PARSER)
        .map(|(parser, count)| format!("{parser}: {count}"))
        .collect();
    assert!(
        thin.is_empty(),
        "parsers with fewer than {MIN_PER_PARSER} entries: {}",
        thin.join(", ")
    );
}

#[test]
fn the_checker_itself_catches_mismatches() {
    let entry = |kind: &str, path: &str, names: &[&str], input: Value| Entry {
        line: 0,
        parser: "severity_from_str".into(),
        input,
        kind: kind.into(),
        path: path.into(),
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        message: None,
        feature: None,
    };
    let good = entry("invalid", "", &["\"OK\""], Value::from("OK"));
    assert_eq!(check(&good), Ok(()));
    let exact = r#""OK" is not a severity; expected ok, warning or critical"#;
    let good_message = Entry {
        message: Some(exact.into()),
        ..entry("invalid", "", &["\"OK\""], Value::from("OK"))
    };
    assert_eq!(check(&good_message), Ok(()));
    let bad_message = Entry {
        message: Some(exact.replace("critical", "fatal")),
        ..entry("invalid", "", &["\"OK\""], Value::from("OK"))
    };
    assert!(
        check(&bad_message).is_err(),
        "a different message is caught"
    );
    for bad in [
        entry("out_of_range", "", &["\"OK\""], Value::from("OK")),
        entry("invalid", "severity", &["\"OK\""], Value::from("OK")),
        entry("invalid", "", &["\"ok\""], Value::from("OK")),
        entry("invalid", "", &["\"ok\""], Value::from("ok")),
        entry("invalid", "", &["\"ok\""], Value::from(1)),
    ] {
        assert!(check(&bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        shown_path("bindings[2].severity: \"OK\" is not"),
        "bindings[2].severity"
    );
    assert_eq!(shown_path("invalid JSON: trailing comma"), "");
    assert_eq!(shown_path("\"OK\" is not a severity"), "");
}

// ---------------------------------------------------------------------------------------------
// Running one entry.

/// Runs `parser` on `input`; `Err` when the entry itself is malformed.
fn dispatch(parser: &str, input: &Value) -> Result<Run, String> {
    Ok(match parser {
        // --- edr ---
        "bindings_from_json" => Run::of(bindings_from_json(input)),
        "binding_validate" => Run::of(build_binding(input)?.validate()),
        "severity_from_str" => Run::of(text(input)?.parse::<Severity>()),
        "verbosity_from_str" => Run::of(text(input)?.parse::<Verbosity>()),
        "event_from_json" => Run::of(Event::from_json(input)),
        "event_from_amqp_json" => Run::of(Event::from_amqp_json(input)),
        "event_routing_key" => {
            let event = Event::from_json(input).map_err(|e| format!("the event must read: {e}"))?;
            Run::of(event.routing_key())
        }
        "registry_bind" => registry_bind(input)?,
        // --- time ---
        "parse_iso8601" => Run::of(parse_iso8601(&text(input)?)),
        "gregorian_parse_iso8601" => Run::of(GregorianSeconds::parse_iso8601(&text(input)?)),
        "utc_offset_parse" => Run::of(UtcOffset::parse(&text(input)?)),
        "utc_offset_parse_seconds" => Run::of(UtcOffset::parse_seconds(&text(input)?)),
        "utc_offset_from_seconds" => {
            let secs = integer(input)?;
            let secs = i32::try_from(secs).map_err(|_| format!("{secs} is not an i32"))?;
            Run::of(UtcOffset::from_seconds(secs))
        }
        "zone_parse" => Run::of(Zone::parse(&text(input)?)),
        "zone_offset_at" => {
            let zone = Zone::parse(&text(field(input, "zone")?)?)
                .map_err(|e| format!("the zone must parse: {e}"))?;
            Run::of(zone.offset_at(GregorianSeconds(integer(field(input, "at")?)?)))
        }
        "to_datetime" => {
            let value = integer(field(input, "value")?)?;
            match text(field(input, "unit")?)?.as_str() {
                "gregorian" => Run::of(GregorianSeconds(value).to_datetime()),
                "unix" => Run::of(UnixSeconds(value).to_datetime()),
                "unix_millis" => Run::of(UnixMillis(value).to_datetime()),
                "unix_micros" => Run::of(UnixMicros(value).to_datetime()),
                other => return Err(format!("unknown unit {other:?}")),
            }
        }
        // --- cdr ---
        "cdr_from_json_str" => Run::of(Cdr::from_json_str(&text(input)?)),
        "cdr_from_json_slice" => Run::of(Cdr::from_json_slice(&bytes(input)?)),
        "cdr_from_json_value" => Run::of(Cdr::from_json_value(input)),
        "cdr_from_json_value_lenient" => Run::of(Cdr::from_json_value_lenient(input)),
        "cdr_from_webhook_value" => Run::of(Cdr::from_webhook_value(input)),
        "cdr_cdr_id" => {
            let cdr = Cdr::from_json_value(input).map_err(|e| format!("the CDR must read: {e}"))?;
            Run::of(cdr.cdr_id())
        }
        "cdr_id_parse" => Run::of(CdrId::parse(&text(input)?)),
        "cdr_id_new" => {
            let time = GregorianSeconds(integer(field(input, "time")?)?);
            Run::of(CdrId::new(time, &text(field(input, "call_id")?)?))
        }
        "interaction_id_parse" => Run::of(InteractionId::parse(&text(input)?)),
        "interaction_id_new" => {
            let time = GregorianSeconds(integer(field(input, "time")?)?);
            Run::of(InteractionId::new(time, &text(field(input, "key")?)?))
        }
        "units_from_dollars" => Run::of(Units::from_dollars(&text(input)?)),
        "sip_headers_insert" => {
            let name = text(field(input, "name")?)?;
            let value = field(input, "value")?.clone();
            let mut headers = CustomSipHeaders::new();
            match input.get("into").and_then(Value::as_str).unwrap_or("flat") {
                "flat" => Run::of(headers.insert(&name, value)),
                "in" => Run::of(headers.insert_inbound(&name, value)),
                "out" => Run::of(headers.insert_outbound(&name, value)),
                other => return Err(format!("unknown map {other:?}")),
            }
        }
        "filters_from_query" => Run::of(kazoo_records::cdr::Filters::from_query(pairs(input)?)),
        "paginate" | "paginate_interactions" | "paginate_store" | "paginate_interaction_store" => {
            run_page(parser, input)?
        }
        "csv_writer_new" | "csv_write_cdrs" => run_csv(parser, input)?,
        "ingest_channel_destroy" => {
            let now = match input.get("now") {
                Some(now) => GregorianSeconds(integer(now)?),
                None => GregorianSeconds(63_724_403_410),
            };
            Run::of(Ingest::new().channel_destroy(field(input, "wire")?, now))
        }
        // --- serde ---
        "serde_severity" => Run::of_serde(serde_json::from_value::<Severity>(input.clone())),
        "serde_verbosity" => Run::of_serde(serde_json::from_value::<Verbosity>(input.clone())),
        "serde_utc_offset" => Run::of_serde(serde_json::from_value::<UtcOffset>(input.clone())),
        "serde_zone" => Run::of_serde(serde_json::from_value::<Zone>(input.clone())),
        "serde_binding" => Run::of_serde(serde_json::from_value::<Binding>(input.clone())),
        "serde_event" => Run::of_serde(serde_json::from_value::<Event>(input.clone())),
        "serde_cdr" => Run::of_serde(serde_json::from_value::<Cdr>(input.clone())),
        "serde_custom_channel_vars" => {
            Run::of_serde(serde_json::from_value::<CustomChannelVars>(input.clone()))
        }
        "serde_custom_sip_headers" => {
            Run::of_serde(serde_json::from_value::<CustomSipHeaders>(input.clone()))
        }
        "serde_cdr_id" => Run::of_serde(serde_json::from_value::<CdrId>(input.clone())),
        "serde_interaction_id" => {
            Run::of_serde(serde_json::from_value::<InteractionId>(input.clone()))
        }
        other => return Err(format!("no runner for parser {other:?}")),
    })
}

fn field<'v>(input: &'v Value, key: &str) -> Result<&'v Value, String> {
    input
        .get(key)
        .ok_or_else(|| format!("the input has no {key:?}"))
}

fn integer(value: &Value) -> Result<i64, String> {
    value
        .as_i64()
        .ok_or_else(|| format!("{value} is not an i64"))
}

/// A text input: a JSON string, or `{"prefix", "repeat", "times", "suffix"}`.
fn text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Object(spec) => {
            let part = |key: &str| spec.get(key).and_then(Value::as_str).unwrap_or("");
            let times = spec.get("times").and_then(Value::as_u64).unwrap_or(1);
            let times = usize::try_from(times).map_err(|e| e.to_string())?;
            Ok(format!(
                "{}{}{}",
                part("prefix"),
                part("repeat").repeat(times),
                part("suffix")
            ))
        }
        other => Err(format!("{other} is not a text input")),
    }
}

/// Bytes: a list of parts, each a string (its UTF-8) or `{"hex": "ff"}` (raw bytes).
fn bytes(value: &Value) -> Result<Vec<u8>, String> {
    let Value::Array(parts) = value else {
        return Err("a byte input is a list of parts".into());
    };
    let mut out = Vec::new();
    for part in parts {
        match part {
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            Value::Object(map) => {
                let hex = map
                    .get("hex")
                    .and_then(Value::as_str)
                    .ok_or("a raw part is {\"hex\": …}")?;
                let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                for pair in digits.chunks(2) {
                    let pair = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
                    out.push(u8::from_str_radix(pair, 16).map_err(|e| format!("{pair}: {e}"))?);
                }
            }
            other => return Err(format!("{other} is not a byte part")),
        }
    }
    Ok(out)
}

fn pairs(value: &Value) -> Result<Vec<(String, String)>, String> {
    let Value::Array(items) = value else {
        return Err("a query is a list of [key, value] pairs".into());
    };
    items
        .iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(format!("{item} is not a [key, value] pair of strings")),
        })
        .collect()
}

/// Folds the entries of an object spec into `start` with `set`.
fn apply_spec<T>(
    spec: &Value,
    what: &str,
    start: T,
    mut set: impl FnMut(T, &str, &Value) -> Result<T, String>,
) -> Result<T, String> {
    let Value::Object(spec) = spec else {
        return Err(format!("a {what} spec is an object"));
    };
    spec.iter()
        .try_fold(start, |built, (key, value)| set(built, key, value))
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    value
        .as_array()
        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| format!("{value} is not a list of strings"))
}

fn levels<L: std::str::FromStr<Err = Error>>(value: &Value) -> Result<Vec<L>, String> {
    strings(value)?
        .iter()
        .map(|s| s.parse().map_err(|e: Error| e.to_string()))
        .collect()
}

/// A binding built with the builder (so that it can hold what JSON reading refuses).
fn build_binding(spec: &Value) -> Result<Binding, String> {
    apply_spec(
        spec,
        "binding",
        Binding::default(),
        |binding, key, value| {
            Ok(match key {
                "account" => binding.account(text(value)?),
                "accounts" => binding.accounts(strings(value)?),
                "app" => binding.app(text(value)?),
                "apps" => binding.apps(strings(value)?),
                "include_descendants" => binding.include_descendants(value == &Value::Bool(true)),
                "severities" => binding.severities(levels::<Severity>(value)?),
                "verbosities" => binding.verbosities(levels::<Verbosity>(value)?),
                other => return Err(format!("unknown binding spec key {other:?}")),
            })
        },
    )
}

fn registry_bind(input: &Value) -> Result<Run, String> {
    let registry = Registry::new();
    if let Some(existing) = input.get("existing") {
        for name in existing
            .as_array()
            .ok_or("\"existing\" is a list of names")?
        {
            registry
                .bind(text(name)?, [Binding::default()], |_: &Event| {})
                .map_err(|e| format!("binding {name} first failed: {e}"))?;
        }
    }
    let bindings = field(input, "bindings")?
        .as_array()
        .ok_or("\"bindings\" is a list of binding specs")?
        .iter()
        .map(build_binding)
        .collect::<Result<Vec<_>, _>>()?;
    let name = text(field(input, "name")?)?;
    Ok(Run::of(registry.bind(name, bindings, |_: &Event| {})))
}

// ---------------------------------------------------------------------------------------------
// Pagination.

fn fixture_cdrs() -> Vec<Cdr> {
    (0..10)
        .map(|i| {
            let mut cdr = Cdr::new(format!("c{i}"));
            cdr.timestamp = Some(GregorianSeconds(BASE + 100 * i));
            let k = i / 2;
            cdr.interaction_id = Some(
                InteractionId::parse(&format!("{}-k{k}", BASE + 200 * k))
                    .expect("the fixture's interaction ids are valid"),
            );
            cdr
        })
        .collect()
}

fn build_request(spec: &Value) -> Result<PageRequest, String> {
    let size = |v: &Value| -> Result<usize, String> {
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("{v} is not a size"))
    };
    apply_spec(
        spec,
        "request",
        PageRequest::new(),
        |request, key, value| {
            Ok(match key {
                "page_size" => request.page_size(size(value)?),
                "max_page_size" => request.max_page_size(size(value)?),
                "max_range" => request.max_range(integer(value)?),
                "created_from" => request.created_from(GregorianSeconds(integer(value)?)),
                "created_to" => request.created_to(GregorianSeconds(integer(value)?)),
                "start_key" => request.start_key(text(value)?),
                "order" => match value.as_str() {
                    Some("ascending") => request.order(SortOrder::Ascending),
                    Some("descending") => request.order(SortOrder::Descending),
                    _ => return Err(format!("{value} is not an order")),
                },
                other => return Err(format!("unknown request spec key {other:?}")),
            })
        },
    )
}

/// A real cursor from `spec.request` over `spec.listing`, edited as `spec.edit` says.
fn make_cursor(spec: &Value, cdrs: &[Cdr]) -> Result<String, String> {
    let request = build_request(field(spec, "request")?)?;
    let page = match text(field(spec, "listing")?)?.as_str() {
        "cdrs" => paginate(cdrs, &request, NOW).map(|p| p.next_start_key),
        "interactions" => paginate_interactions(&group_interactions(cdrs), &request, NOW)
            .map(|p| p.next_start_key),
        other => return Err(format!("unknown listing {other:?}")),
    };
    let mut cursor = page
        .map_err(|e| format!("the cursor's own request failed: {e}"))?
        .ok_or("the cursor's request gave a single page: no cursor")?;
    let Some(edit) = spec.get("edit") else {
        return Ok(cursor);
    };
    if let Some(at) = edit.get("at").and_then(Value::as_u64) {
        let at = usize::try_from(at).map_err(|e| e.to_string())?;
        let old = cursor
            .get(at..=at)
            .ok_or_else(|| format!("the cursor has no character {at}"))?
            .to_owned();
        let new = if old == "A" { "B" } else { "A" };
        cursor.replace_range(at..=at, new);
    } else if let Some(suffix) = edit.get("append").and_then(Value::as_str) {
        cursor.push_str(suffix);
    } else if let Some(prefix) = edit.get("prefix").and_then(Value::as_str) {
        cursor.replace_range(..prefix.len().min(cursor.len()), prefix);
    } else if let Some(cut) = edit.get("truncate").and_then(Value::as_u64) {
        let cut = usize::try_from(cut).map_err(|e| e.to_string())?;
        cursor.truncate(cursor.len().saturating_sub(cut));
    } else {
        return Err(format!("unknown edit {edit}"));
    }
    Ok(cursor)
}

fn run_page(parser: &str, input: &Value) -> Result<Run, String> {
    let cdrs = fixture_cdrs();
    let mut request = build_request(field(input, "request")?)?;
    let mut start_key = None;
    if let Some(spec) = input.get("cursor") {
        let cursor = make_cursor(spec, &cdrs)?;
        request = request.start_key(cursor.clone());
        start_key = Some(cursor);
    }
    let out_of_order = match input.get("store").and_then(Value::as_str) {
        None => false,
        Some("out_of_order") => true,
        Some(other) => return Err(format!("unknown store {other:?}")),
    };
    let mut run = match parser {
        "paginate" => Run::of(paginate(&cdrs, &request, NOW).map(|p| p.items.len())),
        "paginate_interactions" => Run::of(
            paginate_interactions(&group_interactions(&cdrs), &request, NOW).map(|p| p.items.len()),
        ),
        "paginate_store" => {
            let store = VecStore::new(&cdrs, SortKey::of_cdr, out_of_order);
            Run::of(paginate_store(&store, &request, NOW).map(|p| p.items))
        }
        "paginate_interaction_store" => {
            let store = VecStore::new(&cdrs, SortKey::of_interaction_leg, out_of_order);
            Run::of(paginate_interaction_store(&store, &request, NOW).map(|p| p.items))
        }
        other => return Err(format!("{other} is not a pagination parser")),
    };
    run.start_key = start_key;
    Ok(run)
}

/// A store of call ids by key; `out_of_order` returns each scan reversed (a broken store).
struct VecStore {
    rows: Vec<(SortKey, String)>,
    out_of_order: bool,
}

impl VecStore {
    fn new(cdrs: &[Cdr], key: fn(&Cdr) -> Option<SortKey>, out_of_order: bool) -> Self {
        let mut rows: Vec<(SortKey, String)> = cdrs
            .iter()
            .filter_map(|cdr| Some((key(cdr)?, cdr.call_id.clone())))
            .collect();
        rows.sort();
        VecStore { rows, out_of_order }
    }
}

impl OrderedStore for VecStore {
    type Row = String;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, String)>, Error> {
        let mut rows = common::scan_sorted(&self.rows, start, order, limit);
        if self.out_of_order {
            rows.reverse();
        }
        Ok(rows)
    }
}

// ---------------------------------------------------------------------------------------------
// CSV.

#[cfg(feature = "csv")]
fn run_csv(parser: &str, input: &Value) -> Result<Run, String> {
    use kazoo_records::cdr::RowOptions;
    use kazoo_records::cdr::csv::{CsvOptions, CsvWriter, write_cdrs};

    let mut options = CsvOptions::new();
    if let Some(columns) = input.get("columns") {
        let columns: Vec<String> = columns
            .as_array()
            .ok_or("\"columns\" is a list")?
            .iter()
            .map(text)
            .collect::<Result<_, _>>()?;
        options = options.columns(columns);
    }
    if let Some(header) = input.get("header") {
        options = options.header(header.as_bool().ok_or("\"header\" is a boolean")?);
    }
    if input.get("reseller") == Some(&Value::Bool(true)) {
        options = options.row_options(RowOptions::new().reseller(true));
    }
    match parser {
        "csv_writer_new" => Ok(Run::of(
            CsvWriter::new(Vec::new(), &options).map(|w| w.columns().to_vec()),
        )),
        "csv_write_cdrs" => {
            let cdrs = field(input, "cdrs")?
                .as_array()
                .ok_or("\"cdrs\" is a list")?
                .iter()
                .map(Cdr::from_json_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("the CDRs must read: {e}"))?;
            Ok(match input.get("fail").and_then(Value::as_str) {
                Some(message) => Run::of(write_cdrs(
                    FailingWriter(message.to_owned()),
                    &cdrs,
                    &options,
                )),
                None => Run::of(write_cdrs(Vec::new(), &cdrs, &options)),
            })
        }
        other => Err(format!("{other} is not a CSV parser")),
    }
}

#[cfg(not(feature = "csv"))]
fn run_csv(parser: &str, _input: &Value) -> Result<Run, String> {
    Err(format!(
        "{parser} needs the csv feature; gate the entry with \"feature\": \"csv\""
    ))
}

/// A writer that refuses every write and flush with `message`.
#[cfg_attr(not(feature = "csv"), allow(dead_code))]
struct FailingWriter(String);

impl io::Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other(self.0.clone()))
    }

    fn flush(&mut self) -> io::Result<()> {
        Err(io::Error::other(self.0.clone()))
    }
}
