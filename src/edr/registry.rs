//! [`Registry`]: named subscriptions and synchronous, in-process dispatch.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use parking_lot::Mutex;

use super::binding::Binding;
use super::event::Event;
use super::guard::Subscription;
use super::index::{CELLS, Index, cell_index, cell_mask};
use super::level::{Severity, Verbosity};
use super::report::DispatchReport;
use super::snapshot::Snapshots;
use super::subscription::{Subscriber, SubscriptionId, SubscriptionInfo};
use super::tally::Tallies;
use super::walk;
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
///   so dispatching threads take no lock, write no shared memory and never wait for writers
///   (read-copy-update); binding or unbinding costs O(log n) in the subscriptions bound.
/// - **No lock held in host code**: no crate lock is held while a callback runs, nor while
///   what a callback captured is dropped (when the last snapshot holding an unbound
///   subscription goes). A callback, or such a destructor, may dispatch (nested events are delivered, up to
///   [`Registry::MAX_NESTED_DEPTH`]), bind or unbind without deadlock. A bind made during a dispatch takes
///   effect from the next event.
/// - **Panics**: a panicking callback is caught, counted in [`DispatchReport::panicked`] and
///   against its subscription ([`SubscriptionInfo::panicked`], with the panic's message in
///   [`SubscriptionInfo::last_panic`], so an operator finds the broken subscriber by name), and
///   the other callbacks still run; the registry stays usable.
/// - **Counters**: every delivery is counted per subscription
///   ([`subscriptions`](Self::subscriptions)) and in the registry's totals
///   ([`stats`](Self::stats)), in counters each dispatching thread keeps for itself: no cache
///   line is written by two dispatching threads, and reading them sums the threads' counters.
/// - **Body filters**: a binding's [`BodyFilter`](super::BodyFilter) is applied by dispatch,
///   on the calling thread, after the index has found the subscription by account, app and
///   levels; subscriptions without one pay nothing for it.
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
    /// Bit `v` of byte `s` is set while some binding selects severity `s` and verbosity `v`
    /// (a byte per severity, so that the check is one byte load and one bit test).
    interest: [AtomicU8; Severity::ALL.len()],
    /// The published index and every thread's cached snapshot of it (see `snapshot.rs`).
    snapshots: Snapshots,
    /// Serialises binds and unbinds.
    writer: Mutex<Writer>,
    /// Delivery counters, per subscription and in total (see `tally.rs`).
    tallies: Arc<Tallies>,
    dropped_nested: AtomicU64,
}

/// What [`Registry::stats`] returns: the subscriptions bound now, and counters over the
/// registry's life (unbound subscriptions' deliveries included), for monitoring.
///
/// Not exhaustive (more counters may come): read its fields; it cannot be built outside
/// this crate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryStats {
    /// Subscriptions bound now.
    pub subscriptions: usize,
    /// Events dispatched: every [`Registry::dispatch`] (or emit) that got past
    /// [`Registry::is_interested`] and was not dropped for nesting. Events no binding's levels
    /// select return at that one load, uncounted.
    pub dispatched: u64,
    /// Deliveries: callbacks that ran and returned, in total (the sum of
    /// [`DispatchReport::delivered`]).
    pub delivered: u64,
    /// Callbacks that panicked, in total.
    pub panicked: u64,
    /// Events dropped for nesting deeper than [`Registry::MAX_NESTED_DEPTH`], in total.
    pub dropped_nested: u64,
}

/// The writer's side: the master copy of everything published.
struct Writer {
    index: Index,
    subscriptions: BTreeMap<SubscriptionId, Arc<Subscriber>>,
    names: HashMap<String, SubscriptionId>,
    /// How many bindings select each severity×verbosity cell.
    cell_counts: [u32; CELLS],
    next_id: u64,
}

