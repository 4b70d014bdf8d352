//! Proptest strategies of the interop test: valid bindings and events over a few accounts and
//! apps, the same generators as the core crate's own tests (copied: this crate is published
//! alone).
#![allow(dead_code)]

use kazoo_records::edr::{Binding, Event, Severity, Verbosity};
use kazoo_records::time::GregorianSeconds;
use proptest::prelude::*;

pub const ACCOUNTS: [&str; 4] = ["abc", "def", "ghi", "7600efb3424dc4b79854521fd4563d0a"];
pub const APPS: [&str; 4] = ["callflow", "crossbar", "acdc", "ecallmgr"];

pub fn severity() -> impl Strategy<Value = Severity> + Clone {
    prop::sample::select(Severity::ALL.to_vec())
}

pub fn verbosity() -> impl Strategy<Value = Verbosity> + Clone {
    prop::sample::select(Verbosity::ALL.to_vec())
}

/// `"*"`, one name, or a non-empty list of names that may hold `"*"` and repeats.
fn names(pool: &'static [&'static str]) -> impl Strategy<Value = NamesChoice> {
    let name = prop::sample::select(pool.to_vec());
    let entry = prop_oneof![4 => name.clone().prop_map(str::to_owned), 1 => Just("*".to_owned())];
    prop_oneof![
        Just(NamesChoice::Any),
        name.prop_map(|n| NamesChoice::One(n.to_owned())),
        prop::collection::vec(entry, 1..4).prop_map(NamesChoice::List),
    ]
}

#[derive(Debug, Clone)]
pub enum NamesChoice {
    Any,
    One(String),
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub enum LevelChoice<L> {
    One(L, bool),
    List(Vec<L>, bool),
}

fn levels<L: Clone + std::fmt::Debug + 'static>(
    level: impl Strategy<Value = L> + Clone,
) -> impl Strategy<Value = LevelChoice<L>> {
    prop_oneof![
        (level.clone(), any::<bool>()).prop_map(|(l, exact)| LevelChoice::One(l, exact)),
        (prop::collection::vec(level, 1..4), any::<bool>())
            .prop_map(|(ls, exact)| LevelChoice::List(ls, exact)),
    ]
}

/// A valid binding built through the public builder.
pub fn binding(with_descendants: bool) -> impl Strategy<Value = Binding> {
    (
        names(&ACCOUNTS),
        names(&APPS),
        levels(severity()),
        levels(verbosity()),
        any::<bool>(),
    )
        .prop_map(move |(accounts, apps, sev, verb, desc)| {
            let mut b = Binding::default().include_descendants(with_descendants && desc);
            b = match accounts {
                NamesChoice::Any => b.any_account(),
                NamesChoice::One(a) => b.account(a),
                NamesChoice::List(list) => b.accounts(list),
            };
            b = match apps {
                NamesChoice::Any => b.any_app(),
                NamesChoice::One(a) => b.app(a),
                NamesChoice::List(list) => b.apps(list),
            };
            b = match sev {
                LevelChoice::One(s, exact) => b.severity(s).exact_severity(exact),
                LevelChoice::List(list, exact) => b.severities(list).exact_severity(exact),
            };
            match verb {
                LevelChoice::One(v, exact) => b.verbosity(v).exact_verbosity(exact),
                LevelChoice::List(list, exact) => b.verbosities(list).exact_verbosity(exact),
            }
        })
}

/// An event over the same accounts and apps, with or without an account and tree.
pub fn event() -> impl Strategy<Value = Event> {
    (
        prop::sample::select(APPS.to_vec()),
        severity(),
        verbosity(),
        prop::option::of(prop::sample::select(ACCOUNTS.to_vec())),
        prop::option::of(prop::collection::vec(
            prop::sample::select(ACCOUNTS.to_vec()),
            0..3,
        )),
        0i64..=253_402_300_799,
        any::<u128>(),
        json_value(),
    )
        .prop_map(|(app, sev, verb, account, tree, time, id, body)| {
            let mut e = Event::new(app, "4.3.1", sev, verb, body)
                .with_time(GregorianSeconds(time))
                .with_id(format!("{id:032x}"))
                .with_node("kazoo_apps@host");
            if let Some(account) = account {
                e = e.with_account(account);
            }
            if let Some(tree) = tree {
                e = e.with_account_tree(tree.into_iter().map(str::to_owned).collect());
            }
            e
        })
}

/// Arbitrary JSON, a few levels deep.
pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
