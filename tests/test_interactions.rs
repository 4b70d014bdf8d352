//! Interaction grouping as a user sees it: against a naive oracle, leg order, summaries,
//! lookups by id, and a real KAZOO document.

mod common;

use std::collections::BTreeSet;

use kazoo_records::cdr::{CallDirection, Cdr, GroupId, group_interactions};
use kazoo_records::time::{GREGORIAN_UNIX_OFFSET, GregorianSeconds, UnixMicros};
use proptest::prelude::*;

const BASE: i64 = 63_724_400_000;

/// Which legs are in one group, as sets of input positions.
fn partition(cdrs: &[Cdr], groups: &[Vec<&Cdr>]) -> BTreeSet<BTreeSet<usize>> {
    groups
        .iter()
        .map(|legs| {
            legs.iter()
                .map(|leg| cdrs.iter().position(|c| std::ptr::eq(c, *leg)).unwrap())
                .collect()
        })
        .collect()
}

/// The naive grouping: by interaction id; legs without one merged while any two share a
/// call id (as `call_id` or `other_leg_call_id`) until nothing changes.
fn oracle(cdrs: &[Cdr]) -> BTreeSet<BTreeSet<usize>> {
    let mut out = BTreeSet::new();
    let ids: BTreeSet<String> = cdrs
        .iter()
        .filter_map(|c| c.interaction().map(|i| i.to_string()))
        .collect();
    for id in ids {
        out.insert(
            (0..cdrs.len())
                .filter(|&i| cdrs[i].interaction().map(|x| x.to_string()) == Some(id.clone()))
                .collect(),
        );
    }
    let mut sets: Vec<(BTreeSet<usize>, BTreeSet<String>)> = (0..cdrs.len())
        .filter(|&i| cdrs[i].interaction().is_none())
        .map(|i| {
            let mut calls = BTreeSet::from([cdrs[i].call_id.clone()]);
            calls.extend(cdrs[i].other_leg_call_id.clone().filter(|o| !o.is_empty()));
            (BTreeSet::from([i]), calls)
        })
        .collect();
    loop {
        let mut merged = false;
        'outer: for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                if !sets[a].1.is_disjoint(&sets[b].1) {
                    let (legs, calls) = sets.remove(b);
                    sets[a].0.extend(legs);
                    sets[a].1.extend(calls);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            break;
        }
    }
    out.extend(sets.into_iter().map(|(legs, _)| legs));
    out
}

/// The naive leg order: channel µs (else start µs; none last), loopback A < B < none, call id.
fn leg_rank(leg: &Cdr) -> (bool, i64, u8, String) {
    let micros = leg.channel_created_time.map(|t| t.0).or_else(|| {
        let start = leg.timestamp?.0 - leg.duration_seconds.unwrap_or(0);
        Some((start - GREGORIAN_UNIX_OFFSET) * 1_000_000)
    });
    let loopback = match leg.channel_loopback_leg.as_deref() {
        Some("A") => 0,
        Some("B") => 1,
        _ => 2,
    };
    (
        micros.is_none(),
        micros.unwrap_or(0),
        loopback,
        leg.call_id.clone(),
    )
}

