//! KAZOO's routing keys for call events: the word encoding of `kz_amqp_util:encode/1` and the
//! key `kapi_call` publishes a call event with.

use serde_json::Value;

/// Encodes one word of a routing key as KAZOO's `kz_amqp_util:encode/1` does, so that a call
/// id holding `.`, `*`, `#` (or anything else) stays one word of the key.
///
/// Byte by byte over the UTF-8 text: `a`-`z`, `A`-`Z`, `0`-`9`, `-`, `~` and `_` are kept, a
/// space becomes `+`, and every other byte becomes `%XX` (two upper-case hex digits; a `.` is
/// `%2E`). The whole words `*` and `#` (and the empty word) are kept as they are: KAZOO binds
/// with them as wildcards.
///
/// ```
/// use kazoo_records_amqp::encode_word;
///
/// assert_eq!(encode_word("a.b*c#d@e f"), "a%2Eb%2Ac%23d%40e+f");
/// assert_eq!(encode_word("*"), "*");
/// ```
pub fn encode_word(word: &str) -> String {
    // kz_amqp_util:encode/1 keeps <<>>, <<"*">> and <<"#">> whole.
    if word.is_empty() || word == "*" || word == "#" {
        return word.to_owned();
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(word.len());
    for &byte in word.as_bytes() {
        match byte {
            // ?KEY_SAFE(C) of kz_amqp_util.
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'~' | b'_' => {
                encoded.push(char::from(byte));
            }
            // encode_char($\s) -> <<$+>>.
            b' ' => encoded.push('+'),
            // encode_char(C) -> <<$%, hexint(Hi4), hexint(Lo4)>> (`.` is %2E as well).
            _ => {
                encoded.push('%');
                encoded.push(char::from(HEX[usize::from(byte >> 4)]));
                encoded.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    encoded
}

/// The routing key KAZOO publishes a call event with on the `callevt` exchange:
/// `call.<event name>.<encoded call id>`, as `kapi_call`'s `?CALL_EVENT_ROUTING_KEY(Event,
/// CallId)` (`kapi_call.hrl`) builds it with [`encode_word`]. The event name is not encoded.
///
/// ```
/// use kazoo_records_amqp::call_event_routing_key;
///
/// assert_eq!(
///     call_event_routing_key("CHANNEL_DESTROY", "abc.def@10.0.0.1"),
///     "call.CHANNEL_DESTROY.abc%2Edef%4010%2E0%2E0%2E1"
/// );
/// ```
pub fn call_event_routing_key(event_name: &str, call_id: &str) -> String {
    format!("call.{event_name}.{}", encode_word(call_id))
}

/// The routing key ecallmgr publishes a CHANNEL_DESTROY (KAZOO's wire JSON) with:
/// [`call_event_routing_key`]`("CHANNEL_DESTROY", id)`, where `id` is chosen as
/// `kapi_call:find_event_call_id/1` does: the first of `Call-ID`, `Unique-ID` when
/// `Channel-Is-Loopback` is true (`true` or `"true"`), else the first of
/// `Origination-Call-ID`, `Call-ID`, `Unique-ID`.
///
/// `None` when none of those keys is present, or the first present is not a string.
///
/// ```
/// use kazoo_records_amqp::channel_destroy_routing_key;
/// use serde_json::json;
///
/// let wire = json!({"Call-ID": "leg.b", "Origination-Call-ID": "orig#1"});
/// assert_eq!(
///     channel_destroy_routing_key(&wire).as_deref(),
///     Some("call.CHANNEL_DESTROY.orig%231")
/// );
/// ```
pub fn channel_destroy_routing_key(wire: &Value) -> Option<String> {
    let loopback = matches!(wire.get("Channel-Is-Loopback"), Some(Value::Bool(true)))
        || wire.get("Channel-Is-Loopback").and_then(Value::as_str) == Some("true");
    let keys: &[&str] = if loopback {
        &["Call-ID", "Unique-ID"]
    } else {
        &["Origination-Call-ID", "Call-ID", "Unique-ID"]
    };
    let id = keys
        .iter()
        .find_map(|key| wire.get(*key).filter(|v| !v.is_null()))?
        .as_str()?;
    Some(call_event_routing_key("CHANNEL_DESTROY", id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A naive reading of `kz_amqp_util:encode/1`, character class by character class.
    fn oracle(word: &str) -> String {
        if ["", "*", "#"].contains(&word) {
            return word.to_owned();
        }
        let mut out = String::new();
        for byte in word.bytes() {
            let c = byte as char;
            if c.is_ascii_alphanumeric() || "-~_".contains(c) {
                out.push(c);
            } else if c == ' ' {
                out.push('+');
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }

    #[test]
    fn every_byte_is_kept_or_escaped_as_kazoo_does() {
        for byte in 0u8..=127 {
            let word = char::from(byte).to_string();
            assert_eq!(encode_word(&word), oracle(&word), "byte {byte}");
        }
        assert_eq!(encode_word("."), "%2E");
        assert_eq!(encode_word("**"), "%2A%2A");
        assert_eq!(encode_word("é"), "%C3%A9");
    }

    #[test]
    fn loopback_legs_skip_the_origination_id() {
        let wire = serde_json::json!({
            "Origination-Call-ID": "o", "Call-ID": "c", "Channel-Is-Loopback": "true"
        });
        assert_eq!(
            channel_destroy_routing_key(&wire).as_deref(),
            Some("call.CHANNEL_DESTROY.c")
        );
        let wire = serde_json::json!({"Unique-ID": "u", "Channel-Is-Loopback": false});
        assert_eq!(
            channel_destroy_routing_key(&wire).as_deref(),
            Some("call.CHANNEL_DESTROY.u")
        );
        assert_eq!(channel_destroy_routing_key(&serde_json::json!({})), None);
        assert_eq!(
            channel_destroy_routing_key(&serde_json::json!({"Call-ID": 5})),
            None
        );
    }

    proptest! {
        #[test]
        fn encoding_matches_the_oracle(word in ".{0,24}") {
            prop_assert_eq!(encode_word(&word), oracle(&word));
        }

        #[test]
        fn an_encoded_word_is_one_plain_routing_word(word in ".{1,24}") {
            prop_assume!(word != "*" && word != "#");
            let encoded = encode_word(&word);
            prop_assert!(!encoded.contains(['.', '*', '#']), "{}", encoded);
        }
    }
}
