//! The crate's one lenient JSON reader: the rules KAZOO's documents need (integers as numbers
//! or numeric strings, booleans as `true` or `"true"`, strings, lists), errors that name the
//! JSON path of the offending value, and the [`record!`](record::record) macro that declares a
//! record type from one field list.
//!
//! Two kinds of reader use it. The CDR record types read their known keys straight from the
//! deserializer (no intermediate `serde_json::Value` for them) and keep every other key as JSON;
//! the EDR readers walk a `serde_json::Value` and use the same rules through [`View`]. A failure
//! is recorded as a crate [`Error`] in an [`ErrorSlot`] that travels with the deserializer; each
//! enclosing object adds its key to the error's path on the way out, and the serde error
//! carries the same text, so `serde_json::from_str` users see the path too.

pub(crate) mod node;
pub(crate) mod record;

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
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
///
/// A lenient slot ([`ErrorSlot::lenient`]) also collects the values that record readers kept
/// verbatim instead of failing on them.
#[derive(Default)]
pub(crate) struct ErrorSlot {
    error: Cell<Option<Error>>,
    kept: Option<RefCell<Vec<Error>>>,
}

impl ErrorSlot {
    /// A slot for reading messy documents: a value that does not fit its field is kept
    /// verbatim and its error collected (see [`ErrorSlot::keep`]) instead of failing the read.
    pub(crate) fn lenient() -> Self {
        ErrorSlot {
            error: Cell::new(None),
            kept: Some(RefCell::new(Vec::new())),
        }
    }

    /// Whether values that do not fit are kept rather than refused.
    pub(crate) fn is_lenient(&self) -> bool {
        self.kept.is_some()
    }

    /// Collects the error of a value kept verbatim (path relative to the value being read).
    pub(crate) fn keep(&self, error: Error) {
        if let Some(kept) = &self.kept {
            kept.borrow_mut().push(error);
        }
    }

    /// How many errors have been collected so far.
    pub(crate) fn kept_len(&self) -> usize {
        self.kept.as_ref().map_or(0, |kept| kept.borrow().len())
    }

    /// Adds `key` in front of the path of every error collected since there were `since`.
    pub(crate) fn kept_within(&self, since: usize, key: &str) {
        if let Some(kept) = &self.kept {
            let mut kept = kept.borrow_mut();
            if kept.len() <= since {
                return;
            }
            let placed: Vec<Error> = kept.drain(since..).map(|e| e.within(key)).collect();
            kept.extend(placed);
        }
    }

    /// The collected errors, in reading order.
    pub(crate) fn take_kept(&self) -> Vec<Error> {
        self.kept
            .as_ref()
            .map(|kept| kept.take())
            .unwrap_or_default()
    }

    /// Records `error` (path relative to the value being read) and returns a serde error
    /// with the same text.
    pub(crate) fn fail<E: de::Error>(&self, error: Error) -> E {
        let serde_error = E::custom(&error);
        self.error.set(Some(error));
        serde_error
    }

    /// Adds `key` in front of the recorded error's path after a nested read failed.
    ///
    /// A serde error with nothing recorded (a syntax error) is returned unchanged.
    pub(crate) fn within<E: de::Error>(&self, error: E, key: &str) -> E {
        match self.error.take() {
            Some(recorded) => self.fail(recorded.within(key)),
            None => error,
        }
    }

    /// The recorded error, if reading failed on a value rather than on the JSON syntax.
    pub(crate) fn take(&self) -> Option<Error> {
        self.error.take()
    }
}

/// Converts the error of a whole-document read into a crate [`Error`].
pub(crate) fn json_error(slot: &ErrorSlot, error: serde_json::Error) -> Error {
    slot.take().unwrap_or_else(|| Error::json(error))
}

/// A value type read from one scalar JSON value.
pub(crate) trait FromScalar: Sized {
    /// Converts a non-null value, or says why it does not fit.
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error>;

