//! Cursor pagination of CDR listings, over slices and over a host's ordered store, for CDRs
//! and for interactions.
//!
//! One module per concern, imported in one direction only:
//!
//! - `order`: [`SortOrder`], a leaf;
//! - `cursor`: the cursor codec (text ⟷ position and the query it belongs to), nothing else;
//! - `request`: [`PageRequest`], [`Page`] and the checked window over a listing that binds
//!   a cursor to its query;
//! - `slice`: [`paginate`] and [`paginate_interactions`] over slices;
//! - `store`: [`OrderedStore`], [`ScanStart`], [`paginate_store`] and
//!   [`paginate_interaction_store`].
//!
//! The key CDRs are ordered by is [`Cdr::listing_key`](crate::cdr::Cdr::listing_key), defined
//! beside the record.

pub(crate) mod cursor;
pub(crate) mod order;
pub(crate) mod request;
pub(crate) mod slice;
pub(crate) mod store;

pub use order::SortOrder;
pub use request::{Page, PageRequest};
pub use slice::{paginate, paginate_interactions};
pub use store::{OrderedStore, ScanStart, paginate_interaction_store, paginate_store};
