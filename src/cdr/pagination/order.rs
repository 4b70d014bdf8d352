//! [`SortOrder`]: the order of a listing, oldest or newest first.

/// The order of a listing: by its sort key, oldest first or newest first.
///
/// Chosen with [`PageRequest::order`](crate::cdr::PageRequest::order) (or
/// [`ascending`](crate::cdr::PageRequest::ascending) / [`descending`](crate::cdr::PageRequest::descending)),
/// and handed to [`OrderedStore::scan`](crate::cdr::OrderedStore::scan). Not to be confused with
/// [`CallDirection`](crate::cdr::CallDirection), the direction of a call leg.
///
/// ```
/// use kazoo_records::cdr::{PageRequest, SortOrder};
///
/// assert_eq!(SortOrder::default(), SortOrder::Descending);
/// assert_eq!(SortOrder::Ascending.as_str(), "ascending");
/// assert_eq!(PageRequest::new().ascending().get_order(), SortOrder::Ascending);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Oldest first.
    Ascending,
    /// Newest first (KAZOO's default).
    #[default]
    Descending,
}

impl SortOrder {
    /// `"ascending"` or `"descending"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        }
    }

    /// Whether `key` comes strictly after `after` in this order.
    pub(crate) fn beyond<K: Ord + ?Sized>(self, key: &K, after: &K) -> bool {
        match self {
            SortOrder::Ascending => key > after,
            SortOrder::Descending => key < after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beyond_follows_the_order() {
        assert!(SortOrder::Ascending.beyond(&2, &1));
        assert!(!SortOrder::Ascending.beyond(&1, &1));
        assert!(SortOrder::Descending.beyond(&1, &2));
        assert!(!SortOrder::Descending.beyond(&2, &2));
    }
}
