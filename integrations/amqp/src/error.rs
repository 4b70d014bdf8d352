//! [`Error`]: what went wrong talking to the broker, and during which step.

use std::fmt;
use std::time::Duration;

/// A broker operation that failed or timed out, naming the step (`"declare the queue
/// kazoo.cdr"`) and the broker's own message.
#[derive(Debug)]
pub struct Error {
    step: String,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Broker(lapin::Error),
    Timeout(Duration),
    Other(String),
    Malformed(String),
    Unroutable(String),
}

impl Error {
    pub(crate) fn broker(step: impl Into<String>, error: lapin::Error) -> Self {
        Error {
            step: step.into(),
            cause: Cause::Broker(error),
        }
    }

    pub(crate) fn timeout(step: impl Into<String>, after: Duration) -> Self {
        Error {
            step: step.into(),
            cause: Cause::Timeout(after),
        }
    }

    pub(crate) fn other(step: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            step: step.into(),
            cause: Cause::Other(message.into()),
        }
    }

    pub(crate) fn malformed(step: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            step: step.into(),
            cause: Cause::Malformed(message.into()),
        }
    }

    pub(crate) fn unroutable(step: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            step: step.into(),
            cause: Cause::Unroutable(message.into()),
        }
    }

    /// Whether the broker returned a `mandatory` message because no queue is bound for its
    /// routing key (see [`EventPublisherConfig::mandatory`](crate::EventPublisherConfig::mandatory)):
    /// it was not stored, and publishing it again once a queue is bound is safe.
    pub fn is_unroutable(&self) -> bool {
        matches!(self.cause, Cause::Unroutable(_))
    }

    /// Whether a delivered message was not what was expected (it was rejected); the
    /// connection is fine and consuming may go on.
    pub fn is_malformed(&self) -> bool {
        matches!(self.cause, Cause::Malformed(_))
    }

    /// The step that failed, e.g. `"connect to amqp://127.0.0.1:5672/%2f"`.
    pub fn step(&self) -> &str {
        &self.step
    }

    /// Whether the broker did not answer in time (rather than answering with an error).
    pub fn is_timeout(&self) -> bool {
        matches!(self.cause, Cause::Timeout(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Broker(e) => write!(f, "{}: {e}", self.step),
            Cause::Timeout(after) => {
                write!(f, "{}: no answer from the broker in {after:?}", self.step)
            }
            Cause::Other(message) | Cause::Malformed(message) | Cause::Unroutable(message) => {
                write!(f, "{}: {message}", self.step)
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Broker(e) => Some(e),
            _ => None,
        }
    }
}
