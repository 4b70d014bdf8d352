//! [`EventPublisherConfig`]: where an [`EventPublisher`](crate::EventPublisher) publishes, and
//! how it reconnects.

use std::time::Duration;

use crate::KAPPS_EXCHANGE;

/// Where and how an [`EventPublisher`](crate::EventPublisher) publishes. A builder: start from
/// [`new`](Self::new), change what differs from the defaults listed on each setter, and pass
/// it to [`EventPublisher::connect_with`](crate::EventPublisher::connect_with).
///
/// ```
/// use std::time::Duration;
///
/// use kazoo_records_amqp::EventPublisherConfig;
///
/// let config = EventPublisherConfig::new("amqp://guest:guest@127.0.0.1:5672/%2f")
///     .mandatory(true)
///     .max_failed_connects(Some(20));
/// assert_eq!(config.get_exchange(), "kapps");
/// assert_eq!(config.get_reconnect_max(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct EventPublisherConfig {
    url: String,
    exchange: String,
    reconnect_min: Duration,
    reconnect_max: Duration,
    max_failed_connects: Option<u32>,
    max_attempts: u32,
    mandatory: bool,
}

impl EventPublisherConfig {
    /// The defaults listed on each setter, for the broker at `url`
    /// (e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`).
    pub fn new(url: impl Into<String>) -> Self {
        EventPublisherConfig {
            url: url.into(),
            exchange: KAPPS_EXCHANGE.to_owned(),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            max_failed_connects: None,
            max_attempts: 10,
            mandatory: false,
        }
    }

    /// The topic exchange events go to: [`KAPPS_EXCHANGE`] (`kapps`).
    pub fn exchange(mut self, exchange: impl Into<String>) -> Self {
        self.exchange = exchange.into();
        self
    }

    /// The first wait before reconnecting after the connection was lost: 100 ms, doubled after
    /// each failed attempt up to [`reconnect_max`](Self::reconnect_max).
    pub fn reconnect_min(mut self, wait: Duration) -> Self {
        self.reconnect_min = wait;
        self
    }

    /// The longest wait between reconnection attempts: 5 s.
    pub fn reconnect_max(mut self, wait: Duration) -> Self {
        self.reconnect_max = wait;
        self
    }

    /// Consecutive failed connection attempts after which a publish waiting for the
    /// connection gives up with the last error (`None`: never; bound the wait with
    /// `tokio::time::timeout` instead): `None`.
    pub fn max_failed_connects(mut self, attempts: Option<u32>) -> Self {
        self.max_failed_connects = attempts;
        self
    }

    /// How many times one event is sent, each after the connection it was sent on died
    /// before the broker confirmed it, before the publish gives up: 10 (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Whether events are published `mandatory`: an event no queue is bound for is returned
    /// by the broker and the publish fails ([`Error::is_unroutable`](crate::Error::is_unroutable))
    /// instead of being confirmed and dropped. KAZOO publishes with `mandatory = false`
    /// (`kz_amqp_util:basic_publish/5`), and nobody listening to an EDR level is normal:
    /// `false`.
    pub fn mandatory(mut self, mandatory: bool) -> Self {
        self.mandatory = mandatory;
        self
    }

    /// The broker's URL.
    pub fn get_url(&self) -> &str {
        &self.url
    }

    /// The exchange events go to.
    pub fn get_exchange(&self) -> &str {
        &self.exchange
    }

    /// The first wait before reconnecting.
    pub fn get_reconnect_min(&self) -> Duration {
        self.reconnect_min
    }

    /// The longest wait between reconnection attempts.
    pub fn get_reconnect_max(&self) -> Duration {
        self.reconnect_max
    }

    /// Consecutive failed connection attempts before a publish gives up (`None`: never).
    pub fn get_max_failed_connects(&self) -> Option<u32> {
        self.max_failed_connects
    }

    /// How many times one event is sent before the publish gives up.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether events are published `mandatory`.
    pub fn get_mandatory(&self) -> bool {
        self.mandatory
    }
}
