//! [`Binding`]: what a subscriber wants to receive, and the routing keys that say it to a broker.

use std::collections::HashSet;

use super::body_filter::BodyFilter;
use super::event::Event;
use super::level::{Level, Severity, Verbosity};
use crate::error::{Error, show_str};

/// A subscriber's filter over events: accounts, apps, severities and verbosities (KAZOO's
/// `#edr_binding{}`), and optionally a [`BodyFilter`] over the event's body.
///
/// The defaults are KAZOO's: any account, without descendants, any app, severity `ok` and
/// above, verbosity `info` and above.
///
/// Two readings of the same binding agree:
/// - [`keys`](Binding::keys) gives the AMQP routing keys a broker queue is bound with, in
///   KAZOO's order, and
/// - [`matches`](Binding::matches) decides in-process delivery: for a binding without
///   `include_descendants`, it is true exactly when one of the keys matches the event's
///   [`routing_key`](Event::routing_key) as a topic pattern.
///
/// Where this crate differs from KAZOO:
/// - `include_descendants` delivers events of each listed account **and** of its descendants
///   (an event whose `account_tree` holds a listed account); with any account (`*`) it changes
///   nothing. KAZOO only delivers strict descendants, and never with `*` or a list.
/// - An event without an account is delivered to bindings whose account is `*` (KAZOO crashes).
/// - Names holding `.`, `*` or `#` (which would silently corrupt routing keys), empty names,
///   empty lists, and the account id `undefined` (the key word for "no account") are refused by
///   [`validate`](Binding::validate) and when reading JSON.
/// - A binding may carry a [`BodyFilter`] ([`body`](Binding::body); `"body"` in JSON), the
///   predicate over the body KAZOO's `edr.hrl` promises. A broker cannot filter on a body, so
///   it leaves [`keys`](Binding::keys) unchanged and [`matches`](Binding::matches) (and so a
///   registry's dispatch, on the consumer's side) applies it in-process.
///
/// In KAZOO's JSON, one binding is an object that serde reads and writes
/// (`serde_json::from_value::<Binding>`, `serde_json::to_value(&binding)`); a list of them is
/// [`bindings_from_json`](super::bindings_from_json) and
/// [`bindings_to_json`](super::bindings_to_json), whose errors name the path.
///
/// ```
/// use kazoo_records::edr::{Binding, Event, Severity, Verbosity};
///
/// let binding = Binding::default()
///     .account("abc")
///     .app("callflow")
///     .severity(Severity::Warning)
///     .verbosity(Verbosity::Error);
/// binding.validate()?;
/// assert_eq!(
///     binding.keys(),
///     [
///         "edr.warning.error.abc.callflow",
///         "edr.warning.fatal.abc.callflow",
///         "edr.critical.error.abc.callflow",
///         "edr.critical.fatal.abc.callflow",
///     ]
/// );
///
/// let event = Event::new("callflow", "4.3.1", Severity::Critical, Verbosity::Fatal, serde_json::json!({}))
///     .with_account("abc");
/// assert!(binding.matches(&event));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    pub(super) account_id: Names,
    pub(super) include_descendants: bool,
    pub(super) app_name: Names,
    pub(super) severity: Levels<Severity>,
    pub(super) exact_severity: bool,
    pub(super) verbosity: Levels<Verbosity>,
    pub(super) exact_verbosity: bool,
    pub(super) body: Option<BodyFilter>,
}

/// The account ids or app names a [`Binding`] selects (what [`Binding::get_accounts`] and
/// [`Binding::get_apps`] return).
///
/// Not exhaustive: match it with a `_` arm, or ask [`is_any`](Names::is_any),
/// [`matches`](Names::matches) and [`as_slice`](Names::as_slice).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Names {
    /// Any name (`"*"` in KAZOO's JSON and in routing keys).
    Any,
    /// One name (a JSON string).
    One(String),
    /// Several names (a JSON array), in order. A `"*"` entry matches any name.
    List(Vec<String>),
}

/// The severities or verbosities a [`Binding`] selects.
///
/// A single level means "this level and every more significant one", or "exactly this level"
/// when the binding's `exact_…` flag is set. A list means exactly the listed levels (the exact
/// flag is ignored), as in KAZOO. [`Binding::get_severities`] and [`Binding::get_verbosities`]
/// return it as written; [`Binding::selected_severities`] and
/// [`Binding::selected_verbosities`] give what it selects.
///
/// Not exhaustive: match it with a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Levels<L> {
    /// One level (a JSON string).
    One(L),
    /// Several levels (a JSON array), in order.
    List(Vec<L>),
}

