//! Gregorian and Unix time, as KAZOO counts it, and the formats KAZOO prints.
//!
//! KAZOO stores instants as *Gregorian seconds*: seconds since 0000-01-01T00:00:00Z in the
//! proleptic Gregorian calendar, which is Unix time plus [`GREGORIAN_UNIX_OFFSET`].
//!
//! - [`GregorianSeconds`], [`UnixSeconds`], [`UnixMillis`], [`UnixMicros`]: `i64` newtypes
//!   with exact conversions, serialised as plain integers, and `chrono` interop.
//! - Formatting, on [`GregorianSeconds`]: ISO 8601 (UTC, with an offset, date only),
//!   RFC 1036 and KAZOO's "pretty" form. Formatting never fails, for any `i64`.
//! - [`UtcOffset`] (a fixed offset) and [`Zone`] (a fixed offset, or an IANA zone name with
//!   the `tz` feature) for local time.
//! - [`parse_iso8601`]: ISO 8601 date-times in the extended and basic forms.
//! - [`Clock`]: where "now" comes from, so hosts and tests can inject time.
//!
//! ```
//! use kazoo_records::time::{GregorianSeconds, UnixSeconds, UtcOffset, parse_iso8601};
//!
//! let g = GregorianSeconds(63_595_733_389);
//! assert_eq!(g.to_unix(), UnixSeconds(1_428_514_189));
//! assert_eq!(g.iso8601(), "2015-04-08T17:29:49Z");
//! assert_eq!(g.iso8601_with_offset(UtcOffset::parse("-05:00")?), "2015-04-08T12:29:49-05:00");
//! assert_eq!(g.rfc1036(), "Wed, 08 Apr 2015 17:29:49 GMT");
//! assert_eq!(GregorianSeconds::from_datetime(parse_iso8601("2015-04-08T12:29:49-05")?), g);
//! # Ok::<(), kazoo_records::Error>(())
//! ```

mod civil;
mod clock;
mod format;
mod offset;
mod parse;
mod zone;

use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;

pub use clock::{Clock, SystemClock};
pub use offset::UtcOffset;
pub use parse::parse_iso8601;
pub use zone::Zone;

/// Seconds from 0000-01-01T00:00:00Z to 1970-01-01T00:00:00Z.
pub const GREGORIAN_UNIX_OFFSET: i64 = 62_167_219_200;

/// Seconds since 0000-01-01T00:00:00Z (proleptic Gregorian calendar, UTC): KAZOO's timestamps.
///
/// Serialised as a plain integer; displayed as one too (use [`iso8601`](Self::iso8601) and
/// the other formatters for dates).
///
/// ```
/// use kazoo_records::time::{GregorianSeconds, UnixSeconds};
///
/// let g = GregorianSeconds(63_595_733_389);
/// assert_eq!(g.to_unix(), UnixSeconds(1_428_514_189));
/// assert_eq!(GregorianSeconds::from_datetime(g.to_datetime()?), g);
/// assert_eq!(g.checked_add_seconds(11), Some(GregorianSeconds(63_595_733_400)));
/// assert_eq!(serde_json::to_string(&g).unwrap(), "63595733389");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct GregorianSeconds(pub i64);

/// Seconds since 1970-01-01T00:00:00Z.
///
/// Serialised as a plain integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixSeconds(pub i64);

/// Milliseconds since 1970-01-01T00:00:00Z (KAZOO's AMQP `Timestamp` fields and other
/// millisecond clocks).
///
/// Serialised as a plain integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

/// Microseconds since 1970-01-01T00:00:00Z (KAZOO's `channel_created_time`).
///
/// Serialised as a plain integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixMicros(pub i64);

impl GregorianSeconds {
    /// The Gregorian seconds of a Unix instant (saturating at the ends of `i64`).
    pub const fn from_unix(unix: UnixSeconds) -> Self {
        GregorianSeconds(unix.0.saturating_add(GREGORIAN_UNIX_OFFSET))
    }

    /// The Unix seconds of this instant (saturating at the ends of `i64`).
    pub const fn to_unix(self) -> UnixSeconds {
        UnixSeconds(self.0.saturating_sub(GREGORIAN_UNIX_OFFSET))
    }

    /// The current time from the system clock (see [`Clock`] to inject another one).
    pub fn now() -> GregorianSeconds {
        GregorianSeconds::from_datetime(Utc::now())
    }

