//! [`UtcOffset`]: a fixed distance from UTC, under a day and a whole number of minutes.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::format::Ascii;
use crate::error::{Error, show_str};

/// What [`UtcOffset::parse`] accepts, for error messages.
const EXPECTED: &str = "±HH:MM under 24 hours, a whole number of minutes, UTC, GMT or Z";

/// A fixed offset from UTC: under 24 hours either way and a whole number of minutes.
///
/// KAZOO takes offsets in seconds, crashes past 24 hours and prints a wrong offset when the
/// seconds are not whole minutes; this type cannot hold such values. It displays as `±HH:MM`
/// (`+05:30`, `-05:00`, `+00:00`), parses from that and the other usual forms (see
/// [`UtcOffset::parse`]), and is serialised as its string form (an integer number of seconds
/// is accepted when reading too).
///
/// ```
/// use kazoo_records::time::UtcOffset;
///
/// let ist = UtcOffset::parse("+05:30")?;
/// assert_eq!(ist.seconds(), 19_800);
/// assert_eq!(ist.to_string(), "+05:30");
/// assert_eq!(UtcOffset::from_seconds(-18_000)?, "-0500".parse()?);
/// assert_eq!(UtcOffset::parse("GMT")?, UtcOffset::UTC);
/// assert!(UtcOffset::parse("+25:00").is_err());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UtcOffset(i32);

impl UtcOffset {
    /// UTC itself, `+00:00`.
    pub const UTC: UtcOffset = UtcOffset(0);

    /// The largest offset magnitude in seconds (23:59).
    const MAX_SECONDS: i32 = 86_340;

    /// The offset `secs` seconds east of UTC (negative: west).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] unless `|secs| < 86_400` and `secs` is a multiple of 60.
    ///
    /// ```
    /// use kazoo_records::time::UtcOffset;
    ///
    /// assert_eq!(UtcOffset::from_seconds(-34_200)?.to_string(), "-09:30");
    /// assert!(UtcOffset::from_seconds(86_400).is_err());
    /// assert!(UtcOffset::from_seconds(3_601).is_err());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn from_seconds(secs: i32) -> Result<UtcOffset, Error> {
        if secs.unsigned_abs() <= Self::MAX_SECONDS.unsigned_abs() && secs % 60 == 0 {
            Ok(UtcOffset(secs))
        } else {
            Err(not_seconds(secs))
        }
    }

    /// Parses an offset.
    ///
    /// Accepted forms:
    ///
    /// - `±HH:MM`, `±HHMM` and `±HH` (`+05:30`, `-0500`, `+05`): hours 00–23, minutes 00–59;
    /// - the names `Z`, `UTC`, `GMT`, `UT`, `Etc/UTC` and `Etc/GMT`, in any letter case;
    /// - an integer number of seconds, optionally signed (`-18000`, `3600`, `+3600`). A sign
    ///   followed by two or four digits is read as `±HH` or `±HHMM` when that is a valid
    ///   offset (`-1800` is −18:00, `+05` is +05:00), and as seconds otherwise (`-3600` is
    ///   −01:00, `-60` is −00:01).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the input for anything else, including offsets of 24 hours
    /// or more and offsets that are not a whole number of minutes.
    pub fn parse(s: &str) -> Result<UtcOffset, Error> {
        parse_offset(s).ok_or_else(|| Error::invalid(show_str(s), "a UTC offset", EXPECTED))
    }

    /// The offset in seconds east of UTC (negative: west).
    pub const fn seconds(self) -> i32 {
        self.0
    }

    /// Whether this is UTC (`+00:00`).
    pub const fn is_utc(self) -> bool {
        self.0 == 0
    }

    /// The same offset as chrono's [`FixedOffset`](chrono::FixedOffset).
    pub fn to_fixed_offset(self) -> chrono::FixedOffset {
        use chrono::Offset;
        // Always `Some`: the magnitude is under a day.
        chrono::FixedOffset::east_opt(self.0).unwrap_or_else(|| chrono::Utc.fix())
    }
}

impl fmt::Display for UtcOffset {
    /// `±HH:MM`; UTC is `+00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Ascii::new();
        out.offset(*self);
        f.pad(out.as_str())
    }
}

impl FromStr for UtcOffset {
    type Err = Error;

    /// Same as [`UtcOffset::parse`].
    fn from_str(s: &str) -> Result<Self, Error> {
        UtcOffset::parse(s)
    }
}

impl TryFrom<i32> for UtcOffset {
    type Error = Error;

    /// Same as [`UtcOffset::from_seconds`].
    fn try_from(secs: i32) -> Result<Self, Error> {
        UtcOffset::from_seconds(secs)
    }
}

