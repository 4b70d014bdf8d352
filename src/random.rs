//! Process-random, contention-free bits for ids and hash seeds, without a `rand` dependency.
//!
//! The randomness comes from the standard library's randomly keyed hasher (`RandomState`),
//! drawn once per process; uniqueness comes from counters, mixed by a bijection so that two
//! draws in one process never collide. Not a cryptographic source.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// 128 bits, unique within the process (across threads) and, with overwhelming probability,
/// across processes.
///
/// The high half is the process's random key mixed with the thread's sequence number; the low
/// half is a bijective mix of a per-thread counter. Threads share no written memory while
/// drawing (one shared increment per thread, on its first draw).
pub(crate) fn unique_u128() -> u128 {
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
    u128::from(high) << 64 | u128::from(low)
}

/// 64 random-looking bits that differ from call to call (all 128 unique bits folded).
pub(crate) fn next_u64() -> u64 {
    let bits = unique_u128();
    mix64((bits >> 64) as u64 ^ bits as u64)
}

/// A fresh random seed (for keyed hashing), different for every call.
pub(crate) fn seed() -> u64 {
    RandomState::new().hash_one(next_u64())
}

/// SplitMix64's finaliser: a bijection on `u64` that scatters consecutive inputs.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn mix64_is_injective_on_a_sample() {
        let mixed: HashSet<u64> = (0..100_000).map(mix64).collect();
        assert_eq!(mixed.len(), 100_000);
    }

    #[test]
    fn draws_are_unique_across_threads() {
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..10_000).map(|_| unique_u128()).collect::<Vec<_>>()))
            .collect();
        let mut all = HashSet::new();
        for handle in handles {
            for bits in handle.join().unwrap() {
                assert!(all.insert(bits));
            }
        }
        assert_eq!(all.len(), 40_000);
    }

    #[test]
    fn seeds_differ() {
        assert_ne!(seed(), seed());
    }
}
