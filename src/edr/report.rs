//! [`DispatchReport`]: what one dispatch did.

use std::ops::AddAssign;

/// What [`Registry::dispatch`](super::Registry::dispatch) did with one event.
///
/// ```
/// use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
///
/// let registry = Registry::new();
/// registry.bind("ok", [Binding::default()], |_| {})?;
/// registry.bind("broken", [Binding::default()], |_| panic!("bug in a subscriber"))?;
/// let event = Event::new("app", "1", Severity::Ok, Verbosity::Info, serde_json::json!({}));
/// let report = registry.dispatch(&event);
/// assert_eq!((report.delivered, report.panicked, report.dropped_nested), (1, 1, 0));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
///
/// The three counters are the whole report (it will not grow, so it is not
/// `#[non_exhaustive]`): it can be built and compared with a struct literal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DispatchReport {
    /// Callbacks that ran and returned.
    pub delivered: usize,
    /// Callbacks that panicked (the panic was caught; the others still ran).
    pub panicked: usize,
    /// Events dropped instead of dispatched because they were dispatched (or emitted) from
    /// callbacks nested deeper than [`Registry::MAX_NESTED_DEPTH`](super::Registry::MAX_NESTED_DEPTH).
    pub dropped_nested: usize,
}

impl DispatchReport {
    /// Whether any callback was called (returned or panicked).
    pub fn reached_anyone(&self) -> bool {
        self.delivered + self.panicked > 0
    }
}

impl AddAssign for DispatchReport {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.panicked += other.panicked;
        self.dropped_nested += other.dropped_nested;
    }
}
