//! [`BodyFilter`]: a predicate over an event's body that a [`Binding`](super::Binding) may carry.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::{Map, Number, Value};

use crate::error::{Error, show_json, show_str};

/// A predicate over an event's [`body`](super::Event::body), carried by a
/// [`Binding`](super::Binding) (`"body"` in bindings JSON): what KAZOO's `edr.hrl` promises
/// "eventually".
///
/// It is written as one JSON object whose members must all hold:
///
/// - **A member whose name starts with `/`** is a JSON pointer (RFC 6901) with the value(s) it
///   must point at: `{"/status": ["ready", "paused"]}` holds when the body's value at
///   `/status` equals one of the listed values; a value that is not an array means equality
///   (`{"/status": "ready"}`); to compare with an array, list it (`{"/tags": [["a", "b"]]}`).
///   Nothing at the pointer matches nothing.
/// - **Any other member** is matched by containment: `{"event": "call_status_change"}` holds
///   when the body has a member `event` that contains `"call_status_change"`. An object
///   contains another when it has every one of its members, each containing the other's value
///   (recursively; extra members are allowed); an array contains another when every element
///   of the other is contained in some element of it (order and repetitions do not matter:
///   `["a", "b", "c"]` contains `["c", "a"]`; PostgreSQL's `jsonb @>` rule); any other value
///   contains only an equal one. Inside these values, a name starting with `/` is a plain name.
///
/// Values compare as JSON: numbers by value (`1` equals `1.0`), strings exactly, objects
/// regardless of member order.
///
/// A broker routes by routing key only and never sees into a body, so a body filter leaves
/// [`Binding::keys`](super::Binding::keys) unchanged: a queue bound with those keys receives
/// every event the rest of the binding selects, and the filter applies in-process, on the
/// consumer's side, when the event is dispatched into a [`Registry`](super::Registry) (or
/// tested with [`Binding::matches`](super::Binding::matches)).
///
/// ```
/// use kazoo_records::edr::BodyFilter;
/// use serde_json::json;
///
/// let filter = BodyFilter::from_json(&json!({
///     "event": "call_status_change",
///     "/status": ["ready", "paused"],
/// }))?;
/// assert!(filter.matches(&json!({"event": "call_status_change", "status": "paused", "n": 1})));
/// assert!(!filter.matches(&json!({"event": "call_status_change", "status": "busy"})));
/// assert!(!filter.matches(&json!({"status": "ready"})));
///
/// let err = BodyFilter::from_json(&json!({"/status": []})).unwrap_err();
/// assert_eq!(err.path(), r#"["/status"]"#);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Clone)]
pub struct BodyFilter(Arc<Inner>);

struct Inner {
    /// The object as written (what [`BodyFilter::to_json`] gives back).
    written: Map<String, Value>,
    /// The same members, ready to test, in the written order.
    members: Vec<Member>,
}

enum Member {
    /// A member of the body that must contain `pattern`.
    Contains { key: String, pattern: Value },
    /// The value at a pointer (its reference tokens, unescaped) must equal one of these.
    Pointer {
        tokens: Vec<String>,
        any_of: Vec<Value>,
    },
}

impl BodyFilter {
    /// How deeply the values of a filter may nest (an object or array inside another counts
    /// one level): bounds the work and stack one test takes, whatever the body.
    pub const MAX_DEPTH: usize = 32;

    /// Reads a filter from its JSON object (see the type's documentation).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid), with a path relative to the object
    /// (`["/status"]`): the value is not an object, or an empty one; a member name starting
    /// with `/` is not a JSON pointer (a `~` not followed by `0` or `1`); a pointer's list of
    /// values is empty. [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) when a value
    /// nests deeper than [`BodyFilter::MAX_DEPTH`].
    pub fn from_json(value: &Value) -> Result<BodyFilter, Error> {
        let Value::Object(written) = value else {
            return Err(Error::invalid(
                show_json(value),
                "a body filter",
                "a JSON object of members to contain and JSON pointers (\"/…\") to compare",
            ));
        };
        if written.is_empty() {
            return Err(Error::invalid(
                "{}",
                "a body filter",
                "at least one member (leave the key out to select every body)",
            ));
        }
        let members = written
            .iter()
            .map(|(key, value)| read_member(key, value).map_err(|e| e.within(&segment(key))))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(BodyFilter(Arc::new(Inner {
            written: written.clone(),
            members,
        })))
    }

