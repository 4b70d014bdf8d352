//! `UtcOffset` as a user sees it: parsing every form, seconds, limits, display, serde, chrono.

use kazoo_records::ErrorKind;
use kazoo_records::time::UtcOffset;
use proptest::prelude::*;

fn secs(s: &str) -> i32 {
    UtcOffset::parse(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .seconds()
}

#[test]
fn every_accepted_form() {
    for (text, expected) in [
        ("+05:30", 19_800),
        ("-05:00", -18_000),
        ("-09:00", -32_400),
        ("-00:30", -1_800),
        ("+00:00", 0),
        ("-00:00", 0),
        ("+23:59", 86_340),
        ("-23:59", -86_340),
        ("UTC", 0),
        ("utc", 0),
        ("GMT", 0),
        ("UT", 0),
        ("Z", 0),
        ("z", 0),
        ("Etc/UTC", 0),
        ("etc/gmt", 0),
    ] {
        assert_eq!(secs(text), expected, "{text}");
        assert_eq!(
            text.parse::<UtcOffset>().map(UtcOffset::seconds),
            Ok(expected)
        );
    }
}

#[test]
fn rejects_name_the_input_and_the_forms() {
    let err = UtcOffset::parse("+25:00").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#""+25:00" is not a UTC offset; expected ±HH:MM under 24 hours, a whole number of minutes, UTC, GMT or Z"#
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
    for bad in [
        "+24:00",
        "-24:00",
        "+05:60",
        "+5:30",
        "+5",
        "-5:0",
        "+05:3",
        "+053",
        "05:30",
        "+05:30 ",
        " +05:30",
        "+05:30:00",
        "+0530x",
        "+05:30x",
        "05:30Z",
        "",
        "+",
        "-",
        "+:",
        "+05:",
        "86400",
        "-86400",
        "90",
        "-18001",
        "+30",
        "99999999999999999999",
        "Europe/Paris",
        "EST",
        "\u{2212}05:00",
        "+٠٥:٣٠",
        "UTC+1",
    ] {
        let err = UtcOffset::parse(bad).expect_err(bad);
        assert!(
            err.to_string()
                .starts_with(&format!("{:?} is not a UTC offset", bad)),
            "{err}"
        );
    }
}

/// Text of only a sign and digits could be `±HH`, `±HHMM` or seconds: `parse` reads none of
/// them, with the message of any other refusal.
#[test]
fn parse_refuses_digits_alone() {
    for digits in [
        "-1800", "18000", "-18000", "+3600", "3600", "-3600", "19800", "0", "-0", "+0", "86340",
        "-0500", "+0530", "+05", "-09", "+01", "-0100", "+2359", "-60", "-060", "00", "0000",
    ] {
        let err = UtcOffset::parse(digits).expect_err(digits);
        assert_eq!(err.kind(), ErrorKind::Invalid, "{digits}");
        assert_eq!(
            err.to_string(),
            format!(
                "{digits:?} is not a UTC offset; expected ±HH:MM under 24 hours, a whole number \
                 of minutes, UTC, GMT or Z"
            )
        );
        assert_eq!(digits.parse::<UtcOffset>(), Err(err), "FromStr is parse");
    }
    // Written with the colon, hours and minutes read as such.
    assert_eq!(secs("-18:00"), -18 * 3_600);
    assert_eq!(
        UtcOffset::parse_seconds("-1800").map(UtcOffset::seconds),
        Ok(-1_800)
    );
}

/// KAZOO's `utc_offset`: a decimal integer of seconds, and only that.
#[test]
fn parse_seconds_reads_seconds() {
    for (text, expected) in [
        ("-18000", -18_000),
        ("18000", 18_000),
        ("+3600", 3_600),
        ("-1800", -1_800),
        ("-60", -60),
        ("0", 0),
        ("-0", 0),
        ("+0", 0),
        ("0060", 60),
        ("-00000000000000000000000060", -60),
        ("19800", 19_800),
        ("86340", 86_340),
        ("-86340", -86_340),
    ] {
        assert_eq!(
            UtcOffset::parse_seconds(text).map(UtcOffset::seconds),
            Ok(expected),
            "{text}"
        );
    }
}

#[test]
fn parse_seconds_refuses_anything_else() {
    let err = UtcOffset::parse_seconds("1.5").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(
        err.to_string(),
        r#""1.5" is not a UTC offset in seconds; expected a whole number of minutes under 24 hours (-86340 to 86340), such as -18000"#
    );
    for bad in [
        "99999999999999",
        "-99999999999999",
        "99999999999999999999999999999999",
        "2147483700",
        "-2147483648",
        "86400",
        "-86400",
        "90",
        "-1",
        "-",
        "+",
        "",
        "1.5",
        "60.0",
        " 60",
        "60 ",
        "+ 60",
        "+-60",
        "--60",
        "1e3",
        "0x3c",
        "1_800",
        "-05:00",
        "-0500:",
        "UTC",
        "Z",
        "\u{2212}60",
        "٣٦٠٠",
        "３６００",
    ] {
        let err = UtcOffset::parse_seconds(bad).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}");
        assert_eq!(err.path(), "", "{bad}");
        assert!(
            err.to_string().starts_with(&format!(
                "{bad:?} is not a UTC offset in seconds; expected "
            )),
            "{err}"
        );
    }
}

