//! Every line of `tests/vectors/time_kazoo.jsonl` (Gregorian seconds and what KAZOO's own
//! `kz_time` functions printed for them), reproduced field by field.

use kazoo_records::time::{GregorianSeconds, UnixSeconds, UtcOffset, parse_iso8601};
use serde_json::Value;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/time_kazoo.jsonl"
));

/// Every key a vector line may have; an unknown one fails the test, so none goes unchecked.
const KEYS: [&str; 7] = [
    "gregorian",
    "unix",
    "iso8601",
    "iso8601_date",
    "rfc1036",
    "pretty",
    "iso8601_offset",
];

struct Line {
    number: usize,
    fields: serde_json::Map<String, Value>,
}

impl Line {
    fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("line {}: {key} is not a string", self.number))
        })
    }

    fn int(&self, key: &str) -> i64 {
        self.fields[key]
            .as_i64()
            .unwrap_or_else(|| panic!("line {}: {key} is not an integer", self.number))
    }
}

fn lines() -> Vec<Line> {
    VECTORS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let fields = match serde_json::from_str::<Value>(l) {
                Ok(Value::Object(fields)) => fields,
                other => panic!("line {}: not a JSON object: {other:?}", i + 1),
            };
            for key in fields.keys() {
                assert!(
                    KEYS.contains(&key.as_str()),
                    "line {}: unknown key {key}",
                    i + 1
                );
            }
            Line {
                number: i + 1,
                fields,
            }
        })
        .collect()
}

#[test]
fn the_file_holds_every_vector() {
    let lines = lines();
    assert_eq!(lines.len(), 200);
    let offsets: usize = lines
        .iter()
        .map(|l| {
            l.fields
                .get("iso8601_offset")
                .and_then(Value::as_object)
                .map_or(0, |o| o.len())
        })
        .sum();
    assert_eq!(
        offsets,
        200 * 6 - 2,
        "every line has six offsets but the year-0 line"
    );
}

#[test]
fn unix_seconds_match() {
    for line in lines() {
        let g = GregorianSeconds(line.int("gregorian"));
        let unix = UnixSeconds(line.int("unix"));
        assert_eq!(g.to_unix(), unix, "line {}", line.number);
        assert_eq!(GregorianSeconds::from_unix(unix), g, "line {}", line.number);
    }
}

#[test]
fn utc_formats_match() {
    for line in lines() {
        let g = GregorianSeconds(line.int("gregorian"));
        let n = line.number;
        assert_eq!(Some(g.iso8601().as_str()), line.str("iso8601"), "line {n}");
        assert_eq!(
            Some(g.iso8601_date().as_str()),
            line.str("iso8601_date"),
            "line {n}"
        );
        assert_eq!(Some(g.pretty().as_str()), line.str("pretty"), "line {n}");
        match line.str("rfc1036") {
            Some(expected) => assert_eq!(g.rfc1036(), expected, "line {n}"),
            // KAZOO fails on year 0; 0000-01-01 was a Saturday (1970-01-01, a Thursday,
            // is 719 528 days later, and 719 528 = 5 mod 7).
            None => {
                assert_eq!(
                    g,
                    GregorianSeconds(0),
                    "line {n}: only year 0 lacks rfc1036"
                );
                assert_eq!(g.rfc1036(), "Sat, 01 Jan 0000 00:00:00 GMT");
            }
        }
    }
}

#[test]
fn every_offset_matches() {
    let mut checked = 0;
    for line in lines() {
        let g = GregorianSeconds(line.int("gregorian"));
        let offsets = line.fields["iso8601_offset"]
            .as_object()
            .expect("iso8601_offset");
        for (secs, expected) in offsets {
            let secs: i32 = secs.parse().expect("offset key in seconds");
            let offset = UtcOffset::from_seconds(secs).expect("a valid offset");
            let expected = expected.as_str().expect("a string");
            assert_eq!(
                g.iso8601_with_offset(offset),
                expected,
                "line {} offset {secs}",
                line.number
            );
            // The pretty form is the same wall-clock time.
            let wall = expected
                .get(..19)
                .expect("a date-time")
                .replacen('T', "_", 1);
            assert_eq!(
                g.pretty_with_offset(offset),
                wall,
                "line {} offset {secs}",
                line.number
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 200 * 6 - 2);
}

/// KAZOO cannot print year 0 with a negative offset (the wall clock is in year -1); we write
/// year -1 in ISO 8601's expanded form.
#[test]
fn offsets_kazoo_could_not_format() {
    let g = GregorianSeconds(0);
    let at = |secs| g.iso8601_with_offset(UtcOffset::from_seconds(secs).unwrap());
    assert_eq!(at(-18_000), "-0001-12-31T19:00:00-05:00");
    assert_eq!(at(-34_200), "-0001-12-31T14:30:00-09:30");
    assert_eq!(
        g.pretty_with_offset(UtcOffset::from_seconds(-18_000).unwrap()),
        "-0001-12-31_19:00:00"
    );
    assert_eq!(GregorianSeconds::parse_iso8601(&at(-18_000)), Ok(g));
}

#[test]
fn every_formatted_string_parses_back() {
    for line in lines() {
        let g = GregorianSeconds(line.int("gregorian"));
        let n = line.number;
        let mut texts = vec![line.str("iso8601").unwrap()];
        let offsets = line.fields["iso8601_offset"].as_object().unwrap();
        texts.extend(offsets.values().map(|v| v.as_str().unwrap()));
        for text in texts {
            assert_eq!(
                GregorianSeconds::parse_iso8601(text),
                Ok(g),
                "line {n}: {text}"
            );
            let dt = parse_iso8601(text).unwrap_or_else(|e| panic!("line {n}: {e}"));
            assert_eq!(GregorianSeconds::from_datetime(dt), g, "line {n}: {text}");
        }
        let date = line.str("iso8601_date").unwrap();
        let midnight = GregorianSeconds(g.0 - g.0.rem_euclid(86_400));
        assert_eq!(
            GregorianSeconds::parse_iso8601(date),
            Ok(midnight),
            "line {n}"
        );
    }
}
