//! CDR ids and interaction ids, as a user sees them.

use kazoo_records::ErrorKind;
use kazoo_records::cdr::{Cdr, CdrId, InteractionId};
use kazoo_records::time::{Clock, GregorianSeconds};
use proptest::prelude::*;

#[test]
fn the_fixture_interaction_id_is_its_start_time() {
    let id = InteractionId::parse("63724403398-af5b9a0e").unwrap();
    assert_eq!(id.time(), GregorianSeconds(63_724_403_398));
    assert_eq!(id.time().iso8601(), "2019-05-06T23:09:58Z");
    assert_eq!(id.key(), "af5b9a0e");
    assert_eq!(id.to_string(), "63724403398-af5b9a0e");
    assert_eq!(
        "63724403398-af5b9a0e".parse::<InteractionId>(),
        Ok(id.clone())
    );
    assert_eq!(
        serde_json::to_string(&id).unwrap(),
        r#""63724403398-af5b9a0e""#
    );
    assert_eq!(
        serde_json::from_str::<InteractionId>(r#""63724403398-af5b9a0e""#).unwrap(),
        id
    );
}

#[test]
fn malformed_interaction_ids_are_errors_naming_the_text() {
    for bad in [
        "63724403398af5b9a0e",
        "",
        "-",
        "63724403398-",
        "6372440339-ab",
        "637244033981-ab",
        "6372440339x-ab",
        "+6372440339-ab",
        "63724403398-a b",
        "63724403398-\u{7}",
    ] {
        let err = InteractionId::parse(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad:?}");
        assert!(
            err.to_string()
                .starts_with(&serde_json::to_string(bad).unwrap()),
            "{err}"
        );
        assert!(
            err.to_string().contains("is not an interaction id"),
            "{err}"
        );
    }
    let err = serde_json::from_str::<InteractionId>(r#""x""#).unwrap_err();
    assert!(
        err.to_string().contains(r#""x" is not an interaction id"#),
        "{err}"
    );
    assert!(serde_json::from_str::<InteractionId>("5").is_err());
}

#[test]
fn new_interaction_ids_need_11_digit_times_and_a_key() {
    assert_eq!(
        InteractionId::new(GregorianSeconds(63_724_403_398), "k")
            .unwrap()
            .as_str(),
        "63724403398-k"
    );
    for time in [9_999_999_999, 100_000_000_000, -1, i64::MIN] {
        assert_eq!(
            InteractionId::new(GregorianSeconds(time), "k")
                .unwrap_err()
                .kind(),
            ErrorKind::OutOfRange
        );
    }
    assert_eq!(
        InteractionId::new(GregorianSeconds(63_724_403_398), "")
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn generated_interaction_ids_use_the_clock_and_8_random_hex_digits() {
    let clock = || GregorianSeconds(63_724_403_398);
    let dyn_clock: &dyn Clock = &clock;
    let a = InteractionId::generate(dyn_clock).unwrap();
    let b = InteractionId::generate(&clock).unwrap();
    let c = InteractionId::generate_at(GregorianSeconds(63_724_403_398)).unwrap();
    for id in [&a, &b, &c] {
        assert_eq!(id.time(), GregorianSeconds(63_724_403_398));
        assert_eq!(id.key().len(), 8);
        assert!(
            id.key()
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{id}"
        );
        assert_eq!(InteractionId::parse(id.as_str()).as_ref(), Ok(id));
    }
    assert!(a != b || b != c, "three random keys in a row were equal");
    assert!(InteractionId::generate(&|| GregorianSeconds(0)).is_err());
}

#[test]
fn cdr_ids() {
    let id = CdrId::parse("201905-SD80b4301-08cad0a2").unwrap();
    assert_eq!((id.year(), id.month()), (2019, 5));
    assert_eq!(id.call_id(), "SD80b4301-08cad0a2");
    assert_eq!(id.time().iso8601(), "2019-05-01T00:00:00Z");
    assert_eq!(
        serde_json::to_string(&id).unwrap(),
        r#""201905-SD80b4301-08cad0a2""#
    );
    assert_eq!(
        serde_json::from_str::<CdrId>(r#""201905-SD80b4301-08cad0a2""#).unwrap(),
        id
    );
    for bad in [
        "",
        "201905",
        "201905-",
        "201913-a",
        "201900-a",
        "20190-a",
        "2019O5-a",
        "-a",
        "2019-05-a",
    ] {
        let err = CdrId::parse(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad:?}");
        assert!(
            err.to_string()
                .contains("is not a CDR id; expected YYYYMM-<call id>"),
            "{err}"
        );
    }
    // Month boundaries in UTC.
    assert_eq!(
        CdrId::new(GregorianSeconds(63_723_887_999), "x")
            .unwrap()
            .as_str(),
        "201904-x"
    );
    assert_eq!(
        CdrId::new(GregorianSeconds(63_723_888_000), "x")
            .unwrap()
            .as_str(),
        "201905-x"
    );
    assert_eq!(
        CdrId::new(GregorianSeconds(0), "x").unwrap().as_str(),
        "000001-x"
    );
    assert_eq!(
        CdrId::new(GregorianSeconds(-1), "x").unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
    assert_eq!(
        CdrId::new(GregorianSeconds(63_723_888_000), "")
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
    assert_eq!(
        CdrId::generate(&|| GregorianSeconds(63_723_888_000), "y")
            .unwrap()
            .as_str(),
        "201905-y"
    );
}

#[test]
fn a_cdrs_id_is_the_month_of_its_timestamp() {
    let cdr = Cdr::from_json_str(
        r#"{"call_id": "leg", "timestamp": 63723888000, "duration_seconds": 10}"#,
    )
    .unwrap();
    // Started in April, ended (and was stored) in May.
    assert_eq!(cdr.cdr_id().unwrap().as_str(), "201905-leg");
    let far = Cdr::from_json_str(r#"{"call_id": "leg", "timestamp": -5}"#).unwrap();
    assert_eq!(far.cdr_id().unwrap_err().path(), "timestamp");
}

proptest! {
    #[test]
    fn interaction_ids_round_trip(time in 10_000_000_000i64..=99_999_999_999, key in "[0-9a-f]{8}|[A-Za-z0-9_.-]{1,20}") {
        let id = InteractionId::new(GregorianSeconds(time), &key).unwrap();
        let text = id.to_string();
        let parsed = InteractionId::parse(&text).unwrap();
        prop_assert_eq!(parsed.time(), GregorianSeconds(time));
        prop_assert_eq!(parsed.key(), key.as_str());
        prop_assert_eq!(parsed, id);
    }

    #[test]
    fn interaction_id_parsing_never_panics(text in "[0-9]{9,12}-[ -~]{0,12}|[0-9]{11}-\\PC{0,8}|\\PC{0,20}") {
        if let Ok(id) = InteractionId::parse(&text) {
            prop_assert_eq!(id.as_str(), text.as_str());
            prop_assert_eq!(format!("{:011}-{}", id.time().0, id.key()), text);
        }
    }

    #[test]
    fn cdr_ids_agree_with_chrono(time in 0i64..=315_537_897_599, call_id in "[A-Za-z0-9-]{1,12}") {
        let id = CdrId::new(GregorianSeconds(time), &call_id).unwrap();
        let utc = chrono::DateTime::from_timestamp(time - 62_167_219_200, 0).unwrap();
        prop_assert_eq!(id.as_str(), format!("{}-{call_id}", utc.format("%Y%m")));
        prop_assert_eq!(CdrId::parse(id.as_str()).unwrap(), id.clone());
        prop_assert!(id.time() <= GregorianSeconds(time));
        prop_assert_eq!(id.call_id(), call_id.as_str());
    }

    #[test]
    fn cdr_id_parsing_never_panics(text in "[0-9]{5,7}-[ -~]{0,12}|[0-9]{6}-\\PC{0,8}|\\PC{0,20}") {
        if let Ok(id) = CdrId::parse(&text) {
            prop_assert_eq!(id.to_string(), text);
        }
    }
}