    /// The filter's JSON object, as it was read.
    pub fn to_json(&self) -> Value {
        Value::Object(self.0.written.clone())
    }

    /// Whether `body` satisfies every member of the filter.
    pub fn matches(&self, body: &Value) -> bool {
        self.0.members.iter().all(|member| match member {
            Member::Contains { key, pattern } => body
                .as_object()
                .and_then(|object| object.get(key))
                .is_some_and(|value| contains(value, pattern)),
            Member::Pointer { tokens, any_of } => {
                resolve(body, tokens).is_some_and(|value| any_of.iter().any(|v| equal(value, v)))
            }
        })
    }
}

/// The path segment of a filter member: always quoted, as member names are free text.
fn segment(key: &str) -> String {
    format!("[{}]", show_str(key))
}

fn read_member(key: &str, value: &Value) -> Result<Member, Error> {
    if !within_depth(value, 0) {
        return Err(Error::out_of_range(
            show_json(value),
            format!(
                "at most {} levels of nested arrays and objects",
                BodyFilter::MAX_DEPTH
            ),
        ));
    }
    let Some(pointer) = key.strip_prefix('/') else {
        return Ok(Member::Contains {
            key: key.to_owned(),
            pattern: value.clone(),
        });
    };
    let tokens = pointer
        .split('/')
        .map(unescape)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            Error::invalid(
                show_str(key),
                "a JSON pointer",
                "\"/\" and reference tokens, with \"~\" only in \"~0\" (for \"~\") and \"~1\" (for \"/\")",
            )
        })?;
    let any_of = match value {
        Value::Array(values) if values.is_empty() => {
            return Err(Error::invalid(
                "[]",
                "a list of values to compare with",
                "at least one value",
            ));
        }
        Value::Array(values) => values.clone(),
        other => vec![other.clone()],
    };
    Ok(Member::Pointer { tokens, any_of })
}

/// Whether `value`, at `depth`, nests no deeper than [`BodyFilter::MAX_DEPTH`].
fn within_depth(value: &Value, depth: usize) -> bool {
    match value {
        Value::Array(items) => {
            depth < BodyFilter::MAX_DEPTH && items.iter().all(|v| within_depth(v, depth + 1))
        }
        Value::Object(members) => {
            depth < BodyFilter::MAX_DEPTH && members.values().all(|v| within_depth(v, depth + 1))
        }
        _ => true,
    }
}

/// One reference token, unescaped (`~1` is `/`, `~0` is `~`); `None` for another `~`.
fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => return None,
        }
    }
    Some(out)
}

/// The value `tokens` point at in `value` (RFC 6901: an array index is `0` or digits without
/// a leading zero).
fn resolve<'v>(mut value: &'v Value, tokens: &[String]) -> Option<&'v Value> {
    for token in tokens {
        value = match value {
            Value::Object(members) => members.get(token)?,
            Value::Array(items) => {
                let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
                if !digits || (token.len() > 1 && token.starts_with('0')) {
                    return None;
                }
                items.get(token.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(value)
}

/// Whether `value` contains `pattern` (see [`BodyFilter`]).
fn contains(value: &Value, pattern: &Value) -> bool {
    match (value, pattern) {
        (Value::Object(value), Value::Object(pattern)) => pattern
            .iter()
            .all(|(key, p)| value.get(key).is_some_and(|v| contains(v, p))),
        (Value::Array(values), Value::Array(patterns)) => patterns
            .iter()
            .all(|p| values.iter().any(|v| contains(v, p))),
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        (a, b) => equal(a, b),
    }
}

/// JSON equality, numbers by value.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => same_number(a, b),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| equal(a, b)))
        }
        (a, b) => a == b,
    }
}

