//! The names KAZOO gives an account's databases: the account id in its raw, unencoded and
//! encoded forms, and the month database (MODB) that holds the account's CDRs.

use chrono::Datelike;

use crate::Error;
use crate::error::show_str;
use crate::time::GregorianSeconds;

/// What an account id looks like, for error messages.
pub(crate) const ACCOUNT_ID_EXPECTED: &str = "32 ASCII characters, such as \
     47459457c634aff90b96f6af8a8eebb6, or an account database name (account%2F47%2F45%2F…)";

/// What a month database's time must be, for error messages.
const MODB_TIME_EXPECTED: &str =
    "Gregorian seconds in the years 1000 to 9999 (an account's month database)";

/// The encoded name of the month database (MODB) of `account_id` for the UTC month of `time`:
/// `account%2F<2>%2F<2>%2F<28>-YYYYMM`, as KAZOO's `kz_util:format_account_id/2` builds it.
/// CDRs are stored there.
///
/// `account_id` is the 32-character id, or any name KAZOO derives from it: the database
/// `account/47/45/9457…` or `account%2F47%2F45%2F9457…`, or one of their month databases
/// (`…-202503`, whose month is replaced). KAZOO accepts any 32 bytes as an id; here they must
/// be ASCII (a name split inside a UTF-8 character would not be text).
///
/// ```
/// use kazoo_records::cdr::account_modb;
/// use kazoo_records::time::GregorianSeconds;
///
/// let march_2025 = GregorianSeconds(63_909_219_200);
/// assert_eq!(
///     account_modb("47459457c634aff90b96f6af8a8eebb6", march_2025)?,
///     "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-202503"
/// );
/// assert_eq!(
///     account_modb("account/47/45/9457c634aff90b96f6af8a8eebb6", march_2025)?,
///     account_modb("account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-201901", march_2025)?
/// );
/// assert!(account_modb("4745", march_2025).is_err());
/// # Ok::<(), kazoo_records::Error>(())
/// ```
///
/// # Errors
///
/// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming `account_id` when it is none of
/// those forms (KAZOO crashes on it); [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange)
/// naming `time` when its year is before 1000 or after 9999 (KAZOO crashes on the first and
/// cuts the year of the second to four digits).
pub fn account_modb(account_id: &str, time: GregorianSeconds) -> Result<String, Error> {
    let [a, b, rest] = raw_account_id(account_id).ok_or_else(|| {
        Error::invalid(show_str(account_id), "an account id", ACCOUNT_ID_EXPECTED)
    })?;
    let (year, month) = modb_month(time)?;
    Ok(format!("account%2F{a}%2F{b}%2F{rest}-{year:04}{month:02}"))
}

/// The UTC year and month of `time`, when the year has four digits.
fn modb_month(time: GregorianSeconds) -> Result<(i32, u32), Error> {
    time.to_datetime()
        .ok()
        .map(|dt| (dt.year(), dt.month()))
        .filter(|(year, _)| (1000..=9999).contains(year))
        .ok_or_else(|| Error::out_of_range(time.0.to_string(), MODB_TIME_EXPECTED))
}

/// The raw account id in `name` as its three parts (2, 2 and 28 characters), when `name` is
/// one of the forms KAZOO's `raw_account_id` recognises: the id itself, the unencoded or
/// encoded account database, or a month database of one of those three.
pub(crate) fn raw_account_id(name: &str) -> Option<[&str; 3]> {
    if !name.is_ascii() {
        return None;
    }
    // Month databases: one of the forms below, then `-YYYYMM` (any six bytes, as KAZOO).
    let name = match name.len() {
        39 | 49 | 55 if name.as_bytes()[name.len() - 7] == b'-' => &name[..name.len() - 7],
        _ => name,
    };
    let parts = |at: [usize; 3]| {
        [
            &name[at[0]..at[0] + 2],
            &name[at[1]..at[1] + 2],
            &name[at[2]..],
        ]
    };
    match name.len() {
        32 => Some(parts([0, 2, 4])),
        42 if name.starts_with("account/") && &name[10..11] == "/" && &name[13..14] == "/" => {
            Some(parts([8, 11, 14]))
        }
        48 if name.starts_with("account%2F")
            && &name[12..15] == "%2F"
            && &name[17..20] == "%2F" =>
        {
            Some(parts([10, 15, 20]))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "47459457c634aff90b96f6af8a8eebb6";

    #[test]
    fn every_form_of_the_name_gives_the_raw_parts() {
        let raw = Some(["47", "45", "9457c634aff90b96f6af8a8eebb6"]);
        for name in [
            ID.to_owned(),
            format!("{ID}-201901"),
            "account/47/45/9457c634aff90b96f6af8a8eebb6".to_owned(),
            "account/47/45/9457c634aff90b96f6af8a8eebb6-201901".to_owned(),
            "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6".to_owned(),
            "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-201901".to_owned(),
        ] {
            assert_eq!(raw_account_id(&name), raw, "{name}");
        }
    }

    #[test]
    fn other_names_are_refused_without_panicking() {
        for name in [
            "",
            "4745",
            &ID[1..],
            "account/47/45/9457c634aff90b96f6af8a8eebb",
            "account%2f47%2f45%2f9457c634aff90b96f6af8a8eebb6",
            "account-47-45-9457c634aff90b96f6af8a8eebb6",
            "é7459457c634aff90b96f6af8a8eebb",
            "47459457c634aff90b96f6af8a8eebb6+201901",
            "ééééééééééééééééééééééééééééééééééééééé",
        ] {
            assert_eq!(raw_account_id(name), None, "{name}");
        }
    }

    #[test]
    fn the_month_database_has_a_four_digit_year() {
        let at = |y: i32, m: u32| {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap();
            GregorianSeconds::from_datetime(date.and_hms_opt(0, 0, 0).unwrap().and_utc())
        };
        assert_eq!(
            account_modb(ID, at(1000, 1)).unwrap(),
            "account%2F47%2F45%2F9457c634aff90b96f6af8a8eebb6-100001"
        );
        assert!(account_modb(ID, at(9999, 12)).is_ok());
        for time in [
            at(999, 12),
            at(10_000, 1),
            GregorianSeconds(0),
            GregorianSeconds(-1),
        ] {
            let err = account_modb(ID, time).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::OutOfRange, "{time:?}");
        }
        assert!(account_modb(ID, GregorianSeconds(i64::MAX)).is_err());
    }
}
