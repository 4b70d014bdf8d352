//! Lenient reading of KAZOO JSON: numbers as numeric strings, booleans as `"true"`/`"false"`,
//! and errors that name the JSON path of the offending value.
//!
//! The record types read their known keys straight from the deserializer (no intermediate
//! `serde_json::Value` for them) and keep every other key as JSON. A failure is recorded as a
//! crate [`Error`] in an [`ErrorSlot`] that travels with the deserializer; each enclosing object
//! adds its key to the error's path on the way out, and the serde error carries the same text,
//! so `serde_json::from_str` users see the path too.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{Error, show_json, show_str};
use crate::time::{GregorianSeconds, UnixMicros};

/// What an integer field accepts, for error messages.
const INTEGER_EXPECTED: &str = "a JSON integer or a string of decimal digits";

/// Where a failure met while reading is kept until the outermost reader returns it.
#[derive(Default)]
pub(crate) struct ErrorSlot(Cell<Option<Error>>);

impl ErrorSlot {
    /// Records `error` (path relative to the value being read) and returns a serde error
    /// with the same text.
    pub(crate) fn fail<E: de::Error>(&self, error: Error) -> E {
        let serde_error = E::custom(&error);
        self.0.set(Some(error));
        serde_error
    }

    /// Adds `key` in front of the recorded error's path after a nested read failed.
    ///
    /// A serde error with nothing recorded (a syntax error) is returned unchanged.
    pub(crate) fn within<E: de::Error>(&self, error: E, key: &str) -> E {
        match self.0.take() {
            Some(recorded) => self.fail(recorded.within(key)),
            None => error,
        }
    }

    /// The recorded error, if reading failed on a value rather than on the JSON syntax.
    pub(crate) fn take(&self) -> Option<Error> {
        self.0.take()
    }
}

/// Converts the error of a whole-document read into a crate [`Error`].
pub(crate) fn json_error(slot: &ErrorSlot, error: serde_json::Error) -> Error {
    slot.take().unwrap_or_else(|| Error::json(error))
}

/// A value type that can be read leniently from the value of one JSON key.
pub(crate) trait Lenient: Sized {
    /// Reads the next map value; `Ok(None)` for JSON `null`. On failure the error is recorded
    /// in `slot` with a path relative to this value.
    fn read<'de, A: MapAccess<'de>>(
        map: &mut A,
        slot: &ErrorSlot,
    ) -> Result<Option<Self>, A::Error>;
}

/// A value type read from one scalar JSON value.
pub(crate) trait FromScalar: Sized {
    /// Converts a non-null value, or says why it does not fit.
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error>;
}

impl<T: FromScalar> Lenient for T {
    fn read<'de, A: MapAccess<'de>>(
        map: &mut A,
        slot: &ErrorSlot,
    ) -> Result<Option<Self>, A::Error> {
        match map.next_value::<Scalar<'de>>()? {
            Scalar::Null => Ok(None),
            scalar => T::from_scalar(scalar).map(Some).map_err(|e| slot.fail(e)),
        }
    }
}

/// One JSON value as the deserializer handed it over, strings borrowed when they can be.
#[derive(Debug)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An array or an object.
    Composite(Value),
}

