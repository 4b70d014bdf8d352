//! One CDR as crossbar answers `/cdrs/{id}` and `/cdrs/legs/{id}`: [`Cdr::public_doc`], the
//! month database a [`CdrId`] lives in ([`CdrId::account_database`]) and the legs of one call
//! in ascending channel time ([`legs_of`]).

use serde_json::{Map, Value};

use super::ids::{CdrId, InteractionId};
use super::interaction::leg_order;
use super::record::Cdr;
use crate::Error;
use crate::error::show_str;

impl Cdr {
    /// The document crossbar answers `/cdrs/{id}` and `/cdrs/legs/{id}` with: the stored
    /// document less its private keys (those starting with `_` or `pvt_`), plus `"id"` (the
    /// document id, `_id`, else `id`).
    ///
    /// ```
    /// use kazoo_records::cdr::Cdr;
    ///
    /// let cdr = Cdr::from_json_str(r#"{"_id": "201905-abc", "_rev": "1-x", "call_id": "abc",
    ///                                  "pvt_account_id": "acc", "billing_seconds": 7}"#)?;
    /// let doc = cdr.public_doc();
    /// assert_eq!(doc["id"], "201905-abc");
    /// assert_eq!(doc["billing_seconds"], 7);
    /// assert!(doc.get("_rev").is_none() && doc.get("pvt_account_id").is_none() && doc.get("_id").is_none());
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn public_doc(&self) -> Value {
        let mut doc = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        doc.retain(|key, _| !key.starts_with('_') && !key.starts_with("pvt_"));
        if let Some(id) = self.document_id() {
            doc.insert("id".to_owned(), Value::from(id));
        }
        Value::Object(doc)
    }
}

impl CdrId {
    /// The account's month database this CDR is stored in, encoded as a URL path segment:
    /// `account%2F47%2F45%2F9457…-201905` (KAZOO's `kazoo_modb`).
    ///
    /// ```
    /// use kazoo_records::cdr::CdrId;
    ///
    /// let id = CdrId::parse("201905-abc")?;
    /// assert_eq!(
    ///     id.account_database("47459457c634aff90b96f6af8a8eebb6")?,
    ///     "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-201905"
    /// );
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `account_id` for an id that is
    /// not 32 ASCII letters and digits.
    pub fn account_database(&self, account_id: &str) -> Result<String, Error> {
        if account_id.len() != 32 || !account_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid(
                show_str(account_id),
                "an account id",
                "32 letters and digits, such as 47459457c634aff90b96f6af8a8eebb6",
            )
            .within("account_id"));
        }
        Ok(format!(
            "account%2F{}%2F{}%2F{}-{:04}{:02}",
            &account_id[..2],
            &account_id[2..4],
            &account_id[4..],
            self.year(),
            self.month()
        ))
    }
}

/// The legs of one interaction (`/cdrs/legs/{interaction id}`), in ascending channel time as
/// [`group_interactions`](super::group_interactions) orders them; empty when no leg belongs to it.
///
/// ```
/// use kazoo_records::cdr::{Cdr, InteractionId, legs_of};
///
/// let legs: Vec<Cdr> = [
///     r#"{"call_id": "b", "interaction_id": "63724403398-af5b9a0e", "channel_created_time": 1557184198200000}"#,
///     r#"{"call_id": "a", "interaction_id": "63724403398-af5b9a0e", "channel_created_time": 1557184198100000}"#,
///     r#"{"call_id": "x"}"#,
/// ].iter().map(|json| Cdr::from_json_str(json)).collect::<Result<_, _>>()?;
/// let id = InteractionId::parse("63724403398-af5b9a0e")?;
/// let calls: Vec<&str> = legs_of(&legs, &id).iter().map(|leg| leg.call_id.as_str()).collect();
/// assert_eq!(calls, ["a", "b"]);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
pub fn legs_of<'a>(cdrs: &'a [Cdr], interaction: &InteractionId) -> Vec<&'a Cdr> {
    let mut legs: Vec<&Cdr> = cdrs
        .iter()
        .filter(|cdr| cdr.interaction() == Some(interaction))
        .collect();
    // The order `group_interactions` gives a call's legs: channel time, loopback leg, call id.
    legs.sort_by_key(|leg| leg_order(leg));
    legs
}
