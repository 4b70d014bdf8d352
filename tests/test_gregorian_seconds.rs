//! `GregorianSeconds` as a user sees it: conversions, chrono, arithmetic, serde, formatting.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use kazoo_records::ErrorKind;
use kazoo_records::time::{GREGORIAN_UNIX_OFFSET, GregorianSeconds, UnixSeconds, UtcOffset};
use proptest::prelude::*;

fn chrono_min() -> i64 {
    GregorianSeconds::from_datetime(DateTime::<Utc>::MIN_UTC).0
}

fn chrono_max() -> i64 {
    GregorianSeconds::from_datetime(DateTime::<Utc>::MAX_UTC).0
}

#[test]
fn the_epochs() {
    assert_eq!(GREGORIAN_UNIX_OFFSET, 62_167_219_200);
    assert_eq!(
        GregorianSeconds(0).to_datetime().unwrap(),
        Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(
        GregorianSeconds(GREGORIAN_UNIX_OFFSET).to_unix(),
        UnixSeconds(0)
    );
    assert_eq!(
        GregorianSeconds::from_datetime(DateTime::UNIX_EPOCH),
        GregorianSeconds(GREGORIAN_UNIX_OFFSET)
    );
}

#[test]
fn from_datetime_floors_to_the_second() {
    let dt = Utc.with_ymd_and_hms(2015, 4, 8, 17, 29, 49).unwrap();
    let g = GregorianSeconds(63_595_733_389);
    assert_eq!(GregorianSeconds::from_datetime(dt), g);
    assert_eq!(
        GregorianSeconds::from_datetime(dt + chrono::Duration::nanoseconds(999_999_999)),
        g
    );
    assert_eq!(
        GregorianSeconds::from(dt - chrono::Duration::nanoseconds(1)),
        GregorianSeconds(g.0 - 1)
    );
    // Before the epoch too: towards the past.
    let before = DateTime::UNIX_EPOCH - chrono::Duration::milliseconds(1);
    assert_eq!(
        GregorianSeconds::from_datetime(before),
        GregorianSeconds(GREGORIAN_UNIX_OFFSET - 1)
    );
}

#[test]
fn to_datetime_fails_outside_chronos_range() {
    let last_second = DateTime::from_timestamp(DateTime::<Utc>::MAX_UTC.timestamp(), 0).unwrap();
    assert_eq!(
        GregorianSeconds(chrono_max()).to_datetime(),
        Ok(last_second)
    );
    assert_eq!(
        GregorianSeconds(chrono_min()).to_datetime(),
        Ok(DateTime::<Utc>::MIN_UTC)
    );
    for g in [chrono_max() + 1, chrono_min() - 1, i64::MAX, i64::MIN] {
        let err = GregorianSeconds(g).to_datetime().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        assert!(
            err.to_string().starts_with(&format!(
                "{g} is out of range; expected Gregorian seconds from"
            )),
            "{err}"
        );
        assert!(DateTime::<Utc>::try_from(GregorianSeconds(g)).is_err());
    }
}

#[test]
fn checked_arithmetic() {
    let g = GregorianSeconds(63_595_733_389);
    assert_eq!(
        g.checked_add_seconds(60),
        Some(GregorianSeconds(63_595_733_449))
    );
    assert_eq!(
        g.checked_sub_seconds(60),
        Some(GregorianSeconds(63_595_733_329))
    );
    assert_eq!(g.checked_add_seconds(-60), g.checked_sub_seconds(60));
    assert_eq!(GregorianSeconds(i64::MAX).checked_add_seconds(1), None);
    assert_eq!(GregorianSeconds(i64::MIN).checked_sub_seconds(1), None);
    assert_eq!(GregorianSeconds(0).checked_sub_seconds(i64::MIN), None);
}

#[test]
fn serde_and_display_are_the_plain_integer() {
    let g = GregorianSeconds(63_595_733_389);
    assert_eq!(serde_json::to_string(&g).unwrap(), "63595733389");
    assert_eq!(
        serde_json::from_str::<GregorianSeconds>("63595733389").unwrap(),
        g
    );
    assert!(serde_json::from_str::<GregorianSeconds>("\"63595733389\"").is_err());
    assert_eq!(g.to_string(), "63595733389");
    assert_eq!(i64::from(g), 63_595_733_389);
}

#[test]
fn now_is_the_system_clock() {
    let before = GregorianSeconds::from_datetime(Utc::now());
    let now = GregorianSeconds::now();
    let after = GregorianSeconds::from_datetime(Utc::now());
    assert!(before <= now && now <= after, "{before} {now} {after}");
}

#[test]
fn formats_years_outside_four_digits() {
    let g = GregorianSeconds::parse_iso8601("+10000-03-01T12:00:00Z").unwrap();
    assert_eq!(g.iso8601(), "+10000-03-01T12:00:00Z");
    assert_eq!(g.iso8601_date(), "+10000-03-01");
    assert_eq!(g.pretty(), "+10000-03-01_12:00:00");
    assert_eq!(g.rfc1036(), "Wed, 01 Mar +10000 12:00:00 GMT");
    // Year -1, and the ends of i64, worked out independently (400-year cycles of 146 097 days).
    for (g, iso, rfc) in [
        (
            -1,
            "-0001-12-31T23:59:59Z",
            "Fri, 31 Dec -0001 23:59:59 GMT",
        ),
        (
            i64::MAX,
            "+292277024626-12-05T15:30:07Z",
            "Tue, 05 Dec +292277024626 15:30:07 GMT",
        ),
        (
            i64::MIN,
            "-292277024627-01-26T08:29:52Z",
            "Tue, 26 Jan -292277024627 08:29:52 GMT",
        ),
    ] {
        assert_eq!(GregorianSeconds(g).iso8601(), iso);
        assert_eq!(GregorianSeconds(g).rfc1036(), rfc);
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_traits<T: Copy + Eq + Ord + std::hash::Hash + std::fmt::Debug + Send + Sync>() {}
    assert_traits::<GregorianSeconds>();
    assert_traits::<UnixSeconds>();
    assert_traits::<kazoo_records::time::UnixMillis>();
    assert_traits::<kazoo_records::time::UnixMicros>();
}

fn offsets() -> impl Strategy<Value = UtcOffset> {
    (-1439_i32..=1439).prop_map(|m| UtcOffset::from_seconds(m * 60).unwrap())
}

fn chrono_range() -> impl Strategy<Value = GregorianSeconds> {
    prop_oneof![
        chrono_min()..=chrono_max(),
        60_000_000_000_i64..=70_000_000_000
    ]
    .prop_map(GregorianSeconds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Gregorian ⟷ Unix is exact wherever both fit in i64.
    #[test]
    fn gregorian_unix_round_trip(g in (i64::MIN + GREGORIAN_UNIX_OFFSET)..=i64::MAX) {
        let g = GregorianSeconds(g);
        let unix = g.to_unix();
        prop_assert_eq!(i128::from(unix.0), i128::from(g.0) - i128::from(GREGORIAN_UNIX_OFFSET));
        prop_assert_eq!(unix.to_gregorian(), g);
        prop_assert_eq!(GregorianSeconds::from(UnixSeconds::from(g)), g);
    }

    /// Beyond that, the conversions saturate instead of wrapping.
    #[test]
    fn gregorian_unix_saturate(g in i64::MIN..(i64::MIN + GREGORIAN_UNIX_OFFSET)) {
        prop_assert_eq!(GregorianSeconds(g).to_unix(), UnixSeconds(i64::MIN));
        prop_assert_eq!(UnixSeconds(i64::MAX - (g - i64::MIN)).to_gregorian(), GregorianSeconds(i64::MAX));
    }

    /// Gregorian ⟷ Unix ⟷ chrono over all of chrono's range.
    #[test]
    fn chrono_round_trip(g in chrono_range(), nanos in 0_u32..1_000_000_000) {
        let dt = g.to_datetime().unwrap();
        prop_assert_eq!(dt.timestamp(), g.to_unix().0);
        prop_assert_eq!(GregorianSeconds::from_datetime(dt), g);
        prop_assert_eq!(g.to_unix().to_datetime(), Ok(dt));
        prop_assert_eq!(UnixSeconds::from_datetime(dt), g.to_unix());
        let later = DateTime::from_timestamp(dt.timestamp(), nanos).unwrap();
        prop_assert_eq!(GregorianSeconds::from_datetime(later), g);
    }

    /// The formatters agree with chrono's formatting, wherever chrono can format.
    #[test]
    fn formatters_agree_with_chrono(g in chrono_range(), offset in offsets()) {
        let dt = g.to_datetime().unwrap();
        prop_assert_eq!(g.iso8601(), dt.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        prop_assert_eq!(g.iso8601_date(), dt.format("%Y-%m-%d").to_string());
        prop_assert_eq!(g.pretty(), dt.format("%Y-%m-%d_%H:%M:%S").to_string());
        prop_assert_eq!(g.rfc1036(), dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        let fixed = FixedOffset::east_opt(offset.seconds()).unwrap();
        let local = fixed.from_utc_datetime(&dt.naive_utc());
        let expected = if offset.is_utc() {
            local.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
        };
        prop_assert_eq!(g.iso8601_with_offset(offset), expected);
        prop_assert_eq!(g.pretty_with_offset(offset), local.format("%Y-%m-%d_%H:%M:%S").to_string());
    }

    /// Any i64 formats, with every offset, in the documented shape.
    #[test]
    fn formatters_never_panic(g in any::<i64>(), offset in offsets()) {
        let g = GregorianSeconds(g);
        let iso = g.iso8601_with_offset(offset);
        let tail = if offset.is_utc() { "Z".to_owned() } else { offset.to_string() };
        prop_assert!(iso.ends_with(&tail), "{}", iso);
        let date_time = &iso[..iso.len() - tail.len()];
        prop_assert_eq!(&date_time[date_time.len() - 9..date_time.len() - 8], "T");
        prop_assert_eq!(g.pretty_with_offset(offset), date_time.replacen('T', "_", 1));
        prop_assert!(g.rfc1036().ends_with(" GMT"));
        prop_assert!(g.iso8601().starts_with(&g.iso8601_date()));
    }
}
