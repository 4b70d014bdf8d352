//! [`Clock`]: where "now" comes from.

use super::GregorianSeconds;

/// A source of the current time, so that hosts and tests can inject one.
///
/// [`SystemClock`] reads the system clock; any `Fn() -> GregorianSeconds + Send + Sync`
/// closure is a clock too.
///
/// ```
/// use kazoo_records::time::{Clock, GregorianSeconds, SystemClock};
///
/// let fixed = || GregorianSeconds(63_595_733_389);
/// assert_eq!(fixed.now(), GregorianSeconds(63_595_733_389));
///
/// let clocks: [&dyn Clock; 2] = [&SystemClock, &fixed];
/// assert!(clocks[0].now() > GregorianSeconds(63_595_733_389));
/// ```
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> GregorianSeconds;
}

/// The system's real-time clock ([`GregorianSeconds::now`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> GregorianSeconds {
        GregorianSeconds::now()
    }
}

impl<F: Fn() -> GregorianSeconds + Send + Sync> Clock for F {
    fn now(&self) -> GregorianSeconds {
        self()
    }
}
