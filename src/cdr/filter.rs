//! Query-string filters with KAZOO's names and KAZOO's compare-as-text semantics
//! (`crossbar_filter`).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::record::Cdr;
use crate::Error;
use crate::error::show_str;
use crate::json::node::Node;
use crate::json::{FromScalar, Scalar};
use crate::time::GregorianSeconds;

/// A conjunction of KAZOO query-string filters, applied to raw JSON documents or [`Cdr`]s.
///
/// Parsed from `(key, value)` pairs by [`Filters::from_query`]:
///
/// | key | value | a document matches when |
/// |---|---|---|
/// | `filter_<path>` | `V` | the value at `path`, as text, is `V` (or one of a JSON list `V`) |
/// | `filter_not_<path>` | `V` | it is not |
/// | `filter_any_<path>` | `[V, …]` | it is one of the list (compared as `filter_`) |
/// | `filter_none_<path>` | `[V, …]` | it is none of the list |
/// | `filter_array_intersect_all_<path>` | `[V, …]` | the list at `path` holds every `V` |
/// | `filter_array_intersect_any_<path>` | `[V, …]` | the list at `path` holds some `V` |
/// | `filter_array_intersect_none_<path>` | `[V, …]` | the list at `path` holds no `V` (or `path` is no list) |
/// | `has_key` | `path` | `path` is present (even `null`) |
/// | `key_missing` | `path` | `path` is absent |
/// | `has_value` | `path` | `path` holds a non-empty value |
/// | `value_missing`, `missing_value` | `path` | `path` is absent or holds an empty value |
/// | `created_from` / `created_to` | Gregorian seconds | the listing time is ≥ / ≤ `V` |
/// | `modified_from` / `modified_to` | Gregorian seconds | `pvt_modified` is ≥ / ≤ `V` |
///
/// Other keys (`page_size`, `start_key`, …) are ignored. A `path` is dot-separated keys
/// (`custom_channel_vars.account_id`); a number steps into a list, from 1 (KAZOO's
/// `kz_json` paths).
///
/// # Comparing as KAZOO does
///
/// The document value is cast to text as `kz_term:to_binary` does: strings as they are,
/// integers in decimal, `true`/`false`/`null` as words, a list of strings concatenated, an
/// object as its JSON; an absent value is `""` (so `filter_x=` matches documents without
/// `x`). It matches `V` when the texts are equal, when `V` is a JSON list holding it, or when
/// `V` is a JSON string (`"7"` with the quotes) of it. Where this differs from KAZOO:
///
/// - a list matches numbers too: `filter_billing_seconds=[7,8]` matches `7` (KAZOO compares
///   the text `"7"` with the number 7 and never matches); booleans and `null` in a list
///   match their words;
/// - a malformed filter is an error instead of a filter that silently excludes everything:
///   a `filter_` key with no path or an empty path segment, a value starting with `[` that is
///   not a JSON list of scalars, a non-integer time, an empty path for `has_key` and the rest;
/// - a list holding other than strings casts to `""` (KAZOO turns small integers into bytes);
///   floats are written by Rust's shortest round-trip form (`1e21`, KAZOO `1.0e21`);
/// - `created_from`/`created_to` bound the listing time (`timestamp`, else `pvt_created`,
///   read as [`Cdr`] reads them: a JSON integer, an integral float such as `63724403408.0`, or
///   a string of decimal digits with an optional `-`; a value of another form counts as
///   missing), and a document with neither matches neither bound (KAZOO reads only
///   `pvt_created` and lets such a document through `created_from`); `modified_from` and
///   `modified_to` read `pvt_modified` the same way.
///
/// - the newer filters `filter_any_` and `filter_none_` compare as `filter_` does, numbers
///   included (KAZOO's match JSON strings only), and `filter_array_intersect_none_` means
///   "holds none of" (KAZOO codes it as "does not hold all of"); their values may be a single
///   value as well as a list. Members of a list at `path` compare by the same text cast.
///
/// Emptiness (`has_value`, `value_missing`) is `kz_term:is_empty`: absent, `null`, `0`,
/// `0.0`, `""`, `"0"`, `"NULL"`, `"undefined"`, `[]` and `{}` are empty.
///
/// ```
/// use kazoo_records::cdr::{Cdr, Filters};
///
/// let filters = Filters::from_query([
///     ("filter_call_direction", "inbound"),
///     ("filter_billing_seconds", "[7,8]"),
///     ("has_value", "custom_channel_vars.account_id"),
///     ("page_size", "50"),
/// ])?;
/// let cdr = Cdr::from_json_str(r#"{"call_id": "a", "call_direction": "inbound", "billing_seconds": "7",
///                                  "custom_channel_vars": {"account_id": "acc"}}"#)?;
/// assert!(filters.matches(&cdr));
/// assert!(!filters.matches_json(&serde_json::json!({"call_direction": "outbound"})));
///
/// let err = Filters::from_query([("filter_", "x")]).unwrap_err();
/// assert_eq!(err.path(), "filter_");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    clauses: Vec<Clause>,
}

