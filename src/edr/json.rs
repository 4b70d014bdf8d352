//! KAZOO's JSON shapes: bindings, and events in the snake_case and AMQP wire forms.
//!
//! Every reader here walks a `serde_json::Value` and reports the path of what it refuses
//! (`bindings[2].severity`); the serde impls of [`Binding`] and [`Event`] go through these readers.
//! The boolean, string and list rules are the crate's one JSON reader's (`crate::json`), the
//! same the CDR records read with.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::binding::{Binding, Levels, NameKind, Names};
use super::body_filter::BodyFilter;
use super::event::Event;
use super::event_id::EventId;
use super::level::{Severity, Verbosity};
use crate::error::{Error, show_json};
use crate::json::{self, OneOrList, View};
use crate::time::GregorianSeconds;

/// Reads bindings from KAZOO's JSON: one binding object, or an array of them.
///
/// Keys (all optional, KAZOO's defaults when missing): `account_id` (falling back to
/// `pvt_account_id`) and `app_name` as a string (`"*"` for any) or an array of strings;
/// `include_descendants`, `exact_severity`, `exact_verbosity` as `true`/`false` or
/// `"true"`/`"false"`; `severity` and `verbosity` as a level name or an array of them;
/// `body`, a [`BodyFilter`] object (this crate's addition: KAZOO has no body filters).
///
/// # Errors
///
/// An [`Error`] naming the path (`bindings[2].severity` in an array, `severity` in a lone
/// object) and the value: an unknown key, a value of the wrong type, an unknown level name
/// (names are exact and lowercase), an empty list, a name that cannot stand in a routing key,
/// or a body filter that [`BodyFilter::from_json`] refuses (`bindings[2].body["/status"]`).
///
/// ```
/// use kazoo_records::edr::{Binding, Severity, bindings_from_json};
/// use serde_json::json;
///
/// let bindings = bindings_from_json(&json!([{"account_id": "abc", "severity": "warning"}, {}]))?;
/// assert_eq!(bindings[0], Binding::default().account("abc").severity(Severity::Warning));
/// assert_eq!(bindings[1], Binding::default());
///
/// let err = bindings_from_json(&json!([{}, {}, {"severity": "OK"}])).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"bindings[2].severity: "OK" is not a severity; expected ok, warning or critical"#
/// );
/// # Ok::<(), kazoo_records::Error>(())
/// ```
pub fn bindings_from_json(value: &Value) -> Result<Vec<Binding>, Error> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read_binding(item).map_err(|e| e.within_index(i).within("bindings")))
            .collect(),
        Value::Object(_) => Ok(vec![read_binding(value)?]),
        other => Err(Error::invalid(
            show_json(other),
            "a binding or a list of bindings",
            "a JSON object or an array of objects",
        )),
    }
}

/// Writes bindings as KAZOO's JSON: always an array of binding objects.
///
/// Each object has every KAZOO key, in KAZOO's order when serialised with serde (and in the
/// `Value` too with the `preserve_order` feature), then `body` for a binding with a
/// [`BodyFilter`] (only then, so that other bindings keep KAZOO's shape).
/// [`bindings_from_json`] reads it back to the same bindings.
///
/// ```
/// use kazoo_records::edr::{Binding, bindings_from_json, bindings_to_json};
/// use serde_json::json;
///
/// let bindings = [Binding::default().account("abc")];
/// let value = bindings_to_json(&bindings);
/// assert_eq!(
///     value,
///     json!([{
///         "account_id": "abc", "include_descendants": false, "app_name": "*",
///         "severity": "ok", "exact_severity": false, "verbosity": "info", "exact_verbosity": false
///     }])
/// );
/// assert_eq!(bindings_from_json(&value)?, bindings);
/// // One binding is serde: the same object.
/// assert_eq!(serde_json::to_value(&bindings[0]).unwrap(), value[0]);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
pub fn bindings_to_json(bindings: &[Binding]) -> Value {
    Value::Array(bindings.iter().map(binding_to_json).collect())
}

/// The keys of a binding object, in KAZOO's order.
const BINDING_KEYS: [&str; 7] = [
    "account_id",
    "include_descendants",
    "app_name",
    "severity",
    "exact_severity",
    "verbosity",
    "exact_verbosity",
];

