//! `UtcOffset` as a user sees it: parsing every form, limits, display, serde, chrono.

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
        ("-0500", -18_000),
        ("+0530", 19_800),
        ("+05", 18_000),
        ("-09", -32_400),
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
        ("-18000", -18_000),
        ("+3600", 3_600),
        ("-3600", -3_600),
        ("3600", 3_600),
        ("19800", 19_800),
        ("0", 0),
        ("-0", 0),
        ("86340", 86_340),
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
        "",
        "+",
        "-",
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

/// A sign with two or four digits is hours (and minutes) when it can be, else seconds.
#[test]
fn signed_two_and_four_digits_are_hours_when_they_can_be() {
    assert_eq!(secs("+01"), 3_600);
    assert_eq!(secs("-0100"), -3_600);
    assert_eq!(secs("-1800"), -18 * 3_600);
    assert_eq!(secs("+2359"), 86_340);
    assert_eq!(secs("-3600"), -3_600, "36:00 is no offset: seconds");
    assert_eq!(secs("+7200"), 7_200);
    assert_eq!(secs("-60"), -60, "sixty hours is no offset: seconds");
    assert_eq!(secs("-060"), -60, "three digits are seconds");
    assert!(
        UtcOffset::parse("+30").is_err(),
        "neither 30 hours nor a whole minute"
    );
    assert!(
        UtcOffset::parse("+2360").is_err(),
        "neither 23:60 nor a whole minute"
    );
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
        prop_assert_eq!(UtcOffset::parse(&shown.replace(':', "")), Ok(offset));
        // Seconds: unsigned always; signed unless the digits are also a valid ±HH or ±HHMM.
        let seconds = (minutes * 60).unsigned_abs().to_string();
        prop_assert_eq!(UtcOffset::parse(&seconds).map(UtcOffset::seconds), Ok(minutes.abs() * 60));
        let as_hhmm = matches!(seconds.len(), 2 | 4)
            && seconds[..2].parse::<u32>().unwrap() < 24
            && seconds[seconds.len() - 2..].parse::<u32>().unwrap() < 60;
        if !as_hhmm {
            prop_assert_eq!(UtcOffset::parse(&format!("{sign}{seconds}")), Ok(offset));
        }
        if abs % 60 == 0 {
            prop_assert_eq!(UtcOffset::parse(&shown[..3]), Ok(offset));
        }
        let json = serde_json::to_string(&offset).unwrap();
        prop_assert_eq!(serde_json::from_str::<UtcOffset>(&json).unwrap(), offset);
    }

    #[test]
    fn parse_never_panics_and_what_it_accepts_round_trips(s in "\\PC{0,12}|[-+0-9:]{0,8}") {
        if let Ok(offset) = UtcOffset::parse(&s) {
            prop_assert!(is_offset(offset.seconds()));
            prop_assert_eq!(UtcOffset::parse(&offset.to_string()), Ok(offset));
        }
    }
}
