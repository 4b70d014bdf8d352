//! Money in KAZOO units and the per-call cost formula.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::json::{FromScalar, Scalar};

/// An amount of money in KAZOO units: 1/10 000 of a dollar (`rate`, `base_cost`, `surcharge`,
/// call costs).
///
/// Serialised as a plain integer; [`Display`](fmt::Display) shows dollars the way KAZOO's
/// `units_to_dollars` does (shortest form, at least one decimal).
///
/// ```
/// use kazoo_records::cdr::Units;
///
/// assert_eq!(Units(2262).dollars_string(), "0.2262");
/// assert_eq!(Units(15_000).to_string(), "1.5");
/// assert_eq!(Units(0).to_string(), "0.0");
/// assert_eq!(Units::from_dollars("0.2262")?, Units(2262));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Units(pub i64);

/// Units in one dollar.
const UNITS_PER_DOLLAR: i64 = 10_000;

impl Units {
    /// The amount in dollars, as a float (for display or arithmetic that tolerates rounding).
    pub fn dollars(self) -> f64 {
        self.0 as f64 / UNITS_PER_DOLLAR as f64
    }

    /// The amount in dollars, exactly, in the shortest decimal form with at least one decimal
    /// (`"0.2262"`, `"1.5"`, `"0.0"`, `"-0.01"`).
    pub fn dollars_string(self) -> String {
        let mut out = String::with_capacity(8);
        self.write_dollars(&mut out);
        out
    }

    /// Appends [`dollars_string`](Self::dollars_string) to `out`.
    pub(crate) fn write_dollars(self, out: &mut String) {
        if self.0 < 0 {
            out.push('-');
        }
        let magnitude = self.0.unsigned_abs();
        crate::decimal::push_u64_padded(out, magnitude / UNITS_PER_DOLLAR as u64, 1);
        out.push('.');
        let mut fraction = magnitude % UNITS_PER_DOLLAR as u64;
        let mut width = 4;
        while width > 1 && fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
        crate::decimal::push_u64_padded(out, fraction, width);
    }

    /// Parses a dollar amount with at most four decimals (`"0.2262"`, `"-1"`, `"3.5"`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for anything that is not such a decimal, or that has more than four
    /// decimals (it would not be a whole number of units); [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) past `i64`.
    pub fn from_dollars(dollars: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::invalid(
                crate::error::show_str(dollars),
                "a dollar amount",
                "a decimal with at most 4 decimals, such as 0.2262",
            )
        };
        let (negative, unsigned) = match dollars.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, dollars),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 4 {
            return Err(invalid());
        }
        if unsigned.contains('.') && fraction.is_empty() {
            return Err(invalid());
        }
        // Only digits are left, so the one way to fail from here on is size.
        let out_of_range = || {
            Error::out_of_range(
                crate::error::show_str(dollars),
                "an amount that fits in i64 units",
            )
        };
        let scaled = format!("{whole}{fraction:0<4}");
        let magnitude: i128 = scaled.parse().map_err(|_| out_of_range())?;
        let value = if negative { -magnitude } else { magnitude };
        i64::try_from(value).map(Units).map_err(|_| out_of_range())
    }
}

impl fmt::Display for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dollars_string())
    }
}

impl FromScalar for Units {
    fn from_scalar(scalar: Scalar<'_>) -> Result<Self, Error> {
        scalar.to_i64().map(Units)
    }

    fn is_native(scalar: &Scalar<'_>) -> bool {
        crate::json::is_integer(scalar)
    }
}

/// How a call is rated: the inputs of KAZOO's per-call cost formula, from a CDR's
/// `custom_channel_vars` ([`Cdr::rating`](super::Cdr::rating)) or written by hand.
///
/// Plain data: set the fields, starting from [`Rating::default`] for the ones left out.
///
/// ```
/// use kazoo_records::cdr::{Rating, Units};
///
/// let rating = Rating { rate: Units(2262), minimum: 60, ..Rating::default() };
/// assert_eq!(rating.cost(7), Units(2262));
/// assert_eq!(rating.cost(61), Units(4524));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rating {
    /// Price per minute (`rate`).
    pub rate: Units,
    /// Added once to every charged call (`surcharge`).
    pub surcharge: Units,
    /// Seconds always charged once a call is charged at all (`rate_minimum`).
    pub minimum: i64,
    /// Seconds are charged in steps of this size after the minimum (`rate_increment`);
    /// `0` or less is taken as 60, as KAZOO does.
    pub increment: i64,
    /// Calls this long or shorter are free (`rate_nocharge_time`).
    pub nocharge_time: i64,
    /// Percentage taken off the cost (`discount_percentage`).
    pub discount_percentage: i64,
    /// Seconds already billed elsewhere, taken off the billing seconds (`billing_seconds_offset`).
    pub billing_seconds_offset: i64,
}

