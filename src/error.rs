//! The crate's one error type, and how its messages name the path and the value.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Every failure this crate reports.
///
/// An error names *where* the problem is ([`path`](Self::path), a JSON-style path such as
/// `bindings[2].severity`, empty when the input was a lone value) and *what* the offending value
/// was, rendered as JSON (`"OK"`, `3`, `null`) and shortened when it is long. Its
/// [`kind`](Self::kind) says which sort of failure it is, for code that reacts to it; a failure
/// of something the host handed in (a writer, a store) keeps the host's error as its
/// [`source`](StdError::source).
///
/// ```
/// use kazoo_records::ErrorKind;
/// use kazoo_records::edr::bindings_from_json;
///
/// let err = bindings_from_json(&serde_json::json!([{}, {}, {"severity": "OK"}])).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Invalid);
/// assert_eq!(err.path(), "bindings[2].severity");
/// assert_eq!(err.to_string(), r#"bindings[2].severity: "OK" is not a severity; expected ok, warning or critical"#);
/// ```
#[derive(Clone)]
pub struct Error(Box<Repr>);

/// Which sort of failure an [`Error`] is.
///
/// Its `Display` is a stable lowercase name (`invalid`, `unknown_key`, …), for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value is present but is not one its place admits (wrong type, unknown name, bad syntax).
    Invalid,
    /// An object holds a key its schema does not know (typo protection).
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value is well formed but outside the range its place allows.
    OutOfRange,
    /// Text that should be JSON is not.
    Json,
    /// A subscription with this name is bound already.
    Exists,
    /// A pagination cursor that this query did not issue, or that was altered.
    Cursor,
    /// Writing to a host-supplied writer failed.
    Io,
    /// A host-supplied store failed, or answered against its contract.
    Store,
}

impl ErrorKind {
    fn name(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid",
            ErrorKind::UnknownKey => "unknown_key",
            ErrorKind::MissingKey => "missing_key",
            ErrorKind::OutOfRange => "out_of_range",
            ErrorKind::Json => "json",
            ErrorKind::Exists => "exists",
            ErrorKind::Cursor => "cursor",
            ErrorKind::Io => "io",
            ErrorKind::Store => "store",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone)]
struct Repr {
    /// Where the value was (`bindings[2].severity`); empty for a lone value or a pathless kind.
    path: String,
    detail: Detail,
    /// The host's error behind an `Io` or `Store` failure, or the JSON parser's.
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

/// What the message says, by kind. Values are already rendered for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Detail {
    Invalid {
        value: String,
        what: String,
        expected: String,
    },
    UnknownKey {
        key: String,
        expected: String,
    },
    MissingKey {
        key: String,
    },
    OutOfRange {
        value: String,
        expected: String,
    },
    Json {
        message: String,
    },
    Exists {
        name: String,
    },
    Cursor {
        value: String,
        reason: String,
    },
    Io {
        message: String,
    },
    Store {
        message: String,
    },
}

