//! [`EdrLayer`]: a `tracing` layer that turns events with target `edr` into EDR events.

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Number, Value};
use tracing_core::field::{Field, Visit};
use tracing_core::subscriber::Interest;
use tracing_core::{Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::app::App;
use super::emitter::Emitter;
use super::level::{Severity, Verbosity};

/// A [`tracing_subscriber::Layer`] that turns `tracing` events with target `edr` into EDR
/// [`Event`](super::Event)s, built and dispatched by an [`Emitter`] (feature `tracing`).
///
/// A service then emits EDRs with the logging macros it already uses:
/// `tracing::warn!(target: "edr", account_id = %account, reason = "no route")`.
///
/// # Fields
///
/// | field | becomes | when absent |
/// |---|---|---|
/// | `app_name`, `app_version` | the event's app name and version | the layer's [`App`] |
/// | `account_id` | the account (and, through the emitter, its account tree) | no account |
/// | `severity`, `verbosity` | the levels, parsed exactly (`"warning"`, `"fatal"`) | from the `tracing` level (below) |
/// | anything else, `message` too | a key of the JSON object body, under the field's name | — |
///
/// The five named fields take a string: a string value (`severity = "warning"`) or a value
/// recorded with `%` (`severity = %Severity::Warning`, its `Display`). Body values keep their
/// types: integers are JSON numbers (128-bit ones that JSON numbers cannot hold are decimal
/// strings), booleans are booleans, strings are strings, floats are numbers (NaN and the
/// infinities, which JSON cannot hold, are the strings `"NaN"`, `"inf"`, `"-inf"`). A value
/// recorded with `?` (`Debug`) or `%` (`Display`), and the message, are the string they format
/// to; errors are their `Display` text, byte slices `tracing`'s hex text (`"[68 69]"`).
///
/// **A bad value is kept, not lost**: a named field whose value is not usable (`severity =
/// "OK"`, `account_id = 42`) does not stop the event. The event is delivered with what the
/// field's absence gives (the level-derived severity, the layer's app, no account), and the
/// bad value goes into the body under the field's name (`"severity": "OK"`), where a subscriber
/// sees it. Nothing panics.
///
/// # Levels
///
/// | `tracing` level | severity | verbosity |
/// |---|---|---|
/// | `ERROR` | `critical` | `error` |
/// | `WARN` | `warning` | `warn` |
/// | `INFO` | `ok` | `info` |
/// | `DEBUG` | `ok` | `debug` |
/// | `TRACE` | `ok` | `trace` |
///
/// A valid `severity` or `verbosity` field overrides its column (`fatal` is reachable only so).
///
/// # Filtering and cost
///
/// `tracing` caches each callsite's interest. The layer answers `register_callsite` for an
/// event with target `edr` from the registry's interest: [`Interest::never()`] while no
/// subscription wants any level the callsite can have, so a disabled EDR costs what any callsite
/// `tracing` has disabled costs (one load of the cached interest); otherwise
/// [`Interest::sometimes()`], and `tracing` asks [`Layer::enabled`] at each hit, which the
/// layer answers with [`Registry::is_interested`](super::Registry::is_interested) (one relaxed
/// atomic load) for the level-derived severity and verbosity. When a bind or unbind changes
/// which levels are wanted (not at every bind: only when a level gains its first subscription or
/// loses its last), the registry has `tracing` rebuild its interest cache once the bind or
/// unbind holds no lock, before it returns, so the change holds from the next hit. A disabled
/// event is disabled before its fields are recorded: nothing is formatted, nothing is built. A
/// callsite with a `severity` or `verbosity` field (which callsites have one is remembered when
/// they register) is enabled when any level it could name is wanted; the layer then reads those
/// two fields first and still builds nothing unless the final levels are wanted.
///
/// That answer is the whole subscriber's, as every [`Layer::enabled`] is: an `edr` event that
/// no EDR subscription wants is not seen by the other layers either (a fmt layer logs EDRs only
/// while someone subscribes to them). Every other callsite (other targets, and spans) the layer
/// leaves to the rest of the stack ([`Interest::always()`]: no veto) and ignores.
/// Conversely, a global filter elsewhere in the stack (a `LevelFilter` or `EnvFilter` added as
/// a layer) limits EDRs too; a filter attached to another layer alone (`with_filter`) does not.
///
/// Events built here come from the emitter (its node, clock, ids and account trees);
/// callbacks run on the emitting thread, inside the `tracing` call, as with
/// [`Emitter::emit`]. A callback that emits EDRs itself should use an [`Emitter`]: `tracing`
/// drops an event emitted on a thread whose dispatcher is already handling one (its re-entrancy
/// guard, in force whenever a scoped default subscriber is set anywhere in the process).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use kazoo_records::edr::{App, Binding, EdrLayer, Emitter, Event, Registry, Severity, Verbosity};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let registry = Arc::new(Registry::new());
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// registry.bind("warnings", [Binding::default().severity(Severity::Warning)], move |e: &Event| {
///     sink.lock().unwrap().push(e.clone());
/// })?;
/// let layer = EdrLayer::new(Emitter::new(Arc::clone(&registry)), App::new("callflow", "4.3.1"));
/// let subscriber = tracing_subscriber::registry().with(layer);
///
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::warn!(target: "edr", account_id = "abc", attempts = 3, "no route");
///     tracing::info!(target: "edr", "ok/info: nobody is interested, nothing is built");
/// });
///
/// let seen = seen.lock().unwrap();
/// assert_eq!(seen.len(), 1);
/// assert_eq!((seen[0].severity(), seen[0].verbosity()), (Severity::Warning, Verbosity::Warn));
/// assert_eq!((seen[0].app_name(), seen[0].account_id()), ("callflow", Some("abc")));
/// assert_eq!(seen[0].body(), &serde_json::json!({"attempts": 3, "message": "no route"}));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
#[derive(Debug, Clone)]
pub struct EdrLayer {
    emitter: Emitter,
    app: App,
    named_levels: Arc<NamedLevels>,
}

impl EdrLayer {
    /// The `tracing` target whose events become EDR events.
    pub const TARGET: &str = "edr";

    /// A layer that builds and dispatches events through `emitter`, as `app` unless an event's
    /// `app_name` / `app_version` field says otherwise.
    pub fn new(emitter: Emitter, app: App) -> Self {
        EdrLayer {
            emitter,
            app,
            named_levels: Arc::default(),
        }
    }

    /// The emitter events go through (and, through it, the registry).
    pub fn emitter(&self) -> &Emitter {
        &self.emitter
    }

    /// The app events come from when they do not name one.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Whether a subscription may want an event of this callsite: the level-derived levels
    /// first (one load), and only if they are not wanted, the levels its `severity` /
    /// `verbosity` fields could name.
    fn may_want(&self, metadata: &Metadata<'_>) -> bool {
        let registry = self.emitter.registry();
        let (severity, verbosity) = levels(metadata.level());
        if registry.is_interested(severity, verbosity) {
            return true;
        }
        let (named_severity, named_verbosity) = self.named_levels.get(metadata);
        if !(named_severity || named_verbosity) {
            return false;
        }
        let severities: &[Severity] = if named_severity {
            &Severity::ALL
        } else {
            &[severity]
        };
        let verbosities: &[Verbosity] = if named_verbosity {
            &Verbosity::ALL
        } else {
            &[verbosity]
        };
        severities
            .iter()
            .any(|&s| verbosities.iter().any(|&v| registry.is_interested(s, v)))
    }
}

/// Which callsites have a `severity` or a `verbosity` field, remembered by the address of their
/// static metadata when they register, so that a disabled event does not scan its field names
/// at every hit.
///
/// Direct-mapped and first come, first kept: a slot holds `address | flags` once and is never
/// overwritten, so a hit writes no shared memory; a callsite whose slot another holds (or whose
/// metadata is not static, as for records bridged from `log`) scans its names each time:
/// correct, only slower. Only `'static` metadata is remembered, so an address names one
/// callsite for the life of the program, and a slot is one word: a relaxed load sees it whole.
struct NamedLevels {
    slots: [AtomicUsize; NamedLevels::SLOTS],
}

impl NamedLevels {
    const SLOTS: usize = 64;
    const KNOWN: usize = 1;
    const SEVERITY: usize = 2;
    const VERBOSITY: usize = 4;
    const FLAGS: usize = 7;

    /// Remembers a registering callsite's flags, if its slot is free.
    fn remember(&self, metadata: &'static Metadata<'static>) {
        let address = std::ptr::from_ref(metadata) as usize;
        // Metadata holds pointers, so its address has three zero bits for the flags.
        if address & Self::FLAGS != 0 {
            return;
        }
        let (severity, verbosity) = Self::scan(metadata);
        let flags = Self::KNOWN
            | if severity { Self::SEVERITY } else { 0 }
            | if verbosity { Self::VERBOSITY } else { 0 };
        // A slot already taken (by this callsite, or another) stays as it is.
        let _ = self.slots[Self::slot(address)].compare_exchange(
            0,
            address | flags,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Whether the callsite of `metadata` has a `severity` field and a `verbosity` field.
    fn get(&self, metadata: &Metadata<'_>) -> (bool, bool) {
        let address = std::ptr::from_ref(metadata) as usize;
        let held = self.slots[Self::slot(address)].load(Ordering::Relaxed);
        if held & !Self::FLAGS == address && held & Self::KNOWN != 0 {
            return (held & Self::SEVERITY != 0, held & Self::VERBOSITY != 0);
        }
        Self::scan(metadata)
    }

    /// Looks for the two names among the callsite's fields.
    fn scan(metadata: &Metadata<'_>) -> (bool, bool) {
        let (mut severity, mut verbosity) = (false, false);
        for field in metadata.fields() {
            match field.name() {
                SEVERITY => severity = true,
                VERBOSITY => verbosity = true,
                _ => {}
            }
        }
        (severity, verbosity)
    }

    /// The slot of an address (Fibonacci hashing of its 8-byte units).
    fn slot(address: usize) -> usize {
        let hash = ((address >> 3) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (hash >> (64 - Self::SLOTS.trailing_zeros())) as usize
    }
}

impl Default for NamedLevels {
    fn default() -> Self {
        NamedLevels {
            slots: std::array::from_fn(|_| AtomicUsize::new(0)),
        }
    }
}

impl fmt::Debug for NamedLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.slots.iter().filter(|s| s.load(Ordering::Relaxed) != 0);
        f.debug_struct("NamedLevels")
            .field("callsites", &held.count())
            .finish()
    }
}

/// Whether this is a callsite the layer handles: an event with target `edr`.
fn is_edr_event(metadata: &Metadata<'_>) -> bool {
    metadata.is_event() && metadata.target() == EdrLayer::TARGET
}

/// The severity and verbosity a `tracing` level gives (the table in [`EdrLayer`]'s docs).
fn levels(level: &Level) -> (Severity, Verbosity) {
    match *level {
        Level::ERROR => (Severity::Critical, Verbosity::Error),
        Level::WARN => (Severity::Warning, Verbosity::Warn),
        Level::INFO => (Severity::Ok, Verbosity::Info),
        Level::DEBUG => (Severity::Ok, Verbosity::Debug),
        Level::TRACE => (Severity::Ok, Verbosity::Trace),
    }
}

impl<S: Subscriber> Layer<S> for EdrLayer {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_edr_event(metadata) {
            self.named_levels.remember(metadata);
            if self.may_want(metadata) {
                Interest::sometimes()
            } else {
                // Asked again when a registry's interest changes (`interest::changed`).
                Interest::never()
            }
        } else {
            Interest::always()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        !is_edr_event(metadata) || self.may_want(metadata)
    }

    fn on_event(&self, event: &tracing_core::Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        if !is_edr_event(metadata) {
            return;
        }
        let mut named = Named::default();
        event.record(&mut named);
        let (level_severity, level_verbosity) = levels(metadata.level());
        let severity = named.severity.as_ref().map_or(level_severity, |(_, s)| *s);
        let verbosity = named
            .verbosity
            .as_ref()
            .map_or(level_verbosity, |(_, v)| *v);
        if !self.emitter.registry().is_interested(severity, verbosity) {
            return;
        }
        let mut body = BodyVisitor {
            taken: named.taken(),
            body: Map::new(),
        };
        event.record(&mut body);
        let body = Value::Object(body.body);
        let (app, named_app) = (&self.app, (&named.app_name, &named.app_version));
        let app_name = named_app.0.as_ref().map_or(app.name(), |(_, s)| s);
        let app_version = named_app.1.as_ref().map_or(app.version(), |(_, s)| s);
        match &named.account_id {
            Some((_, account)) => self.emitter.event_for_account(
                app_name,
                app_version,
                severity,
                verbosity,
                body,
                account,
            ),
            None => self
                .emitter
                .event(app_name, app_version, severity, verbosity, body),
        };
    }
}

const APP_NAME: &str = "app_name";
const APP_VERSION: &str = "app_version";
const ACCOUNT_ID: &str = "account_id";
const SEVERITY: &str = "severity";
const VERBOSITY: &str = "verbosity";

/// The first pass over an event's fields: the five named fields, each kept with the field it
/// came from when its value is usable. Every other field is skipped unformatted.
#[derive(Default)]
struct Named {
    app_name: Option<(Field, String)>,
    app_version: Option<(Field, String)>,
    account_id: Option<(Field, String)>,
    severity: Option<(Field, Severity)>,
    verbosity: Option<(Field, Verbosity)>,
}

impl Named {
    /// Whether `field` is one of the five named fields (its value is then worth formatting).
    fn names(field: &Field) -> bool {
        matches!(
            field.name(),
            APP_NAME | APP_VERSION | ACCOUNT_ID | SEVERITY | VERBOSITY
        )
    }

    /// Takes a string value for a named field when it is usable; anything else is left for
    /// the body.
    fn take(&mut self, field: &Field, value: &str) {
        let owned = || Some((field.clone(), value.to_owned()));
        match field.name() {
            APP_NAME => self.app_name = owned(),
            APP_VERSION => self.app_version = owned(),
            ACCOUNT_ID => self.account_id = owned(),
            SEVERITY => {
                if let Ok(severity) = value.parse() {
                    self.severity = Some((field.clone(), severity));
                }
            }
            VERBOSITY => {
                if let Ok(verbosity) = value.parse() {
                    self.verbosity = Some((field.clone(), verbosity));
                }
            }
            _ => {}
        }
    }

    /// The fields whose values were taken (the body gets every other one).
    fn taken(&self) -> [Option<Field>; 5] {
        [
            self.app_name.as_ref().map(|(f, _)| f.clone()),
            self.app_version.as_ref().map(|(f, _)| f.clone()),
            self.account_id.as_ref().map(|(f, _)| f.clone()),
            self.severity.as_ref().map(|(f, _)| f.clone()),
            self.verbosity.as_ref().map(|(f, _)| f.clone()),
        ]
    }
}

impl Visit for Named {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.take(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if Named::names(field) {
            let mut text = String::new();
            // Writing into a `String` fails only if the value's own `Debug` does: then the
            // field is not usable, and the body records what it can of it.
            if write!(text, "{value:?}").is_ok() {
                self.take(field, &text);
            }
        }
    }

    // Numbers, booleans, bytes and errors are not names or levels: they go to the body.
    fn record_i64(&mut self, _: &Field, _: i64) {}
    fn record_u64(&mut self, _: &Field, _: u64) {}
    fn record_i128(&mut self, _: &Field, _: i128) {}
    fn record_u128(&mut self, _: &Field, _: u128) {}
    fn record_f64(&mut self, _: &Field, _: f64) {}
    fn record_bool(&mut self, _: &Field, _: bool) {}
    fn record_bytes(&mut self, _: &Field, _: &[u8]) {}
    fn record_error(&mut self, _: &Field, _: &(dyn std::error::Error + 'static)) {}
}

/// The second pass: every field not taken by [`Named`] becomes a body key, typed.
struct BodyVisitor {
    taken: [Option<Field>; 5],
    body: Map<String, Value>,
}

impl BodyVisitor {
    fn put(&mut self, field: &Field, value: impl FnOnce() -> Value) {
        if !self.taken.iter().flatten().any(|taken| taken == field) {
            self.body.insert(field.name().to_owned(), value());
        }
    }
}

impl Visit for BodyVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, || Value::String(value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, || {
            let mut text = String::new();
            // A `Debug` that fails leaves what it wrote before failing.
            let _ = write!(text, "{value:?}");
            Value::String(text)
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, || Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, || Value::from(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.put(field, || match i64::try_from(value) {
            Ok(small) => Value::from(small),
            Err(_) => match u64::try_from(value) {
                Ok(small) => Value::from(small),
                Err(_) => Value::String(value.to_string()),
            },
        });
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.put(field, || match u64::try_from(value) {
            Ok(small) => Value::from(small),
            Err(_) => Value::String(value.to_string()),
        });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, || match Number::from_f64(value) {
            Some(number) => Value::Number(number),
            None => Value::String(value.to_string()),
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, || Value::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, || Value::String(value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_core::callsite::DefaultCallsite;
    use tracing_core::field::FieldSet;
    use tracing_core::identify_callsite;
    use tracing_core::metadata::Kind;

    /// A static `edr` event callsite with these field names.
    macro_rules! callsite {
        ($callsite:ident, $metadata:ident, $fields:expr) => {
            static $callsite: DefaultCallsite = DefaultCallsite::new(&$metadata);
            static $metadata: Metadata<'static> = Metadata::new(
                "event",
                "edr",
                Level::INFO,
                None,
                None,
                None,
                FieldSet::new($fields, identify_callsite!(&$callsite)),
                Kind::EVENT,
            );
        };
    }

    callsite!(SEVERITY_CS, SEVERITY_META, &["message", "severity"]);
    callsite!(VERBOSITY_CS, VERBOSITY_META, &["verbosity"]);
    callsite!(BOTH_CS, BOTH_META, &["verbosity", "x", "severity"]);
    callsite!(NEITHER_CS, NEITHER_META, &["message", "attempts"]);

    #[test]
    fn named_levels_remember_callsites_and_scan_on_a_miss() {
        let all = [
            (&SEVERITY_META, (true, false)),
            (&VERBOSITY_META, (false, true)),
            (&BOTH_META, (true, true)),
            (&NEITHER_META, (false, false)),
        ];
        // Not remembered: scanned.
        let cache = NamedLevels::default();
        for (metadata, expected) in all {
            assert_eq!(cache.get(metadata), expected, "{metadata:?}");
        }
        // Remembered (twice: a second registration changes nothing).
        for (metadata, expected) in all.into_iter().chain(all) {
            cache.remember(metadata);
            assert_eq!(cache.get(metadata), expected, "{metadata:?}");
        }
        // Every slot held by another callsite with other flags: still right, by scanning.
        let cache = NamedLevels::default();
        let stranger = std::ptr::from_ref(&NEITHER_META) as usize + 64 * 8;
        for slot in &cache.slots {
            slot.store(stranger | NamedLevels::FLAGS, Ordering::Relaxed);
        }
        for (metadata, expected) in all {
            cache.remember(metadata);
            assert_eq!(cache.get(metadata), expected, "{metadata:?}");
        }
        assert!(format!("{cache:?}").contains("callsites: 64"));
    }

    #[test]
    fn every_tracing_level_has_a_distinct_verbosity() {
        let all = [
            Level::TRACE,
            Level::DEBUG,
            Level::INFO,
            Level::WARN,
            Level::ERROR,
        ];
        let verbosities: Vec<Verbosity> = all.iter().map(|l| levels(l).1).collect();
        assert!(
            verbosities.windows(2).all(|w| w[0] < w[1]),
            "{verbosities:?}"
        );
        let severities: Vec<Severity> = all.iter().map(|l| levels(l).0).collect();
        assert!(
            severities.windows(2).all(|w| w[0] <= w[1]),
            "{severities:?}"
        );
    }
}
