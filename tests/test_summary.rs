//! `Summary` (`/cdrs/summary`) against a naive sum over the same CDRs: carrier legs only,
//! each CDR once, whatever month it is in.

use kazoo_records::cdr::{Cdr, Summary};
use proptest::prelude::*;
use serde_json::json;

fn leg(
    n: usize,
    direction: &str,
    seconds: i64,
    authorized: bool,
    resource: bool,
    loopback: bool,
    month: i64,
) -> Cdr {
    let mut vars = json!({"rate_name": if n % 2 == 0 { "US" } else { "INTL" }});
    if authorized {
        vars["authorizing_id"] = json!("device");
    }
    if resource {
        vars["resource_id"] = json!("carrier");
    }
    let mut doc = json!({
        "call_id": format!("c{n}"),
        "call_direction": direction,
        "billing_seconds": seconds,
        "timestamp": 63_724_403_408_i64 + month * 2_678_400,
        "from": "+14155550100@from.example",
        "to": "+18005550100@to.example",
        "request": "+18005550100@to.example",
        "custom_channel_vars": vars,
    });
    if loopback {
        doc["channel_loopback_leg"] = json!("A");
    }
    Cdr::from_json_value(&doc).unwrap()
}

#[test]
fn only_carrier_legs_count() {
    let legs = [
        leg(0, "inbound", 10, false, false, false, 0),
        leg(1, "inbound", 20, true, false, false, 0),
        leg(2, "outbound", 30, false, true, false, 1),
        leg(3, "outbound", 40, false, false, false, 1),
        leg(4, "outbound", 50, false, true, true, 2),
    ];
    let summary = Summary::of(&legs);
    assert_eq!(
        summary.billing_seconds("inbound", "from.example", "tollfree_us"),
        10
    );
    assert_eq!(
        summary.billing_seconds("outbound", "to.example", "tollfree_us"),
        30
    );
    let json = summary.to_json();
    assert_eq!(
        json["inbound"]["from.example"]["tollfree_us"]["total_billing_seconds"],
        json!(10)
    );
    assert_eq!(
        json["outbound"]["to.example"]["tollfree_us"]["rate_names"]["US"],
        json!(30)
    );
}

proptest! {
    /// Summed right: each carrier leg once, across months, equal to a naive sum.
    #[test]
    fn totals_are_the_naive_sum(legs in prop::collection::vec(
        ("inbound|outbound", 0..10_000_i64, any::<bool>(), any::<bool>(), any::<bool>(), 0..6_i64), 0..60)) {
        let cdrs: Vec<Cdr> = legs.iter().enumerate()
            .map(|(n, (d, s, a, r, l, m))| leg(n, d, *s, *a, *r, *l, *m))
            .collect();
        let summary = Summary::of(&cdrs);
        let naive = |direction: &str| -> i64 {
            legs.iter()
                .filter(|(d, _, authorized, resource, loopback, _)| {
                    d == direction && !loopback
                        && if direction == "inbound" { !authorized } else { *resource }
                })
                .map(|(_, s, ..)| s)
                .sum()
        };
        prop_assert_eq!(summary.billing_seconds("inbound", "from.example", "tollfree_us"), naive("inbound"));
        prop_assert_eq!(summary.billing_seconds("outbound", "to.example", "tollfree_us"), naive("outbound"));
        let json = summary.to_json();
        let per_rate: i64 = ["US", "INTL"].iter()
            .map(|r| json["inbound"]["from.example"]["tollfree_us"]["rate_names"][r].as_i64().unwrap_or(0))
            .sum();
        prop_assert_eq!(per_rate, naive("inbound"));
    }
}
