//! [`Ingest`]: KAZOO's `cdr` application as a pure function, from the CHANNEL_DESTROY event
//! on the wire to the CDR document it stores and the database it stores it in.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeSeed;
use serde_json::{Map, Value};

use super::account_db::{self, ACCOUNT_ID_EXPECTED, raw_account_id};
use super::channel_vars::CustomChannelVars;
use super::ids::InteractionId;
use super::normalize::{Member, Normalized, Words};
use super::record::Cdr;
use crate::Error;
use crate::error::{show_json, show_str};
use crate::json::{self, ErrorSlot, ObjectSeed};
use crate::time::GregorianSeconds;

/// The database of CDRs without an account (KAZOO's `anonymous_cdrs`).
pub(crate) const ANONYMOUS_DB: &str = "anonymous_cdrs";

const CCV: &str = "Custom-Channel-Vars";
const INTERACTION_ID: &str = "Call-Interaction-ID";

/// What an interaction id looks like, for error messages.
const INTERACTION_EXPECTED: &str =
    "<11-digit Gregorian seconds>-<key>, such as 63724403398-af5b9a0e";

/// Turns KAZOO CHANNEL_DESTROY events into the CDR documents KAZOO's `cdr` application
/// stores, without I/O: the host receives the event (queue `cdr_listener`, routing key
/// `call.CHANNEL_DESTROY.*` on the `callevt` exchange), calls
/// [`channel_destroy`](Self::channel_destroy) and stores what it returns.
///
/// [`Ingest::new`] has KAZOO's defaults: events from the application `milliwatt` are
/// ignored, so are loopback channels that bowed out, and CDRs without an account are not
/// stored. The builder methods change them, and name the node written as `pvt_node`.
///
/// ```
/// use kazoo_records::cdr::{Ingest, Ingested};
/// use kazoo_records::time::GregorianSeconds;
/// use serde_json::json;
///
/// let wire = json!({
///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64, "Billing-Seconds": "10",
///     "Custom-Channel-Vars": {
///         "Account-ID": "47459457c634aff90b96f6af8a8eebb6",
///         "Call-Interaction-ID": "63724403398-af5b9a0e"
///     }
/// });
/// let ingest = Ingest::new().node("kazoo_apps@host");
/// let Ingested::Stored { database, cdr } = ingest.channel_destroy(&wire, GregorianSeconds(63_724_403_410))? else {
///     panic!("an event with an account is stored");
/// };
/// assert_eq!(database, "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-201905");
/// assert_eq!(cdr.doc_id.as_deref(), Some("201905-abc"));
/// assert_eq!(cdr.interaction_id.as_ref().map(|id| id.key()), Some("af5b9a0e"));
/// assert_eq!(cdr.billing_seconds, Some(10));
/// assert_eq!(cdr.pvt_account_db.as_deref(), Some(database.as_str()));
/// assert_eq!(cdr.extra["pvt_node"], "kazoo_apps@host");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
///
/// # What it does
///
/// As KAZOO's `cdr_channel_destroy` (master; 4.3 differs only in not writing `pvt_node`):
///
/// 1. **Validation**: `Call-ID`, `App-Name`, `App-Version` and `Msg-ID` are present,
///    `Event-Category` is `call_event` and `Event-Name` is `CHANNEL_DESTROY`;
///    `Custom-Channel-Vars`, `Custom-Application-Vars`, `Custom-SIP-Headers` and `Fax-Info` are
///    objects when present. Every other key passes through to the document.
/// 2. **Skips** ([`Ingested::Skipped`]): a top-level `Application-Name` listed in
///    [`ignore_apps`](Self::ignore_apps); a loopback channel that bowed out
///    ([`ignore_loopback_bowout`](Self::ignore_loopback_bowout): `Channel-Is-Loopback`,
///    `Channel-Loopback-Bowout` and `Channel-Loopback-Bowout-Execute` all `true` or `"true"`,
///    and either no `Hangup-Cause`, one starting with `NORMAL`, or a `Channel-Loopback-Leg`
///    other than `"B"`); no `Custom-Channel-Vars.Account-ID`, unless
///    [`store_anonymous`](Self::store_anonymous) (then the database is `anonymous_cdrs`).
/// 3. **Document**, in this order, on the wire form: channel variables whose names start with
///    `_` or `pvt_` move to the top level (`Custom-Channel-Vars` is always written, `{}` when
///    absent); `_id` is `YYYYMM-<Call-ID>` of the `Timestamp`'s month (UTC);
///    `Recording-Url`, `Call-Priority`, `E164-Destination`, `E164-Origination` and
///    `DID-Classifier` move out of the channel variables, `Is-Conference` too when it is
///    `true` or `"true"` (then as `true`); the channel variable `Call-Interaction-ID`
///    (`<11-digit Gregorian seconds>-<key>`; when absent, `<now>-<8 random hex digits>` is
///    generated) leaves the channel variables and becomes `Interaction-Id`, `Interaction-Key`
///    and `Interaction-Time`, and `_id` takes the interaction time's month; then `pvt_type`
///    `"cdr"`, `pvt_vsn` 2, `pvt_account_id` (the account id as given; `anonymous_cdrs`
///    without one), `pvt_account_db` (the account's month database of the interaction time,
///    see [`account_modb`](crate::cdr::account_modb)), `pvt_created` (`now`, unless the event
///    has a `_rev`), `pvt_modified` (`now`) and `pvt_node` when a [`node`](Self::node) is
///    set. Last, the keys are normalised by [`normalize_document`](crate::cdr::normalize_document).
///
/// The document is then read as a [`Cdr`] (which keeps every key it does not type in
/// [`Cdr::extra`]).
///
/// # Deliberate differences from KAZOO
///
/// - Keys are lowercased in ASCII only. KAZOO also lowercases the bytes 0xC0–0xDE one by
///   one, which corrupts UTF-8 keys; other characters are kept here.
/// - Where KAZOO's handler crashes and the CDR is lost, this returns an [`Error`] naming the
///   field and its value: an event that is not an object, a wrong `Event-Category` or
///   `Event-Name`, a missing `Call-ID` (or one that is empty, or neither a string nor an
///   integer), a missing `Timestamp` or one that is neither a number nor a numeric string
///   (KAZOO rounds those to an integer, and so does this) or is negative, a malformed
///   `Call-Interaction-ID`, an account id that is not 32 characters, channel variables that
///   are not an object. Nothing panics, whatever the input.
/// - `pvt_document_hash` (an MD5 over KAZOO's own JSON encoding, key-order dependent) is not
///   written.
/// - A duplicate delivery of an event is a save conflict that KAZOO silently ignores. Here
///   `_id` and the database depend only on the event (and, without a `Call-Interaction-ID`,
///   on `now` and the random key), so a host that inserts only if absent gets the same result.
/// - A `Call-ID` of `null`, `true` or a float is an error (KAZOO writes `"null"`, `"true"` or
///   a float's digits into `_id`); an interaction time before the year 1000 or after 9999 is
///   an error for an account's CDR (KAZOO crashes on the first, cuts the year of the second).
///
/// Where one object holds two keys that normalise alike, the later one in the object's order
/// wins, as in KAZOO: a key the pipeline adds (`_id`, `Interaction-Time`, `pvt_*`) comes after
/// the event's own keys, one it changes keeps its place, and the channel variables move first
/// when one of them moves out. (With serde_json's default map the event's keys are in sorted
/// order, so its key that is normal already wins over its other spellings.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingest {
    node: Option<String>,
    ignore_apps: Vec<String>,
    ignore_loopback_bowout: bool,
    store_anonymous: bool,
}

