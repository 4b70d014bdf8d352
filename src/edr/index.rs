//! The compiled, immutable dispatch index a [`Registry`](super::Registry) publishes.
//!
//! Every binding is filed under the (account, app) pairs it selects, and within each pair under
//! every severity×verbosity cell it selects; wildcards are filed as "any". An event then looks
//! at one list per bucket it could match (its account or any × its app or any, plus its
//! ancestors for bindings with `include_descendants`), and only at bucket kinds some binding
//! uses: with only `*`-account, `*`-app bindings bound, dispatch hashes nothing.
//!
//! Everything is persistent (shared, copy-on-write) so that publishing a new index after a
//! bind or an unbind costs O(log n), not O(n):
//! - the (any account, any app) bucket is held directly;
//! - the other buckets are spread over [`GROUPS`]×[`GROUP_SHARDS`] shards, each a small hash map,
//!   behind two levels of `Arc`: a write copies one group's shard pointers, one shard and one
//!   bucket;
//! - each bucket cell holds its subscriptions in bind order in a [`List`], a persistent B+ tree
//!   (appends copy the rightmost path, removals the path to the entry), so that many
//!   subscriptions with one binding (one per websocket client, say) cost O(log n) each to bind
//!   and unbind, and a list of at most [`LEAF`] subscriptions is one flat slice.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::binding::{Binding, Names};
use super::event::Event;
use super::level::{Severity, Verbosity};
use super::subscription::{Subscriber, SubscriptionId};
use crate::random::mix64;

/// How many groups of shards the keyed buckets are spread over.
const GROUPS: usize = 32;
/// How many shards each group holds.
const GROUP_SHARDS: usize = 32;

/// The most subscriptions a [`List`] leaf holds: wide, so that dispatch walks flat slices.
const LEAF: usize = 32;
/// The most children an inner [`List`] node holds: narrow, as a write copies one inner node
/// per level (and drops the old copy when the old index goes).
const INNER: usize = 8;

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

/// An immutable index of subscriptions; cheap to clone (everything is shared).
#[derive(Clone)]
pub(crate) struct Index {
    /// Bindings for any account and any app.
    any: Arc<Cells>,
    /// Every other bucket, by hash.
    groups: Arc<Vec<Arc<Group>>>,
    /// How many bindings are filed under each [`Kind`] of keyed bucket.
    kinds: [usize; KINDS],
    /// Bit `kind` is set when `kinds[kind]` is not zero: the one word dispatch reads.
    used: u8,
    seed: u64,
}

/// One list of subscriptions per severity×verbosity cell.
type Cells = [List; CELLS];

#[derive(Clone)]
struct Group {
    shards: Vec<Arc<Shard>>,
}

#[derive(Clone, Default)]
struct Shard {
    buckets: HashMap<u64, Arc<Bucket>, BuildHasherDefault<PreHashed>>,
}

/// The buckets filed under one hash: almost always one; more only on a 64-bit collision.
#[derive(Clone, Default)]
struct Bucket {
    keyed: Vec<(BucketKey, Cells)>,
}

/// The kinds of keyed bucket; an event probes only kinds some binding uses.
#[derive(Clone, Copy)]
enum Kind {
    AnyAccountApp,
    Account,
    AccountApp,
    Ancestor,
    AncestorApp,
}

