//! Call detail records: KAZOO's record of one call leg, typed and lossless.
//!
//! - [`Cdr`]: every documented and stored key typed, unknown keys kept; lenient reading,
//!   faithful writing (each value in the JSON type it arrived in), errors that name the JSON
//!   path.
//! - [`CustomChannelVars`], [`CustomSipHeaders`], [`CallDirection`], [`ResourceType`]: its parts
//!   (an unknown direction or resource type is kept as an [`Unrecognized`] name).
//! - [`CdrId`] and [`InteractionId`]: the ids KAZOO gives CDRs and the calls they belong to.
//! - [`Units`] and [`Rating`]: money in KAZOO units and the per-call cost formula.
//! - [`PublicRow`]: the columns of KAZOO's CDR listing and CSV export.
//! - [`group_interactions`]: legs grouped into calls ([`Interaction`]), ordered, summarised.
//! - [`PageRequest`], [`SortOrder`], [`Page`], [`paginate`], [`paginate_interactions`],
//!   [`OrderedStore`]: cursor pagination over a slice or a host's ordered store, for CDRs and
//!   for interactions.
//! - [`Filters`]: KAZOO's query-string filters (`filter_<path>`, `has_value`, …).
//! - [`ListingQuery`]: one crossbar listing request, from its query string to KAZOO's JSON
//!   or CSV answer, with filters inside pagination; [`Cdr::public_doc`], [`legs_of`] and
//!   [`Summary`] for the other CDR endpoints.
//! - [`csv`] (feature `csv`): RFC 4180 export of rows, streamed to any writer.
//! - [`Ingest`]: KAZOO's `cdr` application, CHANNEL_DESTROY events in, stored CDRs out;
//!   [`account_modb`] names their month databases, [`normalize_document`] normalises keys.
//!
//! ```
//! use kazoo_records::cdr::{Cdr, Units};
//!
//! let json = r#"{"call_id": "abc", "billing_seconds": "61",
//!                "custom_channel_vars": {"rate": "2262", "rate_minimum": "60",
//!                                        "rate_increment": "60", "account_billing": "per_minute"}}"#;
//! let cdr = Cdr::from_json_str(json)?;
//! assert_eq!(cdr.cost(), Units(4524));
//! assert_eq!(cdr.cost().dollars_string(), "0.4524");
//! # Ok::<(), kazoo_records::Error>(())
//! ```

mod account_db;
mod channel_vars;
mod cost;
#[cfg(feature = "csv")]
#[cfg_attr(docsrs, doc(cfg(feature = "csv")))]
pub mod csv;
mod direction;
mod filter;
mod ids;
mod ingest;
mod interaction;
mod listing;
mod listing_key;
mod named;
mod normalize;
mod pagination;
mod public_doc;
mod record;
mod resource_type;
mod row;
mod sip_headers;
mod summary;

pub use account_db::account_modb;
pub use channel_vars::CustomChannelVars;
pub use cost::{Rating, Units};
pub use direction::CallDirection;
pub use filter::Filters;
pub use ids::{CdrId, InteractionId};
pub use ingest::{Ingest, Ingested, SkipReason};
pub use interaction::{GroupId, Interaction, InteractionSummary, group_interactions};
pub use listing::{ListingItem, ListingQuery};
pub use listing_key::SortKey;
pub use named::Unrecognized;
pub use normalize::normalize_document;
pub use pagination::{
    OrderedStore, Page, PageRequest, ScanStart, SortOrder, paginate, paginate_interaction_store,
    paginate_interactions, paginate_store,
};
pub use public_doc::legs_of;
pub use record::Cdr;
pub use resource_type::ResourceType;
pub use row::{PublicRow, RowOptions};
pub use sip_headers::CustomSipHeaders;
pub use summary::Summary;