impl Scalar<'_> {
    /// The value rendered for an error message.
    pub(crate) fn show(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::UInt(u) => u.to_string(),
            Scalar::Float(f) => show_json(&Value::from(*f)),
            Scalar::Str(s) => show_str(s),
            Scalar::Composite(v) => show_json(v),
        }
    }

    /// An [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for this value.
    pub(crate) fn invalid(&self, what: &str, expected: &str) -> Error {
        Error::invalid(self.show(), what, expected)
    }

    /// The string, or an error naming `what` was expected.
    pub(crate) fn into_string(self, what: &str) -> Result<String, Error> {
        match self {
            Scalar::Str(s) => Ok(s.into_owned()),
            other => Err(other.invalid(what, "a JSON string")),
        }
    }

    /// The integer, from a JSON integer, an integral float, or a string of decimal digits.
    ///
    /// An integer that is well formed but does not fit (past `i64`, or a float past 2^53,
    /// where floats stop holding every integer) is [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange); anything else that
    /// is not an integer is [`ErrorKind::Invalid`](crate::ErrorKind::Invalid).
    pub(crate) fn to_i64(&self) -> Result<i64, Error> {
        const EXACT_FLOAT: f64 = 9_007_199_254_740_992.0; // 2^53
        let out_of_range = |expected: &str| Error::out_of_range(self.show(), expected);
        match self {
            Scalar::Int(i) => Ok(*i),
            Scalar::UInt(u) => i64::try_from(*u).map_err(|_| out_of_range(I64_EXPECTED)),
            Scalar::Float(f) if f.fract() == 0.0 => {
                if f.abs() <= EXACT_FLOAT {
                    Ok(*f as i64)
                } else {
                    Err(out_of_range(EXACT_FLOAT_EXPECTED))
                }
            }
            Scalar::Str(s) => match parse_decimal(s) {
                Some(Some(i)) => Ok(i),
                Some(None) => Err(out_of_range(I64_EXPECTED)),
                None => Err(self.invalid("an integer", INTEGER_EXPECTED)),
            },
            _ => Err(self.invalid("an integer", INTEGER_EXPECTED)),
        }
    }
}

/// The range of integer fields, for error messages.
const I64_EXPECTED: &str = "an integer from -9223372036854775808 to 9223372036854775807";
/// The range of integers written as floats, for error messages.
const EXACT_FLOAT_EXPECTED: &str =
    "an integer of at most 9007199254740992 (2^53) in magnitude when written as a float";

/// Parses an optionally signed string of ASCII decimal digits (no spaces, no `+`):
/// `None` when it is not one, `Some(None)` when it is one that does not fit an `i64`.
fn parse_decimal(s: &str) -> Option<Option<i64>> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse().ok())
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Scalar::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Scalar::Composite)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Scalar::Composite)
    }
}

/// An object key, borrowed from the input when it has no escapes.
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A record type read from a JSON object by a hand-written map visitor.
pub(crate) trait ReadObject: Sized {
    /// Reads every entry of the object; failures are recorded in `slot` with a path
    /// relative to the object.
    fn read_object<'de, A: MapAccess<'de>>(map: A, slot: &ErrorSlot) -> Result<Self, A::Error>;
}

/// Reads the next map value as the object type `T`; `Ok(None)` for JSON `null`.
pub(crate) fn read_object_value<'de, A, T>(
    map: &mut A,
    slot: &ErrorSlot,
) -> Result<Option<T>, A::Error>
where
    A: MapAccess<'de>,
    T: ReadObject,
{
    map.next_value_seed(ObjectSeed::<T>::new(slot))
}

/// The serde entry point of an object type: reads it with a fresh [`ErrorSlot`], so that
/// the error text names the path.
pub(crate) fn deserialize_object<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: ReadObject,
    D: Deserializer<'de>,
{
    let slot = ErrorSlot::default();
    match ObjectSeed::<T>::new(&slot).deserialize(deserializer)? {
        Some(value) => Ok(value),
        None => Err(slot.fail(Error::invalid("null", "an object", "a JSON object"))),
    }
}

/// Reads every entry of an object into a record with known keys (`read_known`) and an
/// `extra` map for the rest.
macro_rules! read_record {
    ($record:expr, $map:expr, $slot:expr) => {{
        let mut record = $record;
        let mut map = $map;
        while let Some(key) = map.next_key::<$crate::cdr::lenient::Key<'de>>()? {
            let key = key.as_str();
            if !record.read_known(key, &mut map, $slot)? {
                let value: serde_json::Value = map.next_value()?;
                record.extra.insert(key.to_owned(), value);
            }
        }
        record
    }};
}

