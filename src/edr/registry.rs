//! [`Registry`]: named subscriptions and synchronous, in-process dispatch.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};

use super::binding::Binding;
use super::event::Event;
use super::index::{CELLS, Index, cell_bit, cell_mask};
use super::level::{Severity, Verbosity};
use super::report::DispatchReport;
use super::subscription::{Subscription, SubscriptionId, SubscriptionInfo};
use crate::error::Error;

/// Named subscriptions and synchronous, in-process dispatch of [`Event`]s.
///
/// - [`bind`](Self::bind) a named subscription (one or more [`Binding`]s and a callback);
///   [`unbind`](Self::unbind) it by id.
/// - [`dispatch`](Self::dispatch) delivers an event, on the calling thread, to every
///   subscription one of whose bindings [matches](Binding::matches) it (calls its callback): at
///   most once per subscription, in bind order.
/// - [`is_interested`](Self::is_interested) answers "would anything at this severity and
///   verbosity be delivered?" with one relaxed atomic load, so emitters can skip building
///   events nobody wants.
///
/// # Guarantees
///
/// - **Threads**: `Registry` is `Send + Sync`; any number of threads may dispatch while
///   others bind and unbind. Dispatch reads an immutable index snapshot that each thread caches,
///   so dispatching threads write no shared memory and never wait for writers (read-copy-update).
/// - **No lock held in callbacks**: no lock another thread can wait on is held while a callback
///   runs. A callback may dispatch (nested events are delivered, up to
///   [`Registry::MAX_NESTED_DEPTH`]), bind or unbind without deadlock. A bind made during a dispatch takes
///   effect from the next event.
/// - **Panics**: a panicking callback is caught, counted in [`DispatchReport::panicked`], and the
///   other callbacks still run; the registry stays usable.
/// - **Unbind**: once [`unbind`](Self::unbind) returns, the callback is never called again, and
///   the registry no longer holds it (its captured values are dropped, unless the caller of
///   `unbind` is itself a callback in progress: see `unbind`).
///
/// # Example
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
///
/// let registry = Registry::new();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// let id = registry.bind("alerts", [Binding::default().severity(Severity::Warning)], move |e: &Event| {
///     sink.lock().unwrap().push(e.app_name().to_owned());
/// })?;
///
/// assert!(!registry.is_interested(Severity::Ok, Verbosity::Info));
/// let event = Event::new("callflow", "4.3.1", Severity::Critical, Verbosity::Error, serde_json::json!({}));
/// assert_eq!(registry.dispatch(&event).delivered, 1);
/// assert_eq!(*seen.lock().unwrap(), ["callflow"]);
/// assert_eq!(registry.stats().subscriptions, 1);
///
/// assert!(registry.unbind(id));
/// assert_eq!(registry.dispatch(&event).delivered, 0);
/// assert!(registry.subscriptions().is_empty());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
pub struct Registry {
    /// Process-unique, so a thread can tell its cached snapshots of registries apart.
    uid: u64,
    /// Bit `cell_bit(s, v)` is set while some binding selects severity `s` and verbosity `v`.
    interest: AtomicU32,
    /// Bumped after every publication; starts at 1 (0 marks an idle reader).
    epoch: AtomicU64,
    /// The current index; read only when a thread's cached snapshot is out of date.
    published: RwLock<Arc<Index>>,
    /// Serialises binds and unbinds.
    writer: Mutex<Writer>,
    /// One slot per thread that has dispatched on this registry.
    readers: Mutex<Vec<Arc<ReaderSlot>>>,
    panicked: AtomicU64,
    dropped_nested: AtomicU64,
}

/// What [`Registry::stats`] returns: the subscriptions bound now, and counters over the
/// registry's life, for monitoring.
///
/// Not exhaustive (more counters may come): read its fields; it cannot be built outside
/// this crate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryStats {
    /// Subscriptions bound now.
    pub subscriptions: usize,
    /// Callbacks that panicked, in total.
    pub panicked: u64,
    /// Events dropped for nesting deeper than [`Registry::MAX_NESTED_DEPTH`], in total.
    pub dropped_nested: u64,
}

