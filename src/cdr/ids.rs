//! The ids KAZOO gives CDRs: the document id `YYYYMM-<call_id>` and the interaction id
//! `<11-digit Gregorian seconds>-<key>` shared by the legs of one call.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;
use crate::error::show_str;
use crate::json::{FromScalar, Scalar};
use crate::time::{Clock, GregorianSeconds};

/// The id of a stored CDR document: `YYYYMM-<call_id>`, the year and month (UTC) of the call
/// and its call id, as KAZOO's `kazoo_modb_util:modb_id/3` builds it. The prefix names the
/// monthly database (MODB) the document lives in.
///
/// Serialised as the string.
///
/// ```
/// use kazoo_records::cdr::CdrId;
/// use kazoo_records::time::GregorianSeconds;
///
/// let id = CdrId::parse("201905-SD80b4301-08cad0a2")?;
/// assert_eq!((id.year(), id.month(), id.call_id()), (2019, 5, "SD80b4301-08cad0a2"));
/// assert_eq!(id.time().iso8601(), "2019-05-01T00:00:00Z");
/// assert_eq!(CdrId::new(GregorianSeconds(63_724_403_398), "abc")?.to_string(), "201905-abc");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CdrId {
    text: String,
    year: u16,
    month: u8,
}

/// What a CDR id looks like, for error messages.
const CDR_ID_EXPECTED: &str = "YYYYMM-<call id>, such as 201905-SD80b4301";

impl CdrId {
    /// The id of the CDR of `call_id` in the month of `time` (UTC).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for an empty call id; [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) when `time` is not in a
    /// four-digit year (0000–9999).
    pub fn new(time: GregorianSeconds, call_id: &str) -> Result<Self, Error> {
        if call_id.is_empty() {
            return Err(Error::invalid("\"\"", "a call id", "a non-empty string"));
        }
        let (year, month) = year_month(time)?;
        Ok(CdrId {
            text: format!("{year:04}{month:02}-{call_id}"),
            year,
            month,
        })
    }

    /// The id of the CDR of `call_id`, in the month the clock reads now.
    ///
    /// # Errors
    ///
    /// As [`CdrId::new`].
    pub fn generate(clock: &(impl Clock + ?Sized), call_id: &str) -> Result<Self, Error> {
        CdrId::new(clock.now(), call_id)
    }

    /// Parses `YYYYMM-<call_id>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the text when it does not start with six digits and a dash,
    /// the month is not 01–12, or the call id is empty.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = || Error::invalid(show_str(text), "a CDR id", CDR_ID_EXPECTED);
        let (prefix, call_id) = text.split_once('-').ok_or_else(invalid)?;
        if prefix.len() != 6 || !prefix.bytes().all(|b| b.is_ascii_digit()) || call_id.is_empty() {
            return Err(invalid());
        }
        let year: u16 = prefix[..4].parse().map_err(|_| invalid())?;
        let month: u8 = prefix[4..].parse().map_err(|_| invalid())?;
        if !(1..=12).contains(&month) {
            return Err(invalid());
        }
        Ok(CdrId {
            text: text.to_owned(),
            year,
            month,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year of the prefix.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month of the prefix, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The call id after the prefix.
    pub fn call_id(&self) -> &str {
        self.text.get(7..).unwrap_or_default()
    }

    /// The first second of the id's month (UTC).
    pub fn time(&self) -> GregorianSeconds {
        NaiveDate::from_ymd_opt(i32::from(self.year), u32::from(self.month), 1)
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .map(|start| GregorianSeconds::from_datetime(start.and_utc()))
            .unwrap_or_default()
    }
}

/// The interaction id shared by the legs of one call: `<11-digit Gregorian seconds>-<key>`,
/// the time the interaction began and a random key (KAZOO uses 8 lowercase hex digits).
///
/// Serialised as the string.
///
/// ```
/// use kazoo_records::cdr::InteractionId;
///
/// let id = InteractionId::parse("63724403398-af5b9a0e")?;
/// assert_eq!(id.time().iso8601(), "2019-05-06T23:09:58Z");
/// assert_eq!(id.key(), "af5b9a0e");
/// assert!(InteractionId::parse("63724403398af5b9a0e").is_err());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InteractionId {
    text: String,
}

/// What an interaction id looks like, for error messages.
const INTERACTION_ID_EXPECTED: &str =
    "<11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e";

/// Digits of the time part.
const TIME_DIGITS: usize = 11;

impl InteractionId {
    /// The interaction id of `time` and `key`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) when `time` does not have 11 digits (before the year 317 or after
    /// 3170); [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for an empty key or one with whitespace or control characters.
    pub fn new(time: GregorianSeconds, key: &str) -> Result<Self, Error> {
        if !(10_000_000_000..=99_999_999_999).contains(&time.0) {
            return Err(Error::out_of_range(
                time.0.to_string(),
                "Gregorian seconds with 11 digits (years 317 to 3170)",
            ));
        }
        check_key(key)?;
        Ok(InteractionId {
            text: format!("{}-{key}", time.0),
        })
    }

