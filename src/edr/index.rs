//! The compiled, immutable dispatch index a [`Registry`](super::Registry) publishes.
//!
//! Every binding is filed under the (account, app) pairs it selects, with the set of
//! severity×verbosity cells it selects; wildcards are filed as "any". An event then probes a
//! handful of buckets (its account or any × its app or any, plus its ancestors for bindings with
//! `include_descendants`) instead of scanning subscriptions, so dispatch cost depends on the
//! candidates, not on how many subscriptions are bound.
//!
//! The buckets are spread over [`SHARDS`] copy-on-write shards: a bind or unbind clones only
//! the shards it touches, so the writer's cost stays small however many subscriptions exist.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::binding::{Binding, Names};
use super::event::Event;
use super::level::{Severity, Verbosity};
use super::subscription::Subscription;
use crate::random::mix64;

/// How many shards the buckets are spread over.
const SHARDS: usize = 1024;

/// How many severity×verbosity cells there are.
pub(crate) const CELLS: usize = Severity::ALL.len() * Verbosity::ALL.len();

/// The position of a severity×verbosity cell, `0..CELLS`.
pub(crate) fn cell_index(severity: Severity, verbosity: Verbosity) -> usize {
    severity.index() * Verbosity::ALL.len() + verbosity.index()
}

/// The bit of a severity×verbosity cell in a cell mask.
pub(crate) fn cell_bit(severity: Severity, verbosity: Verbosity) -> u32 {
    1 << cell_index(severity, verbosity)
}

/// The cells a binding selects.
pub(crate) fn cell_mask(binding: &Binding) -> u32 {
    binding
        .selected_severities()
        .flat_map(|s| binding.selected_verbosities().map(move |v| cell_bit(s, v)))
        .fold(0, |mask, bit| mask | bit)
}

/// An immutable index of subscriptions; cheap to clone (the shards are shared).
#[derive(Clone)]
pub(crate) struct Index {
    shards: Vec<Arc<Shard>>,
    seed: u64,
}

#[derive(Clone, Default)]
struct Shard {
    buckets: HashMap<u64, Bucket, BuildHasherDefault<PreHashed>>,
}

/// The entries filed under one hash, with an index by cell so that a probe only visits the
/// entries selecting the event's cell.
#[derive(Clone, Default)]
struct Bucket {
    entries: Vec<Entry>,
    /// Entry positions grouped by cell: cell `c` owns `by_cell[starts[c]..starts[c + 1]]`.
    by_cell: Vec<u32>,
    starts: [u32; CELLS + 1],
}

#[derive(Clone)]
struct Entry {
    key: BucketKey,
    cells: u32,
    subscription: Arc<Subscription>,
}

/// Where a binding is filed: an account (or any) and an app (or any); `ancestor` entries match
/// events whose account tree holds the account.
#[derive(Clone, PartialEq, Eq)]
struct BucketKey {
    ancestor: bool,
    account: Option<Arc<str>>,
    app: Option<Arc<str>>,
}

/// A bucket to look in, borrowed from an event.
#[derive(Clone, Copy)]
struct Probe<'a> {
    ancestor: bool,
    account: Option<&'a str>,
    app: Option<&'a str>,
}

impl Index {
    /// An empty index whose bucket hashes are keyed with `seed`.
    pub fn new(seed: u64) -> Self {
        // Every shard starts as the same empty one; the first write to a shard copies it.
        let empty = Arc::new(Shard::default());
        Index {
            shards: (0..SHARDS).map(|_| Arc::clone(&empty)).collect(),
            seed,
        }
    }

    /// Files every binding of `subscription`.
    pub fn insert(&mut self, subscription: &Arc<Subscription>) {
        for binding in subscription.bindings() {
            let cells = cell_mask(binding);
            for key in bucket_keys(binding) {
                let hash = self.hash(key.probe());
                let shard = Arc::make_mut(&mut self.shards[shard_of(hash)]);
                let bucket = shard.buckets.entry(hash).or_default();
                match bucket.entries.last_mut() {
                    // A second binding of the same subscription in the same bucket: merge cells.
                    Some(last)
                        if last.key == key && Arc::ptr_eq(&last.subscription, subscription) =>
                    {
                        last.cells |= cells;
                    }
                    _ => bucket.entries.push(Entry {
                        key,
                        cells,
                        subscription: Arc::clone(subscription),
                    }),
                }
                bucket.reindex();
            }
        }
    }