/// One filter of the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Clause {
    Equals {
        path: Path,
        value: Wanted,
        negate: bool,
    },
    Intersect {
        path: Path,
        value: Wanted,
        rule: Intersect,
    },
    HasKey(Path),
    KeyMissing(Path),
    HasValue(Path),
    ValueMissing(Path),
    Time {
        field: TimeField,
        bound: Bound,
        at: GregorianSeconds,
    },
}

/// How `filter_array_intersect_<rule>_` compares a list with the wanted values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intersect {
    All,
    Any,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeField {
    /// `timestamp`, else `pvt_created`.
    Listing,
    /// `pvt_modified`.
    Modified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    From,
    To,
}

/// A dot-separated key path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Path(Vec<String>);

/// What `filter_<path>=V` accepts: `V` itself, the members of `V` as a JSON list, or the
/// string `V` encodes as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    text: String,
    any_of: Vec<String>,
    decoded: Option<String>,
}

impl Filters {
    /// No filters: every document matches.
    pub fn new() -> Self {
        Filters::default()
    }

    /// Reads KAZOO's filter parameters from query-string pairs; other keys are ignored.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the parameter for a malformed filter (see [`Filters`]);
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) for a time bound past the range of `i64` seconds.
    pub fn from_query<I, K, V>(pairs: I) -> Result<Filters, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut clauses = Vec::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            if let Some(clause) = Clause::parse(key, value).map_err(|e| e.within(key))? {
                clauses.push(clause);
            }
        }
        Ok(Filters { clauses })
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// How many filters.
    pub fn len(&self) -> usize {
        self.clauses.len()
    }

    /// Whether a raw JSON document passes every filter (a non-object passes none, unless
    /// there are no filters).
    pub fn matches_json(&self, document: &Value) -> bool {
        self.clauses
            .iter()
            .all(|clause| clause.matches(|| Node::Json(document)))
    }

    /// Whether a CDR passes every filter, judged on its JSON form (as KAZOO judges the
    /// stored document, unknown keys included): the same answer as
    /// `matches_json(&serde_json::to_value(cdr)?)`.
    ///
    /// Only the paths the filters read are looked up, each on its own field, without writing
    /// the record: a filter on `call_direction` reads that field where it is.
    pub fn matches(&self, cdr: &Cdr) -> bool {
        self.clauses
            .iter()
            .all(|clause| clause.matches(|| Node::Record(cdr)))
    }

    /// A fingerprint of the filter set, the same for the same filters in any order; 0 for
    /// no filters. Cursors carry it so that a cursor is only accepted under the filters that
    /// issued it.
    pub(crate) fn fingerprint(&self) -> u64 {
        let mut sums: Vec<u64> = self
            .clauses
            .iter()
            .map(|clause| fnv1a(format!("{clause:?}").as_bytes()))
            .collect();
        sums.sort_unstable();
        sums.dedup();
        if sums.is_empty() {
            return 0;
        }
        let bytes: Vec<u8> = sums.iter().flat_map(|sum| sum.to_be_bytes()).collect();
        fnv1a(&bytes)
    }
}

