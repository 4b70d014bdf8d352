//! `parse_iso8601` and `GregorianSeconds::parse_iso8601` as a user sees them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kazoo_records::ErrorKind;
use kazoo_records::time::{GregorianSeconds, UtcOffset, parse_iso8601};
use proptest::prelude::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn parsed(s: &str) -> DateTime<Utc> {
    parse_iso8601(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn extended_and_basic_forms_with_every_offset_form() {
    let at = utc(2015, 4, 7, 9, 33, 2);
    for s in [
        "2015-04-07T04:33:02-05:00",
        "2015-04-07T04:33:02-0500",
        "2015-04-07T04:33:02-05",
        "20150407T043302-05",
        "20150407T043302-0500",
        "2015-04-07T09:33:02Z",
        "20150407T093302Z",
        "2015-04-07T09:33:02+00:00",
        "2015-04-07T09:33:02-00:00",
        "2015-04-07T09:33:02+0000",
        "2015-04-07T09:33:02-0000",
        "2015-04-07T09:33:02",
        "2015-04-07T15:03:02+05:30",
        "2015-04-07T15:03:02+0530",
        "20150407T150302+0530",
        "2015-04-08T00:03:02+14:30",
        "2015-04-08T00:03:02+1430",
        "2015-04-06T09:34:02-23:59",
        "2015-04-06T09:34:02-2359",
    ] {
        assert_eq!(parsed(s), at, "{s}");
        assert_eq!(
            GregorianSeconds::parse_iso8601(s),
            Ok(GregorianSeconds::from_datetime(at))
        );
    }
}

/// What `strftime("%Y-%m-%dT%H:%M:%S%z")` writes: an extended date-time, a basic offset.
#[test]
fn an_extended_date_time_takes_a_basic_offset() {
    assert_eq!(
        parsed("2015-04-07T04:33:02-0500"),
        parsed("2015-04-07T04:33:02-05:00")
    );
    assert_eq!(
        parsed("2015-04-07T04:33:02-0500"),
        utc(2015, 4, 7, 9, 33, 2)
    );
    let base = utc(2019, 5, 6, 23, 9, 58);
    assert_eq!(
        parsed("2019-05-07T04:39:58.071108+0530"),
        base + chrono::Duration::microseconds(71_108)
    );
    assert_eq!(
        parsed("2019-05-06T18:09:58,5-0500"),
        base + chrono::Duration::milliseconds(500)
    );
    assert_eq!(parsed("2019-05-06T18:09-0500"), utc(2019, 5, 6, 23, 9, 0));
    assert_eq!(
        parsed("-0001-12-31T23:59:59+0000"),
        utc(-1, 12, 31, 23, 59, 59)
    );
    assert_eq!(
        GregorianSeconds::parse_iso8601("+10000-01-01T00:00:00-0100"),
        GregorianSeconds::parse_iso8601("+10000-01-01T01:00:00Z")
    );
    // Still no impossible dates, times or offsets.
    for bad in [
        "2015-02-29T04:33:02-0500",
        "2015-04-07T24:00:00-0500",
        "2015-04-07T04:33:02-2400",
        "2015-04-07T04:33:02+0560",
        "2015-04-07T04:33:02-050",
        "2015-04-07T04:33:02-05000",
        "2015-04-07T04:33:02-050000",
        "2015-04-07T04:33:02-05:0",
        "2015-04-07T04:33:02-0500Z",
        "2015-04-07T04:33:02 -0500",
    ] {
        let err = parse_iso8601(bad).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}: {err}");
    }
}

#[test]
fn fractions_reduced_times_and_bare_dates() {
    let base = utc(2019, 5, 6, 23, 9, 58);
    let micros = |us| base + chrono::Duration::microseconds(us);
    assert_eq!(parsed("2019-05-06T23:09:58.071108Z"), micros(71_108));
    assert_eq!(parsed("2019-05-06T23:09:58,5Z"), micros(500_000));
    assert_eq!(parsed("20190506T230958.000001Z"), micros(1));
    assert_eq!(
        parsed("2019-05-06T18:09:58.123456789-05:00"),
        base + chrono::Duration::nanoseconds(123_456_789)
    );
    // Gregorian seconds keep the second the instant falls in.
    assert_eq!(
        GregorianSeconds::parse_iso8601("2019-05-06T23:09:58.999999999Z"),
        Ok(GregorianSeconds::from_datetime(base))
    );
    assert_eq!(parsed("2019-05-06T23:09Z"), utc(2019, 5, 6, 23, 9, 0));
    assert_eq!(parsed("20190506T2309+01"), utc(2019, 5, 6, 22, 9, 0));
    assert_eq!(parsed("2019-05-06"), utc(2019, 5, 6, 0, 0, 0));
    assert_eq!(parsed("20190506"), utc(2019, 5, 6, 0, 0, 0));
}

#[test]
fn leap_days() {
    assert_eq!(parsed("2016-02-29T00:00:00Z"), utc(2016, 2, 29, 0, 0, 0));
    assert_eq!(parsed("2000-02-29"), utc(2000, 2, 29, 0, 0, 0));
    assert_eq!(parsed("0000-02-29"), utc(0, 2, 29, 0, 0, 0));
    for bad in [
        "1900-02-29",
        "2015-02-29",
        "2100-02-29T00:00:00Z",
        "2015-04-31",
        "2015-02-30T00:00:00Z",
    ] {
        assert!(parse_iso8601(bad).is_err(), "{bad}");
    }
}

#[test]
fn expanded_years() {
    assert_eq!(parsed("-0001-12-31T23:59:59Z"), utc(-1, 12, 31, 23, 59, 59));
    assert_eq!(parsed("+10000-01-01T00:00:00Z"), utc(10_000, 1, 1, 0, 0, 0));
    assert_eq!(parsed("+2015-04-07"), utc(2015, 4, 7, 0, 0, 0));
    assert_eq!(parsed("-00011231T235959Z"), utc(-1, 12, 31, 23, 59, 59));
    assert_eq!(
        GregorianSeconds::parse_iso8601("-0001-12-31T23:59:59Z"),
        Ok(GregorianSeconds(-1))
    );
    // Beyond chrono, Gregorian seconds still hold it.
    let far = "+300000-01-01T00:00:00Z";
    let err = parse_iso8601(far).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
    assert!(
        err.to_string().starts_with(
            r#""+300000-01-01T00:00:00Z" is out of range; expected an instant chrono can hold"#
        ),
        "{err}"
    );
    let g = GregorianSeconds::parse_iso8601(far).unwrap();
    assert_eq!(g.iso8601(), far);
    let err = GregorianSeconds::parse_iso8601("+999999999999-01-01").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
}

/// KAZOO's own list of strings its parser must refuse, and more.
#[test]
fn rejects() {
    for bad in [
        "2015/04/07T00.00.00",
        "2015-04-07T04.33.02-05:00",
        "2015-04-07T04:33:02-5:0",
        "15-4-7T04:33:02-05:00",
        "2015-04-07T04:3:2-5:00",
        "201r-04-07T04:33:02-05:00",
        "2015-04-0704:33:02-05:00",
        "2015-04-07T0433:02-05:00",
        "2015-02-30T00:00:00Z",
        "2015-13-07T00:00:00Z",
        "2015-00-07",
        "2015-04-00",
        "2015-04-07T24:00:00Z",
        "2015-04-07T23:60:00Z",
        "2015-04-07T23:59:60Z",
        "2015-04-07T04:33:02+24:00",
        "2015-04-07T04:33:02+05:60",
        "2015-04-07T04:33:02+5",
        "2015-04-07T04:33:02+053",
        "2015-04-07T04:33:02+2400",
        "2015-04-07T04:33:02.Z",
        "2015-04-07T04:33:02.1234567891Z",
        "2015-04-07T04:33.5Z",
        "2015-04-07T04Z",
        "2015-04-07T",
        "2015-04-07Z",
        "2015-04-07T04:33:02Z ",
        " 2015-04-07T04:33:02Z",
        "2015-04-07t04:33:02z",
        "2015-04-07 04:33:02Z",
        "2015-04",
        "2015",
        "201504",
        "20150407T04",
        "02015-04-07",
        "+015-04-07",
        "2015-4-07",
        "",
        "T04:33:02Z",
        "2015-04-07T04:33:02ZZ",
        "2015-04-07T04:33:02+05:30:00",
        "２０１５-04-07",
    ] {
        let err = parse_iso8601(bad).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}: {err}");
        let shown = serde_json::to_string(bad).unwrap();
        assert!(
            err.to_string()
                .starts_with(&format!("{shown} is not an ISO 8601 date-time; expected ")),
            "{err}"
        );
        assert!(GregorianSeconds::parse_iso8601(bad).is_err(), "{bad}");
    }
}

