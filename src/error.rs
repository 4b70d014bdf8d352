//! The crate's one error type, and how its messages name the path and the value.

use std::fmt;

/// Every failure this crate reports.
///
/// Each variant names *where* the problem is (`path`, a JSON-style path such as
/// `bindings[2].severity`, empty when the input was a lone value) and *what* the offending
/// value was, rendered as JSON (`"OK"`, `3`, `null`) and shortened when it is long.
///
/// ```
/// use kazoo_records::edr::Severity;
///
/// let err = "OK".parse::<Severity>().unwrap_err();
/// assert_eq!(err.to_string(), r#""OK" is not a severity; expected ok, warning or critical"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value is present but is not one its place admits (wrong type, unknown name, bad syntax).
    #[error("{}{value} is not {what}; expected {expected}", at(path))]
    Invalid {
        /// Where the value was (`bindings[2].severity`); empty for a lone value.
        path: String,
        /// The offending value, rendered as JSON and shortened when long.
        value: String,
        /// What the value should have been (`a severity`).
        what: String,
        /// What is accepted there (`ok, warning or critical`).
        expected: String,
    },
    /// An object holds a key its schema does not know (typo protection).
    #[error("{}unknown key {key:?}; expected one of {expected}", at(path))]
    UnknownKey {
        /// The object holding the key.
        path: String,
        /// The unknown key.
        key: String,
        /// The keys that are accepted there.
        expected: String,
    },
    /// A required key is absent.
    #[error("{}missing required key {key:?}", at(path))]
    MissingKey {
        /// The object that lacks the key.
        path: String,
        /// The required key.
        key: String,
    },
    /// A value is well formed but outside the range its place allows.
    #[error("{}{value} is out of range; expected {expected}", at(path))]
    OutOfRange {
        /// Where the value was.
        path: String,
        /// The offending value.
        value: String,
        /// The range that is accepted.
        expected: String,
    },
    /// Text that should be JSON is not.
    #[error("{}invalid JSON: {message}", at(path))]
    Json {
        /// Where parsing stopped, when known.
        path: String,
        /// The parser's description of the problem.
        message: String,
    },
    /// A subscription with this name is bound already.
    #[error("a subscription named {name:?} is bound already")]
    Exists {
        /// The name that is taken.
        name: String,
    },
    /// A pagination cursor that this query did not issue, or that was altered.
    #[error("{}cursor {value} {reason}", at(path))]
    Cursor {
        /// The parameter that carried the cursor (`start_key`).
        path: String,
        /// The cursor as given, shortened when long.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// Writing to a host-supplied writer failed.
    #[error("writing failed: {message}")]
    Io {
        /// The kind of I/O failure.
        kind: std::io::ErrorKind,
        /// The writer's description of the failure.
        message: String,
    },
    /// A host-supplied store failed while the crate was reading from it.
    #[error("the store failed: {message}")]
    Store {
        /// The store's description of the failure.
        message: String,
    },
}

impl Error {
    /// The path of the offending value (`bindings[2].severity`), or `""` when the error has none.
    pub fn path(&self) -> &str {
        match self {
            Error::Invalid { path, .. }
            | Error::UnknownKey { path, .. }
            | Error::MissingKey { path, .. }
            | Error::OutOfRange { path, .. }
            | Error::Json { path, .. }
            | Error::Cursor { path, .. } => path,
            Error::Exists { .. } | Error::Io { .. } | Error::Store { .. } => "",
        }
    }

