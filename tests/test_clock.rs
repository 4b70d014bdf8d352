//! `Clock`: the system clock, and clocks a host or a test injects.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use kazoo_records::time::{Clock, GregorianSeconds, SystemClock};

#[test]
fn the_system_clock_reads_the_current_time() {
    let before = GregorianSeconds::now();
    let now = SystemClock.now();
    let after = GregorianSeconds::now();
    assert!(before <= now && now <= after);
    // Later than the vectors' 2015 instant and earlier than year 3000.
    assert!(now > GregorianSeconds(63_595_733_389) && now < GregorianSeconds(94_670_856_000));
}

#[test]
fn a_closure_is_a_clock() {
    let fixed = || GregorianSeconds(63_595_733_389);
    assert_eq!(Clock::now(&fixed), GregorianSeconds(63_595_733_389));
}

#[test]
fn a_stepping_clock_shared_between_threads() {
    let ticks = Arc::new(AtomicI64::new(100));
    let source = Arc::clone(&ticks);
    let clock: Arc<dyn Clock> =
        Arc::new(move || GregorianSeconds(source.fetch_add(1, Ordering::Relaxed)));
    let worker = {
        let clock = Arc::clone(&clock);
        std::thread::spawn(move || clock.now())
    };
    let here = clock.now();
    let there = worker.join().unwrap();
    assert_ne!(here, there);
    assert_eq!(ticks.load(Ordering::Relaxed), 102);
    assert_eq!(here.0 + there.0, 100 + 101);
}

#[test]
fn clocks_are_usable_as_trait_objects() {
    fn latest(clocks: &[Box<dyn Clock>]) -> GregorianSeconds {
        clocks.iter().map(|c| c.now()).max().unwrap_or_default()
    }
    let clocks: Vec<Box<dyn Clock>> = vec![
        Box::new(SystemClock),
        Box::new(|| GregorianSeconds(i64::MAX)),
    ];
    assert_eq!(latest(&clocks), GregorianSeconds(i64::MAX));
    fn assert_traits<T: Send + Sync + Copy + Default + std::fmt::Debug>() {}
    assert_traits::<SystemClock>();
}
