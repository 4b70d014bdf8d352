//! [`Summary`]: `/cdrs/summary`, the billing seconds of carrier legs per direction, domain
//! and class of dialled number, summed once per CDR across every month of the range.
//!
//! The rules and the JSON shape are KAZOO's: the `summarize_cdrs` view and the
//! `format_summary` list of the `_design/cdrs` document
//! (`core/kazoo_modb/priv/couchdb/views/cdrs.json`), which crossbar's `cb_cdrs` module
//! (`load_cdr_summary`, `merge_cdr_summary` in
//! `applications/crossbar/src/modules/cb_cdrs.erl`) queries in every month's database.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::direction::CallDirection;
use super::record::Cdr;

/// The totals of `/cdrs/summary`: per direction, per domain, per class of the dialled
/// number, the billing seconds, and the billing seconds per `rate_name`.
///
/// Which CDRs count, as KAZOO's `summarize_cdrs` view decides: documents of type `cdr` (or
/// without `pvt_type`, as a CDR built in Rust is), not `pvt_deleted`, with
/// `custom_channel_vars`, not on a loopback channel (a `channel_name` holding `loopback`, or
/// a `channel_loopback_leg`), and carrier legs only: inbound legs without an
/// `authorizing_id`, outbound legs with a `resource_id`.
///
/// Where they count:
/// - the domain is what follows the first `@` of `from` for an inbound leg, of `to` for an
///   outbound one (the whole address when it has no `@`);
/// - the class is that of `to`'s user part (what precedes its first `@`; empty without
///   one), tried in this order: `tollfree_us` (`+1` then 800, 888, 877, 866 or 855 and
///   seven digits), `toll_us` (`+1900` and seven digits), `emergency` (`911`, `933`),
///   `caribbean` (an optional `+`, `1`, a Caribbean area code and seven digits), `did_us`
///   (an optional `+`, an optional `1`, then a NANP number: `[2-9]XX[2-9]XXXXXX`),
///   `international` (`+`, a digit 2–9 and at least seven more digits), else `unknown`;
/// - the seconds are `billing_seconds`, added to the class's total and, when the leg has a
///   non-empty `rate_name`, to that rate's.
///
/// Where this differs from KAZOO, deliberately:
/// - each CDR given counts once. KAZOO sums each month's database on its own, then merges
///   the months with a fold that rebinds the value it compares against (`merge_cdr_summary`):
///   a total present in two months is doubled when both months have the same value and
///   crashes the request otherwise. Here [`add`](Self::add) and [`merge`](Self::merge) sum;
///   pass every CDR of the range, from every month it spans;
/// - a CDR without `billing_seconds` adds 0 (KAZOO adds `parseInt(undefined)`, turning the
///   class's total into `null`);
/// - a leg whose direction is neither inbound nor outbound is left out (KAZOO's list function
///   throws on it and the whole request fails); so are legs without the `to` (or, inbound,
///   the `from`) their domain and class come from, as KAZOO's view leaves them out when it
///   throws on them;
/// - a `rate_name` of `total` is kept apart from the class's total ([`rate_billing_seconds`](
///   Self::rate_billing_seconds)); KAZOO adds it into `total` a second time. The JSON object
///   cannot hold both under one key: its `total` is the class's total.
///
/// ```
/// use kazoo_records::cdr::{Cdr, Summary};
/// use serde_json::json;
///
/// let legs: Vec<Cdr> = [
///     r#"{"call_id": "a", "call_direction": "inbound", "billing_seconds": 60,
///         "from": "+14155550100@carrier.example", "to": "+18005550100@us.example",
///         "custom_channel_vars": {"rate_name": "US"}}"#,
///     r#"{"call_id": "b", "call_direction": "inbound", "billing_seconds": 30,
///         "from": "+14155550101@carrier.example", "to": "+18005550100@us.example",
///         "custom_channel_vars": {}}"#,
///     r#"{"call_id": "c", "call_direction": "inbound", "billing_seconds": 99,
///         "from": "+14155550102@carrier.example", "to": "+18005550100@us.example",
///         "custom_channel_vars": {"authorizing_id": "device"}}"#,
/// ].iter().map(|json| Cdr::from_json_str(json)).collect::<Result<_, _>>()?;
/// let summary = Summary::of(&legs);
/// assert_eq!(summary.billing_seconds("inbound", "carrier.example", "tollfree_us"), 90);
/// assert_eq!(serde_json::to_value(&summary).unwrap(), json!({
///     "inbound": {"carrier.example": {"tollfree_us": {"total": 90, "US": 60}}},
///     "outbound": {},
/// }));
/// # Ok::<(), kazoo_records::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    totals: BTreeMap<(CallDirection, String, &'static str), Totals>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Totals {
    billing_seconds: i64,
    by_rate_name: BTreeMap<String, i64>,
}

