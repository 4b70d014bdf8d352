//! Properties that hold for *every* input of the crate's parsers, one function per parser.
//!
//! Each function takes arbitrary bytes, feeds them to a parser and checks what must then be
//! true — not only "no panic": what parses re-serialises and re-parses equal, two readings of
//! the same input agree, and answers agree with a naive oracle. A failed property panics with
//! the offending input.
//!
//! The same functions drive the fuzz targets in `fuzz/` (`cargo +nightly fuzz run <name>`)
//! and `tests/fuzz_regressions.rs`, which replays every input under
//! `tests/fuzz_regressions/<name>/` on every `cargo test`.
#![allow(dead_code)]

use kazoo_records::cdr::{Cdr, Filters, Page, PageRequest, SortOrder, paginate};
use kazoo_records::edr::{
    Binding, Event, Severity, Verbosity, bindings_from_json, bindings_to_json, topic,
};
use kazoo_records::time::{GregorianSeconds, UtcOffset, parse_iso8601};
use kazoo_records::{Error, ErrorKind};
use serde_json::{Value, json};

/// A property over arbitrary input bytes; it panics when the property fails.
pub type Property = fn(&[u8]);

/// Every property, by the name of its fuzz target.
pub const ALL: [(&str, Property); 9] = [
    ("bindings_json", bindings_json),
    ("event_json", event_json),
    ("event_amqp_json", event_amqp_json),
    ("cdr_json", cdr_json),
    ("iso8601", iso8601),
    ("utc_offset", utc_offset),
    ("cursor", cursor),
    ("filters", filters),
    ("topic_matches", topic_matches),
];

// ---------------------------------------------------------------------------------------------
// EDR

/// Bindings JSON: what reads writes back and reads again equal; the serde reading agrees; every
/// binding read validates; every routing key a binding gives selects an event the binding
/// matches.
pub fn bindings_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let read = bindings_from_json(&value);
    let serde_read = match &value {
        Value::Array(_) => serde_json::from_value::<Vec<Binding>>(value.clone()),
        _ => serde_json::from_value::<Binding>(value.clone()).map(|b| vec![b]),
    };
    assert_eq!(
        read.is_ok(),
        serde_read.is_ok(),
        "serde and bindings_from_json disagree on {value}: {read:?} / {serde_read:?}"
    );
    let bindings = match read {
        Ok(bindings) => bindings,
        Err(err) => return assert_clear(&err, &value.to_string()),
    };
    assert_eq!(
        serde_read.ok().as_ref(),
        Some(&bindings),
        "serde reads {value} differently"
    );

    let written = bindings_to_json(&bindings);
    assert!(
        written.is_array(),
        "bindings_to_json wrote a non-array: {written}"
    );
    let reread = bindings_from_json(&written)
        .unwrap_or_else(|e| panic!("{written} (written from {value}) does not read back: {e}"));
    assert_eq!(reread, bindings, "round trip of {value} through {written}");
    assert_eq!(
        bindings_to_json(&reread),
        written,
        "writing is not a fixed point for {value}"
    );

    for (i, binding) in bindings.iter().enumerate() {
        if let Err(e) = binding.validate() {
            panic!("bindings[{i}] of {value} was read but does not validate: {e}");
        }
        for key in binding.keys().iter().take(64) {
            let event = event_for_key(key, binding);
            assert!(
                binding.matches(&event),
                "bindings[{i}] of {value} gives key {key} but does not match {event:?}"
            );
            let event_key = event
                .routing_key()
                .unwrap_or_else(|e| panic!("{event:?} has no key: {e}"));
            assert!(
                topic::matches(key, &event_key),
                "key {key} of bindings[{i}] does not route {event_key}"
            );
        }
    }
}

/// An event a routing key of `binding` selects: `*` words become a one-letter name, so the
/// event's key is no longer than the binding's.
fn event_for_key(key: &str, binding: &Binding) -> Event {
    let words: Vec<&str> = key.split('.').collect();
    assert_eq!(words.len(), 5, "routing key {key} is not five words");
    assert_eq!(words[0], "edr", "routing key {key} does not start with edr");
    let severity: Severity = words[1].parse().unwrap_or_else(|e| panic!("{key}: {e}"));
    let verbosity: Verbosity = words[2].parse().unwrap_or_else(|e| panic!("{key}: {e}"));
    let concrete = |word: &str| {
        if word == "*" {
            "x".to_owned()
        } else {
            word.to_owned()
        }
    };
    let mut event = Event::new(concrete(words[4]), "1.0", severity, verbosity, json!({}))
        .with_account(concrete(words[3]));
    if binding.get_include_descendants() && !binding.get_accounts().is_any() {
        // Keyed with `*`: the event must descend from one of the listed accounts.
        let ancestor = binding
            .get_accounts()
            .as_slice()
            .first()
            .cloned()
            .unwrap_or_default();
        event = event.with_account_tree(vec![ancestor]);
    }
    event
}

