//! KAZOO's document normalisation (`kz_json:normalize_jobj`): how an AMQP payload's keys
//! (`Call-ID`, `Custom-Channel-Vars`) become a stored document's (`call_id`,
//! `custom_channel_vars`).

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

use super::filter::fnv1a;

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
    normal_key_in(key, &NO_WORDS)
}

/// The longest key looked up in [`Words`] without allocating.
const WORD_MAX: usize = 64;

/// The keys a reader knows, found by their normal form's hash (open addressing): the
/// normalisation lends these instead of allocating each key.
#[derive(Debug)]
pub(crate) struct Words {
    words: Vec<&'static str>,
    /// A power of two of slots, each 0 (empty) or a word's index + 1.
    slots: Vec<u16>,
}

/// No words: every key that is not normal already is allocated.
static NO_WORDS: Words = Words {
    words: Vec::new(),
    slots: Vec::new(),
};

impl Words {
    /// A table of `words` (each at most 64 bytes; longer ones are never found).
    pub(crate) fn new(words: impl IntoIterator<Item = &'static str>) -> Words {
        let mut table = Words {
            words: Vec::new(),
            slots: Vec::new(),
        };
        for word in words {
            if word.len() <= WORD_MAX && !table.words.contains(&word) {
                table.words.push(word);
            }
        }
        let size = (table.words.len() * 4).next_power_of_two().max(1);
        table.slots = vec![0; size];
        for (index, word) in table.words.iter().enumerate() {
            let mask = size - 1;
            let mut at = fnv1a(word.as_bytes()) as usize & mask;
            while table.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            table.slots[at] = u16::try_from(index + 1).unwrap_or(0);
        }
        table
    }

    /// The word `normal` spells, given its [`fnv1a`] hash.
    fn find(&self, normal: &[u8], hash: u64) -> Option<&'static str> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = hash as usize & mask;
        loop {
            let index = usize::from(*self.slots.get(at)?).checked_sub(1)?;
            let word = self.words.get(index)?;
            if word.as_bytes() == normal {
                return Some(word);
            }
            at = (at + 1) & mask;
        }
    }
}

/// [`normal_key`], lent from `words` when the normal key is one of them.
fn normal_key_in<'a>(key: &'a str, words: &Words) -> Cow<'a, str> {
    let bytes = key.as_bytes();
    if !bytes.iter().any(|&b| b == b'-' || b.is_ascii_uppercase()) {
        return Cow::Borrowed(key);
    }
    // Only ASCII bytes change, so the result is UTF-8 when the key is.
    let normal = |b: u8| {
        if b == b'-' {
            b'_'
        } else {
            b.to_ascii_lowercase()
        }
    };
    if bytes.len() <= WORD_MAX && !words.words.is_empty() {
        let mut buffer = [0u8; WORD_MAX];
        let out = &mut buffer[..bytes.len()];
        for (o, &b) in out.iter_mut().zip(bytes) {
            *o = normal(b);
        }
        if let Some(word) = words.find(out, fnv1a(out)) {
            return Cow::Borrowed(word);
        }
    }
    let normalised: Vec<u8> = bytes.iter().map(|&b| normal(b)).collect();
    Cow::Owned(String::from_utf8(normalised).unwrap_or_else(|e| {
        // Unreachable: ASCII bytes were swapped for ASCII bytes in valid UTF-8.
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    }))
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
    words: &Words,
) -> Vec<(Cow<'a, str>, Member<'a>)> {
    let entries = members
        .filter(|(_, member)| !member.is_null())
        .map(|(key, member)| (normal_key_in(key, words), member));
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
/// lent from the input, and so are normal keys that are among the reader's [`Words`].
pub(crate) struct Normalized<'a> {
    member: Member<'a>,
    /// Keys the reader knows: handed over without allocating.
    words: &'static Words,
}

impl<'a> Normalized<'a> {
    /// `member` seen through the normalisation.
    #[cfg(test)]
    pub(crate) fn new(member: Member<'a>) -> Self {
        Normalized::with_words(member, &NO_WORDS)
    }

    /// `member` seen through the normalisation; normal keys found in `words` are lent from
    /// it.
    pub(crate) fn with_words(member: Member<'a>, words: &'static Words) -> Self {
        Normalized { member, words }
    }
}

impl<'de> Deserializer<'de> for Normalized<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let words = self.words;
        match self.member {
            Member::Made(value) => value.deserialize_any(visitor),
            Member::Object(members) => visitor.visit_map(Entries::new(
                normalized_entries(members.into_iter(), words),
                words,
            )),
            Member::Wire(value) => match value {
                Value::Null => visitor.visit_unit(),
                Value::Bool(b) => visitor.visit_bool(*b),
                Value::Number(n) => n.deserialize_any(visitor),
                Value::String(s) => visitor.visit_borrowed_str(s),
                Value::Array(items) => visitor.visit_seq(Items {
                    items: items.iter(),
                    words,
                }),
                Value::Object(map) => visitor.visit_map(Entries::new(
                    normalized_entries(
                        map.iter().map(|(k, v)| (k.as_str(), Member::Wire(v))),
                        words,
                    ),
                    words,
                )),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.member.is_null() {
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
    words: &'static Words,
}

impl<'a> Entries<'a> {
    fn new(entries: Vec<(Cow<'a, str>, Member<'a>)>, words: &'static Words) -> Self {
        Entries {
            entries: entries.into_iter(),
            value: None,
            words,
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
        seed.deserialize(Normalized::with_words(value, self.words))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The elements of an array of the input, each normalised.
struct Items<'a> {
    items: std::slice::Iter<'a, Value>,
    words: &'static Words,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        let words = self.words;
        self.items
            .next()
            .map(|item| seed.deserialize(Normalized::with_words(Member::Wire(item), words)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
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
        let words = Words::new(["call_id", "x_ÄÖÜ", "a", "b", "c", "d", "e", "f", "g"]);
        for word in ["a", "b", "c", "d", "e", "f", "g", "call_id"] {
            let upper = word.to_ascii_uppercase();
            assert!(matches!(normal_key_in(&upper, &words), Cow::Borrowed(w) if w == word));
        }
        assert!(matches!(
            normal_key_in("Call-ID", &words),
            Cow::Borrowed("call_id")
        ));
        assert!(matches!(
            normal_key_in("X-ÄÖÜ", &words),
            Cow::Borrowed("x_ÄÖÜ")
        ));
        assert!(matches!(normal_key_in("Call-Id-2", &words), Cow::Owned(k) if k == "call_id_2"));
        let long = "A".repeat(WORD_MAX + 1);
        assert_eq!(normal_key_in(&long, &words), "a".repeat(WORD_MAX + 1));
    }

    fn through_the_deserializer(value: &Value) -> Value {
        use serde::Deserialize;
        Value::deserialize(Normalized::new(Member::Wire(value))).expect("any value reads")
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
            let read = Value::deserialize(Normalized::new(Member::Wire(&value)));
            prop_assert_eq!(read.ok(), Some(normalize_document(value.clone())));
        }

        #[test]
        fn keys_lent_from_words_read_as_any_other(value in json()) {
            // Words that the generated keys normalise to, and some they cannot.
            static WORDS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
            let words = WORDS.get_or_init(|| Words::new(["_", "a_a", "call_id", "callid", "id", "zz"]));
            let read = Value::deserialize(Normalized::with_words(Member::Wire(&value), words));
            prop_assert_eq!(read.ok(), Some(normalize_document(value.clone())));
        }
    }
}