impl TryFrom<chrono::FixedOffset> for UtcOffset {
    type Error = Error;

    /// Fails for an offset that is not a whole number of minutes.
    fn try_from(offset: chrono::FixedOffset) -> Result<Self, Error> {
        UtcOffset::from_seconds(offset.local_minus_utc())
    }
}

impl From<UtcOffset> for chrono::FixedOffset {
    fn from(offset: UtcOffset) -> Self {
        offset.to_fixed_offset()
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UtcOffset {
    /// Reads the string forms of [`UtcOffset::parse`], or (in self-describing formats such
    /// as JSON) an integer number of seconds.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(OffsetVisitor)
        } else {
            deserializer.deserialize_str(OffsetVisitor)
        }
    }
}

struct OffsetVisitor;

impl Visitor<'_> for OffsetVisitor {
    type Value = UtcOffset;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a UTC offset: {EXPECTED}, or seconds")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<UtcOffset, E> {
        UtcOffset::parse(s).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, secs: i64) -> Result<UtcOffset, E> {
        seconds_offset(secs).ok_or_else(|| E::custom(not_seconds(secs)))
    }

    fn visit_u64<E: de::Error>(self, secs: u64) -> Result<UtcOffset, E> {
        i64::try_from(secs)
            .ok()
            .and_then(seconds_offset)
            .ok_or_else(|| E::custom(not_seconds(secs)))
    }
}

/// The offset of `s`, or `None` when it is not one.
fn parse_offset(s: &str) -> Option<UtcOffset> {
    const NAMES: [&str; 6] = ["Z", "UTC", "GMT", "UT", "Etc/UTC", "Etc/GMT"];
    if NAMES.iter().any(|name| name.eq_ignore_ascii_case(s)) {
        return Some(UtcOffset::UTC);
    }
    let bytes = s.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'+', rest)) => (Some(false), rest),
        Some((b'-', rest)) => (Some(true), rest),
        _ => (None, bytes),
    };
    let hhmm = match (negative, rest) {
        (Some(negative), [h1, h2, b':', m1, m2]) => {
            return hours_minutes(negative, [*h1, *h2], [*m1, *m2]);
        }
        (Some(negative), [h1, h2, m1, m2]) => hours_minutes(negative, [*h1, *h2], [*m1, *m2]),
        (Some(negative), [h1, h2]) => hours_minutes(negative, [*h1, *h2], *b"00"),
        _ => None,
    };
    // `±HH` and `±HHMM` first; digits that are not a valid one are seconds (`+3600`).
    hhmm.or_else(|| {
        if rest.is_empty() || rest.len() > 6 || !rest.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let magnitude = number(rest);
        seconds_offset(if negative == Some(true) {
            -magnitude
        } else {
            magnitude
        })
    })
}

/// The offset `±hh:mm` from two-digit fields, or `None` when out of range.
#[inline]
pub(crate) fn hours_minutes(negative: bool, hours: [u8; 2], minutes: [u8; 2]) -> Option<UtcOffset> {
    let hours = two_digits(hours)?;
    let minutes = two_digits(minutes)?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    let secs = i32::from(hours) * 3600 + i32::from(minutes) * 60;
    Some(UtcOffset(if negative { -secs } else { secs }))
}

/// The error for a number of seconds that is not an offset.
fn not_seconds(secs: impl fmt::Display) -> Error {
    Error::invalid(
        secs.to_string(),
        "a UTC offset in seconds",
        "a whole number of minutes under 24 hours (-86340 to 86340), such as -18000",
    )
}

fn seconds_offset(secs: i64) -> Option<UtcOffset> {
    i32::try_from(secs)
        .ok()
        .and_then(|secs| UtcOffset::from_seconds(secs).ok())
}

/// The value of two ASCII digits, or `None`.
#[inline]
pub(crate) fn two_digits([a, b]: [u8; 2]) -> Option<u8> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some((a - b'0') * 10 + (b - b'0'))
    } else {
        None
    }
}

/// The value of a run of ASCII digits (callers pass at most 12; longer runs saturate).
#[inline]
pub(crate) fn number(run: &[u8]) -> i64 {
    run.iter().fold(0_i64, |n, d| {
        n.saturating_mul(10)
            .saturating_add(i64::from(d.wrapping_sub(b'0')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_digit_fields() {
        assert_eq!(two_digits(*b"07"), Some(7));
        assert_eq!(two_digits(*b"7:"), None);
        assert_eq!(
            hours_minutes(true, *b"09", *b"30"),
            Some(UtcOffset(-34_200))
        );
        assert_eq!(hours_minutes(false, *b"24", *b"00"), None);
        assert_eq!(hours_minutes(false, *b"23", *b"60"), None);
    }
}