pub(crate) use read_record;

/// Implements [`Lenient`] (as a field of an enclosing record) and serde's `Deserialize` for a
/// [`ReadObject`] type.
macro_rules! object_traits {
    ($ty:ty) => {
        impl $crate::cdr::lenient::Lenient for $ty {
            fn read<'de, A: serde::de::MapAccess<'de>>(
                map: &mut A,
                slot: &$crate::cdr::lenient::ErrorSlot,
            ) -> Result<Option<Self>, A::Error> {
                $crate::cdr::lenient::read_object_value(map, slot)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::cdr::lenient::deserialize_object(deserializer)
            }
        }
    };
}

pub(crate) use object_traits;

/// A seed that reads a `T` from an object, `None` from `null`, and records an error for
/// anything else.
pub(crate) struct ObjectSeed<'s, T> {
    slot: &'s ErrorSlot,
    marker: PhantomData<fn() -> T>,
}

impl<'s, T> ObjectSeed<'s, T> {
    pub(crate) fn new(slot: &'s ErrorSlot) -> Self {
        ObjectSeed {
            slot,
            marker: PhantomData,
        }
    }

    fn not_an_object<E: de::Error>(&self, scalar: Scalar<'_>) -> Result<Option<T>, E> {
        Err(self.slot.fail(scalar.invalid("an object", "a JSON object")))
    }
}

impl<'de, T: ReadObject> DeserializeSeed<'de> for ObjectSeed<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: ReadObject> Visitor<'de> for ObjectSeed<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::read_object(map, self.slot).map(Some)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.not_an_object(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.not_an_object(Scalar::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.not_an_object(Scalar::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.not_an_object(Scalar::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.not_an_object(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        self.not_an_object(Scalar::Composite(value))
    }
}

impl FromScalar for String {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.into_string("a string")
    }
}

impl FromScalar for i64 {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64()
    }
}

impl FromScalar for bool {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        match &scalar {
            Scalar::Bool(b) => Ok(*b),
            Scalar::Str(s) if s == "true" => Ok(true),
            Scalar::Str(s) if s == "false" => Ok(false),
            _ => Err(scalar.invalid("a boolean", "true, false, \"true\" or \"false\"")),
        }
    }
}

impl FromScalar for GregorianSeconds {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64().map(GregorianSeconds)
    }
}

impl FromScalar for UnixMicros {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64().map(UnixMicros)
    }
}

/// Any non-null JSON value, kept as it is.
impl FromScalar for Value {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        Ok(match scalar {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::UInt(u) => Value::from(u),
            Scalar::Float(f) => Value::from(f),
            Scalar::Str(s) => Value::String(s.into_owned()),
            Scalar::Composite(v) => v,
        })
    }
}

/// A JSON object kept as it is (`custom_application_vars`, `fax_info`).
impl FromScalar for Map<String, Value> {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        match scalar {
            Scalar::Composite(Value::Object(map)) => Ok(map),
            other => Err(other.invalid("an object", "a JSON object")),
        }
    }
}

/// A list of strings (`media_recordings`).
impl FromScalar for Vec<String> {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        let Scalar::Composite(Value::Array(items)) = scalar else {
            return Err(scalar.invalid("a list of strings", "a JSON array of strings"));
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s),
                other => Err(
                    Error::invalid(show_json(&other), "a string", "a JSON string").within_index(i),
                ),
            })
            .collect()
    }
}