/// A query parameter's Gregorian seconds (`created_from=63724403398`).
pub(crate) fn parse_gregorian(value: &str) -> Result<GregorianSeconds, Error> {
    use std::num::IntErrorKind;
    let at = value.parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => Error::out_of_range(
            show_str(value),
            "Gregorian seconds from -9223372036854775808 to 9223372036854775807",
        ),
        _ => Error::invalid(
            show_str(value),
            "Gregorian seconds",
            "an integer such as 63724403398",
        ),
    })?;
    Ok(GregorianSeconds(at))
}

/// FNV-1a, 64 bits.
pub(crate) fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Clause {
    /// The clause of one query parameter; `None` for a parameter that is not a filter.
    fn parse(key: &str, value: &str) -> Result<Option<Clause>, Error> {
        let intersect = [
            ("filter_array_intersect_all_", Intersect::All),
            ("filter_array_intersect_any_", Intersect::Any),
            ("filter_array_intersect_none_", Intersect::None),
        ];
        for (prefix, rule) in intersect {
            if let Some(path) = key.strip_prefix(prefix) {
                return Ok(Some(Clause::Intersect {
                    path: Path::parse(path)?,
                    value: Wanted::parse(value)?,
                    rule,
                }));
            }
        }
        let clause = if let Some(path) = key.strip_prefix("filter_not_") {
            Clause::Equals {
                path: Path::parse(path)?,
                value: Wanted::parse(value)?,
                negate: true,
            }
        } else if let Some(path) = key.strip_prefix("filter_any_") {
            Clause::Equals {
                path: Path::parse(path)?,
                value: Wanted::parse(value)?,
                negate: false,
            }
        } else if let Some(path) = key.strip_prefix("filter_none_") {
            Clause::Equals {
                path: Path::parse(path)?,
                value: Wanted::parse(value)?,
                negate: true,
            }
        } else if let Some(path) = key.strip_prefix("filter_") {
            Clause::Equals {
                path: Path::parse(path)?,
                value: Wanted::parse(value)?,
                negate: false,
            }
        } else {
            match key {
                "has_key" => Clause::HasKey(Path::parse(value)?),
                "key_missing" => Clause::KeyMissing(Path::parse(value)?),
                "has_value" => Clause::HasValue(Path::parse(value)?),
                "value_missing" | "missing_value" => Clause::ValueMissing(Path::parse(value)?),
                "created_from" => Clause::time(TimeField::Listing, Bound::From, value)?,
                "created_to" => Clause::time(TimeField::Listing, Bound::To, value)?,
                "modified_from" => Clause::time(TimeField::Modified, Bound::From, value)?,
                "modified_to" => Clause::time(TimeField::Modified, Bound::To, value)?,
                _ => return Ok(None),
            }
        };
        Ok(Some(clause))
    }

    fn time(field: TimeField, bound: Bound, value: &str) -> Result<Clause, Error> {
        Ok(Clause::Time {
            field,
            bound,
            at: parse_gregorian(value)?,
        })
    }

    /// Whether the document at `root` passes (the same clause code for a `Value` and a
    /// record: both are looked at through [`Node`]s).
    fn matches<'d>(&self, root: impl Fn() -> Node<'d>) -> bool {
        match self {
            Clause::Equals {
                path,
                value,
                negate,
            } => value.accepts(&as_text(path.lookup(root()))) != *negate,
            Clause::Intersect { path, value, rule } => {
                let items: Vec<Cow<'_, str>> = match path.lookup(root()) {
                    Some(Node::Json(Value::Array(items))) => items
                        .iter()
                        .map(|item| as_text(Some(Node::Json(item))))
                        .collect(),
                    Some(Node::Owned(Value::Array(items))) => items
                        .iter()
                        .map(|item| Cow::Owned(as_text(Some(Node::Json(item))).into_owned()))
                        .collect(),
                    Some(Node::Strings(items)) => {
                        items.iter().map(|s| Cow::Borrowed(s.as_str())).collect()
                    }
                    _ => return *rule == Intersect::None,
                };
                let held = |wanted: &str| items.iter().any(|item| item == wanted);
                match rule {
                    Intersect::All => value.members().all(held),
                    Intersect::Any => value.members().any(held),
                    Intersect::None => !value.members().any(held),
                }
            }
            Clause::HasKey(path) => path.lookup(root()).is_some(),
            Clause::KeyMissing(path) => path.lookup(root()).is_none(),
            Clause::HasValue(path) => !is_empty(path.lookup(root())),
            Clause::ValueMissing(path) => is_empty(path.lookup(root())),
            Clause::Time { field, bound, at } => {
                let time = match field {
                    TimeField::Listing => gregorian(root().step("timestamp"))
                        .or_else(|| gregorian(root().step("pvt_created"))),
                    TimeField::Modified => gregorian(root().step("pvt_modified")),
                };
                time.is_some_and(|time| match bound {
                    Bound::From => time >= *at,
                    Bound::To => time <= *at,
                })
            }
        }
    }
}

