//! KAZOO's call-event routing keys: `encode_word` (`kz_amqp_util:encode/1`),
//! `call_event_routing_key` and `channel_destroy_routing_key` (`kapi_call`), pinned on words
//! that need encoding and compared with an independent implementation (the Python one the
//! pika publisher uses). Needs `/usr/bin/python3` (no broker).

use kazoo_records_amqp::{call_event_routing_key, channel_destroy_routing_key, encode_word};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

/// Words and their encodings, worked out by hand from `kz_amqp_util:encode/1` and
/// `encode_char/1`.
const PINNED: [(&str, &str); 14] = [
    ("", ""),
    ("*", "*"),
    ("#", "#"),
    ("**", "%2A%2A"),
    ("a*", "a%2A"),
    ("a.b*c#d@e f", "a%2Eb%2Ac%23d%40e+f"),
    ("abc-~_XYZ09", "abc-~_XYZ09"),
    (
        "3a4f1c2e-77b1-4c1e-9d3b-1f2e3d4c5b6a",
        "3a4f1c2e-77b1-4c1e-9d3b-1f2e3d4c5b6a",
    ),
    (
        "a84b4c76e66710@pc33.atlanta.com",
        "a84b4c76e66710%40pc33%2Eatlanta%2Ecom",
    ),
    ("%+/:", "%25%2B%2F%3A"),
    ("é", "%C3%A9"),
    ("\t", "%09"),
    ("a b", "a+b"),
    ("~", "~"),
];

#[test]
fn words_are_encoded_as_kazoo_encodes_them() {
    for (word, encoded) in PINNED {
        assert_eq!(encode_word(word), encoded, "encode_word({word:?})");
    }
}

#[test]
fn call_event_keys_are_call_event_name_encoded_call_id() {
    assert_eq!(
        call_event_routing_key("CHANNEL_DESTROY", "a84b4c76e66710@pc33.atlanta.com"),
        "call.CHANNEL_DESTROY.a84b4c76e66710%40pc33%2Eatlanta%2Ecom"
    );
    // The binding `cdr_listener` makes: a lone `*` is kept, so it matches any one word.
    assert_eq!(
        call_event_routing_key("CHANNEL_DESTROY", "*"),
        kazoo_records_amqp::CHANNEL_DESTROY_KEY
    );
}

#[test]
fn channel_destroy_keys_take_the_call_id_kapi_call_takes() {
    let leg = json!({"Call-ID": "leg.a@host", "Unique-ID": "u#1"});
    assert_eq!(
        channel_destroy_routing_key(&leg).as_deref(),
        Some("call.CHANNEL_DESTROY.leg%2Ea%40host")
    );
    let originated = json!({"Call-ID": "leg.a", "Origination-Call-ID": "orig*1"});
    assert_eq!(
        channel_destroy_routing_key(&originated).as_deref(),
        Some("call.CHANNEL_DESTROY.orig%2A1")
    );
    // A loopback leg is keyed by its own Call-ID (kapi_call:find_event_call_id/1).
    for loopback in [json!(true), json!("true")] {
        let wire = json!({
            "Call-ID": "loop.b", "Origination-Call-ID": "orig", "Channel-Is-Loopback": loopback
        });
        assert_eq!(
            channel_destroy_routing_key(&wire).as_deref(),
            Some("call.CHANNEL_DESTROY.loop%2Eb")
        );
    }
    let only_unique = json!({"Unique-ID": "u 1", "Channel-Is-Loopback": "false"});
    assert_eq!(
        channel_destroy_routing_key(&only_unique).as_deref(),
        Some("call.CHANNEL_DESTROY.u+1")
    );
    assert_eq!(channel_destroy_routing_key(&json!({"Msg-ID": "m"})), None);
}

#[test]
fn the_python_publisher_encodes_like_the_crate() {
    // Arbitrary text (no NUL: it cannot be a process argument), generated deterministically,
    // plus the pinned words.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = "[^\u{0}]{1,16}";
    let mut words: Vec<String> = PINNED[1..].iter().map(|(w, _)| (*w).to_owned()).collect();
    for _ in 0..300 {
        let tree = strategy.new_tree(&mut runner).expect("a word");
        words.push(tree.current());
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/publish_pika.py");
    let output = std::process::Command::new("/usr/bin/python3")
        .arg(script)
        .arg("--encode")
        .args(&words)
        .output()
        .expect("run /usr/bin/python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("ASCII");
    let python: Vec<&str> = stdout.lines().collect();
    assert_eq!(python.len(), words.len(), "one line a word");
    for (word, theirs) in words.iter().zip(python) {
        assert_eq!(encode_word(word), theirs, "encode of {word:?}");
    }
}
