//! The formats KAZOO prints instants in: ISO 8601 (UTC, with an offset, date only),
//! RFC 1036 and the "pretty" `YYYY-MM-DD_HH:MM:SS`.
//!
//! Every formatter takes any `i64` of Gregorian seconds and never fails: years outside
//! 0000–9999 are written in ISO 8601's expanded form (`-0001`, `+10000`), and every format
//! uses the same proleptic Gregorian calendar. Each string is built with one allocation and
//! without chrono.

use std::fmt::Write as _;

use super::civil::{Civil, Year};
use super::offset::push_two_digits;
use super::{GregorianSeconds, UnixMicros, UtcOffset};

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Room for the longest string a formatter here writes (a 12-digit expanded year, RFC 1036).
const CAPACITY: usize = 40;

impl GregorianSeconds {
    /// ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`, as KAZOO's `kz_time:iso8601/1` prints it.
    ///
    /// Years outside 0000–9999 are written in ISO 8601's expanded form (`+10000-…`, `-0001-…`).
    ///
    /// ```
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// assert_eq!(GregorianSeconds(63_595_733_389).iso8601(), "2015-04-08T17:29:49Z");
    /// assert_eq!(GregorianSeconds(-1).iso8601(), "-0001-12-31T23:59:59Z");
    /// ```
    pub fn iso8601(self) -> String {
        self.iso8601_with_offset(UtcOffset::UTC)
    }

    /// ISO 8601 as wall-clock time at `offset`, `YYYY-MM-DDTHH:MM:SS±HH:MM`, as KAZOO's
    /// `kz_time:iso8601/2` prints it; offset zero is written `Z` (as KAZOO does).
    ///
    /// Near year 0 a negative offset reaches back into year -1, which is written `-0001`
    /// (KAZOO cannot format such an instant at all).
    ///
    /// ```
    /// use kazoo_records::time::{GregorianSeconds, UtcOffset};
    ///
    /// let g = GregorianSeconds(63_595_733_389);
    /// assert_eq!(g.iso8601_with_offset(UtcOffset::parse("-05:00")?), "2015-04-08T12:29:49-05:00");
    /// assert_eq!(g.iso8601_with_offset(UtcOffset::UTC), "2015-04-08T17:29:49Z");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn iso8601_with_offset(self, offset: UtcOffset) -> String {
        let c = Civil::from_gregorian_offset(self, offset.seconds());
        let mut out = String::with_capacity(CAPACITY);
        push_date(&mut out, &c, '-');
        out.push('T');
        push_time(&mut out, &c);
        if offset.is_utc() {
            out.push('Z');
        } else {
            offset.push_to(&mut out);
        }
        out
    }

    /// The UTC date in ISO 8601, `YYYY-MM-DD`.
    ///
    /// ```
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// assert_eq!(GregorianSeconds(63_595_733_389).iso8601_date(), "2015-04-08");
    /// ```
    pub fn iso8601_date(self) -> String {
        let c = Civil::from_gregorian(self);
        let mut out = String::with_capacity(CAPACITY);
        push_date(&mut out, &c, '-');
        out
    }

    /// RFC 1036 (the HTTP date form), `Wdy, DD Mon YYYY HH:MM:SS GMT`.
    ///
    /// KAZOO fails on years before 0001; this writes them like any other year
    /// (`Sat, 01 Jan 0000 00:00:00 GMT`, `Fri, 31 Dec -0001 23:59:59 GMT`).
    ///
    /// ```
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// assert_eq!(GregorianSeconds(63_595_733_389).rfc1036(), "Wed, 08 Apr 2015 17:29:49 GMT");
    /// ```
    pub fn rfc1036(self) -> String {
        let c = Civil::from_gregorian(self);
        let mut out = String::with_capacity(CAPACITY);
        out.push_str(WEEKDAYS[usize::from(c.weekday % 7)]);
        out.push_str(", ");
        push_two_digits(&mut out, u32::from(c.day));
        out.push(' ');
        out.push_str(MONTHS[usize::from((c.month + 11) % 12)]);
        out.push(' ');
        push_year(&mut out, c.year);
        out.push(' ');
        push_time(&mut out, &c);
        out.push_str(" GMT");
        out
    }

    /// KAZOO's "pretty" UTC form, `YYYY-MM-DD_HH:MM:SS` (the CDR `datetime` column).
    ///
    /// ```
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// assert_eq!(GregorianSeconds(63_595_733_389).pretty(), "2015-04-08_17:29:49");
    /// ```
    pub fn pretty(self) -> String {
        self.pretty_with_offset(UtcOffset::UTC)
    }

    /// The wall-clock time at `offset` in the pretty form `YYYY-MM-DD_HH:MM:SS` (the offset
    /// itself is not written).
    ///
    /// ```
    /// use kazoo_records::time::{GregorianSeconds, UtcOffset};
    ///
    /// let g = GregorianSeconds(63_595_733_389);
    /// assert_eq!(g.pretty_with_offset(UtcOffset::parse("+05:30")?), "2015-04-08_22:59:49");
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn pretty_with_offset(self, offset: UtcOffset) -> String {
        let c = Civil::from_gregorian_offset(self, offset.seconds());
        let mut out = String::with_capacity(CAPACITY);
        push_date(&mut out, &c, '-');
        out.push('_');
        push_time(&mut out, &c);
        out
    }
}

