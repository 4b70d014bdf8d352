//! [`UtcOffset`]: a fixed distance from UTC, under a day and a whole number of minutes.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::format::Ascii;
use crate::error::{Error, show_str};

/// What [`UtcOffset::parse`] accepts, for error messages.
const EXPECTED: &str = "±HH:MM under 24 hours, a whole number of minutes, UTC, GMT or Z";

/// What an offset in seconds is, for error messages.
const SECONDS_WHAT: &str = "a UTC offset in seconds";

/// What [`UtcOffset::from_seconds`] and [`UtcOffset::parse_seconds`] accept, for error messages.
const SECONDS_EXPECTED: &str =
    "a whole number of minutes under 24 hours (-86340 to 86340), such as -18000";

/// A fixed offset from UTC: under 24 hours either way and a whole number of minutes.
///
/// KAZOO takes offsets in seconds, crashes past 24 hours and prints a wrong offset when the
/// seconds are not whole minutes; this type cannot hold such values. It displays as `±HH:MM`
/// (`+05:30`, `-05:00`, `+00:00`), parses from that and the names of UTC
/// ([`UtcOffset::parse`]), reads KAZOO's seconds with [`UtcOffset::parse_seconds`], and is
/// serialised as its string form (an integer number of seconds is accepted when reading too).
///
/// ```
/// use kazoo_records::time::UtcOffset;
///
/// let ist = UtcOffset::parse("+05:30")?;
/// assert_eq!(ist.seconds(), 19_800);
/// assert_eq!(ist.to_string(), "+05:30");
/// assert_eq!(UtcOffset::from_seconds(-18_000)?, "-05:00".parse()?);
/// assert_eq!(UtcOffset::parse_seconds("-18000")?, "-05:00".parse()?);
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
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) unless `|secs| < 86_400` and `secs` is a multiple of 60.
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

    /// Parses an offset written with a colon, `±HH:MM`, or a name of UTC.
    ///
    /// Accepted forms, and nothing else:
    ///
    /// - `±HH:MM` (`+05:30`, `-05:00`, `-00:00`): a sign, hours 00–23, a colon, minutes 00–59;
    /// - the names `Z`, `UTC`, `GMT`, `UT`, `Etc/UTC` and `Etc/GMT`, in any letter case.
    ///
    /// Text of only a sign and digits is always refused, whatever the digits: `-1800` could be
    /// `±HHMM` (−18:00) or KAZOO's `utc_offset` in seconds (−00:30), and no reading of it is
    /// right for every sender. Read KAZOO's seconds with [`UtcOffset::parse_seconds`]; write
    /// hours and minutes with the colon. (An offset inside an ISO 8601 date-time, where the
    /// form is not in doubt, is read by [`parse_iso8601`](super::parse_iso8601), `-0500` and
    /// `-05` included.)
    ///
    /// ```
    /// use kazoo_records::time::UtcOffset;
    ///
    /// assert_eq!(UtcOffset::parse("-05:00")?.seconds(), -18_000);
    /// assert_eq!(UtcOffset::parse("etc/utc")?, UtcOffset::UTC);
    /// assert!(UtcOffset::parse("-1800").is_err()); // −18:00 or −00:30? Refused.
    /// assert!(UtcOffset::parse("-0500").is_err());
    /// assert!(UtcOffset::parse("+05").is_err());
    /// assert_eq!(UtcOffset::parse_seconds("-1800")?.to_string(), "-00:30");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the input for anything else, including offsets of 24 hours
    /// or more and offsets that are not a whole number of minutes.
    pub fn parse(s: &str) -> Result<UtcOffset, Error> {
        parse_offset(s).ok_or_else(|| Error::invalid(show_str(s), "a UTC offset", EXPECTED))
    }

    /// Parses an offset in seconds east of UTC, as KAZOO's `utc_offset` parameter gives it:
    /// a decimal integer, optionally signed (`-18000`, `+3600`, `0`).
    ///
    /// The text is only ever read as seconds, so `-1800` is −00:30 (never −18:00, which is
    /// written `-18:00` and read by [`UtcOffset::parse`]). Leading zeros are allowed; anything
    /// else, whitespace included, is not. The seconds must be what
    /// [`UtcOffset::from_seconds`] accepts.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the input when the text is not
    /// an integer or the seconds are not a whole number of minutes under 24 hours (a number
    /// too large for any integer type included).
    ///
    /// ```
    /// use kazoo_records::time::UtcOffset;
    ///
    /// assert_eq!(UtcOffset::parse_seconds("-18000")?.to_string(), "-05:00");
    /// assert_eq!(UtcOffset::parse_seconds("-1800")?.to_string(), "-00:30");
    /// assert_eq!(UtcOffset::parse_seconds("+19800")?.to_string(), "+05:30");
    /// assert_eq!(UtcOffset::parse_seconds("0")?, UtcOffset::UTC);
    /// assert!(UtcOffset::parse_seconds("86400").is_err()); // a whole day
    /// assert!(UtcOffset::parse_seconds("90").is_err()); // not a whole minute
    /// assert!(UtcOffset::parse_seconds("-05:00").is_err());
    /// assert!(UtcOffset::parse_seconds(" 60").is_err());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn parse_seconds(text: &str) -> Result<UtcOffset, Error> {
        seconds_text(text)
            .ok_or_else(|| Error::invalid(show_str(text), SECONDS_WHAT, SECONDS_EXPECTED))
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
    /// as JSON) an integer number of seconds. A string is never read as seconds: `"-18000"`
    /// is refused, as [`UtcOffset::parse`] refuses it, while `-18000` is −05:00.
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

