//! `custom_sip_headers`: SIP headers set on a call, with KAZOO's header-name rule.

use serde::de::MapAccess;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::Error;
use crate::error::{show_json, show_str};
use crate::json::{ErrorSlot, FromScalar, Key, ReadObject, Scalar, object_traits};

/// Custom SIP headers: a flat map of header name to value, plus the optional `in` and `out`
/// maps (headers for calls into KAZOO from the endpoint and out of KAZOO to it).
///
/// Header names must match `^[A-Za-z0-9_-]+$`. (KAZOO's schema writes `A-z`, which also lets
/// `[ \ ] ^ _ `` ` `` through; this type does not.) Values are JSON strings, numbers or
/// booleans, kept as written.
///
/// ```
/// use kazoo_records::cdr::CustomSipHeaders;
///
/// let headers: CustomSipHeaders =
///     serde_json::from_str(r#"{"X-AUTH-IP": "10.26.20.20", "in": {"X-Test": "1"}}"#)?;
/// assert_eq!(headers.get("X-AUTH-IP").and_then(|v| v.as_str()), Some("10.26.20.20"));
/// assert_eq!(headers.inbound().map(|m| m.len()), Some(1));
/// assert!(serde_json::from_str::<CustomSipHeaders>(r#"{"X Bad": "1"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomSipHeaders {
    headers: Map<String, Value>,
    inbound: Option<Map<String, Value>>,
    outbound: Option<Map<String, Value>>,
}

/// What a header name may hold, for error messages.
const NAME_EXPECTED: &str = "letters, digits, '_' and '-' (^[A-Za-z0-9_-]+$)";
/// What a header value may be, for error messages.
const VALUE_EXPECTED: &str = "a JSON string, number or boolean";

impl CustomSipHeaders {
    /// No headers.
    pub fn new() -> Self {
        CustomSipHeaders::default()
    }

    /// Whether `name` is a valid header name: non-empty, ASCII letters, digits, `_` and `-`.
    pub fn is_valid_name(name: &str) -> bool {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }

    /// The value of header `name` in the flat map.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.headers.get(name)
    }

    /// The flat headers (without `in` and `out`).
    pub fn headers(&self) -> &Map<String, Value> {
        &self.headers
    }

    /// The headers for calls inbound to KAZOO from the endpoint (`in`), when present.
    pub fn inbound(&self) -> Option<&Map<String, Value>> {
        self.inbound.as_ref()
    }

    /// The headers for calls outbound from KAZOO to the endpoint (`out`), when present.
    pub fn outbound(&self) -> Option<&Map<String, Value>> {
        self.outbound.as_ref()
    }

    /// Sets header `name` in the flat map; returns the previous value.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for a name outside `^[A-Za-z0-9_-]+$` (no path) or a value that is
    /// not a string, number or boolean (path: the name).
    pub fn insert(&mut self, name: &str, value: impl Into<Value>) -> Result<Option<Value>, Error> {
        let value = value.into();
        check_entry(name, &value)?;
        Ok(self.headers.insert(name.to_owned(), value))
    }

    /// Sets header `name` in the `in` map (creating it); returns the previous value.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert), with paths inside `in` (`in` for a bad name, `in.<name>`
    /// for a bad value), as when the headers are read from JSON.
    pub fn insert_inbound(
        &mut self,
        name: &str,
        value: impl Into<Value>,
    ) -> Result<Option<Value>, Error> {
        insert_nested(&mut self.inbound, "in", name, value.into())
    }

    /// Sets header `name` in the `out` map (creating it); returns the previous value.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert), with paths inside `out` (`out` for a bad name,
    /// `out.<name>` for a bad value), as when the headers are read from JSON.
    pub fn insert_outbound(
        &mut self,
        name: &str,
        value: impl Into<Value>,
    ) -> Result<Option<Value>, Error> {
        insert_nested(&mut self.outbound, "out", name, value.into())
    }

    /// Removes header `name` from the flat map.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.headers.remove(name)
    }

    /// Whether there are no headers at all (an empty `in` or `out` map counts as something).
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.inbound.is_none() && self.outbound.is_none()
    }
}

/// Sets a header in the nested map `place` (`in` or `out`), creating the map only once the
/// header is known to be good; errors are placed inside `place`.
fn insert_nested(
    map: &mut Option<Map<String, Value>>,
    place: &str,
    name: &str,
    value: Value,
) -> Result<Option<Value>, Error> {
    check_entry(name, &value).map_err(|e| e.within(place))?;
    Ok(map
        .get_or_insert_with(Map::new)
        .insert(name.to_owned(), value))
}

/// Checks one header: its name, then its value (the error placed at the name).
fn check_entry(name: &str, value: &Value) -> Result<(), Error> {
    check_name(name)?;
    check_value(value).map_err(|e| e.within(name))
}

