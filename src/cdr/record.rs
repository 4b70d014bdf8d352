//! [`Cdr`]: one call leg's detail record, typed, read leniently and written back without loss.

use serde::de::{DeserializeSeed, MapAccess};
use serde::ser::SerializeMap;
use serde::{Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::channel_vars::CustomChannelVars;
use super::cost::{Rating, Units};
use super::direction::CallDirection;
use super::ids::{CdrId, InteractionId};
use super::resource_type::ResourceType;
use super::sip_headers::CustomSipHeaders;
use crate::Error;
use crate::json::node::{Node, Record, Written};
use crate::json::record::{Arrived, Forms, record};
use crate::json::{self, ErrorSlot, Key, ObjectSeed, ReadObject, Scalar, object_traits};
use crate::time::{GregorianSeconds, UnixMicros};

record! {
    /// A call detail record: one call leg as KAZOO stores it.
    ///
    /// Every key of KAZOO's CDR schema and of stored CDR documents is a typed field; `call_id` is
    /// the only required one. Every other key is kept, as written, in [`extra`](Self::extra).
    ///
    /// Reading is lenient: integers may be JSON numbers or strings of digits, booleans `true` or
    /// `"true"`, strings JSON strings or numbers. Writing is faithful: for every JSON object
    /// that reads, `serde_json::to_value(&cdr)` is the `Value` that was read, because a value
    /// keeps the JSON form it arrived in (`"2262"` stays a string, `2262` a number, `"true"` a
    /// string, `7.0` a float) and no key is dropped or added. A value that does not fit its
    /// field (`"billing_seconds": "ten"`) is an error naming the field, or, with
    /// [`Cdr::from_json_value_lenient`], kept verbatim and reported.
    ///
    /// # Reading rules
    ///
    /// - Integer fields take a JSON integer, an integral float (`7.0`) or a string of ASCII
    ///   digits with an optional `-` (`"007"`, not `"+7"`, `" 7"` or `"7.5"`), within `i64`
    ///   (and within ±2^53 for a float).
    /// - Boolean fields take `true`/`false` or the strings `"true"`/`"false"`.
    /// - String fields take JSON strings, and JSON numbers as their JSON text
    ///   (`15555678907` reads as `"15555678907"`). Named values (`call_direction`, ids) take
    ///   strings only. `call_id` takes a non-empty string or a JSON integer; an integer
    ///   (KAZOO stores one when the event's `Call-ID` was one) is the call id in decimal
    ///   everywhere a call id is used ([`cdr_id`](Self::cdr_id), listing keys, interactions)
    ///   and is written back as the same JSON number.
    /// - `null` for a known key leaves the field `None` and is kept in `extra`, so it is written
    ///   back; the same holds inside `custom_channel_vars`.
    /// - Keys are written `call_id` first, then the known keys, then `extra` (sorted); a key of
    ///   `extra` that names a field holding a value is not written twice.
    ///
    /// # How a value remembers its JSON form
    ///
    /// The typed fields hold typed values only. A value that arrived in another form than its
    /// native one (an integer as a string or a float, a boolean as a string, a string as a
    /// number) has that scalar kept in a private side list of the record (field, scalar as it
    /// arrived), empty and unallocated for a document written natively. A field is written as
    /// its kept scalar while that scalar still reads as the field's value; give the field
    /// another value (or build the record in Rust) and it is written natively, in its own JSON
    /// type. [`Cdr::to_canonical_value`] writes every typed field natively. Two records are
    /// equal when their typed values, their `extra` and the JSON they write are.
    ///
    /// ```
    /// use kazoo_records::cdr::{CallDirection, Cdr};
    /// use kazoo_records::time::GregorianSeconds;
    /// use serde_json::json;
    ///
    /// let read = json!({
    ///     "call_id": "abc", "call_direction": "inbound", "timestamp": "63724403408",
    ///     "duration_seconds": 10, "custom_channel_vars": {"rate": "2262"}, "my_key": [1, 2]
    /// });
    /// let mut cdr = Cdr::from_json_value(&read)?;
    /// assert_eq!(cdr.call_direction, Some(CallDirection::Inbound));
    /// assert_eq!(cdr.start_time(), Some(GregorianSeconds(63_724_403_398)));
    /// assert_eq!(cdr.extra["my_key"], json!([1, 2]));
    /// assert_eq!(serde_json::to_value(&cdr).unwrap(), read);
    ///
    /// cdr.duration_seconds = Some(12);
    /// cdr.timestamp = Some(GregorianSeconds(63_724_403_410));
    /// let written = serde_json::to_value(&cdr).unwrap();
    /// assert_eq!(written["timestamp"], json!(63_724_403_410_i64));
    /// assert_eq!(written["custom_channel_vars"]["rate"], json!("2262"));
    ///
    /// let err = Cdr::from_json_str(r#"{"call_id": "abc", "billing_seconds": "ten"}"#).unwrap_err();
    /// assert_eq!(err.path(), "billing_seconds");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Cdr {
        head {
            /// Unique identifier of the call leg (`call_id`, required).
            pub call_id: String,
        }
        /// The document id (`_id`), `YYYYMM-<call_id>` for stored CDRs (see [`CdrId`]).
        "_id" => pub doc_id: String,
        /// The KAZOO application that issued the CDR (`app_name`).
        "app_name" => pub app_name: String,
        /// The version of that application (`app_version`).
        "app_version" => pub app_version: String,
        /// Seconds the leg can be billed for, from answer to hangup (`billing_seconds`).
        "billing_seconds" => pub billing_seconds: i64,
        /// Direction of the leg relative to the media switch (`call_direction`).
        "call_direction" => pub call_direction: CallDirection,
        /// The call's priority, kept as JSON (`call_priority`; KAZOO writes a string or a number).
        "call_priority" => pub call_priority: Value,
        /// The indicated name of the callee (`callee_id_name`).
        "callee_id_name" => pub callee_id_name: String,
        /// The indicated number of the callee (`callee_id_number`).
        "callee_id_number" => pub callee_id_number: String,
        /// The indicated name of the caller (`caller_id_name`).
        "caller_id_name" => pub caller_id_name: String,
        /// The indicated number of the caller (`caller_id_number`).
        "caller_id_number" => pub caller_id_number: String,
        /// When the channel was created, in Unix microseconds (`channel_created_time`).
        "channel_created_time" => pub channel_created_time: UnixMicros,
        /// Which leg of a loopback channel this is, `A` or `B` (`channel_loopback_leg`).
        "channel_loopback_leg" => pub channel_loopback_leg: String,
        /// The FreeSWITCH channel name (`channel_name`).
        "channel_name" => pub channel_name: String,
        /// Any custom-set values, kept as JSON (`custom_application_vars`).
        "custom_application_vars" => pub custom_application_vars: Map<String, Value>,
        /// KAZOO-specific values set on the channel (`custom_channel_vars`).
        "custom_channel_vars" => pub custom_channel_vars: CustomChannelVars,
        /// SIP headers set on the call (`custom_sip_headers`).
        "custom_sip_headers" => pub custom_sip_headers: CustomSipHeaders,
        /// Every DTMF tone detected on the leg (`digits_dialed`).
        "digits_dialed" => pub digits_dialed: String,
        /// Who sent the SIP BYE (`disposition`).
        "disposition" => pub disposition: String,
        /// Duration of the leg in seconds (`duration_seconds`).
        "duration_seconds" => pub duration_seconds: i64,
        /// The event category of the source event (`event_category`).
        "event_category" => pub event_category: String,
        /// The event name of the source event (`event_name`).
        "event_name" => pub event_name: String,
        /// Fax: bad rows (`fax_bad_rows`).
        "fax_bad_rows" => pub fax_bad_rows: String,
        /// Fax: whether error correction was used (`fax_ecm_used`).
        "fax_ecm_used" => pub fax_ecm_used: String,
        /// Fax details as the fax application records them, kept as JSON (`fax_info`).
        "fax_info" => pub fax_info: Map<String, Value>,
        /// Fax: result code (`fax_result_code`).
        "fax_result_code" => pub fax_result_code: String,
        /// Fax: result text (`fax_result_text`).
        "fax_result_text" => pub fax_result_text: String,
        /// Fax: whether the fax succeeded (`fax_success`).
        "fax_success" => pub fax_success: String,
        /// Fax: total pages (`fax_total_pages`).
        "fax_total_pages" => pub fax_total_pages: String,
        /// Fax: transfer rate (`fax_transfer_rate`).
        "fax_transfer_rate" => pub fax_transfer_rate: String,
        /// Fax: pages transferred (`fax_transferred_pages`).
        "fax_transferred_pages" => pub fax_transferred_pages: String,
        /// The From user, built by KAZOO depending on direction (`from`).
        "from" => pub from: String,
        /// SIP From tag (`from_tag`).
        "from_tag" => pub from_tag: String,
        /// The From SIP URI (`from_uri`).
        "from_uri" => pub from_uri: String,
        /// Why the leg ended (`hangup_cause`).
        "hangup_cause" => pub hangup_cause: String,
        /// The SIP hangup code, when available (`hangup_code`).
        "hangup_code" => pub hangup_code: String,
        /// The id as crossbar lists it (`id`).
        "id" => pub id: String,
        /// The id correlating the legs of one call (`interaction_id`).
        "interaction_id" => pub interaction_id: InteractionId,
        /// The key part of the interaction id (`interaction_key`).
        "interaction_key" => pub interaction_key: String,
        /// When the interaction began (`interaction_time`).
        "interaction_time" => pub interaction_time: GregorianSeconds,
        /// The SDP negotiated by the local agent (`local_sdp`).
        "local_sdp" => pub local_sdp: String,
        /// Ids of the recordings of the call (`media_recordings`).
        "media_recordings" => pub media_recordings: Vec<String>,
        /// The hostname of the media server (`media_server`).
        "media_server" => pub media_server: String,
        /// The message id of the event the CDR came from (`msg_id`).
        "msg_id" => pub msg_id: String,
        /// The ecallmgr that issued the CDR (`node`).
        "node" => pub node: String,
        /// The call id of the bridged leg (`other_leg_call_id`).
        "other_leg_call_id" => pub other_leg_call_id: String,
        /// Caller ID name of the bridged leg (`other_leg_caller_id_name`).
        "other_leg_caller_id_name" => pub other_leg_caller_id_name: String,
        /// Caller ID number of the bridged leg (`other_leg_caller_id_number`).
        "other_leg_caller_id_number" => pub other_leg_caller_id_number: String,
        /// Dialed number of the bridged leg (`other_leg_destination_number`).
        "other_leg_destination_number" => pub other_leg_destination_number: String,
        /// Direction of the bridged leg (`other_leg_direction`).
        "other_leg_direction" => pub other_leg_direction: CallDirection,
        /// ID used in SIP NOTIFY messages (`presence_id`).
        "presence_id" => pub presence_id: String,
        /// The database the document is stored in (`pvt_account_db`).
        "pvt_account_db" => pub pvt_account_db: String,
        /// The account of the stored document (`pvt_account_id`).
        "pvt_account_id" => pub pvt_account_id: String,
        /// When the document was created (`pvt_created`).
        "pvt_created" => pub pvt_created: GregorianSeconds,
        /// When the document was last modified (`pvt_modified`).
        "pvt_modified" => pub pvt_modified: GregorianSeconds,
        /// The document type, `cdr` (`pvt_type`).
        "pvt_type" => pub pvt_type: String,
        /// The document schema version (`pvt_vsn`).
        "pvt_vsn" => pub pvt_vsn: i64,
        /// Where the call's recording is (`recording_url`).
        "recording_url" => pub recording_url: String,
        /// The SDP negotiated by the remote agent (`remote_sdp`).
        "remote_sdp" => pub remote_sdp: String,
        /// The processed request URI (`request`).
        "request" => pub request: String,
        /// Seconds the leg was ringing before answer (`ringing_seconds`).
        "ringing_seconds" => pub ringing_seconds: i64,
        /// The media switch's hostname (`switch_hostname`).
        "switch_hostname" => pub switch_hostname: String,
        /// The media switch's Erlang node name (`switch_nodename`).
        "switch_nodename" => pub switch_nodename: String,
        /// The media switch's SIP URI (`switch_uri`).
        "switch_uri" => pub switch_uri: String,
        /// The media switch's URL (`switch_url`).
        "switch_url" => pub switch_url: String,
        /// When the CDR was generated, at the end of the leg (`timestamp`).
        "timestamp" => pub timestamp: GregorianSeconds,
        /// The To user, built by KAZOO depending on direction (`to`).
        "to" => pub to: String,
        /// SIP To tag (`to_tag`).
        "to_tag" => pub to_tag: String,
        /// The To SIP URI (`to_uri`).
        "to_uri" => pub to_uri: String,
        /// The User-Agent header of the SIP packet (`user_agent`).
        "user_agent" => pub user_agent: String,
    }
}

