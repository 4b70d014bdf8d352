//! Interactions: the legs of one call grouped together, ordered, and summarised.

use std::collections::HashMap;
use std::fmt;

use super::direction::CallDirection;
use super::ids::InteractionId;
use super::record::Cdr;
use crate::time::{GregorianSeconds, UnixMicros};

/// What identifies an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupId<'a> {
    /// The interaction id its legs share ([`Cdr::interaction`]).
    Interaction(&'a InteractionId),
    /// For legs without an interaction id, grouped by `call_id`/`other_leg_call_id`: the
    /// call id of the group's first leg.
    CallId(&'a str),
}

impl fmt::Display for GroupId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupId::Interaction(id) => fmt::Display::fmt(id, f),
            GroupId::CallId(call_id) => f.write_str(call_id),
        }
    }
}

/// One call: its legs in order and a summary, as [`group_interactions`] makes them (and
/// [`paginate_interactions`](super::paginate_interactions) pages them).
///
/// Legs are ordered by channel time — `channel_created_time` (Unix µs), else the start time
/// converted to µs; legs with neither last — then by loopback leg (`A`, `B`, none), then by
/// call id. The first leg is the representative (the A leg).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Interaction<'a> {
    /// The interaction id, or the call id of the first leg for legs grouped without one.
    pub id: GroupId<'a>,
    /// The legs, in order; never empty.
    pub legs: Vec<&'a Cdr>,
    /// Figures over the legs.
    pub summary: InteractionSummary<'a>,
}

/// Figures over an interaction's legs.
///
/// Caller and callee fields come from the first leg (in leg order) that has each; the
/// direction and hangup cause are the first leg's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InteractionSummary<'a> {
    /// How many legs.
    pub legs: usize,
    /// The earliest leg start ([`Cdr::start_time`]).
    pub start: Option<GregorianSeconds>,
    /// The latest leg end (`timestamp`).
    pub end: Option<GregorianSeconds>,
    /// The sum of the legs' `billing_seconds` (saturating).
    pub billing_seconds: i64,
    /// The caller's number.
    pub caller_id_number: Option<&'a str>,
    /// The caller's name.
    pub caller_id_name: Option<&'a str>,
    /// The callee's number.
    pub callee_id_number: Option<&'a str>,
    /// The callee's name.
    pub callee_id_name: Option<&'a str>,
    /// The first leg's direction.
    pub direction: Option<&'a CallDirection>,
    /// The first leg's hangup cause.
    pub hangup_cause: Option<&'a str>,
}

impl<'a> Interaction<'a> {
    /// The first leg (the A leg).
    pub fn representative(&self) -> Option<&'a Cdr> {
        self.legs.first().copied()
    }

    /// The time an interaction listing places this interaction at: the interaction id's
    /// time, else (for legs grouped by call id) the earliest leg start.
    pub fn time(&self) -> Option<GregorianSeconds> {
        match self.id {
            GroupId::Interaction(id) => Some(id.time()),
            GroupId::CallId(_) => self.summary.start,
        }
    }

    /// The key an interaction listing orders by after the time: the interaction key, else
    /// the first leg's call id.
    pub fn key(&self) -> &'a str {
        match self.id {
            GroupId::Interaction(id) => id.key(),
            GroupId::CallId(call_id) => call_id,
        }
    }

    /// The full listing order: time, key, and interaction ids before call-id groups.
    pub(crate) fn order(&self) -> (Option<GregorianSeconds>, &'a str, u64) {
        let kind = match self.id {
            GroupId::Interaction(_) => 0,
            GroupId::CallId(_) => 1,
        };
        (self.time(), self.key(), kind)
    }
}

