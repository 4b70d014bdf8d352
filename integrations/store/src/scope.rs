//! [`Scope`]: what one listing scans.

/// The rows one listing scans: an account's CDRs, optionally only one owner's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The account database's name without its `-YYYYMM` month suffix
    /// (`account%2Fab%2Fcd%2Fef…`), as [`account_of`](crate::account_of) derives it.
    pub account: String,
    /// Only the CDRs whose `custom_channel_vars.owner_id` is this user.
    pub owner: Option<String>,
}

impl Scope {
    /// Every CDR of `account`.
    pub fn account(account: impl Into<String>) -> Self {
        Scope {
            account: account.into(),
            owner: None,
        }
    }

    /// Only `owner`'s CDRs (`/users/{U}/cdrs`).
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }
}
