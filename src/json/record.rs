//! [`record!`]: a record type declared from one field list, read leniently and written
//! faithfully.
//!
//! A record is a JSON object with known keys, each a typed `Option` field, and an `extra` map
//! for every other key. The macro generates, from one list of `"key" => field: Type` entries,
//! the struct, the key table, the reader of each known key and the writer, so a field cannot be
//! declared without its key (and land in `extra` unnoticed).
//!
//! # Faithful writing
//!
//! A typed value is written back in the JSON form it arrived in. Most values arrive in their
//! native form (a JSON integer for an integer field, a string for a string field) and cost
//! nothing. The others (an integer written as `"2262"` or `7.0`, a boolean written as
//! `"true"`, a string written as the number `15555678907`) are remembered in the record's
//! [`Forms`]: the field's index and the scalar as it arrived ([`Arrived`]). On writing, a field
//! with a remembered scalar that still reads as the field's value is written as that scalar;
//! any other value (one set from Rust) is written natively.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, MapAccess};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use super::{ErrorSlot, FromScalar, Scalar};
use crate::Error;

/// A scalar as it arrived, kept for a typed field whose native writing would give another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arrived {
    /// A JSON string holding an integer in its canonical decimal form (`"2262"`, not `"007"`),
    /// kept as the integer: no allocation.
    IntText(i64),
    /// The JSON string `"true"` or `"false"`, kept as the boolean.
    BoolText(bool),
    /// Any other JSON string (`"007"`).
    Text(Box<str>),
    /// A JSON number (`7.0` for an integer, `15555678907` for a string).
    Number(Number),
}

impl Arrived {
    /// The scalar to keep for a value that arrived as `scalar`, if it is one that can be kept.
    fn of(scalar: &Scalar<'_>) -> Option<Arrived> {
        match scalar {
            Scalar::Str(s) => Some(match s.as_ref() {
                "true" => Arrived::BoolText(true),
                "false" => Arrived::BoolText(false),
                text => match canonical_integer(text) {
                    Some(i) => Arrived::IntText(i),
                    None => Arrived::Text(text.into()),
                },
            }),
            Scalar::Int(i) => Some(Arrived::Number((*i).into())),
            Scalar::UInt(u) => Some(Arrived::Number((*u).into())),
            Scalar::Float(f) => Number::from_f64(*f).map(Arrived::Number),
            _ => None,
        }
    }

    /// The kept scalar, to read again.
    fn scalar(&self) -> Scalar<'_> {
        match self {
            Arrived::IntText(i) => Scalar::Str(Cow::Owned(i.to_string())),
            Arrived::BoolText(b) => Scalar::Str(Cow::Borrowed(if *b { "true" } else { "false" })),
            Arrived::Text(s) => Scalar::Str(Cow::Borrowed(s)),
            Arrived::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Scalar::UInt(u),
                (None, Some(i)) => Scalar::Int(i),
                (None, None) => Scalar::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        }
    }
}

/// The integer `text` spells in canonical decimal (what `i64`'s `Display` writes: no `+`, no
/// leading zero, no `-0`), if it is one.
fn canonical_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = match digits.as_bytes() {
        [] => false,
        [b'0'] => digits.len() == text.len(),
        [first, rest @ ..] => {
            first.is_ascii_digit() && *first != b'0' && rest.iter().all(u8::is_ascii_digit)
        }
    };
    if canonical { text.parse().ok() } else { None }
}

impl Serialize for Arrived {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Arrived::IntText(i) => serializer.collect_str(i),
            Arrived::BoolText(b) => serializer.serialize_str(if *b { "true" } else { "false" }),
            Arrived::Text(s) => serializer.serialize_str(s),
            Arrived::Number(n) => n.serialize(serializer),
        }
    }
}

/// The remembered forms of a record's fields: (field index, scalar as it arrived), only for
/// the fields whose value did not arrive in its native form, with a bit mask of those indices
/// so that a field without one is looked up in one test. Empty (no allocation) for a document
/// written natively. It also notes whether `extra` may hold a known key (a `null`, or a value
/// kept by the lenient reader), which a later value of that key must then remove.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forms {
    mask: u128,
    list: Vec<(u8, Arrived)>,
    known_in_extra: bool,
}