    /// Whether a value that arrived as `scalar` is written back the same by writing the typed
    /// value natively (a JSON integer for an integer, a JSON string for a string). When it is
    /// not, a record keeps the scalar as it arrived (see [`record::Arrived`]). Every type
    /// answers (no default), so a new field type cannot lose the form of what it reads.
    fn is_native(scalar: &Scalar<'_>) -> bool;

    /// Converts an array or an object; when it does not fit, hands it back with the error,
    /// so that a lenient reader keeps it verbatim without having copied it first.
    fn from_composite(value: Value) -> Result<Self, (Error, Value)> {
        // Only the types that take arrays or objects need this copy to be avoided, and they
        // answer themselves; for the others a composite is rare and always an error.
        let raw = value.clone();
        Self::from_scalar(Scalar::Composite(value)).map_err(|error| (error, raw))
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

impl<'a> Scalar<'a> {
    /// A borrowed look at the value, for the shared rules.
    pub(crate) fn view(&self) -> View<'_> {
        match self {
            Scalar::Null => View::Null,
            Scalar::Bool(b) => View::Bool(*b),
            Scalar::Int(i) => View::Int(*i),
            Scalar::UInt(u) => View::UInt(*u),
            Scalar::Float(f) => View::Float(*f),
            Scalar::Str(s) => View::Str(s),
            Scalar::Composite(v) => View::Composite(v),
        }
    }

    /// An [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for this value.
    pub(crate) fn invalid(&self, what: &str, expected: &str) -> Error {
        self.view().invalid(what, expected)
    }

    /// The string, or an error naming `what` was expected.
    pub(crate) fn into_string(self, what: &str) -> Result<String, Error> {
        match self {
            Scalar::Str(s) => Ok(s.into_owned()),
            other => Err(other.invalid(what, "a JSON string")),
        }
    }

    /// The integer, by the [integer rule](View::to_i64).
    pub(crate) fn to_i64(&self) -> Result<i64, Error> {
        self.view().to_i64()
    }

    /// A copy of a scalar that is not an array or an object (`None` for those): free for a
    /// borrowed string.
    pub(crate) fn plain_copy(&self) -> Option<Scalar<'a>> {
        Some(match self {
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(*b),
            Scalar::Int(i) => Scalar::Int(*i),
            Scalar::UInt(u) => Scalar::UInt(*u),
            Scalar::Float(f) => Scalar::Float(*f),
            Scalar::Str(s) => Scalar::Str(s.clone()),
            Scalar::Composite(_) => return None,
        })
    }

    /// The value as JSON.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::UInt(u) => Value::from(u),
            Scalar::Float(f) => Value::from(f),
            Scalar::Str(s) => Value::String(s.into_owned()),
            Scalar::Composite(v) => v,
        }
    }

    /// Whether the value is a JSON number.
    fn is_number(&self) -> bool {
        matches!(self, Scalar::Int(_) | Scalar::UInt(_) | Scalar::Float(_))
    }
}

/// A borrowed look at one JSON value, from the streaming reader ([`Scalar::view`]) or from a
/// `serde_json::Value` (`View::from`): what the shared rules read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum View<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    /// An array or an object.
    Composite(&'a Value),
}

impl<'a> From<&'a Value> for View<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => View::UInt(u),
                (None, Some(i), _) => View::Int(i),
                (None, None, f) => View::Float(f.unwrap_or(f64::NAN)),
            },
            Value::String(s) => View::Str(s),
            composite => View::Composite(composite),
        }
    }
}

impl<'a> View<'a> {
    /// The value rendered for an error message.
    pub(crate) fn show(&self) -> String {
        match self {
            View::Null => "null".to_owned(),
            View::Bool(b) => b.to_string(),
            View::Int(i) => i.to_string(),
            View::UInt(u) => u.to_string(),
            View::Float(f) => show_json(&Value::from(*f)),
            View::Str(s) => show_str(s),
            View::Composite(v) => show_json(v),
        }
    }

    /// An [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for this value.
    pub(crate) fn invalid(&self, what: &str, expected: &str) -> Error {
        Error::invalid(self.show(), what, expected)
    }

    /// The integer rule: a JSON integer, an integral float, or a string of decimal digits.
    ///
    /// An integer that is well formed but does not fit (past `i64`, or a float past 2^53,
    /// where floats stop holding every integer) is [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange); anything else that
    /// is not an integer is [`ErrorKind::Invalid`](crate::ErrorKind::Invalid).
    pub(crate) fn to_i64(self) -> Result<i64, Error> {
        const EXACT_FLOAT: f64 = 9_007_199_254_740_992.0; // 2^53
        let out_of_range = |expected: &str| Error::out_of_range(self.show(), expected);
        match self {
            View::Int(i) => Ok(i),
            View::UInt(u) => i64::try_from(u).map_err(|_| out_of_range(I64_EXPECTED)),
            View::Float(f) if f.fract() == 0.0 => {
                if f.abs() <= EXACT_FLOAT {
                    Ok(f as i64)
                } else {
                    Err(out_of_range(EXACT_FLOAT_EXPECTED))
                }
            }
            View::Str(s) => match parse_decimal(s) {
                Some(Some(i)) => Ok(i),
                Some(None) => Err(out_of_range(I64_EXPECTED)),
                None => Err(self.invalid("an integer", INTEGER_EXPECTED)),
            },
            _ => Err(self.invalid("an integer", INTEGER_EXPECTED)),
        }
    }
}

