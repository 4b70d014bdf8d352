//! The listing-key rule: the key a CDR listing orders a CDR by, defined beside the record.
//!
//! One rule, used by every CDR paginator, by [`SortKey::of_cdr`] and by the cursors: a CDR is
//! listed at ([`Cdr::listing_time`], [`Cdr::listing_id`]), and a CDR without a listing time is
//! in no listing.

use super::record::Cdr;
use crate::time::GregorianSeconds;

/// The key a listing is ordered by: a time and an id.
///
/// For CDRs, [`Cdr::listing_key`]: ([`Cdr::listing_time`], [`Cdr::listing_id`]); for
/// interactions, (interaction time, interaction key). Ordered by time, then id.
///
/// ```
/// use kazoo_records::cdr::{Cdr, SortKey};
/// use kazoo_records::time::GregorianSeconds;
///
/// let cdr = Cdr::from_json_str(r#"{"call_id": "abc", "_id": "201905-abc", "timestamp": 63724403408}"#)?;
/// assert_eq!(cdr.listing_key(), Some(SortKey::new(GregorianSeconds(63_724_403_408), "201905-abc")));
/// assert!(SortKey::new(GregorianSeconds(1), "b") < SortKey::new(GregorianSeconds(2), "a"));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortKey {
    /// The listing time.
    pub time: GregorianSeconds,
    /// The document id or interaction key.
    pub id: String,
}

impl SortKey {
    /// A key of `time` and `id`.
    pub fn new(time: GregorianSeconds, id: impl Into<String>) -> Self {
        SortKey {
            time,
            id: id.into(),
        }
    }

    /// The key a CDR listing orders `cdr` by ([`Cdr::listing_key`]); `None` when it has no
    /// listing time (it is then in no time range).
    pub fn of_cdr(cdr: &Cdr) -> Option<SortKey> {
        cdr.listing_key()
    }

    /// The key an interaction listing orders `cdr`'s interaction by: the interaction id's
    /// time and key; `None` for a leg without an interaction id.
    pub fn of_interaction_leg(cdr: &Cdr) -> Option<SortKey> {
        let id = cdr.interaction()?;
        Some(SortKey::new(id.time(), id.key()))
    }
}

impl Cdr {
    /// The id a CDR listing orders CDRs of equal listing time by: the stored document id
    /// `_id`, else `call_id`.
    ///
    /// Not [`document_id`](Cdr::document_id) (`_id`, else `id`): every CDR has a call id, so
    /// every CDR with a listing time has a listing key.
    ///
    /// ```
    /// use kazoo_records::cdr::Cdr;
    ///
    /// let stored = Cdr::from_json_str(r#"{"call_id": "abc", "_id": "201905-abc"}"#)?;
    /// assert_eq!(stored.listing_id(), "201905-abc");
    /// assert_eq!(Cdr::new("abc").listing_id(), "abc");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn listing_id(&self) -> &str {
        self.doc_id.as_deref().unwrap_or(&self.call_id)
    }

    /// The key a CDR listing orders this CDR by: ([`listing_time`](Cdr::listing_time),
    /// [`listing_id`](Cdr::listing_id)); `None` without a listing time.
    ///
    /// ```
    /// use kazoo_records::cdr::{Cdr, SortKey};
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// let cdr = Cdr::from_json_str(r#"{"call_id": "abc", "pvt_created": 63724403410}"#)?;
    /// assert_eq!(cdr.listing_key(), Some(SortKey::new(GregorianSeconds(63_724_403_410), "abc")));
    /// assert_eq!(Cdr::new("x").listing_key(), None);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn listing_key(&self) -> Option<SortKey> {
        let (time, id) = self.listing_key_ref()?;
        Some(SortKey::new(time, id))
    }

    /// [`listing_key`](Cdr::listing_key) without copying the id.
    pub(crate) fn listing_key_ref(&self) -> Option<(GregorianSeconds, &str)> {
        Some((self.listing_time()?, self.listing_id()))
    }
}
