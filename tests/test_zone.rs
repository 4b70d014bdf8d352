//! `Zone`: fixed offsets always; IANA zone names (with daylight saving time) with `tz`.

use kazoo_records::ErrorKind;
use kazoo_records::time::{GregorianSeconds, UtcOffset, Zone};

fn at(s: &str) -> GregorianSeconds {
    GregorianSeconds::parse_iso8601(s).unwrap()
}

#[test]
fn fixed_zones() {
    let g = at("2015-04-08T17:29:49Z");
    let zone = Zone::parse("+05:30").unwrap();
    assert_eq!(
        zone.as_fixed(),
        Some(UtcOffset::from_seconds(19_800).unwrap())
    );
    assert_eq!(
        zone.offset_at(g),
        Ok(UtcOffset::from_seconds(19_800).unwrap())
    );
    assert_eq!(
        zone.offset_at(GregorianSeconds(i64::MIN)),
        zone.offset_at(g),
        "the same at any instant"
    );
    assert_eq!(zone.iso8601_at(g).unwrap(), "2015-04-08T22:59:49+05:30");
    assert_eq!(zone.pretty_at(g).unwrap(), "2015-04-08_22:59:49");
    assert_eq!(Zone::parse("UTC"), Ok(Zone::UTC));
    assert_eq!(
        Zone::parse("-05:00"),
        Ok(Zone::fixed(UtcOffset::from_seconds(-18_000).unwrap()))
    );
    assert_eq!(Zone::default(), Zone::UTC);
    assert_eq!(Zone::from(UtcOffset::UTC), Zone::UTC);
    assert_eq!(Zone::UTC.iso8601_at(g).unwrap(), g.iso8601());
}

#[test]
fn is_a_plain_value_type() {
    fn assert_traits<T: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static>() {}
    assert_traits::<Zone>();
}