fn legs() -> impl Strategy<Value = Vec<Cdr>> {
    let leg = (
        prop::option::weighted(0.5, 0..6u8), // interaction
        0..10u8,                             // call id
        prop::option::of(0..10u8),           // other leg
        prop::option::of(0..5i64),           // timestamp offset
        prop::option::of(0..5i64),           // duration
        prop::option::of(0..3_000_000i64),   // channel created µs offset
        prop::option::of(prop::sample::select(vec!["A", "B", "C"])),
        prop::option::of(0..100i64), // billing seconds
    );
    prop::collection::vec(leg, 0..40).prop_map(|specs| {
        specs
            .into_iter()
            .map(
                |(interaction, call, other, ts, duration, created, loopback, billing)| {
                    let mut cdr = Cdr::new(format!("call{call}"));
                    if let Some(i) = interaction {
                        cdr.interaction_id =
                            Some(format!("{}-k{i}", BASE + i64::from(i % 3)).parse().unwrap());
                    }
                    cdr.other_leg_call_id = other.map(|o| format!("call{o}"));
                    cdr.timestamp = ts.map(|t| GregorianSeconds(BASE + t));
                    cdr.duration_seconds = duration;
                    cdr.channel_created_time =
                        created.map(|c| UnixMicros((BASE - GREGORIAN_UNIX_OFFSET) * 1_000_000 + c));
                    cdr.channel_loopback_leg = loopback.map(str::to_owned);
                    cdr.billing_seconds = billing;
                    cdr.caller_id_number = billing.map(|b| format!("+1555{b:04}"));
                    cdr
                },
            )
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn grouping_equals_the_naive_union_find(cdrs in legs()) {
        let groups = group_interactions(&cdrs);
        let got = partition(&cdrs, &groups.iter().map(|g| g.legs.clone()).collect::<Vec<_>>());
        prop_assert_eq!(got, oracle(&cdrs));
    }

    #[test]
    fn legs_are_ordered_and_summaries_agree(cdrs in legs()) {
        let interactions = group_interactions(&cdrs);
        let mut previous = None;
        for group in &interactions {
            prop_assert!(!group.legs.is_empty());
            let ranks: Vec<_> = group.legs.iter().map(|l| leg_rank(l)).collect();
            let mut sorted = ranks.clone();
            sorted.sort();
            prop_assert_eq!(&ranks, &sorted);
            let first = group.legs[0];
            match group.id {
                GroupId::Interaction(id) => {
                    prop_assert_eq!(first.interaction(), Some(id));
                    // The id names this group alone.
                    prop_assert_eq!(interactions.iter().filter(|g| g.id == group.id).count(), 1);
                }
                GroupId::CallId(call) => {
                    prop_assert_eq!(call, first.call_id.as_str());
                    // The call id names this group alone.
                    prop_assert_eq!(interactions.iter().find(|g| g.id == GroupId::CallId(call)), Some(group));
                    prop_assert_eq!(interactions.iter().filter(|g| g.id == group.id).count(), 1);
                }
            }
            let s = &group.summary;
            prop_assert_eq!(s.legs, group.legs.len());
            prop_assert_eq!(s.billing_seconds, group.legs.iter().map(|l| l.billing_seconds.unwrap_or(0)).sum::<i64>());
            prop_assert_eq!(s.start, group.legs.iter().filter_map(|l| l.start_time()).min());
            prop_assert_eq!(s.end, group.legs.iter().filter_map(|l| l.timestamp).max());
            prop_assert_eq!(s.caller_id_number, group.legs.iter().find_map(|l| l.caller_id_number.as_deref()));
            prop_assert_eq!(s.hangup_cause, first.hangup_cause.as_deref());
            // Listing order: by (time, key), interaction ids before call-id groups.
            let kind = matches!(group.id, GroupId::CallId(_));
            let order = (group.time(), group.key().to_owned(), kind);
            if let Some(previous) = &previous {
                prop_assert!(*previous < order, "{previous:?} then {order:?}");
            }
            previous = Some(order);
        }
    }
}

#[test]
fn loopback_legs_order_a_then_b_at_equal_times() {
    let json = |call: &str, leg: Option<&str>| {
        let mut cdr = Cdr::new(call);
        cdr.interaction_id = Some("63724403398-af5b9a0e".parse().unwrap());
        cdr.channel_created_time = Some(UnixMicros(1_557_184_198_000_000));
        cdr.channel_loopback_leg = leg.map(str::to_owned);
        cdr
    };
    let cdrs = vec![
        json("a-none", None),
        json("z-b", Some("B")),
        json("z-a", Some("A")),
    ];
    let groups = group_interactions(&cdrs);
    let order: Vec<&str> = groups[0].legs.iter().map(|l| l.call_id.as_str()).collect();
    assert_eq!(order, ["z-a", "z-b", "a-none"]);
}

#[test]
fn channel_micros_and_start_seconds_compare_in_one_unit() {
    // Leg x has only a start time (timestamp − duration) one second before leg y's channel
    // creation, in µs; mixing units would put y (1.5e15) before x (6.3e10) or after wrongly.
    let mut x = Cdr::new("x");
    x.interaction_id = Some("63724403398-k".parse().unwrap());
    x.timestamp = Some(GregorianSeconds(63_724_403_400));
    x.duration_seconds = Some(2);
    let mut y = Cdr::new("y");
    y.interaction_id = x.interaction_id.clone();
    y.channel_created_time = Some(
        UnixMicros::from_gregorian(GregorianSeconds(63_724_403_398))
            .0
            .checked_add(1)
            .map(UnixMicros)
            .unwrap(),
    );
    let mut w = Cdr::new("w");
    w.interaction_id = x.interaction_id.clone();
    w.channel_created_time = Some(UnixMicros(
        UnixMicros::from_gregorian(GregorianSeconds(63_724_403_398)).0 - 1,
    ));
    let cdrs = vec![y, x, w];
    let groups = group_interactions(&cdrs);
    let order: Vec<&str> = groups[0].legs.iter().map(|l| l.call_id.as_str()).collect();
    assert_eq!(order, ["w", "x", "y"]);
}

#[test]
fn the_kazoo_fixture_forms_one_interaction_by_its_channel_variable() {
    let json = common::read_test_file("fixtures/kazoo/channel_destroy_inbound.json");
    let cdr = Cdr::from_json_str(&json).unwrap();
    let cdrs = vec![cdr];
    let interactions = group_interactions(&cdrs);
    assert_eq!(interactions.len(), 1);
    let group = &interactions[0];
    let id = cdrs[0]
        .interaction()
        .expect("the fixture has call_interaction_id")
        .clone();
    assert_eq!(group.id, GroupId::Interaction(&id));
    assert_eq!(group.summary.direction, cdrs[0].call_direction.as_ref());
    let legs_of = |id: &kazoo_records::cdr::InteractionId| {
        interactions
            .iter()
            .find(|g| g.id == GroupId::Interaction(id))
            .map_or(0, |g| g.legs.len())
    };
    assert_eq!(legs_of(&id), 1);
    assert_eq!(legs_of(&"63724403398-nothere".parse().unwrap()), 0);
}

#[test]
fn summary_takes_the_a_leg_direction_and_cause() {
    let mut a = Cdr::new("a");
    a.other_leg_call_id = Some("b".into());
    a.timestamp = Some(GregorianSeconds(BASE + 30));
    a.duration_seconds = Some(30);
    a.call_direction = Some(CallDirection::Inbound);
    a.hangup_cause = Some("NORMAL_CLEARING".into());
    a.billing_seconds = Some(25);
    let mut b = Cdr::new("b");
    b.timestamp = Some(GregorianSeconds(BASE + 31));
    b.duration_seconds = Some(29);
    b.call_direction = Some(CallDirection::Outbound);
    b.hangup_cause = Some("ORIGINATOR_CANCEL".into());
    b.billing_seconds = Some(24);
    b.callee_id_number = Some("+15551234".into());
    let cdrs = vec![b, a];
    let groups = group_interactions(&cdrs);
    assert_eq!(groups.len(), 1);
    let s = &groups[0].summary;
    assert_eq!(groups[0].id, GroupId::CallId("a"));
    assert_eq!((s.legs, s.billing_seconds), (2, 49));
    assert_eq!(
        (s.start, s.end),
        (
            Some(GregorianSeconds(BASE)),
            Some(GregorianSeconds(BASE + 31))
        )
    );
    assert_eq!(s.direction, Some(&CallDirection::Inbound));
    assert_eq!(s.hangup_cause, Some("NORMAL_CLEARING"));
    assert_eq!(s.callee_id_number, Some("+15551234"));
    assert_eq!(groups[0].time(), Some(GregorianSeconds(BASE)));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<kazoo_records::cdr::InteractionSummary<'static>>();
    check::<kazoo_records::cdr::Interaction<'static>>();
    check::<kazoo_records::cdr::PageRequest>();
    check::<kazoo_records::cdr::Page<&'static Cdr>>();
    check::<kazoo_records::cdr::SortKey>();
}
