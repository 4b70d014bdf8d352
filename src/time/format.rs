//! The formats KAZOO prints instants in: ISO 8601 (UTC, with an offset, date only),
//! RFC 1036 and the "pretty" `YYYY-MM-DD_HH:MM:SS`.
//!
//! Every formatter takes any `i64` of Gregorian seconds and never fails: years outside
//! 0000–9999 are written in ISO 8601's expanded form (`-0001`, `+10000`), and every format
//! uses the same proleptic Gregorian calendar. Each string is built on the stack and copied
//! into one allocation, without chrono.

use super::civil::Civil;
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
        self.iso8601_ascii(offset).into_string()
    }

    fn iso8601_ascii(self, offset: UtcOffset) -> Ascii {
        let c = Civil::from_gregorian_offset(self, offset.seconds());
        let mut out = Ascii::new();
        out.date(&c);
        out.push(b'T');
        out.time(&c);
        if offset.is_utc() {
            out.push(b'Z');
        } else {
            out.offset(offset);
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
        self.iso8601_date_ascii().into_string()
    }

    fn iso8601_date_ascii(self) -> Ascii {
        let mut out = Ascii::new();
        out.date(&Civil::from_gregorian(self));
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
        self.rfc1036_ascii().into_string()
    }

    fn rfc1036_ascii(self) -> Ascii {
        let c = Civil::from_gregorian(self);
        let mut out = Ascii::new();
        out.push_str(WEEKDAYS[usize::from(c.weekday % 7)]);
        out.push_str(", ");
        out.two_digits(u32::from(c.day));
        out.push(b' ');
        out.push_str(MONTHS[usize::from((c.month + 11) % 12)]);
        out.push(b' ');
        out.year(c.year);
        out.push(b' ');
        out.time(&c);
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
        self.pretty_ascii(offset).into_string()
    }

    fn pretty_ascii(self, offset: UtcOffset) -> Ascii {
        let c = Civil::from_gregorian_offset(self, offset.seconds());
        let mut out = Ascii::new();
        out.date(&c);
        out.push(b'_');
        out.time(&c);
        out
    }

    /// Appends [`iso8601_with_offset`](Self::iso8601_with_offset) to `out` (no allocation
    /// when `out` has room).
    pub(crate) fn write_iso8601(self, offset: UtcOffset, out: &mut String) {
        self.iso8601_ascii(offset).append_to(out);
    }

    /// Appends [`iso8601_date`](Self::iso8601_date) to `out`.
    pub(crate) fn write_iso8601_date(self, out: &mut String) {
        self.iso8601_date_ascii().append_to(out);
    }

    /// Appends [`rfc1036`](Self::rfc1036) to `out`.
    pub(crate) fn write_rfc1036(self, out: &mut String) {
        self.rfc1036_ascii().append_to(out);
    }

    /// Appends [`pretty_with_offset`](Self::pretty_with_offset) to `out`.
    pub(crate) fn write_pretty(self, offset: UtcOffset, out: &mut String) {
        self.pretty_ascii(offset).append_to(out);
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
        self.decimal_ascii().into_string()
    }

    /// Appends [`decimal_seconds`](Self::decimal_seconds) to `out`.
    pub(crate) fn write_decimal_seconds(self, out: &mut String) {
        self.decimal_ascii().append_to(out);
    }

    fn decimal_ascii(self) -> Ascii {
        let abs = self.0.unsigned_abs();
        let mut out = Ascii::new();
        if self.0 < 0 {
            out.push(b'-');
        }
        out.digits(abs / 1_000_000, 1);
        out.push(b'.');
        out.digits(abs % 1_000_000, 6);
        out
    }
}

