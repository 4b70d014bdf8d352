//! The two listings over either engine: [`Cdrs`] and [`Interactions`].

use kazoo_records::Error;
use kazoo_records::cdr::{Cdr, OrderedStore, ScanStart, SortKey, SortOrder};

use crate::Scope;

/// One engine's scan over the `(time_col, key_col)` index of an account (and owner).
pub trait Engine {
    /// At most `limit` rows from `start` in `order`.
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        cols: (&str, &str),
        account: &str,
        owner: Option<&str>,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error>;
}

/// One scope's CDR listing: an [`OrderedStore`] keyed by the core's listing key.
#[derive(Debug)]
pub struct Cdrs<'a, E> {
    store: &'a E,
    scope: Scope,
}

impl<'a, E> Cdrs<'a, E> {
    pub(crate) fn new(store: &'a E, scope: Scope) -> Self {
        Cdrs { store, scope }
    }
}

impl<E: Engine> OrderedStore for Cdrs<'_, E> {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        let owner = self.scope.owner.as_deref();
        self.store.scan(
            ("time", "id"),
            &self.scope.account,
            owner,
            start,
            order,
            limit,
        )
    }
}

/// One account's interaction legs: an [`OrderedStore`] keyed by the interaction key, the
/// legs of one interaction consecutive (ordered by document id).
#[derive(Debug)]
pub struct Interactions<'a, E> {
    store: &'a E,
    account: String,
}

impl<'a, E> Interactions<'a, E> {
    pub(crate) fn new(store: &'a E, account: String) -> Self {
        Interactions { store, account }
    }
}

impl<E: Engine> OrderedStore for Interactions<'_, E> {
    type Row = Cdr;

    fn scan(
        &self,
        start: ScanStart<'_>,
        order: SortOrder,
        limit: usize,
    ) -> Result<Vec<(SortKey, Cdr)>, Error> {
        self.store
            .scan(("itime", "ikey"), &self.account, None, start, order, limit)
    }
}
