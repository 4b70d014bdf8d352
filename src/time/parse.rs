//! Reading ISO 8601 date-times: extended and basic forms, offsets, fractions, bare dates.

use chrono::{DateTime, Utc};

use super::civil::{DAY, days_from_civil, days_in_month};
use super::format::Ascii;
use super::offset::{hours_minutes, number, two_digits};
use super::{GREGORIAN_UNIX_OFFSET, GregorianSeconds, chrono_years};
use crate::error::{Error, show_str};

/// Parses an ISO 8601 date-time (or a bare date) into a UTC instant.
///
/// Accepted, in the extended form or the basic form:
///
/// | part | extended | basic |
/// |---|---|---|
/// | date | `2015-04-07` | `20150407` |
/// | time (after `T`, optional) | `04:33:02`, `04:33` | `043302`, `0433` |
/// | fraction (after seconds, optional) | `.071108` or `,071108`, 1–9 digits | same |
/// | offset (optional) | `Z`, `-05:00`, `-0500`, `-05` | `Z`, `-0500`, `-05` |
///
/// The date and the time are in one form (mixing them is an error). The offset follows the
/// time's form, except that an extended time may take a basic offset: `2015-04-07T04:33:02-0500`
/// is what `strftime`'s `%z` and many APIs write, and it means what `-05:00` means. A basic
/// time with an extended offset (`20150407T043302-05:00`) is refused.
///
/// Years are four digits, or signed with 4–12 digits in ISO 8601's expanded form
/// (`-0001-12-31`, `+10000-01-01`), as this crate's formatters write them. A bare date is
/// midnight UTC, and a date-time without an offset is read as UTC. Hours are 00–23 (no
/// `24:00`), seconds 00–59 (no leap second), offsets under 24 hours.
///
/// # Errors
///
/// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) naming the input and what was wrong with it (bad syntax, mixed forms,
/// an impossible date such as `2015-02-30`, an impossible time or offset);
/// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) for a valid date-time that `chrono::DateTime<Utc>` cannot hold.
///
/// ```
/// use kazoo_records::time::parse_iso8601;
///
/// let extended = parse_iso8601("2015-04-07T04:33:02-05:00")?;
/// assert_eq!(parse_iso8601("20150407T043302-05")?, extended);
/// assert_eq!(extended.to_rfc3339(), "2015-04-07T09:33:02+00:00");
/// assert_eq!(parse_iso8601("2015-04-07T04:33:02-0500")?, extended); // as `%z` writes it
/// assert!(parse_iso8601("2015-02-30T00:00:00Z").is_err());
/// assert!(parse_iso8601("2015-04-07T043302-05:00").is_err()); // mixed forms
/// # Ok::<(), kazoo_records::Error>(())
/// ```
pub fn parse_iso8601(s: &str) -> Result<DateTime<Utc>, Error> {
    let parsed = parse(s)?;
    let unix = parsed.seconds.checked_sub(GREGORIAN_UNIX_OFFSET);
    unix.and_then(|unix| DateTime::from_timestamp(unix, parsed.nanos))
        .ok_or_else(|| {
            Error::out_of_range(
                show_str(s),
                format!("an instant chrono can hold ({})", chrono_years()),
            )
        })
}

impl GregorianSeconds {
    /// Parses an ISO 8601 date-time as [`parse_iso8601`] does, into Gregorian seconds
    /// (a fraction of a second is dropped: the result is the second the instant falls in).
    ///
    /// Unlike [`parse_iso8601`] this is not limited to chrono's range: every instant that
    /// Gregorian seconds can hold is accepted, so it reads back whatever
    /// [`iso8601`](Self::iso8601) and [`iso8601_with_offset`](Self::iso8601_with_offset) write.
    ///
    /// # Errors
    ///
    /// As [`parse_iso8601`]; [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) beyond the range of `i64` seconds.
    ///
    /// ```
    /// use kazoo_records::time::GregorianSeconds;
    ///
    /// let g = GregorianSeconds::parse_iso8601("2015-04-08T12:29:49.75-05:00")?;
    /// assert_eq!(g, GregorianSeconds(63_595_733_389));
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn parse_iso8601(s: &str) -> Result<GregorianSeconds, Error> {
        parse(s).map(|parsed| GregorianSeconds(parsed.seconds))
    }
}

