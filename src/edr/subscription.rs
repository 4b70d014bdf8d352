//! A named subscription: its id, its bindings and its callback.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use parking_lot::Mutex;

use super::binding::Binding;
use super::event::Event;
use super::tally::SlotNumber;

/// The id [`Registry::bind`](super::Registry::bind) returns; ids grow in bind order and are
/// never reused by a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriptionId(u64);

impl SubscriptionId {
    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }

    pub(crate) fn new(n: u64) -> Self {
        SubscriptionId(n)
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a registry holds about one subscription, for introspection
/// ([`Registry::subscriptions`](super::Registry::subscriptions) returns them), its counters
/// included: an operator finds a broken subscriber by its `panicked` count and `last_panic`.
///
/// Not exhaustive (it may grow): read its fields; it cannot be built outside this crate.
///
/// ```
/// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
///
/// let registry = Registry::new();
/// registry.bind("audit", [Binding::default()], |_| {})?;
/// registry.bind("broken", [Binding::default()], |_| panic!("no database"))?;
/// registry.dispatch(&Event::new("app", "1", Severity::Ok, Verbosity::Info, serde_json::json!({})));
/// let infos = registry.subscriptions();
/// assert_eq!((infos[0].delivered, infos[0].panicked), (1, 0));
/// let broken = infos.iter().find(|s| s.panicked > 0).unwrap();
/// assert_eq!((broken.name.as_str(), broken.delivered), ("broken", 0));
/// assert_eq!(broken.last_panic.as_deref(), Some("no database"));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriptionInfo {
    /// The id `bind` returned.
    pub id: SubscriptionId,
    /// The name it was bound with.
    pub name: String,
    /// Its bindings, as given.
    pub bindings: Vec<Binding>,
    /// Events delivered to it: calls of its callback that returned.
    pub delivered: u64,
    /// Calls of its callback that panicked (each caught, and counted in
    /// [`DispatchReport::panicked`](super::DispatchReport::panicked) too).
    pub panicked: u64,
    /// The message of its latest panic (a `&str` or `String` payload; a payload of another
    /// type is shown as `"(not a string)"`), `None` if it never panicked.
    pub last_panic: Option<String>,
}

/// The callback type a subscription holds.
pub(crate) type Callback = Box<dyn Fn(&Event) + Send + Sync>;

/// [`Subscriber::flags`]: unbound (set by `unbind` before the subscription leaves the index).
pub(crate) const UNBOUND: u8 = 1;
/// [`Subscriber::flags`]: some binding has a body filter, so a candidate the index finds must
/// be matched against the event's body.
pub(crate) const FILTERS_BODIES: u8 = 2;

/// A bound subscription, shared by the published indexes.
///
/// What a delivery reads (flags, callback, counter slot) comes first, and the struct starts
/// on a cache line: a delivery touches one line of it.
#[repr(C, align(64))]
pub(crate) struct Subscriber {
    /// [`UNBOUND`] and [`FILTERS_BODIES`], checked with one load before every call: a
    /// subscription without body filters pays nothing for them.
    flags: AtomicU8,
    /// Its counters' slot (`tally.rs`); given back when the subscription is dropped.
    slot: SlotNumber,
    callback: Callback,
    id: SubscriptionId,
    name: String,
    bindings: Vec<Binding>,
    /// The latest panic's message (written on the panic path only).
    last_panic: Mutex<Option<String>>,
}

impl Subscriber {
    pub fn new(
        id: SubscriptionId,
        slot: SlotNumber,
        name: String,
        bindings: Vec<Binding>,
        callback: Callback,
    ) -> Self {
        let filters = bindings.iter().any(|b| b.get_body().is_some());
        Subscriber {
            id,
            slot,
            flags: AtomicU8::new(if filters { FILTERS_BODIES } else { 0 }),
            name,
            bindings,
            callback,
            last_panic: Mutex::new(None),
        }
    }

    #[inline]
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// Its slot number in the registry's counters.
    #[inline]
    pub fn slot(&self) -> usize {
        self.slot.get()
    }

    /// [`UNBOUND`] and [`FILTERS_BODIES`].
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags.load(Ordering::SeqCst)
    }

    /// Whether, with these [`flags`](Self::flags), the subscription must be skipped for
    /// `event`: it is unbound, or none of its bindings selects the event's body.
    #[cold]
    pub fn skips(&self, flags: u8, event: &Event) -> bool {
        flags & UNBOUND != 0 || !self.bindings.iter().any(|b| b.matches(event))
    }

    pub fn mark_unbound(&self) {
        self.flags.fetch_or(UNBOUND, Ordering::SeqCst);
    }

    /// Records the message of a panic of its callback.
    pub fn record_panic(&self, message: String) {
        *self.last_panic.lock() = Some(message);
    }

    #[inline]
    pub fn call(&self, event: &Event) {
        (self.callback)(event);
    }

    /// What [`SubscriptionInfo`] says of it, with its counts.
    pub fn info(&self, (delivered, panicked): (u64, u64)) -> SubscriptionInfo {
        SubscriptionInfo {
            id: self.id,
            name: self.name.clone(),
            bindings: self.bindings.clone(),
            delivered,
            panicked,
            last_panic: self.last_panic.lock().clone(),
        }
    }
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("bindings", &self.bindings)
            .finish_non_exhaustive()
    }
}
