//! The cells of flattened document keys (`custom_channel_vars_account_id`), read from a
//! CDR's `Serialize` output without building its JSON document.
//!
//! A flattened key names a value of the document with nested keys joined by `_`. The CDR is
//! serialised into [`Walk`], a serializer that follows only the objects on the way to a
//! wanted key and skips every other value unwritten; a wanted value that is not an object
//! becomes its cell ([`write_json_cell`]'s text). When two paths flatten to the same key
//! (`a_b` and `a` → `b`), the one a `serde_json::Value` of the document iterates last wins:
//! the last written when serde_json keeps insertion order (`preserve_order`), else the
//! greatest in key order.

use std::cmp::Ordering;
use std::fmt::{self, Display, Write as _};

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeMap, SerializeStruct};
use serde_json::Value;

use crate::cdr::record::Cdr;
use crate::cdr::row::write_json_cell;

/// The wanted flattened keys and, for the row last read, their cells.
#[derive(Debug)]
pub(super) struct Flattener {
    /// The wanted keys, each once.
    wanted: Vec<String>,
    /// Each wanted key's cell in the row last read (empty when the document has no value there).
    cells: Vec<String>,
    /// Each wanted key's segment starts in the path of its value in the row last read;
    /// empty (kept allocated from row to row) or `None` while none was seen.
    found: Vec<Option<Vec<usize>>>,
    /// The wanted key the value being walked is at, if it is one.
    exact: Option<usize>,
    /// Whether serde_json's maps iterate in key order (not `preserve_order`).
    sorted_maps: bool,
    /// The flattened key being walked.
    key: String,
    /// Where each of its segments starts.
    segments: Vec<usize>,
}

impl Flattener {
    /// A flattener of `wanted` keys (duplicates are kept once).
    pub(super) fn new<'a>(wanted: impl IntoIterator<Item = &'a str>) -> Self {
        let mut keys: Vec<String> = Vec::new();
        for key in wanted {
            if !keys.iter().any(|k| k == key) {
                keys.push(key.to_owned());
            }
        }
        Flattener {
            cells: vec![String::new(); keys.len()],
            found: vec![None; keys.len()],
            wanted: keys,
            sorted_maps: maps_are_sorted(),
            exact: None,
            key: String::new(),
            segments: Vec::new(),
        }
    }

    /// The index of `key` among the wanted keys.
    pub(super) fn index_of(&self, key: &str) -> Option<usize> {
        self.wanted.iter().position(|k| k == key)
    }

    /// Reads `cdr`'s cells.
    pub(super) fn fill(&mut self, cdr: &Cdr) {
        for cell in &mut self.cells {
            cell.clear();
        }
        for segments in self.found.iter_mut().flatten() {
            segments.clear();
        }
        self.key.clear();
        self.segments.clear();
        // The walk has no failure of its own; a value that refuses to be written leaves
        // the cells it did not reach empty, as its absence from the document would.
        let _ = cdr.serialize(Walk { at: self });
    }

    /// The cell of wanted key `index` in the row last read.
    pub(super) fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }

    /// How the current key continued by `tail` relates to the wanted keys: the index of the
    /// one it is, and whether it is on the way to one (some wanted key continues it after a
    /// `_`).
    fn relation(&self, tail: &str) -> (Option<usize>, bool) {
        let (head, tail) = (self.key.as_bytes(), tail.as_bytes());
        let len = head.len() + tail.len();
        let mut exact = None;
        let mut on_the_way = false;
        for (i, wanted) in self.wanted.iter().enumerate() {
            let wanted = wanted.as_bytes();
            // The byte after the key first: the end of the wanted key, or a `_` there.
            let ends = match wanted.get(len) {
                None if wanted.len() == len => true,
                Some(b'_') => false,
                _ => continue,
            };
            if wanted[head.len()..len] == *tail && wanted[..head.len()] == *head {
                if ends {
                    exact = Some(i);
                } else {
                    on_the_way = true;
                }
            }
        }
        (exact, on_the_way)
    }

    /// Continues the current key with a map key's text (`tail`, after the `_` already
    /// there) if that leads to a wanted key; returns whether it does.
    fn enter(&mut self, tail: &str) -> bool {
        let (exact, on_the_way) = self.relation(tail);
        if exact.is_none() && !on_the_way {
            return false;
        }
        self.exact = exact;
        self.key.push_str(tail);
        true
    }

    /// Whether the value now at wanted key `index` replaces the one seen before.
    fn takes_over(&self, index: usize) -> bool {
        match &self.found[index] {
            Some(seen) if !seen.is_empty() && self.sorted_maps => {
                compare_paths(&self.key, &self.segments, seen) == Ordering::Greater
            }
            _ => true,
        }
    }

    /// Records that wanted key `index` has a value here; its cell is to be written next.
    fn claim(&mut self, index: usize) -> &mut String {
        let seen = self.found[index].get_or_insert_with(Vec::new);
        seen.clear();
        seen.extend_from_slice(&self.segments);
        let cell = &mut self.cells[index];
        cell.clear();
        cell
    }

    /// A leaf (not an object) at the current key.
    fn leaf(&mut self, write: impl FnOnce(&mut String)) {
        if let Some(index) = self.exact {
            if self.takes_over(index) {
                write(self.claim(index));
            }
        }
    }
}

