//! `UnixSeconds`, `UnixMillis` and `UnixMicros` as a user sees them.

use chrono::{DateTime, Utc};
use kazoo_records::ErrorKind;
use kazoo_records::time::{GregorianSeconds, UnixMicros, UnixMillis, UnixSeconds};
use proptest::prelude::*;

#[test]
fn micros_as_kazoo_stores_them() {
    // `channel_created_time` of the inbound CHANNEL_DESTROY fixture's era.
    let created = UnixMicros(1_557_184_198_071_108);
    assert_eq!(created.to_unix_seconds(), UnixSeconds(1_557_184_198));
    assert_eq!(created.to_gregorian(), GregorianSeconds(63_724_403_398));
    assert_eq!(created.subsec_micros(), 71_108);
    assert_eq!(created.decimal_seconds(), "1557184198.071108");
    assert_eq!(created.to_unix_millis(), UnixMillis(1_557_184_198_071));
    assert_eq!(
        UnixMicros::from_gregorian(GregorianSeconds(63_724_403_398)),
        UnixMicros(1_557_184_198_000_000)
    );
    let dt = created.to_datetime().unwrap();
    assert_eq!(
        dt.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "2019-05-06T23:09:58.071108Z"
    );
    assert_eq!(UnixMicros::from_datetime(dt), created);
}

#[test]
fn sub_second_values_round_towards_the_past() {
    let micros = UnixMicros(-1);
    assert_eq!(micros.to_unix_seconds(), UnixSeconds(-1));
    assert_eq!(micros.subsec_micros(), 999_999);
    assert_eq!(micros.decimal_seconds(), "-0.000001");
    assert_eq!(UnixMicros(-1_500_000).decimal_seconds(), "-1.500000");
    assert_eq!(UnixMicros(0).decimal_seconds(), "0.000000");
    let millis = UnixMillis(-1);
    assert_eq!(millis.to_unix_seconds(), UnixSeconds(-1));
    assert_eq!(millis.subsec_millis(), 999);
    assert_eq!(millis.to_gregorian(), GregorianSeconds(62_167_219_199));
    let before = DateTime::UNIX_EPOCH - chrono::Duration::nanoseconds(1);
    assert_eq!(UnixMicros::from_datetime(before), UnixMicros(-1));
    assert_eq!(UnixMillis::from_datetime(before), UnixMillis(-1));
    assert_eq!(UnixSeconds::from_datetime(before), UnixSeconds(-1));
}

#[test]
fn millis() {
    let ms = UnixMillis(1_428_514_189_250);
    assert_eq!(ms.to_gregorian(), GregorianSeconds(63_595_733_389));
    assert_eq!(ms.to_unix_micros(), UnixMicros(1_428_514_189_250_000));
    assert_eq!(
        UnixMillis::from_gregorian(GregorianSeconds(63_595_733_389)),
        UnixMillis(1_428_514_189_000)
    );
    assert_eq!(ms.to_datetime().map(UnixMillis::from_datetime), Ok(ms));
    assert_eq!(
        UnixMillis(i64::MAX).to_unix_micros(),
        UnixMicros(i64::MAX),
        "saturates"
    );
}

#[test]
fn out_of_chrono_range_is_an_error() {
    let max = DateTime::<Utc>::MAX_UTC;
    assert!(UnixSeconds(max.timestamp() + 1).to_datetime().is_err());
    assert!(
        UnixMillis(max.timestamp_millis() + 1)
            .to_datetime()
            .is_err()
    );
    assert!(
        UnixMicros(max.timestamp_micros() + 1)
            .to_datetime()
            .is_err()
    );
    assert!(UnixMicros(max.timestamp_micros()).to_datetime().is_ok());
    let err = UnixSeconds(i64::MAX).to_datetime().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfRange);
    assert!(
        err.to_string()
            .starts_with("9223372036854775807 is out of range; expected Unix seconds from"),
        "{err}"
    );
}

#[test]
fn serde_and_display_are_plain_integers() {
    assert_eq!(serde_json::to_string(&UnixMicros(-5)).unwrap(), "-5");
    assert_eq!(
        serde_json::from_str::<UnixMillis>("1428514189250").unwrap(),
        UnixMillis(1_428_514_189_250)
    );
    assert_eq!(
        serde_json::from_str::<UnixSeconds>("0").unwrap(),
        UnixSeconds(0)
    );
    assert_eq!(UnixMicros(42).to_string(), "42");
    assert_eq!(format!("{:>5}", UnixSeconds(7)), "    7");
}

proptest! {
    #[test]
    fn micros_split_and_reassemble(us in any::<i64>()) {
        let m = UnixMicros(us);
        let whole = i128::from(m.to_unix_seconds().0) * 1_000_000 + i128::from(m.subsec_micros());
        prop_assert_eq!(whole, i128::from(us));
        // The decimal string is the exact value.
        let text = m.decimal_seconds();
        let (int, frac) = text.split_once('.').unwrap();
        prop_assert_eq!(frac.len(), 6);
        let negative = int.starts_with('-');
        let magnitude = int.trim_start_matches('-').parse::<i128>().unwrap() * 1_000_000 + frac.parse::<i128>().unwrap();
        prop_assert_eq!(if negative { -magnitude } else { magnitude }, i128::from(us));
        let in_range = (DateTime::<Utc>::MIN_UTC.timestamp_micros()..=DateTime::<Utc>::MAX_UTC.timestamp_micros()).contains(&us);
        prop_assert_eq!(m.to_datetime().is_ok(), in_range);
        if let Ok(dt) = m.to_datetime() {
            prop_assert_eq!(UnixMicros::from_datetime(dt), m);
        }
    }

    #[test]
    fn millis_split_and_reassemble(ms in any::<i64>()) {
        let m = UnixMillis(ms);
        let whole = i128::from(m.to_unix_seconds().0) * 1_000 + i128::from(m.subsec_millis());
        prop_assert_eq!(whole, i128::from(ms));
        if ms.unsigned_abs() <= (i64::MAX / 1_000).unsigned_abs() {
            prop_assert_eq!(m.to_unix_micros().to_unix_millis(), m);
        } else {
            prop_assert_eq!(m.to_unix_micros(), UnixMicros(if ms < 0 { i64::MIN } else { i64::MAX }));
        }
        if let Ok(dt) = m.to_datetime() {
            prop_assert_eq!(UnixMillis::from_datetime(dt), m);
        }
    }

    #[test]
    fn gregorian_to_sub_seconds_and_back(unix in (i64::MIN / 1_000_000)..=(i64::MAX / 1_000_000)) {
        let g = UnixSeconds(unix).to_gregorian();
        prop_assert_eq!(UnixMicros::from_gregorian(g).to_gregorian(), g);
        prop_assert_eq!(UnixMillis::from_gregorian(g).to_gregorian(), g);
        prop_assert_eq!(UnixMicros::from_gregorian(g).subsec_micros(), 0);
    }

    #[test]
    fn gregorian_to_sub_seconds_saturates(unix in (i64::MAX / 1_000_000 + 1)..=i64::MAX - 62_167_219_200) {
        let g = UnixSeconds(unix).to_gregorian();
        prop_assert_eq!(UnixMicros::from_gregorian(g), UnixMicros(i64::MAX));
        prop_assert_eq!(UnixMicros::from_gregorian(UnixSeconds(-unix).to_gregorian()), UnixMicros(i64::MIN));
    }
}