impl Forms {
    /// How many keyed fields a record may have (one bit of the mask is the head field's).
    pub(crate) const MAX_FIELDS: usize = 127;

    /// The index under which the head field's form is remembered.
    pub(crate) const HEAD: u8 = 127;

    /// Remembers (or, with `None`, forgets) how field `index` arrived.
    #[inline]
    pub(crate) fn set(&mut self, index: u8, arrived: Option<Arrived>) {
        let bit = 1u128 << index;
        match arrived {
            None if self.mask & bit == 0 => {}
            None => {
                self.mask &= !bit;
                self.list.retain(|(i, _)| *i != index);
            }
            Some(arrived) if self.mask & bit == 0 => {
                self.mask |= bit;
                self.list.push((index, arrived));
            }
            Some(arrived) => {
                if let Some(entry) = self.list.iter_mut().find(|(i, _)| *i == index) {
                    entry.1 = arrived;
                }
            }
        }
    }

    /// How field `index` arrived, if it is remembered.
    #[inline]
    pub(crate) fn get(&self, index: u8) -> Option<&Arrived> {
        if self.mask & (1u128 << index) == 0 {
            return None;
        }
        self.list.iter().find(|(i, _)| *i == index).map(|(_, a)| a)
    }

    /// Whether no form is remembered.
    pub(crate) fn is_empty(&self) -> bool {
        self.mask == 0
    }

    /// Forgets every form.
    pub(crate) fn clear(&mut self) {
        self.mask = 0;
        self.list.clear();
    }
}

/// What a lenient read of one field gives.
pub(crate) enum Lenient<T> {
    /// JSON `null`.
    Null,
    /// The value, and the scalar to remember when it did not arrive in its native form.
    Read(T, Option<Arrived>),
    /// A value that does not fit, verbatim, and why (path relative to the value).
    Kept(Value, Error),
}

/// A field type of a record: read from one JSON value, written with serde.
pub(crate) trait Field: Sized {
    /// Reads the value: `Ok(None)` for JSON `null`, else the value and, when it did not
    /// arrive in its native form, the scalar to remember. On failure the error is recorded in
    /// `slot` with a path relative to this value.
    fn read<'de, D: Deserializer<'de>>(
        deserializer: D,
        slot: &ErrorSlot,
    ) -> Result<Option<(Self, Option<Arrived>)>, D::Error>;

    /// Reads the value leniently (`slot` is lenient): a value that does not fit is handed
    /// back verbatim with its error instead of failing the read.
    ///
    /// By default the value is first copied as JSON and read from the copy, which a type
    /// whose reader may fail anywhere inside the value needs; the scalar types and the
    /// records that fail only on what is not an object read it once, without the copy.
    fn read_lenient<'de, D: Deserializer<'de>>(
        deserializer: D,
        slot: &ErrorSlot,
    ) -> Result<Lenient<Self>, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Ok(match Self::read(&raw, slot) {
            Ok(None) => Lenient::Null,
            Ok(Some((value, arrived))) => Lenient::Read(value, arrived),
            Err(error) => {
                let error = slot.take().unwrap_or_else(|| Error::json(error));
                Lenient::Kept(raw, error)
            }
        })
    }

    /// Whether `arrived` still reads as this value (so it is written as it arrived).
    fn still(&self, _arrived: &Arrived) -> bool {
        false
    }

    /// Forgets the forms remembered inside the value (a nested record's).
    fn forget_forms(&mut self) {}
}

impl<T: FromScalar + PartialEq> Field for T {
    fn read<'de, D: Deserializer<'de>>(
        deserializer: D,
        slot: &ErrorSlot,
    ) -> Result<Option<(Self, Option<Arrived>)>, D::Error> {
        let scalar = Scalar::deserialize(deserializer)?;
        if let Scalar::Null = scalar {
            return Ok(None);
        }
        let arrived = if T::is_native(&scalar) {
            None
        } else {
            Arrived::of(&scalar)
        };
        match T::from_scalar(scalar) {
            Ok(value) => Ok(Some((value, arrived))),
            Err(error) => Err(slot.fail(error)),
        }
    }