impl Path {
    fn parse(text: &str) -> Result<Path, Error> {
        let segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(Error::invalid(
                show_str(text),
                "a key path",
                "dot-separated non-empty keys, such as custom_channel_vars.account_id",
            ));
        }
        Ok(Path(segments))
    }

    /// The value at this path from `root`: keys step into objects, numbers from 1 into
    /// lists.
    fn lookup<'v>(&self, root: Node<'v>) -> Option<Node<'v>> {
        self.0
            .iter()
            .try_fold(root, |node, segment| node.step(segment))
    }
}

impl Wanted {
    fn parse(text: &str) -> Result<Wanted, Error> {
        let mut wanted = Wanted {
            text: text.to_owned(),
            any_of: Vec::new(),
            decoded: None,
        };
        if text.trim_start().starts_with('[') {
            let not_a_list = || {
                Error::invalid(
                    show_str(text),
                    "a JSON list of values",
                    "a JSON array of strings and numbers, such as [\"7\",8]",
                )
            };
            let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
                return Err(not_a_list());
            };
            for item in &items {
                if item.is_array() || item.is_object() {
                    return Err(not_a_list());
                }
                wanted.any_of.push(value_text(item).into_owned());
            }
        } else if let Ok(Value::String(decoded)) = serde_json::from_str::<Value>(text) {
            wanted.decoded = Some(decoded);
        }
        Ok(wanted)
    }

    /// The values a list filter names: the list's members, else the one value (decoded
    /// when it is a JSON string).
    fn members(&self) -> impl Iterator<Item = &str> {
        let single = if self.any_of.is_empty() && !self.text.trim_start().starts_with('[') {
            Some(self.decoded.as_deref().unwrap_or(&self.text))
        } else {
            None
        };
        self.any_of.iter().map(String::as_str).chain(single)
    }

    fn accepts(&self, text: &str) -> bool {
        self.text == text
            || self.any_of.iter().any(|item| item == text)
            || self.decoded.as_deref() == Some(text)
    }
}

/// A document value as text, as `kz_json:get_binary_value(Path, Doc, <<>>)` gives it.
fn as_text<'v>(node: Option<Node<'v>>) -> Cow<'v, str> {
    let Some(node) = node else {
        return Cow::Borrowed("");
    };
    match node.settled() {
        Node::Json(value) => value_text(value),
        Node::Owned(value) => Cow::Owned(value_text(&value).into_owned()),
        Node::Str(s) => Cow::Borrowed(s),
        Node::Int(i) | Node::IntText(i) => Cow::Owned(i.to_string()),
        Node::Number(n) => Cow::Owned(n.to_string()),
        Node::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        Node::Strings(items) => Cow::Owned(items.concat()),
        Node::Map(map) => Cow::Owned(serde_json::to_string(map).unwrap_or_default()),
        // `settled` wrote it as a value.
        Node::Record(_) => Cow::Borrowed(""),
    }
}