/// Orders two paths to the same flattened `key`, given by their segment starts: by their
/// segments, as nested key-ordered maps iterate them.
fn compare_paths(key: &str, a: &[usize], b: &[usize]) -> Ordering {
    let segment = |starts: &[usize], i: usize| -> &str {
        let start = starts[i];
        let end = starts.get(i + 1).map_or(key.len(), |next| next - 1);
        key.get(start..end).unwrap_or_default()
    };
    for i in 0..a.len().min(b.len()) {
        match segment(a, i).cmp(segment(b, i)) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// Whether serde_json's `Map` iterates in key order rather than insertion order (its
/// `preserve_order` feature, which any crate of the program may turn on).
fn maps_are_sorted() -> bool {
    let mut map = serde_json::Map::new();
    map.insert("b".to_owned(), Value::Null);
    map.insert("a".to_owned(), Value::Null);
    map.keys().next().is_some_and(|k| k == "a")
}

/// Why a value was not walked.
#[derive(Debug)]
enum Stop {
    /// A value the walk does not read itself (a list, a float…): it is read as a JSON value.
    Other,
    /// A key that is not a string or a number: the entry is skipped.
    Key,
    /// The value's own failure.
    Failed,
}

impl Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not walked")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: Display>(_: T) -> Self {
        Stop::Failed
    }
}

/// The serializer of the value at the flattener's current key.
struct Walk<'f> {
    at: &'f mut Flattener,
}

/// Reads a value the walk does not take apart through `serde_json::Value`: an object is
/// walked, anything else is a leaf.
fn walk_as_json<T: Serialize + ?Sized>(at: &mut Flattener, value: &T) {
    match serde_json::to_value(value) {
        Ok(object @ Value::Object(_)) => {
            let _ = object.serialize(Walk { at });
        }
        Ok(other) => at.leaf(|cell| write_json_cell(&other, cell)),
        Err(_) => {}
    }
}

/// The serializer methods of the narrow integers, which widen them.
macro_rules! widen {
    ($($method:ident($narrow:ty) => $wide:ident($ty:ty);)*) => {
        $(fn $method(self, v: $narrow) -> Result<Self::Ok, Stop> {
            self.$wide(<$ty>::from(v))
        })*
    };
}

/// The narrow integers, widened.
macro_rules! widen_integers {
    () => {
        widen! {
            serialize_i8(i8) => serialize_i64(i64);
            serialize_i16(i16) => serialize_i64(i64);
            serialize_i32(i32) => serialize_i64(i64);
            serialize_u8(u8) => serialize_u64(u64);
            serialize_u16(u16) => serialize_u64(u64);
            serialize_u32(u32) => serialize_u64(u64);
        }
    };
}

/// A serializer method that is read as a JSON value instead.
macro_rules! other {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, Stop> {
            Err(Stop::Other)
        })*
    };
}

