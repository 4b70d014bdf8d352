//! A named subscription: its id, its bindings and its callback.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use super::binding::Binding;
use super::event::Event;

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
/// ([`Registry::subscriptions`](super::Registry::subscriptions) returns them).
///
/// Not exhaustive (it may grow): read its fields; it cannot be built outside this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriptionInfo {
    /// The id `bind` returned.
    pub id: SubscriptionId,
    /// The name it was bound with.
    pub name: String,
    /// Its bindings, as given.
    pub bindings: Vec<Binding>,
}

/// The callback type a subscription holds.
pub(crate) type Callback = Box<dyn Fn(&Event) + Send + Sync>;

/// A bound subscription, shared by the published indexes.
pub(crate) struct Subscriber {
    id: SubscriptionId,
    name: String,
    bindings: Vec<Binding>,
    callback: Callback,
    /// Set by `unbind` before the subscription leaves the index; checked before every call.
    unbound: AtomicBool,
}

impl Subscriber {
    pub fn new(
        id: SubscriptionId,
        name: String,
        bindings: Vec<Binding>,
        callback: Callback,
    ) -> Self {
        Subscriber {
            id,
            name,
            bindings,
            callback,
            unbound: AtomicBool::new(false),
        }
    }

    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    pub fn is_unbound(&self) -> bool {
        self.unbound.load(Ordering::SeqCst)
    }

    pub fn mark_unbound(&self) {
        self.unbound.store(true, Ordering::SeqCst);
    }

    pub fn call(&self, event: &Event) {
        (self.callback)(event);
    }

    pub fn info(&self) -> SubscriptionInfo {
        SubscriptionInfo {
            id: self.id,
            name: self.name.clone(),
            bindings: self.bindings.clone(),
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