impl Default for Binding {
    /// KAZOO's defaults: any account, no descendants, any app, `ok` and above, `info` and above.
    fn default() -> Self {
        Binding {
            account_id: Names::Any,
            include_descendants: false,
            app_name: Names::Any,
            severity: Levels::One(Severity::Ok),
            exact_severity: false,
            verbosity: Levels::One(Verbosity::Info),
            exact_verbosity: false,
            body: None,
        }
    }
}

impl Binding {
    /// The most (account id, app name) pairs one [`Binding`] may select: the number of its
    /// distinct account ids times the number of its distinct app names (a wildcard counts one).
    ///
    /// A binding is filed once per pair in a [`Registry`](super::Registry) (twice with
    /// `include_descendants`) and gives up to 18 routing keys per pair, so the product bounds
    /// what one binding can cost. A subscriber that
    /// needs more pairs binds several bindings in one subscription.
    pub const MAX_NAME_PAIRS: usize = 10_000;

    /// Selects one account id; `"*"` selects any account.
    pub fn account(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Names::one(account_id.into());
        self
    }

    /// Selects a list of account ids, in order (a `"*"` entry selects any account).
    pub fn accounts<I, S>(mut self, account_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.account_id = Names::List(account_ids.into_iter().map(Into::into).collect());
        self
    }

    /// Selects any account (the default).
    pub fn any_account(mut self) -> Self {
        self.account_id = Names::Any;
        self
    }

    /// Also selects the descendants of the selected accounts (events whose account tree holds one).
    pub fn include_descendants(mut self, include: bool) -> Self {
        self.include_descendants = include;
        self
    }

    /// Selects one app name; `"*"` selects any app.
    pub fn app(mut self, app_name: impl Into<String>) -> Self {
        self.app_name = Names::one(app_name.into());
        self
    }

    /// Selects a list of app names, in order (a `"*"` entry selects any app).
    pub fn apps<I, S>(mut self, app_names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.app_name = Names::List(app_names.into_iter().map(Into::into).collect());
        self
    }

    /// Selects any app (the default).
    pub fn any_app(mut self) -> Self {
        self.app_name = Names::Any;
        self
    }