/// The one required key.
pub(crate) const CALL_ID: &str = "call_id";

/// The keys of KAZOO's webhook payload that flatten a channel variable, and that variable.
const WEBHOOK_CHANNEL_VARS: [(&str, &str); 6] = [
    ("account_id", "account_id"),
    ("authorizing_id", "authorizing_id"),
    ("authorizing_type", "authorizing_type"),
    ("owner_id", "owner_id"),
    ("reseller_id", "reseller_id"),
    ("local_resource_id", "resource_id"),
];

impl Cdr {
    /// A CDR with this call id and nothing else.
    ///
    /// A CDR read from JSON always has a non-empty call id; one built here with an empty call
    /// id is written as such but does not read back.
    pub fn new(call_id: impl Into<String>) -> Self {
        Cdr::blank(call_id.into())
    }

    /// Reads a CDR from JSON text.
    ///
    /// A key repeated in one object is read at each occurrence, in order, and the last one
    /// stands (as in a `serde_json::Value`); an occurrence that does not fit its field is an
    /// error even when a later one would.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Json`](crate::ErrorKind::Json) for text that is not JSON; [`ErrorKind::MissingKey`](crate::ErrorKind::MissingKey) without `call_id`;
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for a value that does not fit its field, with the JSON path and the
    /// value (`custom_channel_vars.rate: "abc" is not an integer; expected …`);
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) for an integer past `i64` (or written as a float past 2^53).
    pub fn from_json_str(json: &str) -> Result<Cdr, Error> {
        read_text(serde_json::de::StrRead::new(json))
    }

    /// Reads a CDR from JSON bytes (UTF-8).
    ///
    /// # Errors
    ///
    /// As [`Cdr::from_json_str`].
    pub fn from_json_slice(json: &[u8]) -> Result<Cdr, Error> {
        read_text(serde_json::de::SliceRead::new(json))
    }

    /// Reads a CDR from a parsed JSON value.
    ///
    /// # Errors
    ///
    /// As [`Cdr::from_json_str`], except that there is no syntax to get wrong.
    pub fn from_json_value(json: &Value) -> Result<Cdr, Error> {
        read_whole(json, &ErrorSlot::default())
    }

    /// Reads a CDR from messy history without refusing it for a value of the wrong kind:
    /// such a value is kept verbatim (in [`extra`](Self::extra) of the record holding it,
    /// its field left `None`), written back as it was, and reported.
    ///
    /// Returns the CDR and one error per value kept, in reading order, each the error
    /// [`Cdr::from_json_value`] would have returned for it (kind, path and message). A value
    /// is kept whole at the key that holds it, except inside `custom_channel_vars`, where each
    /// variable is kept on its own; so `serde_json::to_value(&cdr)` is still `json`.
    ///
    /// # Errors
    ///
    /// Only for what is not a CDR at all: [`ErrorKind::Invalid`](crate::ErrorKind::Invalid)
    /// for a `json` that is not an object or a `call_id` that is neither a string nor an
    /// integer, and
    /// [`ErrorKind::MissingKey`](crate::ErrorKind::MissingKey) without `call_id`. An empty
    /// call id is kept and reported.
    ///
    /// ```
    /// use kazoo_records::cdr::Cdr;
    /// use serde_json::json;
    ///
    /// let old = json!({"call_id": "a", "billing_seconds": "ten",
    ///                  "custom_channel_vars": {"rate": "2262", "rate_minimum": "1m"}});
    /// let (cdr, kept) = Cdr::from_json_value_lenient(&old)?;
    /// assert_eq!(cdr.billing_seconds, None);
    /// assert_eq!(cdr.channel_vars().rate.map(|r| r.0), Some(2262));
    /// assert_eq!(serde_json::to_value(&cdr).unwrap(), old);
    /// let paths: Vec<&str> = kept.iter().map(|e| e.path()).collect();
    /// assert_eq!(paths, ["billing_seconds", "custom_channel_vars.rate_minimum"]);
    /// assert!(Cdr::from_json_value(&old).is_err());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn from_json_value_lenient(json: &Value) -> Result<(Cdr, Vec<Error>), Error> {
        let slot = ErrorSlot::lenient();
        let cdr = read_whole(json, &slot)?;
        Ok((cdr, slot.take_kept()))
    }

    /// Reads the payload of KAZOO's `channel_destroy` webhook (one object of the array a hook
    /// posts) as a CDR whose typed channel variables hold what the payload flattens.
    ///
    /// KAZOO's webhooks copy some channel variables to the top level of the payload and leave
    /// them out of its `custom_channel_vars`. This reader reads the payload as
    /// [`Cdr::from_json_value`] does (every key kept, values in the form they arrived in) and
    /// also copies those values into `custom_channel_vars`, where a stored CDR has them and
    /// where [`public_row`](Self::public_row), [`Filters`](super::Filters)
    /// (`custom_channel_vars.owner_id`) and the cost read them: `account_id`,
    /// `authorizing_id`, `authorizing_type`, `owner_id`, `reseller_id`, and `local_resource_id`
    /// as `resource_id`. A variable the payload's `custom_channel_vars` already holds is kept.
    /// So the CDR writes back the payload plus those channel variables.
    ///
    /// # Errors
    ///
    /// As [`Cdr::from_json_value`]; and [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for a
    /// copied key holding something else than a string or a number (path: the payload's key).
    ///
    /// ```
    /// use kazoo_records::cdr::Cdr;
    /// use serde_json::json;
    ///
    /// let payload = json!({"call_id": "a", "hook_event": "channel_destroy", "timestamp": "63724349409",
    ///                      "owner_id": "u1", "account_id": "acc", "custom_channel_vars": {}});
    /// let cdr = Cdr::from_webhook_value(&payload)?;
    /// assert_eq!(cdr.channel_vars().owner_id.as_deref(), Some("u1"));
    /// assert_eq!(cdr.channel_vars().account_id.as_deref(), Some("acc"));
    /// let written = serde_json::to_value(&cdr).unwrap();
    /// assert_eq!(written["owner_id"], "u1");
    /// assert_eq!(written["timestamp"], "63724349409");
    /// assert_eq!(written["custom_channel_vars"], json!({"owner_id": "u1", "account_id": "acc"}));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn from_webhook_value(json: &Value) -> Result<Cdr, Error> {
        let mut cdr = Cdr::from_json_value(json)?;
        let mut vars = match &cdr.custom_channel_vars {
            Some(vars) => match serde_json::to_value(vars) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            },
            None => Map::new(),
        };
        let mut copied = false;
        for (key, var) in WEBHOOK_CHANNEL_VARS {
            let Some(value) = cdr.extra.get(key).filter(|v| !v.is_null()) else {
                continue;
            };
            if !matches!(value, Value::String(_) | Value::Number(_)) {
                return Err(json::View::from(value)
                    .invalid("a string", "a JSON string")
                    .within(key));
            }
            if vars.get(var).is_none_or(Value::is_null) {
                vars.insert(var.to_owned(), value.clone());
                copied = true;
            }
        }
        if copied {
            let vars =
                serde::Deserialize::deserialize(&Value::Object(vars)).map_err(Error::json)?;
            cdr.custom_channel_vars = Some(vars);
        }
        Ok(cdr)
    }

    /// Writes the CDR with every typed field in its native JSON form (integers as numbers,
    /// booleans as booleans, strings as strings), whatever form it was read in; `extra` is
    /// written as it is.
    ///
    /// `serde_json::to_value(&cdr)` writes values as they arrived instead (see [`Cdr`]).
    ///
    /// ```
    /// use kazoo_records::cdr::Cdr;
    /// use serde_json::json;
    ///
    /// let cdr = Cdr::from_json_value(&json!({"call_id": "a", "billing_seconds": "7",
    ///                                        "custom_channel_vars": {"global_resource": "false"}}))?;
    /// assert_eq!(cdr.to_canonical_value(),
    ///            json!({"call_id": "a", "billing_seconds": 7,
    ///                   "custom_channel_vars": {"global_resource": false}}));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn to_canonical_value(&self) -> Value {
        let mut canonical = self.clone();
        canonical.forget_forms();
        serde_json::to_value(&canonical).unwrap_or(Value::Null)
    }

    /// The time the leg started: `timestamp − duration_seconds` (a missing duration counts as
    /// 0, as KAZOO does); `None` without a timestamp.
    pub fn start_time(&self) -> Option<GregorianSeconds> {
        let timestamp = self.timestamp?;
        Some(GregorianSeconds(
            timestamp
                .0
                .saturating_sub(self.duration_seconds.unwrap_or(0)),
        ))
    }

    /// The time a CDR listing places this CDR at: `timestamp` (the end of the leg), else
    /// `pvt_created`; `None` when it has neither, and it is then in no time range.
    ///
    /// A CDR listing ([`paginate`](super::paginate), [`paginate_store`](super::paginate_store))
    /// orders CDRs by this time, then by document id (`_id`, else `call_id`); a request's
    /// `created_from` and `created_to` bound it inclusively.
    ///
    /// ```
    /// use kazoo_records::cdr::Cdr;
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// let stored = Cdr::from_json_str(r#"{"call_id": "a", "timestamp": 63724403408, "pvt_created": 63724403410}"#)?;
    /// assert_eq!(stored.listing_time(), Some(GregorianSeconds(63_724_403_408)));
    /// let created = Cdr::from_json_str(r#"{"call_id": "b", "pvt_created": 63724403410}"#)?;
    /// assert_eq!(created.listing_time(), Some(GregorianSeconds(63_724_403_410)));
    /// assert_eq!(Cdr::new("c").listing_time(), None);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn listing_time(&self) -> Option<GregorianSeconds> {
        self.timestamp.or(self.pvt_created)
    }

    /// The interaction this leg belongs to: `interaction_id`, else the channel variable
    /// `call_interaction_id` (what a CHANNEL_DESTROY event carries before it is stored).
    pub fn interaction(&self) -> Option<&InteractionId> {
        self.interaction_id.as_ref().or_else(|| {
            self.custom_channel_vars
                .as_ref()
                .and_then(|vars| vars.call_interaction_id.as_ref())
        })
    }

    /// The document id: `_id`, else `id`.
    pub fn document_id(&self) -> Option<&str> {
        self.doc_id.as_deref().or(self.id.as_deref())
    }

    /// The id KAZOO stores this CDR under: the year and month of its `timestamp` and its call
    /// id (`YYYYMM-<call_id>`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingKey`](crate::ErrorKind::MissingKey) without a timestamp; as [`CdrId::new`] otherwise.
    pub fn cdr_id(&self) -> Result<CdrId, Error> {
        let timestamp = self
            .timestamp
            .ok_or_else(|| Error::missing_key("timestamp"))?;
        CdrId::new(timestamp, &self.call_id).map_err(|e| e.within("timestamp"))
    }

    /// The custom channel variables, or an empty set when there are none.
    pub fn channel_vars(&self) -> &CustomChannelVars {
        static EMPTY: std::sync::OnceLock<CustomChannelVars> = std::sync::OnceLock::new();
        self.custom_channel_vars
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(CustomChannelVars::default))
    }

    /// The rating inputs of the cost formula, from the channel variables.
    pub fn rating(&self) -> Rating {
        self.channel_vars().rating()
    }

    /// The cost of this leg by KAZOO's formula (see [`Rating::cost`]), whatever the billing
    /// type; no billing seconds cost 0.
    pub fn cost(&self) -> Units {
        self.rating().cost(self.billing_seconds.unwrap_or(0))
    }

    /// What the account is charged: [`cost`](Self::cost) when `account_billing` is
    /// `per_minute`, else 0 (KAZOO's listing column `cost`).
    pub fn customer_cost(&self) -> Units {
        per_minute_cost(self, self.channel_vars().account_billing.as_deref())
    }

    /// What the reseller is charged: [`cost`](Self::cost) when `reseller_billing` is
    /// `per_minute`, else 0 (KAZOO's listing column `reseller_cost`).
    pub fn reseller_cost(&self) -> Units {
        per_minute_cost(self, self.channel_vars().reseller_billing.as_deref())
    }
}