/// What a boolean accepts, for error messages.
const BOOLEAN_EXPECTED: &str = r#"true, false, "true" or "false""#;

/// The boolean rule: `true`/`false` or the strings `"true"`/`"false"`.
pub(crate) fn boolean(value: View<'_>) -> Result<bool, Error> {
    match value {
        View::Bool(b) => Ok(b),
        View::Str("true") => Ok(true),
        View::Str("false") => Ok(false),
        other => Err(other.invalid("a boolean", BOOLEAN_EXPECTED)),
    }
}

/// The string rule: a JSON string, nothing else.
pub(crate) fn string(value: View<'_>) -> Result<&str, Error> {
    match value {
        View::Str(s) => Ok(s),
        other => Err(other.invalid("a string", "a JSON string")),
    }
}

/// The list rule: a JSON array whose items each pass `item`; an item's error is placed at its
/// index (`[1]`), anything but an array is `what`, `expected`.
pub(crate) fn list<'a, T>(
    value: View<'a>,
    what: &str,
    expected: &str,
    mut item: impl FnMut(View<'a>) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    match value {
        View::Composite(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| item(View::from(v)).map_err(|e| e.within_index(i)))
            .collect(),
        other => Err(other.invalid(what, expected)),
    }
}

/// One value or a list of them, as KAZOO's selections are written.
pub(crate) enum OneOrList<T> {
    One(T),
    List(Vec<T>),
}