/// Event JSON, snake_case shape: what reads writes back (in both shapes) and reads again equal.
pub fn event_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let read = Event::from_json(&value);
    let serde_read = serde_json::from_value::<Event>(value.clone());
    assert_eq!(
        read.is_ok(),
        serde_read.is_ok(),
        "serde and Event::from_json disagree on {value}: {read:?} / {serde_read:?}"
    );
    match read {
        Ok(event) => {
            assert_eq!(
                serde_read.ok().as_ref(),
                Some(&event),
                "serde reads {value} differently"
            );
            event_round_trips(&event, &value);
        }
        Err(err) => assert_clear(&err, &value.to_string()),
    }
}

/// Event JSON, KAZOO's AMQP shape: what reads writes back (in both shapes) and reads again equal.
pub fn event_amqp_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match Event::from_amqp_json(&value) {
        Ok(event) => event_round_trips(&event, &value),
        Err(err) => assert_clear(&err, &value.to_string()),
    }
}

fn event_round_trips(event: &Event, source: &Value) {
    let snake = serde_json::to_value(event).expect("an event always serialises");
    let from_snake = Event::from_json(&snake)
        .unwrap_or_else(|e| panic!("{snake} (from {source}) does not read back: {e}"));
    assert_eq!(&from_snake, event, "snake_case round trip of {source}");
    assert_eq!(
        serde_json::to_value(&from_snake).expect("an event always serialises"),
        snake,
        "snake_case writing is not a fixed point for {source}"
    );

    let amqp = event.to_amqp_json();
    let from_amqp = Event::from_amqp_json(&amqp)
        .unwrap_or_else(|e| panic!("{amqp} (from {source}) does not read back: {e}"));
    assert_eq!(&from_amqp, event, "AMQP round trip of {source}");

    assert_eq!(
        event.gregorian_time().iso8601(),
        event.timestamp(),
        "timestamp and gregorian_time differ in {source}"
    );
    if let Ok(key) = event.routing_key() {
        let words: Vec<&str> = key.split('.').collect();
        assert_eq!(words.len(), 5, "routing key {key} of {source}");
        assert_eq!(
            words[4],
            event.app_name(),
            "routing key {key} of {source} names another app"
        );
        assert_eq!(
            words[3],
            event.account_id().unwrap_or("undefined"),
            "routing key {key} of {source} names another account"
        );
        let exact = Binding::default()
            .account(words[3])
            .app(event.app_name())
            .severities([event.severity()])
            .verbosities([event.verbosity()]);
        if event.account_id().is_some() {
            assert!(
                exact.matches(event),
                "{exact:?} does not match its own event {source}"
            );
        }
    }
}

/// AMQP topic matching against a naive dynamic-programming oracle. The input is
/// `pattern \n key`.
pub fn topic_matches(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pattern, key) = text.split_once('\n').unwrap_or((&text, ""));
    let expected = naive_topic_matches(pattern, key);
    assert_eq!(
        topic::matches(pattern, key),
        expected,
        "pattern {pattern:?} key {key:?}"
    );
    // A pattern made of the key's own words routes the key.
    assert!(
        topic::matches(key, key) || key.split('.').any(|w| w == "*" || w == "#"),
        "key {key:?} does not match itself"
    );
}

/// RabbitMQ's topic semantics, by the book: `""` is zero words, else split on `.`; `*` is one
/// word, `#` zero or more. `m[i][j]` = pattern words `i..` match key words `j..`.
pub fn naive_topic_matches(pattern: &str, key: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        if s.is_empty() {
            Vec::new()
        } else {
            s.split('.').map(str::to_owned).collect()
        }
    };
    let (p, k) = (words(pattern), words(key));
    let mut m = vec![vec![false; k.len() + 1]; p.len() + 1];
    m[p.len()][k.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=k.len()).rev() {
            m[i][j] = match p[i].as_str() {
                "#" => m[i + 1][j] || (j < k.len() && m[i][j + 1]),
                "*" => j < k.len() && m[i + 1][j + 1],
                word => j < k.len() && k[j] == word && m[i + 1][j + 1],
            };
        }
    }
    m[0][0]
}