/// An ASCII string built on the stack, then copied into one `String`.
///
/// Writes past [`CAPACITY`] are dropped (none of the formats here comes near it).
pub(super) struct Ascii {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Ascii {
    #[inline]
    pub(super) fn new() -> Self {
        Ascii {
            bytes: [0; CAPACITY],
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    #[inline]
    fn push_str(&mut self, s: &str) {
        s.bytes().for_each(|b| self.push(b));
    }

    /// `n` (0–99) as two digits.
    #[inline]
    fn two_digits(&mut self, n: u32) {
        self.push(b'0' + (n / 10 % 10) as u8);
        self.push(b'0' + (n % 10) as u8);
    }

    /// `n` in decimal, zero-padded to at least `width` digits.
    #[inline]
    fn digits(&mut self, n: u64, width: usize) {
        let mut reversed = [0_u8; 20];
        let (mut n, mut count) = (n, 0);
        while count < width || n > 0 {
            if let Some(slot) = reversed.get_mut(count) {
                *slot = b'0' + (n % 10) as u8;
            }
            n /= 10;
            count += 1;
        }
        reversed
            .iter()
            .take(count)
            .rev()
            .for_each(|&b| self.push(b));
    }

    /// The year: four digits for 0000–9999, else ISO 8601's expanded form (`-0001`, `+10000`).
    #[inline]
    pub(super) fn year(&mut self, year: i64) {
        if let Ok(y @ 0..=9999) = u32::try_from(year) {
            self.two_digits(y / 100);
            self.two_digits(y % 100);
        } else {
            self.push(if year < 0 { b'-' } else { b'+' });
            self.digits(year.unsigned_abs(), 4);
        }
    }

    /// `YYYY-MM-DD`.
    #[inline]
    fn date(&mut self, c: &Civil) {
        self.year(c.year);
        self.push(b'-');
        self.two_digits(u32::from(c.month));
        self.push(b'-');
        self.two_digits(u32::from(c.day));
    }

    /// `HH:MM:SS`.
    #[inline]
    fn time(&mut self, c: &Civil) {
        self.two_digits(u32::from(c.hour));
        self.push(b':');
        self.two_digits(u32::from(c.minute));
        self.push(b':');
        self.two_digits(u32::from(c.second));
    }

    /// `±HH:MM`.
    #[inline]
    pub(super) fn offset(&mut self, offset: UtcOffset) {
        let secs = offset.seconds();
        let abs = secs.unsigned_abs();
        self.push(if secs < 0 { b'-' } else { b'+' });
        self.two_digits(abs / 3600);
        self.push(b':');
        self.two_digits(abs / 60 % 60);
    }

    #[inline]
    pub(super) fn as_str(&self) -> &str {
        let written = self.bytes.get(..self.len).unwrap_or_default();
        // Only ASCII is ever written, so this is always `Ok`.
        std::str::from_utf8(written).unwrap_or_default()
    }

    /// The text in one allocation.
    #[inline]
    fn into_string(self) -> String {
        self.as_str().to_owned()
    }

    #[inline]
    fn append_to(&self, out: &mut String) {
        out.push_str(self.as_str());
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
            (i64::MIN, "-9223372036854775808"),
        ] {
            let mut out = Ascii::new();
            out.year(year);
            assert_eq!(out.into_string(), text);
        }
    }

    #[test]
    fn digits_pad_to_a_width() {
        let mut out = Ascii::new();
        out.digits(0, 1);
        out.push(b' ');
        out.digits(42, 6);
        out.push(b' ');
        out.digits(u64::MAX, 1);
        assert_eq!(out.into_string(), "0 000042 18446744073709551615");
    }

    #[test]
    fn writes_past_the_capacity_are_dropped() {
        let mut out = Ascii::new();
        out.push_str(&"x".repeat(CAPACITY + 5));
        assert_eq!(out.into_string().len(), CAPACITY);
    }

    #[test]
    fn extremes_format_whole() {
        // A string cut at the capacity would be exactly `CAPACITY` long and lose its end, so
        // each output must be shorter, keep its format's ending and (ISO 8601) read back.
        for g in [i64::MIN, i64::MAX] {
            let g = GregorianSeconds(g);
            let (iso, date, rfc, pretty) = (g.iso8601(), g.iso8601_date(), g.rfc1036(), g.pretty());
            for s in [&iso, &date, &rfc, &pretty] {
                assert!(s.len() < CAPACITY, "{s} may be cut at {CAPACITY} bytes");
            }
            assert!(iso.ends_with('Z'), "{iso}");
            assert_eq!(GregorianSeconds::parse_iso8601(&iso).ok(), Some(g), "{iso}");
            assert!(iso.starts_with(&format!("{date}T")), "{iso} vs {date}");
            assert!(rfc.ends_with(" GMT"), "{rfc}");
            assert!(
                WEEKDAYS
                    .iter()
                    .any(|day| rfc.starts_with(&format!("{day}, "))),
                "{rfc}"
            );
            let wall = iso.trim_end_matches('Z').replacen('T', "_", 1);
            assert_eq!(pretty, wall);
            for (secs, suffix) in [(-86_340, "-23:59"), (86_340, "+23:59")] {
                let offset = UtcOffset::from_seconds(secs).unwrap();
                let s = g.iso8601_with_offset(offset);
                assert!(s.len() < CAPACITY, "{s} may be cut at {CAPACITY} bytes");
                assert!(s.ends_with(suffix), "{s}");
                assert_eq!(GregorianSeconds::parse_iso8601(&s).ok(), Some(g), "{s}");
            }
        }
        assert_eq!(
            UnixMicros(i64::MIN).decimal_seconds(),
            "-9223372036854.775808"
        );
    }
}
