//! What a stored row holds, computed from a CDR once at insert, and the scan's bounds.

use kazoo_records::Error;
use kazoo_records::cdr::{Cdr, ScanStart, SortKey, SortOrder};

/// The account a month database belongs to: its name less a trailing `-YYYYMM`
/// (`anonymous_cdrs` and other names are their own account).
///
/// ```
/// assert_eq!(kazoo_records_store::account_of("account%2Fab%2Fcd%2Fef-201905"), "account%2Fab%2Fcd%2Fef");
/// assert_eq!(kazoo_records_store::account_of("anonymous_cdrs"), "anonymous_cdrs");
/// ```
pub fn account_of(database: &str) -> &str {
    let bytes = database.as_bytes();
    if bytes.len() > 7
        && bytes[bytes.len() - 7] == b'-'
        && bytes[bytes.len() - 6..].iter().all(u8::is_ascii_digit)
    {
        &database[..database.len() - 7]
    } else {
        database
    }
}

/// The columns of one stored CDR.
pub(crate) struct Columns {
    pub account: String,
    pub id: String,
    pub time: Option<i64>,
    pub owner: Option<String>,
    pub interaction: Option<(i64, String)>,
    pub doc: String,
}

impl Columns {
    pub(crate) fn of(database: &str, cdr: &Cdr) -> Result<Columns, Error> {
        let doc = serde_json::to_string(cdr).map_err(Error::store)?;
        Ok(Columns {
            account: account_of(database).to_owned(),
            id: cdr.listing_id().to_owned(),
            time: cdr.listing_time().map(|t| t.0),
            owner: cdr.channel_vars().owner_id.clone(),
            interaction: SortKey::of_interaction_leg(cdr).map(|k| (k.time.0, k.id)),
            doc,
        })
    }
}

/// A scan's bound as SQL: the comparison on (time, id) and its values.
pub(crate) enum Bound {
    /// `time >= t` (ascending) or `time <= t` (descending).
    Time(i64),
    /// `(time, id) op (t, id)`, `op` one of `>=`, `>`, `<=`, `<`.
    Key(&'static str, i64, String),
}

pub(crate) fn bound(start: ScanStart<'_>, order: SortOrder) -> Bound {
    let asc = matches!(order, SortOrder::Ascending);
    match start {
        ScanStart::Time(t) => Bound::Time(t.0),
        ScanStart::From(k) => Bound::Key(if asc { ">=" } else { "<=" }, k.time.0, k.id.clone()),
        ScanStart::After(k) => Bound::Key(if asc { ">" } else { "<" }, k.time.0, k.id.clone()),
    }
}

/// The SQL of one scan over `time_col`/`key_col` (placeholders `$n`, which both SQLite and
/// PostgreSQL read), and whether it binds an owner; bound values follow account (and owner).
pub(crate) fn scan_sql(
    table_cols: (&str, &str),
    owner: bool,
    bound: &Bound,
    order: SortOrder,
) -> String {
    let (time_col, key_col) = table_cols;
    let asc = matches!(order, SortOrder::Ascending);
    let mut n = 1;
    let mut sql = format!("SELECT {time_col}, {key_col}, doc FROM cdrs WHERE account = $1");
    if owner {
        n += 1;
        sql.push_str(&format!(" AND owner = ${n}"));
    }
    match bound {
        Bound::Time(_) => {
            sql.push_str(&format!(
                " AND {time_col} {} ${}",
                if asc { ">=" } else { "<=" },
                n + 1
            ));
            n += 1;
        }
        Bound::Key(op, _, _) => {
            sql.push_str(&format!(
                " AND ({time_col}, {key_col}) {op} (${}, ${})",
                n + 1,
                n + 2
            ));
            n += 2;
        }
    }
    let dir = if asc { "ASC" } else { "DESC" };
    sql.push_str(&format!(
        " ORDER BY {time_col} {dir}, {key_col} {dir}{} LIMIT ${}",
        if key_col == "id" {
            String::new()
        } else {
            format!(", id {dir}")
        },
        n + 1
    ));
    sql
}

/// Parses a stored document back into the CDR it was.
pub(crate) fn parse(doc: &str) -> Result<Cdr, Error> {
    Cdr::from_json_str(doc)
}
