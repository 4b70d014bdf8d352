//! `edr::Severity` and `edr::Verbosity`.

use kazoo_records::edr::{Severity, Verbosity};
use kazoo_records::{Error, ErrorKind};

#[test]
fn levels_are_ordered_by_significance() {
    assert!(Severity::Ok < Severity::Warning && Severity::Warning < Severity::Critical);
    let names: Vec<String> = Verbosity::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["trace", "debug", "info", "warn", "error", "fatal"]);
    assert!(Verbosity::ALL.windows(2).all(|w| w[0] < w[1]));
    assert!(
        Verbosity::ALL
            .iter()
            .enumerate()
            .all(|(i, v)| *v as usize == i)
    );
    assert!(
        Severity::ALL
            .iter()
            .enumerate()
            .all(|(i, s)| *s as usize == i)
    );
}

#[test]
fn parsing_is_exact_and_round_trips() {
    for s in Severity::ALL {
        assert_eq!(s.as_str().parse::<Severity>().unwrap(), s);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        assert_eq!(
            serde_json::from_str::<Severity>(&format!("\"{s}\"")).unwrap(),
            s
        );
    }
    for v in Verbosity::ALL {
        assert_eq!(v.as_str().parse::<Verbosity>().unwrap(), v);
        assert_eq!(
            serde_json::from_value::<Verbosity>(serde_json::json!(v.as_str())).unwrap(),
            v
        );
    }
    for bad in ["OK", "Ok", " ok", "ok ", "", "info", "crit"] {
        let err = bad.parse::<Severity>().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is not a severity; expected ok, warning or critical",
                serde_json::json!(bad)
            )
        );
        assert!(err.kind() == ErrorKind::Invalid);
    }
    let err = "WARN".parse::<Verbosity>().unwrap_err();
    assert_eq!(
        err.to_string(),
        r#""WARN" is not a verbosity; expected trace, debug, info, warn, error or fatal"#
    );
    let err = serde_json::from_str::<Severity>("\"OK\"").unwrap_err();
    assert!(
        err.to_string().contains(r#""OK" is not a severity"#),
        "{err}"
    );
    assert!(serde_json::from_str::<Severity>("1").is_err());
}

#[test]
fn public_types_are_send_sync_debug() {
    fn check<T: Send + Sync + std::fmt::Debug + 'static>() {}
    check::<Severity>();
    check::<Verbosity>();
    check::<kazoo_records::edr::Binding>();
    check::<kazoo_records::edr::Event>();
    check::<kazoo_records::edr::EventId>();
    check::<kazoo_records::edr::Names>();
    check::<kazoo_records::edr::Levels<Severity>>();
    check::<kazoo_records::edr::Levels<Verbosity>>();
    check::<kazoo_records::edr::App>();
    check::<Error>();
}