impl Error {
    /// Which sort of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self.0.detail {
            Detail::Invalid { .. } => ErrorKind::Invalid,
            Detail::UnknownKey { .. } => ErrorKind::UnknownKey,
            Detail::MissingKey { .. } => ErrorKind::MissingKey,
            Detail::OutOfRange { .. } => ErrorKind::OutOfRange,
            Detail::Json { .. } => ErrorKind::Json,
            Detail::Exists { .. } => ErrorKind::Exists,
            Detail::Cursor { .. } => ErrorKind::Cursor,
            Detail::Io { .. } => ErrorKind::Io,
            Detail::Store { .. } => ErrorKind::Store,
        }
    }

    /// The path of the offending value (`bindings[2].severity`), or `""` when the error has none.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// A failure of a host's store (an [`OrderedStore`](crate::cdr::OrderedStore) or anything
    /// else the host hands in that reads or writes records), keeping `source` as the error's
    /// [`source`](StdError::source).
    ///
    /// ```
    /// use std::error::Error as _;
    /// use kazoo_records::{Error, ErrorKind};
    ///
    /// let err = Error::store(std::io::Error::other("disk full"));
    /// assert_eq!(err.kind(), ErrorKind::Store);
    /// assert_eq!(err.to_string(), "the store failed: disk full");
    /// assert_eq!(err.source().unwrap().to_string(), "disk full");
    /// ```
    pub fn store(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Error {
        let source: Arc<dyn StdError + Send + Sync> = Arc::from(source.into());
        Error::new(Detail::Store {
            message: source.to_string(),
        })
        .with_source(source)
    }

    fn new(detail: Detail) -> Error {
        Error(Box::new(Repr {
            path: String::new(),
            detail,
            source: None,
        }))
    }

    fn with_source(mut self, source: Arc<dyn StdError + Send + Sync>) -> Error {
        self.0.source = Some(source);
        self
    }

    /// A value that is not one its place admits, for a lone value (no path yet).
    pub(crate) fn invalid(
        value: impl Into<String>,
        what: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Error::new(Detail::Invalid {
            value: value.into(),
            what: what.into(),
            expected: expected.into(),
        })
    }

    /// A well-formed value outside its range, for a lone value (no path yet).
    pub(crate) fn out_of_range(value: impl Into<String>, expected: impl Into<String>) -> Self {
        Error::new(Detail::OutOfRange {
            value: value.into(),
            expected: expected.into(),
        })
    }

    /// A key the object's schema does not know; `expected` lists the keys it does.
    pub(crate) fn unknown_key(key: impl Into<String>, expected: impl Into<String>) -> Self {
        Error::new(Detail::UnknownKey {
            key: key.into(),
            expected: expected.into(),
        })
    }

    /// A required key that is absent.
    pub(crate) fn missing_key(key: impl Into<String>) -> Self {
        Error::new(Detail::MissingKey { key: key.into() })
    }

    /// Text that is not JSON, keeping the parser's error as the source.
    pub(crate) fn json(error: serde_json::Error) -> Self {
        Error::new(Detail::Json {
            message: error.to_string(),
        })
        .with_source(Arc::new(error))
    }

    /// A subscription name that is bound already.
    pub(crate) fn exists(name: impl Into<String>) -> Self {
        Error::new(Detail::Exists { name: name.into() })
    }

    /// A refused cursor: `value` as rendered for the message, and why.
    pub(crate) fn cursor(value: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::new(Detail::Cursor {
            value: value.into(),
            reason: reason.into(),
        })
    }

    /// A store that answered against its contract (no host error behind it).
    pub(crate) fn store_contract(message: impl Into<String>) -> Self {
        Error::new(Detail::Store {
            message: message.into(),
        })
    }

    /// Places the error inside `segment`: a key (`"severity"`) or an index (`"[2]"`).
    ///
    /// Called from the innermost value outwards, so `e.within("severity").within("[2]")`
    /// gives the path `[2].severity`. Kinds without a path (exists, io, store) ignore it.
    pub(crate) fn within(mut self, segment: &str) -> Self {
        if matches!(
            self.0.detail,
            Detail::Exists { .. } | Detail::Io { .. } | Detail::Store { .. }
        ) {
            return self;
        }
        let path = &mut self.0.path;
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
        self
    }

    /// [`within`](Self::within) for an array index.
    pub(crate) fn within_index(self, index: usize) -> Self {
        self.within(&format!("[{index}]"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = at(&self.0.path);
        match &self.0.detail {
            Detail::Invalid {
                value,
                what,
                expected,
            } => write!(f, "{at}{value} is not {what}; expected {expected}"),
            Detail::UnknownKey { key, expected } => {
                write!(f, "{at}unknown key {key:?}; expected one of {expected}")
            }
            Detail::MissingKey { key } => write!(f, "{at}missing required key {key:?}"),
            Detail::OutOfRange { value, expected } => {
                write!(f, "{at}{value} is out of range; expected {expected}")
            }
            Detail::Json { message } => write!(f, "{at}invalid JSON: {message}"),
            Detail::Exists { name } => write!(f, "a subscription named {name:?} is bound already"),
            Detail::Cursor { value, reason } => write!(f, "{at}cursor {value} {reason}"),
            Detail::Io { message } => write!(f, "writing failed: {message}"),
            Detail::Store { message } => write!(f, "the store failed: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.kind())
            .field("path", &self.0.path)
            .field("message", &self.to_string());
        if let Some(source) = &self.0.source {
            s.field("source", source);
        }
        s.finish()
    }
}

/// Two errors are equal when they say the same thing at the same path: kind, path and message.
/// A source is compared by its message only.
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        self.0.path == other.0.path && self.0.detail == other.0.detail
    }
}

impl Eq for Error {}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<std::io::Error> for Error {
    /// A failed write to a host's writer; the `io::Error` is kept as the source.
    fn from(err: std::io::Error) -> Self {
        Error::new(Detail::Io {
            message: err.to_string(),
        })
        .with_source(Arc::new(err))
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
    fn host_errors_are_kept_as_the_source() {
        let err = Error::from(std::io::Error::other("pipe closed"));
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(err.to_string(), "writing failed: pipe closed");
        let source = err.source().expect("an io error keeps its source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("the io::Error itself");
        assert_eq!(io.kind(), std::io::ErrorKind::Other);
        assert!(Error::missing_key("call_id").source().is_none());
    }

    #[test]
    fn error_is_small_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
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
        let err = Error::exists("a").within("x");
        assert_eq!(err.path(), "");
        assert_eq!(err.kind(), ErrorKind::Exists);
        assert_eq!(
            err.to_string(),
            r#"a subscription named "a" is bound already"#
        );
    }
}
