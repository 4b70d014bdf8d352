//! Shared by the store tests: generated CDRs, the naive oracle, and page walking.
#![allow(dead_code)]

use kazoo_records::Error;
use kazoo_records::cdr::{
    Cdr, ListingQuery, OrderedStore, Page, SortKey, paginate_interaction_store,
};
use kazoo_records::time::GregorianSeconds;

pub const ACCOUNT: &str = "account%2Fab%2Fcd%2Fef0123";
pub const BASE: i64 = 63_724_400_000;
pub const NOW: GregorianSeconds = GregorianSeconds(BASE + 100_000);

/// A small deterministic generator (xorshift), so a failure reproduces.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// CDR `n`: few distinct times (ties), some listed by `pvt_created`, two owners and none,
/// both directions, interactions of one to three legs.
pub fn cdr(n: usize, rng: &mut Rng) -> (String, Cdr) {
    let time = BASE + rng.below(40) as i64 * 10;
    let month = "201905";
    let call_id = format!("call-{n:05}-{}", rng.below(1000));
    let direction = if rng.below(3) == 0 {
        "outbound"
    } else {
        "inbound"
    };
    let owner = match rng.below(3) {
        0 => r#","owner_id":"alice""#,
        1 => r#","owner_id":"bob""#,
        _ => "",
    };
    let group = n / (1 + (n % 3));
    let time_field = if rng.below(5) == 0 {
        "pvt_created"
    } else {
        "timestamp"
    };
    let json = format!(
        r#"{{"_id":"{month}-{call_id}","call_id":"{call_id}","{time_field}":{time},"call_direction":"{direction}","custom_channel_vars":{{"interaction_id":"{}-g{group:05}"{owner}}},"billing_seconds":{}}}"#,
        BASE + (group as i64 % 50) * 7,
        rng.below(600)
    );
    (
        format!("{ACCOUNT}-{month}"),
        Cdr::from_json_str(&json).unwrap(),
    )
}

/// The naive oracle: everything the query keeps in its range, sorted in its order.
pub fn oracle(cdrs: &[Cdr], query: &ListingQuery, from: i64, to: i64) -> Vec<String> {
    let mut rows: Vec<(SortKey, &Cdr)> = cdrs
        .iter()
        .filter_map(|c| Some((c.listing_key()?, c)))
        .filter(|(k, c)| k.time.0 >= from && k.time.0 <= to && query.keeps(c))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if matches!(query.get_order(), kazoo_records::cdr::SortOrder::Descending) {
        rows.reverse();
    }
    rows.into_iter().map(|(k, _)| k.id).collect()
}

/// The query string of a listing (the range, the page size, the order and a filter).
pub fn query(qs: &str, owner: Option<&str>, start_key: Option<&str>) -> ListingQuery {
    let full = match start_key {
        Some(k) => format!("{qs}&start_key={k}"),
        None => qs.to_owned(),
    };
    let q = ListingQuery::from_query_string(&full).unwrap();
    match owner {
        Some(o) => q.owner(o),
        None => q,
    }
}

/// Walks every page of `qs` over `store`, calling `between` after each page; the ids seen.
pub fn walk<S: OrderedStore<Row = Cdr>>(
    store: &S,
    qs: &str,
    owner: Option<&str>,
    mut between: impl FnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut key: Option<String> = None;
    for page_no in 0.. {
        let q = query(qs, owner, key.as_deref());
        let page: Page<Cdr> = q.list_store(store, NOW).unwrap();
        assert!(page.items.len() <= q.get_page_size());
        seen.extend(page.items.iter().map(|c| c.listing_id().to_owned()));
        between(page_no);
        match page.next_start_key {
            Some(k) => key = Some(k),
            None => break,
        }
    }
    seen
}

/// Walks every interaction page; each interaction as its legs' ids, sorted.
pub fn walk_interactions<S: OrderedStore<Row = Cdr>>(
    store: &S,
    qs: &str,
    mut between: impl FnMut(usize),
) -> Result<Vec<(SortKey, Vec<String>)>, Error> {
    let mut seen = Vec::new();
    let mut key: Option<String> = None;
    for page_no in 0.. {
        let q = query(qs, None, key.as_deref());
        let page = paginate_interaction_store(store, q.get_request(), NOW)?;
        for legs in &page.items {
            let k = SortKey::of_interaction_leg(&legs[0]).unwrap();
            let mut ids: Vec<String> = legs.iter().map(|c| c.listing_id().to_owned()).collect();
            ids.sort();
            seen.push((k, ids));
        }
        between(page_no);
        match page.next_start_key {
            Some(k) => key = Some(k),
            None => break,
        }
    }
    Ok(seen)
}

/// The interaction oracle: legs grouped by interaction key in range, in `descending` order.
pub fn interaction_oracle(
    cdrs: &[Cdr],
    from: i64,
    to: i64,
    descending: bool,
) -> Vec<(SortKey, Vec<String>)> {
    let mut groups: std::collections::BTreeMap<SortKey, Vec<String>> = Default::default();
    for c in cdrs {
        if let Some(k) = SortKey::of_interaction_leg(c) {
            if k.time.0 >= from && k.time.0 <= to {
                groups.entry(k).or_default().push(c.listing_id().to_owned());
            }
        }
    }
    let mut out: Vec<_> = groups
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect();
    if descending {
        out.reverse();
    }
    out
}