// ---------------------------------------------------------------------------------------------
// CDR

/// `Cdr` JSON: the three readers agree; what reads writes back the `Value` it read and reads
/// again equal; the lenient reader never refuses an object with a string `call_id` and writes
/// it back unchanged too.
pub fn cdr_json(data: &[u8]) {
    let from_slice = Cdr::from_json_slice(data);
    let text = std::str::from_utf8(data);
    if let Ok(text) = text {
        let from_str = Cdr::from_json_str(text);
        assert_eq!(
            from_str, from_slice,
            "from_json_str and from_json_slice disagree on {text:?}"
        );
    }
    let parsed = serde_json::from_slice::<Value>(data);
    if let Ok(value) = &parsed {
        let from_value = Cdr::from_json_value(value);
        // A key repeated in one object: text reading reads every occurrence (the last one
        // stands, as in a `Value`), so it may refuse an earlier one that `Value` dropped.
        let text_may_be_stricter = from_slice.is_err() && repeats_a_key(data);
        assert!(
            from_value.is_ok() == from_slice.is_ok() || text_may_be_stricter,
            "from_json_value and from_json_slice disagree on {value}: {from_value:?} / {from_slice:?}"
        );
        if let (Ok(a), Ok(b)) = (&from_value, &from_slice) {
            assert_eq!(
                a, b,
                "from_json_value and from_json_slice read {value} differently"
            );
        }
    }
    if let Ok(input @ Value::Object(map)) = &parsed {
        if map.get("call_id").is_some_and(Value::is_string) {
            let (lenient, kept) = Cdr::from_json_value_lenient(input)
                .unwrap_or_else(|e| panic!("the lenient reader refused {input}: {e}"));
            let written = serde_json::to_value(&lenient)
                .unwrap_or_else(|e| panic!("{lenient:?} does not serialise: {e}"));
            assert_eq!(
                &written, input,
                "the lenient reader wrote back another value"
            );
            for error in &kept {
                assert_clear(error, &input.to_string());
            }
        }
    }
    let cdr = match from_slice {
        Ok(cdr) => cdr,
        Err(err) => return assert_clear(&err, &String::from_utf8_lossy(data)),
    };
    let written =
        serde_json::to_value(&cdr).unwrap_or_else(|e| panic!("{cdr:?} does not serialise: {e}"));
    let reread = Cdr::from_json_value(&written)
        .unwrap_or_else(|e| panic!("{written} does not read back: {e}"));
    assert_eq!(reread, cdr, "round trip through {written}");
    assert_eq!(
        serde_json::to_value(&reread).ok().as_ref(),
        Some(&written),
        "writing is not a fixed point"
    );
    let text =
        serde_json::to_string(&cdr).unwrap_or_else(|e| panic!("{cdr:?} does not serialise: {e}"));
    assert_eq!(
        Cdr::from_json_str(&text).as_ref(),
        Ok(&cdr),
        "round trip through text {text}"
    );

    if let Ok(input) = &parsed {
        assert_keys_kept(input, &written, "");
        assert_eq!(&written, input, "written back as another value");
    }
    // Derived values never panic.
    let _ = (
        cdr.start_time(),
        cdr.cost(),
        cdr.interaction(),
        cdr.document_id(),
        cdr.cdr_id(),
        cdr.listing_time(),
    );
}