/// The key of a binding's body filter, after KAZOO's keys (written only when there is one).
const BODY_KEY: &str = "body";

/// Reads one binding object (see [`bindings_from_json`]), with paths relative to the object
/// (`severity`); serde's `Deserialize` for [`Binding`] is this reader.
fn read_binding(value: &Value) -> Result<Binding, Error> {
    let Value::Object(map) = value else {
        return Err(Error::invalid(
            show_json(value),
            "a binding",
            "a JSON object",
        ));
    };
    if let Some(key) = map
        .keys()
        .find(|k| !BINDING_KEYS.contains(&k.as_str()) && *k != "pvt_account_id" && *k != BODY_KEY)
    {
        return Err(Error::unknown_key(
            key.clone(),
            format!(
                "{}, {BODY_KEY} (or pvt_account_id)",
                BINDING_KEYS.join(", ")
            ),
        ));
    }
    let account_key = if map.contains_key("account_id") {
        "account_id"
    } else {
        "pvt_account_id"
    };
    let account_id = read_field(map, account_key, Names::Any, |v| {
        read_names(v, NameKind::Account)
    })?;
    let app_name = read_field(map, "app_name", Names::Any, |v| {
        read_names(v, NameKind::App)
    })?;
    let include_descendants = read_field(map, "include_descendants", false, read_flag)?;
    let severity = read_field(map, "severity", Levels::One(Severity::Ok), |v| {
        read_levels(v, "a severity")
    })?;
    let exact_severity = read_field(map, "exact_severity", false, read_flag)?;
    let verbosity = read_field(map, "verbosity", Levels::One(Verbosity::Info), |v| {
        read_levels(v, "a verbosity")
    })?;
    let exact_verbosity = read_field(map, "exact_verbosity", false, read_flag)?;
    let body = read_field(map, BODY_KEY, None, |v| BodyFilter::from_json(v).map(Some))?;
    let binding = Binding {
        account_id,
        include_descendants,
        app_name,
        severity,
        exact_severity,
        verbosity,
        exact_verbosity,
        body,
    };
    binding.validate()?;
    Ok(binding)
}

/// Writes one binding as KAZOO's JSON object, every key present, in KAZOO's order (as
/// serde's `Serialize` for [`Binding`] writes it).
fn binding_to_json(binding: &Binding) -> Value {
    let mut map = Map::new();
    map.insert("account_id".into(), names_json(&binding.account_id));
    map.insert(
        "include_descendants".into(),
        binding.include_descendants.into(),
    );
    map.insert("app_name".into(), names_json(&binding.app_name));
    map.insert("severity".into(), levels_json(&binding.severity));
    map.insert("exact_severity".into(), binding.exact_severity.into());
    map.insert("verbosity".into(), levels_json(&binding.verbosity));
    map.insert("exact_verbosity".into(), binding.exact_verbosity.into());
    if let Some(body) = &binding.body {
        map.insert(BODY_KEY.into(), body.to_json());
    }
    Value::Object(map)
}

impl Serialize for Binding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = BINDING_KEYS.len() + usize::from(self.body.is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("account_id", &names_json(&self.account_id))?;
        map.serialize_entry("include_descendants", &self.include_descendants)?;
        map.serialize_entry("app_name", &names_json(&self.app_name))?;
        map.serialize_entry("severity", &levels_json(&self.severity))?;
        map.serialize_entry("exact_severity", &self.exact_severity)?;
        map.serialize_entry("verbosity", &levels_json(&self.verbosity))?;
        map.serialize_entry("exact_verbosity", &self.exact_verbosity)?;
        if let Some(body) = &self.body {
            map.serialize_entry(BODY_KEY, &body.to_json())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        read_binding(&value).map_err(serde::de::Error::custom)
    }
}

/// The key names of one event JSON shape, in writing order.
struct Shape {
    account_id: &'static str,
    account_tree: &'static str,
    app_name: &'static str,
    app_version: &'static str,
    body: &'static str,
    id: &'static str,
    node: &'static str,
    severity: &'static str,
    timestamp: &'static str,
    gregorian_time: &'static str,
    verbosity: &'static str,
    /// Whether keys outside the shape are refused (else ignored: AMQP messages carry headers).
    strict: bool,
}