#[test]
fn from_seconds_limits() {
    for ok in [0, 60, -60, 3_600, -34_200, 50_400, 86_340, -86_340] {
        assert_eq!(UtcOffset::from_seconds(ok).map(UtcOffset::seconds), Ok(ok));
        assert_eq!(UtcOffset::try_from(ok).map(UtcOffset::seconds), Ok(ok));
    }
    for bad in [1, 59, -30, 86_400, -86_400, 90_000, i32::MIN, i32::MAX] {
        let err = UtcOffset::from_seconds(bad).expect_err("not an offset");
        assert!(
            err.to_string()
                .starts_with(&format!("{bad} is not a UTC offset in seconds")),
            "{err}"
        );
    }
}

#[test]
fn display() {
    let shown = |s| UtcOffset::from_seconds(s).unwrap().to_string();
    assert_eq!(shown(19_800), "+05:30");
    assert_eq!(shown(-18_000), "-05:00");
    assert_eq!(shown(0), "+00:00");
    assert_eq!(shown(-34_200), "-09:30");
    assert_eq!(shown(-60), "-00:01");
    assert_eq!(UtcOffset::UTC.to_string(), "+00:00");
    assert_eq!(format!("[{:>8}]", UtcOffset::UTC), "[  +00:00]");
    assert_eq!(UtcOffset::default(), UtcOffset::UTC);
    assert!(UtcOffset::UTC.is_utc() && !UtcOffset::from_seconds(60).unwrap().is_utc());
}

