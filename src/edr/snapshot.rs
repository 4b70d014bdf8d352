//! How dispatching threads read a registry's index while writers replace it: epochs, reader
//! slots, each thread's cached snapshot, and the wait that lets `unbind` promise that a
//! callback is never called again.
//!
//! # Who holds what
//!
//! - **The published snapshot**: `Snapshots::published` holds the newest index and its epoch.
//!   Only writers (bind, unbind; serialised by the registry's writer lock) replace it, with the
//!   epoch counter advanced under the same lock, so (epoch, index) pairs never tear.
//! - **A thread's cached snapshot**: a [`Local`] (an epoch, an `Arc` of that epoch's index, and
//!   a [`Gate`]) is created by one thread for one registry when it finds its cache missing or
//!   out of date. Exactly one strong reference is *parked* in the thread's [`Slot`] for that
//!   registry (`SlotState::current`); the thread keeps only a `Weak` in its thread-local table.
//! - **A dispatch in progress** holds a [`Reading`]: a strong reference to a `Local`,
//!   upgraded from the thread's `Weak`. Only the thread that created a `Local` ever upgrades
//!   it. A `Reading` is the whole announcement "this thread is using this index": it is a
//!   value, so it ends when the dispatch ends *or unwinds*; there is no mark to reset.
//! - **Writers never hold a reader's `Local` while waiting**: when a writer takes a `Local` out
//!   of a slot, it records the `Local`'s epoch and gate in the slot (`SlotState::in_use`), drops
//!   its own reference, and then (if it waits) waits on the gate, which opens when the last
//!   reference goes: that is when the last dispatch using it has finished.
//!
//! So a `Local` is referenced only by its slot (one, parked), by its thread's `Reading`s (while
//! dispatching), and for a moment by a writer that took it out of the slot. Every `Local` that
//! is alive is either parked in its slot or recorded there in `in_use` — so a writer scanning
//! the slots finds every index a dispatch may be using.
//!
//! # The fast path
//!
//! `read` upgrades the thread's `Weak` (one atomic read-modify-write on a counter no other
//! thread touches), checks the epoch (one load) and returns; dropping the `Reading` is one
//! more. No lock, no allocation, no shared cache line written.
//!
//! # Orderings, and why each is needed
//!
//! 1. *A bind is seen by every dispatch that starts after it returns.* The writer stores the
//!    new epoch (release) after publishing; `read` loads it (acquire) and refreshes when its
//!    `Local` is older.
//! 2. *A refresh cannot slip past an unbind's scan.* `refresh` reads `published` (locked),
//!    parks the new `Local` in the slot (slot lock), and then re-reads the epoch; on a change
//!    it starts over. A writer publishes *before* it scans the slots (slot lock), so either
//!    the scan finds the parked `Local` or the re-read sees the writer's epoch (the slot lock
//!    orders the two) and the reader never dispatches from the stale index.
//! 3. *Once `unbind` returns, its callback is never called again.* The writer flags the
//!    subscription unbound (`SeqCst`) and removes it from the index, publishes epoch `e`, then
//!    scans every slot: it takes each parked `Local` older than `e`, records it in `in_use`
//!    and drops its reference, and waits on the gate of every `Local` older than `e` recorded
//!    in `in_use`. A dispatch that could call the callback uses an index older than `e`, so
//!    its `Local` is older than `e` and alive, hence parked or in `in_use`: the writer waits
//!    for it. A dispatch that upgrades after the writer's scan either finds its `Local` dead
//!    (the upgrade fails; it refreshes to an index without the subscription) or alive only
//!    because a writer or its own outer dispatch still holds it — a `Local` that is recorded in
//!    `in_use`, which the waiting writer waits for. The gate is a mutex and a condition
//!    variable: the last reference's drop opens it under the mutex, so what the dispatch did
//!    happens before the writer returns, and the writer sleeps instead of spinning.
//! 4. *Unbind from inside a callback does not wait* (two callbacks unbinding each other on two
//!    threads would wait for each other). It still flags the subscription, so no later
//!    delivery calls it; a dispatch already past the flag check on another thread may call it
//!    once more.
//! 5. *No host code runs under a crate lock.* Every `Arc` that may be the last reference to an
//!    index (and so to subscriptions, their callbacks and what those captured) is moved out of
//!    its lock and dropped after the lock is released: a replaced `Local` in `refresh`, the
//!    `Local`s a writer takes, the slots `prune` forgets (only once no dispatch reads from
//!    them, so that they stay findable while in use), the old published index (returned
//!    to the writer, which drops it after its own lock), the slots a dropped registry retires
//!    and the slot of an exiting thread. Callbacks run with no crate lock held.
//!
//! # Counters
//!
//! A thread's slot also holds the thread's delivery counters for the registry (`tally.rs`
//! states their protocol): `refresh` gives each `Local` counters whose table covers every
//! subscription of its index (the table's length is read after the index, see ordering 1),
//! so the fast path counts without allocating or locking; `prune` settles the counters of
//! the slots it forgets, before their tables go.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::{Condvar, Mutex};