const SNAKE: Shape = Shape {
    account_id: "account_id",
    account_tree: "account_tree",
    app_name: "app_name",
    app_version: "app_version",
    body: "body",
    id: "id",
    node: "node",
    severity: "severity",
    timestamp: "timestamp",
    gregorian_time: "gregorian_time",
    verbosity: "verbosity",
    strict: true,
};

const AMQP: Shape = Shape {
    account_id: "Account-ID",
    account_tree: "Account-Tree",
    app_name: "App-Name",
    app_version: "App-Version",
    body: "Body",
    id: "ID",
    node: "Node",
    severity: "Severity",
    timestamp: "Timestamp",
    gregorian_time: "Gregorian-Time",
    verbosity: "Verbosity",
    strict: false,
};

/// The `Event-Category` and `Event-Name` of KAZOO's EDR messages.
const AMQP_CATEGORY: (&str, &str) = ("Event-Category", "edr");
const AMQP_NAME: (&str, &str) = ("Event-Name", "event");

impl Shape {
    fn keys(&self) -> [&'static str; 11] {
        [
            self.account_id,
            self.account_tree,
            self.app_name,
            self.app_version,
            self.body,
            self.id,
            self.node,
            self.severity,
            self.timestamp,
            self.gregorian_time,
            self.verbosity,
        ]
    }
}

impl Event {
    /// Reads an event in the normalised snake_case shape (`account_id`, `account_tree`,
    /// `app_name`, `app_version`, `body`, `id`, `node`, `severity`, `timestamp`,
    /// `gregorian_time`, `verbosity`).
    ///
    /// `account_id` and `account_tree` are optional (`null` counts as absent). At least one of
    /// `timestamp` (ISO 8601) and `gregorian_time` must be present; when both are, they must
    /// be the same instant (to the second).
    ///
    /// # Errors
    ///
    /// An [`Error`] naming the key and the value: an unknown key, a missing required key, a
    /// wrong type, an unknown level, an unreadable timestamp, or two times that disagree.
    ///
    /// Serde reads the same shape (`Deserialize` is this reader, its error's message the
    /// same) and writes it (`Serialize`, keys in the order above, absent optionals omitted);
    /// this reader's [`Error`] also gives the [`kind`](Error::kind) and [`path`](Error::path).
    ///
    /// ```
    /// use kazoo_records::ErrorKind;
    /// use kazoo_records::edr::{Event, Severity, Verbosity};
    ///
    /// let event = Event::new("callflow", "4.3.1", Severity::Ok, Verbosity::Info, serde_json::json!({}))
    ///     .with_account("abc");
    /// let mut value = serde_json::to_value(&event).unwrap();
    /// assert_eq!(value["account_id"], "abc");
    /// assert_eq!(Event::from_json(&value)?, event);
    ///
    /// value["severity"] = "Critical".into();
    /// let err = Event::from_json(&value).unwrap_err();
    /// assert_eq!((err.kind(), err.path()), (ErrorKind::Invalid, "severity"));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<Event, Error> {
        read_event(value, &SNAKE)
    }

    /// Reads an event in KAZOO's AMQP wire shape (`Account-ID`, `App-Name`, `Body`, …).
    ///
    /// `Event-Category` and `Event-Name`, when present, must be `edr` and `event`; other keys
    /// (the broker envelope: `Msg-ID`, `Server-ID`, …) are ignored.
    ///
    /// # Errors
    ///
    /// As [`Event::from_json`], with the wire key names in paths.
    ///
    /// ```
    /// use kazoo_records::edr::{Event, Severity, Verbosity};
    ///
    /// let event = Event::new("callflow", "4.3.1", Severity::Ok, Verbosity::Info, serde_json::json!({"k": 1}))
    ///     .with_account("abc");
    /// let wire = event.to_amqp_json();
    /// assert_eq!(wire["App-Name"], "callflow");
    /// assert_eq!(wire["Event-Category"], "edr");
    /// assert_eq!(Event::from_amqp_json(&wire)?, event);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn from_amqp_json(value: &Value) -> Result<Event, Error> {
        if let Value::Object(map) = value {
            for (key, expected) in [AMQP_CATEGORY, AMQP_NAME] {
                match map.get(key) {
                    None => {}
                    Some(Value::String(s)) if s == expected => {}
                    Some(other) => {
                        return Err(Error::invalid(
                            show_json(other),
                            format!("an EDR {key}"),
                            format!("{expected:?}"),
                        )
                        .within(key));
                    }
                }
            }
        }
        read_event(value, &AMQP)
    }

    /// Writes KAZOO's AMQP wire shape, with `Event-Category: "edr"` and `Event-Name: "event"`.
    pub fn to_amqp_json(&self) -> Value {
        let envelope = [AMQP_CATEGORY, AMQP_NAME]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::from(v)));
        Value::Object(envelope.chain(self.entries(&AMQP)).collect())
    }

    /// The (key, value) pairs of a shape, in its order, absent optionals omitted.
    fn entries<'a>(&'a self, shape: &'a Shape) -> impl Iterator<Item = (String, Value)> + 'a {
        let optional = [
            self.account_id()
                .map(|a| (shape.account_id, Value::from(a))),
            self.account_tree()
                .map(|t| (shape.account_tree, Value::from(t.to_vec()))),
        ];
        let required = [
            (shape.app_name, Value::from(self.app_name())),
            (shape.app_version, Value::from(self.app_version())),
            (shape.body, self.body().clone()),
            (shape.id, Value::from(self.id().as_str())),
            (shape.node, Value::from(self.node())),
            (shape.severity, Value::from(self.severity().as_str())),
            (shape.timestamp, Value::from(self.timestamp())),
            (shape.gregorian_time, Value::from(self.gregorian_time().0)),
            (shape.verbosity, Value::from(self.verbosity().as_str())),
        ];
        optional
            .into_iter()
            .flatten()
            .chain(required)
            .map(|(k, v)| (k.to_owned(), v))
    }
}

