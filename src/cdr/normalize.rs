//! KAZOO's document normalisation (`kz_json:normalize_jobj`): how an AMQP payload's keys
//! (`Call-ID`, `Custom-Channel-Vars`) become a stored document's (`call_id`,
//! `custom_channel_vars`).

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// A JSON value normalised for storage as KAZOO normalises documents before saving them:
/// every object key, at every depth (objects inside arrays too), has `-` replaced by `_` and
/// the ASCII letters `A`–`Z` lowercased; object members whose value is `null` are dropped;
/// values are not touched (`"false"` stays a string, `"31"` stays a string, numbers keep
/// their form).
///
/// Two keys of one object that normalise alike (`Owner-ID` and `owner_id`) keep the value of
/// the one that comes later in the object's order, as KAZOO does. With serde_json's default
/// map (sorted keys) that is always the key that was normal already.
///
/// One deliberate difference: KAZOO also lowercases the bytes 0xC0–0xDE of a key one by one,
/// which corrupts UTF-8 keys (`"Ä"` becomes invalid text); here only ASCII letters change and
/// every other character is kept as it is.
///
/// This is the last step of [`Ingest::channel_destroy`](crate::cdr::Ingest::channel_destroy);
/// on its own it turns other KAZOO AMQP payloads into the shape [`Cdr`](crate::cdr::Cdr) and
/// KAZOO's stored documents use.
///
/// ```
/// use kazoo_records::cdr::normalize_document;
/// use serde_json::json;
///
/// let wire = json!({
///     "Call-ID": "abc", "Billing-Seconds": "31", "Hangup-Code": null,
///     "Custom-Channel-Vars": {"Account-ID": "a1", "Über-Key": true},
///     "Media-Recordings": [{"Media-Name": "r.mp3"}]
/// });
/// assert_eq!(normalize_document(wire), json!({
///     "call_id": "abc", "billing_seconds": "31",
///     "custom_channel_vars": {"account_id": "a1", "Über_key": true},
///     "media_recordings": [{"media_name": "r.mp3"}]
/// }));
/// ```
pub fn normalize_document(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(normalize_object(
            map.into_iter().map(|(k, v)| (Cow::Owned(k), v)),
        )),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_document).collect()),
        scalar => scalar,
    }
}

/// Builds a normalised object from members in their order: nulls dropped, later keys win.
fn normalize_object<'a>(
    members: impl Iterator<Item = (Cow<'a, str>, Value)>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in members {
        if !value.is_null() {
            let key = match normal_key(&key) {
                Cow::Borrowed(_) => key.into_owned(),
                Cow::Owned(normal) => normal,
            };
            out.insert(key, normalize_document(value));
        }
    }
    out
}

/// A key with `-` as `_` and ASCII capitals lowercased; borrowed when it is normal already.
pub(crate) fn normal_key(key: &str) -> Cow<'_, str> {
    if !key.bytes().any(|b| b == b'-' || b.is_ascii_uppercase()) {
        return Cow::Borrowed(key);
    }
    let mut normal = String::with_capacity(key.len());
    for (i, part) in key.split('-').enumerate() {
        if i > 0 {
            normal.push('_');
        }
        normal.push_str(part);
    }
    normal.make_ascii_lowercase();
    Cow::Owned(normal)
}

/// One member's value in an object being normalised: a value of the input, one made by the
/// caller, or an object given as its members (keys not yet normalised).
#[derive(Debug)]
pub(crate) enum Member<'a> {
    Wire(&'a Value),
    Made(Value),
    Object(Vec<(&'a str, Member<'a>)>),
}

impl Member<'_> {
    fn is_null(&self) -> bool {
        match self {
            Member::Wire(value) => value.is_null(),
            Member::Made(value) => value.is_null(),
            Member::Object(_) => false,
        }
    }
}

/// An object's members as [`normalize_document`] leaves them, in the order its map iterates:
/// nulls dropped, keys normalised, a later key replacing an earlier one that normalises alike
/// (in the earlier one's place).
fn normalized_entries<'a>(
    members: impl Iterator<Item = (&'a str, Member<'a>)>,
) -> Vec<(Cow<'a, str>, Member<'a>)> {
    let entries = members
        .filter(|(_, member)| !member.is_null())
        .map(|(key, member)| (normal_key(key), member));
    let mut out: Vec<(Cow<'a, str>, Member<'a>)> =
        Vec::with_capacity(entries.size_hint().1.unwrap_or(0));
    if cfg!(feature = "preserve_order") {
        // Insertion order: the first occurrence's place, the last occurrence's value.
        for (key, member) in entries {
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = member,
                None => out.push((key, member)),
            }
        }
    } else {
        // Sorted order; the sort is stable, so the last of equal keys is the later member.
        out.extend(entries);
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
    }
    out
}