const KINDS: usize = 5;

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
        let group = Arc::new(Group {
            shards: vec![empty; GROUP_SHARDS],
        });
        Index {
            any: Arc::new(Cells::default()),
            groups: Arc::new(vec![group; GROUPS]),
            kinds: [0; KINDS],
            used: 0,
            seed,
        }
    }

    /// Files every binding of `subscription`, which must be newer than every subscription
    /// filed already (ids grow with each bind, so it goes at the end of each list).
    pub fn insert(&mut self, subscription: &Arc<Subscriber>) {
        for binding in subscription.bindings() {
            let mask = cell_mask(binding);
            for key in bucket_keys(binding) {
                self.count(&key, true);
                let cells = self.cells_mut(key);
                for (cell, list) in cells.iter_mut().enumerate() {
                    if mask & (1 << cell) != 0 {
                        list.push(subscription);
                    }
                }
            }
        }
    }

    /// Removes every entry of `subscription`.
    pub fn remove(&mut self, subscription: &Arc<Subscriber>) {
        let id = subscription.id();
        for binding in subscription.bindings() {
            let mask = cell_mask(binding);
            for key in bucket_keys(binding) {
                self.count(&key, false);
                let remove = |cells: &mut Cells| {
                    for (cell, list) in cells.iter_mut().enumerate() {
                        if mask & (1 << cell) != 0 {
                            list.remove(id);
                        }
                    }
                    cells.iter().all(List::is_empty)
                };
                if key.account.is_none() && key.app.is_none() {
                    remove(Arc::make_mut(&mut self.any));
                    continue;
                }
                let hash = self.hash(key.probe());
                let (g, s) = shard_of(hash);
                let holds = self.groups[g].shards[s]
                    .buckets
                    .get(&hash)
                    .is_some_and(|b| b.keyed.iter().any(|(k, _)| *k == key));
                if !holds {
                    continue;
                }
                let group = Arc::make_mut(&mut Arc::make_mut(&mut self.groups)[g]);
                let shard = Arc::make_mut(&mut group.shards[s]);
                let Some(bucket) = shard.buckets.get_mut(&hash) else {
                    continue;
                };
                let bucket = Arc::make_mut(bucket);
                if let Some(i) = bucket.keyed.iter().position(|(k, _)| *k == key) {
                    if remove(&mut bucket.keyed[i].1) {
                        bucket.keyed.swap_remove(i);
                    }
                }
                if bucket.keyed.is_empty() {
                    shard.buckets.remove(&hash);
                }
            }
        }
    }

    /// Where the subscriptions selecting `event` come from: one list in the common case.
    ///
    /// Allocates nothing when the event's subscriptions come from one list (a list per
    /// bucket the event falls in), or from at most [`INLINE`] lists holding at most
    /// [`INLINE`] candidates in all.
    #[inline]
    pub fn candidates<'s>(&'s self, event: &Event) -> Candidates<'s> {
        let cell = cell_index(event.severity(), event.verbosity());
        if self.used == 0 {
            // Only any-account, any-app bindings: one list, nothing to hash or merge.
            return Candidates::One(&self.any[cell]);
        }
        self.keyed_candidates(event, cell)
    }

    /// [`candidates`](Self::candidates) when some binding is filed under a keyed bucket.
    #[inline(never)]
    fn keyed_candidates<'s>(&'s self, event: &Event, cell: usize) -> Candidates<'s> {
        let mut lists = Lists::default();
        lists.add(&self.any[cell]);
        let app = event.app_name();
        if self.has(Kind::AnyAccountApp) {
            let prefix = self.prefix(false, None);
            self.probe(
                prefix,
                Probe {
                    ancestor: false,
                    account: None,
                    app: Some(app),
                },
                cell,
                &mut lists,
            );
        }
        if let Some(account) = event.account_id() {
            if self.has(Kind::Account) || self.has(Kind::AccountApp) {
                let prefix = self.prefix(false, Some(account));
                if self.has(Kind::AccountApp) {
                    self.probe(
                        prefix,
                        Probe {
                            ancestor: false,
                            account: Some(account),
                            app: Some(app),
                        },
                        cell,
                        &mut lists,
                    );
                }
                if self.has(Kind::Account) {
                    self.probe(
                        prefix,
                        Probe {
                            ancestor: false,
                            account: Some(account),
                            app: None,
                        },
                        cell,
                        &mut lists,
                    );
                }
            }
            if self.has(Kind::Ancestor) || self.has(Kind::AncestorApp) {
                for ancestor in event.account_tree().unwrap_or(&[]) {
                    let prefix = self.prefix(true, Some(ancestor));
                    if self.has(Kind::AncestorApp) {
                        self.probe(
                            prefix,
                            Probe {
                                ancestor: true,
                                account: Some(ancestor),
                                app: Some(app),
                            },
                            cell,
                            &mut lists,
                        );
                    }
                    if self.has(Kind::Ancestor) {
                        self.probe(
                            prefix,
                            Probe {
                                ancestor: true,
                                account: Some(ancestor),
                                app: None,
                            },
                            cell,
                            &mut lists,
                        );
                    }
                }
            }
        }
        lists.into_candidates()
    }

    /// Adds the list of `cell` in the bucket `probe` names, if there is one.
    fn probe<'s>(&'s self, prefix: FxWords, probe: Probe<'_>, cell: usize, lists: &mut Lists<'s>) {
        let hash = prefix.finish(probe.app);
        let (g, s) = shard_of(hash);
        if let Some(bucket) = self.groups[g].shards[s].buckets.get(&hash) {
            for (key, cells) in &bucket.keyed {
                if key.is(probe) {
                    lists.add(&cells[cell]);
                }
            }
        }
    }

    /// Whether some binding is filed under a bucket of this kind.
    fn has(&self, kind: Kind) -> bool {
        self.used & 1 << kind as u8 != 0
    }

    fn count(&mut self, key: &BucketKey, add: bool) {
        let Some(kind) = key.kind() else {
            return;
        };
        let count = &mut self.kinds[kind as usize];
        *count = if add {
            *count + 1
        } else {
            count.saturating_sub(1)
        };
        let bit = 1 << kind as u8;
        self.used = if *count == 0 {
            self.used & !bit
        } else {
            self.used | bit
        };
    }

    /// The cells of the bucket filed under `key`, created if need be, copied if shared.
    fn cells_mut(&mut self, key: BucketKey) -> &mut Cells {
        if key.account.is_none() && key.app.is_none() {
            return Arc::make_mut(&mut self.any);
        }
        let hash = self.hash(key.probe());
        let (g, s) = shard_of(hash);
        let group = Arc::make_mut(&mut Arc::make_mut(&mut self.groups)[g]);
        let shard = Arc::make_mut(&mut group.shards[s]);
        let bucket = Arc::make_mut(shard.buckets.entry(hash).or_default());
        let i = match bucket.keyed.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                bucket.keyed.push((key, Cells::default()));
                bucket.keyed.len() - 1
            }
        };
        &mut bucket.keyed[i].1
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

