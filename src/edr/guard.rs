//! [`Subscription`]: a bound subscription that unbinds itself when dropped.

use std::fmt;
use std::sync::{Arc, Weak};

use super::registry::Registry;
use super::subscription::SubscriptionId;

/// A subscription bound with [`Registry::bind_guarded`]: dropping it unbinds the subscription
/// (like `tracing`'s `DefaultGuard` restores the previous default when dropped).
///
/// The guard holds the registry weakly, so a guard captured by a callback of the same registry
/// makes no reference cycle; once the registry is gone, dropping the guard does nothing.
///
/// It is `Send + Sync`: it may be dropped on another thread than the one that bound it, inside
/// another subscription's callback, or while a dispatch is running (it unbinds as
/// [`Registry::unbind`] does from there: the callback is not called for any event dispatched
/// after the drop). It may also be captured by a callback: its drop is then host code that
/// runs when the registry lets go of that callback, never under a crate lock.
///
/// ```
/// use std::sync::Arc;
/// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
///
/// let registry = Arc::new(Registry::new());
/// let event = Event::new("callflow", "4.3.1", Severity::Ok, Verbosity::Info, serde_json::json!({}));
/// {
///     let _subscription = registry.bind_guarded("audit", [Binding::default()], |_| {})?;
///     assert_eq!(registry.dispatch(&event).delivered, 1);
/// } // dropped here: unbound
/// assert_eq!(registry.dispatch(&event).delivered, 0);
/// assert!(registry.subscriptions().is_empty());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[must_use = "dropping the guard unbinds the subscription at once"]
pub struct Subscription {
    registry: Weak<Registry>,
    id: SubscriptionId,
    /// False once unbound by [`unbind`](Self::unbind) or kept by [`detach`](Self::detach).
    armed: bool,
}

impl Subscription {
    pub(crate) fn new(registry: &Arc<Registry>, id: SubscriptionId) -> Self {
        Subscription {
            registry: Arc::downgrade(registry),
            id,
            armed: true,
        }
    }

    /// The subscription's id (what [`Registry::bind`] would have returned).
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    /// Unbinds now (as dropping the guard does) and returns whether the subscription was still
    /// bound: it is not when someone [unbound](Registry::unbind) it by id, or when the registry
    /// is gone.
    pub fn unbind(mut self) -> bool {
        self.take_and_unbind()
    }

    /// Lets go of the guard but keeps the subscription bound; returns its id, for
    /// [`Registry::unbind`].
    pub fn detach(mut self) -> SubscriptionId {
        self.armed = false;
        self.id
    }

    fn take_and_unbind(&mut self) -> bool {
        if !std::mem::replace(&mut self.armed, false) {
            return false;
        }
        self.registry
            .upgrade()
            .is_some_and(|registry| registry.unbind(self.id))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.take_and_unbind();
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("armed", &self.armed)
            .field("registry_alive", &(self.registry.strong_count() > 0))
            .finish()
    }
}
