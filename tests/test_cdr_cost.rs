//! KAZOO's per-call cost formula and money in units, as a user sees them.

use kazoo_records::cdr::{Cdr, Rating, Units};
use proptest::prelude::*;

fn kazoo_rate() -> Rating {
    Rating {
        rate: Units(2262),
        minimum: 60,
        increment: 60,
        ..Rating::default()
    }
}

#[test]
fn cost_vectors() {
    let vectors: &[(Rating, i64, i64)] = &[
        (kazoo_rate(), 7, 2262),
        (kazoo_rate(), 61, 4524),
        (kazoo_rate(), 60, 2262),
        (kazoo_rate(), 120, 4524),
        (kazoo_rate(), 121, 6786),
        (kazoo_rate(), 1, 2262),
        // Billing seconds of 0 or less cost nothing.
        (kazoo_rate(), 0, 0),
        (kazoo_rate(), -5, 0),
        // Free time: up to and including it.
        (
            Rating {
                nocharge_time: 10,
                ..kazoo_rate()
            },
            10,
            0,
        ),
        (
            Rating {
                nocharge_time: 10,
                ..kazoo_rate()
            },
            11,
            2262,
        ),
        // Discount: ⌊10% of 4524⌋ = 452 off.
        (
            Rating {
                discount_percentage: 10,
                ..kazoo_rate()
            },
            61,
            4072,
        ),
        (
            Rating {
                discount_percentage: 100,
                ..kazoo_rate()
            },
            61,
            0,
        ),
        // Increment 0 (or less) is 60.
        (
            Rating {
                increment: 0,
                ..kazoo_rate()
            },
            61,
            4524,
        ),
        (
            Rating {
                increment: -1,
                ..kazoo_rate()
            },
            61,
            4524,
        ),
        // Offset: seconds billed elsewhere are taken off first.
        (
            Rating {
                billing_seconds_offset: 60,
                ..kazoo_rate()
            },
            61,
            2262,
        ),
        (
            Rating {
                billing_seconds_offset: 61,
                ..kazoo_rate()
            },
            61,
            0,
        ),
        // Surcharge once per charged call.
        (
            Rating {
                surcharge: Units(500),
                ..kazoo_rate()
            },
            7,
            2762,
        ),
        (
            Rating {
                surcharge: Units(500),
                ..kazoo_rate()
            },
            0,
            0,
        ),
        // 30/60·2262 + ⌈1/6⌉·6/60·2262 = 1131 + 226.2, truncated.
        (
            Rating {
                rate: Units(2262),
                minimum: 30,
                increment: 6,
                ..Rating::default()
            },
            31,
            1357,
        ),
        // No minimum: 1 s is one 60 s increment.
        (
            Rating {
                rate: Units(2262),
                ..Rating::default()
            },
            1,
            2262,
        ),
        (Rating::default(), 3600, 0),
    ];
    for (rating, seconds, expected) in vectors {
        assert_eq!(
            rating.cost(*seconds),
            Units(*expected),
            "{rating:?} for {seconds} s"
        );
    }
}

#[test]
fn a_cdr_costs_by_its_channel_vars() {
    let cdr = Cdr::from_json_str(
        r#"{"call_id": "a", "billing_seconds": "61",
            "custom_channel_vars": {"rate": "2262", "rate_minimum": "60", "rate_increment": "60",
                                    "rate_nocharge_time": "0", "surcharge": "0",
                                    "discount_percentage": "10", "account_billing": "per_minute",
                                    "reseller_billing": "flat_rate"}}"#,
    )
    .unwrap();
    assert_eq!(
        cdr.rating(),
        Rating {
            discount_percentage: 10,
            nocharge_time: 0,
            ..kazoo_rate()
        }
    );
    assert_eq!(cdr.cost(), Units(4072));
    assert_eq!(cdr.customer_cost(), Units(4072));
    assert_eq!(cdr.reseller_cost(), Units(0));
    assert_eq!(Cdr::new("none").cost(), Units(0));
    assert_eq!(Cdr::new("none").rating(), Rating::default());
}

#[test]
fn units_in_dollars() {
    assert_eq!(Units(2262).dollars_string(), "0.2262");
    assert_eq!(Units(4524).to_string(), "0.4524");
    assert_eq!(Units(1_234_500).to_string(), "123.45");
    assert_eq!(Units(-5).to_string(), "-0.0005");
    assert_eq!(Units(2262).dollars(), 0.2262);
    assert_eq!(serde_json::to_string(&Units(2262)).unwrap(), "2262");
    let err = Units::from_dollars("0.22625").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#""0.22625" is not a dollar amount; expected a decimal with at most 4 decimals, such as 0.2262"#
    );
}

/// The formula the slow way: charge the minimum, add increments one by one until the billable
/// time is covered, price it in 1/60 units, then take the discount off in floating point.
fn naive_cost(r: &Rating, billing: i64) -> i64 {
    let billable = billing - r.billing_seconds_offset;
    if billable <= 0 || billable <= r.nocharge_time {
        return 0;
    }
    let increment = if r.increment <= 0 { 60 } else { r.increment };
    let mut charged = r.minimum;
    while charged < billable {
        charged += increment;
    }
    let cost = (r.surcharge.0 * 60 + charged * r.rate.0) / 60;
    let discount = (cost as f64 * r.discount_percentage as f64 / 100.0).floor() as i64;
    cost - discount
}

proptest! {
    #[test]
    fn cost_matches_the_naive_formula(
        rate in -10_000i64..100_000, surcharge in -1_000i64..10_000, minimum in -100i64..600,
        increment in -5i64..600, nocharge in -10i64..120, discount in -50i64..=100,
        offset in -100i64..200, billing in -100i64..20_000,
    ) {
        let rating = Rating {
            rate: Units(rate), surcharge: Units(surcharge), minimum, increment,
            nocharge_time: nocharge, discount_percentage: discount, billing_seconds_offset: offset,
        };
        prop_assert_eq!(rating.cost(billing), Units(naive_cost(&rating, billing)));
    }

    #[test]
    fn cost_never_panics(rate: i64, surcharge: i64, minimum: i64, increment: i64, nocharge: i64,
                         discount: i64, offset: i64, billing: i64) {
        let rating = Rating {
            rate: Units(rate), surcharge: Units(surcharge), minimum, increment,
            nocharge_time: nocharge, discount_percentage: discount, billing_seconds_offset: offset,
        };
        let _ = rating.cost(billing);
    }

    #[test]
    fn dollars_round_trip(units: i64) {
        prop_assert_eq!(Units::from_dollars(&Units(units).dollars_string()), Ok(Units(units)));
    }
}