    /// Removes every entry of `subscription`.
    pub fn remove(&mut self, subscription: &Arc<Subscription>) {
        for binding in subscription.bindings() {
            for key in bucket_keys(binding) {
                let hash = self.hash(key.probe());
                let index = shard_of(hash);
                let holds = self.shards[index].buckets.get(&hash).is_some_and(|b| {
                    b.entries
                        .iter()
                        .any(|e| Arc::ptr_eq(&e.subscription, subscription))
                });
                if !holds {
                    continue;
                }
                let shard = Arc::make_mut(&mut self.shards[index]);
                if let Some(bucket) = shard.buckets.get_mut(&hash) {
                    bucket
                        .entries
                        .retain(|e| !Arc::ptr_eq(&e.subscription, subscription));
                    if bucket.entries.is_empty() {
                        shard.buckets.remove(&hash);
                    } else {
                        bucket.reindex();
                    }
                }
            }
        }
    }

    /// The subscriptions selecting `event`, each once, in bind order.
    pub fn candidates<'s>(&'s self, event: &Event, out: &mut Vec<&'s Arc<Subscription>>) {
        let cell = cell_index(event.severity(), event.verbosity());
        // Each account (or any) is probed with the event's app and with any app: its part of
        // the hash is computed once for both.
        let mut probe = |ancestor: bool, account: Option<&str>| {
            let prefix = self.prefix(ancestor, account);
            for app in [Some(event.app_name()), None] {
                let hash = prefix.finish(app);
                let Some(bucket) = self.shards[shard_of(hash)].buckets.get(&hash) else {
                    continue;
                };
                let p = Probe {
                    ancestor,
                    account,
                    app,
                };
                out.extend(
                    bucket
                        .in_cell(cell)
                        .filter(|e| e.key.is(p))
                        .map(|e| &e.subscription),
                );
            }
        };
        probe(false, None);
        if let Some(account) = event.account_id() {
            probe(false, Some(account));
            for ancestor in event.account_tree().unwrap_or(&[]) {
                probe(true, Some(ancestor));
            }
        }
        if out.len() > 1 {
            out.sort_unstable_by_key(|s| s.id());
            out.dedup_by_key(|s| s.id());
        }
    }

    /// The bucket hash of a probe.
    fn hash(&self, probe: Probe<'_>) -> u64 {
        self.prefix(probe.ancestor, probe.account).finish(probe.app)
    }

    /// The hash state after the seed, the ancestor flag and the account.
    fn prefix(&self, ancestor: bool, account: Option<&str>) -> FxWords {
        let mut h = FxWords(self.seed ^ u64::from(ancestor));
        h.name(account);
        h
    }
}

impl Bucket {
    /// The entries selecting cell `cell`, in filing order.
    fn in_cell(&self, cell: usize) -> impl Iterator<Item = &Entry> {
        let (start, end) = (self.starts[cell] as usize, self.starts[cell + 1] as usize);
        self.by_cell
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.entries.get(i as usize))
    }

    /// Rebuilds the by-cell index after the entries changed.
    fn reindex(&mut self) {
        self.by_cell.clear();
        for cell in 0..CELLS {
            self.starts[cell] = self.by_cell.len() as u32;
            let in_cell = self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.cells & (1 << cell) != 0);
            self.by_cell.extend(in_cell.map(|(i, _)| i as u32));
        }
        self.starts[CELLS] = self.by_cell.len() as u32;
    }
}

impl BucketKey {
    fn probe(&self) -> Probe<'_> {
        Probe {
            ancestor: self.ancestor,
            account: self.account.as_deref(),
            app: self.app.as_deref(),
        }
    }

    fn is(&self, probe: Probe<'_>) -> bool {
        self.ancestor == probe.ancestor
            && self.account.as_deref() == probe.account
            && self.app.as_deref() == probe.app
    }
}