/// How many lists and candidates a dispatch gathers without allocating.
const INLINE: usize = 16;

/// The list of a cell no binding selects.
static EMPTY: List = List { root: None };

/// Where an event's subscriptions come from ([`Index::candidates`]).
pub(crate) enum Candidates<'s> {
    /// One list, possibly empty (most events): in id (bind) order, each subscription once.
    One(&'s List),
    /// Several lists, which [`Lists::for_each_once_in_order`] merges.
    Many(Lists<'s>),
}

impl<'s> Candidates<'s> {
    /// The candidates as one flat slice, in id order, when they are one list of at most a
    /// leaf (the common case).
    #[inline]
    pub fn leaf(&self) -> Option<&'s [Arc<Subscriber>]> {
        match self {
            Candidates::One(list) => list.leaf(),
            Candidates::Many(_) => None,
        }
    }
}

/// The non-empty lists an event's subscriptions come from: the first held apart (most events
/// find one), the next [`INLINE`] inline, more spilled.
#[derive(Default)]
pub(crate) struct Lists<'s> {
    first: Option<&'s List>,
    inline: [Option<&'s List>; INLINE],
    len: usize,
    spilled: Vec<&'s List>,
}

impl<'s> Lists<'s> {
    fn add(&mut self, list: &'s List) {
        if list.is_empty() {
            return;
        }
        if self.first.is_none() {
            self.first = Some(list);
            return;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = Some(list),
            None => self.spilled.push(list),
        }
        self.len += 1;
    }