/// The offset `s` writes as `±HH:MM` or names (`UTC`, `Z`, …), or `None` for anything else.
fn parse_offset(s: &str) -> Option<UtcOffset> {
    const NAMES: [&str; 6] = ["Z", "UTC", "GMT", "UT", "Etc/UTC", "Etc/GMT"];
    if NAMES.iter().any(|name| name.eq_ignore_ascii_case(s)) {
        return Some(UtcOffset::UTC);
    }
    match s.as_bytes() {
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            hours_minutes(*sign == b'-', [*h1, *h2], [*m1, *m2])
        }
        _ => None,
    }
}

/// The offset of `[±]digits` seconds, or `None` when `text` is not that or not an offset.
fn seconds_text(text: &str) -> Option<UtcOffset> {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.split_first() {
        Some((b'+', rest)) => (false, rest),
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // A long run saturates at i64::MAX, which is no offset either: no overflow to handle.
    let magnitude = number(digits);
    seconds_offset(if negative { -magnitude } else { magnitude })
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
    Error::invalid(secs.to_string(), SECONDS_WHAT, SECONDS_EXPECTED)
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

/// The value of a run of ASCII digits (longer runs than `i64` holds saturate at `i64::MAX`).
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

    #[test]
    fn only_the_colon_form_and_names() {
        assert_eq!(parse_offset("-05:30"), Some(UtcOffset(-19_800)));
        assert_eq!(parse_offset("ut"), Some(UtcOffset::UTC));
        for digits in [
            "-0530", "+05", "-1800", "18000", "0", "-0", "+3600", "-05:30 ",
        ] {
            assert_eq!(parse_offset(digits), None, "{digits}");
        }
    }

    #[test]
    fn seconds_are_only_seconds() {
        assert_eq!(seconds_text("-1800"), Some(UtcOffset(-1_800)));
        assert_eq!(seconds_text("+0060"), Some(UtcOffset(60)));
        assert_eq!(seconds_text("-0"), Some(UtcOffset::UTC));
        assert_eq!(seconds_text("86340"), Some(UtcOffset(86_340)));
        let huge = "9".repeat(40);
        for bad in [
            "", "+", "-", "+-60", "60 ", "1.5", "1e3", "-05:00", "86400", "59", &huge,
        ] {
            assert_eq!(seconds_text(bad), None, "{bad}");
        }
    }
}