    /// The second `dt` falls in (a fraction of a second is dropped, towards the past).
    ///
    /// Every `DateTime<Utc>` fits, so this cannot fail.
    pub fn from_datetime(dt: DateTime<Utc>) -> GregorianSeconds {
        // chrono's range (±262 143 years) is far inside i64 seconds: no overflow.
        GregorianSeconds(dt.timestamp() + GREGORIAN_UNIX_OFFSET)
    }

    /// This instant as a chrono `DateTime<Utc>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) outside chrono's range (years −262 143 to 262 142).
    pub fn to_datetime(self) -> Result<DateTime<Utc>, Error> {
        self.0
            .checked_sub(GREGORIAN_UNIX_OFFSET)
            .and_then(|unix| DateTime::from_timestamp(unix, 0))
            .ok_or_else(|| {
                out_of_chrono_range(
                    self.0,
                    "Gregorian seconds",
                    GregorianSeconds::from_datetime(DateTime::<Utc>::MIN_UTC).0,
                    GregorianSeconds::from_datetime(DateTime::<Utc>::MAX_UTC).0,
                )
            })
    }

    /// `self + secs`, or `None` on overflow.
    pub const fn checked_add_seconds(self, secs: i64) -> Option<GregorianSeconds> {
        match self.0.checked_add(secs) {
            Some(g) => Some(GregorianSeconds(g)),
            None => None,
        }
    }

    /// `self − secs`, or `None` on overflow.
    pub const fn checked_sub_seconds(self, secs: i64) -> Option<GregorianSeconds> {
        match self.0.checked_sub(secs) {
            Some(g) => Some(GregorianSeconds(g)),
            None => None,
        }
    }
}

impl UnixSeconds {
    /// The Unix seconds of a Gregorian instant (saturating at the ends of `i64`).
    pub const fn from_gregorian(g: GregorianSeconds) -> Self {
        g.to_unix()
    }

    /// The Gregorian seconds of this instant (saturating at the ends of `i64`).
    pub const fn to_gregorian(self) -> GregorianSeconds {
        GregorianSeconds::from_unix(self)
    }

    /// The second `dt` falls in (a fraction of a second is dropped, towards the past).
    pub fn from_datetime(dt: DateTime<Utc>) -> UnixSeconds {
        UnixSeconds(dt.timestamp())
    }

    /// This instant as a chrono `DateTime<Utc>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) outside chrono's range (years −262 143 to 262 142).
    pub fn to_datetime(self) -> Result<DateTime<Utc>, Error> {
        DateTime::from_timestamp(self.0, 0).ok_or_else(|| {
            out_of_chrono_range(
                self.0,
                "Unix seconds",
                DateTime::<Utc>::MIN_UTC.timestamp(),
                DateTime::<Utc>::MAX_UTC.timestamp(),
            )
        })
    }
}

impl UnixMillis {
    /// The milliseconds of a Gregorian instant (saturating at the ends of `i64`).
    pub const fn from_gregorian(g: GregorianSeconds) -> Self {
        UnixMillis(g.to_unix().0.saturating_mul(1_000))
    }

    /// The whole Unix second this instant falls in (rounding towards the past).
    pub const fn to_unix_seconds(self) -> UnixSeconds {
        UnixSeconds(self.0.div_euclid(1_000))
    }

    /// The whole Gregorian second this instant falls in (rounding towards the past).
    pub const fn to_gregorian(self) -> GregorianSeconds {
        self.to_unix_seconds().to_gregorian()
    }

    /// The milliseconds past the whole second, `0..1_000`.
    pub const fn subsec_millis(self) -> u32 {
        self.0.rem_euclid(1_000) as u32
    }

    /// The same instant in microseconds (saturating at the ends of `i64`).
    pub const fn to_unix_micros(self) -> UnixMicros {
        UnixMicros(self.0.saturating_mul(1_000))
    }

    /// The millisecond `dt` falls in (rounding towards the past).
    ///
    /// Every `DateTime<Utc>` fits, so this cannot fail.
    pub fn from_datetime(dt: DateTime<Utc>) -> UnixMillis {
        UnixMillis(dt.timestamp_millis())
    }

