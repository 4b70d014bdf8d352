//! KAZOO's document normalisation (`kz_json:normalize_jobj`): how an AMQP payload's keys
//! (`Call-ID`, `Custom-Channel-Vars`) become a stored document's (`call_id`,
//! `custom_channel_vars`).

use std::borrow::Cow;

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
/// It turns KAZOO AMQP payloads into the shape [`Cdr`](crate::cdr::Cdr) and KAZOO's stored
/// documents use.
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

    #[test]
    fn nulls_go_and_later_keys_win() {
        let value = json!({
            "A-B": [{"C-D": null, "e": [null, {"F": 1}]}, "G-H"],
            "a_b": "later in the sorted order: wins",
            "Nul": null,
            "x": {"Y": {"Z-Z": "\"false\""}}
        });
        let owned = normalize_document(value.clone());
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