impl Default for Ingest {
    fn default() -> Self {
        Ingest {
            node: None,
            ignore_apps: vec!["milliwatt".to_owned()],
            ignore_loopback_bowout: true,
            store_anonymous: false,
        }
    }
}

/// What [`Ingest::channel_destroy`] made of an event: a document to store, or a reason not
/// to store one.
///
/// The two variants are the whole contract (match both); new reasons for not storing are
/// added to [`SkipReason`], which is `#[non_exhaustive]`.
///
/// ```
/// use kazoo_records::cdr::{Ingest, Ingested};
/// use kazoo_records::time::GregorianSeconds;
///
/// fn store(wire: &serde_json::Value, now: GregorianSeconds) -> Result<Option<String>, kazoo_records::Error> {
///     Ok(match Ingest::new().channel_destroy(wire, now)? {
///         Ingested::Stored { database, cdr } => Some(format!("{database}/{}", cdr.doc_id.unwrap_or_default())),
///         Ingested::Skipped(reason) => {
///             eprintln!("not stored: {reason}");
///             None
///         }
///     })
/// }
/// assert!(store(&serde_json::json!({}), GregorianSeconds(63_724_403_410)).is_err());
/// ```
// `Stored` is large (a `Cdr`), `Skipped` small; boxing the `Cdr` would cost every stored
// event an allocation to save copying a few kilobytes once.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Store `cdr` in `database`, under its [`doc_id`](Cdr::doc_id).
    Stored {
        /// The database: the account's month database (`account%2F…-YYYYMM`), or
        /// `anonymous_cdrs`.
        database: String,
        /// The document, exactly as KAZOO would save it (less `pvt_document_hash`).
        cdr: Cdr,
    },
    /// Store nothing, for this reason.
    Skipped(SkipReason),
}

/// Why [`Ingest::channel_destroy`] stores nothing for an event.
///
/// Its `Display` is a short sentence for logs.
///
/// ```
/// use kazoo_records::cdr::SkipReason;
///
/// assert_eq!(SkipReason::IgnoredApp("milliwatt".into()).to_string(), "ignored application \"milliwatt\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// The event's `Application-Name` is one of [`Ingest::ignore_apps`].
    IgnoredApp(String),
    /// A loopback channel that bowed out (see [`Ingest::ignore_loopback_bowout`]).
    LoopbackBowout,
    /// The event has no account and anonymous CDRs are not stored (see
    /// [`Ingest::store_anonymous`]).
    Anonymous,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::IgnoredApp(app) => write!(f, "ignored application {app:?}"),
            SkipReason::LoopbackBowout => f.write_str("a loopback channel that bowed out"),
            SkipReason::Anonymous => f.write_str("no account, and anonymous CDRs are not stored"),
        }
    }
}

