//! [`EventId`]: the id of one event.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

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
        thread_local! {
            static NEXT: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
        }
        let (process, salt) = process_keys();
        let state = NEXT.try_with(|next| {
            let (thread, n) = next.get().unwrap_or_else(|| (next_thread_seq(), 0));
            next.set(Some((thread, n.wrapping_add(1))));
            (thread, n)
        });
        // During thread teardown the thread-local is gone: take a fresh thread number.
        let (thread, n) = state.unwrap_or_else(|_| (next_thread_seq(), 0));
        let high = process ^ mix64(thread);
        let low = mix64(n ^ salt);
        EventId(hex32(u128::from(high) << 64 | u128::from(low)))
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

/// A process-wide sequence number, drawn once per thread.
fn next_thread_seq() -> u64 {
    static THREADS: AtomicU64 = AtomicU64::new(0);
    THREADS.fetch_add(1, Ordering::Relaxed)
}

/// Two random 64-bit values drawn once per process.
fn process_keys() -> (u64, u64) {
    static KEYS: OnceLock<(u64, u64)> = OnceLock::new();
    *KEYS.get_or_init(|| {
        let state = RandomState::new();
        (
            state.hash_one(0x6b61_7a6f_6f5f_6564u64),
            state.hash_one(0x725f_6964u64),
        )
    })
}

/// SplitMix64's finaliser: a bijection on `u64` that scatters consecutive inputs.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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

    #[test]
    fn mix64_is_injective_on_a_sample() {
        let mixed: std::collections::HashSet<u64> = (0..100_000).map(mix64).collect();
        assert_eq!(mixed.len(), 100_000);
    }
}
