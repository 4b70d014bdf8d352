//! [`Zone`]: where local time is taken, a fixed offset or (with the `tz` feature) an IANA zone.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{GregorianSeconds, UtcOffset};
use crate::error::{Error, show_str};

/// A time zone: a fixed [`UtcOffset`], or an IANA zone name such as `America/New_York` when
/// the crate is built with the `tz` feature.
///
/// An IANA zone's offset depends on the instant (daylight saving time, and the zone's
/// history), so local time is found in two steps: [`Zone::offset_at`] resolves the zone to the
/// [`UtcOffset`] in force at an instant, and the formatters take that offset.
///
/// Displayed and serialised as its name: `±HH:MM` for a fixed offset, the IANA name otherwise.
///
/// ```
/// use kazoo_records::time::{GregorianSeconds, UtcOffset, Zone};
///
/// let g = GregorianSeconds(63_595_733_389);
/// let zone = Zone::parse("-05:00")?;
/// assert_eq!(zone.offset_at(g)?, UtcOffset::from_seconds(-18_000)?);
/// assert_eq!(zone.iso8601_at(g)?, "2015-04-08T12:29:49-05:00");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
///
/// With the `tz` feature:
///
/// ```
/// # #[cfg(feature = "tz")] {
/// use kazoo_records::time::{GregorianSeconds, Zone};
///
/// let new_york = Zone::parse("America/New_York")?;
/// let summer = GregorianSeconds::parse_iso8601("2015-07-01T12:00:00Z")?;
/// let winter = GregorianSeconds::parse_iso8601("2015-01-01T12:00:00Z")?;
/// assert_eq!(new_york.offset_at(summer)?.to_string(), "-04:00");
/// assert_eq!(new_york.offset_at(winter)?.to_string(), "-05:00");
/// # }
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone(Kind);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Fixed(UtcOffset),
    #[cfg(feature = "tz")]
    Iana(chrono_tz::Tz),
}

impl Zone {
    /// UTC.
    pub const UTC: Zone = Zone(Kind::Fixed(UtcOffset::UTC));

    /// The zone that is always at `offset`.
    pub const fn fixed(offset: UtcOffset) -> Zone {
        Zone(Kind::Fixed(offset))
    }

    /// The IANA zone `tz`.
    #[cfg(feature = "tz")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tz")))]
    pub const fn iana(tz: chrono_tz::Tz) -> Zone {
        Zone(Kind::Iana(tz))
    }

    /// Parses a zone: anything [`UtcOffset::parse`] accepts is a fixed zone (`-05:00`, `UTC`;
    /// not digits alone, such as `-0500` or `-18000`); with the `tz` feature, an IANA zone name
    /// (exact case, `Europe/Paris`) is that zone.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the input when it is neither (without the `tz` feature the
    /// message says that IANA names need it).
    pub fn parse(s: &str) -> Result<Zone, Error> {
        if let Ok(offset) = UtcOffset::parse(s) {
            return Ok(Zone::fixed(offset));
        }
        #[cfg(feature = "tz")]
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Ok(Zone::iana(tz));
        }
        Err(Error::invalid(show_str(s), "a time zone", EXPECTED))
    }

    /// The offset from UTC in force in this zone at the instant `at`.
    ///
    /// # Errors
    ///
    /// Never for a fixed zone. For an IANA zone, [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) when `at` is outside
    /// chrono's range or the zone's offset then is not a whole number of minutes (local mean
    /// time before the zone adopted standard time, such as Liberia's `-00:44:30` until 1972).
    #[cfg_attr(not(feature = "tz"), allow(unused_variables))]
    pub fn offset_at(&self, at: GregorianSeconds) -> Result<UtcOffset, Error> {
        match self.0 {
            Kind::Fixed(offset) => Ok(offset),
            #[cfg(feature = "tz")]
            Kind::Iana(tz) => iana_offset_at(tz, at),
        }
    }

    /// The fixed offset, when this zone is one.
    pub const fn as_fixed(&self) -> Option<UtcOffset> {
        match self.0 {
            Kind::Fixed(offset) => Some(offset),
            #[cfg(feature = "tz")]
            Kind::Iana(_) => None,
        }
    }

    /// [`GregorianSeconds::iso8601_with_offset`] at the offset in force at `at`.
    ///
    /// # Errors
    ///
    /// As [`Zone::offset_at`].
    pub fn iso8601_at(&self, at: GregorianSeconds) -> Result<String, Error> {
        self.offset_at(at)
            .map(|offset| at.iso8601_with_offset(offset))
    }

    /// [`GregorianSeconds::pretty_with_offset`] at the offset in force at `at`.
    ///
    /// # Errors
    ///
    /// As [`Zone::offset_at`].
    pub fn pretty_at(&self, at: GregorianSeconds) -> Result<String, Error> {
        self.offset_at(at)
            .map(|offset| at.pretty_with_offset(offset))
    }
}

#[cfg(feature = "tz")]
const EXPECTED: &str =
    "±HH:MM under 24 hours, UTC, GMT, Z or an IANA zone name such as America/New_York";
#[cfg(not(feature = "tz"))]
const EXPECTED: &str = "±HH:MM under 24 hours, UTC, GMT or Z (IANA zone names such as \
                        America/New_York need the `tz` feature)";

impl Default for Zone {
    /// UTC.
    fn default() -> Self {
        Zone::UTC
    }
}

impl From<UtcOffset> for Zone {
    fn from(offset: UtcOffset) -> Self {
        Zone::fixed(offset)
    }
}

#[cfg(feature = "tz")]
impl From<chrono_tz::Tz> for Zone {
    fn from(tz: chrono_tz::Tz) -> Self {
        Zone::iana(tz)
    }
}

impl fmt::Display for Zone {
    /// `±HH:MM` for a fixed zone, the IANA name otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::Fixed(offset) => fmt::Display::fmt(&offset, f),
            #[cfg(feature = "tz")]
            Kind::Iana(tz) => f.pad(tz.name()),
        }
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({self})")
    }
}

impl FromStr for Zone {
    type Err = Error;

    /// Same as [`Zone::parse`].
    fn from_str(s: &str) -> Result<Self, Error> {
        Zone::parse(s)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Zone::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "tz")]
fn iana_offset_at(tz: chrono_tz::Tz, at: GregorianSeconds) -> Result<UtcOffset, Error> {
    use chrono::{Offset, TimeZone};

    let utc = at.to_datetime()?;
    let secs = tz
        .offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc();
    UtcOffset::from_seconds(secs).map_err(|_| {
        let sign = if secs < 0 { '-' } else { '+' };
        let abs = secs.unsigned_abs();
        Error::out_of_range(
            format!(
                "{} at {} (offset {sign}{:02}:{:02}:{:02})",
                show_str(tz.name()),
                at.iso8601(),
                abs / 3600,
                abs / 60 % 60,
                abs % 60
            ),
            "an offset of a whole number of minutes",
        )
    })
}