impl Ingest {
    /// KAZOO's defaults: ignore the application `milliwatt`, ignore loopback bow-outs, do not
    /// store anonymous CDRs, no `pvt_node`.
    ///
    /// ```
    /// use kazoo_records::cdr::{Ingest, Ingested, SkipReason};
    /// use kazoo_records::time::GregorianSeconds;
    /// use serde_json::json;
    ///
    /// let wire = json!({
    ///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
    ///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
    ///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64, "Application-Name": "milliwatt",
    ///     "Custom-Channel-Vars": {"Account-ID": "47459457c634aff90b96f6af8a8eebb6"}
    /// });
    /// let now = GregorianSeconds(63_724_403_410);
    /// assert_eq!(
    ///     Ingest::new().channel_destroy(&wire, now)?,
    ///     Ingested::Skipped(SkipReason::IgnoredApp("milliwatt".into()))
    /// );
    /// assert_eq!(Ingest::new(), Ingest::default());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn new() -> Self {
        Ingest::default()
    }

    /// The node written as `pvt_node` (KAZOO master writes its Erlang node name there, such as
    /// `kazoo_apps@host`; KAZOO 4.3 writes none, as `Ingest` does without this).
    ///
    /// ```
    /// use kazoo_records::cdr::{Ingest, Ingested};
    /// use kazoo_records::time::GregorianSeconds;
    /// use serde_json::json;
    ///
    /// let wire = json!({
    ///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
    ///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
    ///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64,
    ///     "Custom-Channel-Vars": {"Account-ID": "47459457c634aff90b96f6af8a8eebb6"}
    /// });
    /// let now = GregorianSeconds(63_724_403_410);
    /// let Ingested::Stored { cdr, .. } = Ingest::new().node("kazoo_apps@host").channel_destroy(&wire, now)? else {
    ///     panic!("stored");
    /// };
    /// assert_eq!(cdr.extra["pvt_node"], "kazoo_apps@host");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    /// The applications (`Application-Name`) whose events are skipped
    /// ([`SkipReason::IgnoredApp`]); default `["milliwatt"]`, KAZOO's `ignore_apps`.
    ///
    /// ```
    /// use kazoo_records::cdr::{Ingest, Ingested, SkipReason};
    /// use kazoo_records::time::GregorianSeconds;
    /// use serde_json::json;
    ///
    /// let wire = json!({
    ///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
    ///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
    ///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64, "Application-Name": "echo",
    ///     "Custom-Channel-Vars": {"Account-ID": "47459457c634aff90b96f6af8a8eebb6"}
    /// });
    /// let now = GregorianSeconds(63_724_403_410);
    /// let ingest = Ingest::new().ignore_apps(["echo", "milliwatt"]);
    /// assert_eq!(ingest.channel_destroy(&wire, now)?, Ingested::Skipped(SkipReason::IgnoredApp("echo".into())));
    /// assert!(matches!(Ingest::new().channel_destroy(&wire, now)?, Ingested::Stored { .. }));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn ignore_apps<I, S>(mut self, apps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ignore_apps = apps.into_iter().map(Into::into).collect();
        self
    }

    /// Whether loopback channels that bowed out are skipped ([`SkipReason::LoopbackBowout`]);
    /// default `true`, KAZOO's `ignore_loopback_bowout`.
    ///
    /// ```
    /// use kazoo_records::cdr::{Ingest, Ingested, SkipReason};
    /// use kazoo_records::time::GregorianSeconds;
    /// use serde_json::json;
    ///
    /// let wire = json!({
    ///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
    ///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
    ///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64,
    ///     "Channel-Is-Loopback": true, "Channel-Loopback-Bowout": true,
    ///     "Channel-Loopback-Bowout-Execute": "true", "Channel-Loopback-Leg": "A",
    ///     "Custom-Channel-Vars": {"Account-ID": "47459457c634aff90b96f6af8a8eebb6"}
    /// });
    /// let now = GregorianSeconds(63_724_403_410);
    /// assert_eq!(Ingest::new().channel_destroy(&wire, now)?, Ingested::Skipped(SkipReason::LoopbackBowout));
    /// let ingest = Ingest::new().ignore_loopback_bowout(false);
    /// assert!(matches!(ingest.channel_destroy(&wire, now)?, Ingested::Stored { .. }));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn ignore_loopback_bowout(mut self, ignore: bool) -> Self {
        self.ignore_loopback_bowout = ignore;
        self
    }

    /// Whether CDRs without an account are stored, in `anonymous_cdrs`
    /// (else [`SkipReason::Anonymous`]); default `false`, KAZOO's `store_anonymous`.
    ///
    /// KAZOO's document of an anonymous CDR has `pvt_account_id` and `pvt_account_db` both
    /// `anonymous_cdrs`.
    ///
    /// ```
    /// use kazoo_records::cdr::{Ingest, Ingested, SkipReason};
    /// use kazoo_records::time::GregorianSeconds;
    /// use serde_json::json;
    ///
    /// let wire = json!({
    ///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
    ///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
    ///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64,
    ///     "Custom-Channel-Vars": {"Account-ID": "47459457c634aff90b96f6af8a8eebb6"}
    /// });
    /// let now = GregorianSeconds(63_724_403_410);
    /// let mut wire = wire;
    /// wire["Custom-Channel-Vars"] = json!({});
    /// assert_eq!(Ingest::new().channel_destroy(&wire, now)?, Ingested::Skipped(SkipReason::Anonymous));
    /// let Ingested::Stored { database, cdr } = Ingest::new().store_anonymous(true).channel_destroy(&wire, now)? else {
    ///     panic!("stored");
    /// };
    /// assert_eq!((database.as_str(), cdr.pvt_account_id.as_deref()), ("anonymous_cdrs", Some("anonymous_cdrs")));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn store_anonymous(mut self, store: bool) -> Self {
        self.store_anonymous = store;
        self
    }

    /// The CDR KAZOO's `cdr` application stores for the CHANNEL_DESTROY event `wire` (its AMQP
    /// payload, parsed), at the host's time `now`; or why it stores none. See [`Ingest`] for
    /// each step.
    ///
    /// `now` is written as `pvt_created` and `pvt_modified`, and is the time of the
    /// interaction id generated for an event without a `Call-Interaction-ID`.
    ///
    /// ```
    /// use kazoo_records::cdr::{Ingest, Ingested, SkipReason};
    /// use kazoo_records::time::GregorianSeconds;
    /// use kazoo_records::ErrorKind;
    /// use serde_json::json;
    ///
    /// let mut wire = json!({
    ///     "Event-Category": "call_event", "Event-Name": "CHANNEL_DESTROY",
    ///     "App-Name": "ecallmgr", "App-Version": "4.3.0", "Msg-ID": "m1",
    ///     "Call-ID": "abc", "Timestamp": 63_724_403_408_i64
    /// });
    /// let now = GregorianSeconds(63_724_403_410);
    /// assert_eq!(Ingest::new().channel_destroy(&wire, now)?, Ingested::Skipped(SkipReason::Anonymous));
    ///
    /// let Ingested::Stored { database, cdr } = Ingest::new().store_anonymous(true).channel_destroy(&wire, now)? else {
    ///     panic!("stored when asked to");
    /// };
    /// assert_eq!(database, "anonymous_cdrs");
    /// assert_eq!(cdr.interaction_time, Some(now)); // generated: no Call-Interaction-ID
    ///
    /// wire["Custom-Channel-Vars"] = json!({"Account-ID": "4745", "Call-Interaction-ID": "63724403398-x"});
    /// let err = Ingest::new().channel_destroy(&wire, now).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Invalid);
    /// assert_eq!(err.path(), "Custom-Channel-Vars.Account-ID");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Where KAZOO's handler crashes (see [`Ingest`]), with the path of the field in the
    /// event (`Custom-Channel-Vars.Call-Interaction-ID`) and its value:
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for a value of the wrong form,
    /// [`ErrorKind::MissingKey`](crate::ErrorKind::MissingKey) for a missing required key,
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) for a time that gives no
    /// database or document id (negative, or with a year past 9999; an account's interaction
    /// time outside the years 1000 to 9999; a `now` without 11 digits when an interaction id
    /// must be generated).
    ///
    /// The stored document is read as [`Cdr::from_json_value_lenient`] reads: a value of the
    /// wrong kind for its field (an empty interaction key, a fractional `duration_seconds`)
    /// is kept verbatim and written back, so every event KAZOO would store is stored, and the
    /// stored document is exactly KAZOO's.
    pub fn channel_destroy(&self, wire: &Value, now: GregorianSeconds) -> Result<Ingested, Error> {
        match self.prepare(wire, now, &mut random_key)? {
            Prepared::Skipped(reason) => Ok(Ingested::Skipped(reason)),
            Prepared::Document { database, members } => Ok(Ingested::Stored {
                database,
                cdr: read_cdr(members)?,
            }),
        }
    }

    /// Every step but the typed read: the database and the normalised document, or why
    /// nothing is stored. `key` gives the 8 hex digits of a generated interaction id.
    fn prepare<'a>(
        &self,
        wire: &'a Value,
        now: GregorianSeconds,
        key: &mut dyn FnMut() -> String,
    ) -> Result<Prepared<'a>, Error> {
        let Value::Object(event) = wire else {
            return Err(Error::invalid(
                show_json(wire),
                "a CHANNEL_DESTROY event",
                "a JSON object",
            ));
        };
        validate(event)?;
        if let Some(reason) = self.skip(event) {
            return Ok(Prepared::Skipped(reason));
        }
        // KAZOO reads the account before any step changes the event.
        let account = account_id(event)?;
        let mut doc = Working::new(event);
        doc.hoist_private_vars();
        let call_id = doc.set_timestamp_id(event)?;
        for name in [
            "Recording-Url",
            "Call-Priority",
            "E164-Destination",
            "E164-Origination",
            "DID-Classifier",
        ] {
            doc.move_var(name);
        }
        doc.move_conference();
        let interaction = doc.set_interaction(&call_id, now, key)?;
        let database = match &account {
            Some(account) => account_db::account_modb(account, interaction.time)
                .map_err(|e| within_path(e, interaction.path))?,
            None => ANONYMOUS_DB.to_owned(),
        };
        if account.is_none() && !self.store_anonymous {
            return Ok(Prepared::Skipped(SkipReason::Anonymous));
        }
        doc.set_private(
            account.unwrap_or(ANONYMOUS_DB),
            &database,
            now,
            self.node.as_deref(),
        );
        Ok(Prepared::Document {
            database,
            members: doc.into_members(),
        })
    }

    /// The reason to skip `event`, if any (KAZOO checks the application, then loopback).
    fn skip(&self, event: &Map<String, Value>) -> Option<SkipReason> {
        if let Binary::Text(app) = kazoo_text(event.get("Application-Name")) {
            if self
                .ignore_apps
                .iter()
                .any(|ignored| ignored.as_str() == app.as_ref())
            {
                return Some(SkipReason::IgnoredApp(app.into_owned()));
            }
        }
        let is_true = |key: &str| is_true(event.get(key));
        if self.ignore_loopback_bowout
            && is_true("Channel-Is-Loopback")
            && is_true("Channel-Loopback-Bowout")
            && is_true("Channel-Loopback-Bowout-Execute")
        {
            let normal_hangup = match kazoo_text(event.get("Hangup-Cause")) {
                Binary::Absent => true,
                Binary::Text(cause) => cause.starts_with("NORMAL"),
                Binary::Other => false,
            };
            let b_leg = matches!(kazoo_text(event.get("Channel-Loopback-Leg")), Binary::Text(leg) if leg == "B");
            if normal_hangup || !b_leg {
                return Some(SkipReason::LoopbackBowout);
            }
        }
        None
    }
}