/// The one-or-list rule: a JSON string read by `item`, or an array whose items each pass
/// `item` (errors placed at the index); anything else is `what`, `expected`.
pub(crate) fn one_or_list<'a, T>(
    value: View<'a>,
    what: &str,
    expected: &str,
    mut item: impl FnMut(View<'a>) -> Result<T, Error>,
) -> Result<OneOrList<T>, Error> {
    match value {
        View::Str(_) => item(value).map(OneOrList::One),
        _ => list(value, what, expected, item).map(OneOrList::List),
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

    /// The key as an owned string (moved, not copied, when it is owned already).
    pub(crate) fn into_owned(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
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

/// Implements [`Field`](record::Field) (as a field of an enclosing record) and serde's
/// `Deserialize` for a [`ReadObject`] type; `$forget` clears the forms its fields remember.
///
/// With `lenient_fails_only_on_non_objects`, the type declares that its lenient read
/// (`ErrorSlot::lenient`) fails on nothing but a value that is not an object (every other
/// misfit is kept inside it), so a lenient enclosing record reads it in one pass instead of
/// copying the value first to keep it verbatim on failure.
macro_rules! object_traits {
    ($ty:ty) => {
        $crate::json::object_traits!($ty, |_value| {});
    };
    ($ty:ty, $forget:expr) => {
        $crate::json::object_traits!(@impl $ty, $forget, {});
    };
    ($ty:ty, $forget:expr, lenient_fails_only_on_non_objects) => {
        $crate::json::object_traits!(@impl $ty, $forget, {
            fn read_lenient<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
                slot: &$crate::json::ErrorSlot,
            ) -> Result<$crate::json::record::Lenient<Self>, D::Error> {
                use serde::de::DeserializeSeed;
                $crate::json::LenientObjectSeed::<$ty>::new(slot).deserialize(deserializer)
            }
        });
    };
    (@impl $ty:ty, $forget:expr, { $($lenient:tt)* }) => {
        impl $crate::json::record::Field for $ty {
            fn read<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
                slot: &$crate::json::ErrorSlot,
            ) -> Result<Option<(Self, Option<$crate::json::record::Arrived>)>, D::Error> {
                use serde::de::DeserializeSeed;
                let read = $crate::json::ObjectSeed::<$ty>::new(slot).deserialize(deserializer)?;
                Ok(read.map(|value| (value, None)))
            }

            $($lenient)*

            fn forget_forms(&mut self) {
                let forget: fn(&mut $ty) = $forget;
                forget(self);
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::json::deserialize_object(deserializer)
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

/// A seed that reads a `T` from an object in a lenient read: `null` is
/// [`Lenient::Null`](record::Lenient::Null), anything but an object is kept verbatim with its
/// error.
pub(crate) struct LenientObjectSeed<'s, T> {
    slot: &'s ErrorSlot,
    marker: PhantomData<fn() -> T>,
}

impl<'s, T> LenientObjectSeed<'s, T> {
    pub(crate) fn new(slot: &'s ErrorSlot) -> Self {
        LenientObjectSeed {
            slot,
            marker: PhantomData,
        }
    }

    fn kept<E>(scalar: Scalar<'_>) -> Result<record::Lenient<T>, E> {
        let error = scalar.invalid("an object", "a JSON object");
        Ok(record::Lenient::Kept(scalar.into_value(), error))
    }
}

impl<'de, T: ReadObject> DeserializeSeed<'de> for LenientObjectSeed<'_, T> {
    type Value = record::Lenient<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: ReadObject> Visitor<'de> for LenientObjectSeed<'_, T> {
    type Value = record::Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::read_object(map, self.slot).map(|value| record::Lenient::Read(value, None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(record::Lenient::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(record::Lenient::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Self::kept(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Self::kept(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Self::kept(Scalar::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Self::kept(Scalar::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Self::kept(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Self::kept(Scalar::Composite(value))
    }
}

/// A string field: a JSON string, or a JSON number taken as its JSON text
/// (`15555678907` → `"15555678907"`), which a record writes back as the number.
impl FromScalar for String {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        match scalar {
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::UInt(u) => Ok(u.to_string()),
            Scalar::Float(f) => Ok(Value::from(f).to_string()),
            other => other.into_string("a string"),
        }
    }

    fn is_native(scalar: &Scalar<'_>) -> bool {
        !scalar.is_number()
    }
}

/// Whether an integer field's value arrived as a JSON integer.
pub(crate) fn is_integer(scalar: &Scalar<'_>) -> bool {
    matches!(scalar, Scalar::Int(_) | Scalar::UInt(_))
}

impl FromScalar for i64 {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64()
    }

    fn is_native(scalar: &Scalar<'_>) -> bool {
        is_integer(scalar)
    }
}

impl FromScalar for bool {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        boolean(scalar.view())
    }

    fn is_native(scalar: &Scalar<'_>) -> bool {
        matches!(scalar, Scalar::Bool(_))
    }
}

impl FromScalar for GregorianSeconds {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64().map(GregorianSeconds)
    }

    fn is_native(scalar: &Scalar<'_>) -> bool {
        is_integer(scalar)
    }
}

impl FromScalar for UnixMicros {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64().map(UnixMicros)
    }

    fn is_native(scalar: &Scalar<'_>) -> bool {
        is_integer(scalar)
    }
}

/// Any non-null JSON value, kept as it is.
impl FromScalar for Value {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        Ok(scalar.into_value())
    }

    /// Kept as it arrived.
    fn is_native(_scalar: &Scalar<'_>) -> bool {
        true
    }

    fn from_composite(value: Value) -> Result<Self, (Error, Value)> {
        Ok(value)
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

    /// Kept as it arrived.
    fn is_native(_scalar: &Scalar<'_>) -> bool {
        true
    }

    fn from_composite(value: Value) -> Result<Self, (Error, Value)> {
        match value {
            Value::Object(map) => Ok(map),
            other => Err((
                View::from(&other).invalid("an object", "a JSON object"),
                other,
            )),
        }
    }
}

/// A list of strings (`media_recordings`).
impl FromScalar for Vec<String> {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        list(
            scalar.view(),
            "a list of strings",
            "a JSON array of strings",
            |item| string(item).map(str::to_owned),
        )
    }

    /// Kept as it arrived.
    fn is_native(_scalar: &Scalar<'_>) -> bool {
        true
    }

    fn from_composite(value: Value) -> Result<Self, (Error, Value)> {
        let read = list(
            View::Composite(&value),
            "a list of strings",
            "a JSON array of strings",
            |item| string(item).map(str::to_owned),
        );
        read.map_err(|error| (error, value))
    }
}

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