    fn read_lenient<'de, D: Deserializer<'de>>(
        deserializer: D,
        _slot: &ErrorSlot,
    ) -> Result<Lenient<Self>, D::Error> {
        let scalar = Scalar::deserialize(deserializer)?;
        if let Scalar::Null = scalar {
            return Ok(Lenient::Null);
        }
        let arrived = if T::is_native(&scalar) {
            None
        } else {
            Arrived::of(&scalar)
        };
        let read = match scalar {
            Scalar::Composite(value) => T::from_composite(value),
            plain => {
                let copy = plain.plain_copy();
                T::from_scalar(plain)
                    .map_err(|error| (error, copy.map_or(Value::Null, Scalar::into_value)))
            }
        };
        Ok(match read {
            Ok(value) => Lenient::Read(value, arrived),
            Err((error, raw)) => Lenient::Kept(raw, error),
        })
    }

    fn still(&self, arrived: &Arrived) -> bool {
        T::from_scalar(arrived.scalar()).is_ok_and(|value| value == *self)
    }
}

/// Reads one field with a [`Field`] reader.
struct FieldSeed<'s, T> {
    slot: &'s ErrorSlot,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: Field> DeserializeSeed<'de> for FieldSeed<'_, T> {
    type Value = Option<(T, Option<Arrived>)>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        T::read(deserializer, self.slot)
    }
}

/// Reads one field with a [`Field`] lenient reader.
struct LenientSeed<'s, T> {
    slot: &'s ErrorSlot,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: Field> DeserializeSeed<'de> for LenientSeed<'_, T> {
    type Value = Lenient<T>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        T::read_lenient(deserializer, self.slot)
    }
}

/// Where one known key of a record is read into.
pub(crate) struct Entry<'r, T> {
    pub(crate) key: &'static str,
    pub(crate) index: u8,
    pub(crate) field: &'r mut Option<T>,
    pub(crate) forms: &'r mut Forms,
    pub(crate) extra: &'r mut Map<String, Value>,
}

/// Reads the next map value into a known key's field.
///
/// `null` leaves the field `None` and is kept in `extra` (so it is written back); a value
/// replaces an earlier `null` or value of the same key. With a lenient `slot`, a value that
/// does not fit is kept verbatim in `extra`, the field left `None` and the error collected.
pub(crate) fn read_entry<'de, A: MapAccess<'de>, T: Field>(
    map: &mut A,
    slot: &ErrorSlot,
    entry: Entry<'_, T>,
) -> Result<(), A::Error> {
    let key = entry.key;
    let read = if slot.is_lenient() {
        let before = slot.kept_len();
        let read = map.next_value_seed(LenientSeed::<T> {
            slot,
            marker: PhantomData,
        })?;
        slot.kept_within(before, key);
        match read {
            Lenient::Null => None,
            Lenient::Read(value, arrived) => Some((value, arrived)),
            Lenient::Kept(raw, error) => {
                slot.keep(error.within(key));
                *entry.field = None;
                entry.forms.set(entry.index, None);
                entry.forms.known_in_extra = true;
                entry.extra.insert(key.to_owned(), raw);
                return Ok(());
            }
        }
    } else {
        let seed = FieldSeed {
            slot,
            marker: PhantomData,
        };
        match map.next_value_seed(seed) {
            Ok(read) => read,
            Err(error) => return Err(slot.within(error, key)),
        }
    };
    match read {
        Some((value, arrived)) => {
            *entry.field = Some(value);
            entry.forms.set(entry.index, arrived);
            if entry.forms.known_in_extra {
                entry.extra.remove(key);
            }
        }
        None => {
            *entry.field = None;
            entry.forms.set(entry.index, None);
            entry.forms.known_in_extra = true;
            entry.extra.insert(key.to_owned(), Value::Null);
        }
    }
    Ok(())
}