/// [`Cdr::from_json_value`] of the normalised document, read straight from its members
/// (normalised on the way: no intermediate document is built).
/// Reads the document leniently: what does not fit its field is kept verbatim (and written
/// back), so a document KAZOO stores is never refused here.
fn read_cdr(members: Vec<(&str, Member<'_>)>) -> Result<Cdr, Error> {
    let slot = ErrorSlot::lenient();
    let document = Normalized::with_words(Member::Object(members), record_keys());
    match ObjectSeed::<Cdr>::new(&slot).deserialize(document) {
        Ok(Some(cdr)) => Ok(cdr),
        Ok(None) => Err(Error::invalid("null", "a CDR", "a JSON object")),
        Err(e) => Err(json::json_error(&slot, e)),
    }
}

/// The keys the typed read knows (of [`Cdr`] and its channel variables): the normalisation
/// lends these instead of allocating each key.
fn record_keys() -> &'static Words {
    static KEYS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let keys = Cdr::KNOWN_KEYS.iter().chain(CustomChannelVars::KNOWN_KEYS);
        Words::new(keys.copied().chain([super::record::CALL_ID]))
    })
}

/// [`Ingest::prepare`]'s answer: the document is its members before normalisation, which
/// happens as it is read.
#[derive(Debug)]
enum Prepared<'a> {
    Skipped(SkipReason),
    Document {
        database: String,
        members: Vec<(&'a str, Member<'a>)>,
    },
}