use super::index::Index;
use super::tally::{Counters, Tallies, ThreadTally};

/// The published index, the epoch, and every thread's slot, for one registry.
pub(crate) struct Snapshots {
    /// Process-unique, so that a thread's table tells registries apart.
    uid: u64,
    /// The epoch of the published index; advanced (under `published`) by every publication.
    epoch: AtomicU64,
    published: Mutex<Published>,
    /// One slot per thread that has read this registry and not been forgotten.
    readers: Mutex<Vec<Arc<Slot>>>,
    tallies: Arc<Tallies>,
}

struct Published {
    epoch: u64,
    index: Arc<Index>,
}

/// What a registry knows of one thread.
struct Slot {
    state: Mutex<SlotState>,
    /// Set when the registry is dropped, so that the thread forgets the slot.
    retired: AtomicBool,
    /// The thread's delivery counters.
    tally: Arc<ThreadTally>,
}

#[derive(Default)]
struct SlotState {
    /// The thread's parked `Local`: its one reference outside dispatches.
    current: Option<Arc<Local>>,
    /// `Local`s taken out of `current` that may still be in use by a dispatch: their epochs
    /// and gates (never a reference, which would keep them alive).
    in_use: Vec<(u64, Arc<Gate>)>,
}

/// One thread's cached snapshot of one registry's index.
struct Local {
    epoch: u64,
    index: Arc<Index>,
    counters: Counters,
    /// Declared last, so dropped last: opens the gate once the index is let go of.
    _opens: Opens,
}

/// Opens when the `Local` it belongs to is dropped.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

struct Opens(Arc<Gate>);

impl Drop for Opens {
    fn drop(&mut self) {
        *self.0.open.lock() = true;
        self.0.opened.notify_all();
    }
}

impl Gate {
    fn is_open(&self) -> bool {
        *self.open.lock()
    }

    /// Blocks (parked, not spinning) until the gate opens.
    fn wait(&self) {
        let mut open = self.open.lock();
        while !*open {
            self.opened.wait(&mut open);
        }
    }
}

/// A dispatch's hold on an index: while it lives, an `unbind` that removed something from
/// this index waits (see the module docs). Dropped when the dispatch ends or unwinds.
pub(crate) struct Reading {
    local: Arc<Local>,
}

impl Reading {
    pub fn index(&self) -> &Index {
        &self.local.index
    }

    /// This thread's counters, covering every subscription of [`index`](Self::index).
    pub fn counters(&self) -> &Counters {
        &self.local.counters
    }
}

/// One entry of a thread's table: a registry's uid, the thread's slot in it, and a `Weak` of
/// the thread's parked `Local`.
struct Entry {
    uid: u64,
    slot: Arc<Slot>,
    local: RefCell<Weak<Local>>,
}

impl Drop for Entry {
    /// The thread exits (or forgets a retired slot): let go of its cached snapshot, outside
    /// the slot's lock.
    fn drop(&mut self) {
        let parked = self.slot.state.lock().current.take();
        drop(parked);
    }
}

