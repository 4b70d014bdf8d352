//! Host code never runs under a crate lock: callbacks, and the destructors of what callbacks
//! captured, may bind, unbind and dispatch on the registry that drops them, wherever the last
//! reference goes. And `unbind` sleeps, rather than spins, while it waits for a slow callback.
//!
//! Each test runs under a watchdog, so that a deadlock fails it instead of hanging.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier, Weak};
use std::thread;
use std::time::{Duration, Instant};

use kazoo_records::ErrorKind;
use kazoo_records::edr::{Binding, Event, Registry, Severity, Verbosity};
use serde_json::json;

const WATCHDOG: Duration = Duration::from_secs(30);

/// Runs `work` on its own thread; fails if it has not finished within [`WATCHDOG`].
fn with_watchdog(what: &str, work: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel::<()>();
    let worker = thread::spawn(move || {
        let _done = done;
        work();
    });
    match finished.recv_timeout(WATCHDOG) {
        Err(RecvTimeoutError::Timeout) => {
            panic!("watchdog: `{what}` has not finished: a deadlock in the registry")
        }
        _ => worker
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
    }
}

fn event(app: &str) -> Event {
    Event::new(app, "1", Severity::Ok, Verbosity::Info, json!({}))
}

/// What a callback captures: when dropped, it binds, dispatches and unbinds on the registry
/// that held it, and counts that it did.
struct Reenters {
    registry: Weak<Registry>,
    dropped: Arc<AtomicUsize>,
}

impl Drop for Reenters {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            let n = self.dropped.load(SeqCst);
            let id = registry
                .bind(
                    format!("from-drop-{n}-{:?}", thread::current().id()),
                    [Binding::default().app("from-drop")],
                    |_| {},
                )
                .expect("bind from a destructor");
            assert!(registry.dispatch(&event("from-drop")).delivered >= 1);
            assert!(registry.unbind(id));
        }
        self.dropped.fetch_add(1, SeqCst);
    }
}

fn reenters(registry: &Arc<Registry>, dropped: &Arc<AtomicUsize>) -> Reenters {
    Reenters {
        registry: Arc::downgrade(registry),
        dropped: Arc::clone(dropped),
    }
}