impl UnixMicros {
    /// The instant as decimal Unix seconds with six fraction digits (`1557184198.071108`),
    /// exact for every value (`-0.000001` for one microsecond before the epoch).
    ///
    /// ```
    /// use kazoo_records::time::UnixMicros;
    ///
    /// assert_eq!(UnixMicros(1_557_184_198_071_108).decimal_seconds(), "1557184198.071108");
    /// assert_eq!(UnixMicros(-1).decimal_seconds(), "-0.000001");
    /// ```
    pub fn decimal_seconds(self) -> String {
        let abs = self.0.unsigned_abs();
        let mut out = String::with_capacity(28);
        if self.0 < 0 {
            out.push('-');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{}.{:06}", abs / 1_000_000, abs % 1_000_000);
        out
    }
}

/// Appends `YYYY<sep>MM<sep>DD`.
fn push_date(out: &mut String, c: &Civil, sep: char) {
    push_year(out, c.year);
    out.push(sep);
    push_two_digits(out, u32::from(c.month));
    out.push(sep);
    push_two_digits(out, u32::from(c.day));
}

/// Appends `HH:MM:SS`.
fn push_time(out: &mut String, c: &Civil) {
    push_two_digits(out, u32::from(c.hour));
    out.push(':');
    push_two_digits(out, u32::from(c.minute));
    out.push(':');
    push_two_digits(out, u32::from(c.second));
}

/// Appends the year: four digits for 0000–9999, else ISO 8601's expanded form.
fn push_year(out: &mut String, year: i64) {
    if let Ok(y @ 0..=9999) = u32::try_from(year) {
        push_two_digits(out, y / 100);
        push_two_digits(out, y % 100);
    } else {
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", Year(year));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_padded_or_expanded() {
        for (year, text) in [
            (0, "0000"),
            (7, "0007"),
            (9999, "9999"),
            (10_000, "+10000"),
            (-1, "-0001"),
            (-12_345, "-12345"),
        ] {
            let mut out = String::new();
            push_year(&mut out, year);
            assert_eq!(out, text);
        }
    }

    #[test]
    fn extremes_format_without_panicking() {
        for g in [i64::MIN, i64::MAX] {
            let g = GregorianSeconds(g);
            for s in [g.iso8601(), g.iso8601_date(), g.rfc1036(), g.pretty()] {
                assert!(s.len() <= CAPACITY, "{s}");
            }
            for secs in [-86_340, 86_340] {
                let offset = UtcOffset::from_seconds(secs).unwrap();
                assert!(g.iso8601_with_offset(offset).len() <= CAPACITY);
            }
        }
        assert_eq!(
            UnixMicros(i64::MIN).decimal_seconds(),
            "-9223372036854.775808"
        );
    }
}