/// Reads a CDR from JSON text, then checks with `end` that nothing but whitespace follows it.
fn read_text<'de, R: serde_json::de::Read<'de>>(read: R) -> Result<Cdr, Error> {
    let slot = ErrorSlot::default();
    let mut deserializer = serde_json::Deserializer::new(read);
    let cdr = read_whole(&mut deserializer, &slot)?;
    deserializer.end().map_err(|e| json::json_error(&slot, e))?;
    Ok(cdr)
}

/// Reads one document from `deserializer` with `slot`: `null` is an error, and a failure
/// becomes a crate [`Error`]. What follows the document is not looked at (text readers check
/// it with `end`, see [`read_text`]).
fn read_whole<'de, D: Deserializer<'de, Error = serde_json::Error>>(
    deserializer: D,
    slot: &ErrorSlot,
) -> Result<Cdr, Error> {
    match ObjectSeed::<Cdr>::new(slot).deserialize(deserializer) {
        Ok(Some(cdr)) => Ok(cdr),
        Ok(None) => Err(Error::invalid("null", "a CDR", "a JSON object")),
        Err(e) => Err(json::json_error(slot, e)),
    }
}

/// The error for a call id that is not a non-empty string.
fn not_a_call_id(value: &Scalar<'_>) -> Error {
    value
        .invalid("a call id", "a non-empty JSON string or an integer")
        .within(CALL_ID)
}

