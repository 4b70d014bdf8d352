//! [`Node`]: a borrowed look at the JSON a value writes, for readers of a few paths of a
//! document (the query filters) that must not write the whole document to read them.
//!
//! A `serde_json::Value` and a [`record!`](super::record::record) type give the same nodes for
//! the same JSON: a record lends its typed field (or the scalar the field arrived as) and
//! writes nothing; only the types without a borrowed form (`CustomSipHeaders`) are written,
//! as an owned value, when they are looked at.

use serde_json::{Map, Number, Value};

use super::record::Arrived;

/// The JSON value at some path of a document, borrowed where it can be.
pub(crate) enum Node<'a> {
    /// A JSON value of the document.
    Json(&'a Value),
    /// A value written on demand.
    Owned(Value),
    /// A JSON string.
    Str(&'a str),
    /// A JSON integer.
    Int(i64),
    /// A JSON string holding this integer in its canonical decimal form.
    IntText(i64),
    /// A JSON number.
    Number(&'a Number),
    /// `true` or `false`.
    Bool(bool),
    /// A JSON array of strings.
    Strings(&'a [String]),
    /// A JSON object.
    Map(&'a Map<String, Value>),
    /// A record, written as an object.
    Record(&'a dyn Record),
}

/// A record seen as the JSON object it writes.
pub(crate) trait Record {
    /// The node the record writes at `key`, if it writes that key.
    fn node_at(&self, key: &str) -> Option<Node<'_>>;

    /// The whole object the record writes.
    fn written(&self) -> Value;
}

impl<'a> Node<'a> {
    /// The node at `segment` inside this one: an object's key, or a list's member counted
    /// from 1 (KAZOO's `kz_json` paths).
    pub(crate) fn step(self, segment: &str) -> Option<Node<'a>> {
        let index = || segment.parse::<usize>().ok()?.checked_sub(1);
        match self {
            Node::Json(Value::Object(map)) | Node::Map(map) => map.get(segment).map(Node::Json),
            Node::Json(Value::Array(items)) => items.get(index()?).map(Node::Json),
            Node::Owned(Value::Object(mut map)) => map.remove(segment).map(Node::Owned),
            Node::Owned(Value::Array(items)) => items.into_iter().nth(index()?).map(Node::Owned),
            Node::Strings(items) => items.get(index()?).map(|s| Node::Str(s)),
            Node::Record(record) => record.node_at(segment),
            _ => None,
        }
    }

    /// The node as a `serde_json::Value` when it is a record (which has no borrowed form of
    /// the whole), else itself.
    pub(crate) fn settled(self) -> Node<'a> {
        match self {
            Node::Record(record) => Node::Owned(record.written()),
            other => other,
        }
    }
}

impl Arrived {
    /// The node of the scalar as it arrived.
    pub(crate) fn node(&self) -> Node<'_> {
        match self {
            Arrived::IntText(i) => Node::IntText(*i),
            Arrived::BoolText(b) => Node::Str(if *b { "true" } else { "false" }),
            Arrived::Text(s) => Node::Str(s),
            Arrived::Number(n) => Node::Number(n),
        }
    }
}

/// A field type's node, written natively (as a value set from Rust is written).
pub(crate) trait Written {
    /// The node of the value.
    fn node(&self) -> Node<'_>;
}

impl Written for String {
    fn node(&self) -> Node<'_> {
        Node::Str(self)
    }
}

impl Written for i64 {
    fn node(&self) -> Node<'_> {
        Node::Int(*self)
    }
}

impl Written for bool {
    fn node(&self) -> Node<'_> {
        Node::Bool(*self)
    }
}

impl Written for Value {
    fn node(&self) -> Node<'_> {
        Node::Json(self)
    }
}

impl Written for Map<String, Value> {
    fn node(&self) -> Node<'_> {
        Node::Map(self)
    }
}

impl Written for Vec<String> {
    fn node(&self) -> Node<'_> {
        Node::Strings(self)
    }
}

impl Written for crate::time::GregorianSeconds {
    fn node(&self) -> Node<'_> {
        Node::Int(self.0)
    }
}

impl Written for crate::time::UnixMicros {
    fn node(&self) -> Node<'_> {
        Node::Int(self.0)
    }
}