/// An instant read from text.
struct Parsed {
    /// Gregorian seconds (the floor of the instant).
    seconds: i64,
    /// Nanoseconds past `seconds`, `0..1_000_000_000`.
    nanos: u32,
}

/// Why a string is not an ISO 8601 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Syntax,
    Mixed,
    Month,
    Day { year: i64, month: u8 },
    Time,
    Fraction,
    Offset,
    Range,
}

impl Failure {
    fn into_error(self, s: &str) -> Error {
        const WHAT: &str = "an ISO 8601 date-time";
        let value = show_str(s);
        let expected = match self {
            Failure::Syntax => {
                "YYYY-MM-DD, optionally followed by Thh:mm:ss, a fraction and Z, ±hh:mm, ±hhmm \
                 or ±hh (or the basic form YYYYMMDDThhmmss±hhmm)"
                    .to_owned()
            }
            Failure::Mixed => "one form: extended (2015-04-07T04:33:02-05:00, the offset \
                               may be -0500) or basic throughout (20150407T043302-0500)"
                .to_owned(),
            Failure::Month => "a month 01–12".to_owned(),
            Failure::Day { year, month } => {
                let mut written = Ascii::new();
                written.year(year);
                format!(
                    "a day 01–{} in {}-{month:02}",
                    days_in_month(year, month),
                    written.as_str()
                )
            }
            Failure::Time => "hours 00–23, minutes 00–59 and seconds 00–59".to_owned(),
            Failure::Fraction => "at most 9 fraction digits (nanoseconds)".to_owned(),
            Failure::Offset => "an offset under 24 hours (hours 00–23, minutes 00–59)".to_owned(),
            Failure::Range => {
                return Error::out_of_range(value, "an instant within i64 Gregorian seconds");
            }
        };
        Error::invalid(value, WHAT, expected)
    }
}

fn parse(s: &str) -> Result<Parsed, Error> {
    parse_bytes(s.as_bytes()).map_err(|failure| failure.into_error(s))
}

fn parse_bytes(bytes: &[u8]) -> Result<Parsed, Failure> {
    let mut sc = Scanner { bytes, pos: 0 };
    let date = date(&mut sc)?;
    let (time, offset) = if sc.at_end() {
        (Time::default(), 0)
    } else if sc.eat(b'T') {
        let time = time(&mut sc, date.extended)?;
        let offset = offset(&mut sc, date.extended)?;
        if !sc.at_end() {
            return Err(Failure::Syntax);
        }
        (time, offset)
    } else {
        return Err(Failure::Syntax);
    };

    let Date {
        year, month, day, ..
    } = date;
    if !(1..=12).contains(&month) {
        return Err(Failure::Month);
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(Failure::Day { year, month });
    }
    if time.hour > 23 || time.minute > 59 || time.second > 59 {
        return Err(Failure::Time);
    }
    let time_of_day = time.hour * 3600 + time.minute * 60 + time.second;
    // Years have at most 12 digits, so the days fit; the seconds may not. Summed wide, so
    // that the first day of i64's range, whose midnight is below i64::MIN, still reads.
    let seconds = i128::from(days_from_civil(year, month, day)) * i128::from(DAY)
        + i128::from(time_of_day - offset);
    let seconds = i64::try_from(seconds).map_err(|_| Failure::Range)?;
    Ok(Parsed {
        seconds,
        nanos: time.nanos,
    })
}

/// The date fields as written (not yet checked against the calendar).
struct Date {
    year: i64,
    month: u8,
    day: u8,
    /// Whether the date used the extended form (`2015-04-07`), which the rest must follow.
    extended: bool,
}

/// The time fields as written (not yet range-checked).
#[derive(Default)]
struct Time {
    hour: i64,
    minute: i64,
    second: i64,
    nanos: u32,
}

