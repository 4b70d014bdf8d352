//! AMQP topic-exchange pattern matching, exactly as RabbitMQ does it.
//!
//! A routing key is a list of *words*: the empty string is zero words, any other string is split
//! on `.` (so empty words are words: `"a..b"` is `a`, ``, `b`). In a binding pattern `*` matches
//! exactly one word and `#` matches zero or more words; every other word matches itself.
//!
//! ```
//! use kazoo_records::edr::topic;
//!
//! assert!(topic::matches("edr.#", "edr.ok.info.abc.callflow"));
//! assert!(topic::matches("edr.*.info.#", "edr.ok.info.abc.callflow"));
//! assert!(!topic::matches("edr.*", "edr.ok.info"));
//! assert!(topic::matches("#", ""));
//! ```

/// The longest routing key (and binding pattern) AMQP 0-9-1 can carry, in bytes: it travels
/// as a `shortstr`, whose length is one byte. RabbitMQ refuses longer ones.
pub const MAX_KEY_LEN: usize = 255;

/// Whether the AMQP topic `pattern` matches the routing `key`, with RabbitMQ's semantics.
///
/// Runs without allocating, in at most O(words(pattern) × words(key)) word comparisons however
/// many `#` the pattern holds (a greedy match that only ever backtracks to the latest `#`).
pub fn matches(pattern: &str, key: &str) -> bool {
    let mut p = first_word(pattern);
    let mut k = first_word(key);
    // The pattern position just after the latest `#`, and the key word that `#` would absorb next.
    let mut backtrack: Option<(Option<usize>, usize)> = None;

    while let Some(kpos) = k {
        let (key_word, key_next) = word_at(key, kpos);
        if let Some(ppos) = p {
            let (pattern_word, pattern_next) = word_at(pattern, ppos);
            if pattern_word == "#" {
                // Let `#` match zero words for now; remember where to resume if that fails.
                backtrack = Some((pattern_next, kpos));
                p = pattern_next;
                continue;
            }
            if pattern_word == "*" || pattern_word == key_word {
                p = pattern_next;
                k = key_next;
                continue;
            }
        }
        // Mismatch, or the pattern ran out before the key: make the latest `#` absorb one more word.
        let Some((after_hash, absorbed)) = backtrack else {
            return false;
        };
        let (_, next) = word_at(key, absorbed);
        p = after_hash;
        k = next;
        if let Some(next) = next {
            backtrack = Some((after_hash, next));
        }
    }
    // The key is used up: what is left of the pattern must be able to match zero words.
    while let Some(ppos) = p {
        let (pattern_word, pattern_next) = word_at(pattern, ppos);
        if pattern_word != "#" {
            return false;
        }
        p = pattern_next;
    }
    true
}

/// Whether `name` would change the shape of a routing key it stood in: it holds a word
/// separator (`.`) or a wildcard (`*`, `#`).
pub(crate) fn breaks_a_word(name: &str) -> bool {
    name.contains(['.', '*', '#'])
}

/// The byte offset of the first word, or `None` for the empty string (zero words).
fn first_word(s: &str) -> Option<usize> {
    (!s.is_empty()).then_some(0)
}

/// The word starting at `pos`, and the offset of the word after it (if any).
fn word_at(s: &str, pos: usize) -> (&str, Option<usize>) {
    let rest = s.get(pos..).unwrap_or("");
    match rest.find('.') {
        Some(dot) => (&rest[..dot], Some(pos + dot + 1)),
        None => (rest, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_dots_and_keep_empty_words() {
        assert_eq!(word_at("a..b", 0), ("a", Some(2)));
        assert_eq!(word_at("a..b", 2), ("", Some(3)));
        assert_eq!(word_at("a..b", 3), ("b", None));
        assert_eq!(word_at("a.", 2), ("", None));
        assert_eq!(first_word(""), None);
    }

    #[test]
    fn hash_backtracking_absorbs_the_key_end() {
        assert!(matches("a.#", "a"));
        assert!(matches("#.a", "a"));
        assert!(matches("#.a", "b.a"));
        assert!(!matches("#.a", "a.b"));
        assert!(matches("#.#", ""));
        assert!(!matches("#.", ""));
        assert!(matches("#.", "."));
        assert!(!matches("*", ""));
        assert!(matches("*.*", "."));
    }
}