    /// Selects this severity and every more significant one (or only it, with
    /// [`exact_severity`](Self::exact_severity)).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Levels::One(severity);
        self
    }

    /// Selects exactly these severities.
    pub fn severities(mut self, severities: impl IntoIterator<Item = Severity>) -> Self {
        self.severity = Levels::List(severities.into_iter().collect());
        self
    }

    /// Whether a single severity means only that severity.
    pub fn exact_severity(mut self, exact: bool) -> Self {
        self.exact_severity = exact;
        self
    }

    /// Selects this verbosity and every more significant one (or only it, with
    /// [`exact_verbosity`](Self::exact_verbosity)).
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = Levels::One(verbosity);
        self
    }

    /// Selects exactly these verbosities.
    pub fn verbosities(mut self, verbosities: impl IntoIterator<Item = Verbosity>) -> Self {
        self.verbosity = Levels::List(verbosities.into_iter().collect());
        self
    }

    /// Whether a single verbosity means only that verbosity.
    pub fn exact_verbosity(mut self, exact: bool) -> Self {
        self.exact_verbosity = exact;
        self
    }

    /// Selects only events whose body `filter` [matches](BodyFilter::matches) (routing keys
    /// are unchanged: a broker cannot look into bodies, so the filter applies in-process).
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, BodyFilter, Event, Severity, Verbosity};
    /// use serde_json::json;
    ///
    /// let binding = Binding::default().body(BodyFilter::from_json(&json!({"/status": ["ready", "paused"]}))?);
    /// assert_eq!(binding.keys(), Binding::default().keys());
    /// let event = |status| Event::new("acdc", "4.3", Severity::Ok, Verbosity::Info, json!({ "status": status }));
    /// assert!(binding.matches(&event("paused")));
    /// assert!(!binding.matches(&event("busy")));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn body(mut self, filter: BodyFilter) -> Self {
        self.body = Some(filter);
        self
    }

    /// Selects any body (the default): removes a [`body`](Self::body) filter.
    pub fn any_body(mut self) -> Self {
        self.body = None;
        self
    }

    /// The body filter, as set by [`body`](Self::body); `None` selects any body.
    pub fn get_body(&self) -> Option<&BodyFilter> {
        self.body.as_ref()
    }

    /// The selected account ids, as set by [`account`](Self::account),
    /// [`accounts`](Self::accounts) or [`any_account`](Self::any_account).
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Names};
    ///
    /// assert_eq!(Binding::default().get_accounts(), &Names::Any);
    /// let binding = Binding::default().accounts(["abc", "def"]);
    /// assert_eq!(binding.get_accounts().as_slice(), ["abc", "def"]);
    /// ```
    pub fn get_accounts(&self) -> &Names {
        &self.account_id
    }

    /// Whether descendants of the selected accounts are selected too, as set by
    /// [`include_descendants`](Self::include_descendants).
    pub fn get_include_descendants(&self) -> bool {
        self.include_descendants
    }

    /// The selected app names, as set by [`app`](Self::app), [`apps`](Self::apps) or
    /// [`any_app`](Self::any_app).
    pub fn get_apps(&self) -> &Names {
        &self.app_name
    }

    /// The severity selection as written, set by [`severity`](Self::severity) or
    /// [`severities`](Self::severities); [`selected_severities`](Self::selected_severities)
    /// gives what it selects.
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Levels, Severity};
    ///
    /// let binding = Binding::default().severity(Severity::Warning);
    /// assert_eq!(binding.get_severities(), &Levels::One(Severity::Warning));
    /// assert!(!binding.get_exact_severity());
    /// assert_eq!(
    ///     binding.selected_severities().collect::<Vec<_>>(),
    ///     [Severity::Warning, Severity::Critical]
    /// );
    /// ```
    pub fn get_severities(&self) -> &Levels<Severity> {
        &self.severity
    }

    /// Whether a single severity means only that severity, as set by
    /// [`exact_severity`](Self::exact_severity).
    pub fn get_exact_severity(&self) -> bool {
        self.exact_severity
    }

    /// The verbosity selection as written, set by [`verbosity`](Self::verbosity) or
    /// [`verbosities`](Self::verbosities); [`selected_verbosities`](Self::selected_verbosities)
    /// gives what it selects.
    pub fn get_verbosities(&self) -> &Levels<Verbosity> {
        &self.verbosity
    }

    /// Whether a single verbosity means only that verbosity, as set by
    /// [`exact_verbosity`](Self::exact_verbosity).
    pub fn get_exact_verbosity(&self) -> bool {
        self.exact_verbosity
    }

    /// Every severity this binding selects, least significant first.
    pub fn selected_severities(&self) -> impl Iterator<Item = Severity> + '_ {
        let mask = self.severity_mask();
        Severity::ALL
            .into_iter()
            .filter(move |s| mask & (1 << s.index()) != 0)
    }

    /// Every verbosity this binding selects, least significant first.
    pub fn selected_verbosities(&self) -> impl Iterator<Item = Verbosity> + '_ {
        let mask = self.verbosity_mask();
        Verbosity::ALL
            .into_iter()
            .filter(move |v| mask & (1 << v.index()) != 0)
    }

    /// Checks that every name can stand in a routing key, every list is non-empty, and the
    /// binding's size is bounded.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the field (`account_id[1]`, `app_name`, `severity`) and the
    /// value: a name that is empty or holds `.`, `*` or `#` (a lone `"*"` is the wildcard), the
    /// account id `undefined`, or an empty list. [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) naming the field when
    /// a name is so long that a routing key would exceed
    /// [`topic::MAX_KEY_LEN`](super::topic::MAX_KEY_LEN) (255 bytes), or when the binding
    /// selects more than [`Binding::MAX_NAME_PAIRS`] (account id, app name) pairs.
    ///
    /// ```
    /// use kazoo_records::edr::Binding;
    ///
    /// let err = Binding::default().apps(["crossbar", "call.flow"]).validate().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"app_name[1]: "call.flow" is not an app name; expected a non-empty name without '.', '*' or '#', or "*" alone"#
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        self.account_id
            .validate(NameKind::Account)
            .map_err(|e| e.within("account_id"))?;
        self.app_name
            .validate(NameKind::App)
            .map_err(|e| e.within("app_name"))?;
        validate_levels(&self.severity, "a severity").map_err(|e| e.within("severity"))?;
        validate_levels(&self.verbosity, "a verbosity").map_err(|e| e.within("verbosity"))?;
        self.check_pairs()?;
        self.check_key_length()
    }

    /// The AMQP routing keys (`edr.<severity>.<verbosity>.<account>.<app>`) a broker queue
    /// should be bound with to receive what this binding selects.
    ///
    /// KAZOO's order: severities outermost, then verbosities, accounts, apps, each in the order
    /// written (single levels expand least significant first). Exact duplicates are removed, the
    /// first kept. A binding with `include_descendants` is keyed with account `*`: descendants
    /// cannot be told apart by a key, so they are filtered in-process by
    /// [`matches`](Self::matches).
    ///
    /// The keys are only meaningful for a binding that [`validate`](Self::validate)s.
    pub fn keys(&self) -> Vec<String> {
        let severities = expand(&self.severity, self.exact_severity);
        let verbosities = expand(&self.verbosity, self.exact_verbosity);
        let accounts = if self.include_descendants {
            vec!["*"]
        } else {
            self.account_id.key_words()
        };
        let apps = self.app_name.key_words();

        let capacity = severities.len() * verbosities.len() * accounts.len() * apps.len();
        let mut keys = Vec::with_capacity(capacity);
        let mut seen: HashSet<String> = HashSet::with_capacity(capacity);
        for severity in &severities {
            for verbosity in &verbosities {
                for account in &accounts {
                    for app in &apps {
                        let key = format!("edr.{severity}.{verbosity}.{account}.{app}");
                        if seen.insert(key.clone()) {
                            keys.push(key);
                        }
                    }
                }
            }
        }
        keys
    }

    /// Whether this binding selects `event` (in-process delivery), its [body
    /// filter](Self::body) included.
    ///
    /// ```
    /// use kazoo_records::edr::{Binding, Event, Severity, Verbosity};
    ///
    /// let binding = Binding::default().account("reseller").include_descendants(true);
    /// let event = Event::new("crossbar", "4.3", Severity::Ok, Verbosity::Info, serde_json::json!({}))
    ///     .with_account("customer")
    ///     .with_account_tree(vec!["root".into(), "reseller".into()]);
    /// assert!(binding.matches(&event));
    /// ```
    pub fn matches(&self, event: &Event) -> bool {
        self.severity_mask() & (1 << event.severity().index()) != 0
            && self.verbosity_mask() & (1 << event.verbosity().index()) != 0
            && self.app_name.matches(event.app_name())
            && self.matches_account(event.account_id(), event.account_tree())
            && self.body.as_ref().is_none_or(|f| f.matches(event.body()))
    }

    /// The selected severities as a bit set (bit `i` = `Severity::ALL[i]`).
    pub(crate) fn severity_mask(&self) -> u8 {
        mask(&self.severity, self.exact_severity)
    }

    /// The selected verbosities as a bit set (bit `i` = `Verbosity::ALL[i]`).
    pub(crate) fn verbosity_mask(&self) -> u8 {
        mask(&self.verbosity, self.exact_verbosity)
    }

    /// The account part of [`matches`](Self::matches).
    pub(crate) fn matches_account(&self, account: Option<&str>, tree: Option<&[String]>) -> bool {
        if self.account_id.is_any() {
            return true;
        }
        let Some(account) = account else {
            return false;
        };
        self.account_id.matches(account)
            || (self.include_descendants
                && tree.is_some_and(|tree| tree.iter().any(|a| self.account_id.matches(a))))
    }

    /// Refuses more than [`Binding::MAX_NAME_PAIRS`] (account id, app name) pairs.
    fn check_pairs(&self) -> Result<(), Error> {
        let accounts = self.account_id.distinct_count();
        let apps = self.app_name.distinct_count();
        if accounts.saturating_mul(apps) <= Binding::MAX_NAME_PAIRS {
            return Ok(());
        }
        let field = if apps > accounts {
            "app_name"
        } else {
            "account_id"
        };
        Err(Error::out_of_range(
            format!("{accounts} account ids × {apps} app names"),
            format!(
                "at most {} (account id, app name) pairs per binding",
                Binding::MAX_NAME_PAIRS
            ),
        )
        .within(field))
    }

    /// Refuses names that make the longest routing key exceed AMQP's limit, blaming the
    /// longer of the longest account id and the longest app name.
    fn check_key_length(&self) -> Result<(), Error> {
        let fixed = "edr....".len()
            + self
                .selected_severities()
                .map(|s| s.as_str().len())
                .max()
                .unwrap_or(0)
            + self
                .selected_verbosities()
                .map(|v| v.as_str().len())
                .max()
                .unwrap_or(0);
        let account = if self.include_descendants {
            None
        } else {
            self.account_id.longest()
        };
        let app = self.app_name.longest();
        let length = |name: Option<(Option<usize>, &str)>| name.map_or(1, |(_, n)| n.len());
        if fixed + length(account) + length(app) <= super::topic::MAX_KEY_LEN {
            return Ok(());
        }
        let (field, (index, name), other) = if length(app) >= length(account) {
            ("app_name", app.unwrap_or((None, "")), length(account))
        } else {
            ("account_id", account.unwrap_or((None, "")), length(app))
        };
        let room = super::topic::MAX_KEY_LEN.saturating_sub(fixed + other);
        let error = Error::out_of_range(
            show_str(name),
            format!(
                "at most {room} bytes, so that routing keys fit in {} bytes (AMQP's limit); it has {}",
                super::topic::MAX_KEY_LEN,
                name.len()
            ),
        );
        Err(match index {
            Some(i) => error.within_index(i).within(field),
            None => error.within(field),
        })
    }
}