#[test]
fn a_top_level_unbind_drops_what_idle_threads_cached_with_no_lock_held() {
    with_watchdog("idle caches", || {
        let registry = Arc::new(Registry::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        let guard = reenters(&registry, &dropped);
        let id = registry
            .bind("holder", [Binding::default().app("a")], move |_| {
                let _ = &guard;
            })
            .unwrap();
        let (cached, finish) = (Arc::new(Barrier::new(3)), Arc::new(Barrier::new(3)));
        let idle: Vec<_> = (0..2)
            .map(|_| {
                let (r, c, f) = (
                    Arc::clone(&registry),
                    Arc::clone(&cached),
                    Arc::clone(&finish),
                );
                thread::spawn(move || {
                    assert_eq!(r.dispatch(&event("a")).delivered, 1);
                    c.wait();
                    f.wait();
                })
            })
            .collect();
        cached.wait();
        assert!(registry.unbind(id));
        assert_eq!(dropped.load(SeqCst), 1, "dropped before unbind returned");
        finish.wait();
        idle.into_iter().for_each(|t| t.join().unwrap());
    });
}

#[test]
fn the_last_snapshot_released_at_the_end_of_a_dispatch_drops_with_no_lock_held() {
    with_watchdog("end of a dispatch", || {
        let registry = Arc::new(Registry::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        let guard = reenters(&registry, &dropped);
        let victim = registry
            .bind("victim", [Binding::default().app("a")], move |_| {
                let _ = &guard;
            })
            .unwrap();
        // Unbinds the victim from inside a dispatch (no wait): this dispatch's snapshot is
        // then the last to hold it, and lets go of it when the dispatch ends.
        let weak = Arc::downgrade(&registry);
        registry
            .bind("unbinder", [Binding::default().app("a")], move |_| {
                if let Some(r) = weak.upgrade() {
                    r.unbind(victim);
                }
            })
            .unwrap();
        // Another thread holds a cached snapshot too, taken and dropped by the unbind.
        let r = Arc::clone(&registry);
        thread::spawn(move || r.dispatch(&event("b")))
            .join()
            .unwrap();
        let report = registry.dispatch(&event("a"));
        assert_eq!(report.delivered, 2);
        assert_eq!(dropped.load(SeqCst), 1);
        assert_eq!(registry.dispatch(&event("a")).delivered, 1);
    });
}

#[test]
fn an_unbind_waiting_for_a_busy_thread_drops_with_no_lock_held() {
    with_watchdog("busy thread", || {
        let registry = Arc::new(Registry::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        let guard = reenters(&registry, &dropped);
        let (entered, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let (e, l) = (Arc::clone(&entered), Arc::clone(&release));
        let id = registry
            .bind("busy", [Binding::default().app("busy")], move |_| {
                let _ = &guard;
                e.wait();
                l.wait();
                thread::sleep(Duration::from_millis(20));
            })
            .unwrap();
        let r = Arc::clone(&registry);
        let busy = thread::spawn(move || r.dispatch(&event("busy")).delivered);
        entered.wait();
        release.wait();
        assert!(registry.unbind(id));
        assert_eq!(dropped.load(SeqCst), 1, "dropped before unbind returned");
        assert_eq!(busy.join().unwrap(), 1);
    });
}

#[test]
fn a_refused_bind_drops_its_callback_with_no_lock_held() {
    with_watchdog("refused bind", || {
        let registry = Arc::new(Registry::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        registry
            .bind("taken", [Binding::default()], |_| {})
            .unwrap();
        let guard = reenters(&registry, &dropped);
        let err = registry
            .bind("taken", [Binding::default()], move |_| {
                let _ = &guard;
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Exists);
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn a_panic_payload_that_reenters_when_dropped_is_dropped_with_no_lock_held() {
    with_watchdog("panic payload", || {
        let registry = Arc::new(Registry::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        let (weak, d) = (Arc::downgrade(&registry), Arc::clone(&dropped));
        registry
            .bind("panics", [Binding::default().app("a")], move |_| {
                std::panic::panic_any(Reenters {
                    registry: Weak::clone(&weak),
                    dropped: Arc::clone(&d),
                })
            })
            .unwrap();
        let report = registry.dispatch(&event("a"));
        assert_eq!(report.panicked, 1);
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn threads_exiting_and_registries_dropping_release_their_snapshots() {
    with_watchdog("exits and drops", || {
        let registry = Arc::new(Registry::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        let guard = reenters(&registry, &dropped);
        let id = registry
            .bind("holder", [Binding::default()], move |_| {
                let _ = &guard;
            })
            .unwrap();
        for _ in 0..4 {
            let r = Arc::clone(&registry);
            thread::spawn(move || r.dispatch(&event("a")))
                .join()
                .unwrap();
        }
        // Binding forgets the exited threads' slots.
        registry
            .bind("later", [Binding::default()], |_| {})
            .unwrap();
        assert!(registry.unbind(id));
        assert_eq!(dropped.load(SeqCst), 1);
        // A registry dropped with subscriptions whose captures outlive it: nothing to re-enter.
        let other = Arc::new(Registry::new());
        let g = reenters(&other, &dropped);
        other
            .bind("x", [Binding::default()], move |_| {
                let _ = &g;
            })
            .unwrap();
        other.dispatch(&event("a"));
        drop(other);
        assert_eq!(dropped.load(SeqCst), 2);
    });
}

/// CPU time this thread has used (Linux: utime + stime in clock ticks).
#[cfg(target_os = "linux")]
fn thread_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("/proc/thread-self/stat");
    // Fields after the command name's closing parenthesis; utime and stime are 14th and 15th.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn unbind_sleeps_while_it_waits_for_a_slow_callback_and_returns_promptly_after() {
    with_watchdog("slow callback", || {
        let registry = Arc::new(Registry::new());
        let entered = Arc::new(Barrier::new(2));
        let finished = Arc::new(std::sync::Mutex::new(None::<Instant>));
        let (e, f) = (Arc::clone(&entered), Arc::clone(&finished));
        let id = registry
            .bind("slow", [Binding::default()], move |_| {
                e.wait();
                thread::sleep(Duration::from_millis(200));
                *f.lock().unwrap() = Some(Instant::now());
            })
            .unwrap();
        let r = Arc::clone(&registry);
        let slow = thread::spawn(move || r.dispatch(&event("a")).delivered);
        entered.wait();
        let start = Instant::now();
        #[cfg(target_os = "linux")]
        let cpu = thread_cpu_ticks();
        assert!(registry.unbind(id));
        let returned = Instant::now();
        #[cfg(target_os = "linux")]
        let cpu = thread_cpu_ticks() - cpu;
        let callback_done = finished
            .lock()
            .unwrap()
            .expect("unbind waited for the callback");
        assert!(
            returned - start >= Duration::from_millis(150),
            "unbind waited"
        );
        assert!(
            returned - callback_done < Duration::from_millis(100),
            "unbind returned {:?} after the callback",
            returned - callback_done
        );
        // A spinning wait would use about 20 ticks (of 10 ms) of CPU in 200 ms.
        #[cfg(target_os = "linux")]
        assert!(
            cpu <= 5,
            "unbind used {cpu} ticks of CPU while waiting: it spins"
        );
        assert_eq!(slow.join().unwrap(), 1);
    });
}

#[test]
fn a_guard_captured_by_a_callback_unbinds_its_subscription_with_no_lock_held() {
    with_watchdog("captured guard", || {
        let registry = Arc::new(Registry::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let sink = Arc::clone(&calls);
        let inner = registry
            .bind_guarded("inner", [Binding::default().app("b")], move |_| {
                sink.fetch_add(1, SeqCst);
            })
            .unwrap();
        // The outer callback owns the inner guard: when the registry lets go of the outer
        // callback, the guard's drop (host code) unbinds `inner` on the same registry.
        let outer = registry
            .bind("outer", [Binding::default().app("a")], move |_| {
                let _ = &inner;
            })
            .unwrap();
        // Cache the outer subscription on another thread too, so its release happens in
        // another thread's cache as well as this one's.
        let other = {
            let registry = Arc::clone(&registry);
            thread::spawn(move || assert_eq!(registry.dispatch(&event("a")).delivered, 1))
        };
        other.join().unwrap();
        assert_eq!(registry.dispatch(&event("a")).delivered, 1);
        assert_eq!(registry.dispatch(&event("b")).delivered, 1);
        assert!(registry.unbind(outer));
        assert!(
            registry.subscriptions().is_empty(),
            "the captured guard unbound `inner`"
        );
        assert_eq!(registry.dispatch(&event("b")).delivered, 0);
        assert_eq!(calls.load(SeqCst), 1);
    });
}