/// The writer's side: the master copy of everything published.
struct Writer {
    index: Index,
    subscriptions: BTreeMap<SubscriptionId, Arc<Subscription>>,
    names: HashMap<String, SubscriptionId>,
    /// How many bindings select each severity×verbosity cell.
    cell_counts: [u32; CELLS],
    next_id: u64,
}

/// A thread's view of one registry: what it is reading, and its cached snapshot.
struct ReaderSlot {
    /// The epoch the thread's outermost dispatch started in, or 0 when it is not dispatching.
    active: AtomicU64,
    /// The snapshot the thread dispatches with, and the epoch it was taken in. Locked only by
    /// its thread (at the outermost dispatch) and, with `try_lock`, by writers clearing caches.
    cache: Mutex<Cached>,
    /// Set when the registry is dropped, so the thread forgets the slot.
    retired: AtomicBool,
}

#[derive(Default)]
struct Cached {
    epoch: u64,
    snapshot: Option<Arc<Index>>,
}

thread_local! {
    /// This thread's slots, by registry uid.
    static SLOTS: RefCell<Vec<(u64, Arc<ReaderSlot>)>> = const { RefCell::new(Vec::new()) };
    /// How many dispatches are in progress on this thread (nesting).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

impl Registry {
    /// How deep dispatches may nest: an event dispatched from a callback counts one level, an
    /// event dispatched from *its* callbacks two, and so on. An event dispatched from callbacks
    /// nested deeper than this is dropped and counted in
    /// [`DispatchReport::dropped_nested`] (and in [`RegistryStats::dropped_nested`]): a subscriber
    /// that re-emits what it receives cannot overflow the stack.
    pub const MAX_NESTED_DEPTH: usize = 8;

    /// An empty registry.
    pub fn new() -> Self {
        static UIDS: AtomicU64 = AtomicU64::new(1);
        let index = Index::new(crate::random::seed());
        Registry {
            uid: UIDS.fetch_add(1, Ordering::Relaxed),
            interest: AtomicU32::new(0),
            epoch: AtomicU64::new(1),
            published: RwLock::new(Arc::new(index.clone())),
            writer: Mutex::new(Writer {
                index,
                subscriptions: BTreeMap::new(),
                names: HashMap::new(),
                cell_counts: [0; CELLS],
                next_id: 1,
            }),
            readers: Mutex::new(Vec::new()),
            panicked: AtomicU64::new(0),
            dropped_nested: AtomicU64::new(0),
        }
    }

    /// Binds a named subscription: `callback` receives every event one of `bindings` matches.
    ///
    /// Every binding is [validated](Binding::validate). The subscription takes effect from the
    /// next event dispatched (not one already being dispatched).
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Exists`](crate::ErrorKind::Exists) when a subscription with this name is bound already.
    /// - [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) (path `bindings[i]…`) for a binding that does not validate, or
    ///   (path `bindings`) for no bindings at all.
    ///
    /// ```
    /// use kazoo_records::ErrorKind;
    /// use kazoo_records::edr::{Binding, Registry};
    ///
    /// let registry = Registry::new();
    /// let id = registry.bind("audit", [Binding::default().account("abc")], |_| {})?;
    /// let err = registry.bind("audit", [Binding::default()], |_| {}).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Exists);
    /// let err = registry.bind("bad", [Binding::default(), Binding::default().app("a.b")], |_| {});
    /// assert_eq!(err.unwrap_err().path(), "bindings[1].app_name");
    /// assert!(registry.unbind(id));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn bind<F>(
        &self,
        name: impl Into<String>,
        bindings: impl IntoIterator<Item = Binding>,
        callback: F,
    ) -> Result<SubscriptionId, Error>
    where
        F: Fn(&Event) + Send + Sync + 'static,
    {
        let name = name.into();
        let bindings: Vec<Binding> = bindings.into_iter().collect();
        if bindings.is_empty() {
            return Err(
                Error::invalid("[]", "a list of bindings", "at least one binding")
                    .within("bindings"),
            );
        }
        for (i, binding) in bindings.iter().enumerate() {
            binding
                .validate()
                .map_err(|e| e.within_index(i).within("bindings"))?;
        }
        let mut writer = self.writer.lock();
        if writer.names.contains_key(&name) {
            return Err(Error::exists(name));
        }
        let id = SubscriptionId::new(writer.next_id);
        writer.next_id += 1;
        let subscription = Arc::new(Subscription::new(
            id,
            name.clone(),
            bindings,
            Box::new(callback),
        ));
        writer.index.insert(&subscription);
        for binding in subscription.bindings() {
            count_cells(&mut writer.cell_counts, cell_mask(binding), true);
        }
        writer.names.insert(name, id);
        writer.subscriptions.insert(id, subscription);
        self.publish(&writer);
        drop(writer);
        self.prune_readers();
        Ok(id)
    }

    /// Unbinds a subscription; returns whether it was bound.
    ///
    /// When `unbind` returns, no dispatch will call the callback again: it first waits for
    /// dispatches already running on other threads that might still call it. The registry
    /// then holds the callback no longer, so whatever it captured is dropped.
    ///
    /// Called from inside a callback, `unbind` does not wait for other threads (two callbacks
    /// unbinding each other would otherwise deadlock): the callback is then not called for any
    /// event dispatched after `unbind` returns, nor again in the current dispatch on this
    /// thread, but a dispatch already running on another thread may still call it once.
    /// Idle threads let go of the callback at once; the calling thread, and threads that were
    /// dispatching, at their next dispatch.
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
    ///
    /// let registry = Registry::new();
    /// let id = registry.bind("all", [Binding::default()], |_| {})?;
    /// assert!(registry.unbind(id));
    /// assert!(!registry.unbind(id), "unbound already");
    /// let event = Event::new("app", "1", Severity::Ok, Verbosity::Info, serde_json::json!({}));
    /// assert!(!registry.dispatch(&event).reached_anyone());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn unbind(&self, id: SubscriptionId) -> bool {
        let (subscription, epoch) = {
            let mut writer = self.writer.lock();
            let Some(subscription) = writer.subscriptions.remove(&id) else {
                return false;
            };
            subscription.mark_unbound();
            writer.names.remove(subscription.name());
            writer.index.remove(&subscription);
            for binding in subscription.bindings() {
                count_cells(&mut writer.cell_counts, cell_mask(binding), false);
            }
            (subscription, self.publish(&writer))
        };
        // Waiting from inside a callback could deadlock (two callbacks unbinding each other);
        // clearing idle threads' caches cannot, as it only ever tries their locks.
        if nesting_depth() == 0 {
            self.wait_for_readers_before(epoch);
        }
        self.clear_cached_snapshots_before(epoch);
        drop(subscription);
        self.prune_readers();
        true
    }

    /// Dispatches `event`: delivers it to every subscription that selects it (calls its
    /// callback), on the calling thread, in bind order, at most once per subscription.
    ///
    /// Never panics because a callback did: panics are caught and counted (even a panic whose
    /// payload panics again when dropped).
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, DispatchReport, Event, Registry, Severity, Verbosity};
    ///
    /// let registry = Registry::new();
    /// registry.bind("warnings", [Binding::default().severity(Severity::Warning)], |_| {})?;
    /// let event = |severity| Event::new("callflow", "4.3.1", severity, Verbosity::Info, serde_json::json!({}));
    /// assert_eq!(registry.dispatch(&event(Severity::Critical)).delivered, 1);
    /// assert_eq!(registry.dispatch(&event(Severity::Ok)), DispatchReport::default());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn dispatch(&self, event: &Event) -> DispatchReport {
        if !self.is_interested(event.severity(), event.verbosity()) {
            return DispatchReport::default();
        }
        let depth = nesting_depth();
        if depth > Registry::MAX_NESTED_DEPTH {
            self.dropped_nested.fetch_add(1, Ordering::Relaxed);
            return DispatchReport {
                dropped_nested: 1,
                ..DispatchReport::default()
            };
        }
        let _nesting = Nesting::enter();
        let slot = self.reader_slot();
        // Outermost *on this registry*: a dispatch nested in another registry's callback
        // must still announce itself here, or this registry's `unbind` would not wait for it.
        if slot.active.load(Ordering::Relaxed) == 0 {
            self.dispatch_outermost(&slot, event)
        } else {
            // Nested in a dispatch of this registry on this thread, which announced the
            // epoch it started in (so unbind waits for this too): rare, so take the published
            // snapshot directly (the cache is in use).
            let snapshot = Arc::clone(&self.published.read());
            self.deliver_all(&snapshot, event)
        }
    }

    /// The old name of [`dispatch`](Self::dispatch), which it calls.
    #[deprecated(note = "renamed to `dispatch`")]
    #[inline]
    pub fn distribute(&self, event: &Event) -> DispatchReport {
        self.dispatch(event)
    }

    /// Whether any subscription selects events of this severity and verbosity: one relaxed
    /// atomic load, exact after every bind and unbind.
    #[inline]
    pub fn is_interested(&self, severity: Severity, verbosity: Verbosity) -> bool {
        self.interest.load(Ordering::Relaxed) & cell_bit(severity, verbosity) != 0
    }

    /// The subscriptions bound now, in bind order (how many: [`stats`](Self::stats)).
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Registry};
    ///
    /// let registry = Registry::new();
    /// let id = registry.bind("audit", [Binding::default().account("abc")], |_| {})?;
    /// let subscriptions = registry.subscriptions();
    /// assert_eq!(subscriptions.len(), 1);
    /// assert_eq!((subscriptions[0].id, subscriptions[0].name.as_str()), (id, "audit"));
    /// assert_eq!(subscriptions[0].bindings, [Binding::default().account("abc")]);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn subscriptions(&self) -> Vec<SubscriptionInfo> {
        self.writer
            .lock()
            .subscriptions
            .values()
            .map(|s| s.info())
            .collect()
    }

    /// How many subscriptions are bound now, and counters over the registry's life.
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
    ///
    /// let registry = Registry::new();
    /// registry.bind("broken", [Binding::default()], |_| panic!("bug in a subscriber"))?;
    /// registry.dispatch(&Event::new("app", "1", Severity::Ok, Verbosity::Info, serde_json::json!({})));
    /// let stats = registry.stats();
    /// assert_eq!((stats.subscriptions, stats.panicked, stats.dropped_nested), (1, 1, 0));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn stats(&self) -> RegistryStats {
        RegistryStats {
            subscriptions: self.subscription_count(),
            panicked: self.panicked.load(Ordering::Relaxed),
            dropped_nested: self.dropped_nested.load(Ordering::Relaxed),
        }
    }

    /// How many subscriptions are bound.
    fn subscription_count(&self) -> usize {
        self.writer.lock().subscriptions.len()
    }

    /// The outermost dispatch on this registry on this thread: announce the epoch, use the
    /// cached snapshot.
    fn dispatch_outermost(&self, slot: &ReaderSlot, event: &Event) -> DispatchReport {
        let epoch = self.announce(slot);
        let report = {
            let mut cached = slot.cache.lock();
            if cached.epoch != epoch || cached.snapshot.is_none() {
                cached.snapshot = Some(Arc::clone(&self.published.read()));
                cached.epoch = epoch;
            }
            match cached.snapshot.as_deref() {
                Some(snapshot) => self.deliver_all(snapshot, event),
                None => DispatchReport::default(),
            }
        };
        slot.active.store(0, Ordering::SeqCst);
        report
    }

    /// Delivers `event` to every subscription of `snapshot` that selects it, in bind order.
    fn deliver_all(&self, snapshot: &Index, event: &Event) -> DispatchReport {
        let mut candidates = Vec::new();
        snapshot.candidates(event, &mut candidates);
        let mut report = DispatchReport::default();
        for subscription in candidates {
            self.deliver(subscription, event, &mut report);
        }
        report
    }

    /// Delivers `event` to one subscription (calls its callback) unless it was unbound,
    /// catching a panic; counts the outcome in `report`.
    fn deliver(&self, subscription: &Subscription, event: &Event, report: &mut DispatchReport) {
        if subscription.is_unbound() {
            return;
        }
        match catch_unwind(AssertUnwindSafe(|| subscription.call(event))) {
            Ok(()) => report.delivered += 1,
            Err(payload) => {
                report.panicked += 1;
                self.panicked.fetch_add(1, Ordering::Relaxed);
                drop_panic_payload(payload);
            }
        }
    }

    /// Publishes the writer's index and interest mask; returns the new epoch.
    fn publish(&self, writer: &Writer) -> u64 {
        let mask = writer
            .cell_counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .fold(0u32, |mask, (cell, _)| mask | 1 << cell);
        *self.published.write() = Arc::new(writer.index.clone());
        self.interest.store(mask, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Marks this thread as reading at the current epoch (re-checked, so a writer that
    /// publishes concurrently either sees the mark or is seen).
    fn announce(&self, slot: &ReaderSlot) -> u64 {
        let mut epoch = self.epoch.load(Ordering::SeqCst);
        loop {
            slot.active.store(epoch, Ordering::SeqCst);
            let now = self.epoch.load(Ordering::SeqCst);
            if now == epoch {
                return epoch;
            }
            epoch = now;
        }
    }

    /// Waits until no thread is in a dispatch that started before `epoch`.
    fn wait_for_readers_before(&self, epoch: u64) {
        let readers: Vec<Arc<ReaderSlot>> = self.readers.lock().clone();
        for slot in readers {
            let mut spins = 0u32;
            loop {
                let active = slot.active.load(Ordering::SeqCst);
                if active == 0 || active >= epoch {
                    break;
                }
                spins = spins.saturating_add(1);
                if spins < 64 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }

    /// Drops the snapshots idle threads cached before `epoch`, so the registry stops holding
    /// what was unbound. A thread busy dispatching took a newer snapshot and is left alone.
    fn clear_cached_snapshots_before(&self, epoch: u64) {
        for slot in self.readers.lock().iter() {
            if let Some(mut cached) = slot.cache.try_lock() {
                if cached.epoch < epoch {
                    cached.snapshot = None;
                }
            }
        }
    }

    /// Forgets the slots of threads that have exited.
    fn prune_readers(&self) {
        self.readers
            .lock()
            .retain(|slot| Arc::strong_count(slot) > 1);
    }

    /// This thread's slot for this registry, created on first use.
    fn reader_slot(&self) -> Arc<ReaderSlot> {
        let found = SLOTS.try_with(|slots| {
            let mut slots = slots.borrow_mut();
            if let Some((_, slot)) = slots.iter().find(|(uid, _)| *uid == self.uid) {
                return Arc::clone(slot);
            }
            slots.retain(|(_, slot)| !slot.retired.load(Ordering::Relaxed));
            let slot = self.new_reader_slot();
            slots.push((self.uid, Arc::clone(&slot)));
            slot
        });
        // During thread teardown the thread-local is gone: use a slot of this call's own.
        found.unwrap_or_else(|_| self.new_reader_slot())
    }

    fn new_reader_slot(&self) -> Arc<ReaderSlot> {
        let slot = Arc::new(ReaderSlot {
            active: AtomicU64::new(0),
            cache: Mutex::new(Cached::default()),
            retired: AtomicBool::new(false),
        });
        self.readers.lock().push(Arc::clone(&slot));
        slot
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        for slot in self.readers.get_mut().iter() {
            slot.retired.store(true, Ordering::Relaxed);
            if let Some(mut cached) = slot.cache.try_lock() {
                cached.snapshot = None;
            }
        }
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("subscriptions", &self.subscription_count())
            .field(
                "interest",
                &format_args!("{:#020b}", self.interest.load(Ordering::Relaxed)),
            )
            .finish_non_exhaustive()
    }
}

/// Counts a binding's cells in or out of the interest counts.
fn count_cells(counts: &mut [u32; CELLS], mask: u32, add: bool) {
    for (cell, count) in counts.iter_mut().enumerate() {
        if mask & (1 << cell) != 0 {
            *count = if add {
                count.saturating_add(1)
            } else {
                count.saturating_sub(1)
            };
        }
    }
}

/// Drops a caught panic's payload without letting a panic from its destructor escape (it would
/// unwind out of `dispatch`, skip clearing the thread's announced epoch, and leave every later
/// `unbind` waiting for this thread): that second panic is caught too, and its payload leaked
/// rather than risk a third.
fn drop_panic_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// Marks a dispatch in progress on this thread for as long as it lives.
struct Nesting;

impl Nesting {
    fn enter() -> Self {
        // During thread teardown the thread-local is gone; nesting is then not tracked.
        let _ = DEPTH.try_with(|d| d.set(d.get() + 1));
        Nesting
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        let _ = DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// How many dispatches are in progress on this thread.
fn nesting_depth() -> usize {
    DEPTH.try_with(Cell::get).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::Weak;

    use super::*;

    fn event() -> Event {
        Event::new(
            "app",
            "1",
            Severity::Ok,
            Verbosity::Info,
            serde_json::json!({}),
        )
    }

    /// Whether this thread is announced as reading `registry` (so its `unbind` waits for it).
    fn announced(registry: &Registry) -> bool {
        registry.reader_slot().active.load(Ordering::SeqCst) != 0
    }

    #[test]
    fn a_dispatch_nested_in_another_registrys_callback_announces_itself() {
        let outer = Registry::new();
        let inner = Arc::new(Registry::new());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (weak, s) = (Arc::downgrade(&inner), Arc::clone(&seen));
        inner
            .bind("probe", [Binding::default()], move |_| {
                let inner = Weak::upgrade(&weak).expect("the registry outlives its dispatch");
                s.lock().push(announced(&inner));
            })
            .unwrap();
        let i = Arc::clone(&inner);
        outer
            .bind("bridge", [Binding::default()], move |e: &Event| {
                // Nested in `outer`, but the outermost dispatch on `inner`.
                assert_eq!(i.dispatch(e).delivered, 1);
                // And nested on `inner` too: still announced from the outer call.
                let nested = i.dispatch(e);
                assert_eq!(nested.delivered, 1);
            })
            .unwrap();
        let i = Arc::clone(&inner);
        let via_inner = inner.bind("self", [Binding::default().app("loop")], move |_| {
            assert_eq!(i.dispatch(&event()).delivered, 1);
        });
        via_inner.unwrap();

        assert_eq!(outer.dispatch(&event()).delivered, 1);
        assert_eq!(*seen.lock(), [true, true]);
        assert!(
            !announced(&inner),
            "the announcement ends with the dispatch"
        );
        // Nested on the same registry, the probe still sees the outermost announcement.
        let looped = Event::new(
            "loop",
            "1",
            Severity::Ok,
            Verbosity::Info,
            serde_json::json!({}),
        );
        assert_eq!(inner.dispatch(&looped).delivered, 2);
        assert_eq!(*seen.lock(), [true, true, true, true]);
        assert!(!announced(&inner));
    }

    /// A panic payload whose destructor panics as well.
    struct PanicsWhenDropped;

    impl Drop for PanicsWhenDropped {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                panic!("panic payload destructor");
            }
        }
    }

    #[test]
    fn a_panic_payload_that_panics_when_dropped_is_contained() {
        let registry = Registry::new();
        registry
            .bind("bomb", [Binding::default()], |_| {
                std::panic::panic_any(PanicsWhenDropped)
            })
            .unwrap();
        registry
            .bind("after", [Binding::default()], |_| {})
            .unwrap();
        let report = catch_unwind(AssertUnwindSafe(|| registry.dispatch(&event())))
            .expect("dispatch must not unwind because a payload's destructor panicked");
        assert_eq!((report.delivered, report.panicked), (1, 1));
        assert!(!announced(&registry), "the thread must not stay announced");
        assert_eq!(registry.stats().panicked, 1);
    }
}