thread_local! {
    /// How many dispatches are in progress on this thread (nesting), over all registries.
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
        let index = Index::new(crate::random::seed());
        let tallies = Arc::new(Tallies::new());
        Registry {
            interest: Default::default(),
            snapshots: Snapshots::new(index.clone(), Arc::clone(&tallies)),
            writer: Mutex::new(Writer {
                index,
                subscriptions: BTreeMap::new(),
                names: HashMap::new(),
                cell_counts: [0; CELLS],
                next_id: 1,
            }),
            tallies,
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
            drop(writer);
            // The callback (host code) is dropped with no lock held.
            drop(callback);
            return Err(Error::exists(name));
        }
        let id = SubscriptionId::new(writer.next_id);
        writer.next_id += 1;
        let subscription = Arc::new(Subscriber::new(
            id,
            self.tallies.allocate(),
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
        let (_, old, interest_changed) = self.publish(&writer);
        drop(writer);
        // The index this one replaces holds nothing unbound: dropping it runs no host code,
        // but it goes after the lock all the same.
        drop(old);
        self.snapshots.prune();
        if interest_changed {
            super::interest::changed();
        }
        Ok(id)
    }

    /// Binds like [`bind`](Self::bind), but returns a guard that unbinds the subscription when
    /// dropped ([`Subscription`]); the guard holds the registry weakly, hence the `Arc`.
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use kazoo_records::edr::{Binding, Registry};
    ///
    /// let registry = Arc::new(Registry::new());
    /// let guard = registry.bind_guarded("audit", [Binding::default()], |_| {})?;
    /// assert_eq!(registry.subscriptions()[0].id, guard.id());
    /// drop(guard);
    /// assert!(registry.subscriptions().is_empty());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn bind_guarded<F>(
        self: &Arc<Self>,
        name: impl Into<String>,
        bindings: impl IntoIterator<Item = Binding>,
        callback: F,
    ) -> Result<Subscription, Error>
    where
        F: Fn(&Event) + Send + Sync + 'static,
    {
        let id = self.bind(name, bindings, callback)?;
        Ok(Subscription::new(self, id))
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
    /// dispatching, when their dispatch ends.
    ///
    /// The wait blocks (the thread sleeps) until those dispatches end; it does not spin.
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
        let (subscription, (epoch, old, interest_changed)) = {
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
        // Every drop below may run host code (the callback's captures): no lock is held.
        drop(old);
        // Waiting from inside a callback could deadlock (two callbacks unbinding each other).
        self.snapshots
            .release_older_than(epoch, nesting_depth() == 0);
        drop(subscription);
        self.snapshots.prune();
        if interest_changed {
            super::interest::changed();
        }
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
        let Some(_nesting) = Nesting::enter() else {
            self.dropped_nested.fetch_add(1, Ordering::Relaxed);
            return DispatchReport {
                dropped_nested: 1,
                ..DispatchReport::default()
            };
        };
        // Held until every delivery is done (or unwinds): `unbind` waits for it.
        let reading = self.snapshots.read();
        walk::deliver(&reading, event)
    }

    /// The old name of [`dispatch`](Self::dispatch), which it calls.
    #[deprecated(note = "renamed to `dispatch`")]
    #[inline]
    pub fn distribute(&self, event: &Event) -> DispatchReport {
        self.dispatch(event)
    }

    /// Whether any subscription selects events of this severity and verbosity: one relaxed
    /// atomic load, exact after every bind and unbind.
    ///
    /// Only levels are known before an event is built: a binding with a
    /// [body filter](Binding::body) counts as interested in its levels, whatever the bodies.
    #[inline]
    pub fn is_interested(&self, severity: Severity, verbosity: Verbosity) -> bool {
        self.interest[severity.index()].load(Ordering::Relaxed) & 1 << verbosity.index() != 0
    }

    /// The subscriptions bound now, in bind order (how many: [`stats`](Self::stats)), each
    /// with its delivery and panic counts.
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
            .map(|s| s.info(self.tallies.counts(s.slot())))
            .collect()
    }

    /// How many subscriptions are bound now, and counters over the registry's life.
    ///
    /// The counters are summed over the dispatching threads' own counters: exact for what
    /// dispatches that finished before the call (on this thread, or on threads joined or
    /// otherwise synchronised with it) did.
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
    ///
    /// let registry = Registry::new();
    /// registry.bind("ok", [Binding::default()], |_| {})?;
    /// registry.bind("broken", [Binding::default()], |_| panic!("bug in a subscriber"))?;
    /// registry.dispatch(&Event::new("app", "1", Severity::Ok, Verbosity::Info, serde_json::json!({})));
    /// let stats = registry.stats();
    /// assert_eq!((stats.subscriptions, stats.dispatched, stats.delivered), (2, 1, 1));
    /// assert_eq!((stats.panicked, stats.dropped_nested), (1, 0));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn stats(&self) -> RegistryStats {
        let totals = self.tallies.totals();
        RegistryStats {
            subscriptions: self.subscription_count(),
            dispatched: totals.dispatched,
            delivered: totals.delivered,
            panicked: totals.panicked,
            dropped_nested: self.dropped_nested.load(Ordering::Relaxed),
        }
    }

    /// How many subscriptions are bound.
    fn subscription_count(&self) -> usize {
        self.writer.lock().subscriptions.len()
    }

    /// Publishes the writer's index and interest mask; returns the new epoch, the index it
    /// replaces (for the caller to drop once it holds no lock), and whether the interest mask
    /// changed (for the caller to announce once it holds no lock).
    fn publish(&self, writer: &Writer) -> (u64, Arc<Index>, bool) {
        let mask = writer
            .cell_counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .fold(0u32, |mask, (cell, _)| mask | 1 << cell);
        let (epoch, old) = self.snapshots.publish(writer.index.clone());
        let mut changed = false;
        for (severity, byte) in self.interest.iter().enumerate() {
            let bits = (mask >> cell_index(Severity::ALL[severity], Verbosity::Trace)) & 0x3f;
            changed |= byte.swap(bits as u8, Ordering::SeqCst) != bits as u8;
        }
        (epoch, old, changed)
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("subscriptions", &self.subscription_count())
            .field(
                "interest",
                &self
                    .interest
                    .iter()
                    .map(|byte| format!("{:#08b}", byte.load(Ordering::Relaxed)))
                    .collect::<Vec<_>>(),
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

/// Marks a dispatch in progress on this thread for as long as it lives.
struct Nesting;

impl Nesting {
    /// Enters one more level of dispatch on this thread, or `None` when that would nest
    /// deeper than [`Registry::MAX_NESTED_DEPTH`].
    #[inline]
    fn enter() -> Option<Self> {
        // During thread teardown the thread-local is gone; nesting is then not tracked.
        let depth = DEPTH
            .try_with(|d| {
                let depth = d.get();
                if depth <= Registry::MAX_NESTED_DEPTH {
                    d.set(depth + 1);
                }
                depth
            })
            .unwrap_or(0);
        (depth <= Registry::MAX_NESTED_DEPTH).then_some(Nesting)
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
    use std::panic::{AssertUnwindSafe, catch_unwind};
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
        registry.snapshots.reading_here()
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
