//! [`Summary`]: `/cdrs/summary`, the billing seconds of carrier legs per direction, domain
//! and class of dialled number, summed once per CDR across every month of the range.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::direction::CallDirection;
use super::record::Cdr;

/// The totals of `/cdrs/summary`: per direction (`inbound`, `outbound`), per domain (the
/// `from` domain of an inbound leg, the `to` domain of an outbound one), per class of the
/// dialled number, the billing seconds and the billing seconds per `rate_name`.
///
/// Only carrier legs count, as in KAZOO: inbound legs without an `authorizing_id`, outbound
/// legs with a `resource_id`, never a loopback channel. Each CDR given counts once: KAZOO
/// doubles its totals and reads at most 51 CDRs a month, so pass every CDR of the range,
/// from every month it spans.
///
/// Classes, tried in this order on the dialled number (the request's user part inbound,
/// `to`'s outbound), written in E.164 first (ten digits get `+1`, eleven starting with `1`
/// get `+`): `emergency` (`911`), `tollfree_us` (`+1` 800, 888, 877, 866, 855, 844, 833),
/// `toll_us` (`+1900`), `caribbean` (`+1` and a Caribbean area code), `did_us` (`+1` and
/// a NANP number), `international` (`011…` or `00…`), else `unknown`.
///
/// ```
/// use kazoo_records::cdr::{Cdr, Summary};
///
/// let legs: Vec<Cdr> = [
///     r#"{"call_id": "a", "call_direction": "inbound", "billing_seconds": 60,
///         "from": "+14155550100@carrier.example", "request": "+18005550100@us.example",
///         "custom_channel_vars": {"rate_name": "US"}}"#,
///     r#"{"call_id": "b", "call_direction": "inbound", "billing_seconds": 30,
///         "from": "+14155550101@carrier.example", "request": "+18005550100@us.example",
///         "custom_channel_vars": {"rate_name": "US"}}"#,
///     r#"{"call_id": "c", "call_direction": "inbound", "billing_seconds": 99,
///         "custom_channel_vars": {"authorizing_id": "device"}}"#,
/// ].iter().map(|json| Cdr::from_json_str(json)).collect::<Result<_, _>>()?;
/// let summary = Summary::of(&legs);
/// assert_eq!(summary.billing_seconds("inbound", "carrier.example", "tollfree_us"), 90);
/// let json = summary.to_json();
/// assert_eq!(json["inbound"]["carrier.example"]["tollfree_us"]["rate_names"]["US"], 90);
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    totals: BTreeMap<(String, String, &'static str), Totals>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Totals {
    billing_seconds: i64,
    by_rate_name: BTreeMap<String, i64>,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Summary::default()
    }

    /// The summary of `cdrs` (each counted once).
    pub fn of<'a>(cdrs: impl IntoIterator<Item = &'a Cdr>) -> Self {
        let mut summary = Summary::new();
        for cdr in cdrs {
            summary.add(cdr);
        }
        summary
    }

    /// Counts one more CDR (nothing when it is not a carrier leg).
    pub fn add(&mut self, cdr: &Cdr) {
        let vars = cdr.channel_vars();
        let loopback = cdr.channel_loopback_leg.is_some()
            || cdr
                .channel_name
                .as_deref()
                .is_some_and(|name| name.starts_with("loopback/"));
        if loopback {
            return;
        }
        let (direction, domain_of, number_of) = match cdr.call_direction {
            Some(CallDirection::Inbound) if vars.authorizing_id.is_none() => {
                ("inbound", cdr.from.as_deref(), cdr.request.as_deref())
            }
            Some(CallDirection::Outbound) if vars.resource_id.is_some() => {
                ("outbound", cdr.to.as_deref(), cdr.to.as_deref())
            }
            _ => return,
        };
        let domain = domain_of
            .and_then(|address| address.split_once('@'))
            .map_or("", |(_, domain)| domain);
        let number = number_of
            .unwrap_or_default()
            .split('@')
            .next()
            .unwrap_or_default();
        let class = classify(number);
        let seconds = cdr.billing_seconds.unwrap_or(0);
        let totals = self
            .totals
            .entry((direction.to_owned(), domain.to_owned(), class))
            .or_default();
        totals.billing_seconds = totals.billing_seconds.saturating_add(seconds);
        let rate_name = vars.rate_name.clone().unwrap_or_default();
        let by_rate = totals.by_rate_name.entry(rate_name).or_default();
        *by_rate = by_rate.saturating_add(seconds);
    }

    /// The billing seconds of one (direction, domain, class); 0 when none counted.
    pub fn billing_seconds(&self, direction: &str, domain: &str, class: &str) -> i64 {
        self.totals
            .iter()
            .filter(|((d, m, c), _)| d == direction && m == domain && *c == class)
            .map(|(_, totals)| totals.billing_seconds)
            .sum()
    }

    /// The summary as JSON: `{direction: {domain: {class: {"total_billing_seconds": n,
    /// "rate_names": {rate_name: n}}}}}`, integers as integers.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for ((direction, domain, class), totals) in &self.totals {
            let domains = out
                .entry(direction.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(domains) = domains else {
                continue;
            };
            let classes = domains
                .entry(domain.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(classes) = classes else {
                continue;
            };
            let rate_names: Map<String, Value> = totals
                .by_rate_name
                .iter()
                .map(|(name, seconds)| (name.clone(), Value::from(*seconds)))
                .collect();
            let mut entry = Map::new();
            entry.insert(
                "total_billing_seconds".to_owned(),
                Value::from(totals.billing_seconds),
            );
            entry.insert("rate_names".to_owned(), Value::Object(rate_names));
            classes.insert((*class).to_owned(), Value::Object(entry));
        }
        Value::Object(out)
    }
}