    /// This instant as a chrono `DateTime<Utc>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) outside chrono's range (years −262 143 to 262 142).
    pub fn to_datetime(self) -> Result<DateTime<Utc>, Error> {
        DateTime::from_timestamp_millis(self.0).ok_or_else(|| {
            out_of_chrono_range(
                self.0,
                "Unix milliseconds",
                DateTime::<Utc>::MIN_UTC.timestamp_millis(),
                DateTime::<Utc>::MAX_UTC.timestamp_millis(),
            )
        })
    }
}

impl UnixMicros {
    /// The microseconds of a Gregorian instant (saturating at the ends of `i64`).
    ///
    /// ```
    /// use kazoo_records::time::{GregorianSeconds, UnixMicros};
    ///
    /// assert_eq!(UnixMicros::from_gregorian(GregorianSeconds(63_724_403_398)), UnixMicros(1_557_184_198_000_000));
    /// ```
    pub const fn from_gregorian(g: GregorianSeconds) -> Self {
        UnixMicros(g.to_unix().0.saturating_mul(1_000_000))
    }

    /// The whole Unix second this instant falls in (rounding towards the past).
    pub const fn to_unix_seconds(self) -> UnixSeconds {
        UnixSeconds(self.0.div_euclid(1_000_000))
    }

    /// The whole Gregorian second this instant falls in (rounding towards the past).
    pub const fn to_gregorian(self) -> GregorianSeconds {
        self.to_unix_seconds().to_gregorian()
    }

    /// The microseconds past the whole second, `0..1_000_000`.
    pub const fn subsec_micros(self) -> u32 {
        self.0.rem_euclid(1_000_000) as u32
    }

    /// The millisecond this instant falls in (rounding towards the past).
    pub const fn to_unix_millis(self) -> UnixMillis {
        UnixMillis(self.0.div_euclid(1_000))
    }

    /// The microsecond `dt` falls in (rounding towards the past).
    ///
    /// Every `DateTime<Utc>` fits, so this cannot fail.
    pub fn from_datetime(dt: DateTime<Utc>) -> UnixMicros {
        UnixMicros(dt.timestamp_micros())
    }

    /// This instant as a chrono `DateTime<Utc>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) outside chrono's range (years −262 143 to 262 142).
    pub fn to_datetime(self) -> Result<DateTime<Utc>, Error> {
        DateTime::from_timestamp_micros(self.0).ok_or_else(|| {
            out_of_chrono_range(
                self.0,
                "Unix microseconds",
                DateTime::<Utc>::MIN_UTC.timestamp_micros(),
                DateTime::<Utc>::MAX_UTC.timestamp_micros(),
            )
        })
    }
}

macro_rules! integer_newtype_impls {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            /// The plain integer.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$t> for i64 {
            fn from(value: $t) -> i64 {
                value.0
            }
        }
    )*};
}

integer_newtype_impls!(GregorianSeconds, UnixSeconds, UnixMillis, UnixMicros);

impl From<UnixSeconds> for GregorianSeconds {
    /// Saturating at the ends of `i64`.
    fn from(unix: UnixSeconds) -> Self {
        GregorianSeconds::from_unix(unix)
    }
}

impl From<GregorianSeconds> for UnixSeconds {
    /// Saturating at the ends of `i64`.
    fn from(g: GregorianSeconds) -> Self {
        g.to_unix()
    }
}

impl From<DateTime<Utc>> for GregorianSeconds {
    /// Same as [`GregorianSeconds::from_datetime`].
    fn from(dt: DateTime<Utc>) -> Self {
        GregorianSeconds::from_datetime(dt)
    }
}

impl TryFrom<GregorianSeconds> for DateTime<Utc> {
    type Error = Error;

    /// Same as [`GregorianSeconds::to_datetime`].
    fn try_from(g: GregorianSeconds) -> Result<Self, Error> {
        g.to_datetime()
    }
}

/// The error for a count of `unit` that chrono cannot hold.
fn out_of_chrono_range(value: i64, unit: &str, min: i64, max: i64) -> Error {
    Error::out_of_range(
        value.to_string(),
        format!(
            "{unit} from {min} to {max} ({}, chrono's range)",
            chrono_years()
        ),
    )
}

/// chrono's range as years, `years -262143 to 262142`, for out-of-range messages.
fn chrono_years() -> String {
    format!(
        "years {} to {}",
        DateTime::<Utc>::MIN_UTC.year(),
        DateTime::<Utc>::MAX_UTC.year()
    )
}