#[test]
fn display_debug_and_serde() {
    let zone: Zone = "-09:30".parse().unwrap();
    assert_eq!(zone.to_string(), "-09:30");
    assert_eq!(format!("{zone:?}"), "Zone(-09:30)");
    assert_eq!(serde_json::to_string(&zone).unwrap(), r#""-09:30""#);
    assert_eq!(serde_json::from_str::<Zone>(r#""-09:30""#).unwrap(), zone);
    assert!(serde_json::from_str::<Zone>(r#""Mars/Olympus_Mons""#).is_err());
    assert!(
        serde_json::from_str::<Zone>("3600").is_err(),
        "a zone is a string"
    );
}

#[test]
fn unknown_names_are_errors() {
    for bad in ["Mars/Olympus_Mons", "", "+25:00", "america/new_york "] {
        let err = Zone::parse(bad).unwrap_err();
        let shown = serde_json::to_string(bad).unwrap();
        assert!(
            err.to_string()
                .starts_with(&format!("{shown} is not a time zone; expected ")),
            "{err}"
        );
    }
}

/// As for `UtcOffset::parse`, digits alone (`±HHMM`? seconds?) are no zone.
#[test]
fn digits_alone_are_no_zone() {
    for digits in ["-18000", "-1800", "-0500", "+05", "0", "3600"] {
        let err = Zone::parse(digits).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{digits}");
        assert!(
            err.to_string()
                .starts_with(&format!("{digits:?} is not a time zone; expected ±HH:MM")),
            "{err}"
        );
        assert!(
            serde_json::from_value::<Zone>(digits.into()).is_err(),
            "{digits}"
        );
    }
}

#[cfg(not(feature = "tz"))]
#[test]
fn iana_names_need_the_tz_feature() {
    let err = Zone::parse("America/New_York").unwrap_err();
    assert!(err.to_string().contains("need the `tz` feature"), "{err}");
}

#[cfg(feature = "tz")]
mod iana {
    use super::*;
    use proptest::prelude::*;

    fn offset(s: &str) -> UtcOffset {
        UtcOffset::parse(s).unwrap()
    }

    #[test]
    fn daylight_saving_time_changes_the_offset() {
        let new_york = Zone::parse("America/New_York").unwrap();
        assert_eq!(new_york.to_string(), "America/New_York");
        assert_eq!(new_york.as_fixed(), None);
        for (instant, expected) in [
            // 2015-03-08: clocks went forward at 02:00 EST = 07:00Z.
            ("2015-03-08T06:59:59Z", "-05:00"),
            ("2015-03-08T07:00:00Z", "-04:00"),
            // 2015-11-01: back at 02:00 EDT = 06:00Z.
            ("2015-11-01T05:59:59Z", "-04:00"),
            ("2015-11-01T06:00:00Z", "-05:00"),
        ] {
            assert_eq!(
                new_york.offset_at(at(instant)),
                Ok(offset(expected)),
                "{instant}"
            );
        }
        let summer = at("2015-04-08T17:29:49Z");
        assert_eq!(
            new_york.iso8601_at(summer).unwrap(),
            "2015-04-08T13:29:49-04:00"
        );
        let winter = at("2015-01-08T17:29:49Z");
        assert_eq!(new_york.pretty_at(winter).unwrap(), "2015-01-08_12:29:49");
    }

    #[test]
    fn half_hour_zones_and_half_hour_daylight_saving() {
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(
            kolkata.offset_at(at("2015-04-08T17:29:49Z")),
            Ok(offset("+05:30"))
        );
        let lord_howe = Zone::parse("Australia/Lord_Howe").unwrap();
        assert_eq!(
            lord_howe.offset_at(at("2015-07-01T00:00:00Z")),
            Ok(offset("+10:30"))
        );
        assert_eq!(
            lord_howe.offset_at(at("2015-01-01T00:00:00Z")),
            Ok(offset("+11:00"))
        );
    }

    #[test]
    fn local_mean_time_and_chronos_range_are_errors() {
        // Liberia kept local mean time, -00:44:30, until 1972.
        let monrovia = Zone::parse("Africa/Monrovia").unwrap();
        let err = monrovia.offset_at(at("1960-01-01T00:00:00Z")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        assert_eq!(
            err.to_string(),
            r#""Africa/Monrovia" at 1960-01-01T00:00:00Z (offset -00:44:30) is out of range; expected an offset of a whole number of minutes"#
        );
        assert_eq!(
            monrovia.offset_at(at("2015-07-01T00:00:00Z")),
            Ok(UtcOffset::UTC)
        );
        assert_eq!(
            monrovia
                .offset_at(GregorianSeconds(i64::MAX))
                .unwrap_err()
                .kind(),
            ErrorKind::OutOfRange
        );
    }

    #[test]
    fn iana_serde_and_conversions() {
        let zone = Zone::from(chrono_tz::Tz::Europe__Paris);
        assert_eq!(zone, Zone::iana(chrono_tz::Tz::Europe__Paris));
        assert_eq!(serde_json::to_string(&zone).unwrap(), r#""Europe/Paris""#);
        assert_eq!(
            serde_json::from_str::<Zone>(r#""Europe/Paris""#).unwrap(),
            zone
        );
        assert_eq!(format!("{zone:?}"), "Zone(Europe/Paris)");
        // An offset name stays a fixed zone; the IANA zone of that name is a different zone.
        assert_eq!(Zone::parse("UTC").unwrap().as_fixed(), Some(UtcOffset::UTC));
        assert_ne!(Zone::iana(chrono_tz::Tz::UTC), Zone::UTC);
    }

    proptest! {
        /// Local time written in an IANA zone reads back as the same instant (from 1972,
        /// when Liberia, the last zone on local mean time, moved to whole minutes).
        #[test]
        fn local_time_reads_back(g in 62_230_291_200_i64..66_000_000_000, i in 0_usize..6) {
            let names = ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham"];
            let zone = Zone::parse(names[i]).unwrap();
            let g = GregorianSeconds(g);
            let text = zone.iso8601_at(g).unwrap();
            prop_assert_eq!(GregorianSeconds::parse_iso8601(&text), Ok(g), "{}", text);
        }

        /// Before that, an instant either formats and reads back, or is refused as out of
        /// range (a zone on local mean time, such as St. John's at -03:30:52 until 1935).
        #[test]
        fn older_instants_read_back_or_are_refused(g in 59_000_000_000_i64..62_230_291_200, i in 0_usize..6) {
            let names = ["America/New_York", "Europe/London", "Asia/Kolkata", "Africa/Monrovia", "America/St_Johns", "Pacific/Chatham"];
            let zone = Zone::parse(names[i]).unwrap();
            let g = GregorianSeconds(g);
            match zone.iso8601_at(g) {
                Ok(text) => prop_assert_eq!(GregorianSeconds::parse_iso8601(&text), Ok(g), "{}", text),
                Err(err) => prop_assert_eq!(err.kind(), ErrorKind::OutOfRange),
            }
        }
    }
}
