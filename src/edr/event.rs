//! [`Event`]: one event detail record.

use serde_json::Value;

use super::event_id::EventId;
use super::level::{Severity, Verbosity};
use crate::error::{Error, show_str};
use crate::time::GregorianSeconds;

/// One event detail record (KAZOO's `#edr_event{}`).
///
/// `timestamp` (ISO 8601) and `gregorian_time` are one instant, held once as
/// [`GregorianSeconds`]: they cannot disagree.
///
/// ```
/// use kazoo_records::edr::{Event, Severity, Verbosity};
/// use kazoo_records::time::GregorianSeconds;
///
/// let event = Event::new("callflow", "4.3.1", Severity::Warning, Verbosity::Info, serde_json::json!({"k": 1}))
///     .with_account("abc")
///     .with_time(GregorianSeconds(63_595_733_389));
/// assert_eq!(event.timestamp(), "2015-04-08T17:29:49Z");
/// assert_eq!(event.routing_key()?, "edr.warning.info.abc.callflow");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub(super) id: EventId,
    pub(super) account_id: Option<String>,
    pub(super) account_tree: Option<Vec<String>>,
    pub(super) app_name: String,
    pub(super) app_version: String,
    pub(super) body: Value,
    pub(super) node: String,
    pub(super) severity: Severity,
    pub(super) verbosity: Verbosity,
    pub(super) time: GregorianSeconds,
}

impl Event {
    /// The node name an event carries until one is set (Erlang's name for a node started without
    /// a name).
    pub const DEFAULT_NODE: &str = "nonode@nohost";

    /// A new event with a fresh [`EventId`], the current time, node [`Event::DEFAULT_NODE`] and no account.
    ///
    /// The body is carried as given; KAZOO sends a JSON object.
    pub fn new(
        app_name: impl Into<String>,
        app_version: impl Into<String>,
        severity: Severity,
        verbosity: Verbosity,
        body: Value,
    ) -> Self {
        Event {
            id: EventId::generate(),
            account_id: None,
            account_tree: None,
            app_name: app_name.into(),
            app_version: app_version.into(),
            body,
            node: Event::DEFAULT_NODE.to_owned(),
            severity,
            verbosity,
            time: GregorianSeconds::now(),
        }
    }

    /// Sets the account the event is about.
    pub fn with_account(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Sets the account's ancestors: root first, parent last, the account itself not included.
    pub fn with_account_tree(mut self, account_tree: Vec<String>) -> Self {
        self.account_tree = Some(account_tree);
        self
    }

    /// Sets the id.
    pub fn with_id(mut self, id: impl Into<EventId>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the node that emitted the event.
    pub fn with_node(mut self, node: impl Into<String>) -> Self {
        self.node = node.into();
        self
    }

    /// Sets the instant (both `timestamp` and `gregorian_time`).
    pub fn with_time(mut self, time: GregorianSeconds) -> Self {
        self.time = time;
        self
    }

    /// The id.
    pub fn id(&self) -> &EventId {
        &self.id
    }

    /// The account the event is about, if any.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// The account's ancestors (root first, parent last), if known.
    pub fn account_tree(&self) -> Option<&[String]> {
        self.account_tree.as_deref()
    }

    /// The emitting application.
    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    /// The emitting application's version.
    pub fn app_version(&self) -> &str {
        &self.app_version
    }

    /// The body, as given.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The node that emitted the event.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The verbosity.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// The instant, in Gregorian seconds (`gregorian_time`).
    pub fn gregorian_time(&self) -> GregorianSeconds {
        self.time
    }

    /// The instant in ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ` (`timestamp`).
    pub fn timestamp(&self) -> String {
        self.time.iso8601()
    }

    /// The AMQP routing key KAZOO publishes this event with:
    /// `edr.<severity>.<verbosity>.<account>.<app>`, with `undefined` for no account.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) (path `app_name` or `account_id`) when the app name or account id
    /// holds `.`, `*` or `#`: such a key would route wrongly. [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) when the
    /// key is longer than [`topic::MAX_KEY_LEN`](super::topic::MAX_KEY_LEN) (255 bytes), which
    /// no broker accepts. Either way the event can still be dispatched in-process.
    ///
    /// ```
    /// use kazoo_records::edr::{Event, Severity, Verbosity};
    ///
    /// let event = Event::new("callflow", "4.3.1", Severity::Ok, Verbosity::Info, serde_json::json!({}));
    /// assert_eq!(event.routing_key()?, "edr.ok.info.undefined.callflow");
    /// assert!(event.with_account("a.b").routing_key().is_err());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn routing_key(&self) -> Result<String, Error> {
        let account = self.account_id.as_deref().unwrap_or("undefined");
        check_key_word(account, "an account id").map_err(|e| e.within("account_id"))?;
        check_key_word(&self.app_name, "an app name").map_err(|e| e.within("app_name"))?;
        let key = format!(
            "edr.{}.{}.{}.{}",
            self.severity, self.verbosity, account, self.app_name
        );
        if key.len() > super::topic::MAX_KEY_LEN {
            return Err(Error::out_of_range(
                show_str(&key),
                format!(
                    "a routing key of at most {} bytes (AMQP's limit), not {}",
                    super::topic::MAX_KEY_LEN,
                    key.len()
                ),
            ));
        }
        Ok(key)
    }
}

/// Refuses a word that would change the shape of a routing key.
fn check_key_word(word: &str, what: &str) -> Result<(), Error> {
    if super::topic::breaks_a_word(word) {
        return Err(Error::invalid(
            show_str(word),
            format!("usable in a routing key as {what}"),
            "a name without '.', '*' or '#'",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn routing_keys_stop_at_amqps_limit() {
        let event = |app: String| {
            Event::new(app, "1", Severity::Critical, Verbosity::Error, Value::Null)
                .with_account("7600efb3424dc4b79854521fd4563d0a")
        };
        // "edr.critical.error." (19) + account (32) + "." + app.
        assert_eq!(
            event("a".repeat(203)).routing_key().map(|k| k.len()),
            Ok(255)
        );
        let err = event("a".repeat(204)).routing_key().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfRange);
        assert!(err.to_string().contains("not 256"), "{err}");
        // A megabyte-long name is refused without echoing it whole.
        let err = event("a".repeat(1 << 20)).routing_key().unwrap_err();
        assert!(err.to_string().len() < 300, "{err}");
    }
}