/// [`as_text`] of a JSON value.
fn value_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Array(items) => {
            let mut joined = String::new();
            for item in items {
                match item {
                    Value::String(s) => joined.push_str(s),
                    _ => return Cow::Borrowed(""),
                }
            }
            Cow::Owned(joined)
        }
        object @ Value::Object(_) => Cow::Owned(object.to_string()),
    }
}

/// `kz_term:is_empty` on a JSON value; absent is empty.
fn is_empty(node: Option<Node<'_>>) -> bool {
    let Some(node) = node else {
        return true;
    };
    match node.settled() {
        Node::Json(value) => value_is_empty(value),
        Node::Owned(value) => value_is_empty(&value),
        Node::Str(s) => str_is_empty(s),
        // The text `"<i>"` is empty only as `"0"`, the integer only as 0.
        Node::Int(i) | Node::IntText(i) => i == 0,
        Node::Number(n) => n.as_f64() == Some(0.0),
        Node::Bool(_) => false,
        Node::Strings(items) => items.is_empty(),
        Node::Map(map) => map.is_empty(),
        Node::Record(_) => false,
    }
}

fn str_is_empty(s: &str) -> bool {
    matches!(s, "" | "0" | "NULL" | "undefined")
}

fn value_is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => str_is_empty(s),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Bool(_) => false,
    }
}

/// A time field as Gregorian seconds, read by the rule [`Cdr`] reads its time fields with
/// (a JSON integer, an integral float or a string of decimal digits); `None` for anything else.
fn gregorian(node: Option<Node<'_>>) -> Option<GregorianSeconds> {
    let scalar = match node? {
        Node::Json(value) => return value_gregorian(value),
        Node::Owned(value) => return value_gregorian(&value),
        Node::Str(s) => Scalar::Str(Cow::Borrowed(s)),
        Node::Int(i) | Node::IntText(i) => Scalar::Int(i),
        Node::Number(n) => Scalar::deserialize(n.clone()).ok()?,
        Node::Bool(b) => Scalar::Bool(b),
        Node::Strings(_) | Node::Map(_) | Node::Record(_) => return None,
    };
    GregorianSeconds::from_scalar(scalar).ok()
}

fn value_gregorian(value: &Value) -> Option<GregorianSeconds> {
    // Lists and objects are never times; turning them into a `Scalar` would copy them.
    let value = Some(value).filter(|v| !v.is_array() && !v.is_object())?;
    GregorianSeconds::from_scalar(Scalar::deserialize(value).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use serde_json::json;

    #[test]
    fn text_casts_follow_kz_term_to_binary() {
        let doc = json!({"s": "x", "i": 7, "f": 1.5, "t": true, "n": null,
                         "l": ["a", "b"], "m": [1, "a"], "o": {"k": 1}});
        let text = |key: &str| as_text(doc.get(key).map(Node::Json)).into_owned();
        assert_eq!(text("s"), "x");
        assert_eq!(text("i"), "7");
        assert_eq!(text("f"), "1.5");
        assert_eq!(text("t"), "true");
        assert_eq!(text("n"), "null");
        assert_eq!(text("l"), "ab");
        assert_eq!(text("m"), "");
        assert_eq!(text("o"), r#"{"k":1}"#);
        assert_eq!(text("absent"), "");
    }

    #[test]
    fn time_bounds_past_i64_are_out_of_range() {
        let err =
            Clause::time(TimeField::Listing, Bound::From, "99999999999999999999").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        let err =
            Clause::time(TimeField::Modified, Bound::To, "-99999999999999999999").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        let err = Clause::time(TimeField::Listing, Bound::To, "soon").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
    }

    #[test]
    fn paths_step_into_lists_from_one() {
        let doc = json!({"a": [{"b": "first"}, {"b": "second"}]});
        let at = |path: &str| match Path::parse(path).unwrap().lookup(Node::Json(&doc)) {
            Some(Node::Json(value)) => Some(value.clone()),
            Some(_) => panic!("a JSON document gives JSON nodes"),
            None => None,
        };
        assert_eq!(at("a.2.b"), Some(json!("second")));
        assert_eq!(at("a.0.b"), None);
        assert_eq!(at("a.x"), None);
    }
}