impl Totals {
    fn add(&mut self, seconds: i64, rate_name: Option<&str>) {
        self.billing_seconds = self.billing_seconds.saturating_add(seconds);
        if let Some(rate_name) = rate_name {
            let by_rate = self.by_rate_name.entry(rate_name.to_owned()).or_default();
            *by_rate = by_rate.saturating_add(seconds);
        }
    }
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

    /// Counts one more CDR (nothing when it does not count, see [`Summary`]).
    pub fn add(&mut self, cdr: &Cdr) {
        let Some((direction, domain, class)) = place(cdr) else {
            return;
        };
        let rate_name = cdr
            .channel_vars()
            .rate_name
            .as_deref()
            .filter(|name| !name.is_empty());
        self.totals
            .entry((direction, domain.to_owned(), class))
            .or_default()
            .add(cdr.billing_seconds.unwrap_or(0), rate_name);
    }

    /// Adds the totals of `other` (a summary of other CDRs, such as another month's) to
    /// these: what KAZOO's month-by-month merge should have done.
    ///
    /// ```
    /// use kazoo_records::cdr::{Cdr, Summary};
    ///
    /// let leg = |id: &str, ts: i64| Cdr::from_json_value(&serde_json::json!({
    ///     "call_id": id, "call_direction": "outbound", "billing_seconds": 10, "timestamp": ts,
    ///     "to": "+14155550100@carrier.example", "custom_channel_vars": {"resource_id": "r"}}));
    /// let (may, june) = (leg("a", 63_724_403_408)?, leg("b", 63_727_000_000)?);
    /// let mut summary = Summary::of([&may]);
    /// summary.merge(&Summary::of([&june]));
    /// assert_eq!(summary, Summary::of([&may, &june]));
    /// assert_eq!(summary.billing_seconds("outbound", "carrier.example", "did_us"), 20);
    /// # Ok::<(), kazoo_records::Error>(())
    /// ```
    pub fn merge(&mut self, other: &Summary) {
        for (key, totals) in &other.totals {
            let mine = self.totals.entry(key.clone()).or_default();
            mine.add(totals.billing_seconds, None);
            for (rate_name, seconds) in &totals.by_rate_name {
                let by_rate = mine.by_rate_name.entry(rate_name.clone()).or_default();
                *by_rate = by_rate.saturating_add(*seconds);
            }
        }
    }

    /// The billing seconds of one (direction, domain, class); 0 when none counted.
    pub fn billing_seconds(&self, direction: &str, domain: &str, class: &str) -> i64 {
        self.totals_of(direction, domain, class)
            .map_or(0, |totals| totals.billing_seconds)
    }

    /// The billing seconds of one rate name within one (direction, domain, class); 0 when
    /// none counted.
    pub fn rate_billing_seconds(
        &self,
        direction: &str,
        domain: &str,
        class: &str,
        rate_name: &str,
    ) -> i64 {
        self.totals_of(direction, domain, class)
            .and_then(|totals| totals.by_rate_name.get(rate_name))
            .copied()
            .unwrap_or(0)
    }

    fn totals_of(&self, direction: &str, domain: &str, class: &str) -> Option<&Totals> {
        let direction = match direction {
            "inbound" => CallDirection::Inbound,
            "outbound" => CallDirection::Outbound,
            _ => return None,
        };
        let class = CLASSES.iter().find(|c| **c == class)?;
        self.totals.get(&(direction, domain.to_owned(), *class))
    }

