//! Announcing that a registry's interest changed, to what caches it outside the registry.
//!
//! With the `tracing` feature, `tracing` caches each callsite's interest, and the
//! [`EdrLayer`](super::EdrLayer) disables an `edr` callsite for good while no subscription
//! wants any level it can have. So when a bind or unbind changes which levels a registry wants
//! (a level gains its first subscription or loses its last: not at every bind), the registry
//! calls [`changed`], and `tracing` asks every callsite again. Without the feature nothing
//! caches interest, and [`changed`] does nothing.

/// Called by a registry after a bind or unbind changed its interest mask, before it returns
/// and **with no crate lock held**: `tracing` then calls the `register_callsite` of every layer
/// of every dispatcher (host code) under its own callsite lock.
pub(crate) fn changed() {
    #[cfg(feature = "tracing")]
    tracing_core::callsite::rebuild_interest_cache();
}
