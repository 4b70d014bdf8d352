//! `edr::Registry` and `edr::Emitter` under concurrency, as a user drives them: exact delivery
//! while other threads bind, unbind and panic; callbacks that re-enter the registry on several
//! threads at once; panics inside nested dispatches.
//!
//! Every test does a fixed amount of work (no wall-clock loops) from deterministic per-thread
//! seeds (`STRESS_SEED=<u64>` picks another base seed), and runs under a watchdog that fails it
//! with a message instead of hanging when the work has not finished within [`WATCHDOG`].

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier, Mutex, Once, OnceLock};
use std::thread;
use std::time::Duration;

use kazoo_records::ErrorKind;
use kazoo_records::edr::{
    App, Binding, DispatchReport, Emitter, Event, Registry, Severity, SubscriptionId, Verbosity,
};
use proptest::prelude::Rng as _;
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Harness: watchdog, expected panics, seeds, a shared clock, violations.

/// How long a test's work may take before the watchdog fails it.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `work` on its own thread and fails the test if it has not finished within
/// [`WATCHDOG`]; a panic in `work` fails the test with that panic.
fn with_watchdog<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    quiet_expected_panics();
    let (done, finished) = mpsc::channel::<()>();
    let worker = thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            // Dropped when `work` returns or unwinds: either wakes the watchdog.
            let _done = done;
            work()
        })
        .expect("spawn the test's worker thread");
    match finished.recv_timeout(WATCHDOG) {
        Err(RecvTimeoutError::Timeout) => panic!(
            "watchdog: `{what}` has not finished after {} s: a deadlock or a wedged thread in the \
             registry (or a test thread panicked while others waited for it); seed {}",
            WATCHDOG.as_secs(),
            base_seed()
        ),
        Ok(()) | Err(RecvTimeoutError::Disconnected) => worker
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload)),
    }
}

/// The payload of the panics these tests provoke on purpose; the panic hook stays quiet
/// about them (thousands of them would flood the output).
struct Expected;

/// A panic payload whose destructor panics too (with [`Expected`]).
struct PanicsWhenDropped;

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic::panic_any(Expected);
        }
    }
}

/// Installs, once per process, a panic hook that is silent for [`Expected`] and
/// [`PanicsWhenDropped`] payloads and hands every other panic to the default hook.
fn quiet_expected_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            if !payload.is::<Expected>() && !payload.is::<PanicsWhenDropped>() {
                default(info);
            }
        }));
    });
}