/// Whether any object in the JSON text `data` holds a key twice.
fn repeats_a_key(data: &[u8]) -> bool {
    struct Walk;
    impl<'de> serde::de::Visitor<'de> for Walk {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let (mut keys, mut repeated) = (std::collections::HashSet::new(), false);
            while let Some(key) = map.next_key::<String>()? {
                repeated |= !keys.insert(key);
                repeated |= map.next_value::<Nested>()?.0;
            }
            Ok(repeated)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            let mut repeated = false;
            while let Some(Nested(inner)) = seq.next_element()? {
                repeated |= inner;
            }
            Ok(repeated)
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    struct Nested(bool);
    impl<'de> serde::Deserialize<'de> for Nested {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Walk).map(Nested)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(data);
    serde::Deserializer::deserialize_any(&mut deserializer, Walk).unwrap_or(false)
}

/// Every key of `input` (an object, and the objects within it) is in `output` at the same
/// place: reading and writing a document loses no field, not even a `null` one.
fn assert_keys_kept(input: &Value, output: &Value, path: &str) {
    match (input, output) {
        (Value::Object(input), Value::Object(output)) => {
            for (key, value) in input {
                let inner = format!("{path}.{key}");
                let kept = output
                    .get(key)
                    .unwrap_or_else(|| panic!("{inner} is lost: {output:?}"));
                assert_keys_kept(value, kept, &inner);
            }
        }
        (Value::Array(input), Value::Array(output)) => {
            assert_eq!(input.len(), output.len(), "{path} changed length");
            for (i, (value, kept)) in input.iter().zip(output).enumerate() {
                assert_keys_kept(value, kept, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

/// Filters from query pairs (the input is `key=value` lines): a conjunction matches when each
/// of its filters does; `filter_not_` negates `filter_`; `has_key`/`key_missing` and
/// `has_value`/`value_missing` are complements; typed and raw documents agree.
pub fn filters(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(String, String)> = text
        .lines()
        .map(|line| {
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let all = match Filters::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(all) => all,
        Err(err) => return assert_clear(&err, &text),
    };
    let singles: Vec<Filters> = pairs
        .iter()
        .map(|(k, v)| {
            Filters::from_query([(k.as_str(), v.as_str())])
                .unwrap_or_else(|e| panic!("{k}={v} fails alone but not in {pairs:?}: {e}"))
        })
        .collect();
    for document in filter_documents() {
        let each = singles.iter().all(|f| f.matches_json(document));
        assert_eq!(all.matches_json(document), each, "{pairs:?} on {document}");
        if let Ok(cdr) = Cdr::from_json_value(document) {
            assert_eq!(
                all.matches(&cdr),
                all.matches_json(document),
                "typed and raw disagree for {pairs:?} on {document}"
            );
        }
        for (k, v) in &pairs {
            let complement = if let Some(path) = k.strip_prefix("filter_not_") {
                // `filter_not_<path>` is read before `filter_<path>` (as KAZOO does), and
                // `filter_<kind>_<path>` names another filter, so a path starting with a
                // filter kind has no plain form to compare with.
                const KINDS: [&str; 4] = ["not_", "any_", "none_", "array_intersect_"];
                (!KINDS.iter().any(|kind| path.starts_with(kind))).then(|| format!("filter_{path}"))
            } else {
                match k.as_str() {
                    "has_key" => Some("key_missing".to_owned()),
                    "key_missing" => Some("has_key".to_owned()),
                    "has_value" => Some("value_missing".to_owned()),
                    "value_missing" | "missing_value" => Some("has_value".to_owned()),
                    _ => None,
                }
            };
            if let Some(other) = complement {
                let (a, b) = (
                    Filters::from_query([(k.as_str(), v.as_str())]),
                    Filters::from_query([(other.as_str(), v.as_str())]),
                );
                if let (Ok(a), Ok(b)) = (a, b) {
                    assert_ne!(
                        a.matches_json(document),
                        b.matches_json(document),
                        "{k}={v} and {other}={v} agree on {document}"
                    );
                }
            }
        }
    }
}

fn filter_documents() -> &'static [Value] {
    static DOCUMENTS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let fixture = |text: &str| serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("fixture: {e}"));
        vec![
            fixture(include_str!("../fixtures/kazoo/channel_destroy_inbound.json")),
            fixture(include_str!("../fixtures/kazoo/cdr_legacy_2013.json")),
            json!({"call_id": "a", "timestamp": "63724403398", "billing_seconds": 7, "flag": true, "none": null,
                   "list": ["x", "y"], "nums": [1, 2.5], "nested": {"a": {"b": "c"}, "empty": {}}, "zero": "0", "f": 1e21}),
            json!({"call_id": "b", "pvt_created": 63_724_403_000_i64, "call_direction": "inbound", "custom_channel_vars": {"account_id": "acc"}}),
            json!({}),
        ]
    })
}

/// Cursors: a `start_key` is refused with [`Error::Cursor`] unless it is a cursor this query
/// issued; any page that is returned is a contiguous run of the listing.
///
/// The first input byte picks the mode: raw text as a cursor; a real cursor with some
/// characters edited; a real cursor replayed with another query.
pub fn cursor(data: &[u8]) {
    let [mode, size, flags, rest @ ..] = data else {
        return;
    };
    let cdrs = cursor_cdrs();
    let now = GregorianSeconds(CURSOR_BASE + 100);
    let request = || {
        let r = PageRequest::new()
            .page_size(1 + usize::from(size % 7))
            .created_from(GregorianSeconds(CURSOR_BASE - 10))
            .created_to(now);
        if flags & 1 == 0 {
            r.ascending()
        } else {
            r.descending()
        }
    };
    match mode % 3 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            check_page(
                cdrs,
                &request(),
                paginate(cdrs, &request().start_key(text.as_ref()), now),
                &text,
                None,
            );
        }
        1 => {
            let Some((genuine, expected, before)) =
                real_cursor(cdrs, &request(), now, usize::from(flags >> 1))
            else {
                return;
            };
            let mut edited: Vec<char> = genuine.chars().collect();
            for pair in rest.chunks_exact(2) {
                if !edited.is_empty() {
                    let at = usize::from(pair[0]) % edited.len();
                    edited[at] = char::from(pair[1] % 0x60 + 0x20);
                }
            }
            let edited: String = edited.into_iter().collect();
            let result = paginate(cdrs, &request().start_key(edited.as_str()), now);
            if edited == genuine {
                let page =
                    result.unwrap_or_else(|e| panic!("a genuine cursor {genuine} is refused: {e}"));
                assert_eq!(
                    ids(&page),
                    expected,
                    "the genuine cursor {genuine} gives another page"
                );
                // And that page is the naive listing's next run.
                check_page(cdrs, &request(), Ok(page), &genuine, Some(before));
            } else {
                let err = result.map(|p| ids(&p)).expect_err(&format!(
                    "edited cursor {edited} (from {genuine}) is accepted"
                ));
                assert_eq!(err.kind(), ErrorKind::Cursor, "{err}");
                assert_eq!(err.path(), "start_key", "{err}");
            }
        }
        _ => {
            let Some((genuine, _, _)) = real_cursor(cdrs, &request(), now, usize::from(flags >> 1))
            else {
                return;
            };
            let other = match rest.first().map(|b| b % 3) {
                Some(0) => request().order(if flags & 1 == 0 {
                    SortOrder::Descending
                } else {
                    SortOrder::Ascending
                }),
                Some(1) => request().created_from(GregorianSeconds(CURSOR_BASE - 11)),
                _ => request().created_to(GregorianSeconds(now.0 + 1)),
            };
            let err = paginate(cdrs, &other.start_key(genuine.as_str()), now)
                .map(|p| ids(&p))
                .expect_err(&format!("cursor {genuine} is accepted by another query"));
            assert_eq!(err.kind(), ErrorKind::Cursor, "{err}");
        }
    }
}

const CURSOR_BASE: i64 = 63_724_403_398;

/// Twenty CDRs with many equal times and ids, in no order, one outside the range, one with no
/// listing time.
fn cursor_cdrs() -> &'static [Cdr] {
    static CDRS: std::sync::OnceLock<Vec<Cdr>> = std::sync::OnceLock::new();
    CDRS.get_or_init(|| {
        let mut cdrs: Vec<Cdr> = (0..18_i64)
            .map(|i| {
                let doc = json!({"call_id": format!("c{}", i % 5), "_id": format!("d{}", (i * 7) % 4), "timestamp": CURSOR_BASE + (i * 13) % 4});
                Cdr::from_json_value(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"))
            })
            .collect();
        for doc in [json!({"call_id": "old", "timestamp": CURSOR_BASE - 1000}), json!({"call_id": "timeless"})] {
            cdrs.push(Cdr::from_json_value(&doc).unwrap_or_else(|e| panic!("{doc}: {e}")));
        }
        cdrs
    })
}

/// The cursor that ends page `n` (following cursors from the first page), the ids of the
/// page it leads to, and how many items the pages up to the cursor held.
fn real_cursor(
    cdrs: &[Cdr],
    request: &PageRequest,
    now: GregorianSeconds,
    n: usize,
) -> Option<(String, Vec<usize>, usize)> {
    let mut page = paginate(cdrs, request, now).unwrap_or_else(|e| panic!("{request:?}: {e}"));
    let mut before = page.items.len();
    for _ in 0..n % 8 {
        let key = page.next_start_key.clone()?;
        page = paginate(cdrs, &request.clone().start_key(key.as_str()), now)
            .unwrap_or_else(|e| panic!("own cursor {key}: {e}"));
        before += page.items.len();
    }
    let key = page.next_start_key.clone()?;
    let next = paginate(cdrs, &request.clone().start_key(key.as_str()), now)
        .unwrap_or_else(|e| panic!("own cursor {key}: {e}"));
    Some((key, ids(&next), before))
}

/// Slice positions of a page's items.
fn ids(page: &Page<&Cdr>) -> Vec<usize> {
    let cdrs = cursor_cdrs();
    page.items
        .iter()
        .map(|item| {
            cdrs.iter()
                .position(|c| std::ptr::eq(c, *item))
                .unwrap_or(usize::MAX)
        })
        .collect()
}

/// A page is either a clear cursor error or a contiguous run of the naive listing (starting
/// at `starts_at`, when the cursor is known to follow that many items).
fn check_page(
    cdrs: &[Cdr],
    request: &PageRequest,
    result: Result<Page<&Cdr>, Error>,
    cursor: &str,
    starts_at: Option<usize>,
) {
    let page = match result {
        Ok(page) => page,
        Err(err) => {
            assert_eq!(err.kind(), ErrorKind::Cursor, "{cursor:?}: {err}");
            assert_eq!(err.path(), "start_key", "{cursor:?}: {err}");
            return assert_clear(&err, cursor);
        }
    };
    // The listing as documented on `Cdr::listing_time` and `paginate`: (timestamp else pvt_created, _id else call_id, position).
    let mut listing: Vec<(i64, &str, usize)> = cdrs
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let time = c.timestamp.or(c.pvt_created)?.0;
            let id = c.doc_id.as_deref().unwrap_or(&c.call_id);
            (CURSOR_BASE - 10..=CURSOR_BASE + 100)
                .contains(&time)
                .then_some((time, id, i))
        })
        .collect();
    listing.sort();
    if request.get_order() == SortOrder::Descending {
        listing.reverse();
    }
    let order: Vec<usize> = listing.into_iter().map(|(_, _, i)| i).collect();
    let got = ids(&page);
    assert!(
        got.len() <= request.get_page_size(),
        "{cursor:?}: page of {} > page size",
        got.len()
    );
    if got.is_empty() {
        assert!(
            page.next_start_key.is_none(),
            "{cursor:?}: an empty page with a cursor"
        );
        assert!(
            starts_at.is_none_or(|s| s == order.len()),
            "{cursor:?}: empty page before the end"
        );
    }
    if let Some(first) = got.first() {
        let at = order
            .iter()
            .position(|i| i == first)
            .unwrap_or_else(|| panic!("{cursor:?}: item {first} is not listed"));
        assert!(
            starts_at.is_none_or(|s| s == at),
            "{cursor:?}: page starts at {at}, not {starts_at:?}"
        );
        assert_eq!(
            order.get(at..at + got.len()),
            Some(got.as_slice()),
            "{cursor:?}: page is not a run of the listing"
        );
        if page.next_start_key.is_none() {
            assert_eq!(
                at + got.len(),
                order.len(),
                "{cursor:?}: last page does not reach the end"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Time

/// ISO 8601: the two readers agree; what reads is written back and reads again equal; strict
/// RFC 3339 text agrees with chrono's reader.
pub fn iso8601(data: &[u8]) {
    if let Some(bytes) = data.first_chunk::<8>() {
        formats_read_back(GregorianSeconds(i64::from_le_bytes(*bytes)));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let instant = parse_iso8601(text);
    let seconds = GregorianSeconds::parse_iso8601(text);
    match (&instant, &seconds) {
        (Ok(dt), Ok(g)) => assert_eq!(GregorianSeconds::from_datetime(*dt), *g, "{text:?}"),
        (Err(e), Ok(_)) => assert_eq!(e.kind(), ErrorKind::OutOfRange, "{text:?}: {e}"),
        (Ok(dt), Err(e)) => panic!("{text:?} is {dt} but not Gregorian seconds: {e}"),
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "{text:?}");
            assert_clear(a, text);
        }
    }
    if let Ok(g) = seconds {
        let written = g.iso8601();
        assert_eq!(
            GregorianSeconds::parse_iso8601(&written),
            Ok(g),
            "{text:?} written as {written}"
        );
        for offset in [
            UtcOffset::UTC,
            UtcOffset::from_seconds(-18_000).unwrap_or_default(),
            UtcOffset::from_seconds(86_340).unwrap_or_default(),
        ] {
            let shifted = g.iso8601_with_offset(offset);
            if GregorianSeconds::parse_iso8601(&shifted) != Ok(g) {
                // Only near the end of the range may a shifted local time not be written.
                assert!(
                    g.0.checked_add(86_400).is_none() || g.0.checked_sub(86_400).is_none(),
                    "{text:?} written as {shifted}"
                );
            }
        }
    }
    if is_strict_rfc3339(text) {
        let chrono = chrono::DateTime::parse_from_rfc3339(text).map(|dt| dt.to_utc());
        match (&chrono, &instant) {
            (Ok(c), Ok(ours)) => assert_eq!(c, ours, "{text:?}"),
            (Ok(c), Err(e)) => assert!(
                text.get(17..19) == Some("60"),
                "chrono reads {text:?} as {c}, we refuse: {e}"
            ),
            (Err(c), Ok(ours)) => panic!("we read {text:?} as {ours}, chrono refuses: {c}"),
            (Err(_), Err(_)) => {}
        }
    }
}

/// Any Gregorian second is written in every format without panicking; its ISO 8601 forms
/// read back to it; it converts to chrono exactly when chrono can hold it.
fn formats_read_back(g: GregorianSeconds) {
    let written = g.iso8601();
    assert_eq!(
        GregorianSeconds::parse_iso8601(&written),
        Ok(g),
        "{g:?} written as {written}"
    );
    let date = g.iso8601_date();
    assert!(
        written.starts_with(&date),
        "{g:?}: date {date} of {written}"
    );
    for offset in [-86_340, -18_000, 19_800, 86_340] {
        let offset = UtcOffset::from_seconds(offset).unwrap_or_default();
        let shifted = g.iso8601_with_offset(offset);
        let read = GregorianSeconds::parse_iso8601(&shifted);
        // The local time of an instant at the very ends of i64 may not be representable.
        let near_the_end = g.0.checked_add(86_400).is_none() || g.0.checked_sub(86_400).is_none();
        assert!(
            read == Ok(g) || near_the_end,
            "{g:?} at {offset} written as {shifted}, read as {read:?}"
        );
        // With a basic offset (`-0500`, as `strftime`'s `%z` writes it): the same reading.
        let (local, zone) = shifted.split_at(shifted.len() - 6);
        let basic = format!("{local}{}", zone.replace(':', ""));
        assert_eq!(
            GregorianSeconds::parse_iso8601(&basic).ok(),
            read.ok(),
            "{g:?}: {basic} vs {shifted}"
        );
    }
    let (_, _) = (g.rfc1036(), g.pretty());
    let chrono = g.to_datetime();
    let in_range = (GregorianSeconds::from_datetime(chrono::DateTime::<chrono::Utc>::MIN_UTC).0
        ..=GregorianSeconds::from_datetime(chrono::DateTime::<chrono::Utc>::MAX_UTC).0)
        .contains(&g.0);
    assert_eq!(chrono.is_ok(), in_range, "{g:?}: {chrono:?}");
    if let Ok(dt) = chrono {
        assert_eq!(GregorianSeconds::from_datetime(dt), g);
        assert_eq!(parse_iso8601(&written), Ok(dt), "{written}");
    }
    assert_eq!(
        g.to_unix().to_gregorian() == g,
        g.0.checked_sub(62_167_219_200).is_some(),
        "{g:?} through Unix seconds"
    );
}

/// `YYYY-MM-DDTHH:MM:SS(.f{1,9})?(Z|±HH:MM)`, digits anywhere a digit goes.
fn is_strict_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < shape.len()
        || !shape.iter().zip(b).all(|(s, c)| {
            if *s == b'd' {
                c.is_ascii_digit()
            } else {
                s == c
            }
        })
    {
        return false;
    }
    let mut rest = &b[shape.len()..];
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return false;
        }
        rest = &tail[digits..];
    }
    match rest {
        [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// UTC offsets: what parses is in range, displays as `±HH:MM` and reads back; `parse` reads
/// only `±HH:MM` (agreeing with arithmetic) and the names of UTC, never digits alone;
/// `from_seconds` accepts exactly the whole minutes under a day, and `parse_seconds` is an
/// integer as Rust reads one, then `from_seconds`.
pub fn utc_offset(data: &[u8]) {
    if let [a, b, c, d, ..] = data {
        let secs = i32::from_le_bytes([*a, *b, *c, *d]);
        let expected = secs.unsigned_abs() < 86_400 && secs % 60 == 0;
        match UtcOffset::from_seconds(secs) {
            Ok(offset) => {
                assert!(expected, "{secs} is accepted");
                assert_eq!(offset.seconds(), secs);
                assert_eq!(UtcOffset::parse(&offset.to_string()), Ok(offset), "{secs}");
            }
            Err(err) => {
                assert!(!expected, "{secs} is refused: {err}");
                assert_clear(&err, &secs.to_string());
            }
        }
        let text = secs.to_string();
        assert_eq!(
            UtcOffset::parse_seconds(&text).ok(),
            UtcOffset::from_seconds(secs).ok(),
            "{text}"
        );
        assert!(UtcOffset::parse(&text).is_err(), "{text} read as ±HH:MM");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = UtcOffset::parse(text);
    assert_eq!(
        text.parse::<UtcOffset>(),
        parsed,
        "{text:?}: FromStr and parse disagree"
    );
    match &parsed {
        Ok(offset) => {
            assert!(
                offset.seconds().unsigned_abs() < 86_400 && offset.seconds() % 60 == 0,
                "{text:?} gives {offset:?}"
            );
            let shown = offset.to_string();
            assert_eq!(
                UtcOffset::parse(&shown),
                Ok(*offset),
                "{text:?} shown as {shown}"
            );
            let json = serde_json::to_string(offset).unwrap_or_else(|e| panic!("{offset:?}: {e}"));
            assert_eq!(
                serde_json::from_str::<UtcOffset>(&json).ok(),
                Some(*offset),
                "{text:?} as JSON {json}"
            );
        }
        Err(err) => assert_clear(err, text),
    }
    let is_name = ["Z", "UTC", "GMT", "UT", "Etc/UTC", "Etc/GMT"]
        .iter()
        .any(|name| name.eq_ignore_ascii_case(text));
    if is_name {
        assert_eq!(parsed, Ok(UtcOffset::UTC), "{text:?}");
    } else if parsed.is_ok() {
        assert!(
            matches!(text.as_bytes(), [b'+' | b'-', _, _, b':', _, _]),
            "{text:?} is neither ±HH:MM nor a name"
        );
    }
    let seconds = UtcOffset::parse_seconds(text);
    let naive = text
        .parse::<i64>()
        .ok()
        .and_then(|secs| i32::try_from(secs).ok())
        .and_then(|secs| UtcOffset::from_seconds(secs).ok());
    assert_eq!(seconds.as_ref().ok(), naive.as_ref(), "{text:?} as seconds");
    if let Err(err) = &seconds {
        assert_clear(err, text);
    }
    if let [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] = text.as_bytes() {
        if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) {
            let number = |a: &u8, b: &u8| i32::from(a - b'0') * 10 + i32::from(b - b'0');
            let (hours, minutes) = (number(h1, h2), number(m1, m2));
            let magnitude = hours * 3600 + minutes * 60;
            let expected = (hours < 24 && minutes < 60).then_some(if *sign == b'-' {
                -magnitude
            } else {
                magnitude
            });
            assert_eq!(parsed.ok().map(UtcOffset::seconds), expected, "{text:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared

/// An error is clear: a known kind and a one-line message that is not empty.
fn assert_clear(err: &Error, input: &str) {
    let message = err.to_string();
    assert!(
        !message.is_empty() && !message.contains('\n'),
        "unclear error for {input:?}: {message:?}"
    );
    assert!(
        [
            ErrorKind::Invalid,
            ErrorKind::UnknownKey,
            ErrorKind::MissingKey,
            ErrorKind::OutOfRange,
            ErrorKind::Json,
            ErrorKind::Cursor,
        ]
        .contains(&err.kind()),
        "{input:?}: {err}"
    );
}
