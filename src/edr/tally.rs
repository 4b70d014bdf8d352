//! Delivery counters: per subscription (delivered, panicked) and per registry (dispatched,
//! delivered, panicked), counted without any cache line written by two dispatching threads.
//!
//! # Who writes what
//!
//! - **Counter slots**: every subscription takes a slot number ([`SlotNumber`]) when it is
//!   bound: the lowest free one, else the next (`Tallies::len` counts the numbers handed out).
//!   It gives the number back when the subscription itself is dropped, that is when no index
//!   and no dispatch can reach it any more, so no thread can count into that slot again.
//! - **Per-thread tables**: each thread that dispatches on a registry has a [`ThreadTally`]
//!   (created with its reader slot in `snapshot.rs`, and registered here): its totals, and
//!   [`Table`]s of one delivered and one panicked cell per slot number, flat, so that counting
//!   a delivery is one bounds check and one write at `number`. Only that thread ever writes
//!   them during dispatch, with a plain load and store (no read-modify-write, no lock): a
//!   delivery writes one cell of its own thread's table and, once per dispatch, its own
//!   totals. A table pads its cells with a cache line's worth on each side and the totals are
//!   aligned to a cache line, so no two threads' counters share one.
//! - **Growth**: a table never moves or shrinks, and is never dropped while its thread is
//!   registered. When a thread refreshes its cached snapshot it makes sure its newest table
//!   covers `len` (loaded after reading the published index, so every subscription of that
//!   index has a smaller number), else adds a new table, at least twice as large, which
//!   starts at zero. A dispatch still using an older table (an outer dispatch on the same
//!   thread) goes on counting there; a cell's count is the sum of its thread's tables, so
//!   nothing is lost, and a thread's tables take at most twice the newest one's memory.
//! - **Readers** ([`Tallies::counts`], [`Tallies::totals`]) sum, under the registry's tally
//!   lock, the counts settled from threads that are gone and every registered thread's tables,
//!   with relaxed loads: exact once the counting threads are quiescent (joined, or otherwise
//!   synchronised with the reader), a value that only lags behind while they run.
//! - **Settling**: when the registry forgets a thread's reader slot (the thread has exited and
//!   no dispatch reads from it), the thread's counts are added to the settled counts and it
//!   is forgotten, in one step under the tally lock, so a reader sees them in exactly one
//!   place.
//! - **Reuse**: when a slot number is given back, its settled counts and its cells in every
//!   registered thread's tables are zeroed under the tally lock (no thread writes those cells
//!   any more: the subscription is gone), and the number is free for the next bind; a new
//!   subscription starts from zero. What the zeroed cells held is added to the released
//!   deliveries first, so the registry's delivered total (released + settled + every live
//!   cell) keeps counting what unbound subscriptions received. Dispatches and panics are
//!   per-thread totals.
//!
//! Locks: the tally lock, then a thread's tables lock; neither is held while host code runs,
//! and neither is taken under a reader slot's lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

/// How many cells a cache line holds: a table pads its cells with this many on each side,
/// so that no cache line holding one of its cells holds anything else.
const LINE: usize = 8;

/// Every counter of one registry.
pub(crate) struct Tallies {
    state: Mutex<State>,
    /// How many slot numbers have been handed out (the greatest, plus one).
    len: AtomicUsize,
}

#[derive(Default)]
struct State {
    free: Vec<usize>,
    /// Every thread whose reader slot the registry still knows.
    threads: Vec<Arc<ThreadTally>>,
    /// Per slot number, what threads that are gone counted.
    settled: Vec<(u64, u64)>,
    /// What threads that are gone counted in all (their deliveries are in `settled`).
    settled_totals: Totals,
    /// Deliveries to subscriptions that are gone (counted before their slot was zeroed).
    released_delivered: u64,
}

/// The registry-wide totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub dispatched: u64,
    pub delivered: u64,
    pub panicked: u64,
}

/// One thread's counters for one registry.
pub(crate) struct ThreadTally {
    totals: ThreadTotals,
    /// Every table the thread has counted in, oldest (smallest) first: what readers sum and
    /// reuse zeroes.
    tables: Mutex<Vec<Arc<Table>>>,
}

#[repr(align(64))]
#[derive(Default)]
struct ThreadTotals {
    dispatched: AtomicU64,
    panicked: AtomicU64,
}

/// One thread's cells for slot numbers below its length, flat: the cell of slot number `n`
/// is at `LINE + n`, between [`LINE`] cells of padding on each side.
pub(crate) struct Table {
    delivered: Box<[AtomicU64]>,
    panicked: Box<[AtomicU64]>,
}

/// What a dispatch counts with: its thread's totals and a table covering its index.
pub(crate) struct Counters {
    thread: Arc<ThreadTally>,
    table: Arc<Table>,
}