/// The date and the time are in one form; a basic time takes no extended offset.
#[test]
fn mixing_basic_and_extended_is_an_error() {
    for mixed in [
        "2015-04-07T043302-05:00",
        "2015-04-07T043302-0500",
        "2015-04-07T043302Z",
        "20150407T04:33:02-05",
        "20150407T04:33:02-0500",
        "20150407T043302-05:00",
        "20150407T0433-05:00",
        "2015-04-07T0433:02Z",
    ] {
        let err = parse_iso8601(mixed).expect_err(mixed);
        assert!(err.to_string().ends_with(
            "expected one form: extended (2015-04-07T04:33:02-05:00, the offset may be -0500) or basic throughout (20150407T043302-0500)"
        ), "{err}");
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let message = |s| parse_iso8601(s).unwrap_err().to_string();
    assert_eq!(
        message("2015-02-30T00:00:00Z"),
        r#""2015-02-30T00:00:00Z" is not an ISO 8601 date-time; expected a day 01–28 in 2015-02"#
    );
    assert_eq!(
        message("2016-02-30"),
        r#""2016-02-30" is not an ISO 8601 date-time; expected a day 01–29 in 2016-02"#
    );
    assert!(message("2015-13-01").ends_with("expected a month 01–12"));
    assert!(
        message("2015-04-07T24:00:00Z")
            .ends_with("expected hours 00–23, minutes 00–59 and seconds 00–59")
    );
    assert!(
        message("2015-04-07T04:33:02+25:00")
            .ends_with("expected an offset under 24 hours (hours 00–23, minutes 00–59)")
    );
    assert!(
        message("2015-04-07T04:33:02.1234567891Z")
            .ends_with("expected at most 9 fraction digits (nanoseconds)")
    );
    assert!(message("2015/04/07").contains("expected YYYY-MM-DD"));
    let long = "9".repeat(10_000);
    assert!(
        message(&long).len() < 400,
        "a long input is shortened in the message"
    );
}

// ---- properties ----

/// Any offset the crate accepts.
fn offsets() -> impl Strategy<Value = UtcOffset> {
    (-1439_i32..=1439).prop_map(|m| UtcOffset::from_seconds(m * 60).unwrap())
}

/// Gregorian seconds within chrono's range.
fn chrono_range() -> impl Strategy<Value = GregorianSeconds> {
    let min = GregorianSeconds::from_datetime(DateTime::<Utc>::MIN_UTC).0;
    let max = GregorianSeconds::from_datetime(DateTime::<Utc>::MAX_UTC).0;
    prop_oneof![
        min..=max,
        0_i64..=400 * 366 * 86_400,
        63_000_000_000_i64..=64_000_000_000
    ]
    .prop_map(GregorianSeconds)
}

/// Gregorian seconds whose local time, at any offset, has a four-digit year
/// (0000-01-02 to 9999-12-30 UTC), so basic forms can be written from them.
fn four_digit_years() -> impl Strategy<Value = GregorianSeconds> {
    let first = 86_400;
    let last = GregorianSeconds::from_datetime(
        DateTime::parse_from_rfc3339("9999-12-30T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
    )
    .0;
    prop_oneof![
        first..=last,
        first..=400 * 366 * 86_400,
        63_000_000_000_i64..=64_000_000_000
    ]
    .prop_map(GregorianSeconds)
}

/// A valid string with a known meaning, and small edits of it.
fn mutated() -> impl Strategy<Value = String> {
    let valid =
        (any::<i64>(), offsets()).prop_map(|(g, o)| GregorianSeconds(g).iso8601_with_offset(o));
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0_u8..3,
            "[-+:.,TZ0-9a-z \u{e9}]",
        ),
        1..4,
    );
    (valid, edits).prop_map(|(s, edits)| {
        let mut chars: Vec<char> = s.chars().collect();
        for (at, op, with) in edits {
            let i = at.index(chars.len() + 1);
            let c = with.chars().next().unwrap();
            match op {
                0 if i < chars.len() => {
                    chars.remove(i);
                }
                1 if i < chars.len() => chars[i] = c,
                _ => chars.insert(i, c),
            }
        }
        chars.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Format then parse is the identity, for every offset.
    #[test]
    fn formatting_then_parsing_is_identity(g in chrono_range(), offset in offsets()) {
        let text = g.iso8601_with_offset(offset);
        prop_assert_eq!(parse_iso8601(&text), g.to_datetime(), "{}", text);
        prop_assert_eq!(GregorianSeconds::parse_iso8601(&text), Ok(g), "{}", text);
    }

    /// Over all of i64, Gregorian seconds read back what they write.
    #[test]
    fn gregorian_seconds_read_back_any_i64(g in any::<i64>(), offset in offsets()) {
        let g = GregorianSeconds(g);
        prop_assert_eq!(GregorianSeconds::parse_iso8601(&g.iso8601()), Ok(g));
        prop_assert_eq!(GregorianSeconds::parse_iso8601(&g.iso8601_with_offset(offset)), Ok(g));
    }

    /// RFC 3339 strings (a subset of ISO 8601) read as chrono reads them, valid or not.
    #[test]
    fn agrees_with_chrono_on_rfc3339(
        year in 0_i32..=9999, month in 0_u32..=13, day in 0_u32..=32,
        hour in 0_u32..=24, minute in 0_u32..=60, second in 0_u32..=59,
        frac in prop::option::of("[0-9]{1,9}"), offset in prop::option::of(offsets()),
    ) {
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        let zone = offset.map_or("Z".to_owned(), |o| o.to_string());
        let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{frac}{zone}");
        let ours = parse_iso8601(&text).ok();
        let chrono = DateTime::parse_from_rfc3339(&text).ok().map(|dt| dt.with_timezone(&Utc));
        prop_assert_eq!(ours, chrono, "{}", text);
        let valid_date = NaiveDate::from_ymd_opt(year, month, day).is_some();
        prop_assert_eq!(ours.is_some(), valid_date && hour < 24 && minute < 60, "{}", text);
    }

    /// The basic form means what the extended form means.
    #[test]
    fn basic_equals_extended(g in four_digit_years(), offset in offsets(), frac in "[0-9]{0,9}") {
        let extended = g.iso8601_with_offset(offset);
        prop_assert!(!extended.starts_with(['-', '+']), "{}", extended);
        let (date_time, zone) = extended.split_at(19);
        let frac = if frac.is_empty() { String::new() } else { format!(".{frac}") };
        let basic = format!("{}{frac}{}", date_time.replace(['-', ':'], ""), zone.replace(':', ""));
        let extended = format!("{date_time}{frac}{zone}");
        prop_assert_eq!(parse_iso8601(&basic), parse_iso8601(&extended), "{} vs {}", basic, extended);
        prop_assert!(parse_iso8601(&basic).is_ok(), "{}", basic);
    }

    /// An extended date-time with a basic offset (`…T04:33:02-0500`, as `strftime`'s `%z`
    /// writes it) means what it means with the extended offset (`-05:00`), with or without
    /// seconds and a fraction, at any year the formatter writes.
    #[test]
    fn extended_with_basic_offset_equals_extended_offset(
        g in chrono_range(), offset in offsets(), frac in "[0-9]{0,9}", seconds in any::<bool>(),
    ) {
        // The local date-time the formatter writes, `…THH:MM:SS`, without its `Z` or `±HH:MM`.
        let written = g.iso8601_with_offset(offset);
        let local = &written[..written.len() - if offset.is_utc() { 1 } else { 6 }];
        let local = match (seconds, frac.is_empty()) {
            (true, true) => local.to_owned(),
            (true, false) => format!("{local}.{frac}"),
            (false, _) => local[..local.len() - 3].to_owned(),
        };
        let (sign, minutes) = (if offset.seconds() < 0 { '-' } else { '+' }, offset.seconds().unsigned_abs() / 60);
        let (hh, mm) = (minutes / 60, minutes % 60);
        let extended = format!("{local}{sign}{hh:02}:{mm:02}");
        let basic = format!("{local}{sign}{hh:02}{mm:02}");
        let expected = if seconds { g.0 } else { g.0 - g.0.rem_euclid(60) };
        prop_assert_eq!(GregorianSeconds::parse_iso8601(&extended), Ok(GregorianSeconds(expected)), "{}", extended);
        prop_assert_eq!(GregorianSeconds::parse_iso8601(&basic), Ok(GregorianSeconds(expected)), "{}", basic);
        // chrono's range starts and ends on a whole minute, so these are in it too.
        prop_assert!(parse_iso8601(&basic).is_ok(), "{}", basic);
        prop_assert_eq!(parse_iso8601(&basic), parse_iso8601(&extended), "{} vs {}", basic, extended);
    }

    /// No string makes the parser panic; what it accepts formats back to the same instant.
    #[test]
    fn never_panics_on_random_strings(s in "\\PC{0,40}|[-+:.,TZ0-9]{0,30}") {
        if let Ok(g) = GregorianSeconds::parse_iso8601(&s) {
            prop_assert_eq!(GregorianSeconds::parse_iso8601(&g.iso8601()), Ok(g));
        }
        let _ = parse_iso8601(&s);
    }

    /// Nor does any small edit of a valid string.
    #[test]
    fn never_panics_on_mutated_strings(s in mutated()) {
        if let Ok(dt) = parse_iso8601(&s) {
            let g = GregorianSeconds::from_datetime(dt);
            prop_assert_eq!(GregorianSeconds::parse_iso8601(&s), Ok(g));
        }
    }
}