/// `[±]YYYY-MM-DD` or `[±]YYYYMMDD`.
fn date(sc: &mut Scanner<'_>) -> Result<Date, Failure> {
    let negative = sc.sign();
    let run = sc.digits();
    let extended = sc.eat(b'-');
    let (year_digits, month, day) = if extended {
        let month = sc.two_digit_run()?;
        if !sc.eat(b'-') {
            return Err(Failure::Syntax);
        }
        (run, month, sc.two_digit_run()?)
    } else {
        // The basic form: the last four digits of the run are the month and the day.
        let split = run.len().checked_sub(4).ok_or(Failure::Syntax)?;
        let (year, month_day) = run.split_at(split);
        let (month, day) = month_day.split_at(2);
        (year, pair(month)?, pair(day)?)
    };
    let year_len_ok = match negative {
        None => year_digits.len() == 4,
        Some(_) => (4..=12).contains(&year_digits.len()),
    };
    if !year_len_ok {
        return Err(Failure::Syntax);
    }
    let magnitude = number(year_digits);
    Ok(Date {
        year: if negative == Some(true) {
            -magnitude
        } else {
            magnitude
        },
        month: two_digits(month).ok_or(Failure::Syntax)?,
        day: two_digits(day).ok_or(Failure::Syntax)?,
        extended,
    })
}

/// After the `T`: `hh:mm[:ss[.f]]` (extended) or `hhmm[ss[.f]]` (basic).
fn time(sc: &mut Scanner<'_>, extended: bool) -> Result<Time, Failure> {
    let mut time = Time::default();
    let run = sc.digits();
    let has_seconds = if extended {
        if run.len() != 2 {
            let basic = matches!(run.len(), 4 | 6);
            return Err(if basic {
                Failure::Mixed
            } else {
                Failure::Syntax
            });
        }
        time.hour = number(run);
        if !sc.eat(b':') {
            return Err(Failure::Syntax);
        }
        time.minute = number(&sc.two_digit_run()?);
        let has_seconds = sc.eat(b':');
        if has_seconds {
            time.second = number(&sc.two_digit_run()?);
        }
        has_seconds
    } else {
        let (hh, rest) = run.split_at(run.len().min(2));
        let (mm, ss) = rest.split_at(rest.len().min(2));
        match run.len() {
            4 | 6 => {
                time.hour = number(hh);
                time.minute = number(mm);
                time.second = number(ss);
                run.len() == 6
            }
            2 if sc.peek() == Some(b':') => return Err(Failure::Mixed),
            _ => return Err(Failure::Syntax),
        }
    };
    if has_seconds && (sc.eat(b'.') || sc.eat(b',')) {
        let run = sc.digits();
        time.nanos = match run.len() {
            0 => return Err(Failure::Syntax),
            // At most 999_999_999: fits a u32.
            len @ 1..=9 => (number(run) * 10_i64.pow(9 - len as u32)) as u32,
            _ => return Err(Failure::Fraction),
        };
    }
    Ok(time)
}

/// Nothing, `Z`, `±hh:mm` (extended), `±hhmm` or `±hh`: seconds east of UTC.
///
/// `±hhmm` is accepted after an extended time too (`04:33:02-0500`, `strftime`'s `%z`), as the
/// colons of the time leave no doubt about where its fields end; `±hh:mm` after a basic time
/// is refused.
fn offset(sc: &mut Scanner<'_>, extended: bool) -> Result<i64, Failure> {
    if sc.eat(b'Z') {
        return Ok(0);
    }
    let Some(west) = sc.sign() else {
        // No designator: read as UTC. Anything else left over is refused by the caller.
        return Ok(0);
    };
    let run = sc.digits();
    let (hh, mm) = match run.len() {
        2 if sc.eat(b':') => {
            if !extended {
                return Err(Failure::Mixed);
            }
            (run, sc.two_digit_run()?)
        }
        2 => (run, *b"00"),
        4 => {
            let (hh, mm) = run.split_at(2);
            (hh, pair(mm)?)
        }
        _ => return Err(Failure::Syntax),
    };
    let offset = hours_minutes(west, pair(hh)?, mm).ok_or(Failure::Offset)?;
    Ok(i64::from(offset.seconds()))
}

/// A byte cursor over the input.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Consumes `byte` if it is next.
    #[inline]
    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Consumes a `+` (`Some(false)`) or `-` (`Some(true)`).
    #[inline]
    fn sign(&mut self) -> Option<bool> {
        if self.eat(b'+') {
            Some(false)
        } else if self.eat(b'-') {
            Some(true)
        } else {
            None
        }
    }

    /// Consumes the run of ASCII digits here (possibly empty).
    #[inline]
    fn digits(&mut self) -> &'a [u8] {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    /// Consumes a run of exactly two digits.
    #[inline]
    fn two_digit_run(&mut self) -> Result<[u8; 2], Failure> {
        pair(self.digits())
    }
}