/// Whether two JSON numbers are the same number (`1` and `1.0` are; no rounding otherwise).
fn same_number(a: &Number, b: &Number) -> bool {
    match (integer(a), integer(b)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => a.as_f64() == b.as_f64(),
        (Some(i), None) => float_is(b, i),
        (None, Some(i)) => float_is(a, i),
    }
}

/// Whether a float number is exactly the integer `i`.
fn float_is(n: &Number, i: i128) -> bool {
    n.as_f64()
        .is_some_and(|f| f.fract() == 0.0 && f.abs() < 2f64.powi(127) && f as i128 == i)
}

/// A number held as an integer, widened.
fn integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

impl PartialEq for BodyFilter {
    /// Filters are equal when written as equal JSON objects (member order aside).
    fn eq(&self, other: &BodyFilter) -> bool {
        self.0.written == other.0.written
    }
}

impl Eq for BodyFilter {}

impl Hash for BodyFilter {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_members(&self.0.written, state);
    }
}

/// Hashes an object's members in name order, so that the hash agrees with `==`.
fn hash_members<H: Hasher>(members: &Map<String, Value>, state: &mut H) {
    let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
    sorted.sort_unstable_by_key(|(key, _)| *key);
    state.write_usize(sorted.len());
    for (key, value) in sorted {
        key.hash(state);
        hash_value(value, state);
    }
}

fn hash_value<H: Hasher>(value: &Value, state: &mut H) {
    match value {
        Value::Null => state.write_u8(0),
        Value::Bool(b) => {
            state.write_u8(1);
            b.hash(state);
        }
        Value::Number(n) => {
            state.write_u8(2);
            n.to_string().hash(state);
        }
        Value::String(s) => {
            state.write_u8(3);
            s.hash(state);
        }
        Value::Array(items) => {
            state.write_u8(4);
            state.write_usize(items.len());
            items.iter().for_each(|item| hash_value(item, state));
        }
        Value::Object(members) => {
            state.write_u8(5);
            hash_members(members, state);
        }
    }
}

impl fmt::Debug for BodyFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BodyFilter").field(&self.0.written).finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pointer_tokens_are_unescaped_and_indexes_are_strict() {
        let body = json!({"a/b": {"m~n": [10, 20]}});
        let tokens = |p: &str| -> Vec<String> {
            p.strip_prefix('/')
                .unwrap()
                .split('/')
                .map(|t| unescape(t).unwrap())
                .collect()
        };
        assert_eq!(resolve(&body, &tokens("/a~1b/m~0n/1")), Some(&json!(20)));
        assert_eq!(resolve(&body, &tokens("/a~1b/m~0n/01")), None);
        assert_eq!(resolve(&body, &tokens("/a~1b/m~0n/-")), None);
        assert_eq!(resolve(&body, &tokens("/a~1b/m~0n/2")), None);
        assert_eq!(unescape("~2"), None);
        assert_eq!(unescape("x~"), None);
    }

    #[test]
    fn numbers_compare_by_value() {
        let n = |v: Value| v.as_number().unwrap().clone();
        assert!(same_number(&n(json!(1)), &n(json!(1.0))));
        assert!(same_number(&n(json!(1.0)), &n(json!(1))));
        assert!(same_number(&n(json!(u64::MAX)), &n(json!(u64::MAX))));
        assert!(!same_number(&n(json!(1)), &n(json!(1.5))));
        assert!(!same_number(&n(json!(-1)), &n(json!(u64::MAX))));
        // 2^53 + 1 is not the float 2^53.
        assert!(!same_number(
            &n(json!(9_007_199_254_740_993u64)),
            &n(json!(9_007_199_254_740_992.0))
        ));
    }

    #[test]
    fn depth_is_bounded() {
        let mut deep = json!(1);
        for _ in 0..BodyFilter::MAX_DEPTH {
            deep = json!([deep]);
        }
        assert!(BodyFilter::from_json(&json!({ "a": deep.clone() })).is_ok());
        let err = BodyFilter::from_json(&json!({ "a": [deep] })).unwrap_err();
        assert_eq!(err.path(), r#"["a"]"#);
    }
}