/// Every bucket a binding is filed under.
fn bucket_keys(binding: &Binding) -> Vec<BucketKey> {
    let apps = filed_names(binding.get_apps());
    let accounts = filed_names(binding.get_accounts());
    let descendants = binding.get_include_descendants() && !binding.get_accounts().is_any();
    let mut keys = Vec::with_capacity(accounts.len() * apps.len() * (1 + usize::from(descendants)));
    for account in &accounts {
        for app in &apps {
            keys.push(BucketKey {
                ancestor: false,
                account: account.clone(),
                app: app.clone(),
            });
            if descendants {
                keys.push(BucketKey {
                    ancestor: true,
                    account: account.clone(),
                    app: app.clone(),
                });
            }
        }
    }
    keys
}

/// The names a selection is filed under: `None` (any) for a wildcard, else each distinct name.
fn filed_names(names: &Names) -> Vec<Option<Arc<str>>> {
    if names.is_any() {
        return vec![None];
    }
    names.distinct().map(|name| Some(Arc::from(name))).collect()
}

/// The shard of a bucket hash. It takes bits 32 and up, which the shard's own hash map uses
/// for neither its slot (the low bits) nor its tag (the top 7 bits): from the top bits, every
/// bucket in a shard would share one tag and each lookup would compare every key it probes.
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize % SHARDS
}

/// FxHash-style word hashing of names, keyed by a per-registry random seed.
#[derive(Clone, Copy)]
struct FxWords(u64);

impl FxWords {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    /// The finished hash, after one last name.
    fn finish(mut self, name: Option<&str>) -> u64 {
        self.name(name);
        mix64(self.0)
    }

    fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }

    /// A name, length-prefixed so that (`"ab"`, `"c"`) and (`"a"`, `"bc"`) differ; `None` is 0.
    fn name(&mut self, name: Option<&str>) {
        let Some(name) = name else {
            self.word(0);
            return;
        };
        self.word(name.len() as u64 + 1);
        let mut chunks = name.as_bytes().chunks_exact(8);
        for chunk in &mut chunks {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(bytes));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.word(u64::from_le_bytes(tail));
    }
}

/// A `Hasher` for keys that are already well-mixed `u64` hashes.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(FxWords::K);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cover_the_selected_levels() {
        let b = Binding::default();
        // ok, warning, critical × info, warn, error, fatal
        assert_eq!(cell_mask(&b).count_ones(), 12);
        let b = Binding::default()
            .severity(Severity::Critical)
            .exact_severity(true)
            .verbosity(Verbosity::Trace)
            .exact_verbosity(true);
        assert_eq!(
            cell_mask(&b),
            cell_bit(Severity::Critical, Verbosity::Trace)
        );
    }

    #[test]
    fn names_are_length_prefixed() {
        let hash = |a: &str, b: &str| {
            let mut h = FxWords(7);
            h.name(Some(a));
            h.name(Some(b));
            h.0
        };
        assert_ne!(hash("ab", "c"), hash("a", "bc"));
        assert_ne!(hash("abcdefgh", ""), hash("abcdefg", "h"));
    }

    #[test]
    fn buckets_of_one_shard_do_not_share_the_maps_tag() {
        // The shard's hash map tags slots with the top 7 bits of the hash: if the shard were
        // chosen from those bits too, every bucket of a shard would carry the same tag.
        let index = Index::new(42);
        let names: Vec<String> = (0..50_000).map(|i| format!("account{i}")).collect();
        let mut tags: HashMap<usize, std::collections::HashSet<u64>> = HashMap::new();
        for name in &names {
            let hash = index.hash(Probe {
                ancestor: false,
                account: Some(name),
                app: None,
            });
            tags.entry(shard_of(hash)).or_default().insert(hash >> 57);
        }
        let spread = tags.values().filter(|t| t.len() > 1).count();
        assert!(spread > SHARDS / 2, "{spread} of {} shards", tags.len());
    }

    #[test]
    fn descendants_are_filed_twice_and_wildcards_once() {
        let b = Binding::default()
            .accounts(["a", "b", "a"])
            .include_descendants(true);
        assert_eq!(bucket_keys(&b).len(), 4);
        let b = Binding::default()
            .accounts(["a", "*"])
            .include_descendants(true);
        assert_eq!(bucket_keys(&b).len(), 1);
    }
}