/// Two bytes as an array, or a syntax failure for any other length.
#[inline]
fn pair(run: &[u8]) -> Result<[u8; 2], Failure> {
    <[u8; 2]>::try_from(run).map_err(|_| Failure::Syntax)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn the_ends_of_i64_read_back() {
        // The first day of the range starts before i64::MIN: its midnight alone overflows.
        for g in [i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX] {
            let written = GregorianSeconds(g).iso8601();
            assert_eq!(
                GregorianSeconds::parse_iso8601(&written),
                Ok(GregorianSeconds(g)),
                "{written}"
            );
        }
        let before = "-292277024627-01-26T08:29:51Z";
        assert_eq!(
            GregorianSeconds::parse_iso8601(before).unwrap_err().kind(),
            ErrorKind::OutOfRange
        );
    }

    fn failure(s: &str) -> Failure {
        match parse_bytes(s.as_bytes()) {
            Ok(p) => panic!("{s} parsed as {}", p.seconds),
            Err(f) => f,
        }
    }

    #[test]
    fn failures_are_classified() {
        assert_eq!(failure("2015/04/07T00.00.00"), Failure::Syntax);
        assert_eq!(failure("2015-04-07T0433:02-05:00"), Failure::Mixed);
        assert_eq!(failure("20150407T04:33:02-05"), Failure::Mixed);
        assert_eq!(failure("2015-04-07T043302-0500"), Failure::Mixed);
        assert_eq!(failure("20150407T043302-05:00"), Failure::Mixed);
        assert_eq!(failure("20150407T0433-05:00"), Failure::Mixed);
        assert_eq!(failure("2015-04-07T04:33:02-050"), Failure::Syntax);
        assert_eq!(failure("2015-04-07T04:33:02-050000"), Failure::Syntax);
        assert_eq!(failure("2015-04-07T04:33:02-0560"), Failure::Offset);
        assert_eq!(failure("2015-04-07T04:33:02+2400"), Failure::Offset);
        assert_eq!(failure("2015-13-07"), Failure::Month);
        assert_eq!(
            failure("2015-02-29"),
            Failure::Day {
                year: 2015,
                month: 2
            }
        );
        assert_eq!(failure("2015-04-07T24:00:00Z"), Failure::Time);
        assert_eq!(
            failure("2015-04-07T04:33:02.1234567890Z"),
            Failure::Fraction
        );
        assert_eq!(failure("2015-04-07T04:33:02+24:00"), Failure::Offset);
        assert_eq!(failure("+999999999999-01-01"), Failure::Range);
    }

    #[test]
    fn an_extended_time_takes_a_basic_offset() {
        let seconds = |s: &str| parse_bytes(s.as_bytes()).map(|p| (p.seconds, p.nanos));
        let reference = seconds("2015-04-07T04:33:02-05:00");
        assert!(reference.is_ok());
        assert_eq!(seconds("2015-04-07T04:33:02-0500"), reference);
        assert_eq!(seconds("2015-04-07T04:33:02-05"), reference);
        assert_eq!(seconds("20150407T043302-0500"), reference);
        assert_eq!(
            seconds("2015-04-07T15:03:02.25+0530"),
            Ok((reference.unwrap().0, 250_000_000))
        );
        assert_eq!(
            seconds("2015-04-07T04:33-0500"),
            seconds("2015-04-07T04:33:00-05:00")
        );
        assert_eq!(
            seconds("-0001-12-31T23:59:59-0000"),
            seconds("-0001-12-31T23:59:59Z")
        );
    }

    #[test]
    fn fractions_scale_to_nanoseconds() {
        let p = parse_bytes(b"2015-04-07T04:33:02,5Z").unwrap();
        assert_eq!(p.nanos, 500_000_000);
        let p = parse_bytes(b"20150407T043302.000000001Z").unwrap();
        assert_eq!(p.nanos, 1);
    }
}