impl<'f> ser::Serializer for Walk<'f> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Entries<'f>;
    type SerializeStruct = Entries<'f>;
    type SerializeStructVariant = Impossible<(), Stop>;

    widen_integers!();

    fn serialize_bool(self, v: bool) -> Result<(), Stop> {
        self.at
            .leaf(|cell| cell.push_str(if v { "true" } else { "false" }));
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Stop> {
        self.at.leaf(|cell| crate::decimal::push_i64(cell, v));
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Stop> {
        self.at
            .leaf(|cell| crate::decimal::push_u64_padded(cell, v, 1));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        self.at.leaf(|cell| cell.push_str(v));
        Ok(())
    }

    fn collect_str<T: Display + ?Sized>(self, v: &T) -> Result<(), Stop> {
        self.at.leaf(|cell| {
            // Writing to a `String` cannot fail.
            let _ = write!(cell, "{v}");
        });
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Stop> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Stop> {
        // `null`: an empty cell, which still replaces a value seen on another path.
        self.at.leaf(|_| {});
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'f>, Stop> {
        Ok(Entries {
            at: self.at,
            entry: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries<'f>, Stop> {
        self.serialize_map(None)
    }

    other! {
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Impossible<(), Stop>;
        serialize_tuple(usize) -> Impossible<(), Stop>;
        serialize_tuple_struct(&'static str, usize) -> Impossible<(), Stop>;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Impossible<(), Stop>;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Impossible<(), Stop>;
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop::Other)
    }
}

/// The entries of an object being walked.
struct Entries<'f> {
    at: &'f mut Flattener,
    /// The current entry: the key's length before it, and whether its value is walked.
    entry: Option<(usize, bool)>,
}

impl Entries<'_> {
    fn key<K: Serialize + ?Sized>(&mut self, key: &K) {
        let at = &mut *self.at;
        let before = at.key.len();
        if !at.segments.is_empty() {
            at.key.push('_');
        }
        let start = at.key.len();
        let walked = key.serialize(KeyText { at: &mut *at }).unwrap_or(false);
        if walked {
            at.segments.push(start);
        } else {
            at.key.truncate(before);
        }
        self.entry = Some((before, walked));
    }

    fn value<V: Serialize + ?Sized>(&mut self, value: &V) {
        let Some((before, walked)) = self.entry.take() else {
            return;
        };
        if !walked {
            return;
        }
        let at = &mut *self.at;
        if let Err(Stop::Other) = value.serialize(Walk { at: &mut *at }) {
            walk_as_json(at, value);
        }
        at.segments.pop();
        at.key.truncate(before);
    }
}

impl SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), Stop> {
        self.key(key);
        Ok(())
    }

    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Stop> {
        self.value(value);
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl SerializeStruct for Entries<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), Stop> {
        self.key(key);
        self.value(value);
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

/// Continues the flattener's key with a map key's text, as a `serde_json::Value` would
/// hold it (strings, and integers and booleans as their text), when that leads to a wanted
/// key (`Ok(true)`); other keys are refused.
struct KeyText<'f> {
    at: &'f mut Flattener,
}

/// A key serializer method that refuses the key.
macro_rules! not_a_key {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, Stop> {
            Err(Stop::Key)
        })*
    };
}

impl ser::Serializer for KeyText<'_> {
    type Ok = bool;
    type Error = Stop;
    type SerializeSeq = Impossible<bool, Stop>;
    type SerializeTuple = Impossible<bool, Stop>;
    type SerializeTupleStruct = Impossible<bool, Stop>;
    type SerializeTupleVariant = Impossible<bool, Stop>;
    type SerializeMap = Impossible<bool, Stop>;
    type SerializeStruct = Impossible<bool, Stop>;
    type SerializeStructVariant = Impossible<bool, Stop>;

    widen_integers!();

    fn serialize_str(self, v: &str) -> Result<bool, Stop> {
        Ok(self.at.enter(v))
    }

    fn serialize_bool(self, v: bool) -> Result<bool, Stop> {
        self.serialize_str(if v { "true" } else { "false" })
    }

    fn serialize_i64(self, v: i64) -> Result<bool, Stop> {
        let mut text = String::new();
        crate::decimal::push_i64(&mut text, v);
        self.serialize_str(&text)
    }

    fn serialize_u64(self, v: u64) -> Result<bool, Stop> {
        let mut text = String::new();
        crate::decimal::push_u64_padded(&mut text, v, 1);
        self.serialize_str(&text)
    }

    fn serialize_char(self, v: char) -> Result<bool, Stop> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn collect_str<T: Display + ?Sized>(self, v: &T) -> Result<bool, Stop> {
        self.serialize_str(&v.to_string())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, Stop> {
        value.serialize(self)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<bool, Stop> {
        self.serialize_str(variant)
    }

    not_a_key! {
        serialize_f32(f32) -> bool;
        serialize_f64(f64) -> bool;
        serialize_bytes(&[u8]) -> bool;
        serialize_none() -> bool;
        serialize_unit() -> bool;
        serialize_unit_struct(&'static str) -> bool;
        serialize_seq(Option<usize>) -> Impossible<bool, Stop>;
        serialize_tuple(usize) -> Impossible<bool, Stop>;
        serialize_tuple_struct(&'static str, usize) -> Impossible<bool, Stop>;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Impossible<bool, Stop>;
        serialize_map(Option<usize>) -> Impossible<bool, Stop>;
        serialize_struct(&'static str, usize) -> Impossible<bool, Stop>;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Impossible<bool, Stop>;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<bool, Stop> {
        Err(Stop::Key)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, Stop> {
        Err(Stop::Key)
    }
}
