//! Writing out only some top-level keys of a record: a `serde` serializer that keeps the
//! entries of the record's map whose key is wanted, turns just those into JSON values, and
//! stops the record's serialisation once it has them all.
//!
//! This is how [`Filters::matches`](super::Filters::matches) judges a [`Cdr`](super::Cdr) on
//! its JSON form without writing the whole document: the result is exactly the wanted part
//! of `serde_json::to_value(record)`.

use std::fmt;

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct};
use serde_json::{Map, Value};

/// The entries of `record`'s JSON object whose keys are in `keys`.
pub(crate) fn pick<T: Serialize + ?Sized>(record: &T, keys: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    if keys.is_empty() {
        return out;
    }
    let picker = Picker {
        keys,
        out: &mut out,
        pending: None,
    };
    // `Stop::Done` ends the serialisation early; any other outcome leaves what was picked.
    let _ = record.serialize(picker);
    out
}

struct Picker<'k, 'o> {
    keys: &'k [String],
    out: &'o mut Map<String, Value>,
    /// The wanted key whose value comes next (between `serialize_key` and `serialize_value`).
    pending: Option<String>,
}

/// Why picking stopped.
#[derive(Debug)]
enum Stop {
    /// Every wanted key was written: nothing more to read.
    Done,
    /// The record is not a map of string keys, or its value failed to serialise.
    Other(String),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Done => f.write_str("done"),
            Stop::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Stop::Other(message.to_string())
    }
}

impl Picker<'_, '_> {
    fn wanted(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key) && !self.out.contains_key(key)
    }

    fn put(&mut self, key: String, value: &(impl Serialize + ?Sized)) -> Result<(), Stop> {
        let value = value
            .serialize(serde_json::value::Serializer)
            .map_err(|e| Stop::Other(e.to_string()))?;
        self.out.insert(key, value);
        if self.out.len() == self.keys.len() {
            return Err(Stop::Done);
        }
        Ok(())
    }
}

impl SerializeMap for Picker<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), Stop> {
        let key = key.serialize(KeyText)?;
        self.pending = self.wanted(&key).then_some(key);
        Ok(())
    }

    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Stop> {
        match self.pending.take() {
            Some(key) => self.put(key, value),
            None => Ok(()),
        }
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Stop> {
        let key = key.serialize(KeyText)?;
        if self.wanted(&key) {
            self.put(key, value)?;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl SerializeStruct for Picker<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), Stop> {
        if self.wanted(key) {
            self.put(key.to_owned(), value)?;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

fn not_a_map<T>() -> Result<T, Stop> {
    Err(Stop::Other("not a map".to_owned()))
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Stop> { not_a_map() })*
    };
}

impl<'k, 'o> ser::Serializer for Picker<'k, 'o> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Stop>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        not_a_map()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        not_a_map()
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        not_a_map()
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        not_a_map()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        not_a_map()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        not_a_map()
    }
}

/// Serialises a map key to its text (JSON object keys are strings).
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Stop;
    type SerializeSeq = Impossible<String, Stop>;
    type SerializeTuple = Impossible<String, Stop>;
    type SerializeTupleStruct = Impossible<String, Stop>;
    type SerializeTupleVariant = Impossible<String, Stop>;
    type SerializeMap = Impossible<String, Stop>;
    type SerializeStruct = Impossible<String, Stop>;
    type SerializeStructVariant = Impossible<String, Stop>;

    fn serialize_str(self, v: &str) -> Result<String, Stop> {
        Ok(v.to_owned())
    }

    fn serialize_char(self, v: char) -> Result<String, Stop> {
        Ok(v.to_string())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Stop> {
        Ok(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Stop> {
        value.serialize(self)
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Stop> {
        not_a_map()
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Stop> {
        not_a_map()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        not_a_map()
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        not_a_map()
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        not_a_map()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        not_a_map()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        not_a_map()
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        not_a_map()
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        not_a_map()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_the_wanted_keys_of_a_map() {
        let value = json!({"a": 1, "b": {"c": [1, 2]}, "d": "x"});
        let keys = ["b".to_owned(), "d".to_owned(), "absent".to_owned()];
        let picked = pick(&value, &keys);
        assert_eq!(Value::Object(picked), json!({"b": {"c": [1, 2]}, "d": "x"}));
        assert!(pick(&json!([1, 2]), &keys).is_empty());
        assert!(pick(&value, &[]).is_empty());
    }
}