    /// A new interaction id at `time` with a random key of 8 lowercase hex digits.
    ///
    /// The key is 32 bits of the crate's process-random, per-thread counter-mixed source
    /// (the one event ids use): unpredictable enough to keep ids apart, not a cryptographic
    /// secret.
    ///
    /// # Errors
    ///
    /// As [`InteractionId::new`] for a time out of range.
    pub fn generate_at(time: GregorianSeconds) -> Result<Self, Error> {
        InteractionId::new(time, &random_hex_key())
    }

    /// A new interaction id at the clock's current time, with a random key
    /// (see [`generate_at`](Self::generate_at)).
    ///
    /// ```
    /// use kazoo_records::cdr::InteractionId;
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// let id = InteractionId::generate(&|| GregorianSeconds(63_724_403_398))?;
    /// assert_eq!(id.time(), GregorianSeconds(63_724_403_398));
    /// assert_eq!(id.key().len(), 8);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`InteractionId::new`] for a time out of range.
    pub fn generate(clock: &(impl Clock + ?Sized)) -> Result<Self, Error> {
        InteractionId::generate_at(clock.now())
    }

    /// Parses `<11-digit Gregorian seconds>-<key>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the text when the time part is not 11 digits followed by a
    /// dash, or the key is empty or holds whitespace or control characters.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid =
            || Error::invalid(show_str(text), "an interaction id", INTERACTION_ID_EXPECTED);
        let (time, key) = text.split_once('-').ok_or_else(invalid)?;
        if time.len() != TIME_DIGITS || !time.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        check_key(key).map_err(|_| invalid())?;
        Ok(InteractionId {
            text: text.to_owned(),
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The time the interaction began.
    pub fn time(&self) -> GregorianSeconds {
        GregorianSeconds(
            self.text
                .get(..TIME_DIGITS)
                .and_then(|t| t.parse().ok())
                .unwrap_or_default(),
        )
    }

    /// The key after the time.
    pub fn key(&self) -> &str {
        self.text.get(TIME_DIGITS + 1..).unwrap_or_default()
    }
}

macro_rules! string_id_traits {
    ($ty:ident, $what:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(text: &str) -> Result<Self, Error> {
                $ty::parse(text)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.text
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.text)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $ty::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl FromScalar for $ty {
            fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
                match &scalar {
                    Scalar::Str(text) => $ty::parse(text),
                    _ => Err(scalar.invalid($what, "a JSON string")),
                }
            }

            fn is_native(_scalar: &Scalar<'_>) -> bool {
                true // only strings read
            }
        }
    };
}

string_id_traits!(CdrId, "a CDR id");
string_id_traits!(InteractionId, "an interaction id");

fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            show_str(key),
            "an interaction key",
            "a non-empty key without whitespace, such as af5b9a0e",
        ));
    }
    Ok(())
}

/// The UTC year and month of `time`, when the year has four digits.
fn year_month(time: GregorianSeconds) -> Result<(u16, u8), Error> {
    time.to_datetime()
        .ok()
        .and_then(|dt| {
            Some((
                u16::try_from(dt.year()).ok()?,
                u8::try_from(dt.month()).ok()?,
            ))
        })
        .filter(|(year, _)| *year <= 9999)
        .ok_or_else(|| {
            Error::out_of_range(
                time.0.to_string(),
                "Gregorian seconds in the years 0000 to 9999",
            )
        })
}

/// 8 lowercase hex digits of process-random bits.
fn random_hex_key() -> String {
    format!("{:08x}", crate::random::next_u64() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_are_8_lowercase_hex_and_vary() {
        let keys: std::collections::HashSet<String> = (0..1000).map(|_| random_hex_key()).collect();
        assert!(keys.len() > 990, "{}", keys.len());
        for key in &keys {
            assert_eq!(key.len(), 8);
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{key}"
            );
        }
    }

    #[test]
    fn year_month_bounds() {
        assert_eq!(year_month(GregorianSeconds(0)), Ok((0, 1)));
        assert!(year_month(GregorianSeconds(-1)).is_err());
        assert!(year_month(GregorianSeconds(i64::MAX)).is_err());
        assert_eq!(year_month(GregorianSeconds(63_724_403_398)), Ok((2019, 5)));
    }
}