/// Groups legs into interactions (calls), in listing order: by interaction time, then key,
/// interaction ids before groups of legs without one (see [`Interaction::time`] and
/// [`Interaction::key`]).
///
/// Legs with an interaction id ([`Cdr::interaction`]) are grouped by it; legs without one
/// are joined, as KAZOO does, into connected components of `call_id`/`other_leg_call_id`.
/// Within a group, legs are in channel-time order (see [`Interaction`]). Built in one pass
/// (a hash map for ids, union–find for call ids) plus a sort of the groups; legs are held by
/// reference. The result is the input [`paginate_interactions`](super::paginate_interactions)
/// pages through.
///
/// ```
/// use kazoo_records::cdr::{Cdr, GroupId, group_interactions};
///
/// let legs: Vec<Cdr> = [
///     r#"{"call_id": "b", "interaction_id": "63724403398-af5b9a0e", "channel_created_time": 1557184198200000}"#,
///     r#"{"call_id": "a", "interaction_id": "63724403398-af5b9a0e", "channel_created_time": 1557184198100000}"#,
///     r#"{"call_id": "x", "other_leg_call_id": "y", "timestamp": 63724403500}"#,
///     r#"{"call_id": "y", "timestamp": 63724403501}"#,
/// ].iter().map(|json| Cdr::from_json_str(json)).collect::<Result<_, _>>()?;
/// let interactions = group_interactions(&legs);
/// assert_eq!(interactions.len(), 2);
///
/// // One call, looked up by its interaction id: its legs in order.
/// let id = "63724403398-af5b9a0e".parse()?;
/// let call = interactions.iter().find(|i| i.id == GroupId::Interaction(&id)).expect("grouped");
/// let calls: Vec<&str> = call.legs.iter().map(|leg| leg.call_id.as_str()).collect();
/// assert_eq!(calls, ["a", "b"]);
/// assert_eq!(call.summary.legs, 2);
///
/// // Legs without an interaction id, joined by other_leg_call_id.
/// assert_eq!(interactions[1].id, GroupId::CallId("x"));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
pub fn group_interactions(cdrs: &[Cdr]) -> Vec<Interaction<'_>> {
    let (group_of, count) = assign_groups(cdrs);
    let mut sizes = vec![0usize; count];
    for &group in &group_of {
        if let Some(size) = sizes.get_mut(group) {
            *size += 1;
        }
    }
    let mut legs: Vec<Vec<&Cdr>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for (cdr, &group) in cdrs.iter().zip(&group_of) {
        if let Some(group) = legs.get_mut(group) {
            group.push(cdr);
        }
    }
    drop(group_of);
    let mut groups: Vec<Interaction<'_>> = legs.into_iter().filter_map(build).collect();
    groups.sort_by_cached_key(Interaction::order);
    groups
}

/// The group of each leg, and the number of groups.
fn assign_groups(cdrs: &[Cdr]) -> (Vec<usize>, usize) {
    let mut group_of = vec![usize::MAX; cdrs.len()];
    let mut count = 0;
    let mut by_interaction: HashMap<&str, usize> = HashMap::new();
    let mut calls = UnionFind::default();
    let mut unlinked: Vec<(usize, usize)> = Vec::new();
    for (index, cdr) in cdrs.iter().enumerate() {
        match cdr.interaction() {
            Some(id) => {
                let group = *by_interaction.entry(id.as_str()).or_insert_with(|| {
                    count += 1;
                    count - 1
                });
                if let Some(slot) = group_of.get_mut(index) {
                    *slot = group;
                }
            }
            None => {
                let node = calls.node(&cdr.call_id);
                if let Some(other) = cdr.other_leg_call_id.as_deref().filter(|o| !o.is_empty()) {
                    let other = calls.node(other);
                    calls.union(node, other);
                }
                unlinked.push((index, node));
            }
        }
    }
    drop(by_interaction);
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    for (index, node) in unlinked {
        let root = calls.find(node);
        let group = *group_of_root.entry(root).or_insert_with(|| {
            count += 1;
            count - 1
        });
        if let Some(slot) = group_of.get_mut(index) {
            *slot = group;
        }
    }
    (group_of, count)
}

/// Orders a group's legs and summarises them; `None` for an empty group.
fn build(mut legs: Vec<&Cdr>) -> Option<Interaction<'_>> {
    legs.sort_by_key(|leg| leg_order(leg));
    let first = *legs.first()?;
    let id = match first.interaction() {
        Some(id) => GroupId::Interaction(id),
        None => GroupId::CallId(&first.call_id),
    };
    let summary = summarise(&legs);
    Some(Interaction { id, legs, summary })
}