impl Serialize for Event {
    /// The snake_case shape, keys in order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.entries(&SNAKE) {
            map.serialize_entry(&key, &value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    /// The snake_case shape (see [`Event::from_json`]).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Event::from_json(&value).map_err(serde::de::Error::custom)
    }
}

fn read_event(value: &Value, shape: &Shape) -> Result<Event, Error> {
    let Value::Object(map) = value else {
        return Err(Error::invalid(
            show_json(value),
            "an event",
            "a JSON object",
        ));
    };
    let keys = shape.keys();
    if shape.strict {
        if let Some(key) = map.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(Error::unknown_key(key.clone(), keys.join(", ")));
        }
    }
    let account_id = optional(map, shape.account_id, read_string)?;
    let account_tree = optional(map, shape.account_tree, read_string_list)?;
    let app_name = required(map, shape.app_name, read_string)?;
    let app_version = required(map, shape.app_version, read_string)?;
    // The body is carried as is, `null` included.
    let body = map
        .get(shape.body)
        .cloned()
        .ok_or_else(|| Error::missing_key(shape.body))?;
    let id = required(map, shape.id, read_string)?;
    let node = required(map, shape.node, read_string)?;
    let severity = required(map, shape.severity, |v| {
        read_level::<Severity>(View::from(v), "a severity")
    })?;
    let verbosity = required(map, shape.verbosity, |v| {
        read_level::<Verbosity>(View::from(v), "a verbosity")
    })?;
    let time = read_time(map, shape)?;
    Ok(Event {
        id: EventId::from(id),
        account_id,
        account_tree,
        app_name,
        app_version,
        body,
        node,
        severity,
        verbosity,
        time,
    })
}