/// A subscription's slot number, given back when dropped.
pub(crate) struct SlotNumber {
    tallies: Arc<Tallies>,
    number: usize,
}

impl Tallies {
    pub fn new() -> Self {
        Tallies {
            state: Mutex::new(State::default()),
            len: AtomicUsize::new(0),
        }
    }

    /// A slot number for a new subscription; its counts start at zero.
    pub fn allocate(self: &Arc<Self>) -> SlotNumber {
        let mut state = self.state.lock();
        let number = state.free.pop().unwrap_or_else(|| {
            let number = self.len.load(Ordering::Relaxed);
            state.settled.push((0, 0));
            self.len.store(number + 1, Ordering::Release);
            number
        });
        SlotNumber {
            tallies: Arc::clone(self),
            number,
        }
    }

    /// How many slot numbers have been handed out.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// A new thread's counters, registered for reading.
    pub fn register(&self) -> Arc<ThreadTally> {
        let thread = Arc::new(ThreadTally {
            totals: ThreadTotals::default(),
            tables: Mutex::new(Vec::new()),
        });
        self.state.lock().threads.push(Arc::clone(&thread));
        thread
    }

    /// Adds what `thread` counted to the settled counts and forgets it (its thread is gone).
    pub fn settle(&self, thread: &Arc<ThreadTally>) {
        let mut state = self.state.lock();
        let Some(i) = state.threads.iter().position(|t| Arc::ptr_eq(t, thread)) else {
            return;
        };
        state.threads.swap_remove(i);
        let totals = thread.totals();
        let settled = &mut state.settled_totals;
        settled.dispatched += totals.dispatched;
        settled.panicked += totals.panicked;
        let tables = thread.tables.lock();
        for (number, settled) in state.settled.iter_mut().enumerate() {
            for table in tables.iter() {
                let (delivered, panicked) = table.counts(number);
                settled.0 += delivered;
                settled.1 += panicked;
            }
        }
    }

    /// (delivered, panicked) for a slot number.
    pub fn counts(&self, number: usize) -> (u64, u64) {
        let state = self.state.lock();
        let mut counts = state.settled.get(number).copied().unwrap_or_default();
        for thread in &state.threads {
            for table in thread.tables.lock().iter() {
                let (delivered, panicked) = table.counts(number);
                counts.0 += delivered;
                counts.1 += panicked;
            }
        }
        counts
    }

    /// The registry-wide totals: O(threads × slot numbers).
    pub fn totals(&self) -> Totals {
        let state = self.state.lock();
        let mut totals = state.settled_totals;
        totals.delivered =
            state.released_delivered + state.settled.iter().map(|s| s.0).sum::<u64>();
        for thread in &state.threads {
            let own = thread.totals();
            totals.dispatched += own.dispatched;
            totals.panicked += own.panicked;
            for table in thread.tables.lock().iter() {
                totals.delivered += table
                    .delivered
                    .iter()
                    .map(|cell| cell.load(Ordering::Relaxed))
                    .sum::<u64>();
            }
        }
        totals
    }

    /// Zeroes a slot number's counts everywhere and frees it (its subscription is gone).
    fn release(&self, number: usize) {
        let mut state = self.state.lock();
        let mut delivered = 0;
        if let Some(settled) = state.settled.get_mut(number) {
            delivered += settled.0;
            *settled = (0, 0);
        }
        for thread in &state.threads {
            for table in thread.tables.lock().iter() {
                if let Some(cell) = cell(&table.delivered, number) {
                    delivered += cell.swap(0, Ordering::Relaxed);
                }
                if let Some(cell) = cell(&table.panicked, number) {
                    cell.store(0, Ordering::Relaxed);
                }
            }
        }
        state.released_delivered += delivered;
        state.free.push(number);
    }
}

impl ThreadTally {
    /// Counters whose table covers slot numbers below `len`: the newest table, or a new one
    /// when it is too short. Called by the owning thread only.
    pub fn counters(self: &Arc<Self>, len: usize) -> Counters {
        let mut tables = self.tables.lock();
        let newest = tables.last().filter(|t| t.len() >= len).map(Arc::clone);
        let table = newest.unwrap_or_else(|| {
            let longest = tables.last().map_or(0, |t| t.len());
            let table = Arc::new(Table::new(len.max(2 * longest)));
            tables.push(Arc::clone(&table));
            table
        });
        Counters {
            thread: Arc::clone(self),
            table,
        }
    }

    fn totals(&self) -> Totals {
        Totals {
            dispatched: self.totals.dispatched.load(Ordering::Relaxed),
            delivered: 0,
            panicked: self.totals.panicked.load(Ordering::Relaxed),
        }
    }
}