/// The Caribbean NANP area codes of KAZOO's default `caribbean` classifier.
const CARIBBEAN: [&str; 26] = [
    "684", "264", "268", "242", "246", "441", "284", "345", "767", "809", "829", "849", "473",
    "671", "876", "664", "670", "787", "939", "869", "758", "784", "721", "868", "649", "340",
];

/// The class of a dialled number (see [`Summary`]).
pub(crate) fn classify(number: &str) -> &'static str {
    if number == "911" {
        return "emergency";
    }
    if number.starts_with("011") || number.starts_with("00") {
        if number.bytes().all(|b| b.is_ascii_digit()) {
            return "international";
        }
        return "unknown";
    }
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return "unknown";
    }
    let national = match (number.starts_with('+'), digits.len()) {
        (true, 11) if digits.starts_with('1') => &digits[1..],
        (false, 11) if digits.starts_with('1') => &digits[1..],
        (false, 10) => digits,
        _ => return "unknown",
    };
    let area = &national[..3];
    let exchange = national.as_bytes()[3];
    if ["800", "888", "877", "866", "855", "844", "833"].contains(&area) {
        "tollfree_us"
    } else if area == "900" {
        "toll_us"
    } else if CARIBBEAN.contains(&area) {
        "caribbean"
    } else if (b'2'..=b'9').contains(&national.as_bytes()[0]) && (b'2'..=b'9').contains(&exchange) {
        "did_us"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_classified_in_order() {
        assert_eq!(classify("911"), "emergency");
        assert_eq!(classify("+18005550100"), "tollfree_us");
        assert_eq!(classify("8885550100"), "tollfree_us");
        assert_eq!(classify("+19005550100"), "toll_us");
        assert_eq!(classify("+18765550100"), "caribbean");
        assert_eq!(classify("14155550100"), "did_us");
        assert_eq!(classify("+14151550100"), "unknown");
        assert_eq!(classify("011442071234567"), "international");
        assert_eq!(classify("0044207"), "international");
        assert_eq!(classify("abc"), "unknown");
        assert_eq!(classify(""), "unknown");
        assert_eq!(classify("+442071234567"), "unknown");
    }
}