    /// One list when there is at most one (a list is in id order and holds each
    /// subscription once), else these lists to merge.
    fn into_candidates(self) -> Candidates<'s> {
        match self.first {
            None => Candidates::One(&EMPTY),
            Some(first) if self.len == 0 => Candidates::One(first),
            Some(_) => Candidates::Many(self),
        }
    }

    /// Calls `f` with each subscription of every list, once, in id (bind) order. (One list
    /// needs no merging: [`into_candidates`](Self::into_candidates) hands it over as is.)
    pub fn for_each_once_in_order(&self, f: &mut impl FnMut(&'s Subscriber)) {
        let mut all = Merge::default();
        let rest = self.inline.iter().flatten().copied();
        for list in self
            .first
            .into_iter()
            .chain(rest)
            .chain(self.spilled.iter().copied())
        {
            list.for_each_leaf(&mut |leaf| leaf.iter().for_each(|s| all.push(s)));
        }
        all.for_each_once_in_order(f);
    }
}

/// Candidates gathered from several lists: the first [`INLINE`] inline, more spilled.
#[derive(Default)]
struct Merge<'s> {
    inline: [Option<&'s Subscriber>; INLINE],
    len: usize,
    spilled: Vec<&'s Subscriber>,
}

impl<'s> Merge<'s> {
    fn push(&mut self, s: &'s Subscriber) {
        if self.spilled.is_empty() {
            if let Some(slot) = self.inline.get_mut(self.len) {
                *slot = Some(s);
                self.len += 1;
                return;
            }
            self.spilled.extend(self.inline.iter().flatten().copied());
        }
        self.spilled.push(s);
    }

    fn for_each_once_in_order(mut self, f: &mut impl FnMut(&'s Subscriber)) {
        let mut last = None;
        let mut each = |s: &'s Subscriber| {
            if last != Some(s.id()) {
                last = Some(s.id());
                f(s);
            }
        };
        if self.spilled.is_empty() {
            let inline = &mut self.inline[..self.len];
            inline.sort_unstable_by_key(|s| s.map(Subscriber::id));
            inline.iter().flatten().for_each(|s| each(s));
        } else {
            self.spilled.sort_unstable_by_key(|s| s.id());
            self.spilled.iter().for_each(|s| each(s));
        }
    }
}

/// A persistent list of subscriptions in id order: a B+ tree whose nodes are shared between
/// the indexes that hold them, so that a new index copies only the path it changes.
#[derive(Clone, Default)]
pub(crate) struct List {
    root: Option<Arc<Node>>,
}

#[derive(Clone)]
enum Node {
    Leaf(Vec<Arc<Subscriber>>),
    Inner(Vec<Child>),
}

#[derive(Clone)]
struct Child {
    /// The greatest id under `node`.
    last: SubscriptionId,
    node: Arc<Node>,
}

impl List {
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// Appends `subscription`, which is newer than every subscription in the list; a second
    /// push of the last one is ignored (two bindings of one subscription in one bucket).
    pub fn push(&mut self, subscription: &Arc<Subscriber>) {
        let Some(root) = self.root.as_mut() else {
            self.root = Some(Arc::new(Node::Leaf(vec![Arc::clone(subscription)])));
            return;
        };
        if root.last() == Some(subscription.id()) {
            return;
        }
        if let Some(split) = Arc::make_mut(root).push(subscription) {
            let old = Arc::clone(root);
            let last = old.last().unwrap_or(split.last);
            *root = Arc::new(Node::Inner(vec![Child { last, node: old }, split]));
        }
    }

    /// Removes the subscription with this id, if the list holds it.
    pub fn remove(&mut self, id: SubscriptionId) {
        let Some(root) = self.root.as_mut() else {
            return;
        };
        if Arc::make_mut(root).remove(id) {
            self.root = None;
            return;
        }
        // A root with one child gives way to the child.
        while let Node::Inner(children) = &**root {
            let [only] = children.as_slice() else { break };
            let child = Arc::clone(&only.node);
            *root = child;
        }
    }