impl Table {
    /// Zeroed cells for at least `len` slot numbers.
    fn new(len: usize) -> Self {
        let cells = len.max(1).next_multiple_of(LINE) + 2 * LINE;
        let zeroed = || (0..cells).map(|_| AtomicU64::new(0)).collect();
        Table {
            delivered: zeroed(),
            panicked: zeroed(),
        }
    }

    /// How many slot numbers it covers.
    fn len(&self) -> usize {
        self.delivered.len() - 2 * LINE
    }

    /// (delivered, panicked) it holds for a slot number.
    fn counts(&self, number: usize) -> (u64, u64) {
        let load = |lines| cell(lines, number).map_or(0, |c| c.load(Ordering::Relaxed));
        (load(&self.delivered), load(&self.panicked))
    }
}

/// A table's cells without their padding: slot number `n`'s cell is at `n`.
#[inline]
fn unpadded(cells: &[AtomicU64]) -> &[AtomicU64] {
    &cells[LINE..cells.len() - LINE]
}

/// The cell of a slot number in a table's cells, if they cover it.
fn cell(cells: &[AtomicU64], number: usize) -> Option<&AtomicU64> {
    unpadded(cells).get(number)
}

/// Adds `n` to a counter only this thread writes: a load and a store, no read-modify-write.
#[inline]
fn bump(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// The delivery cells of one dispatch, borrowed once per dispatch so that counting a
/// delivery is one bounds check and one cell written.
#[derive(Clone, Copy)]
pub(crate) struct Deliveries<'a> {
    cells: &'a [AtomicU64],
}

impl Deliveries<'_> {
    /// Counts a delivery to the subscription with this slot number.
    #[inline]
    pub fn count(self, number: usize) {
        if let Some(cell) = self.cells.get(number) {
            bump(cell, 1);
        }
    }
}

impl Counters {
    /// The cells a dispatch counts its deliveries in.
    #[inline]
    pub fn deliveries(&self) -> Deliveries<'_> {
        Deliveries {
            cells: unpadded(&self.table.delivered),
        }
    }

    /// Counts a panic of the subscription with this slot number.
    pub fn panicked(&self, number: usize) {
        if let Some(cell) = cell(&self.table.panicked, number) {
            bump(cell, 1);
        }
    }

    /// Counts a delivery to the subscription with this slot number.
    #[cfg(test)]
    pub fn delivered(&self, number: usize) {
        self.deliveries().count(number);
    }

    /// Counts one dispatch and its panics (its deliveries are in the cells).
    #[inline]
    pub fn dispatched(&self, panicked: usize) {
        let totals = &self.thread.totals;
        bump(&totals.dispatched, 1);
        if panicked != 0 {
            bump(&totals.panicked, panicked as u64);
        }
    }
}

impl SlotNumber {
    pub fn get(&self) -> usize {
        self.number
    }
}

impl Drop for SlotNumber {
    fn drop(&mut self) {
        self.tallies.release(self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A slot number past the first table a thread makes for one subscription.
    const BEYOND: usize = 4 * LINE + 1;

    #[test]
    fn numbers_are_reused_from_zero_and_tables_grow_without_moving_cells() {
        let tallies = Arc::new(Tallies::new());
        let thread = tallies.register();
        let slots: Vec<SlotNumber> = (0..BEYOND + 1).map(|_| tallies.allocate()).collect();
        let small = thread.counters(1);
        small.delivered(0);
        let large = thread.counters(tallies.len());
        large.delivered(0);
        large.delivered(BEYOND);
        small.delivered(BEYOND); // Outside the small table: not counted there.
        assert_eq!(tallies.counts(0), (2, 0));
        assert_eq!(tallies.counts(BEYOND), (1, 0));
        large.panicked(BEYOND);
        large.dispatched(1);
        assert_eq!(tallies.counts(BEYOND), (1, 1));

        let number = slots[BEYOND].get();
        drop(slots);
        let again = tallies.allocate();
        assert_eq!(
            again.get(),
            number,
            "the last freed number comes back first"
        );
        assert_eq!(tallies.counts(again.get()), (0, 0));
        assert_eq!(tallies.counts(0), (0, 0));

        // Three deliveries and one panic, counted before the numbers were released.
        let totals = Totals {
            dispatched: 1,
            delivered: 3,
            panicked: 1,
        };
        assert_eq!(tallies.totals(), totals, "released deliveries stay counted");
        large.delivered(again.get());
        tallies.settle(&thread);
        let totals = Totals {
            delivered: 4,
            ..totals
        };
        assert_eq!(tallies.totals(), totals, "settled totals stay");
        assert_eq!(tallies.counts(again.get()), (1, 0), "settled counts stay");
        drop(again);
        assert_eq!(tallies.allocate().get(), number);
        assert_eq!(tallies.counts(number), (0, 0));
    }
}
