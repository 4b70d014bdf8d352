//! Writing out only some keys of a record: a `serde` serializer that keeps the entries of the
//! record's map whose key is wanted, turns just those into JSON values (one level further
//! down, only the wanted keys of a nested object), and stops the record's serialisation once
//! it has them all.
//!
//! This is how [`Filters::matches`](super::Filters::matches) judges a [`Cdr`](super::Cdr) on
//! its JSON form without writing the whole document: the result holds exactly the wanted
//! paths of `serde_json::to_value(record)`.

use std::fmt;

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct};
use serde_json::{Map, Value};

/// A key to write out: whole (`inner` is `None`), or only some of its own keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Want {
    pub key: String,
    pub inner: Option<Vec<String>>,
}

/// The wanted keys of paths (each a list of keys): a path of one key wants its value whole;
/// longer paths want only their second key of the value (which is then written whole).
pub(crate) fn wants<'p>(paths: impl IntoIterator<Item = &'p [String]>) -> Vec<Want> {
    let mut wants: Vec<Want> = Vec::new();
    for path in paths {
        let Some(first) = path.first() else { continue };
        let second = path.get(1).filter(|_| path.len() >= 2);
        let at = match wants.iter().position(|w| &w.key == first) {
            Some(at) => at,
            None => {
                wants.push(Want {
                    key: first.clone(),
                    inner: Some(Vec::new()),
                });
                wants.len() - 1
            }
        };
        let want = &mut wants[at];
        match (second, &mut want.inner) {
            (Some(second), Some(inner)) => {
                if !inner.contains(second) {
                    inner.push(second.clone());
                }
            }
            (None, inner) => *inner = None,
            (Some(_), None) => {}
        }
    }
    wants
}

/// The entries of `record`'s JSON object that `wants` names.
pub(crate) fn pick<T: Serialize + ?Sized>(record: &T, wants: &[Want]) -> Map<String, Value> {
    let mut out = Map::new();
    if wants.is_empty() {
        return out;
    }
    let picker = Picker {
        wants,
        out: &mut out,
        pending: None,
    };
    // `Stop::Done` ends the serialisation early; any other outcome leaves what was picked.
    let _ = record.serialize(picker);
    out
}

/// The wanted keys of a nested object; `None` when the value is no map.
fn pick_keys<T: Serialize + ?Sized>(value: &T, keys: &[String]) -> Option<Map<String, Value>> {
    let wants: Vec<Want> = keys
        .iter()
        .map(|key| Want {
            key: key.clone(),
            inner: None,
        })
        .collect();
    let mut out = Map::new();
    let picker = Picker {
        wants: &wants,
        out: &mut out,
        pending: None,
    };
    match value.serialize(picker) {
        Ok(()) | Err(Stop::Done) => Some(out),
        Err(Stop::Other(_)) => None,
    }
}

struct Picker<'k, 'o> {
    wants: &'k [Want],
    out: &'o mut Map<String, Value>,
    /// The want whose value comes next (between `serialize_key` and `serialize_value`).
    pending: Option<usize>,
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
    /// `at`, unless that want was written already.
    fn unwritten(&self, at: Option<usize>) -> Option<usize> {
        at.filter(|&at| {
            self.wants
                .get(at)
                .is_some_and(|w| !self.out.contains_key(&w.key))
        })
    }

    fn put(&mut self, at: usize, value: &(impl Serialize + ?Sized)) -> Result<(), Stop> {
        let Some(want) = self.wants.get(at) else {
            return Ok(());
        };
        let key = want.key.clone();
        let inner = want.inner.as_deref();
        let picked = inner
            .and_then(|keys| pick_keys(value, keys))
            .map(Value::Object);
        let value = match picked {
            Some(value) => value,
            None => value
                .serialize(serde_json::value::Serializer)
                .map_err(|e| Stop::Other(e.to_string()))?,
        };
        self.out.insert(key, value);
        if self.out.len() == self.wants.len() {
            return Err(Stop::Done);
        }
        Ok(())
    }
}

impl SerializeMap for Picker<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), Stop> {
        self.pending = self.unwritten(key.serialize(KeyMatch(self.wants))?);
        Ok(())
    }

    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Stop> {
        match self.pending.take() {
            Some(at) => self.put(at, value),
            None => Ok(()),
        }
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Stop> {
        if let Some(at) = self.unwritten(key.serialize(KeyMatch(self.wants))?) {
            self.put(at, value)?;
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
        if let Some(at) = self.unwritten(KeyMatch(self.wants).find(key)) {
            self.put(at, value)?;
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

/// Finds a map key among the wants without copying it: the index of the want it names.
struct KeyMatch<'k>(&'k [Want]);

impl KeyMatch<'_> {
    fn find(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|w| w.key == key)
    }
}

impl ser::Serializer for KeyMatch<'_> {
    type Ok = Option<usize>;
    type Error = Stop;
    type SerializeSeq = Impossible<Option<usize>, Stop>;
    type SerializeTuple = Impossible<Option<usize>, Stop>;
    type SerializeTupleStruct = Impossible<Option<usize>, Stop>;
    type SerializeTupleVariant = Impossible<Option<usize>, Stop>;
    type SerializeMap = Impossible<Option<usize>, Stop>;
    type SerializeStruct = Impossible<Option<usize>, Stop>;
    type SerializeStructVariant = Impossible<Option<usize>, Stop>;

    fn serialize_str(self, v: &str) -> Result<Option<usize>, Stop> {
        Ok(self.find(v))
    }

    fn serialize_char(self, v: char) -> Result<Option<usize>, Stop> {
        Ok(self.find(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Option<usize>, Stop> {
        Ok(self.find(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Option<usize>, Stop> {
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

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Option<usize>, Stop> {
        not_a_map()
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Option<usize>, Stop> {
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

    fn paths(paths: &[&str]) -> Vec<Want> {
        let paths: Vec<Vec<String>> = paths
            .iter()
            .map(|p| p.split('.').map(str::to_owned).collect())
            .collect();
        wants(paths.iter().map(Vec::as_slice))
    }

    #[test]
    fn picks_the_wanted_keys_of_a_map() {
        let value = json!({"a": 1, "b": {"c": [1, 2], "e": 3}, "d": "x", "f": [1]});
        let picked = pick(&value, &paths(&["b", "d", "absent"]));
        assert_eq!(
            Value::Object(picked),
            json!({"b": {"c": [1, 2], "e": 3}, "d": "x"})
        );
        let picked = pick(&value, &paths(&["b.c", "f.1", "d.x"]));
        assert_eq!(
            Value::Object(picked),
            json!({"b": {"c": [1, 2]}, "f": [1], "d": "x"})
        );
        let picked = pick(&value, &paths(&["b.c", "b"]));
        assert_eq!(Value::Object(picked), json!({"b": {"c": [1, 2], "e": 3}}));
        assert!(pick(&json!([1, 2]), &paths(&["a"])).is_empty());
        assert!(pick(&value, &[]).is_empty());
    }
}