#[test]
fn serde_as_the_string_form() {
    let offset = UtcOffset::from_seconds(-34_200).unwrap();
    assert_eq!(serde_json::to_string(&offset).unwrap(), r#""-09:30""#);
    assert_eq!(
        serde_json::from_str::<UtcOffset>(r#""-09:30""#).unwrap(),
        offset
    );
    assert_eq!(
        serde_json::from_str::<UtcOffset>(r#""GMT""#).unwrap(),
        UtcOffset::UTC
    );
    assert_eq!(serde_json::from_str::<UtcOffset>("-34200").unwrap(), offset);
    // A string is `UtcOffset::parse`'s: digits in a string are not seconds.
    for digits in [r#""-34200""#, r#""-0930""#, r#""3600""#] {
        let err = serde_json::from_str::<UtcOffset>(digits).unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a UTC offset; expected ±HH:MM"),
            "{err}"
        );
    }
    assert_eq!(
        serde_json::from_str::<UtcOffset>("3600").unwrap().seconds(),
        3_600
    );
    let err = serde_json::from_str::<UtcOffset>(r#""+25:00""#).unwrap_err();
    assert!(
        err.to_string().contains(r#""+25:00" is not a UTC offset"#),
        "{err}"
    );
    assert!(serde_json::from_str::<UtcOffset>("90").is_err());
    assert!(serde_json::from_str::<UtcOffset>("18446744073709551615").is_err());
    assert!(serde_json::from_str::<UtcOffset>("1.5").is_err());
    assert!(serde_json::from_str::<UtcOffset>("null").is_err());
}

#[test]
fn chrono_fixed_offsets() {
    let offset = UtcOffset::from_seconds(19_800).unwrap();
    let fixed: chrono::FixedOffset = offset.into();
    assert_eq!(fixed.local_minus_utc(), 19_800);
    assert_eq!(UtcOffset::try_from(fixed), Ok(offset));
    let odd = chrono::FixedOffset::east_opt(-2_670).unwrap(); // Liberia, -00:44:30 until 1972
    assert!(UtcOffset::try_from(odd).is_err());
}

#[test]
fn is_a_plain_value_type() {
    fn assert_traits<T: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static>() {}
    assert_traits::<UtcOffset>();
}

/// The rule, written out naively.
fn is_offset(secs: i32) -> bool {
    -86_400 < secs && secs < 86_400 && secs % 60 == 0
}

proptest! {
    #[test]
    fn from_seconds_follows_the_rule(secs in any::<i32>()) {
        prop_assert_eq!(UtcOffset::from_seconds(secs).is_ok(), is_offset(secs));
    }

    #[test]
    fn every_offset_round_trips_through_every_form(minutes in -1439_i32..=1439) {
        let offset = UtcOffset::from_seconds(minutes * 60).unwrap();
        let (sign, abs) = (if minutes < 0 { '-' } else { '+' }, minutes.unsigned_abs());
        let shown = format!("{sign}{:02}:{:02}", abs / 60, abs % 60);
        prop_assert_eq!(offset.to_string(), shown.clone());
        prop_assert_eq!(UtcOffset::parse(&shown), Ok(offset));
        prop_assert_eq!(shown.parse::<UtcOffset>(), Ok(offset));
        // Without the colon, `parse` reads nothing: `±HHMM`, `±HH` and seconds are refused.
        prop_assert!(UtcOffset::parse(&shown.replace(':', "")).is_err());
        prop_assert!(UtcOffset::parse(&shown[..3]).is_err());
        // Seconds, with or without a sign, are `parse_seconds`'s, and only its.
        let seconds = (minutes * 60).unsigned_abs().to_string();
        for text in [format!("{sign}{seconds}"), seconds] {
            let expected = if text.starts_with('-') { offset.seconds() } else { minutes.abs() * 60 };
            prop_assert_eq!(UtcOffset::parse_seconds(&text).map(UtcOffset::seconds), Ok(expected));
            prop_assert!(UtcOffset::parse(&text).is_err(), "{}", text);
        }
        prop_assert_eq!(UtcOffset::parse_seconds(&offset.seconds().to_string()), Ok(offset));
        let json = serde_json::to_string(&offset).unwrap();
        prop_assert_eq!(serde_json::from_str::<UtcOffset>(&json).unwrap(), offset);
        prop_assert_eq!(serde_json::from_str::<UtcOffset>(&offset.seconds().to_string()).unwrap(), offset);
    }

    /// `parse_seconds` is exactly: an `i64` as Rust reads one, then `from_seconds`.
    #[test]
    fn parse_seconds_is_an_integer_then_from_seconds(
        s in "[-+]?[0-9]{0,24}|[-+ 0-9.e:]{0,10}|\\PC{0,10}",
    ) {
        let naive = s
            .parse::<i64>()
            .ok()
            .and_then(|secs| i32::try_from(secs).ok())
            .and_then(|secs| UtcOffset::from_seconds(secs).ok());
        prop_assert_eq!(UtcOffset::parse_seconds(&s).ok(), naive, "{:?}", s);
    }

    /// Whatever the digits, a sign and digits alone are never an offset to `parse`.
    #[test]
    fn parse_never_reads_digits_alone(s in "[-+]?[0-9]{1,24}") {
        prop_assert!(UtcOffset::parse(&s).is_err(), "{}", s);
    }

    #[test]
    fn parse_never_panics_and_what_it_accepts_round_trips(s in "\\PC{0,12}|[-+0-9:]{0,8}") {
        if let Ok(offset) = UtcOffset::parse(&s) {
            prop_assert!(is_offset(offset.seconds()));
            prop_assert_eq!(UtcOffset::parse(&offset.to_string()), Ok(offset));
        }
    }
}