fn check_name(name: &str) -> Result<(), Error> {
    if CustomSipHeaders::is_valid_name(name) {
        Ok(())
    } else {
        Err(Error::invalid(
            show_str(name),
            "a SIP header name",
            NAME_EXPECTED,
        ))
    }
}

fn check_value(value: &Value) -> Result<(), Error> {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(()),
        other => Err(Error::invalid(
            show_json(other),
            "a SIP header value",
            VALUE_EXPECTED,
        )),
    }
}

/// Checks every entry of a nested `in`/`out` map.
fn check_map(map: &Map<String, Value>) -> Result<(), Error> {
    map.iter()
        .try_for_each(|(name, value)| check_entry(name, value))
}

impl ReadObject for CustomSipHeaders {
    fn read_object<'de, A: MapAccess<'de>>(mut map: A, slot: &ErrorSlot) -> Result<Self, A::Error> {
        let mut headers = CustomSipHeaders::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let name = key.as_str();
            let scalar: Scalar<'de> = map.next_value()?;
            match (name, scalar) {
                ("in" | "out", Scalar::Composite(Value::Object(nested))) => {
                    check_map(&nested).map_err(|e| slot.fail(e.within(name)))?;
                    let place = if name == "in" {
                        &mut headers.inbound
                    } else {
                        &mut headers.outbound
                    };
                    *place = Some(nested);
                }
                (name, scalar) => {
                    check_name(name).map_err(|e| slot.fail(e))?;
                    let value: Value = FromScalar::from_scalar(scalar).map_err(|e| slot.fail(e))?;
                    check_value(&value).map_err(|e| slot.fail(e.within(name)))?;
                    headers.headers.insert(name.to_owned(), value);
                }
            }
        }
        Ok(headers)
    }
}

impl Serialize for CustomSipHeaders {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in &self.headers {
            map.serialize_entry(name, value)?;
        }
        if let Some(inbound) = &self.inbound {
            map.serialize_entry("in", inbound)?;
        }
        if let Some(outbound) = &self.outbound {
            map.serialize_entry("out", outbound)?;
        }
        map.end()
    }
}

object_traits!(CustomSipHeaders);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn names() {
        for good in ["X-AUTH-IP", "a", "x_y-1"] {
            assert!(CustomSipHeaders::is_valid_name(good), "{good}");
        }
        for bad in ["", "X Bad", "X[1]", "X^", "X`", "X\\", "é", "X:Y", "in.out"] {
            assert!(!CustomSipHeaders::is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn in_and_out_hold_objects_and_a_scalar_in_is_a_header() {
        let h: CustomSipHeaders = serde_json::from_str(r#"{"in": "x", "out": {"A": 1}}"#).unwrap();
        assert_eq!(h.get("in"), Some(&Value::from("x")));
        assert_eq!(h.outbound().and_then(|m| m.get("A")), Some(&Value::from(1)));
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"in":"x","out":{"A":1}}"#
        );
    }

    #[test]
    fn bad_entries_name_the_path() {
        let err = serde_json::from_str::<CustomSipHeaders>(r#"{"in": {"X Y": "1"}}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(r#"in: "X Y" is not a SIP header name"#),
            "{err}"
        );
        let err = serde_json::from_str::<CustomSipHeaders>(r#"{"X": [1]}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("X: [1] is not a SIP header value"),
            "{err}"
        );
        let mut h = CustomSipHeaders::new();
        assert!(h.insert("X-Y", "1").is_ok());
        assert_eq!(h.insert("X Y", "1").unwrap_err().kind(), ErrorKind::Invalid);
        assert_eq!(h.insert("X", Value::Null).unwrap_err().path(), "X");
        assert!(h.insert_outbound("X", true).is_ok());
    }

    #[test]
    fn nested_inserts_place_errors_as_reading_does() {
        let mut h = CustomSipHeaders::new();
        let err = h.insert_inbound("X", Value::Null).unwrap_err();
        assert_eq!(err.path(), "in.X");
        let read = serde_json::from_str::<CustomSipHeaders>(r#"{"in": {"X": null}}"#).unwrap_err();
        assert!(
            read.to_string().starts_with(&err.to_string()),
            "{read} / {err}"
        );

        let err = h.insert_outbound("X Y", "1").unwrap_err();
        assert_eq!(err.path(), "out");
        assert_eq!(
            err.to_string(),
            r#"out: "X Y" is not a SIP header name; expected letters, digits, '_' and '-' (^[A-Za-z0-9_-]+$)"#
        );
        assert!(
            h.inbound().is_none() && h.outbound().is_none(),
            "nothing created"
        );
    }
}