impl Names {
    /// The selection a single name stands for: `"*"` is [`Names::Any`].
    pub fn one(name: String) -> Self {
        if name == "*" {
            Names::Any
        } else {
            Names::One(name)
        }
    }

    /// Whether this selects any name (`Any`, or a list holding `"*"`).
    pub fn is_any(&self) -> bool {
        match self {
            Names::Any => true,
            Names::One(_) => false,
            Names::List(names) => names.iter().any(|n| n == "*"),
        }
    }

    /// Whether `name` is selected.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Names::Any => true,
            Names::One(one) => one == name,
            Names::List(names) => names.iter().any(|n| n == "*" || n == name),
        }
    }

    /// The names as written (empty for [`Names::Any`]).
    pub fn as_slice(&self) -> &[String] {
        match self {
            Names::Any => &[],
            Names::One(one) => std::slice::from_ref(one),
            Names::List(names) => names,
        }
    }

    /// The names as written, each once (the first occurrence kept), in linear time.
    pub(crate) fn distinct(&self) -> impl Iterator<Item = &str> {
        let mut seen = HashSet::new();
        self.as_slice()
            .iter()
            .map(String::as_str)
            .filter(move |name| seen.insert(*name))
    }

    /// How many distinct names this selection is filed under in a registry: 1 for any.
    fn distinct_count(&self) -> usize {
        if self.is_any() {
            1
        } else {
            self.distinct().count()
        }
    }

    /// The longest name (with its list index) as it stands in a key; `None` for any.
    fn longest(&self) -> Option<(Option<usize>, &str)> {
        match self {
            Names::Any => None,
            Names::One(one) => Some((None, one)),
            Names::List(names) => names
                .iter()
                .enumerate()
                .max_by_key(|(i, n)| (n.len(), std::cmp::Reverse(*i)))
                .map(|(i, n)| (Some(i), n.as_str())),
        }
    }

    /// The routing-key words for this selection: `*` for any, else the names as written.
    fn key_words(&self) -> Vec<&str> {
        match self {
            Names::Any => vec!["*"],
            _ => self.as_slice().iter().map(String::as_str).collect(),
        }
    }

    pub(crate) fn validate(&self, kind: NameKind) -> Result<(), Error> {
        match self {
            Names::Any => Ok(()),
            Names::One(name) => check_name(name, kind),
            Names::List(names) if names.is_empty() => Err(Error::invalid(
                "[]",
                kind.what(),
                "a name or a non-empty list of names",
            )),
            Names::List(names) => names.iter().enumerate().try_for_each(|(i, name)| {
                if name == "*" {
                    Ok(())
                } else {
                    check_name(name, kind).map_err(|e| e.within_index(i))
                }
            }),
        }
    }
}

