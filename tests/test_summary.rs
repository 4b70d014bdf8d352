//! `Summary` (`/cdrs/summary`) against a naive sum over the same CDRs: carrier legs only,
//! each CDR once, whatever month it is in, in KAZOO's JSON shape.

use std::collections::BTreeMap;

use kazoo_records::cdr::{Cdr, Summary};
use proptest::prelude::*;
use serde_json::{Value, json};

/// One leg as the generator describes it.
#[derive(Debug, Clone)]
struct Leg {
    direction: &'static str,
    seconds: Option<i64>,
    authorized: bool,
    resource: bool,
    loopback: bool,
    month: i64,
    to: &'static str,
    domain: &'static str,
    rate_name: Option<&'static str>,
}

/// The numbers of the generated legs, with KAZOO's class for each.
const NUMBERS: [(&str, &str); 7] = [
    ("+18005550100", "tollfree_us"),
    ("+19005550100", "toll_us"),
    ("911", "emergency"),
    ("+18765550100", "caribbean"),
    ("4155550100", "did_us"),
    ("+442071234567", "international"),
    ("5550100", "unknown"),
];

fn cdr(n: usize, leg: &Leg) -> Cdr {
    let mut vars = json!({});
    if let Some(rate_name) = leg.rate_name {
        vars["rate_name"] = json!(rate_name);
    }
    if leg.authorized {
        vars["authorizing_id"] = json!("device");
    }
    if leg.resource {
        vars["resource_id"] = json!("carrier");
    }
    let mut doc = json!({
        "call_id": format!("c{n}"),
        "call_direction": leg.direction,
        "timestamp": 63_724_403_408_i64 + leg.month * 2_678_400,
        "from": format!("+14155550100@{}", leg.domain),
        "to": format!("{}@{}", leg.to, leg.domain),
        "channel_name": if leg.loopback { "loopback/park-a" } else { "sofia/carrier/1" },
        "custom_channel_vars": vars,
    });
    if let Some(seconds) = leg.seconds {
        doc["billing_seconds"] = json!(seconds);
    }
    Cdr::from_json_value(&doc).unwrap()
}

fn leg_strategy() -> impl Strategy<Value = Leg> {
    (
        prop::sample::select(vec!["inbound", "outbound"]),
        prop::option::weighted(0.9, 0..10_000_i64),
        (any::<bool>(), any::<bool>(), prop::bool::weighted(0.2)),
        0..6_i64,
        prop::sample::select(NUMBERS.iter().map(|(n, _)| *n).collect::<Vec<_>>()),
        prop::sample::select(vec!["a.example", "b.example"]),
        prop::option::of(prop::sample::select(vec!["US", "INTL", "total"])),
    )
        .prop_map(
            |(
                direction,
                seconds,
                (authorized, resource, loopback),
                month,
                to,
                domain,
                rate_name,
            )| {
                Leg {
                    direction,
                    seconds,
                    authorized,
                    resource,
                    loopback,
                    month,
                    to,
                    domain,
                    rate_name,
                }
            },
        )
}

/// Domain → class → `total` and rate names → seconds.
type Domains<'a> = BTreeMap<&'a str, BTreeMap<&'a str, BTreeMap<&'a str, i64>>>;

/// What KAZOO's view and list would give for these legs in one month's database: every
/// carrier leg's seconds added to its class's total and its rate's.
fn naive(legs: &[Leg]) -> Value {
    let mut out: BTreeMap<&str, Domains> =
        BTreeMap::from([("inbound", BTreeMap::new()), ("outbound", BTreeMap::new())]);
    for leg in legs {
        let carrier = if leg.direction == "inbound" {
            !leg.authorized
        } else {
            leg.resource
        };
        if !carrier || leg.loopback {
            continue;
        }
        let class = NUMBERS.iter().find(|(n, _)| *n == leg.to).unwrap().1;
        let seconds = leg.seconds.unwrap_or(0);
        let totals = out
            .get_mut(leg.direction)
            .unwrap()
            .entry(leg.domain)
            .or_default()
            .entry(class)
            .or_default();
        *totals.entry("total").or_default() += seconds;
        // A rate named `total` stays apart from the total (KAZOO would add it in again).
        if let Some(rate_name) = leg.rate_name.filter(|r| *r != "total") {
            *totals.entry(rate_name).or_default() += seconds;
        }
    }
    serde_json::to_value(out).unwrap()
}

