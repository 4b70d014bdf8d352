//! [`Emitter`]: builds events for an application and dispatches them.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::app::App;
use super::event::Event;
use super::event_id::EventId;
use super::level::{Severity, Verbosity};
use super::registry::Registry;
use super::report::DispatchReport;
use crate::time::{Clock, SystemClock};

/// Builds events (id, node, time, account tree) for an [`App`] and dispatches them to a
/// [`Registry`].
///
/// Before building anything it asks the registry whether anyone is interested in the
/// event's severity and verbosity (one relaxed atomic load); if nobody is, it returns `None`
/// at once, without calling the body closure. Otherwise it reads the clock once (both time
/// fields come from that read), makes an id, resolves the account tree, builds the body,
/// dispatches, and returns the [`DispatchReport`].
///
/// ```
/// use std::sync::Arc;
/// use kazoo_records::edr::{App, Binding, Emitter, Registry, Severity, Verbosity};
/// use kazoo_records::time::GregorianSeconds;
///
/// let registry = Arc::new(Registry::new());
/// registry.bind("audit", [Binding::default().account("reseller").include_descendants(true)], |e| {
///     assert_eq!(e.timestamp(), "2015-04-08T17:29:49Z");
/// })?;
/// let emitter = Emitter::new(Arc::clone(&registry))
///     .with_node("kazoo_apps@host")
///     .with_clock(|| GregorianSeconds(63_595_733_389))
///     .with_account_tree(|account: &str| (account == "customer").then(|| vec!["reseller".to_owned()]));
///
/// let crossbar = App::new("crossbar", "4.3.1");
/// let report = emitter.emit_for_account(&crossbar, "customer", Severity::Ok, Verbosity::Info, || {
///     serde_json::json!({"method": "PUT"})
/// });
/// assert_eq!(report.map(|r| r.delivered), Some(1));
/// // Nobody listens to debug: nothing is built, the body closure is not called.
/// let report = emitter.emit(&crossbar, Severity::Ok, Verbosity::Debug, || unreachable!());
/// assert_eq!(report, None);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Clone)]
pub struct Emitter {
    registry: Arc<Registry>,
    node: String,
    clock: Arc<dyn Clock>,
    ids: Arc<IdGenerator>,
    account_tree: Option<Arc<AccountTreeResolver>>,
}

/// Makes event ids.
type IdGenerator = dyn Fn() -> EventId + Send + Sync;

/// Finds an account's ancestors (root first, parent last).
type AccountTreeResolver = dyn Fn(&str) -> Option<Vec<String>> + Send + Sync;

impl Emitter {
    /// An emitter for `registry`, with node [`Event::DEFAULT_NODE`], the system clock, and
    /// [`EventId::generate`] ids; no account trees.
    pub fn new(registry: Arc<Registry>) -> Self {
        Emitter {
            registry,
            node: Event::DEFAULT_NODE.to_owned(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(EventId::generate),
            account_tree: None,
        }
    }

    /// Sets the node name events carry (`kazoo_apps@host`).
    pub fn with_node(mut self, node: impl Into<String>) -> Self {
        self.node = node.into();
        self
    }

    /// Sets where "now" comes from (any [`Clock`], such as a closure returning Gregorian seconds).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sets how event ids are made (anything that converts into an [`EventId`], such as a
    /// `String`).
    pub fn with_id_generator<I: Into<EventId>>(
        mut self,
        ids: impl Fn() -> I + Send + Sync + 'static,
    ) -> Self {
        self.ids = Arc::new(move || ids().into());
        self
    }

    /// Sets how an account's ancestors are found (root first, parent last; `None` when unknown).
    pub fn with_account_tree(
        mut self,
        resolve: impl Fn(&str) -> Option<Vec<String>> + Send + Sync + 'static,
    ) -> Self {
        self.account_tree = Some(Arc::new(resolve));
        self
    }

    /// The registry events go to.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Emits an event from `app` without an account: dispatches it and returns what the
    /// dispatch did, or `None` at once when nobody is interested in this severity and
    /// verbosity (then nothing is built and `body` is not called).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use kazoo_records::edr::{App, Binding, Emitter, Registry, Severity, Verbosity};
    ///
    /// let registry = Arc::new(Registry::new());
    /// registry.bind("warnings", [Binding::default().severity(Severity::Warning)], |e| {
    ///     assert_eq!((e.app_name(), e.account_id()), ("callflow", None));
    /// })?;
    /// let emitter = Emitter::new(registry);
    /// let callflow = App::new("callflow", "4.3.1");
    /// let report = emitter.emit(&callflow, Severity::Critical, Verbosity::Error, || {
    ///     serde_json::json!({"reason": "no route"})
    /// });
    /// assert_eq!(report.map(|r| r.delivered), Some(1));
    /// assert_eq!(emitter.emit(&callflow, Severity::Ok, Verbosity::Error, || unreachable!()), None);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn emit(
        &self,
        app: &App,
        severity: Severity,
        verbosity: Verbosity,
        body: impl FnOnce() -> Value,
    ) -> Option<DispatchReport> {
        self.emit_from(app.name(), app.version(), None, severity, verbosity, body)
    }