/// Channel time in µs (legs without one last), loopback leg `A < B < none`, call id.
pub(crate) fn leg_order(leg: &Cdr) -> (bool, i64, u8, &str) {
    let micros = leg
        .channel_created_time
        .or_else(|| leg.start_time().map(UnixMicros::from_gregorian))
        .map(|t| t.0);
    let loopback = match leg.channel_loopback_leg.as_deref() {
        Some(l) if l.eq_ignore_ascii_case("a") => 0,
        Some(l) if l.eq_ignore_ascii_case("b") => 1,
        _ => 2,
    };
    (
        micros.is_none(),
        micros.unwrap_or(0),
        loopback,
        &leg.call_id,
    )
}

fn summarise<'a>(legs: &[&'a Cdr]) -> InteractionSummary<'a> {
    let first = legs.first();
    let find = |field: fn(&'a Cdr) -> Option<&'a String>| {
        legs.iter().find_map(|leg| field(leg)).map(String::as_str)
    };
    InteractionSummary {
        legs: legs.len(),
        start: legs.iter().filter_map(|leg| leg.start_time()).min(),
        end: legs.iter().filter_map(|leg| leg.timestamp).max(),
        billing_seconds: legs.iter().fold(0i64, |sum, leg| {
            sum.saturating_add(leg.billing_seconds.unwrap_or(0))
        }),
        caller_id_number: find(|leg| leg.caller_id_number.as_ref()),
        caller_id_name: find(|leg| leg.caller_id_name.as_ref()),
        callee_id_number: find(|leg| leg.callee_id_number.as_ref()),
        callee_id_name: find(|leg| leg.callee_id_name.as_ref()),
        direction: first.and_then(|leg| leg.call_direction.as_ref()),
        hangup_cause: first.and_then(|leg| leg.hangup_cause.as_deref()),
    }
}

/// Union–find over call ids, with path halving and union by size.
#[derive(Default)]
struct UnionFind<'a> {
    ids: HashMap<&'a str, usize>,
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl<'a> UnionFind<'a> {
    fn node(&mut self, id: &'a str) -> usize {
        let next = self.parent.len();
        let node = *self.ids.entry(id).or_insert(next);
        if node == next {
            self.parent.push(next);
            self.size.push(1);
        }
        node
    }

    fn find(&mut self, mut node: usize) -> usize {
        while let Some(&parent) = self.parent.get(node) {
            if parent == node {
                break;
            }
            let grandparent = self.parent.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = self.parent.get_mut(node) {
                *slot = grandparent;
            }
            node = grandparent;
        }
        node
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let size = |uf: &Self, n: usize| uf.size.get(n).copied().unwrap_or(1);
        let (big, small) = if size(self, a) >= size(self, b) {
            (a, b)
        } else {
            (b, a)
        };
        let merged = size(self, a) + size(self, b);
        if let Some(slot) = self.parent.get_mut(small) {
            *slot = big;
        }
        if let Some(slot) = self.size.get_mut(big) {
            *slot = merged;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_holds_less_than_the_legs_it_groups() {
        // Each leg costs one reference in its group, each group one `Interaction`; a group
        // has at least one leg, so the result is at most (reference + Interaction) per leg.
        let per_leg = std::mem::size_of::<&Cdr>() + std::mem::size_of::<Interaction<'_>>();
        assert!(
            per_leg < std::mem::size_of::<Cdr>(),
            "{per_leg} vs {}",
            std::mem::size_of::<Cdr>()
        );
    }

    #[test]
    fn union_find_joins_chains() {
        let mut uf = UnionFind::default();
        let (a, b, c, d) = (uf.node("a"), uf.node("b"), uf.node("c"), uf.node("d"));
        uf.union(a, b);
        uf.union(c, b);
        assert_eq!(uf.find(a), uf.find(c));
        assert_ne!(uf.find(a), uf.find(d));
        assert_eq!(uf.node("a"), a);
    }
}