/// Writes one known key: as it arrived when its remembered scalar still reads as `value`,
/// else natively.
pub(crate) fn write_entry<M: SerializeMap, T: Field + Serialize>(
    map: &mut M,
    key: &str,
    value: &T,
    arrived: Option<&Arrived>,
) -> Result<(), M::Error> {
    match arrived {
        Some(arrived) if value.still(arrived) => map.serialize_entry(key, arrived),
        _ => map.serialize_entry(key, value),
    }
}

/// The form a field is written in: its remembered scalar while that still reads as the value.
pub(crate) fn effective_form<'a, T: Field>(
    value: &Option<T>,
    arrived: Option<&'a Arrived>,
) -> Option<&'a Arrived> {
    arrived.filter(|arrived| value.as_ref().is_some_and(|v| v.still(arrived)))
}

/// The form the head field is written in: its remembered scalar (at [`Forms::HEAD`]) while
/// that still reads as the value.
pub(crate) fn effective_head_form<'a, T: Field>(
    value: &T,
    forms: &'a Forms,
) -> Option<&'a Arrived> {
    forms
        .get(Forms::HEAD)
        .filter(|arrived| value.still(arrived))
}

/// Declares a record type from one field list: the struct (with `extra` and its private
/// forms), `KNOWN_KEYS`, `blank` (every field `None`), `read_known`, `known_is_set`,
/// `written_node` (one key's written JSON, borrowed, without writing the record), `write_known`,
/// `forget_forms`, and `PartialEq`/`Eq` (typed values, `extra`, and the form
/// each field is written in).
///
/// A record may have one head field, read and written by hand (no key entry); its remembered
/// form, if the reader keeps one, is at [`Forms::HEAD`] and takes part in equality.
///
/// ```text
/// record! {
///     /// The record.
///     #[derive(Debug, Clone)]
///     pub struct Vars {
///         head {
///             /// A field read by hand (no key entry).
///             pub call_id: String,
///         }
///         /// The rate (`rate`).
///         "rate" => pub rate: Units,
///     }
/// }
/// ```
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(head {
                $(#[$hmeta:meta])* $hvis:vis $hfield:ident: $hty:ty,
            })?
            $( $(#[$fmeta:meta])* $key:literal => $fvis:vis $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$hmeta])* $hvis $hfield: $hty, )?
            $( $(#[$fmeta])* $fvis $field: Option<$ty>, )*
            /// Every other key, as written.
            pub extra: serde_json::Map<String, serde_json::Value>,
            /// How typed values arrived, where that is not their native JSON form.
            forms: $crate::json::record::Forms,
        }

        /// The index of each field, for its remembered form.
        #[allow(non_camel_case_types, dead_code, clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum Index {
            $($field,)*
        }

        // A form's field index is a bit of a `u128`.
        const _: () = assert!($name::KNOWN_KEYS.len() <= $crate::json::record::Forms::MAX_FIELDS);

        impl $name {
            /// The known keys, in the order they are written.
            #[allow(dead_code)]
            pub(crate) const KNOWN_KEYS: &'static [&'static str] = &[$($key),*];

            /// A record with the head fields given and every keyed field `None`.
            fn blank($($hfield: $hty)?) -> Self {
                $name {
                    $($hfield,)?
                    $($field: None,)*
                    extra: serde_json::Map::new(),
                    forms: $crate::json::record::Forms::default(),
                }
            }

            /// Reads the value of `key` if it is a known key; `Ok(false)` when it is not.
            fn read_known<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
                slot: &$crate::json::ErrorSlot,
            ) -> Result<bool, A::Error> {
                match key {
                    $($key => {
                        $crate::json::record::read_entry(map, slot, $crate::json::record::Entry {
                            key: $key,
                            index: Index::$field as u8,
                            field: &mut self.$field,
                            forms: &mut self.forms,
                            extra: &mut self.extra,
                        })?;
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

            /// The node of the JSON the record writes at keyed `key` (a known key's field
            /// holding a value, as it arrived or natively, else `extra`), borrowed, without
            /// writing the record; `None` when it writes no such key. The head field is not
            /// looked at.
            #[allow(dead_code)]
            pub(crate) fn written_node(&self, key: &str) -> Option<$crate::json::node::Node<'_>> {
                match key {
                    $($key => {
                        if let Some(value) = &self.$field {
                            let arrived = $crate::json::record::effective_form(
                                &self.$field, self.forms.get(Index::$field as u8),
                            );
                            return Some(match arrived {
                                Some(arrived) => arrived.node(),
                                None => $crate::json::node::Written::node(value),
                            });
                        }
                    })*
                    _ => {}
                }
                self.extra.get(key).map($crate::json::node::Node::Json)
            }

            /// Writes the known keys that hold a value (each as it arrived, or natively), then
            /// the other keys except those in `reserved` (written by the caller).
            fn write_known<M: serde::ser::SerializeMap>(
                &self,
                map: &mut M,
                reserved: &[&str],
            ) -> Result<(), M::Error> {
                $(if let Some(value) = &self.$field {
                    $crate::json::record::write_entry(
                        map, $key, value, self.forms.get(Index::$field as u8),
                    )?;
                })*
                for (key, value) in &self.extra {
                    if !self.known_is_set(key) && !reserved.contains(&key.as_str()) {
                        map.serialize_entry(key, value)?;
                    }
                }
                Ok(())
            }

            /// Forgets every remembered form, here and in nested records, so that every
            /// typed value is written natively.
            fn forget_forms(&mut self) {
                self.forms.clear();
                $(if let Some(value) = &mut self.$field {
                    $crate::json::record::Field::forget_forms(value);
                })*
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                use $crate::json::record::effective_form;
                true $(&& self.$hfield == other.$hfield)?
                    $(&& self.$field == other.$field)*
                    && self.extra == other.extra
                    && ((self.forms.is_empty() && other.forms.is_empty())
                        || (true $(&& effective_form(&self.$field, self.forms.get(Index::$field as u8))
                            == effective_form(&other.$field, other.forms.get(Index::$field as u8)))*
                            $(&& $crate::json::record::effective_head_form(&self.$hfield, &self.forms)
                                == $crate::json::record::effective_head_form(&other.$hfield, &other.forms))?))
            }
        }

        impl Eq for $name {}
    };
}

pub(crate) use record;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers_are_what_display_writes() {
        for (text, read) in [("0", Some(0)), ("2262", Some(2262)), ("-7", Some(-7))] {
            assert_eq!(canonical_integer(text), read, "{text}");
        }
        for text in [
            "",
            "-",
            "-0",
            "007",
            "+7",
            " 7",
            "7.0",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(canonical_integer(text), None, "{text}");
        }
    }

    #[test]
    fn kept_scalars_read_and_write_as_they_arrived() {
        for (json, arrived) in [
            (r#""2262""#, Arrived::IntText(2262)),
            (r#""true""#, Arrived::BoolText(true)),
            (r#""007""#, Arrived::Text("007".into())),
            ("7.0", Arrived::Number(Number::from_f64(7.0).unwrap())),
        ] {
            let scalar: Scalar<'_> = serde_json::from_str(json).unwrap();
            assert_eq!(Arrived::of(&scalar).as_ref(), Some(&arrived), "{json}");
            assert_eq!(serde_json::to_string(&arrived).unwrap(), json);
        }
    }

    #[test]
    fn forms_remember_and_forget_by_index() {
        let mut forms = Forms::default();
        assert!(forms.is_empty() && forms.get(3).is_none());
        forms.set(3, Some(Arrived::BoolText(true)));
        forms.set(127, Some(Arrived::IntText(1)));
        forms.set(3, Some(Arrived::IntText(2)));
        assert_eq!(forms.get(3), Some(&Arrived::IntText(2)));
        forms.set(3, None);
        assert_eq!(
            (forms.get(3), forms.get(127)),
            (None, Some(&Arrived::IntText(1)))
        );
        forms.clear();
        assert!(forms.is_empty() && forms.get(127).is_none());
    }
}