#[test]
fn only_carrier_legs_count() {
    let leg = |direction, authorized, resource, loopback| Leg {
        direction,
        seconds: Some(10),
        authorized,
        resource,
        loopback,
        month: 0,
        to: "+18005550100",
        domain: "carrier.example",
        rate_name: Some("US"),
    };
    let legs = [
        leg("inbound", false, false, false),
        leg("inbound", true, false, false),
        leg("outbound", false, true, false),
        leg("outbound", false, false, false),
        leg("outbound", false, true, true),
    ];
    let cdrs: Vec<Cdr> = legs.iter().enumerate().map(|(n, l)| cdr(n, l)).collect();
    let summary = Summary::of(&cdrs);
    assert_eq!(
        summary.billing_seconds("inbound", "carrier.example", "tollfree_us"),
        10
    );
    assert_eq!(
        summary.rate_billing_seconds("outbound", "carrier.example", "tollfree_us", "US"),
        10
    );
    assert_eq!(
        serde_json::to_value(&summary).unwrap(),
        json!({
            "inbound": {"carrier.example": {"tollfree_us": {"total": 10, "US": 10}}},
            "outbound": {"carrier.example": {"tollfree_us": {"total": 10, "US": 10}}},
        })
    );
    assert_eq!(summary.respond()["data"], summary.to_json());
    assert_eq!(summary.respond()["status"], "success");
}

#[test]
fn what_kazoos_view_leaves_out_is_left_out() {
    let base = json!({
        "call_id": "a", "call_direction": "inbound", "billing_seconds": 5,
        "from": "1@carrier.example", "to": "+18005550100@us.example",
        "custom_channel_vars": {},
    });
    let counted = |change: &dyn Fn(&mut Value)| {
        let mut doc = base.clone();
        change(&mut doc);
        let summary = Summary::of([&Cdr::from_json_value(&doc).unwrap()]);
        summary.billing_seconds("inbound", "carrier.example", "tollfree_us")
    };
    assert_eq!(counted(&|_| {}), 5);
    assert_eq!(counted(&|d| d["pvt_type"] = json!("cdr")), 5);
    assert_eq!(counted(&|d| d["pvt_type"] = json!("voicemail")), 0);
    assert_eq!(counted(&|d| d["pvt_deleted"] = json!(true)), 0);
    assert_eq!(counted(&|d| d["pvt_deleted"] = json!(false)), 5);
    assert_eq!(
        counted(&|d| {
            d.as_object_mut().unwrap().remove("custom_channel_vars");
        }),
        0
    );
    assert_eq!(
        counted(&|d| d["channel_name"] = json!("sofia/loopback-x")),
        0
    );
    assert_eq!(
        counted(&|d| d["custom_channel_vars"]["authorizing_id"] = json!("")),
        5
    );
    assert_eq!(counted(&|d| d["call_direction"] = json!("sideways")), 0);
    assert_eq!(
        counted(&|d| {
            d.as_object_mut().unwrap().remove("to");
        }),
        0
    );
    // The class is `to`'s, not the request's; a domain without `@` is the whole address.
    let mut doc = base.clone();
    doc["request"] = json!("911@us.example");
    doc["from"] = json!("carrier.example");
    let summary = Summary::of([&Cdr::from_json_value(&doc).unwrap()]);
    assert_eq!(
        summary.billing_seconds("inbound", "carrier.example", "tollfree_us"),
        5
    );
}

proptest! {
    /// Summed right: each carrier leg once, across months, equal to a naive sum; and a
    /// month-by-month merge gives the same totals.
    #[test]
    fn totals_are_the_naive_sum(legs in prop::collection::vec(leg_strategy(), 0..60)) {
        let cdrs: Vec<Cdr> = legs.iter().enumerate().map(|(n, l)| cdr(n, l)).collect();
        let summary = Summary::of(&cdrs);
        prop_assert_eq!(summary.to_json(), naive(&legs));

        let mut by_month = Summary::new();
        for month in 0..6 {
            by_month.merge(&Summary::of(
                cdrs.iter().zip(&legs).filter(|(_, l)| l.month == month).map(|(c, _)| c),
            ));
        }
        prop_assert_eq!(&by_month, &summary);

        for (direction, domain, (number, class)) in [("inbound", "a.example", NUMBERS[0]), ("outbound", "b.example", NUMBERS[4])] {
            let naive_total: i64 = legs.iter()
                .filter(|l| l.direction == direction && l.domain == domain && l.to == number && !l.loopback
                    && if direction == "inbound" { !l.authorized } else { l.resource })
                .map(|l| l.seconds.unwrap_or(0))
                .sum();
            prop_assert_eq!(summary.billing_seconds(direction, domain, class), naive_total);
        }
    }
}
