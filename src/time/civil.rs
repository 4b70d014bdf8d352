//! Calendar arithmetic on whole `i64` ranges: days ⟷ (year, month, day), without panics.

use std::fmt;

use super::GregorianSeconds;

/// A broken-down UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Civil {
    /// Breaks Gregorian seconds down into calendar fields (any `i64`).
    pub fn from_gregorian(g: GregorianSeconds) -> Self {
        let days = g.0.div_euclid(86_400);
        let secs = g.0.rem_euclid(86_400);
        // Day 0 is 0000-01-01; shift to days since 0000-03-01 (era arithmetic, H. Hinnant).
        let (year, month, day) = civil_from_days_since_0000_01_01(days);
        Civil {
            year,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        }
    }
}

/// A year written as ISO 8601 does: four digits for 0000–9999, else signed and expanded.
pub(crate) struct Year(pub i64);

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0..=9999 => write!(f, "{:04}", self.0),
            y if y < 0 => write!(f, "-{:04}", y.unsigned_abs()),
            y => write!(f, "+{y}"),
        }
    }
}

/// (year, month, day) of the day `days` after 0000-01-01, for every `i64`.
fn civil_from_days_since_0000_01_01(days: i64) -> (i64, u8, u8) {
    // 0000-01-01 is 60 days before 0000-03-01 (0000 is a leap year).
    let z = i128::from(days) - 60;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year as i64, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(civil_from_days_since_0000_01_01(0), (0, 1, 1));
        assert_eq!(civil_from_days_since_0000_01_01(59), (0, 2, 29));
        assert_eq!(civil_from_days_since_0000_01_01(719_528), (1970, 1, 1));
        assert_eq!(civil_from_days_since_0000_01_01(-1), (-1, 12, 31));
    }

    #[test]
    fn extremes_do_not_panic() {
        for g in [i64::MIN, i64::MIN + 1, -1, i64::MAX - 1, i64::MAX] {
            let c = Civil::from_gregorian(GregorianSeconds(g));
            assert!((1..=12).contains(&c.month) && (1..=31).contains(&c.day));
        }
    }
}