    /// A stable, lowercase name for the variant (`invalid`, `unknown_key`, …), for logs and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::UnknownKey { .. } => "unknown_key",
            Error::MissingKey { .. } => "missing_key",
            Error::OutOfRange { .. } => "out_of_range",
            Error::Json { .. } => "json",
            Error::Exists { .. } => "exists",
            Error::Cursor { .. } => "cursor",
            Error::Io { .. } => "io",
            Error::Store { .. } => "store",
        }
    }

    /// Builds an [`Error::Invalid`] for a lone value (no path yet).
    pub(crate) fn invalid(
        value: impl Into<String>,
        what: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            path: String::new(),
            value: value.into(),
            what: what.into(),
            expected: expected.into(),
        }
    }

    /// Builds an [`Error::OutOfRange`] for a lone value (no path yet).
    pub(crate) fn out_of_range(value: impl Into<String>, expected: impl Into<String>) -> Self {
        Error::OutOfRange {
            path: String::new(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// Places the error inside `segment`: a key (`"severity"`) or an index (`"[2]"`).
    ///
    /// Called from the innermost value outwards, so `e.within("severity").within("[2]")`
    /// gives the path `[2].severity`.
    pub(crate) fn within(mut self, segment: &str) -> Self {
        if let Some(path) = self.path_mut() {
            let joined = if path.is_empty() {
                segment.to_owned()
            } else if path.starts_with('[') {
                format!("{segment}{path}")
            } else if segment.is_empty() {
                std::mem::take(path)
            } else {
                format!("{segment}.{path}")
            };
            *path = joined;
        }
        self
    }

    /// [`within`](Self::within) for an array index.
    pub(crate) fn within_index(self, index: usize) -> Self {
        self.within(&format!("[{index}]"))
    }

    fn path_mut(&mut self) -> Option<&mut String> {
        match self {
            Error::Invalid { path, .. }
            | Error::UnknownKey { path, .. }
            | Error::MissingKey { path, .. }
            | Error::OutOfRange { path, .. }
            | Error::Json { path, .. }
            | Error::Cursor { path, .. } => Some(path),
            Error::Exists { .. } | Error::Io { .. } | Error::Store { .. } => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Io {
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

/// The longest rendering of an offending value kept in a message; longer ones are cut with `…`.
const SHOWN_MAX: usize = 80;

/// Renders a JSON value for an error message, shortened when long.
pub(crate) fn show_json(value: &serde_json::Value) -> String {
    shorten(value.to_string())
}

/// Renders a string value for an error message (quoted as JSON), shortened when long.
pub(crate) fn show_str(value: &str) -> String {
    if value.len() > SHOWN_MAX * 4 {
        // Do not quote a megabyte only to cut it: quote the prefix.
        let cut = floor_char_boundary(value, SHOWN_MAX);
        return shorten(serde_json::Value::from(&value[..cut]).to_string() + "…");
    }
    shorten(serde_json::Value::from(value).to_string())
}

/// A prefix of `path` followed by `": "`, or nothing for an empty path.
fn at(path: &str) -> impl fmt::Display + '_ {
    struct At<'a>(&'a str);
    impl fmt::Display for At<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if self.0.is_empty() {
                Ok(())
            } else {
                write!(f, "{}: ", self.0)
            }
        }
    }
    At(path)
}

fn shorten(mut rendered: String) -> String {
    if rendered.chars().count() > SHOWN_MAX {
        let cut = floor_char_boundary(&rendered, SHOWN_MAX);
        rendered.truncate(cut);
        rendered.push('…');
    }
    rendered
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compose_from_the_inside_out() {
        let err = Error::invalid("\"OK\"", "a severity", "ok, warning or critical")
            .within("severity")
            .within_index(2)
            .within("bindings");
        assert_eq!(err.path(), "bindings[2].severity");
        assert_eq!(
            err.to_string(),
            r#"bindings[2].severity: "OK" is not a severity; expected ok, warning or critical"#
        );
    }

    #[test]
    fn long_values_are_shortened_on_a_char_boundary() {
        let long = "é".repeat(10_000);
        let shown = show_str(&long);
        assert!(shown.len() < 4 * SHOWN_MAX, "{}", shown.len());
        assert!(shown.ends_with('…'));
        assert!(shown.starts_with("\"é"));
    }

    #[test]
    fn errors_without_a_path_ignore_within() {
        let err = Error::Exists { name: "a".into() }.within("x");
        assert_eq!(err.path(), "");
        assert_eq!(err.kind(), "exists");
    }
}