/// The base seed: `STRESS_SEED` when set, else a fixed one.
fn base_seed() -> u64 {
    std::env::var("STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_ed42)
}

/// A deterministic stream per thread (proptest's ChaCha generator, seeded with the base seed
/// and the stream number), so that a failure reproduces with its seed.
struct Rng(TestRng);

impl Rng {
    fn new(stream: u64) -> Self {
        let mut seed = [0; 32];
        seed[..8].copy_from_slice(&base_seed().to_le_bytes());
        seed[8..16].copy_from_slice(&stream.to_le_bytes());
        Rng(TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A logical clock shared by the threads of a test: every `tick` is a point in one total
/// order (SeqCst read-modify-writes of one atomic), so "dispatch started after unbind
/// returned" is a comparison of two ticks.
#[derive(Default)]
struct Clock(AtomicU64);

impl Clock {
    fn tick(&self) -> u64 {
        self.0.fetch_add(1, SeqCst)
    }
}

/// Broken promises seen inside callbacks (where asserting would only be caught and counted).
#[derive(Default)]
struct Violations(Mutex<Vec<String>>);

impl Violations {
    fn record(&self, what: String) {
        self.0.lock().unwrap().push(what);
    }

    fn assert_none(&self) {
        let seen = self.0.lock().unwrap();
        assert!(
            seen.is_empty(),
            "{} violation(s) (seed {}), first ones: {:#?}",
            seen.len(),
            base_seed(),
            &seen[..seen.len().min(8)]
        );
    }
}

/// A number carried in an event's body.
fn field(event: &Event, key: &str) -> usize {
    event.body()[key]
        .as_u64()
        .unwrap_or_else(|| panic!("test event without {key:?}: {}", event.body())) as usize
}

/// Values a callback collected, shared with the test.
type Seen = Arc<Mutex<Vec<usize>>>;

/// Collects the value of `key` from each event a callback receives.
fn recorder(seen: &Seen, key: &'static str) -> impl Fn(&Event) + Send + Sync + 'static {
    let seen = Arc::clone(seen);
    move |e: &Event| seen.lock().unwrap().push(field(e, key))
}

// ---------------------------------------------------------------------------------------------
// Event shapes and bindings with a hand-written oracle.

const APPS: [&str; 4] = ["callflow", "crossbar", "voicemail", "notify"];

/// Accounts and their ancestors (root first, parent last).
const ACCOUNTS: [(&str, &[&str]); 7] = [
    ("a0", &["root", "r1"]),
    ("a1", &["root", "r1"]),
    ("a2", &["root"]),
    ("a3", &["root", "r2"]),
    ("r1", &["root"]),
    ("r2", &["root"]),
    ("loner", &[]),
];

/// The account tree an emitter's resolver gives (none for an account without ancestors).
fn tree_of(account: &str) -> Option<Vec<String>> {
    ACCOUNTS
        .iter()
        .find(|(a, tree)| *a == account && !tree.is_empty())
        .map(|(_, tree)| tree.iter().map(|s| (*s).to_owned()).collect())
}

/// What a stress event looks like, enough to decide by hand which bindings select it.
#[derive(Debug, Clone, Copy)]
struct Shape {
    app: &'static str,
    account: Option<&'static str>,
    /// Whether the event carries its account's tree.
    with_tree: bool,
    severity: Severity,
    verbosity: Verbosity,
}

impl Shape {
    fn random(rng: &mut Rng) -> Self {
        let account = (rng.below(8) != 0).then(|| rng.pick(&ACCOUNTS).0);
        Shape {
            app: rng.pick(&APPS),
            account,
            with_tree: account.is_some() && rng.below(4) != 0,
            severity: rng.pick(&Severity::ALL),
            verbosity: rng.pick(&Verbosity::ALL),
        }
    }

    /// Every shape, for checking the oracle against `Binding::matches`.
    fn all() -> Vec<Shape> {
        let accounts = std::iter::once(None).chain(ACCOUNTS.iter().map(|(a, _)| Some(*a)));
        let mut shapes = Vec::new();
        for account in accounts {
            for with_tree in [false, true] {
                for app in APPS {
                    for severity in Severity::ALL {
                        for verbosity in Verbosity::ALL {
                            shapes.push(Shape {
                                app,
                                account,
                                with_tree,
                                severity,
                                verbosity,
                            });
                        }
                    }
                }
            }
        }
        shapes
    }

    /// The account is `account` or (with its tree carried) one of its descendants.
    fn descends_from(&self, account: &str) -> bool {
        let Some(own) = self.account else {
            return false;
        };
        own == account
            || (self.with_tree
                && tree_of(own).is_some_and(|tree| tree.iter().any(|a| a == account)))
    }

    /// Whether an [`Emitter`] with the [`tree_of`] resolver builds exactly this event.
    fn emittable(&self) -> bool {
        self.with_tree == self.account.and_then(tree_of).is_some()
    }

    fn event(&self, n: usize) -> Event {
        let mut event = Event::new(
            self.app,
            "4.3.1",
            self.severity,
            self.verbosity,
            json!({ "n": n }),
        );
        if let Some(account) = self.account {
            event = event.with_account(account);
            if self.with_tree {
                event = event.with_account_tree(tree_of(account).unwrap_or_default());
            }
        }
        event
    }
}

/// A binding and the test's own reading of what it selects.
#[derive(Clone)]
struct Rule {
    binding: Binding,
    levels: fn(Severity, Verbosity) -> bool,
    route: fn(&Shape) -> bool,
}

impl Rule {
    fn selects(&self, shape: &Shape) -> bool {
        (self.levels)(shape.severity, shape.verbosity) && (self.route)(shape)
    }
}

/// The bindings the stress test binds, over every index path: wildcards, one account, an
/// account tree, lists of apps and accounts (one holding `*`), exact levels and level lists.
fn rules() -> Vec<Rule> {
    use Severity::{Critical, Warning};
    use Verbosity::{Debug, Error, Fatal, Info, Trace, Warn};
    vec![
        Rule {
            binding: Binding::default().verbosity(Trace),
            levels: |_, _| true,
            route: |_| true,
        },
        Rule {
            binding: Binding::default().account("a1"),
            levels: |_, v| v >= Info,
            route: |s| s.account == Some("a1"),
        },
        Rule {
            binding: Binding::default().account("r1").include_descendants(true),
            levels: |_, v| v >= Info,
            route: |s| s.descends_from("r1"),
        },
        Rule {
            binding: Binding::default()
                .apps(["crossbar", "voicemail"])
                .severity(Warning),
            levels: |s, v| s >= Warning && v >= Info,
            route: |s| matches!(s.app, "crossbar" | "voicemail"),
        },
        Rule {
            binding: Binding::default()
                .severity(Critical)
                .exact_severity(true)
                .verbosity(Debug)
                .exact_verbosity(true),
            levels: |s, v| s == Critical && v == Debug,
            route: |_| true,
        },
        Rule {
            binding: Binding::default()
                .severities([Severity::Ok, Critical])
                .verbosities([Trace, Fatal]),
            levels: |s, v| s != Warning && matches!(v, Trace | Fatal),
            route: |_| true,
        },
        Rule {
            binding: Binding::default()
                .accounts(["a3", "r2"])
                .include_descendants(true)
                .app("callflow"),
            levels: |_, v| v >= Info,
            route: |s| s.app == "callflow" && (s.descends_from("a3") || s.descends_from("r2")),
        },
        Rule {
            binding: Binding::default()
                .severity(Warning)
                .verbosity(Warn)
                .exact_verbosity(true),
            levels: |s, v| s >= Warning && v == Warn,
            route: |_| true,
        },
        Rule {
            binding: Binding::default().app("notify"),
            levels: |_, v| v >= Info,
            route: |s| s.app == "notify",
        },
        Rule {
            binding: Binding::default().accounts(["a2", "*"]).verbosity(Error),
            levels: |_, v| v >= Error,
            route: |_| true,
        },
    ]
}

/// When a subscription's callback panics.
#[derive(Debug, Clone, Copy)]
enum Panics {
    Never,
    Always,
    /// For events whose number is a multiple of this.
    Every(usize),
}

impl Panics {
    fn on(self, n: usize) -> bool {
        match self {
            Panics::Never => false,
            Panics::Always => true,
            Panics::Every(k) => n % k == 0,
        }
    }
}

/// How many callbacks returned and how many panicked, over every subscription of a test.
#[derive(Default)]
struct Calls {
    returned: AtomicUsize,
    panicked: AtomicUsize,
}

impl Calls {
    /// Counts a call, then panics if it should (after every other check of the callback).
    fn finish(&self, panics: bool) {
        if panics {
            self.panicked.fetch_add(1, SeqCst);
            panic::panic_any(Expected);
        }
        self.returned.fetch_add(1, SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Stress: dispatching threads, binding/unbinding threads, panicking callbacks.

const DISPATCHERS: usize = 3;
const EVENTS_PER_DISPATCHER: usize = 6_000;
const CHURNERS: usize = 2;
const CYCLES_PER_CHURNER: usize = 1_500;

/// A subscription bound for the whole run: it must see exactly the events it selects.
struct LongLived {
    name: &'static str,
    rules: &'static [usize],
    panics: Panics,
    /// Bit `n` is set once event `n` was delivered.
    seen: Vec<AtomicU64>,
    duplicates: AtomicUsize,
}

/// A subscription a churning thread bound and unbound, with the ticks around both calls.
struct Churned {
    name: String,
    id: SubscriptionId,
    rules: Vec<usize>,
    /// Set right after `unbind` returned true.
    unbound: Arc<AtomicBool>,
    deliveries: Arc<Mutex<Vec<usize>>>,
    bind_called: u64,
    bind_returned: u64,
    unbind_called: u64,
    unbind_returned: u64,
}

/// One dispatched event and the ticks around its dispatch.
#[derive(Debug, Clone, Copy)]
struct Sent {
    n: usize,
    shape: Shape,
    start: u64,
    end: u64,
}

struct Stress {
    registry: Arc<Registry>,
    rules: Vec<Rule>,
    clock: Clock,
    calls: Calls,
    violations: Violations,
}

#[test]
fn stress_exact_delivery_while_threads_bind_unbind_and_panic() {
    with_watchdog("stress", || {
        let stress = Arc::new(Stress {
            registry: Arc::new(Registry::new()),
            rules: rules(),
            clock: Clock::default(),
            calls: Calls::default(),
            violations: Violations::default(),
        });
        oracle_agrees_with_binding_matches(&stress.rules);
        let long_lived = bind_long_lived(&stress);

        let dispatchers: Vec<_> = (0..DISPATCHERS)
            .map(|t| {
                let stress = Arc::clone(&stress);
                thread::spawn(move || dispatch_events(&stress, t))
            })
            .collect();
        let churners: Vec<_> = (0..CHURNERS)
            .map(|c| {
                let stress = Arc::clone(&stress);
                thread::spawn(move || churn(&stress, c))
            })
            .collect();
        let mut sent = Vec::new();
        let mut reports = DispatchReport::default();
        for handle in dispatchers {
            let (events, report) = handle.join().expect("a dispatching thread panicked");
            sent.extend(events);
            reports += report;
        }
        let churned: Vec<Churned> = churners
            .into_iter()
            .flat_map(|h| h.join().expect("a churning thread panicked"))
            .collect();
        sent.sort_by_key(|s| s.n);
        assert!(sent.iter().enumerate().all(|(i, s)| s.n == i));

        stress.violations.assert_none();
        check_reports_and_stats(&stress, reports);
        check_long_lived(&stress, &long_lived, &sent);
        check_subscription_counters(&stress, &long_lived);
        check_churned(&stress, &churned, &sent);
        check_survivors_and_interest(&stress, &long_lived);
    });
}

/// The test's oracle must agree with `Binding::matches` on every shape, or the exact counts
/// below would compare against a wrong expectation.
fn oracle_agrees_with_binding_matches(rules: &[Rule]) {
    for shape in Shape::all() {
        let event = shape.event(0);
        for (i, rule) in rules.iter().enumerate() {
            assert_eq!(
                rule.selects(&shape),
                rule.binding.matches(&event),
                "the test's oracle for rule {i} disagrees with Binding::matches on {shape:?}"
            );
        }
    }
}

/// Binds the subscriptions that live through the whole run.
fn bind_long_lived(stress: &Arc<Stress>) -> Vec<(SubscriptionId, Arc<LongLived>)> {
    let total = DISPATCHERS * EVENTS_PER_DISPATCHER;
    let defs: [(&'static str, &'static [usize], Panics); 9] = [
        ("all", &[0], Panics::Never),
        ("account", &[1], Panics::Never),
        ("descendants", &[2], Panics::Never),
        ("apps", &[3], Panics::Never),
        ("exact-levels", &[4], Panics::Never),
        ("level-lists", &[5], Panics::Never),
        // Events often match several of these bindings at once: still one delivery.
        ("overlapping", &[1, 2, 6, 8, 9], Panics::Never),
        ("always-panics", &[8], Panics::Always),
        ("panics-every-third", &[7, 3, 9], Panics::Every(3)),
    ];
    defs.into_iter()
        .map(|(name, rules, panics)| {
            let sub = Arc::new(LongLived {
                name,
                rules,
                panics,
                seen: (0..total.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
                duplicates: AtomicUsize::new(0),
            });
            let (s, st) = (Arc::clone(&sub), Arc::clone(stress));
            let bindings = rules.iter().map(|&r| stress.rules[r].binding.clone());
            let id = stress
                .registry
                .bind(name, bindings, move |e: &Event| {
                    let n = field(e, "n");
                    let bit = 1u64 << (n % 64);
                    if s.seen[n / 64].fetch_or(bit, SeqCst) & bit != 0 {
                        s.duplicates.fetch_add(1, SeqCst);
                    }
                    st.calls.finish(s.panics.on(n));
                })
                .unwrap();
            (id, sub)
        })
        .collect()
}

/// Dispatches this thread's events, half through an [`Emitter`] when the emitter builds the
/// same event; returns them with their ticks and the sum of the reports.
fn dispatch_events(stress: &Stress, t: usize) -> (Vec<Sent>, DispatchReport) {
    let mut rng = Rng::new(100 + t as u64);
    let emitter = Emitter::new(Arc::clone(&stress.registry))
        .with_node(format!("kazoo_apps@stress{t}"))
        .with_account_tree(tree_of);
    let mut sent = Vec::with_capacity(EVENTS_PER_DISPATCHER);
    let mut total = DispatchReport::default();
    for i in 0..EVENTS_PER_DISPATCHER {
        let n = t * EVENTS_PER_DISPATCHER + i;
        let shape = Shape::random(&mut rng);
        let via_emitter = shape.emittable() && rng.below(2) == 0;
        let start = stress.clock.tick();
        let report = if via_emitter {
            let (app, s, v) = (
                App::new(shape.app, "4.3.1"),
                shape.severity,
                shape.verbosity,
            );
            let body = || json!({ "n": n });
            match shape.account {
                Some(account) => emitter.emit_for_account(&app, account, s, v, body),
                None => emitter.emit(&app, s, v, body),
            }
            .expect("\"all\" is bound throughout: the emitter must build every event")
        } else {
            stress.registry.dispatch(&shape.event(n))
        };
        let end = stress.clock.tick();
        total += report;
        sent.push(Sent {
            n,
            shape,
            start,
            end,
        });
    }
    (sent, total)
}

/// Binds and unbinds subscriptions (keeping up to two alive at once, unbinding in random
/// order); returns them with their ticks.
fn churn(stress: &Arc<Stress>, c: usize) -> Vec<Churned> {
    let mut rng = Rng::new(200 + c as u64);
    let registry = &stress.registry;
    let mut live: Vec<Churned> = Vec::new();
    let mut done = Vec::with_capacity(CYCLES_PER_CHURNER);
    for k in 0..CYCLES_PER_CHURNER {
        let first = rng.below(stress.rules.len());
        let mut rules = vec![first];
        if rng.below(3) == 0 {
            rules.push((first + 1 + rng.below(stress.rules.len() - 1)) % stress.rules.len());
        }
        let panics = match rng.below(10) {
            0 => Panics::Always,
            1..=3 => Panics::Every(2),
            _ => Panics::Never,
        };
        let name = format!("churn-{c}-{k}");
        let unbound = Arc::new(AtomicBool::new(false));
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let callback = {
            let (unbound, deliveries, st, name) = (
                Arc::clone(&unbound),
                Arc::clone(&deliveries),
                Arc::clone(stress),
                name.clone(),
            );
            move |e: &Event| {
                let n = field(e, "n");
                if unbound.load(SeqCst) {
                    st.violations.record(format!(
                        "{name}: called for event {n} after its unbind returned"
                    ));
                }
                deliveries.lock().unwrap().push(n);
                if unbound.load(SeqCst) {
                    st.violations.record(format!(
                        "{name}: still running (event {n}) when its unbind returned"
                    ));
                }
                st.calls.finish(panics.on(n));
            }
        };
        let bindings = rules.iter().map(|&r| stress.rules[r].binding.clone());
        let bind_called = stress.clock.tick();
        let id = registry.bind(name.clone(), bindings, callback).unwrap();
        let bind_returned = stress.clock.tick();
        if k % 8 == 0 {
            let err = registry
                .bind(name.clone(), [Binding::default()], |_| {})
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Exists, "{err}");
        }
        live.push(Churned {
            name,
            id,
            rules,
            unbound,
            deliveries,
            bind_called,
            bind_returned,
            unbind_called: 0,
            unbind_returned: 0,
        });
        let keep = rng.below(3);
        while live.len() > keep {
            let sub = live.swap_remove(rng.below(live.len()));
            done.push(unbind_churned(stress, sub));
        }
        if rng.below(4) == 0 {
            thread::yield_now();
        }
    }
    done.extend(live.into_iter().map(|sub| unbind_churned(stress, sub)));
    done
}

fn unbind_churned(stress: &Stress, mut sub: Churned) -> Churned {
    sub.unbind_called = stress.clock.tick();
    assert!(stress.registry.unbind(sub.id), "{} was bound", sub.name);
    sub.unbind_returned = stress.clock.tick();
    sub.unbound.store(true, SeqCst);
    assert!(
        !stress.registry.unbind(sub.id),
        "{} unbound twice",
        sub.name
    );
    sub
}

/// The reports' sums equal what the callbacks observed, and so do the registry's counters.
fn check_reports_and_stats(stress: &Stress, reports: DispatchReport) {
    let returned = stress.calls.returned.load(SeqCst);
    let panicked = stress.calls.panicked.load(SeqCst);
    assert_eq!(
        reports,
        DispatchReport {
            delivered: returned,
            panicked,
            dropped_nested: 0,
        },
        "the reports' sums differ from the callbacks' own counts"
    );
    assert!(
        panicked > 1_000 && returned > 10_000,
        "too little was exercised: {reports:?}"
    );
    let stats = stress.registry.stats();
    assert_eq!((stats.panicked, stats.dropped_nested), (panicked as u64, 0));
    // Counted per thread, summed here: every churned subscription is unbound by now, and what
    // they received still counts.
    assert_eq!(
        stats.delivered, returned as u64,
        "the registry's delivered total differs from the callbacks' own count"
    );
    // Every event whose levels a long-lived subscription selects passes the interest check;
    // others only while a churned subscription selected their levels.
    let total = (DISPATCHERS * EVENTS_PER_DISPATCHER) as u64;
    assert!(
        stats.dispatched <= total && stats.dispatched >= reports_reaching_anyone(stress),
        "dispatched {} of {total}",
        stats.dispatched
    );
}

/// How many events reached a long-lived subscription: a lower bound of what was dispatched.
fn reports_reaching_anyone(stress: &Stress) -> u64 {
    let infos = stress.registry.subscriptions();
    infos
        .iter()
        .find(|info| info.name == "all")
        .map_or(0, |all| all.delivered + all.panicked)
}

/// Each long-lived subscription's counters equal what its callback observed: calls that
/// returned and calls that panicked.
fn check_subscription_counters(stress: &Stress, long_lived: &[(SubscriptionId, Arc<LongLived>)]) {
    let infos = stress.registry.subscriptions();
    for (id, sub) in long_lived {
        let info = infos.iter().find(|i| i.id == *id).expect("still bound");
        let (mut returned, mut panicked) = (0u64, 0u64);
        for (word, bits) in sub.seen.iter().enumerate() {
            let bits = bits.load(SeqCst);
            for bit in 0..64 {
                if bits & 1 << bit != 0 {
                    if sub.panics.on(word * 64 + bit) {
                        panicked += 1;
                    } else {
                        returned += 1;
                    }
                }
            }
        }
        assert_eq!(
            (info.delivered, info.panicked),
            (returned, panicked),
            "{}: counters (delivered, panicked) differ from what its callback saw",
            sub.name
        );
        assert_eq!(info.last_panic.is_some(), panicked > 0, "{}", sub.name);
        if panicked > 0 {
            assert_eq!(
                info.last_panic.as_deref(),
                Some("(not a string)"),
                "{}: the test panics with a non-string payload",
                sub.name
            );
        }
    }
}

/// Each long-lived subscription saw exactly the events it selects, each once.
fn check_long_lived(
    stress: &Stress,
    long_lived: &[(SubscriptionId, Arc<LongLived>)],
    sent: &[Sent],
) {
    for (_, sub) in long_lived {
        assert_eq!(
            sub.duplicates.load(SeqCst),
            0,
            "{}: an event delivered twice",
            sub.name
        );
        let mut wrong = Vec::new();
        let mut expected = 0;
        for event in sent {
            let selects = sub
                .rules
                .iter()
                .any(|&r| stress.rules[r].selects(&event.shape));
            let seen = sub.seen[event.n / 64].load(SeqCst) & 1 << (event.n % 64) != 0;
            expected += usize::from(selects);
            if selects != seen {
                wrong.push((event.n, selects, event.shape));
            }
        }
        assert!(
            wrong.is_empty(),
            "{}: {} event(s) delivered wrongly (n, expected, shape), first: {:?}",
            sub.name,
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
        assert!(
            expected > 50,
            "{}: too few matching events ({expected})",
            sub.name
        );
    }
}

/// Each churned subscription saw every selected event dispatched wholly inside its bound
/// window, nothing dispatched wholly outside it, nothing unselected, nothing twice.
fn check_churned(stress: &Stress, churned: &[Churned], sent: &[Sent]) {
    let mut by_start: Vec<&Sent> = sent.iter().collect();
    by_start.sort_by_key(|s| s.start);
    let mut must_total = 0;
    for sub in churned {
        let selects = |s: &Sent| sub.rules.iter().any(|&r| stress.rules[r].selects(&s.shape));
        let mut got = sub.deliveries.lock().unwrap().clone();
        got.sort_unstable();
        let before = got.len();
        got.dedup();
        assert_eq!(got.len(), before, "{}: an event delivered twice", sub.name);
        for &n in &got {
            let event = &sent[n];
            assert!(
                selects(event),
                "{}: got event {n} it does not select: {event:?}",
                sub.name
            );
            assert!(
                event.end > sub.bind_called && event.start < sub.unbind_returned,
                "{}: got event {n} dispatched outside its bound window: {event:?}, bind {}..{}, \
                 unbind {}..{}",
                sub.name,
                sub.bind_called,
                sub.bind_returned,
                sub.unbind_called,
                sub.unbind_returned
            );
        }
        let from = by_start.partition_point(|s| s.start <= sub.bind_returned);
        for event in by_start[from..]
            .iter()
            .take_while(|s| s.start < sub.unbind_called)
            .filter(|s| s.end < sub.unbind_called && selects(s))
        {
            must_total += 1;
            assert!(
                got.binary_search(&event.n).is_ok(),
                "{}: missed event {} dispatched while it was bound: {event:?}, bind returned \
                 {}, unbind called {}",
                sub.name,
                event.n,
                sub.bind_returned,
                sub.unbind_called
            );
        }
    }
    assert!(
        must_total > 100,
        "too few events fell inside churned windows ({must_total})"
    );
}

/// After the threads: the survivors are exactly the long-lived subscriptions, and the interest
/// mask follows them exactly as they are unbound one by one.
fn check_survivors_and_interest(stress: &Stress, long_lived: &[(SubscriptionId, Arc<LongLived>)]) {
    let registry = &stress.registry;
    assert_eq!(registry.subscriptions().len(), long_lived.len());
    assert_eq!(registry.stats().subscriptions, long_lived.len());
    let infos: Vec<(SubscriptionId, String)> = registry
        .subscriptions()
        .into_iter()
        .map(|info| (info.id, info.name))
        .collect();
    let expected: Vec<(SubscriptionId, String)> = long_lived
        .iter()
        .map(|(id, sub)| (*id, sub.name.to_owned()))
        .collect();
    assert_eq!(infos, expected);

    let mut remaining: Vec<&(SubscriptionId, Arc<LongLived>)> = long_lived.iter().collect();
    let mut rng = Rng::new(300);
    loop {
        for severity in Severity::ALL {
            for verbosity in Verbosity::ALL {
                let wanted = remaining.iter().any(|(_, sub)| {
                    sub.rules
                        .iter()
                        .any(|&r| (stress.rules[r].levels)(severity, verbosity))
                });
                assert_eq!(
                    registry.is_interested(severity, verbosity),
                    wanted,
                    "interest in {severity}/{verbosity} with {:?} bound",
                    remaining.iter().map(|(_, s)| s.name).collect::<Vec<_>>()
                );
            }
        }
        if remaining.is_empty() {
            break;
        }
        let (id, sub) = remaining.remove(rng.below(remaining.len()));
        assert!(registry.unbind(*id), "{} was bound", sub.name);
    }
    assert_eq!(registry.stats().subscriptions, 0);
    assert!(registry.subscriptions().is_empty());
    // Unbinding everything forgets no delivery.
    let stats = registry.stats();
    assert_eq!(
        (stats.delivered, stats.panicked),
        (
            stress.calls.returned.load(SeqCst) as u64,
            stress.calls.panicked.load(SeqCst) as u64
        )
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Re-entrancy: callbacks that emit, bind, unbind and dispatch, on several threads at once.

const CHAIN_THREADS: usize = 4;
const CHAINS_PER_THREAD: usize = 25;
/// The level at which the chain callback binds a subscription (seen from the next level on).
const BIND_AT: usize = 3;
/// The level at which the chain callback unbinds another subscription, after its nested emit.
const UNBIND_OTHER_AT: usize = 5;
/// The level at which the chain callback dispatches a side event directly.
const SIDE_AT: usize = 2;

/// What the chain threads share.
struct Chains {
    registry: Arc<Registry>,
    emitter: Emitter,
    /// `levels[t][level]`: how often thread `t`'s chain callback ran at `level`.
    levels: Vec<Vec<AtomicUsize>>,
    /// The subscription the chain callback unbinds at [`UNBIND_OTHER_AT`], per thread.
    victims: Vec<Mutex<Option<SubscriptionId>>>,
    /// What each late subscription (bound at [`BIND_AT`]) saw, by (thread, chain).
    late: Mutex<HashMap<(usize, usize), Seen>>,
    side_calls: Vec<AtomicUsize>,
    violations: Violations,
}

/// How many callbacks level `level` of a chain reaches: the chain callback and the witness,
/// the late subscription from the level after it was bound until the level where it unbinds
/// itself, the victim at the levels emitted before it was unbound.
fn chain_reach(level: usize) -> usize {
    2 + usize::from(level > BIND_AT) + usize::from(level > UNBIND_OTHER_AT)
}

/// Each thread emits chains: the chain callback re-emits every event one level deeper through
/// an `Emitter` (dropped past `Registry::MAX_NESTED_DEPTH`), and on the way binds a subscription, unbinds
/// another, dispatches a side event; the late subscription unbinds itself. A fifth thread
/// binds and unbinds at top level meanwhile (its unbinds wait for the chains in progress).
#[test]
fn reentrant_callbacks_on_several_threads_follow_the_design() {
    with_watchdog("reentrant chains", || {
        let registry = Arc::new(Registry::new());
        let chains = Arc::new(Chains {
            registry: Arc::clone(&registry),
            emitter: Emitter::new(Arc::clone(&registry)).with_node("kazoo_apps@chains"),
            levels: (0..CHAIN_THREADS)
                .map(|_| {
                    (0..Registry::MAX_NESTED_DEPTH + 2)
                        .map(|_| AtomicUsize::new(0))
                        .collect()
                })
                .collect(),
            victims: (0..CHAIN_THREADS).map(|_| Mutex::new(None)).collect(),
            late: Mutex::new(HashMap::new()),
            side_calls: (0..CHAIN_THREADS).map(|_| AtomicUsize::new(0)).collect(),
            violations: Violations::default(),
        });
        let apps: Vec<String> = (0..CHAIN_THREADS).map(|t| format!("chain-{t}")).collect();
        let c = Arc::clone(&chains);
        let chain_id = registry
            .bind("chain", [Binding::default().apps(apps)], move |e| {
                chain_step(&c, e)
            })
            .unwrap();
        let mut side_ids = Vec::new();
        for t in 0..CHAIN_THREADS {
            let c = Arc::clone(&chains);
            let binding = Binding::default().app(format!("side-{t}"));
            let id = registry.bind(format!("side-{t}"), [binding], move |_| {
                c.side_calls[t].fetch_add(1, SeqCst);
            });
            side_ids.push(id.unwrap());
        }

        let threads: Vec<_> = (0..CHAIN_THREADS)
            .map(|t| {
                let chains = Arc::clone(&chains);
                thread::spawn(move || run_chains(&chains, t))
            })
            .collect();
        let noise = {
            let registry = Arc::clone(&registry);
            thread::spawn(move || top_level_noise(&registry))
        };
        for handle in threads {
            handle.join().expect("a chain thread panicked");
        }
        noise.join().expect("the noise thread panicked");

        chains.violations.assert_none();
        for t in 0..CHAIN_THREADS {
            let levels: Vec<usize> = chains.levels[t].iter().map(|l| l.load(SeqCst)).collect();
            let mut expected = vec![CHAINS_PER_THREAD; Registry::MAX_NESTED_DEPTH + 1];
            expected.push(0);
            assert_eq!(levels, expected, "thread {t}: chain callbacks per level");
            assert_eq!(chains.side_calls[t].load(SeqCst), CHAINS_PER_THREAD);
        }
        let stats = registry.stats();
        assert_eq!(
            stats.dropped_nested,
            (CHAIN_THREADS * CHAINS_PER_THREAD) as u64
        );
        assert_eq!(stats.panicked, 0);
        assert_eq!(
            stats.subscriptions,
            1 + CHAIN_THREADS,
            "chain and side subscriptions"
        );
        // Per-subscription counters, counted on the chain threads, nested dispatches included.
        let infos = registry.subscriptions();
        let delivered = |id| infos.iter().find(|i| i.id == id).map(|i| i.delivered);
        let chain_calls: usize = chains.levels.iter().flatten().map(|l| l.load(SeqCst)).sum();
        assert_eq!(delivered(chain_id), Some(chain_calls as u64));
        for (t, id) in side_ids.iter().enumerate() {
            let calls = chains.side_calls[t].load(SeqCst) as u64;
            assert_eq!(delivered(*id), Some(calls), "side-{t}");
        }
        for id in side_ids.into_iter().chain([chain_id]) {
            assert!(registry.unbind(id));
        }
        assert_eq!(registry.stats().subscriptions, 0);
    });
}

/// One thread's chains: binds a witness and a victim, emits level 0, checks what they saw.
fn run_chains(chains: &Chains, t: usize) {
    let registry = &chains.registry;
    let app = App::new(format!("chain-{t}"), "1");
    let deepest = Registry::MAX_NESTED_DEPTH;
    for k in 0..CHAINS_PER_THREAD {
        let witness_seen = Arc::new(Mutex::new(Vec::new()));
        let victim_seen = Arc::new(Mutex::new(Vec::new()));
        let binding = Binding::default().app(app.name());
        let witness = registry
            .bind(
                format!("witness-{t}-{k}"),
                [binding.clone()],
                recorder(&witness_seen, "level"),
            )
            .unwrap();
        let victim = registry
            .bind(
                format!("victim-{t}-{k}"),
                [binding],
                recorder(&victim_seen, "level"),
            )
            .unwrap();
        *chains.victims[t].lock().unwrap() = Some(victim);

        let body = json!({ "thread": t, "chain": k, "level": 0 });
        let report = chains
            .emitter
            .emit(&app, Severity::Ok, Verbosity::Info, || body)
            .expect("the chain subscription is interested");
        // Level 0 reached the chain callback and the witness; the late subscription was bound
        // during it (so not for it), and the victim was unbound before this level's turn.
        let expected = DispatchReport {
            delivered: 2,
            ..DispatchReport::default()
        };
        assert_eq!(report, expected, "thread {t} chain {k}: top-level report");
        assert!(registry.unbind(witness));
        assert!(
            !registry.unbind(victim),
            "the chain callback unbound the victim"
        );

        // Nested dispatches call the chain callback first, so deeper levels reach the others
        // first: the witness sees every level, deepest first.
        let all_levels: Vec<usize> = (0..=deepest).rev().collect();
        assert_eq!(
            *witness_seen.lock().unwrap(),
            all_levels,
            "thread {t} chain {k}: witness"
        );
        // The victim saw the levels emitted before it was unbound, not one after, even though
        // the outer dispatches (levels UNBIND_OTHER_AT..=0) still had it among their candidates.
        let victim_levels: Vec<usize> = (UNBIND_OTHER_AT + 1..=deepest).rev().collect();
        assert_eq!(
            *victim_seen.lock().unwrap(),
            victim_levels,
            "thread {t} chain {k}: victim"
        );
        // The late subscription saw the levels after the one it was bound during, down to the
        // one where it unbound itself; no later event (the next chains) reached it.
        let late = chains.late.lock().unwrap()[&(t, k)].lock().unwrap().clone();
        let late_levels: Vec<usize> = (BIND_AT + 1..=deepest).rev().collect();
        assert_eq!(late, late_levels, "thread {t} chain {k}: late subscription");
    }
}

/// The chain callback, at `level` of thread `t`'s chain `k`.
fn chain_step(chains: &Chains, e: &Event) {
    let (t, k, level) = (field(e, "thread"), field(e, "chain"), field(e, "level"));
    chains.levels[t][level].fetch_add(1, SeqCst);
    let registry = &chains.registry;
    if level == SIDE_AT {
        let side = Event::new(
            format!("side-{t}"),
            "1",
            Severity::Ok,
            Verbosity::Info,
            json!({}),
        );
        let report = registry.dispatch(&side);
        if report.delivered != 1 {
            chains
                .violations
                .record(format!("thread {t}: side event report {report:?}"));
        }
    }
    if level == BIND_AT {
        bind_late(chains, t, k, level);
    }
    let body = json!({ "thread": t, "chain": k, "level": level + 1 });
    let app = App::new(format!("chain-{t}"), "1");
    let report = chains
        .emitter
        .emit(&app, Severity::Ok, Verbosity::Info, || body);
    let expected = if level < Registry::MAX_NESTED_DEPTH {
        DispatchReport {
            delivered: chain_reach(level + 1),
            ..DispatchReport::default()
        }
    } else {
        DispatchReport {
            dropped_nested: 1,
            ..DispatchReport::default()
        }
    };
    if report != Some(expected) {
        chains.violations.record(format!(
            "thread {t} chain {k}: emitting level {} gave {report:?}, expected {expected:?}",
            level + 1
        ));
    }
    if level == UNBIND_OTHER_AT {
        let victim = chains.victims[t].lock().unwrap().take();
        if !victim.is_some_and(|id| registry.unbind(id)) {
            chains
                .violations
                .record(format!("thread {t} chain {k}: victim not unbound"));
        }
    }
}

/// Binds, from inside the chain callback, a subscription that records the levels it sees and
/// unbinds itself at the level after the one it was bound during.
fn bind_late(chains: &Chains, t: usize, k: usize, level: usize) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    chains
        .late
        .lock()
        .unwrap()
        .insert((t, k), Arc::clone(&seen));
    let own_id = Arc::new(OnceLock::<SubscriptionId>::new());
    let (me, registry) = (Arc::clone(&own_id), Arc::clone(&chains.registry));
    let result = chains.registry.bind(
        format!("late-{t}-{k}"),
        [Binding::default().app(format!("chain-{t}"))],
        move |e: &Event| {
            let seen_level = field(e, "level");
            seen.lock().unwrap().push(seen_level);
            if seen_level == level + 1 {
                // Unbinding itself from its own callback: true once, and never called again.
                assert!(me.get().is_some_and(|id| registry.unbind(*id)));
            }
        },
    );
    match result {
        Ok(id) => {
            let _ = own_id.set(id);
        }
        Err(err) => chains.violations.record(format!(
            "thread {t} chain {k}: bind from a callback failed: {err}"
        )),
    }
}

/// Binds and unbinds at top level (so its unbinds wait for the chains in progress) and
/// dispatches events only its own subscriptions select.
fn top_level_noise(registry: &Registry) {
    let mut rng = Rng::new(400);
    let mut live = Vec::new();
    for k in 0..200 {
        let binding = Binding::default()
            .severity(Severity::Critical)
            .exact_severity(true);
        live.push(
            registry
                .bind(format!("noise-{k}"), [binding], |_| {})
                .unwrap(),
        );
        if live.len() > rng.below(3) {
            let id = live.swap_remove(rng.below(live.len()));
            assert!(registry.unbind(id));
        }
        let event = Event::new("noise", "1", Severity::Critical, Verbosity::Info, json!({}));
        assert_eq!(registry.dispatch(&event).delivered, live.len());
    }
    for id in live {
        assert!(registry.unbind(id));
    }
}

/// Two callbacks, running at the same time on two threads, unbind each other and themselves:
/// no deadlock, each id is unbound exactly once, and neither is called again.
#[test]
fn callbacks_unbinding_each_other_from_two_threads_do_not_deadlock() {
    const ROUNDS: usize = 200;
    with_watchdog("mutual unbind", || {
        let registry = Arc::new(Registry::new());
        let start = Arc::new(Barrier::new(3));
        let end = Arc::new(Barrier::new(3));
        let workers: Vec<_> = ["ping", "pong"]
            .into_iter()
            .map(|app| {
                let (registry, start, end) =
                    (Arc::clone(&registry), Arc::clone(&start), Arc::clone(&end));
                thread::spawn(move || {
                    let event = Event::new(app, "1", Severity::Ok, Verbosity::Info, json!({}));
                    for _ in 0..ROUNDS {
                        start.wait();
                        let report = registry.dispatch(&event);
                        assert_eq!((report.delivered, report.panicked), (1, 0));
                        // Unbound now: the next dispatch reaches nobody.
                        assert!(!registry.dispatch(&event).reached_anyone());
                        end.wait();
                    }
                })
            })
            .collect();

        let mut all_calls = Vec::new();
        for round in 0..ROUNDS {
            let ids = Arc::new(OnceLock::<[SubscriptionId; 2]>::new());
            let meet = Arc::new(Barrier::new(2));
            let unbound = Arc::new(Mutex::new(Vec::new()));
            let calls: Arc<[AtomicUsize; 2]> = Arc::new(Default::default());
            let mut bound = Vec::new();
            for (me, app) in ["ping", "pong"].into_iter().enumerate() {
                let (ids, meet, unbound, calls, r) = (
                    Arc::clone(&ids),
                    Arc::clone(&meet),
                    Arc::clone(&unbound),
                    Arc::clone(&calls),
                    Arc::clone(&registry),
                );
                let id = registry.bind(
                    format!("{app}-{round}"),
                    [Binding::default().app(app)],
                    move |_| {
                        calls[me].fetch_add(1, SeqCst);
                        // Both callbacks are running now, one on each thread.
                        meet.wait();
                        let [a, b] = *ids.get().expect("ids are set before the round starts");
                        let (other, own) = if me == 0 { (b, a) } else { (a, b) };
                        let results = [(other, r.unbind(other)), (own, r.unbind(own))];
                        unbound.lock().unwrap().extend(results);
                    },
                );
                bound.push(id.unwrap());
            }
            ids.set([bound[0], bound[1]]).unwrap();
            start.wait();
            end.wait();
            let results = unbound.lock().unwrap().clone();
            for id in &bound {
                let trues = results.iter().filter(|(i, ok)| i == id && *ok).count();
                let calls_to = results.iter().filter(|(i, _)| i == id).count();
                assert_eq!(
                    (trues, calls_to),
                    (1, 2),
                    "round {round}: unbind results {results:?}"
                );
            }
            assert_eq!(
                registry.stats().subscriptions,
                0,
                "round {round}: {:?}",
                registry.subscriptions()
            );
            all_calls.push(calls);
        }
        for handle in workers {
            handle.join().expect("a worker panicked");
        }
        for (round, calls) in all_calls.iter().enumerate() {
            let calls = [calls[0].load(SeqCst), calls[1].load(SeqCst)];
            assert_eq!(
                calls,
                [1, 1],
                "round {round}: a callback was called again after unbind"
            );
        }
    });
}

/// `unbind` from inside a callback does not wait for other threads: its promise is that no
/// dispatch started after it returned calls the callback (on this thread or any other),
/// while one already running elsewhere may still call it once.
#[test]
fn an_unbind_from_inside_a_callback_keeps_its_promise_on_every_thread() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 150;
    const EVENTS_PER_ROUND: usize = 3;
    with_watchdog("self-unbind", || {
        let registry = Arc::new(Registry::new());
        let clock = Arc::new(Clock::default());
        let start = Arc::new(Barrier::new(THREADS + 1));
        let end = Arc::new(Barrier::new(THREADS + 1));
        let once_event = |thread: usize, start: u64| {
            let body = json!({ "thread": thread, "start": start });
            Event::new("once", "1", Severity::Warning, Verbosity::Info, body)
        };
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (registry, clock, start, end) = (
                    Arc::clone(&registry),
                    Arc::clone(&clock),
                    Arc::clone(&start),
                    Arc::clone(&end),
                );
                thread::spawn(move || {
                    for _ in 0..ROUNDS {
                        start.wait();
                        for _ in 0..EVENTS_PER_ROUND {
                            let report = registry.dispatch(&once_event(t, clock.tick()));
                            assert!(report.delivered <= 1 && report.panicked == 0);
                        }
                        end.wait();
                    }
                })
            })
            .collect();

        let violations = Arc::new(Violations::default());
        for round in 0..ROUNDS {
            let own_id = Arc::new(OnceLock::<SubscriptionId>::new());
            let calls = Arc::new(Mutex::new(Vec::<(usize, u64)>::new()));
            let unbound_at = Arc::new(Mutex::new(Vec::<u64>::new()));
            let (me, r, c, calls_in, unbound_in, v) = (
                Arc::clone(&own_id),
                Arc::clone(&registry),
                Arc::clone(&clock),
                Arc::clone(&calls),
                Arc::clone(&unbound_at),
                Arc::clone(&violations),
            );
            let id = registry
                .bind(
                    format!("once-{round}"),
                    [Binding::default().app("once")],
                    move |e| {
                        let started = field(e, "start") as u64;
                        calls_in.lock().unwrap().push((field(e, "thread"), started));
                        let Some(&id) = me.get() else {
                            v.record(format!("round {round}: called before bind returned"));
                            return;
                        };
                        if r.unbind(id) {
                            unbound_in.lock().unwrap().push(c.tick());
                            // Dispatched after unbind returned, on this thread: must not reach it.
                            let nested = r.dispatch(&once_event(99, c.tick()));
                            if nested.reached_anyone() {
                                v.record(format!("round {round}: nested event reached {nested:?}"));
                            }
                        }
                    },
                )
                .unwrap();
            own_id.set(id).unwrap();
            start.wait();
            end.wait();
            let calls = calls.lock().unwrap().clone();
            let unbound_at = unbound_at.lock().unwrap().clone();
            assert_eq!(
                unbound_at.len(),
                1,
                "round {round}: exactly one unbind returns true"
            );
            assert!(
                !calls.is_empty(),
                "round {round}: bound before any event, yet never called"
            );
            let late: Vec<_> = calls.iter().filter(|(_, s)| *s > unbound_at[0]).collect();
            assert!(
                late.is_empty(),
                "round {round}: called for events dispatched after unbind returned at tick {}: \
                 {late:?}",
                unbound_at[0]
            );
            assert_eq!(registry.stats().subscriptions, 0);
        }
        for handle in workers {
            handle.join().expect("a worker panicked");
        }
        violations.assert_none();
    });
}

/// A thread inside a callback re-enters the registry (binds, emits, unbinds, dispatches,
/// lists) while another thread's top-level `unbind` of that very callback waits for it: no
/// deadlock, and that `unbind` returns only after the callback has finished.
#[test]
fn a_top_level_unbind_waits_for_a_callback_that_reenters_the_registry() {
    with_watchdog("unbind waits for a re-entrant callback", || {
        let registry = Arc::new(Registry::new());
        let emitter = Emitter::new(Arc::clone(&registry));
        for round in 0..10 {
            let probe = SlowCallback::new();
            let (p, r, em) = (Arc::clone(&probe), Arc::clone(&registry), emitter.clone());
            let id = registry
                .bind(
                    format!("slow-{round}"),
                    [Binding::default().app("slow")],
                    move |_| {
                        p.enter_and_wait_for_unbind();
                        let inner = r.bind("inner", [Binding::default().app("inner")], |_| {});
                        let inner = inner.expect("bind from a callback");
                        let report =
                            em.event("inner", "1", Severity::Ok, Verbosity::Info, json!({}));
                        assert_eq!(
                            report.map(|r| r.delivered),
                            Some(1),
                            "bound before this event"
                        );
                        assert!(r.unbind(inner));
                        let event =
                            Event::new("inner", "1", Severity::Ok, Verbosity::Info, json!({}));
                        assert!(!r.dispatch(&event).reached_anyone());
                        assert_eq!(r.stats().subscriptions, r.subscriptions().len());
                        p.leave();
                    },
                )
                .unwrap();
            probe.race(&registry, &registry, id);
            assert_eq!(registry.stats().subscriptions, 0, "round {round}");
        }
    });
}

/// The same promise when the callback's dispatch is itself nested in a callback of
/// another registry: a top-level `unbind` on the inner registry still waits for it.
#[test]
fn a_top_level_unbind_waits_for_a_dispatch_nested_in_another_registrys_callback() {
    with_watchdog("unbind waits across registries", || {
        let outer = Arc::new(Registry::new());
        let inner = Arc::new(Registry::new());
        let i = Arc::clone(&inner);
        outer
            .bind("bridge", [Binding::default()], move |e: &Event| {
                assert_eq!(i.dispatch(e).delivered, 1);
            })
            .unwrap();
        for round in 0..10 {
            let probe = SlowCallback::new();
            let p = Arc::clone(&probe);
            let id = inner
                .bind(format!("slow-{round}"), [Binding::default()], move |_| {
                    p.enter_and_wait_for_unbind();
                    p.leave();
                })
                .unwrap();
            probe.race(&outer, &inner, id);
            assert_eq!(inner.stats().subscriptions, 0, "round {round}");
        }
    });
}

/// A callback that lets a top-level `unbind` of itself start, lingers, and records when it
/// leaves, so the unbinding side can check it returned only afterwards.
struct SlowCallback {
    clock: Clock,
    entered: AtomicBool,
    unbinding: AtomicBool,
    left_at: AtomicU64,
}

impl SlowCallback {
    fn new() -> Arc<Self> {
        Arc::new(SlowCallback {
            clock: Clock::default(),
            entered: AtomicBool::new(false),
            unbinding: AtomicBool::new(false),
            left_at: AtomicU64::new(u64::MAX),
        })
    }

    /// In the callback: announce, wait until the other thread is about to unbind, linger.
    fn enter_and_wait_for_unbind(&self) {
        self.entered.store(true, SeqCst);
        while !self.unbinding.load(SeqCst) {
            thread::yield_now();
        }
        // Let the other thread get into `unbind` (if it were not waiting, it would return now).
        thread::sleep(Duration::from_millis(20));
    }

    fn leave(&self) {
        self.left_at.store(self.clock.tick(), SeqCst);
    }

    /// Dispatches a "slow" event on `dispatch_on` from another thread and, once the callback
    /// (subscription `id` of `unbind_on`) runs, unbinds it from this one: it must have left by
    /// the time `unbind` returns, and the dispatch must report it delivered.
    fn race(&self, dispatch_on: &Arc<Registry>, unbind_on: &Registry, id: SubscriptionId) {
        let registry = Arc::clone(dispatch_on);
        let dispatcher = thread::spawn(move || {
            let event = Event::new("slow", "1", Severity::Ok, Verbosity::Info, json!({}));
            registry.dispatch(&event)
        });
        self.unbind_when_entered(unbind_on, id);
        let report = dispatcher.join().expect("the dispatching thread panicked");
        assert_eq!((report.delivered, report.panicked), (1, 0));
    }

    fn unbind_when_entered(&self, registry: &Registry, id: SubscriptionId) {
        while !self.entered.load(SeqCst) {
            thread::yield_now();
        }
        self.unbinding.store(true, SeqCst);
        assert!(registry.unbind(id));
        let returned = self.clock.tick();
        assert!(
            self.left_at.load(SeqCst) < returned,
            "unbind returned while the callback was still running"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Panics inside nested dispatches poison and wedge nothing.

/// On several threads, callbacks panic inside nested dispatches (one with a payload whose
/// destructor panics too) and around them; afterwards every thread still binds, unbinds
/// (top-level unbinds wait for every other thread's dispatches: a wedged one would hang) and
/// dispatches.
#[test]
fn a_panic_inside_a_nested_dispatch_poisons_and_wedges_nothing() {
    const THREADS: usize = 3;
    const ROUNDS: usize = 60;
    with_watchdog("nested panics", || {
        let registry = Arc::new(Registry::new());
        let violations = Arc::new(Violations::default());
        let inner_ok = Arc::new(AtomicUsize::new(0));
        // Every thread's `<prefix>-<t>` app.
        let on = |prefix: &str| {
            let apps = (0..THREADS).map(|t| format!("{prefix}-{t}"));
            [Binding::default().apps(apps)]
        };
        let bomb = |_: &Event| panic::panic_any(PanicsWhenDropped);
        let plain = |_: &Event| panic::panic_any(Expected);
        registry.bind("inner-panics", on("inner"), plain).unwrap();
        registry.bind("inner-bomb", on("inner"), bomb).unwrap();
        let ok = Arc::clone(&inner_ok);
        registry
            .bind("inner-ok", on("inner"), move |_| {
                ok.fetch_add(1, SeqCst);
            })
            .unwrap();
        let (r, v) = (Arc::clone(&registry), Arc::clone(&violations));
        registry
            .bind("outer", on("outer"), move |e: &Event| {
                let (t, round) = (field(e, "thread"), field(e, "round"));
                let inner = Event::new(
                    format!("inner-{t}"),
                    "1",
                    Severity::Ok,
                    Verbosity::Info,
                    json!({}),
                );
                let nested = r.dispatch(&inner);
                let expected = DispatchReport {
                    delivered: 1,
                    panicked: 2,
                    dropped_nested: 0,
                };
                if nested != expected {
                    v.record(format!(
                        "thread {t} round {round}: nested report {nested:?}"
                    ));
                }
                if round % 2 == 0 {
                    panic::panic_any(Expected);
                }
            })
            .unwrap();
        registry.bind("bomb", on("bomb"), bomb).unwrap();
        let baseline = registry.stats().subscriptions;

        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let registry = Arc::clone(&registry);
                thread::spawn(move || {
                    let event = |app: &str, round: usize| {
                        let body = json!({ "thread": t, "round": round });
                        Event::new(
                            format!("{app}-{t}"),
                            "1",
                            Severity::Ok,
                            Verbosity::Info,
                            body,
                        )
                    };
                    for round in 0..ROUNDS {
                        let report = registry.dispatch(&event("outer", round));
                        let outer_panics = usize::from(round % 2 == 0);
                        assert_eq!(
                            (report.delivered, report.panicked),
                            (1 - outer_panics, outer_panics),
                            "thread {t} round {round}: outer report"
                        );
                        let bomb = panic::catch_unwind(AssertUnwindSafe(|| {
                            registry.dispatch(&event("bomb", round))
                        }));
                        let Ok(bomb) = bomb else {
                            panic!(
                                "thread {t} round {round}: dispatch unwound because a panic \
                                 payload's destructor panicked"
                            );
                        };
                        assert_eq!((bomb.delivered, bomb.panicked), (0, 1));
                        // Everything still works from this thread.
                        let after = registry
                            .bind(
                                format!("after-{t}-{round}"),
                                [Binding::default().app(format!("after-{t}"))],
                                |_| {},
                            )
                            .unwrap();
                        assert_eq!(registry.dispatch(&event("after", round)).delivered, 1);
                        assert!(registry.unbind(after));
                        assert!(!registry.dispatch(&event("after", round)).reached_anyone());
                    }
                })
            })
            .collect();
        for handle in workers {
            handle.join().expect("a worker panicked");
        }
        violations.assert_none();
        let runs = THREADS * ROUNDS;
        assert_eq!(inner_ok.load(SeqCst), runs);
        // Per run: two nested panics, the bomb, and the outer callback every other round.
        let outer_panics = THREADS * ROUNDS.div_ceil(2);
        assert_eq!(registry.stats().panicked, (runs * 3 + outer_panics) as u64);
        assert_eq!(registry.stats().subscriptions, baseline);
    });
}
