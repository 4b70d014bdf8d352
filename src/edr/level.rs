//! The two EDR levels: [`Severity`] and [`Verbosity`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, show_str};

/// How bad an event is, least to most significant: `ok < warning < critical`.
///
/// Written and parsed with lowercase names; parsing is exact.
///
/// ```
/// use kazoo_records::edr::Severity;
///
/// assert!(Severity::Ok < Severity::Critical);
/// assert_eq!("warning".parse::<Severity>()?, Severity::Warning);
/// assert_eq!(Severity::Critical.to_string(), "critical");
/// assert!("Warning".parse::<Severity>().is_err());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Nothing is wrong.
    Ok,
    /// Something needs attention.
    Warning,
    /// Something is broken.
    Critical,
}

/// How much detail an event carries, least to most significant:
/// `trace < debug < info < warn < error < fatal`.
///
/// Written and parsed with lowercase names; parsing is exact.
///
/// ```
/// use kazoo_records::edr::Verbosity;
///
/// assert!(Verbosity::Info < Verbosity::Fatal);
/// assert_eq!("debug".parse::<Verbosity>()?, Verbosity::Debug);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verbosity {
    /// The finest detail.
    Trace,
    /// Detail for debugging.
    Debug,
    /// Ordinary information.
    Info,
    /// A warning.
    Warn,
    /// An error.
    Error,
    /// A fatal error.
    Fatal,
}

impl Severity {
    /// Every severity, least significant first.
    pub const ALL: [Severity; 3] = [Severity::Ok, Severity::Warning, Severity::Critical];

    /// The lowercase name (`"ok"`, `"warning"`, `"critical"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The position in [`Severity::ALL`] (0 for `ok`).
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl Verbosity {
    /// Every verbosity, least significant first.
    pub const ALL: [Verbosity; 6] = [
        Verbosity::Trace,
        Verbosity::Debug,
        Verbosity::Info,
        Verbosity::Warn,
        Verbosity::Error,
        Verbosity::Fatal,
    ];

    /// The lowercase name (`"trace"` … `"fatal"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Verbosity::Trace => "trace",
            Verbosity::Debug => "debug",
            Verbosity::Info => "info",
            Verbosity::Warn => "warn",
            Verbosity::Error => "error",
            Verbosity::Fatal => "fatal",
        }
    }

    /// The position in [`Verbosity::ALL`] (0 for `trace`).
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// What [`Severity`] and [`Verbosity`] share: a small ordered set of named levels, so that
/// [`Levels`](super::Levels) of either can be expanded and masked by one generic helper.
///
/// Crate-private, and so sealed: only the two level types implement it, and no public
/// signature names it.
pub(crate) trait Level: Copy + Ord + 'static {
    /// Every level, least significant first.
    const ALL: &'static [Self];

    /// What a value of this kind is called in messages (`a severity`).
    const WHAT: &'static str;

    /// The valid names, for messages (`ok, warning or critical`).
    const EXPECTED: &'static str;

    /// The position in [`Level::ALL`].
    fn index(self) -> usize;

    /// The exact lowercase name.
    fn name(self) -> &'static str;
}

/// Parses an exact lowercase level name; anything else is `Invalid`, listing the valid names.
fn parse_level<L: Level>(s: &str) -> Result<L, Error> {
    L::ALL
        .iter()
        .copied()
        .find(|level| level.name() == s)
        .ok_or_else(|| Error::invalid(show_str(s), L::WHAT, L::EXPECTED))
}

impl Level for Severity {
    const ALL: &'static [Self] = &Severity::ALL;
    const WHAT: &'static str = "a severity";
    const EXPECTED: &'static str = "ok, warning or critical";

    fn index(self) -> usize {
        Severity::index(self)
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Level for Verbosity {
    const ALL: &'static [Self] = &Verbosity::ALL;
    const WHAT: &'static str = "a verbosity";
    const EXPECTED: &'static str = "trace, debug, info, warn, error or fatal";

    fn index(self) -> usize {
        Verbosity::index(self)
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl FromStr for Severity {
    type Err = Error;

    /// Parses an exact lowercase name.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for anything else, listing the valid names.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_level(s)
    }
}

impl FromStr for Verbosity {
    type Err = Error;

    /// Parses an exact lowercase name.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for anything else, listing the valid names.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_level(s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Verbosity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for Verbosity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Verbosity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_the_position_in_all() {
        for (i, s) in Severity::ALL.into_iter().enumerate() {
            assert_eq!((s.index(), Level::index(s), Severity::ALL[i]), (i, i, s));
        }
        for (i, v) in Verbosity::ALL.into_iter().enumerate() {
            assert_eq!((v.index(), Level::index(v), Verbosity::ALL[i]), (i, i, v));
        }
        assert_eq!(<Severity as Level>::ALL, &Severity::ALL[..]);
        assert_eq!(<Verbosity as Level>::ALL, &Verbosity::ALL[..]);
    }
}