// The level helpers are free functions rather than methods of `Levels<L>`: their bound is the
// crate-private `Level`, which must not appear on an impl of a public type.

/// The levels selected, in key order: a single level expands to it and every more significant
/// one (unless `exact`), a list is taken as written.
fn expand<L: Level>(levels: &Levels<L>, exact: bool) -> Vec<L> {
    match levels {
        Levels::One(level) if exact => vec![*level],
        Levels::One(level) => L::ALL[level.index()..].to_vec(),
        Levels::List(levels) => levels.clone(),
    }
}

/// The selected levels as a bit set (bit `i` = `L::ALL[i]`).
fn mask<L: Level>(levels: &Levels<L>, exact: bool) -> u8 {
    let all_bits = ((1u16 << L::ALL.len()) - 1) as u8;
    match levels {
        Levels::One(level) if exact => 1 << level.index(),
        Levels::One(level) => all_bits & !((1u8 << level.index()) - 1),
        Levels::List(levels) => levels.iter().fold(0, |m, l| m | 1 << l.index()),
    }
}

/// Refuses an empty list of levels.
fn validate_levels<L>(levels: &Levels<L>, what: &str) -> Result<(), Error> {
    match levels {
        Levels::List(levels) if levels.is_empty() => Err(Error::invalid(
            "[]",
            what,
            "a level or a non-empty list of levels",
        )),
        _ => Ok(()),
    }
}