thread_local! {
    /// This thread's entries, most recently added last.
    static THREAD: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

impl Snapshots {
    pub fn new(index: Index, tallies: Arc<Tallies>) -> Self {
        static UIDS: AtomicU64 = AtomicU64::new(1);
        Snapshots {
            uid: UIDS.fetch_add(1, Ordering::Relaxed),
            epoch: AtomicU64::new(1),
            published: Mutex::new(Published {
                epoch: 1,
                index: Arc::new(index),
            }),
            readers: Mutex::new(Vec::new()),
            tallies,
        }
    }

    /// The index to dispatch with on this thread: the cached one when it is current.
    #[inline]
    pub fn read(&self) -> Reading {
        let fast = THREAD.try_with(|table| {
            let table = table.try_borrow().ok()?;
            let entry = table.iter().rev().find(|e| e.uid == self.uid)?;
            let local = entry.local.borrow().upgrade()?;
            (local.epoch == self.epoch.load(Ordering::Acquire)).then_some(Reading { local })
        });
        match fast {
            Ok(Some(reading)) => reading,
            _ => self.read_slow(),
        }
    }

    /// `read` when the cache is missing or old, or the thread has no slot yet.
    #[cold]
    fn read_slow(&self) -> Reading {
        let found = THREAD.try_with(|table| {
            let table = table.try_borrow().ok()?;
            let entry = table.iter().find(|e| e.uid == self.uid)?;
            Some(self.refresh(&entry.slot, Some(&entry.local)))
        });
        if let Ok(Some(reading)) = found {
            return reading;
        }
        let slot = self.new_slot();
        let _ = THREAD.try_with(|table| {
            let mut table = table.try_borrow_mut().ok()?;
            table.retain(|e| !e.slot.retired.load(Ordering::Relaxed));
            table.push(Entry {
                uid: self.uid,
                slot: Arc::clone(&slot),
                local: RefCell::new(Weak::new()),
            });
            Some(())
        });
        // `retain` dropped entries of dropped registries under the table's borrow: harmless,
        // as their snapshots were taken (and dropped) when their registry was.
        let reading = THREAD
            .try_with(|table| {
                let table = table.try_borrow().ok()?;
                let entry = table.iter().find(|e| e.uid == self.uid)?;
                Some(self.refresh(&entry.slot, Some(&entry.local)))
            })
            .ok()
            .flatten();
        // During thread teardown, or while the table is borrowed (an entry's drop running host
        // code that dispatches): a slot of this call's own, which the registry forgets later.
        reading.unwrap_or_else(|| self.refresh(&slot, None))
    }

    /// Parks a `Local` of the published index in `slot` and returns a reading of it (see
    /// ordering 2).
    fn refresh(&self, slot: &Slot, weak: Option<&RefCell<Weak<Local>>>) -> Reading {
        loop {
            let (epoch, index) = {
                let published = self.published.lock();
                (published.epoch, Arc::clone(&published.index))
            };
            // After the index: every subscription it holds has a smaller slot number.
            let counters = slot.tally.counters(self.tallies.len());
            let local = Arc::new(Local {
                epoch,
                index,
                counters,
                _opens: Opens(Arc::default()),
            });
            let replaced = {
                let mut state = slot.state.lock();
                let replaced = state.current.replace(Arc::clone(&local));
                // Still in use by an outer dispatch on this thread: keep it findable.
                if let Some(old) = replaced.as_ref().filter(|old| Arc::strong_count(old) > 1) {
                    state.in_use.push((old.epoch, Arc::clone(&old._opens.0)));
                }
                replaced
            };
            drop(replaced);
            if let Some(weak) = weak {
                *weak.borrow_mut() = Arc::downgrade(&local);
            }
            if self.epoch.load(Ordering::Acquire) == epoch {
                return Reading { local };
            }
        }
    }

    /// Publishes `index`; returns its epoch and the index it replaces, which the caller drops
    /// after releasing its own locks.
    pub fn publish(&self, index: Index) -> (u64, Arc<Index>) {
        let mut published = self.published.lock();
        let epoch = published.epoch + 1;
        let old = std::mem::replace(&mut published.index, Arc::new(index));
        published.epoch = epoch;
        self.epoch.store(epoch, Ordering::Release);
        (epoch, old)
    }

    /// Makes every thread let go of indexes older than `epoch` (idle threads at once, busy
    /// ones when their dispatch ends), and when `wait`, blocks until no dispatch uses one (see
    /// ordering 3).
    pub fn release_older_than(&self, epoch: u64, wait: bool) {
        let slots: Vec<Arc<Slot>> = self.readers.lock().clone();
        let mut taken = Vec::new();
        let mut gates = Vec::new();
        for slot in &slots {
            let mut state = slot.state.lock();
            state.in_use.retain(|(_, gate)| !gate.is_open());
            if let Some(local) = state.current.take_if(|local| local.epoch < epoch) {
                state
                    .in_use
                    .push((local.epoch, Arc::clone(&local._opens.0)));
                taken.push(local);
            }
            gates.extend(
                state
                    .in_use
                    .iter()
                    .filter(|(e, _)| *e < epoch)
                    .map(|(_, gate)| Arc::clone(gate)),
            );
        }
        // No lock is held from here on: the last reference to an index may go here.
        drop(taken);
        if wait {
            for gate in gates {
                gate.wait();
            }
        }
        drop(slots);
    }

    /// Forgets the slots of threads that have exited (only the registry holds the slot) and
    /// whose snapshots no dispatch is reading (a thread's last dispatch may run from a
    /// destructor during its exit, with a slot of its own: that slot stays findable until the
    /// dispatch ends).
    pub fn prune(&self) {
        let gone: Vec<Arc<Slot>> = {
            let mut readers = self.readers.lock();
            let (gone, kept) = readers.drain(..).partition(|s| {
                Arc::strong_count(s) == 1 && {
                    let mut state = s.state.lock();
                    state.in_use.retain(|(_, gate)| !gate.is_open());
                    state.in_use.is_empty()
                        && state
                            .current
                            .as_ref()
                            .is_none_or(|local| Arc::strong_count(local) == 1)
                }
            });
            *readers = kept;
            gone
        };
        // Each holds its thread's last cached snapshot; dropped with no lock held.
        for slot in gone {
            self.tallies.settle(&slot.tally);
            let parked = slot.state.lock().current.take();
            drop(parked);
        }
    }

    /// Whether a dispatch on this thread holds a reading of this registry (so that an
    /// `unbind` on another thread would wait for it).
    #[cfg(test)]
    pub fn reading_here(&self) -> bool {
        THREAD
            .with(|table| {
                let table = table.borrow();
                let entry = table.iter().find(|e| e.uid == self.uid)?;
                let local = entry.local.borrow().upgrade()?;
                // Ours, the slot's, and a reading's.
                Some(Arc::strong_count(&local) > 2)
            })
            .unwrap_or(false)
    }

    fn new_slot(&self) -> Arc<Slot> {
        let slot = Arc::new(Slot {
            state: Mutex::new(SlotState::default()),
            retired: AtomicBool::new(false),
            tally: self.tallies.register(),
        });
        self.readers.lock().push(Arc::clone(&slot));
        slot
    }
}

impl Drop for Snapshots {
    /// The registry is dropped (so no thread is dispatching on it): every thread forgets its
    /// slot, and the cached snapshots go now, with no lock held.
    fn drop(&mut self) {
        let mut parked = Vec::new();
        for slot in self.readers.get_mut().drain(..) {
            slot.retired.store(true, Ordering::Relaxed);
            parked.extend(slot.state.lock().current.take());
        }
        drop(parked);
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;

    #[test]
    fn a_reading_ends_when_its_dispatch_unwinds() {
        let snapshots = Snapshots::new(Index::new(7), Arc::new(Tallies::new()));
        let result = catch_unwind(AssertUnwindSafe(|| {
            let reading = snapshots.read();
            let _ = reading.index();
            panic!("unwinding between the start and the end of a dispatch");
        }));
        assert!(result.is_err());
        let (epoch, old) = snapshots.publish(Index::new(7));
        drop(old);
        // Would block forever if the unwound reading still held the old snapshot.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                snapshots.release_older_than(epoch, true);
                done.send(()).unwrap();
            });
            finished
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("the wait returns: the reading was released by the unwind");
        });
    }

    #[test]
    fn the_fast_path_reuses_the_cached_local_until_the_epoch_moves() {
        let snapshots = Snapshots::new(Index::new(7), Arc::new(Tallies::new()));
        let a = snapshots.read();
        let b = snapshots.read();
        assert!(Arc::ptr_eq(&a.local, &b.local));
        drop((a, b));
        let (_, old) = snapshots.publish(Index::new(7));
        drop(old);
        let c = snapshots.read();
        assert_eq!(c.local.epoch, 2);
    }
}
