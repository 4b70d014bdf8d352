//! [`EventId`]: the id of one event.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The id of an event. KAZOO writes 32 lowercase hex digits ([`EventId::generate`]); ids read
/// from elsewhere are carried unchanged.
///
/// ```
/// use kazoo_records::edr::EventId;
///
/// let a = EventId::generate();
/// let b = EventId::generate();
/// assert_ne!(a, b);
/// assert!(a.is_kazoo_form());
/// assert_eq!(EventId::from("0123").as_str(), "0123");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// A new id: 32 lowercase hex digits, unique within the process (across threads) and,
    /// with overwhelming probability, across processes.
    ///
    /// The high half is a per-process random value (from the standard library's randomly keyed
    /// hasher) mixed with the thread's sequence number; the low half is a bijective mix of a
    /// per-thread counter. Two calls in one process never return the same id, and threads
    /// share no memory while making ids (no contention).
    pub fn generate() -> Self {
        EventId(hex32(crate::random::unique_u128()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the id has KAZOO's form: 32 lowercase hex digits.
    pub fn is_kazoo_form(&self) -> bool {
        self.0.len() == 32
            && self
                .0
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl From<&str> for EventId {
    fn from(id: &str) -> Self {
        EventId(id.to_owned())
    }
}

impl From<String> for EventId {
    fn from(id: String) -> Self {
        EventId(id)
    }
}

impl AsRef<str> for EventId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn hex32(value: u128) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (i, digit) in out.iter_mut().enumerate() {
        *digit = DIGITS[((value >> ((31 - i) * 4)) & 0xf) as usize];
    }
    // Every byte is an ASCII hex digit, so this never replaces anything.
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex32_pads_and_orders_digits() {
        assert_eq!(hex32(0), "0".repeat(32));
        assert_eq!(hex32(0xab), format!("{}ab", "0".repeat(30)));
        assert_eq!(hex32(u128::MAX), "f".repeat(32));
    }
}