    /// Emits an event from `app` about `account_id`, with its account tree when a resolver is
    /// set ([`with_account_tree`](Self::with_account_tree)); otherwise as [`emit`](Self::emit):
    /// `None` at once, `body` not called, when nobody is interested.
    pub fn emit_for_account(
        &self,
        app: &App,
        account_id: &str,
        severity: Severity,
        verbosity: Verbosity,
        body: impl FnOnce() -> Value,
    ) -> Option<DispatchReport> {
        self.emit_from(
            app.name(),
            app.version(),
            Some(account_id),
            severity,
            verbosity,
            body,
        )
    }

    /// [`emit`](Self::emit) with the app's name and version given apart and the body built
    /// already. `None` when nobody was interested (nothing else built).
    pub fn event(
        &self,
        app_name: impl AsRef<str>,
        app_version: impl AsRef<str>,
        severity: Severity,
        verbosity: Verbosity,
        body: Value,
    ) -> Option<DispatchReport> {
        let (name, version) = (app_name.as_ref(), app_version.as_ref());
        self.emit_from(name, version, None, severity, verbosity, || body)
    }

    /// [`emit_for_account`](Self::emit_for_account) with the app's name and version given
    /// apart and the body built already. `None` when nobody was interested (nothing else
    /// built).
    pub fn event_for_account(
        &self,
        app_name: impl AsRef<str>,
        app_version: impl AsRef<str>,
        severity: Severity,
        verbosity: Verbosity,
        body: Value,
        account_id: impl AsRef<str>,
    ) -> Option<DispatchReport> {
        let (name, version, account) =
            (app_name.as_ref(), app_version.as_ref(), account_id.as_ref());
        self.emit_from(name, version, Some(account), severity, verbosity, || body)
    }

    /// The one emitting path: the interest check, then the event, then the dispatch.
    fn emit_from(
        &self,
        app_name: &str,
        app_version: &str,
        account_id: Option<&str>,
        severity: Severity,
        verbosity: Verbosity,
        body: impl FnOnce() -> Value,
    ) -> Option<DispatchReport> {
        if !self.registry.is_interested(severity, verbosity) {
            return None;
        }
        let account_tree = account_id
            .zip(self.account_tree.as_ref())
            .and_then(|(account, resolve)| resolve(account));
        let event = Event {
            id: (self.ids)(),
            account_id: account_id.map(str::to_owned),
            account_tree,
            app_name: app_name.to_owned(),
            app_version: app_version.to_owned(),
            body: body(),
            node: self.node.clone(),
            severity,
            verbosity,
            time: self.clock.now(),
        };
        Some(self.registry.dispatch(&event))
    }
}

impl fmt::Debug for Emitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emitter")
            .field("registry", &self.registry)
            .field("node", &self.node)
            .field("account_tree", &self.account_tree.is_some())
            .finish_non_exhaustive()
    }
}
