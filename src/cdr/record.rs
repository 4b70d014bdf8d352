//! [`Cdr`]: one call leg's detail record, typed, read leniently and written back without loss.

use serde::de::{DeserializeSeed, MapAccess};
use serde::ser::SerializeMap;
use serde::{Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::channel_vars::CustomChannelVars;
use super::cost::{Rating, Units};
use super::direction::CallDirection;
use super::ids::{CdrId, InteractionId};
use super::lenient::{
    self, ErrorSlot, Key, ObjectSeed, ReadObject, Scalar, known_keys, object_traits,
};
use super::sip_headers::CustomSipHeaders;
use crate::Error;
use crate::time::{GregorianSeconds, UnixMicros};

/// A call detail record: one call leg as KAZOO stores it.
///
/// Every key of KAZOO's CDR schema and of stored CDR documents is a typed field; `call_id` is
/// the only required one. Every other key is kept, as written, in [`extra`](Self::extra).
///
/// Reading is lenient: integers may be JSON numbers or strings of digits, booleans `true` or
/// `"true"`. Writing is canonical: integers and booleans are written as JSON numbers and
/// booleans, everything else as it was read, so a read–write–read round trip gives an equal
/// `Cdr` and keeps every key. A value that does not fit its field (`"billing_seconds": "ten"`)
/// is an error naming the field.
///
/// # Reading rules
///
/// - Integer fields take a JSON integer, an integral float (`7.0`, written back as `7`) or a
///   string of ASCII digits with an optional `-` (`"007"`, not `"+7"`, `" 7"` or `"7.5"`),
///   within `i64` (and within ±2^53 for a float).
/// - Boolean fields take `true`/`false` or the strings `"true"`/`"false"`.
/// - String fields take JSON strings only: a number is not turned into text.
/// - `null` for a known key leaves the field `None` and is kept in `extra`, so it is written
///   back; the same holds inside `custom_channel_vars`.
/// - Keys are written `call_id` first, then the known keys, then `extra` (sorted); a key of
///   `extra` that names a field holding a value is not written twice.
///
/// ```
/// use kazoo_records::cdr::{CallDirection, Cdr};
/// use kazoo_records::time::GregorianSeconds;
///
/// let cdr = Cdr::from_json_str(r#"{
///     "call_id": "abc", "call_direction": "inbound", "timestamp": "63724403408",
///     "duration_seconds": 10, "custom_channel_vars": {"rate": "2262"}, "my_key": [1, 2]
/// }"#)?;
/// assert_eq!(cdr.call_direction, Some(CallDirection::Inbound));
/// assert_eq!(cdr.start_time(), Some(GregorianSeconds(63_724_403_398)));
/// assert_eq!(cdr.extra["my_key"], serde_json::json!([1, 2]));
///
/// let err = Cdr::from_json_str(r#"{"call_id": "abc", "billing_seconds": "ten"}"#).unwrap_err();
/// assert_eq!(err.path(), "billing_seconds");
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cdr {
    /// Unique identifier of the call leg (`call_id`, required).
    pub call_id: String,
    /// The document id (`_id`), `YYYYMM-<call_id>` for stored CDRs (see [`CdrId`]).
    pub doc_id: Option<String>,
    /// The id as crossbar lists it (`id`).
    pub id: Option<String>,
    /// The KAZOO application that issued the CDR (`app_name`).
    pub app_name: Option<String>,
    /// The version of that application (`app_version`).
    pub app_version: Option<String>,
    /// Seconds the leg can be billed for, from answer to hangup (`billing_seconds`).
    pub billing_seconds: Option<i64>,
    /// Direction of the leg relative to the media switch (`call_direction`).
    pub call_direction: Option<CallDirection>,
    /// The indicated name of the callee (`callee_id_name`).
    pub callee_id_name: Option<String>,
    /// The indicated number of the callee (`callee_id_number`).
    pub callee_id_number: Option<String>,
    /// The indicated name of the caller (`caller_id_name`).
    pub caller_id_name: Option<String>,
    /// The indicated number of the caller (`caller_id_number`).
    pub caller_id_number: Option<String>,
    /// When the channel was created, in Unix microseconds (`channel_created_time`).
    pub channel_created_time: Option<UnixMicros>,
    /// The FreeSWITCH channel name (`channel_name`).
    pub channel_name: Option<String>,
    /// Which leg of a loopback channel this is, `A` or `B` (`channel_loopback_leg`).
    pub channel_loopback_leg: Option<String>,
    /// Any custom-set values, kept as JSON (`custom_application_vars`).
    pub custom_application_vars: Option<Map<String, Value>>,
    /// KAZOO-specific values set on the channel (`custom_channel_vars`).
    pub custom_channel_vars: Option<CustomChannelVars>,
    /// SIP headers set on the call (`custom_sip_headers`).
    pub custom_sip_headers: Option<CustomSipHeaders>,
    /// Every DTMF tone detected on the leg (`digits_dialed`).
    pub digits_dialed: Option<String>,
    /// Who sent the SIP BYE (`disposition`).
    pub disposition: Option<String>,
    /// Duration of the leg in seconds (`duration_seconds`).
    pub duration_seconds: Option<i64>,
    /// Fax: bad rows (`fax_bad_rows`).
    pub fax_bad_rows: Option<String>,
    /// Fax: whether error correction was used (`fax_ecm_used`).
    pub fax_ecm_used: Option<String>,
    /// Fax: result code (`fax_result_code`).
    pub fax_result_code: Option<String>,
    /// Fax: result text (`fax_result_text`).
    pub fax_result_text: Option<String>,
    /// Fax: whether the fax succeeded (`fax_success`).
    pub fax_success: Option<String>,
    /// Fax: total pages (`fax_total_pages`).
    pub fax_total_pages: Option<String>,
    /// Fax: transfer rate (`fax_transfer_rate`).
    pub fax_transfer_rate: Option<String>,
    /// Fax: pages transferred (`fax_transferred_pages`).
    pub fax_transferred_pages: Option<String>,
    /// Fax details as the fax application records them, kept as JSON (`fax_info`).
    pub fax_info: Option<Map<String, Value>>,
    /// The From user, built by KAZOO depending on direction (`from`).
    pub from: Option<String>,
    /// SIP From tag (`from_tag`).
    pub from_tag: Option<String>,
    /// The From SIP URI (`from_uri`).
    pub from_uri: Option<String>,
    /// Why the leg ended (`hangup_cause`).
    pub hangup_cause: Option<String>,
    /// The SIP hangup code, when available (`hangup_code`).
    pub hangup_code: Option<String>,
    /// The id correlating the legs of one call (`interaction_id`).
    pub interaction_id: Option<InteractionId>,
    /// The key part of the interaction id (`interaction_key`).
    pub interaction_key: Option<String>,
    /// When the interaction began (`interaction_time`).
    pub interaction_time: Option<GregorianSeconds>,
    /// The SDP negotiated by the local agent (`local_sdp`).
    pub local_sdp: Option<String>,
    /// Ids of the recordings of the call (`media_recordings`).
    pub media_recordings: Option<Vec<String>>,
    /// The hostname of the media server (`media_server`).
    pub media_server: Option<String>,
    /// The message id of the event the CDR came from (`msg_id`).
    pub msg_id: Option<String>,
    /// The ecallmgr that issued the CDR (`node`).
    pub node: Option<String>,
    /// The call id of the bridged leg (`other_leg_call_id`).
    pub other_leg_call_id: Option<String>,
    /// Caller ID name of the bridged leg (`other_leg_caller_id_name`).
    pub other_leg_caller_id_name: Option<String>,
    /// Caller ID number of the bridged leg (`other_leg_caller_id_number`).
    pub other_leg_caller_id_number: Option<String>,
    /// Dialed number of the bridged leg (`other_leg_destination_number`).
    pub other_leg_destination_number: Option<String>,
    /// Direction of the bridged leg (`other_leg_direction`).
    pub other_leg_direction: Option<CallDirection>,
    /// ID used in SIP NOTIFY messages (`presence_id`).
    pub presence_id: Option<String>,
    /// Where the call's recording is (`recording_url`).
    pub recording_url: Option<String>,
    /// The call's priority, kept as JSON (`call_priority`; KAZOO writes a string or a number).
    pub call_priority: Option<Value>,
    /// The SDP negotiated by the remote agent (`remote_sdp`).
    pub remote_sdp: Option<String>,
    /// The processed request URI (`request`).
    pub request: Option<String>,
    /// Seconds the leg was ringing before answer (`ringing_seconds`).
    pub ringing_seconds: Option<i64>,
    /// The media switch's hostname (`switch_hostname`).
    pub switch_hostname: Option<String>,
    /// The media switch's Erlang node name (`switch_nodename`).
    pub switch_nodename: Option<String>,
    /// The media switch's SIP URI (`switch_uri`).
    pub switch_uri: Option<String>,
    /// The media switch's URL (`switch_url`).
    pub switch_url: Option<String>,
    /// The event category of the source event (`event_category`).
    pub event_category: Option<String>,
    /// The event name of the source event (`event_name`).
    pub event_name: Option<String>,
    /// When the CDR was generated, at the end of the leg (`timestamp`).
    pub timestamp: Option<GregorianSeconds>,
    /// The To user, built by KAZOO depending on direction (`to`).
    pub to: Option<String>,
    /// SIP To tag (`to_tag`).
    pub to_tag: Option<String>,
    /// The To SIP URI (`to_uri`).
    pub to_uri: Option<String>,
    /// The User-Agent header of the SIP packet (`user_agent`).
    pub user_agent: Option<String>,
    /// The database the document is stored in (`pvt_account_db`).
    pub pvt_account_db: Option<String>,
    /// The account of the stored document (`pvt_account_id`).
    pub pvt_account_id: Option<String>,
    /// When the document was created (`pvt_created`).
    pub pvt_created: Option<GregorianSeconds>,
    /// When the document was last modified (`pvt_modified`).
    pub pvt_modified: Option<GregorianSeconds>,
    /// The document type, `cdr` (`pvt_type`).
    pub pvt_type: Option<String>,
    /// The document schema version (`pvt_vsn`).
    pub pvt_vsn: Option<i64>,
    /// Every other key, as written.
    pub extra: Map<String, Value>,
}

known_keys!(Cdr {
    "_id" => doc_id,
    "app_name" => app_name,
    "app_version" => app_version,
    "billing_seconds" => billing_seconds,
    "call_direction" => call_direction,
    "call_priority" => call_priority,
    "callee_id_name" => callee_id_name,
    "callee_id_number" => callee_id_number,
    "caller_id_name" => caller_id_name,
    "caller_id_number" => caller_id_number,
    "channel_created_time" => channel_created_time,
    "channel_loopback_leg" => channel_loopback_leg,
    "channel_name" => channel_name,
    "custom_application_vars" => custom_application_vars,
    "custom_channel_vars" => custom_channel_vars,
    "custom_sip_headers" => custom_sip_headers,
    "digits_dialed" => digits_dialed,
    "disposition" => disposition,
    "duration_seconds" => duration_seconds,
    "event_category" => event_category,
    "event_name" => event_name,
    "fax_bad_rows" => fax_bad_rows,
    "fax_ecm_used" => fax_ecm_used,
    "fax_info" => fax_info,
    "fax_result_code" => fax_result_code,
    "fax_result_text" => fax_result_text,
    "fax_success" => fax_success,
    "fax_total_pages" => fax_total_pages,
    "fax_transfer_rate" => fax_transfer_rate,
    "fax_transferred_pages" => fax_transferred_pages,
    "from" => from,
    "from_tag" => from_tag,
    "from_uri" => from_uri,
    "hangup_cause" => hangup_cause,
    "hangup_code" => hangup_code,
    "id" => id,
    "interaction_id" => interaction_id,
    "interaction_key" => interaction_key,
    "interaction_time" => interaction_time,
    "local_sdp" => local_sdp,
    "media_recordings" => media_recordings,
    "media_server" => media_server,
    "msg_id" => msg_id,
    "node" => node,
    "other_leg_call_id" => other_leg_call_id,
    "other_leg_caller_id_name" => other_leg_caller_id_name,
    "other_leg_caller_id_number" => other_leg_caller_id_number,
    "other_leg_destination_number" => other_leg_destination_number,
    "other_leg_direction" => other_leg_direction,
    "presence_id" => presence_id,
    "pvt_account_db" => pvt_account_db,
    "pvt_account_id" => pvt_account_id,
    "pvt_created" => pvt_created,
    "pvt_modified" => pvt_modified,
    "pvt_type" => pvt_type,
    "pvt_vsn" => pvt_vsn,
    "recording_url" => recording_url,
    "remote_sdp" => remote_sdp,
    "request" => request,
    "ringing_seconds" => ringing_seconds,
    "switch_hostname" => switch_hostname,
    "switch_nodename" => switch_nodename,
    "switch_uri" => switch_uri,
    "switch_url" => switch_url,
    "timestamp" => timestamp,
    "to" => to,
    "to_tag" => to_tag,
    "to_uri" => to_uri,
    "user_agent" => user_agent,
});

/// The one required key.
const CALL_ID: &str = "call_id";

impl Cdr {
    /// A CDR with this call id and nothing else.
    ///
    /// A CDR read from JSON always has a non-empty call id; one built here with an empty call
    /// id is written as such but does not read back.
    pub fn new(call_id: impl Into<String>) -> Self {
        Cdr {
            call_id: call_id.into(),
            doc_id: None,
            id: None,
            app_name: None,
            app_version: None,
            billing_seconds: None,
            call_direction: None,
            callee_id_name: None,
            callee_id_number: None,
            caller_id_name: None,
            caller_id_number: None,
            channel_created_time: None,
            channel_name: None,
            channel_loopback_leg: None,
            custom_application_vars: None,
            custom_channel_vars: None,
            custom_sip_headers: None,
            digits_dialed: None,
            disposition: None,
            duration_seconds: None,
            fax_bad_rows: None,
            fax_ecm_used: None,
            fax_result_code: None,
            fax_result_text: None,
            fax_success: None,
            fax_total_pages: None,
            fax_transfer_rate: None,
            fax_transferred_pages: None,
            fax_info: None,
            from: None,
            from_tag: None,
            from_uri: None,
            hangup_cause: None,
            hangup_code: None,
            interaction_id: None,
            interaction_key: None,
            interaction_time: None,
            local_sdp: None,
            media_recordings: None,
            media_server: None,
            msg_id: None,
            node: None,
            other_leg_call_id: None,
            other_leg_caller_id_name: None,
            other_leg_caller_id_number: None,
            other_leg_destination_number: None,
            other_leg_direction: None,
            presence_id: None,
            recording_url: None,
            call_priority: None,
            remote_sdp: None,
            request: None,
            ringing_seconds: None,
            switch_hostname: None,
            switch_nodename: None,
            switch_uri: None,
            switch_url: None,
            event_category: None,
            event_name: None,
            timestamp: None,
            to: None,
            to_tag: None,
            to_uri: None,
            user_agent: None,
            pvt_account_db: None,
            pvt_account_id: None,
            pvt_created: None,
            pvt_modified: None,
            pvt_type: None,
            pvt_vsn: None,
            extra: Map::new(),
        }
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
    deserializer
        .end()
        .map_err(|e| lenient::json_error(&slot, e))?;
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
        Err(e) => Err(lenient::json_error(slot, e)),
    }
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
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            if key == CALL_ID {
                cdr.call_id = match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(id) if !id.is_empty() => id.into_owned(),
                    other => {
                        let error = other.invalid("a call id", "a non-empty JSON string");
                        return Err(slot.fail(error.within(CALL_ID)));
                    }
                };
            } else if !cdr.read_known(key, &mut map, slot)? {
                let value: Value = map.next_value()?;
                cdr.extra.insert(key.to_owned(), value);
            }
        }
        if cdr.call_id.is_empty() {
            return Err(slot.fail(Error::missing_key(CALL_ID)));
        }
        Ok(cdr)
    }
}

impl Serialize for Cdr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(CALL_ID, &self.call_id)?;
        self.write_known(&mut map, &[CALL_ID])?;
        map.end()
    }
}

object_traits!(Cdr);
