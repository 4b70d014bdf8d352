//! `edr::topic::matches` against RabbitMQ's own answers and a naive oracle.

mod common;
mod properties;

use kazoo_records::edr::topic;
use proptest::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
struct Vectors {
    patterns: Vec<String>,
    keys: Vec<String>,
    /// pattern index → indices of the keys RabbitMQ routed to a queue bound with it.
    matches: BTreeMap<String, Vec<usize>>,
}

#[test]
fn agrees_with_a_live_rabbitmq_on_every_pair() {
    let vectors: Vectors =
        serde_json::from_str(&common::read_test_file("vectors/topic_rabbitmq.json")).unwrap();
    assert!(vectors.patterns.len() > 700 && vectors.keys.len() > 300);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (p, pattern) in vectors.patterns.iter().enumerate() {
        let routed: BTreeSet<usize> = vectors
            .matches
            .get(&p.to_string())
            .map(|keys| keys.iter().copied().collect())
            .unwrap_or_default();
        for (k, key) in vectors.keys.iter().enumerate() {
            let expected = routed.contains(&k);
            if topic::matches(pattern, key) != expected {
                wrong.push(format!("{pattern:?} vs {key:?}: RabbitMQ says {expected}"));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, vectors.patterns.len() * vectors.keys.len());
    assert!(
        wrong.is_empty(),
        "{} mismatches, first: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}

#[test]
fn many_hashes_against_a_long_key_are_instant() {
    let key = vec!["w"; 64].join(".");
    assert!(!topic::matches("#.#.#.#.#.x", &key));
    assert!(topic::matches("#.#.#.#.#.w", &key));
    let pattern = vec!["#"; 40].join(".") + ".x";
    assert!(!topic::matches(&pattern, &key));
    let pattern = vec!["#.*"; 30].join(".") + ".x";
    assert!(!topic::matches(&pattern, &key));
}

#[test]
fn empty_string_is_zero_words() {
    assert!(topic::matches("", ""));
    assert!(topic::matches("#", ""));
    assert!(!topic::matches("*", ""));
    assert!(!topic::matches("", "."));
    assert!(topic::matches("*.*", "."));
    assert!(topic::matches("a..b", "a..b"));
    assert!(topic::matches("a.*.b", "a..b"));
}

fn joined(pool: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pool.to_vec()), 0..max).prop_map(|w| w.join("."))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn agrees_with_the_naive_oracle(
        pattern in joined(&["", "a", "b", "*", "#"], 7),
        key in joined(&["", "a", "b"], 8),
    ) {
        prop_assert_eq!(
            topic::matches(&pattern, &key),
            properties::naive_topic_matches(&pattern, &key),
            "pattern {:?} key {:?}", pattern, key
        );
    }

    #[test]
    fn agrees_on_arbitrary_text(pattern in "[a#*.\u{e9}]{0,12}", key in "[a#*.\u{e9}]{0,12}") {
        // Words here may be `a#` or `*a`: only a whole word `#` or `*` is a wildcard.
        prop_assert_eq!(topic::matches(&pattern, &key), properties::naive_topic_matches(&pattern, &key));
    }
}