fn per_minute_cost(cdr: &Cdr, billing: Option<&str>) -> Units {
    match billing {
        Some("per_minute") => cdr.cost(),
        _ => Units(0),
    }
}

impl ReadObject for Cdr {
    fn read_object<'de, A: MapAccess<'de>>(mut map: A, slot: &ErrorSlot) -> Result<Self, A::Error> {
        // The call id stays empty until a `call_id` key sets it, and it is set only to a
        // non-empty string: an empty one after the loop means the key was missing.
        let mut cdr = Cdr::new(String::new());
        let mut call_id_seen = false;
        while let Some(owned_key) = map.next_key::<Key<'de>>()? {
            let key = owned_key.as_str();
            if key == CALL_ID {
                let (id, arrived) = match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(id) if !id.is_empty() => (id.into_owned(), None),
                    Scalar::Int(i) => (i.to_string(), Some(Arrived::Number(i.into()))),
                    Scalar::UInt(u) => (u.to_string(), Some(Arrived::Number(u.into()))),
                    Scalar::Str(_) if slot.is_lenient() => {
                        slot.keep(not_a_call_id(&Scalar::Str("".into())));
                        (String::new(), None)
                    }
                    other => return Err(slot.fail(not_a_call_id(&other))),
                };
                cdr.call_id = id;
                cdr.forms.set(Forms::HEAD, arrived);
                call_id_seen = true;
            } else if !cdr.read_known(key, &mut map, slot)? {
                let value: Value = map.next_value()?;
                cdr.extra.insert(owned_key.into_owned(), value);
            }
        }
        if cdr.call_id.is_empty() && !(call_id_seen && slot.is_lenient()) {
            return Err(slot.fail(Error::missing_key(CALL_ID)));
        }
        Ok(cdr)
    }
}