/// Which kind of name a [`Names`] holds, for validation and messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameKind {
    Account,
    App,
}

impl NameKind {
    pub(crate) fn what(self) -> &'static str {
        match self {
            NameKind::Account => "an account id",
            NameKind::App => "an app name",
        }
    }
}

/// Refuses names that cannot stand as one routing-key word.
fn check_name(name: &str, kind: NameKind) -> Result<(), Error> {
    let bad_word = name.is_empty() || super::topic::breaks_a_word(name);
    if bad_word {
        return Err(Error::invalid(
            show_str(name),
            kind.what(),
            "a non-empty name without '.', '*' or '#', or \"*\" alone",
        ));
    }
    if matches!(kind, NameKind::Account) && name == "undefined" {
        return Err(Error::invalid(
            show_str(name),
            kind.what(),
            "an account id other than \"undefined\", the routing-key word for events without an account",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn masks_follow_kazoo_level_rules() {
        let b = Binding::default().severity(Severity::Warning);
        assert_eq!(b.severity_mask(), 0b110);
        let b = b.exact_severity(true);
        assert_eq!(b.severity_mask(), 0b010);
        let b = b.severities([Severity::Critical, Severity::Ok]);
        assert_eq!(b.severity_mask(), 0b101);
        let b = Binding::default().verbosity(Verbosity::Trace);
        assert_eq!(b.verbosity_mask(), 0b11_1111);
        let b = Binding::default().verbosity(Verbosity::Fatal);
        assert_eq!(b.verbosity_mask(), 0b10_0000);
    }

    #[test]
    fn a_lone_star_is_any() {
        assert_eq!(Binding::default().account("*"), Binding::default());
        assert_eq!(Binding::default().app("*").get_apps(), &Names::Any);
    }

    #[test]
    fn the_longest_key_may_be_exactly_amqps_limit() {
        let account = "7600efb3424dc4b79854521fd4563d0a";
        // "edr." + "critical." + "error." (or "fatal.") + account + "." + app = 20 + 32 + app.
        let fits = Binding::default().account(account).app("a".repeat(203));
        assert_eq!(fits.validate(), Ok(()));
        assert_eq!(fits.keys().iter().map(String::len).max(), Some(255));

        let err = Binding::default()
            .account(account)
            .app("a".repeat(204))
            .validate()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        assert_eq!(err.path(), "app_name");
        assert!(err.to_string().contains("at most 203 bytes"), "{err}");

        // Exact levels leave more room; descendants are keyed with `*`.
        let exact = Binding::default()
            .account(account)
            .app("a".repeat(210))
            .severity(Severity::Ok)
            .exact_severity(true)
            .verbosity(Verbosity::Info)
            .exact_verbosity(true);
        assert_eq!(exact.keys()[0].len(), 255);
        assert_eq!(exact.validate(), Ok(()));
        assert!(exact.app("a".repeat(211)).validate().is_err());
        let long_account = Binding::default()
            .accounts(["a", &"b".repeat(300)])
            .include_descendants(true);
        assert_eq!(long_account.validate(), Ok(()));
        let err = long_account
            .include_descendants(false)
            .validate()
            .unwrap_err();
        assert_eq!(err.path(), "account_id[1]");
    }

    #[test]
    fn name_pairs_are_bounded() {
        let accounts: Vec<String> = (0..Binding::MAX_NAME_PAIRS)
            .map(|i| format!("a{i}"))
            .collect();
        assert_eq!(
            Binding::default().accounts(accounts.clone()).validate(),
            Ok(())
        );
        // Repeated names are filed once, so they do not count twice.
        let twice = accounts.iter().chain(&accounts).cloned();
        assert_eq!(Binding::default().accounts(twice).validate(), Ok(()));

        let err = Binding::default()
            .accounts(accounts.iter().take(101).cloned())
            .apps((0..100).map(|i| format!("app{i}")))
            .validate()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        assert_eq!(err.path(), "account_id");
        assert!(
            err.to_string().contains("101 account ids × 100 app names"),
            "{err}"
        );
    }
}