    /// The subscriptions, in id order, when the list is one flat leaf (every list of at most
    /// [`LEAF`] subscriptions, the empty one included).
    #[inline]
    pub fn leaf(&self) -> Option<&[Arc<Subscriber>]> {
        match self.root.as_deref() {
            None => Some(&[]),
            Some(Node::Leaf(subscriptions)) => Some(subscriptions),
            Some(Node::Inner(_)) => None,
        }
    }

    /// Calls `f` with each leaf's subscriptions, in id order.
    pub fn for_each_leaf<'s>(&'s self, f: &mut impl FnMut(&'s [Arc<Subscriber>])) {
        if let Some(root) = &self.root {
            root.for_each_leaf(f);
        }
    }
}

impl Node {
    fn last(&self) -> Option<SubscriptionId> {
        match self {
            Node::Leaf(subscriptions) => subscriptions.last().map(|s| s.id()),
            Node::Inner(children) => children.last().map(|c| c.last),
        }
    }

    /// Appends at the right edge; returns a new right sibling when this node was full.
    fn push(&mut self, subscription: &Arc<Subscriber>) -> Option<Child> {
        let id = subscription.id();
        match self {
            Node::Leaf(subscriptions) if subscriptions.len() < LEAF => {
                subscriptions.push(Arc::clone(subscription));
                None
            }
            Node::Leaf(_) => Some(Child {
                last: id,
                node: Arc::new(Node::Leaf(vec![Arc::clone(subscription)])),
            }),
            Node::Inner(children) => {
                let split = match children.last_mut() {
                    Some(last) => {
                        let split = Arc::make_mut(&mut last.node).push(subscription);
                        if split.is_none() {
                            last.last = id;
                        }
                        split
                    }
                    None => Some(Child {
                        last: id,
                        node: Arc::new(Node::Leaf(vec![Arc::clone(subscription)])),
                    }),
                };
                let split = split?;
                if children.len() < INNER {
                    children.push(split);
                    None
                } else {
                    Some(Child {
                        last: id,
                        node: Arc::new(Node::Inner(vec![split])),
                    })
                }
            }
        }
    }

    /// Removes `id` below this node; returns whether the node is now empty.
    fn remove(&mut self, id: SubscriptionId) -> bool {
        match self {
            Node::Leaf(subscriptions) => {
                if let Ok(i) = subscriptions.binary_search_by_key(&id, |s| s.id()) {
                    subscriptions.remove(i);
                }
                subscriptions.is_empty()
            }
            Node::Inner(children) => {
                let i = children.partition_point(|c| c.last < id);
                if let Some(child) = children.get_mut(i) {
                    if Arc::make_mut(&mut child.node).remove(id) {
                        children.remove(i);
                    } else if let Some(last) = child.node.last() {
                        child.last = last;
                    }
                }
                children.is_empty()
            }
        }
    }