/// KAZOO's `kapi_call:event_v`, plus the event name the listener routes on.
fn validate(event: &Map<String, Value>) -> Result<(), Error> {
    for (key, expected, what) in [
        (
            "Event-Category",
            "call_event",
            "the event category of a CHANNEL_DESTROY",
        ),
        (
            "Event-Name",
            "CHANNEL_DESTROY",
            "the event name of a CHANNEL_DESTROY",
        ),
    ] {
        match event.get(key) {
            None => return Err(Error::missing_key(key)),
            Some(Value::String(value)) if value == expected => {}
            Some(other) => {
                return Err(
                    Error::invalid(show_json(other), what, format!("{expected:?}")).within(key),
                );
            }
        }
    }
    // Present means present: KAZOO counts a `null` too.
    for key in ["Call-ID", "App-Name", "App-Version", "Msg-ID"] {
        if !event.contains_key(key) {
            return Err(Error::missing_key(key));
        }
    }
    for (key, what) in [
        (CCV, "a set of channel variables"),
        ("Custom-Application-Vars", "a set of application variables"),
        ("Custom-SIP-Headers", "a set of SIP headers"),
        ("Fax-Info", "a set of fax details"),
    ] {
        match event.get(key) {
            None | Some(Value::Object(_)) => {}
            Some(other) => {
                return Err(Error::invalid(show_json(other), what, "a JSON object").within(key));
            }
        }
    }
    Ok(())
}

/// `Custom-Channel-Vars.Account-ID` as KAZOO reads it: absent or empty means no account;
/// anything else must name an account.
fn account_id(event: &Map<String, Value>) -> Result<Option<&str>, Error> {
    let value = ccv_value(event, "Account-ID");
    let invalid = |shown: String| {
        Error::invalid(shown, "an account id", ACCOUNT_ID_EXPECTED)
            .within("Account-ID")
            .within(CCV)
    };
    match (kazoo_text(value), value) {
        (Binary::Absent, _) => Ok(None),
        (Binary::Text(_), Some(Value::String(text))) if raw_account_id(text).is_some() => {
            Ok(Some(text))
        }
        (_, value) => Err(invalid(value.map_or_else(String::new, show_json))),
    }
}

/// A value of the event's channel variables (validated as an object, if present).
fn ccv_value<'a>(event: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    event.get(CCV).and_then(|vars| vars.get(key))
}

/// The time an interaction id gives, and the event field it came from.
struct InteractionTime {
    time: GregorianSeconds,
    /// The path of `Call-Interaction-ID` in the event, or `""` for a generated id.
    path: &'static str,
}

/// The path of the channel variable `Call-Interaction-ID`.
const INTERACTION_PATH: &str = "Custom-Channel-Vars.Call-Interaction-ID";

fn within_path(error: Error, path: &str) -> Error {
    match path.split_once('.') {
        Some((outer, inner)) => error.within(inner).within(outer),
        None if path.is_empty() => error,
        None => error.within(path),
    }
}

/// How KAZOO reads a value as text (`kz_json:get_ne_binary_value`): what it stands for.
enum Binary<'a> {
    /// Absent, `""`, or a value KAZOO's conversion gives up on (its default: absent).
    Absent,
    /// Non-empty text.
    Text(Cow<'a, str>),
    /// Text this crate does not spell out (a float's or an object's encoding): non-empty,
    /// never a name.
    Other,
}

/// `kz_json:get_ne_binary_value` of `value`: strings as they are, integers in decimal,
/// `true`/`false`/`null` by name, lists as their concatenated text (an I/O list).
fn kazoo_text(value: Option<&Value>) -> Binary<'_> {
    match value {
        None => Binary::Absent,
        Some(Value::String(s)) if s.is_empty() => Binary::Absent,
        Some(Value::String(s)) => Binary::Text(Cow::Borrowed(s)),
        Some(Value::Null) => Binary::Text(Cow::Borrowed("null")),
        Some(Value::Bool(true)) => Binary::Text(Cow::Borrowed("true")),
        Some(Value::Bool(false)) => Binary::Text(Cow::Borrowed("false")),
        Some(Value::Number(n)) if n.is_f64() => Binary::Other,
        Some(Value::Number(n)) => Binary::Text(Cow::Owned(n.to_string())),
        Some(Value::Object(_)) => Binary::Other,
        Some(list @ Value::Array(_)) => {
            let mut bytes = Vec::new();
            match io_list(list, &mut bytes) {
                Some(()) if bytes.is_empty() => Binary::Absent,
                Some(()) => {
                    String::from_utf8(bytes).map_or(Binary::Other, |s| Binary::Text(Cow::Owned(s)))
                }
                None => Binary::Absent,
            }
        }
    }
}

/// Appends the bytes of an Erlang I/O list (strings, bytes 0–255, nested lists); `None` for
/// anything else.
fn io_list(value: &Value, out: &mut Vec<u8>) -> Option<()> {
    match value {
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Number(n) => out.push(u8::try_from(n.as_u64()?).ok()?),
        Value::Array(items) => {
            for item in items {
                io_list(item, out)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// `kz_term:is_true`: `true` or `"true"`.
fn is_true(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(true)))
        || matches!(value, Some(Value::String(s)) if s == "true")
}

/// `kz_term:to_integer` (lenient): integers; floats and numeric strings rounded (half away
/// from zero); `None` for anything else, or past `i64`.
fn erlang_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            if n.is_f64() {
                n.as_f64().and_then(round_to_i64)
            } else {
                None // a u64 past i64
            }
        }),
        Value::String(s) => erlang_integer_text(s),
        _ => None,
    }
}

/// `binary_to_integer`, else `round(binary_to_float)`, of `text`.
fn erlang_integer_text(text: &str) -> Option<i64> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(unsigned) {
        return text.strip_prefix('+').unwrap_or(text).parse().ok();
    }
    // Erlang's float syntax: digits, a point, digits, and an optional exponent.
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let float_syntax = mantissa
        .split_once('.')
        .is_some_and(|(whole, fraction)| digits(whole) && digits(fraction))
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !float_syntax {
        return None;
    }
    text.parse::<f64>().ok().and_then(round_to_i64)
}

fn round_to_i64(float: f64) -> Option<i64> {
    let rounded = float.round();
    // ±2^63 are exactly representable; from 2^63 up (and NaN) is out of range.
    (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0)
        .contains(&rounded)
        .then_some(rounded as i64)
}