    /// The summary as KAZOO's JSON (what serialising it gives): `{"inbound": {domain:
    /// {class: {"total": n, rate_name: n, …}}}, "outbound": {…}}`, both directions always
    /// present, integers as integers.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// KAZOO's response to `/cdrs/summary`: `{"data": summary, "status": "success"}`.
    ///
    /// ```
    /// use kazoo_records::cdr::Summary;
    ///
    /// let body = Summary::new().respond();
    /// assert_eq!(body, serde_json::json!({"data": {"inbound": {}, "outbound": {}}, "status": "success"}));
    /// ```
    pub fn respond(&self) -> Value {
        let mut body = serde_json::Map::new();
        body.insert("data".to_owned(), self.to_json());
        body.insert("status".to_owned(), Value::from("success"));
        Value::Object(body)
    }
}

impl Serialize for Summary {
    /// KAZOO's `format_summary` object (see [`Summary::to_json`]).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        for direction in [CallDirection::Inbound, CallDirection::Outbound] {
            map.serialize_entry(direction.as_str(), &Domains(self, &direction))?;
        }
        map.end()
    }
}

/// One direction's domains, each with its classes.
struct Domains<'a>(&'a Summary, &'a CallDirection);

impl Serialize for Domains<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Domains(summary, direction) = self;
        let mut map = serializer.serialize_map(None)?;
        let mut entries = summary
            .totals
            .iter()
            .filter(|((d, _, _), _)| d == *direction)
            .peekable();
        while let Some(((_, domain, _), _)) = entries.peek() {
            let domain = domain.as_str();
            let mut classes = Vec::new();
            while let Some(((_, _, class), totals)) =
                entries.next_if(|((_, d, _), _)| d.as_str() == domain)
            {
                classes.push((*class, totals));
            }
            map.serialize_entry(domain, &Classes(classes))?;
        }
        map.end()
    }
}

/// One domain's classes.
struct Classes<'a>(Vec<(&'static str, &'a Totals)>);

impl Serialize for Classes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (class, totals) in &self.0 {
            map.serialize_entry(class, &ClassTotals(totals))?;
        }
        map.end()
    }
}

/// One class's `total` and rate names.
struct ClassTotals<'a>(&'a Totals);

impl Serialize for ClassTotals<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let totals = self.0;
        let rates = totals
            .by_rate_name
            .iter()
            .filter(|(name, _)| name.as_str() != TOTAL);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(TOTAL, &totals.billing_seconds)?;
        for (name, seconds) in rates {
            map.serialize_entry(name, seconds)?;
        }
        map.end()
    }
}

/// The key of a class's total in KAZOO's JSON.
const TOTAL: &str = "total";

/// The classes, in the order they are tried.
const CLASSES: [&str; 7] = [
    "tollfree_us",
    "toll_us",
    "emergency",
    "caribbean",
    "did_us",
    "international",
    "unknown",
];

/// Where a CDR counts: its direction, domain and class; `None` when it does not count.
fn place(cdr: &Cdr) -> Option<(CallDirection, &str, &'static str)> {
    if cdr.pvt_type.as_deref().is_some_and(|t| t != "cdr")
        || cdr.extra.get("pvt_deleted").is_some_and(truthy)
    {
        return None;
    }
    let vars = cdr.custom_channel_vars.as_ref()?;
    let loopback = cdr.channel_loopback_leg.is_some()
        || cdr
            .channel_name
            .as_deref()
            .is_some_and(|name| name.contains("loopback"));
    if loopback {
        return None;
    }
    let set = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    let to = cdr.to.as_deref()?;
    let (direction, domain_of) = match cdr.call_direction {
        Some(CallDirection::Inbound) if !set(&vars.authorizing_id) => {
            (CallDirection::Inbound, cdr.from.as_deref()?)
        }
        Some(CallDirection::Outbound) if set(&vars.resource_id) => (CallDirection::Outbound, to),
        _ => return None,
    };
    // JavaScript's `s.substr(s.indexOf('@') + 1)`: the whole address without an `@`.
    let domain = domain_of.split_once('@').map_or(domain_of, |(_, d)| d);
    // `s.substr(0, s.indexOf('@'))`: empty without an `@`.
    let number = to.split_once('@').map_or("", |(user, _)| user);
    Some((direction, domain, classify(number)))
}