/// A value seen through KAZOO's normalisation, as a serde deserializer: reading from it gives
/// what reading from the normalised value would, without building that value. Strings are
/// lent from the input.
pub(crate) struct Normalized<'a>(pub(crate) Member<'a>);

impl<'de> Deserializer<'de> for Normalized<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Member::Made(value) => value.deserialize_any(visitor),
            Member::Object(members) => {
                visitor.visit_map(Entries::new(normalized_entries(members.into_iter())))
            }
            Member::Wire(value) => match value {
                Value::Null => visitor.visit_unit(),
                Value::Bool(b) => visitor.visit_bool(*b),
                Value::Number(n) => n.deserialize_any(visitor),
                Value::String(s) => visitor.visit_borrowed_str(s),
                Value::Array(items) => visitor.visit_seq(Items(items.iter())),
                Value::Object(map) => visitor.visit_map(Entries::new(normalized_entries(
                    map.iter().map(|(k, v)| (k.as_str(), Member::Wire(v))),
                ))),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.0.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The members of a normalised object, as a map.
struct Entries<'a> {
    entries: std::vec::IntoIter<(Cow<'a, str>, Member<'a>)>,
    value: Option<Member<'a>>,
}

impl<'a> Entries<'a> {
    fn new(entries: Vec<(Cow<'a, str>, Member<'a>)>) -> Self {
        Entries {
            entries: entries.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(KeyText(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a map value was asked for before its key"))?;
        seed.deserialize(Normalized(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The elements of an array of the input, each normalised.
struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Normalized(Member::Wire(item))))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A normalised key: lent from the input when it was normal already.
struct KeyText<'a>(Cow<'a, str>);

impl<'de> Deserializer<'de> for KeyText<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Cow::Borrowed(key) => visitor.visit_borrowed_str(key),
            Cow::Owned(key) => visitor.visit_string(key),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_change_in_ascii_only() {
        assert_eq!(normal_key("call_id"), Cow::Borrowed("call_id"));
        assert_eq!(normal_key("Call-ID"), "call_id");
        assert_eq!(normal_key("X-ÄÖÜ-İ-Σ"), "x_ÄÖÜ_İ_Σ");
        assert_eq!(normal_key("--"), "__");
        assert_eq!(normal_key(""), "");
    }

    fn through_the_deserializer(value: &Value) -> Value {
        use serde::Deserialize;
        Value::deserialize(Normalized(Member::Wire(value))).expect("any value reads")
    }

    #[test]
    fn nulls_go_and_later_keys_win() {
        let value = json!({
            "A-B": [{"C-D": null, "e": [null, {"F": 1}]}, "G-H"],
            "a_b": "later in the sorted order: wins",
            "Nul": null,
            "x": {"Y": {"Z-Z": "\"false\""}}
        });
        let owned = normalize_document(value.clone());
        assert_eq!(through_the_deserializer(&value), owned);
        assert_eq!(
            owned,
            json!({
                "a_b": "later in the sorted order: wins",
                "x": {"y": {"z_z": "\"false\""}}
            })
        );
        assert_eq!(
            normalize_document(json!([{"A": null, "B": [null]}])),
            json!([{"b": [null]}])
        );
    }
}

#[cfg(test)]
pub(crate) mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    /// JSON with keys that collide once normalised, nulls, nesting and non-ASCII keys.
    pub(crate) fn json() -> impl Strategy<Value = Value> {
        let key = prop::collection::vec(
            prop::sample::select(vec!["A", "a", "-", "_", "Ä", "b", "Call", "call", "ID"]),
            0..4,
        )
        .prop_map(|parts| parts.concat());
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z0-9 ]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn reading_through_the_deserializer_is_reading_the_normalised_value(value in json()) {
            let read = Value::deserialize(Normalized(Member::Wire(&value)));
            prop_assert_eq!(read.ok(), Some(normalize_document(value.clone())));
        }
    }
}