/// The UTC year and month of `time` for KAZOO's `_id` of a CDR, `<year><2-digit month>-<call
/// id>`: from 0000-01-01 (KAZOO's calendar crashes before) to the end of chrono's range.
fn id_month(time: i64) -> Result<(i32, u32), Error> {
    use chrono::Datelike;
    (time >= 0)
        .then(|| GregorianSeconds(time).to_datetime().ok())
        .flatten()
        .map(|dt| (dt.year(), dt.month()))
        .ok_or_else(|| {
            Error::out_of_range(
                time.to_string(),
                "Gregorian seconds from 0 (0000-01-01) to the year 262142",
            )
        })
}

/// KAZOO's `_id` (`kzd_cdrs:create_doc_id`): the year is not padded.
fn doc_id((year, month): (i32, u32), call_id: &str) -> String {
    format!("{year}{month:02}-{call_id}")
}

/// 8 random lowercase hex digits, KAZOO's `kz_binary:rand_hex(4)`.
fn random_key() -> String {
    format!("{:08x}", crate::random::next_u64() as u32)
}

/// A value of the working document: the event's own, or one the pipeline made.
enum Slot<'a> {
    Wire(&'a Value),
    Made(Value),
    /// The channel variables, held apart in [`Working::vars`].
    Vars,
}

impl Slot<'_> {
    fn is_null(&self) -> bool {
        match self {
            Slot::Wire(v) => v.is_null(),
            Slot::Made(v) => v.is_null(),
            Slot::Vars => false,
        }
    }
}

/// The event being turned into a document, as KAZOO holds it: members in order (a changed
/// key keeps its place, a new one goes last, and setting `null` deletes), so that keys that
/// normalise alike resolve as in KAZOO. Values are borrowed from the event until normalised.
struct Working<'a> {
    top: Vec<(&'a str, Slot<'a>)>,
    vars: Vec<(&'a str, &'a Value)>,
}

impl<'a> Working<'a> {
    fn new(event: &'a Map<String, Value>) -> Self {
        let vars = match event.get(CCV) {
            Some(Value::Object(vars)) => vars.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            _ => Vec::new(),
        };
        Working {
            top: event
                .iter()
                .map(|(k, v)| (k.as_str(), Slot::Wire(v)))
                .collect(),
            vars,
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.top.iter().position(|(k, _)| *k == key)
    }

    /// `kz_json:set_value`: replace in place, else append; `null` deletes.
    fn set(&mut self, key: &'a str, value: Slot<'a>) {
        match (self.position(key), value.is_null()) {
            (Some(at), true) => {
                self.top.remove(at);
            }
            (Some(at), false) => self.top[at].1 = value,
            (None, true) => {}
            (None, false) => self.top.push((key, value)),
        }
    }

    fn var(&self, key: &str) -> Option<&'a Value> {
        self.vars.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// `kz_json:delete_key([Custom-Channel-Vars, key])`: the variables' member moves first.
    fn delete_var(&mut self, key: &str) {
        if let Some(at) = self.vars.iter().position(|(k, _)| *k == key) {
            self.vars.remove(at);
        }
        if let Some(at) = self.position(CCV) {
            let vars = self.top.remove(at);
            self.top.insert(0, vars);
        }
    }

    /// `update_ccvs`: private variables (`_…`, `pvt_…`) move to the top level, and the
    /// variables are always set.
    fn hoist_private_vars(&mut self) {
        let vars = std::mem::take(&mut self.vars);
        for (key, value) in vars {
            if key.starts_with('_') || key.starts_with("pvt_") {
                self.set(key, Slot::Wire(value));
            } else {
                self.vars.push((key, value));
            }
        }
        self.set(CCV, Slot::Vars);
    }

    /// `set_doc_id`: `_id` from the `Timestamp`; returns the call id as text.
    fn set_timestamp_id(&mut self, event: &Map<String, Value>) -> Result<String, Error> {
        let value = event
            .get("Timestamp")
            .ok_or_else(|| Error::missing_key("Timestamp"))?;
        let timestamp = erlang_integer(value).ok_or_else(|| {
            Error::invalid(
                show_json(value),
                "a timestamp",
                "Gregorian seconds: an integer, a number or a numeric string",
            )
            .within("Timestamp")
        })?;
        let month = id_month(timestamp).map_err(|e| e.within("Timestamp"))?;
        let call_id = call_id(event)?;
        self.set("_id", Slot::Made(Value::String(doc_id(month, &call_id))));
        Ok(call_id)
    }

    /// `maybe_leak_ccv`: the variable moves to the top level (a `null` one deletes it there).
    fn move_var(&mut self, key: &'a str) {
        if let Some(value) = self.var(key) {
            self.delete_var(key);
            self.set(key, Slot::Wire(value));
        }
    }

    /// `is_conference`: `Is-Conference` moves as `true` when it is `true` or `"true"`.
    fn move_conference(&mut self) {
        if is_true(self.var("Is-Conference")) {
            self.delete_var("Is-Conference");
            self.set("Is-Conference", Slot::Made(Value::Bool(true)));
        }
    }

    /// `set_interaction`: `Interaction-Id`, `-Key` and `-Time` from the variable
    /// `Call-Interaction-ID` (or a generated one), and `_id` from its time.
    fn set_interaction(
        &mut self,
        call_id: &str,
        now: GregorianSeconds,
        key: &mut dyn FnMut() -> String,
    ) -> Result<InteractionTime, Error> {
        let given = self.var(INTERACTION_ID);
        let (text, path): (Cow<'a, str>, &'static str) = match kazoo_text(given) {
            Binary::Text(text) => (text, INTERACTION_PATH),
            Binary::Other => {
                let shown = given.map_or_else(String::new, show_json);
                return Err(within_path(
                    Error::invalid(shown, "an interaction id", INTERACTION_EXPECTED),
                    INTERACTION_PATH,
                ));
            }
            Binary::Absent => {
                let generated = InteractionId::new(now, &key())?;
                (Cow::Owned(generated.as_str().to_owned()), "")
            }
        };
        let malformed = || {
            // The value as the event has it (`null`, not the text KAZOO makes of it).
            let shown = given.map_or_else(|| show_str(&text), show_json);
            within_path(
                Error::invalid(shown, "an interaction id", INTERACTION_EXPECTED),
                path,
            )
        };
        // KAZOO: <<Time:11/binary, "-", Key/binary>>, then kz_term:to_integer(Time).
        if text.len() < 12 || text.as_bytes()[11] != b'-' {
            return Err(malformed());
        }
        let time = erlang_integer_text(&text[..11]).ok_or_else(malformed)?;
        let month = id_month(time).map_err(|e| within_path(e, path))?;
        let id = doc_id(month, call_id);
        let interaction_key = text[12..].to_owned();
        self.set("_id", Slot::Made(Value::String(id)));
        self.delete_var(INTERACTION_ID);
        self.set(
            "Interaction-Id",
            Slot::Made(Value::String(text.into_owned())),
        );
        self.set(
            "Interaction-Key",
            Slot::Made(Value::String(interaction_key)),
        );
        self.set("Interaction-Time", Slot::Made(Value::from(time)));
        Ok(InteractionTime {
            time: GregorianSeconds(time),
            path,
        })
    }

    /// `kz_doc:update_pvt_parameters` with the `cdr` application's options.
    fn set_private(
        &mut self,
        account_id: &str,
        database: &str,
        now: GregorianSeconds,
        node: Option<&str>,
    ) {
        self.set("pvt_vsn", Slot::Made(Value::from(2)));
        self.set("pvt_account_id", Slot::Made(Value::from(account_id)));
        self.set("pvt_account_db", Slot::Made(Value::from(database)));
        if self.position("_rev").is_none() {
            self.set("pvt_created", Slot::Made(Value::from(now.0)));
        }
        self.set("pvt_modified", Slot::Made(Value::from(now.0)));
        self.set("pvt_type", Slot::Made(Value::from("cdr")));
        if let Some(node) = node {
            self.set("pvt_node", Slot::Made(Value::from(node)));
        }
    }

    /// The document's members, in order, for normalisation (`kz_json:normalize_jobj`).
    fn into_members(self) -> Vec<(&'a str, Member<'a>)> {
        let mut vars = Some(self.vars);
        self.top
            .into_iter()
            .map(|(key, slot)| {
                let member = match slot {
                    Slot::Wire(value) => Member::Wire(value),
                    Slot::Made(value) => Member::Made(value),
                    Slot::Vars => Member::Object(
                        vars.take()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| (k, Member::Wire(v)))
                            .collect(),
                    ),
                };
                (key, member)
            })
            .collect()
    }
}