/// Declares the known keys of a record type: how each is read into its field and written back.
///
/// The type must have an `extra: Map<String, Value>` field for everything else. A known key
/// whose value is `null` leaves its field `None` and is kept in `extra` as `null`, so that it is
/// written back; a later non-null value for the same key replaces it.
macro_rules! known_keys {
    ($ty:ty { $($key:literal => $field:ident,)* }) => {
        impl $ty {
            /// The known keys, in the order they are written.
            #[allow(dead_code)]
            pub(crate) const KNOWN_KEYS: &'static [&'static str] = &[$($key),*];

            /// Reads the value of `key` if it is a known key; `Ok(false)` when it is not.
            fn read_known<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
                slot: &$crate::cdr::lenient::ErrorSlot,
            ) -> Result<bool, A::Error> {
                match key {
                    $($key => {
                        match $crate::cdr::lenient::Lenient::read(map, slot) {
                            Ok(Some(value)) => {
                                self.$field = Some(value);
                                if !self.extra.is_empty() {
                                    self.extra.remove($key);
                                }
                            }
                            Ok(None) => {
                                self.$field = None;
                                self.extra.insert($key.to_owned(), serde_json::Value::Null);
                            }
                            Err(e) => return Err(slot.within(e, $key)),
                        }
                        Ok(true)
                    })*
                    _ => Ok(false),
                }
            }

            /// Whether `key` is a known key whose field holds a value.
            fn known_is_set(&self, key: &str) -> bool {
                match key {
                    $($key => self.$field.is_some(),)*
                    _ => false,
                }
            }

            /// Writes the known keys that hold a value, then the other keys except those in
            /// `reserved` (written by the caller).
            fn write_known<M: serde::ser::SerializeMap>(
                &self,
                map: &mut M,
                reserved: &[&str],
            ) -> Result<(), M::Error> {
                $(if let Some(value) = &self.$field {
                    map.serialize_entry($key, value)?;
                })*
                for (key, value) in &self.extra {
                    if !self.known_is_set(key) && !reserved.contains(&key.as_str()) {
                        map.serialize_entry(key, value)?;
                    }
                }
                Ok(())
            }
        }
    };
}

pub(crate) use known_keys;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn scalar(json: &str) -> Scalar<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn integers_accept_numbers_and_digit_strings_only() {
        assert_eq!(scalar("7").to_i64(), Ok(7));
        assert_eq!(scalar("\"-12\"").to_i64(), Ok(-12));
        assert_eq!(scalar("7.0").to_i64(), Ok(7));
        for bad in ["\"ten\"", "\"\"", "\"+7\"", "\" 7\"", "7.5", "true", "[]"] {
            let err = scalar(bad).to_i64().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}");
            assert!(err.to_string().contains("is not an integer"), "{err}");
        }
    }

    #[test]
    fn integers_past_i64_are_out_of_range_not_invalid() {
        assert_eq!(scalar("9223372036854775807").to_i64(), Ok(i64::MAX));
        assert_eq!(scalar("\"-9223372036854775808\"").to_i64(), Ok(i64::MIN));
        assert_eq!(scalar("9007199254740992.0").to_i64(), Ok(1 << 53));
        for (big, shown) in [
            ("18446744073709551615", "18446744073709551615"),
            ("\"9223372036854775808\"", "\"9223372036854775808\""),
            ("\"-99999999999999999999\"", "\"-99999999999999999999\""),
            ("1e300", "1e+300"),
            ("-9007199254740994.0", "-9007199254740994.0"),
        ] {
            let err = scalar(big).to_i64().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::OutOfRange, "{big}");
            assert!(err.to_string().starts_with(shown), "{err}");
        }
    }

    #[test]
    fn booleans_accept_true_false_strings() {
        assert_eq!(bool::from_scalar(scalar("\"true\"")), Ok(true));
        assert_eq!(bool::from_scalar(scalar("false")), Ok(false));
        assert!(bool::from_scalar(scalar("\"yes\"")).is_err());
        assert!(bool::from_scalar(scalar("1")).is_err());
    }

    #[test]
    fn string_lists_name_the_bad_index() {
        let err = Vec::<String>::from_scalar(scalar(r#"["a", 2]"#)).unwrap_err();
        assert_eq!(err.path(), "[1]");
    }
}