/// JavaScript's truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The Caribbean NANP area codes of KAZOO's `caribbean` class.
const CARIBBEAN: [&str; 26] = [
    "684", "264", "268", "242", "246", "441", "284", "345", "767", "809", "829", "849", "473",
    "671", "876", "664", "670", "787", "939", "869", "758", "784", "721", "868", "649", "340",
];

/// The toll-free area codes of KAZOO's `tollfree_us` class.
const TOLL_FREE: [&str; 5] = ["800", "888", "877", "866", "855"];

/// The class of a dialled number: KAZOO's `summarize_cdrs` regular expressions, in order.
fn classify(number: &str) -> &'static str {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let nanp = |s: &str| {
        // `[2-9][0-9]{2}[2-9][0-9]{6}`
        let b = s.as_bytes();
        b.len() == 10 && digits(s) && (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3])
    };
    // `^\+1(...)\d{7}$` and `^\+?1(...)\d{7}$`: an area code from `codes` and seven digits.
    let area_in = |rest: &str, codes: &[&str]| {
        rest.len() == 10 && digits(rest) && codes.contains(&&rest[..3])
    };
    if let Some(rest) = number.strip_prefix("+1") {
        if area_in(rest, &TOLL_FREE) {
            return "tollfree_us";
        }
        if area_in(rest, &["900"]) {
            return "toll_us";
        }
    }
    if number == "911" || number == "933" {
        return "emergency";
    }
    let unsigned = number.strip_prefix('+').unwrap_or(number);
    if unsigned
        .strip_prefix('1')
        .is_some_and(|rest| area_in(rest, &CARIBBEAN))
    {
        return "caribbean";
    }
    if nanp(unsigned) || unsigned.strip_prefix('1').is_some_and(nanp) {
        return "did_us";
    }
    if let Some(rest) = number.strip_prefix('+') {
        if rest.len() >= 8 && digits(rest) && (b'2'..=b'9').contains(&rest.as_bytes()[0]) {
            return "international";
        }
    }
    "unknown"
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    /// KAZOO's regular expressions, as its view writes them.
    fn kazoo_class(number: &str) -> &'static str {
        let patterns = [
            (r"^\+1((?:800|888|877|866|855)\d{7})$", "tollfree_us"),
            (r"^\+1(900\d{7})$", "toll_us"),
            (r"^(911|933)$", "emergency"),
            (
                r"^\+?1((?:684|264|268|242|246|441|284|345|767|809|829|849|473|671|876|664|670|787|939|869|758|784|721|868|649|340)\d{7})$",
                "caribbean",
            ),
            (r"^\+?1?([2-9][0-9]{2}[2-9][0-9]{6})$", "did_us"),
            (r"^\+[2-9]\d{7,}$", "international"),
        ];
        patterns
            .iter()
            .find(|(pattern, _)| Regex::new(pattern).unwrap().is_match(number))
            .map_or("unknown", |(_, class)| class)
    }

    #[test]
    fn numbers_are_classified_in_order() {
        for (number, class) in [
            ("911", "emergency"),
            ("933", "emergency"),
            ("+18005550100", "tollfree_us"),
            ("18005550100", "did_us"),
            ("+18445550100", "did_us"),
            ("+19005550100", "toll_us"),
            ("+18765550100", "caribbean"),
            ("18765550100", "caribbean"),
            ("8765550100", "did_us"),
            ("14155550100", "did_us"),
            ("+4155550100", "did_us"),
            ("+14151550100", "unknown"),
            ("011442071234567", "unknown"),
            ("+442071234567", "international"),
            ("+44207123", "international"),
            ("+4420712", "unknown"),
            ("+442071", "unknown"),
            ("+12345", "unknown"),
            ("abc", "unknown"),
            ("", "unknown"),
        ] {
            assert_eq!(classify(number), class, "{number}");
            assert_eq!(kazoo_class(number), class, "{number}");
        }
    }

    proptest! {
        #[test]
        fn classes_are_kazoos_regular_expressions(
            number in "\\+?1?(800|900|876|415|911|933|[0-9]{1,3})[0-9]{0,9}|[0-9+]{0,14}"
        ) {
            prop_assert_eq!(classify(&number), kazoo_class(&number));
        }
    }
}
