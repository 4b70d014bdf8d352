//! Calendar arithmetic on whole `i64` ranges: days ⟷ (year, month, day), without panics.

use super::GregorianSeconds;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// A broken-down instant: calendar date, wall-clock time and weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u8,
}

impl Civil {
    /// Breaks Gregorian seconds down into UTC calendar fields (any `i64`).
    pub fn from_gregorian(g: GregorianSeconds) -> Self {
        Self::from_gregorian_offset(g, 0)
    }

    /// Breaks Gregorian seconds down into the wall-clock fields of a place `offset` seconds
    /// east of UTC (any `i64`, any `offset` in `(-86_400, 86_400)`; never overflows).
    pub fn from_gregorian_offset(g: GregorianSeconds, offset: i32) -> Self {
        // Split first, shift the seconds of the day second: `g + offset` alone could overflow.
        let secs = g.0.rem_euclid(DAY) + i64::from(offset);
        let days = g.0.div_euclid(DAY) + secs.div_euclid(DAY);
        let secs = secs.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
            // 0000-01-01 was a Saturday (proleptic Gregorian).
            weekday: (days % 7 + 6).rem_euclid(7) as u8,
        }
    }
}

/// Whether `year` has a 29 February (proleptic Gregorian, any sign).
#[inline]
pub(crate) fn is_leap_year(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// The number of days in `month` (1–12) of `year`; 0 for a month outside 1–12.
#[inline]
pub(crate) fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 0000-01-01 to the given date (which must be valid), exactly, for every year
/// with `|year| <= MAX_YEAR` (far beyond the years of `i64` seconds).
#[inline]
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    // Days since 0000-03-01 (era arithmetic, H. Hinnant), then 60 days for Jan and Feb 0000.
    // No step overflows for |year| < 2.5e16; callers stay far below (see MAX_YEAR).
    let y = year.clamp(-MAX_YEAR, MAX_YEAR) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = (i64::from(month) + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe + 60
}

/// The largest year magnitude [`days_from_civil`] takes (larger ones are clamped to it):
/// twelve digits, beyond the ±292 277 024 626 years that `i64` seconds span.
pub(crate) const MAX_YEAR: i64 = 999_999_999_999;

/// (year, month, day) of the day `days` after 0000-01-01, for every day of an `i64` of
/// seconds (`|days| <= i64::MAX / 86_400 + 2`; no step overflows far beyond that).
#[inline]
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    // 0000-01-01 is 60 days before 0000-03-01 (0000 is a leap year).
    let z = days.saturating_sub(60);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(civil_from_days(0), (0, 1, 1));
        assert_eq!(civil_from_days(59), (0, 2, 29));
        assert_eq!(civil_from_days(719_528), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (-1, 12, 31));
    }

    #[test]
    fn extremes_do_not_panic() {
        for g in [i64::MIN, i64::MIN + 1, -1, i64::MAX - 1, i64::MAX] {
            for offset in [-86_399, -1, 0, 1, 86_399] {
                let c = Civil::from_gregorian_offset(GregorianSeconds(g), offset);
                assert!((1..=12).contains(&c.month) && (1..=31).contains(&c.day));
                assert!(c.weekday < 7 && c.hour < 24 && c.minute < 60 && c.second < 60);
            }
        }
    }

    #[test]
    fn weekdays_of_known_dates() {
        // 0000-01-01 Saturday, 1970-01-01 Thursday, 2015-04-08 Wednesday, -0001-12-31 Friday.
        assert_eq!(Civil::from_gregorian(GregorianSeconds(0)).weekday, 6);
        assert_eq!(
            Civil::from_gregorian(GregorianSeconds(62_167_219_200)).weekday,
            4
        );
        assert_eq!(
            Civil::from_gregorian(GregorianSeconds(63_595_733_389)).weekday,
            3
        );
        assert_eq!(Civil::from_gregorian(GregorianSeconds(-1)).weekday, 5);
    }

    #[test]
    fn an_offset_moves_across_midnight_at_the_extremes() {
        let c = Civil::from_gregorian_offset(GregorianSeconds(i64::MAX), 86_399);
        let d = Civil::from_gregorian(GregorianSeconds(i64::MAX));
        assert_ne!((c.year, c.month, c.day), (d.year, d.month, d.day));
    }

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        // Every day an i64 of seconds reaches, offsets included.
        let samples = (-1_000_000..1_000_000)
            .step_by(997)
            .chain([i64::MIN / DAY - 2, i64::MAX / DAY + 2]);
        for days in samples {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert!(d <= days_in_month(y, m));
        }
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(0) && is_leap_year(2000) && is_leap_year(-4) && is_leap_year(2024));
        assert!(!is_leap_year(1900) && !is_leap_year(-1) && !is_leap_year(2023));
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2024, 13), 0);
    }
}