/// The event's `Call-ID` as text: a non-empty string, or an integer (in decimal, as KAZOO).
fn call_id(event: &Map<String, Value>) -> Result<String, Error> {
    match event.get("Call-ID") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Value::Number(n)) if !n.is_f64() => Ok(n.to_string()),
        Some(other) => Err(Error::invalid(
            show_json(other),
            "a call id",
            "a non-empty string or an integer",
        )
        .within("Call-ID")),
        None => Err(Error::missing_key("Call-ID")),
    }
}

#[cfg(test)]
mod tests {
    //! The pipeline's document, before the typed read, against the documents KAZOO's own code
    //! saved (`tests/vectors/cdr_ingest.jsonl`, read as `tests/test_ingest.rs` describes).

    use super::*;

    struct Case {
        id: String,
        wire: Value,
        now: GregorianSeconds,
        node: String,
        outcome: String,
        rand_hex: Option<String>,
        db: Option<String>,
        doc: Option<Value>,
    }

    fn cases() -> Vec<Case> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/cdr_ingest.jsonl"
        );
        let text = std::fs::read_to_string(path).expect("the ingest vectors");
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let case: Value = serde_json::from_str(line).expect("a JSON line");
                let text = |key: &str| case.get(key).and_then(Value::as_str).map(str::to_owned);
                let wire = text("input_json")
                    .and_then(|json| serde_json::from_str(&json).ok())
                    .unwrap_or_else(|| case["input"].clone());
                let doc = text("doc_json").map(|json| {
                    let mut doc: Value = serde_json::from_str(&json).expect("KAZOO's document");
                    doc.as_object_mut().map(|d| d.remove("pvt_document_hash"));
                    doc
                });
                Case {
                    id: text("id").expect("an id"),
                    wire,
                    now: GregorianSeconds(case["now"].as_i64().expect("now")),
                    node: text("node").expect("a node"),
                    outcome: text("outcome").expect("an outcome"),
                    rand_hex: text("rand_hex"),
                    db: text("db"),
                    doc,
                }
            })
            .collect()
    }

    /// The field a case's crash is about, from its name.
    fn crash_path(id: &str) -> &'static str {
        let name = id.split_once(':').map_or(id, |(_, name)| name);
        if name.starts_with("interaction") {
            INTERACTION_PATH
        } else if name.starts_with("timestamp") {
            "Timestamp"
        } else if name.starts_with("account") {
            "Custom-Channel-Vars.Account-ID"
        } else if name.starts_with("CCVs") {
            CCV
        } else if name.starts_with("CAVs") {
            "Custom-Application-Vars"
        } else if name.starts_with("Call-ID") {
            "Call-ID"
        } else {
            panic!("no field known for the crash of {id:?}")
        }
    }

    #[test]
    fn documents_agree_with_kazoo() {
        let mut failures = Vec::new();
        let mut agreed = std::collections::BTreeMap::<&str, usize>::new();
        let cases = cases();
        for case in &cases {
            let ingest = Ingest::new().node(case.node.clone()).store_anonymous(true);
            let mut used_key = false;
            let rand_hex = case.rand_hex.clone();
            let mut key = || {
                used_key = true;
                rand_hex.clone().unwrap_or_else(|| "00000000".to_owned())
            };
            let got = ingest.prepare(&case.wire, case.now, &mut key);
            let problem = match (case.outcome.as_str(), got) {
                (
                    "saved" | "anonymous_not_stored",
                    Ok(Prepared::Document { database, members }),
                ) => {
                    use serde::Deserialize;
                    let mut document = Value::deserialize(Normalized::new(Member::Object(members)))
                        .expect("a document reads as a Value");
                    let mut expected = case.doc.clone().expect("a document");
                    if case.id.contains("duplicate Call-ID keys") {
                        // The event repeats `Call-ID`. KAZOO's `_id` takes the first and its
                        // `call_id` the last; a parsed `Value` holds only the last.
                        expected["_id"] = Value::from("201905-second-call-id");
                    }
                    if case.id.contains("negative zero") {
                        // serde_json reads the event's `-0` as the float -0.0 (jiffy: the
                        // integer 0); values are kept as the host's parser gave them.
                        expected["x_neg_int_zero"] = serde_json::json!(-0.0);
                    }
                    if used_key != case.rand_hex.is_some() {
                        Some(format!("generated a key: {used_key}"))
                    } else if Some(&database) != case.db.as_ref() {
                        Some(format!("database {database:?}, expected {:?}", case.db))
                    } else if document != expected {
                        let (got, want) = (
                            document.as_object_mut().unwrap(),
                            expected.as_object().unwrap(),
                        );
                        let differing: Vec<String> = want
                            .keys()
                            .chain(got.keys())
                            .filter(|k| got.get(*k) != want.get(*k))
                            .map(|k| format!("{k}: {:?} vs KAZOO {:?}", got.get(k), want.get(k)))
                            .collect();
                        Some(format!("documents differ: {}", differing.join("; ")))
                    } else {
                        None
                    }
                }
                ("ignored", Ok(Prepared::Skipped(SkipReason::LoopbackBowout))) => None,
                ("not_routed", Err(err)) => {
                    let names_event = err.path().starts_with("Event-")
                        || err.to_string().contains("\"Event-Category\"");
                    (!names_event).then(|| format!("not routed, but {err}"))
                }
                ("error", Err(err)) => {
                    let path = crash_path(&case.id);
                    (err.path() != path)
                        .then(|| format!("error at {:?}, expected {path:?}: {err}", err.path()))
                }
                (outcome, got) => Some(format!("KAZOO: {outcome}; here: {got:?}")),
            };
            match problem {
                None => *agreed.entry(case.outcome.as_str()).or_default() += 1,
                Some(problem) => failures.push(format!("{}: {problem}", case.id)),
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases differ:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
        assert_eq!(agreed.values().sum::<usize>(), cases.len());
        eprintln!("agreed with KAZOO: {agreed:?}");
    }

    #[test]
    fn anonymous_cdrs_are_skipped_by_default_after_every_check() {
        for case in cases()
            .iter()
            .filter(|c| c.outcome == "anonymous_not_stored")
        {
            let got = Ingest::new().prepare(&case.wire, case.now, &mut random_key);
            assert!(
                matches!(got, Ok(Prepared::Skipped(SkipReason::Anonymous))),
                "{}: {got:?}",
                case.id
            );
        }
    }

    #[test]
    fn kazoo_integers() {
        for (text, int) in [
            ("63670304830", Some(63_670_304_830)),
            ("+7", Some(7)),
            ("-7", Some(-7)),
            ("63670304830.25", Some(63_670_304_830)),
            ("2.5", Some(3)),
            ("-2.5", Some(-3)),
            ("1.5e3", Some(1500)),
            ("1.5E+3", Some(1500)),
            ("1e3", None),
            (".5", None),
            ("5.", None),
            (" 5", None),
            ("", None),
            ("+", None),
            ("yesterday", None),
            ("99999999999999999999", None),
            ("1.0e300", None),
        ] {
            assert_eq!(erlang_integer_text(text), int, "{text:?}");
        }
        assert_eq!(erlang_integer(&Value::from(2.5)), Some(3));
        assert_eq!(erlang_integer(&Value::from(u64::MAX)), None);
        assert_eq!(erlang_integer(&Value::Bool(true)), None);
    }

    #[test]
    fn kazoo_text_of_values() {
        let text = |v: Value| match kazoo_text(Some(&v)) {
            Binary::Absent => "<absent>".to_owned(),
            Binary::Text(t) => t.into_owned(),
            Binary::Other => "<other>".to_owned(),
        };
        assert_eq!(text(Value::from("B")), "B");
        assert_eq!(text(Value::from("")), "<absent>");
        assert_eq!(text(Value::Null), "null");
        assert_eq!(text(Value::from(12)), "12");
        assert_eq!(text(Value::from(1.5)), "<other>");
        assert_eq!(text(serde_json::json!({})), "<other>");
        assert_eq!(text(serde_json::json!([])), "<absent>");
        assert_eq!(text(serde_json::json!(["NORMAL", ["_", 67]])), "NORMAL_C");
        assert_eq!(text(serde_json::json!([true])), "<absent>");
        assert_eq!(text(serde_json::json!([256])), "<absent>");
        assert_eq!(text(serde_json::json!([255])), "<other>");
        assert!(kazoo_text(None).is_absent());
    }

    impl Binary<'_> {
        fn is_absent(&self) -> bool {
            matches!(self, Binary::Absent)
        }
    }

    proptest::proptest! {
        /// The typed read straight from the members is the typed read of the normalised
        /// document: the same `Cdr`, or the same error.
        #[test]
        fn the_direct_read_is_the_read_of_the_normalised_document(
            fields in proptest::collection::vec((
                proptest::sample::select(vec![
                    "Call-ID", "call_id", "Billing-Seconds", "billing_seconds", "Timestamp",
                    "Custom-Channel-Vars", "custom_channel_vars", "Media-Recordings",
                    "Interaction-Id", "X-Other", "Custom-SIP-Headers",
                ]),
                crate::cdr::normalize::properties::json(),
            ), 0..8),
        ) {
            let event: Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let members = event.iter().map(|(k, v)| (k.as_str(), Member::Wire(v))).collect();
            let normal = crate::cdr::normalize_document(Value::Object(event.clone()));
            proptest::prop_assert_eq!(
                read_cdr(members),
                Cdr::from_json_value_lenient(&normal).map(|(cdr, _)| cdr)
            );
        }
    }
}