    /// Calls `f` with each leaf's subscriptions below this node, in id order.
    fn for_each_leaf<'s>(&'s self, f: &mut impl FnMut(&'s [Arc<Subscriber>])) {
        match self {
            Node::Leaf(subscriptions) => f(subscriptions),
            Node::Inner(children) => children.iter().for_each(|c| c.node.for_each_leaf(f)),
        }
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

    /// The kind of keyed bucket this is, or `None` for any account and any app.
    fn kind(&self) -> Option<Kind> {
        match (self.ancestor, self.account.is_some(), self.app.is_some()) {
            (_, false, false) => None,
            (_, false, true) => Some(Kind::AnyAccountApp),
            (false, true, false) => Some(Kind::Account),
            (false, true, true) => Some(Kind::AccountApp),
            (true, true, false) => Some(Kind::Ancestor),
            (true, true, true) => Some(Kind::AncestorApp),
        }
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

/// The (group, shard) of a bucket hash. It takes bits 32 and up, which the shard's own hash
/// map uses for neither its slot (the low bits) nor its tag (the top 7 bits): from the top
/// bits, every bucket in a shard would share one tag and each lookup would compare every key it
/// probes.
fn shard_of(hash: u64) -> (usize, usize) {
    let bits = (hash >> 32) as usize;
    ((bits / GROUP_SHARDS) % GROUPS, bits % GROUP_SHARDS)
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
        let mut tags: HashMap<(usize, usize), std::collections::HashSet<u64>> = HashMap::new();
        for name in &names {
            let hash = index.hash(Probe {
                ancestor: false,
                account: Some(name),
                app: None,
            });
            tags.entry(shard_of(hash)).or_default().insert(hash >> 57);
        }
        let spread = tags.values().filter(|t| t.len() > 1).count();
        assert!(
            spread > GROUPS * GROUP_SHARDS / 2,
            "{spread} of {} shards",
            tags.len()
        );
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

    fn subscription(n: u64) -> Arc<Subscriber> {
        let tallies = Arc::new(crate::edr::tally::Tallies::new());
        Arc::new(Subscriber::new(
            SubscriptionId::new(n),
            tallies.allocate(),
            format!("s{n}"),
            vec![Binding::default()],
            Box::new(|_| {}),
        ))
    }

    fn ids(list: &List) -> Vec<u64> {
        let mut ids = Vec::new();
        list.for_each_leaf(&mut |leaf| ids.extend(leaf.iter().map(|s| s.id().get())));
        ids
    }

    #[test]
    fn lists_keep_id_order_through_pushes_and_removals_and_share_what_they_do_not_change() {
        let subscriptions: Vec<_> = (1..=5_000).map(subscription).collect();
        let mut list = List::default();
        let mut expected = Vec::new();
        for s in &subscriptions {
            list.push(s);
            expected.push(s.id().get());
        }
        list.push(subscriptions.last().unwrap());
        assert_eq!(ids(&list), expected, "a second push of the last is ignored");
        let before = list.clone();
        // Remove every third, then the rest but the first and the last.
        for s in subscriptions.iter().step_by(3) {
            list.remove(s.id());
        }
        expected.retain(|n| (n - 1) % 3 != 0);
        assert_eq!(ids(&list), expected);
        assert_eq!(ids(&before).len(), 5_000, "the old version is unchanged");
        for s in &subscriptions[1..4_999] {
            list.remove(s.id());
        }
        assert_eq!(ids(&list), [5_000]);
        assert!(
            matches!(list.root.as_deref(), Some(Node::Leaf(_))),
            "the root collapsed"
        );
        list.remove(SubscriptionId::new(5_000));
        assert!(list.is_empty());
        list.push(&subscription(6_000));
        assert_eq!(ids(&list), [6_000]);
    }

    #[test]
    fn candidates_from_several_lists_come_once_each_in_id_order_even_when_spilled() {
        for n in [3u64, 40] {
            let subscriptions: Vec<_> = (1..=n).map(subscription).collect();
            let (mut a, mut b) = (List::default(), List::default());
            for s in &subscriptions {
                if s.id().get() % 2 == 0 {
                    a.push(s);
                } else {
                    b.push(s);
                }
                if s.id().get() % 3 == 0 {
                    // In both lists.
                    if s.id().get() % 2 == 0 {
                        b.push(s);
                    } else {
                        a.push(s);
                    }
                }
            }
            let empty = List::default();
            let mut lists = Lists::default();
            lists.add(&a);
            lists.add(&b);
            lists.add(&empty);
            let mut seen = Vec::new();
            lists.for_each_once_in_order(&mut |s| seen.push(s.id().get()));
            assert_eq!(seen, (1..=n).collect::<Vec<_>>());
        }
    }
}