impl Default for Rating {
    /// What KAZOO rates a call with when the channel variables say nothing: rate 0, no
    /// surcharge, no minimum, 60-second increments, no free time, no discount, no offset
    /// (the value [`Cdr::rating`](super::Cdr::rating) gives for a CDR without channel
    /// variables).
    ///
    /// ```
    /// use kazoo_records::cdr::{Rating, Units};
    ///
    /// let defaults = Rating::default();
    /// assert_eq!((defaults.rate, defaults.surcharge), (Units(0), Units(0)));
    /// assert_eq!((defaults.minimum, defaults.increment, defaults.nocharge_time), (0, 60, 0));
    /// assert_eq!((defaults.discount_percentage, defaults.billing_seconds_offset), (0, 0));
    /// ```
    fn default() -> Self {
        Rating {
            rate: Units(0),
            surcharge: Units(0),
            minimum: 0,
            increment: 60,
            nocharge_time: 0,
            discount_percentage: 0,
            billing_seconds_offset: 0,
        }
    }
}

impl Rating {
    /// The cost of a call leg billed for `billing_seconds`, by KAZOO's formula.
    ///
    /// billable = billing_seconds − offset; a billable time ≤ 0 or ≤ the free time costs 0.
    /// Otherwise cost = surcharge + minimum/60·rate, plus, past the minimum,
    /// ⌈(billable − minimum)/increment⌉·increment/60·rate, truncated towards zero; then
    /// ⌊discount/100·cost⌋ is taken off. The arithmetic is exact (no floats) and saturates at
    /// the ends of `i64`.
    pub fn cost(&self, billing_seconds: i64) -> Units {
        let billable = i128::from(billing_seconds) - i128::from(self.billing_seconds_offset);
        if billable <= 0 || billable <= i128::from(self.nocharge_time) {
            return Units(0);
        }
        let rate = i128::from(self.rate.0);
        let minimum = i128::from(self.minimum);
        let increment = if self.increment <= 0 {
            60
        } else {
            i128::from(self.increment)
        };
        // Seconds charged, so that cost = surcharge + charged·rate/60.
        let charged = if billable <= minimum {
            minimum
        } else {
            let steps = (billable - minimum + increment - 1) / increment;
            minimum + steps * increment
        };
        // trunc(surcharge + charged/60·rate), exactly: in 1/60 units, then one truncation.
        let sixtieths = charged
            .checked_mul(rate)
            .and_then(|amount| amount.checked_add(i128::from(self.surcharge.0) * 60));
        let cost = match sixtieths {
            Some(sixtieths) => saturate(sixtieths / 60),
            None if rate < 0 => i64::MIN,
            None => i64::MAX,
        };
        let cost = i128::from(cost);
        let discount = (i128::from(self.discount_percentage) * cost).div_euclid(100);
        Units(saturate(cost - discount))
    }
}

fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn dollars_strings() {
        assert_eq!(Units(2262).dollars_string(), "0.2262");
        assert_eq!(Units(10_000).dollars_string(), "1.0");
        assert_eq!(Units(-100).dollars_string(), "-0.01");
        assert_eq!(Units(i64::MIN).dollars_string(), "-922337203685477.5808");
        assert_eq!(Units::from_dollars("-0.01"), Ok(Units(-100)));
        assert_eq!(Units::from_dollars("12"), Ok(Units(120_000)));
        for bad in ["", ".5", "1.", "0.00001", "1e3", "+1", "1.2.3", "-", "abc"] {
            assert!(Units::from_dollars(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Units::from_dollars("922337203685477.5808")
                .unwrap_err()
                .kind(),
            ErrorKind::OutOfRange
        );
        assert_eq!(
            Units::from_dollars(&Units(i64::MIN).dollars_string()),
            Ok(Units(i64::MIN))
        );
    }

    #[test]
    fn amounts_past_i128_are_out_of_range_too() {
        for huge in ["9".repeat(45), format!("-{}.9999", "1".repeat(60))] {
            let err = Units::from_dollars(&huge).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::OutOfRange, "{huge}");
        }
        assert_eq!(
            Units::from_dollars(&"9".repeat(45).replace('9', "x"))
                .unwrap_err()
                .kind(),
            ErrorKind::Invalid
        );
    }

    #[test]
    fn fractional_minimum_is_truncated_once() {
        // 45/60 · 2262 = 1696.5 → 1696
        let rating = Rating {
            rate: Units(2262),
            minimum: 45,
            ..Rating::default()
        };
        assert_eq!(rating.cost(10), Units(1696));
    }

    #[test]
    fn extreme_inputs_saturate() {
        let rating = Rating {
            rate: Units(i64::MAX),
            minimum: i64::MAX,
            increment: 1,
            ..Rating::default()
        };
        assert_eq!(rating.cost(i64::MAX), Units(i64::MAX));
        let rating = Rating {
            rate: Units(i64::MIN),
            minimum: i64::MAX,
            ..Rating::default()
        };
        assert_eq!(rating.cost(1), Units(i64::MIN));
        let huge = Rating {
            rate: Units(1),
            billing_seconds_offset: i64::MIN,
            ..Rating::default()
        }
        .cost(i64::MAX);
        assert_eq!(huge, Units(((u64::MAX as i128 + 59) / 60) as i64));
        let discounted = Rating {
            rate: Units(i64::MAX),
            minimum: i64::MAX,
            discount_percentage: i64::MIN,
            ..Rating::default()
        };
        assert_eq!(discounted.cost(1), Units(i64::MAX));
    }
}
