//! Gregorian and Unix time, as KAZOO counts it, and the formats KAZOO prints.
//!
//! KAZOO stores instants as *Gregorian seconds*: seconds since 0000-01-01T00:00:00Z in the
//! proleptic Gregorian calendar, which is Unix time plus [`GREGORIAN_UNIX_OFFSET`].
//!
//! ```
//! use kazoo_records::time::{GregorianSeconds, UnixSeconds};
//!
//! let g = GregorianSeconds(63_595_733_389);
//! assert_eq!(g.to_unix(), UnixSeconds(1_428_514_189));
//! assert_eq!(g.iso8601(), "2015-04-08T17:29:49Z");
//! ```

mod civil;

use serde::{Deserialize, Serialize};

/// Seconds from 0000-01-01T00:00:00Z to 1970-01-01T00:00:00Z.
pub const GREGORIAN_UNIX_OFFSET: i64 = 62_167_219_200;

/// Seconds since 0000-01-01T00:00:00Z (proleptic Gregorian calendar, UTC): KAZOO's timestamps.
///
/// Serialised as a plain integer.
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

    /// ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`, as KAZOO's `kz_time:iso8601/1` prints it.
    ///
    /// Years outside 0000–9999 are written in ISO 8601's expanded form (`+10000-…`, `-0001-…`).
    pub fn iso8601(self) -> String {
        let c = civil::Civil::from_gregorian(self);
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            civil::Year(c.year),
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second
        )
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
}

impl UnixMicros {
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
}

impl From<UnixSeconds> for GregorianSeconds {
    fn from(unix: UnixSeconds) -> Self {
        GregorianSeconds::from_unix(unix)
    }
}

impl From<GregorianSeconds> for UnixSeconds {
    fn from(g: GregorianSeconds) -> Self {
        g.to_unix()
    }
}