/// The instant from `gregorian_time` and/or `timestamp`, which must agree.
fn read_time(map: &Map<String, Value>, shape: &Shape) -> Result<GregorianSeconds, Error> {
    let gregorian = optional(map, shape.gregorian_time, |v| {
        v.as_i64()
            .map(GregorianSeconds)
            .ok_or_else(|| Error::invalid(show_json(v), "Gregorian seconds", "an integer"))
    })?;
    let timestamp = optional(map, shape.timestamp, |v| {
        let text = v
            .as_str()
            .ok_or_else(|| Error::invalid(show_json(v), "a timestamp", "an ISO 8601 string"))?;
        GregorianSeconds::parse_iso8601(text)
    })?;
    match (gregorian, timestamp) {
        (Some(g), Some(t)) if g != t => Err(Error::invalid(
            show_json(&map[shape.timestamp]),
            format!("the instant of {} {}", shape.gregorian_time, g.0),
            format!("{:?}", g.iso8601()),
        )
        .within(shape.timestamp)),
        (Some(g), _) | (None, Some(g)) => Ok(g),
        (None, None) => Err(Error::missing_key(format!(
            "{} or {}",
            shape.timestamp, shape.gregorian_time
        ))),
    }
}

/// Reads `key` with `read` when present, else `default`; errors are placed at `key`.
fn read_field<T>(
    map: &Map<String, Value>,
    key: &str,
    default: T,
    read: impl FnOnce(&Value) -> Result<T, Error>,
) -> Result<T, Error> {
    match map.get(key) {
        None => Ok(default),
        Some(value) => read(value).map_err(|e| e.within(key)),
    }
}

/// Reads `key` with `read` when present and not `null`.
fn optional<T>(
    map: &Map<String, Value>,
    key: &str,
    read: impl FnOnce(&Value) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).map_err(|e| e.within(key)),
    }
}

/// Reads `key` with `read`; a missing key is an error.
fn required<T>(
    map: &Map<String, Value>,
    key: &str,
    read: impl FnOnce(&Value) -> Result<T, Error>,
) -> Result<T, Error> {
    optional(map, key, read)?.ok_or_else(|| Error::missing_key(key))
}

fn read_string(value: &Value) -> Result<String, Error> {
    json::string(View::from(value)).map(str::to_owned)
}

fn read_string_list(value: &Value) -> Result<Vec<String>, Error> {
    json::list(
        View::from(value),
        "a list of account ids",
        "an array of strings",
        |item| json::string(item).map(str::to_owned),
    )
}

fn read_flag(value: &Value) -> Result<bool, Error> {
    json::boolean(View::from(value))
}

/// Reads a name selection and checks that every name can stand in a routing key.
fn read_names(value: &Value, kind: NameKind) -> Result<Names, Error> {
    let what = kind.what();
    let names = json::one_or_list(
        View::from(value),
        what,
        "a string or an array of strings",
        |item| match item {
            View::Str(name) => Ok(name.to_owned()),
            other => Err(other.invalid(what, "a string")),
        },
    )?;
    let names = match names {
        OneOrList::One(name) => Names::one(name),
        OneOrList::List(names) => Names::List(names),
    };
    names.validate(kind)?;
    Ok(names)
}

fn read_level<L: std::str::FromStr<Err = Error>>(value: View<'_>, what: &str) -> Result<L, Error> {
    match value {
        View::Str(name) => name.parse(),
        other => Err(other.invalid(what, "a level name (a string)")),
    }
}

fn read_levels<L: std::str::FromStr<Err = Error>>(
    value: &Value,
    what: &str,
) -> Result<Levels<L>, Error> {
    let levels = json::one_or_list(
        View::from(value),
        what,
        "a level name or an array of level names",
        |item| read_level(item, what),
    )?;
    Ok(match levels {
        OneOrList::One(level) => Levels::One(level),
        OneOrList::List(levels) => Levels::List(levels),
    })
}

fn names_json(names: &Names) -> Value {
    match names {
        Names::Any => Value::from("*"),
        Names::One(name) => Value::from(name.as_str()),
        Names::List(list) => Value::from(list.clone()),
    }
}

fn levels_json<L: std::fmt::Display>(levels: &Levels<L>) -> Value {
    match levels {
        Levels::One(level) => Value::from(level.to_string()),
        Levels::List(list) => {
            Value::Array(list.iter().map(|l| Value::from(l.to_string())).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_list_eleven_distinct_keys() {
        for shape in [&SNAKE, &AMQP] {
            let keys = shape.keys();
            let distinct: std::collections::HashSet<_> = keys.iter().collect();
            assert_eq!(distinct.len(), keys.len());
        }
    }
}
