//! One dispatch's walk over its candidates: each subscription that selects the event is
//! called at most once, in bind order, and a panicking callback is caught without ending the
//! walk.
//!
//! Each call is wrapped in its own `catch_unwind`, which costs nothing while nothing panics
//! (the unwinding path is out of line); a caught panic is counted and recorded against its
//! subscription, and the walk goes on with the next candidate.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::event::Event;
use super::index::Candidates;
use super::report::DispatchReport;
use super::snapshot::Reading;
use super::subscription::Subscriber;
use super::tally::{Counters, Deliveries};

/// Delivers `event` to every candidate of the reading's index that selects it and is not
/// unbound, in id (bind) order, catching panics; counts the outcomes, in the report and in
/// this thread's counters.
///
/// A candidate's flags are one load: zero for a bound subscription without body filters,
/// which is delivered at once; otherwise it is skipped when unbound, or matched against the
/// event (body included) first.
#[inline]
pub(crate) fn deliver(reading: &Reading, event: &Event) -> DispatchReport {
    let counters = reading.counters();
    // Borrowed once, so that a delivery reads no more than its subscription and its cell.
    let deliveries = counters.deliveries();
    let mut missed = Missed::default();
    let candidates = reading.index().candidates(event);
    let visited = match candidates.leaf() {
        // The common walk, inline.
        Some(leaf) => deliver_leaf(leaf, event, deliveries, counters, &mut missed),
        None => deliver_other(&candidates, event, deliveries, counters, &mut missed),
    };
    counters.dispatched(missed.panicked);
    DispatchReport {
        delivered: visited - missed.skipped - missed.panicked,
        panicked: missed.panicked,
        dropped_nested: 0,
    }
}

/// The candidates of a walk that were not delivered to: counted on the paths that miss, so
/// that a delivery counts nothing else.
#[derive(Default)]
struct Missed {
    /// Unbound, or refused by their body filters.
    skipped: usize,
    /// Their callback panicked.
    panicked: usize,
}

/// [`deliver`]'s walk of a list longer than a leaf, or of several lists merged; returns how
/// many candidates it visited.
#[inline(never)]
fn deliver_other(
    candidates: &Candidates<'_>,
    event: &Event,
    deliveries: Deliveries<'_>,
    counters: &Counters,
    missed: &mut Missed,
) -> usize {
    let mut visited = 0;
    match candidates {
        Candidates::One(list) => list.for_each_leaf(&mut |leaf| {
            visited += deliver_leaf(leaf, event, deliveries, counters, missed);
        }),
        Candidates::Many(lists) => lists.for_each_once_in_order(&mut |subscription| {
            visit(subscription, event, deliveries, counters, missed);
            visited += 1;
        }),
    }
    visited
}

/// Delivers `event` to the candidates of one leaf of a list, in order (a delivery counts
/// nothing but its cell); returns how many candidates it visited.
#[inline(always)]
fn deliver_leaf(
    leaf: &[Arc<Subscriber>],
    event: &Event,
    deliveries: Deliveries<'_>,
    counters: &Counters,
    missed: &mut Missed,
) -> usize {
    for subscription in leaf {
        visit(subscription, event, deliveries, counters, missed);
    }
    leaf.len()
}

/// Delivers `event` to one candidate, unless it is unbound or its body filters refuse it.
#[inline(always)]
fn visit(
    subscription: &Subscriber,
    event: &Event,
    deliveries: Deliveries<'_>,
    counters: &Counters,
    missed: &mut Missed,
) {
    let flags = subscription.flags();
    if flags != 0 && subscription.skips(flags, event) {
        missed.skipped += 1;
        return;
    }
    match catch_unwind(AssertUnwindSafe(|| subscription.call(event))) {
        Ok(()) => deliveries.count(subscription.slot()),
        Err(payload) => {
            missed.panicked += 1;
            caught(subscription, payload, counters);
        }
    }
}

/// Counts and records a caught panic of `subscription`'s callback.
#[cold]
#[inline(never)]
fn caught(subscription: &Subscriber, payload: Box<dyn Any + Send>, counters: &Counters) {
    let message = panic_message(payload.as_ref());
    drop_panic_payload(payload);
    counters.panicked(subscription.slot());
    subscription.record_panic(message);
}

/// A caught panic's message: its `&str` or `String` payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(not a string)".to_owned())
}

/// Drops a caught panic's payload without letting a panic from its destructor escape (it would
/// unwind out of `dispatch` and skip the other callbacks): that second panic is caught too, and
/// its payload leaked rather than risk a third.
fn drop_panic_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}