impl Serialize for Cdr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        json::record::write_entry(
            &mut map,
            CALL_ID,
            &self.call_id,
            self.forms.get(Forms::HEAD),
        )?;
        self.write_known(&mut map, &[CALL_ID])?;
        map.end()
    }
}

object_traits!(Cdr, Cdr::forget_forms);

/// The JSON `serde_json::to_value(cdr)` holds, looked at key by key without writing it.
impl Record for Cdr {
    fn node_at(&self, key: &str) -> Option<Node<'_>> {
        if key == CALL_ID {
            return Some(
                match json::record::effective_head_form(&self.call_id, &self.forms) {
                    Some(arrived) => arrived.node(),
                    None => Node::Str(&self.call_id),
                },
            );
        }
        self.written_node(key)
    }

    fn written(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Written for Units {
    fn node(&self) -> Node<'_> {
        Node::Int(self.0)
    }
}

impl Written for CallDirection {
    fn node(&self) -> Node<'_> {
        Node::Str(self.as_str())
    }
}

impl Written for ResourceType {
    fn node(&self) -> Node<'_> {
        Node::Str(self.as_str())
    }
}

impl Written for InteractionId {
    fn node(&self) -> Node<'_> {
        Node::Str(self.as_str())
    }
}

/// Custom SIP headers have no borrowed form as a whole: written when looked at.
impl Written for CustomSipHeaders {
    fn node(&self) -> Node<'_> {
        Node::Owned(serde_json::to_value(self).unwrap_or(Value::Null))
    }
}
