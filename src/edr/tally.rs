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
//!   (created with its reader slot in `snapshot.rs`, and registered here): its totals, and a
//!   [`Table`] of one [`Counts`] per slot number, in chunks of [`CHUNK`]. Only that thread
//!   ever writes them during dispatch, with a plain load and store (no read-modify-write, no
//!   lock): a delivery writes one cell of its own thread's chunk and, once per dispatch, its
//!   own totals. Chunks are aligned to cache lines, so no two threads' counters share one.
//! - **Growth**: a table never moves a cell. When a thread refreshes its cached snapshot it
//!   makes its table cover `len` (loaded after reading the published index, so every
//!   subscription of that index has a smaller number); a larger table shares the old chunks
//!   and adds new ones, so a dispatch still using an older, shorter table (an outer dispatch
//!   on the same thread) counts into the same cells.
//! - **Readers** ([`Tallies::counts`], [`Tallies::totals`]) sum, under the registry's tally
//!   lock, the counts settled from threads that are gone and every registered thread's cells,
//!   with relaxed loads: exact once the counting threads are quiescent (joined, or otherwise
//!   synchronised with the reader), a value that only lags behind while they run.
//! - **Settling**: when the registry forgets a thread's reader slot (the thread has exited and
//!   no dispatch reads from it), the thread's counts are added to the settled counts and its
//!   table is dropped, in one step under the tally lock, so a reader sees them in exactly one
//!   place.
//! - **Reuse**: when a slot number is given back, its settled counts and its cell in every
//!   registered table are zeroed under the tally lock (no thread writes that cell any more:
//!   the subscription is gone), and the number is free for the next bind; a new subscription
//!   starts from zero. What the zeroed cells held is added to the released deliveries first,
//!   so the registry's delivered total (released + settled + every live cell) keeps counting
//!   what unbound subscriptions received. Dispatches and panics are per-thread totals.
//!
//! Locks: the tally lock, then a thread's table lock; neither is held while host code runs,
//! and neither is taken under a reader slot's lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

/// How many slots a table chunk holds (16 bytes each: 4 KiB a chunk).
const CHUNK: usize = 256;

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

/// One delivery counter cell: written by one thread, read by any.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    panicked: AtomicU64,
}

#[repr(align(64))]
struct Chunk([Counts; CHUNK]);

/// One thread's counters for one registry.
pub(crate) struct ThreadTally {
    totals: ThreadTotals,
    /// The thread's current table (the largest): what readers sum and reuse zeroes.
    table: Mutex<Arc<Table>>,
}

#[repr(align(64))]
#[derive(Default)]
struct ThreadTotals {
    dispatched: AtomicU64,
    panicked: AtomicU64,
}

/// A thread's counter cells, shared by all its tables of one registry.
#[derive(Default)]
pub(crate) struct Table {
    chunks: Chunks,
}

/// A table's chunks, in slot-number order.
type Chunks = Arc<[Arc<Chunk>]>;

/// What a dispatch counts with: its thread's totals and the chunks of a table covering its
/// index (held directly, so counting a delivery reads a chunk's address and writes its cell).
pub(crate) struct Counters {
    thread: Arc<ThreadTally>,
    chunks: Chunks,
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
            table: Mutex::new(Arc::default()),
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
        let table = Arc::clone(&thread.table.lock());
        for (number, settled) in state.settled.iter_mut().enumerate() {
            if let Some(cell) = table.cell(number) {
                settled.0 += cell.delivered.load(Ordering::Relaxed);
                settled.1 += cell.panicked.load(Ordering::Relaxed);
            }
        }
    }

    /// (delivered, panicked) for a slot number.
    pub fn counts(&self, number: usize) -> (u64, u64) {
        let state = self.state.lock();
        let mut counts = state.settled.get(number).copied().unwrap_or_default();
        for thread in &state.threads {
            if let Some(cell) = thread.table.lock().cell(number) {
                counts.0 += cell.delivered.load(Ordering::Relaxed);
                counts.1 += cell.panicked.load(Ordering::Relaxed);
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
            let table = Arc::clone(&thread.table.lock());
            totals.delivered += table
                .chunks
                .iter()
                .flat_map(|chunk| chunk.0.iter())
                .map(|cell| cell.delivered.load(Ordering::Relaxed))
                .sum::<u64>();
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
            if let Some(cell) = thread.table.lock().cell(number) {
                delivered += cell.delivered.swap(0, Ordering::Relaxed);
                cell.panicked.store(0, Ordering::Relaxed);
            }
        }
        state.released_delivered += delivered;
        state.free.push(number);
    }
}

impl ThreadTally {
    /// Counters whose table covers slot numbers below `len`; grows the table if need be.
    /// Called by the owning thread only.
    pub fn counters(self: &Arc<Self>, len: usize) -> Counters {
        let mut table = self.table.lock();
        let chunks = len.div_ceil(CHUNK);
        if table.chunks.len() < chunks {
            let mut grown = table.chunks.to_vec();
            grown.resize_with(chunks, || {
                Arc::new(Chunk(std::array::from_fn(|_| Counts::default())))
            });
            *table = Arc::new(Table {
                chunks: grown.into(),
            });
        }
        Counters {
            thread: Arc::clone(self),
            chunks: Arc::clone(&table.chunks),
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
    fn cell(&self, number: usize) -> Option<&Counts> {
        cell(&self.chunks, number)
    }
}

/// The cell of a slot number in a table's chunks, if they cover it.
#[inline]
fn cell(chunks: &[Arc<Chunk>], number: usize) -> Option<&Counts> {
    let chunk = chunks.get(number / CHUNK)?;
    Some(&chunk.0[number % CHUNK])
}

/// Adds `n` to a counter only this thread writes: a load and a store, no read-modify-write.
#[inline]
fn bump(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

impl Counters {
    /// Counts a delivery to the subscription with this slot number.
    #[inline]
    pub fn delivered(&self, number: usize) {
        if let Some(cell) = cell(&self.chunks, number) {
            bump(&cell.delivered, 1);
        }
    }

    /// Counts a panic of the subscription with this slot number.
    pub fn panicked(&self, number: usize) {
        if let Some(cell) = cell(&self.chunks, number) {
            bump(&cell.panicked, 1);
        }
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

    #[test]
    fn numbers_are_reused_from_zero_and_tables_grow_without_moving_cells() {
        let tallies = Arc::new(Tallies::new());
        let thread = tallies.register();
        let slots: Vec<SlotNumber> = (0..CHUNK + 1).map(|_| tallies.allocate()).collect();
        let small = thread.counters(1);
        small.delivered(0);
        let large = thread.counters(tallies.len());
        large.delivered(0);
        large.delivered(CHUNK);
        small.delivered(CHUNK); // Outside the small table: not counted there.
        assert_eq!(tallies.counts(0), (2, 0));
        assert_eq!(tallies.counts(CHUNK), (1, 0));
        large.panicked(CHUNK);
        large.dispatched(1);
        assert_eq!(tallies.counts(CHUNK), (1, 1));

        let number = slots[CHUNK].get();
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
