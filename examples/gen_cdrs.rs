//! Generates the sample CDRs of `examples/data/cdrs.jsonl`: a few hundred legs over one day,
//! deterministic (a fixed-seed generator), with multi-leg interactions, loopback legs, legs
//! without an interaction id linked by `other_leg_call_id`, and names with commas and quotes.
//!
//! ```text
//! cargo run --example gen_cdrs > examples/data/cdrs.jsonl
//! ```

use serde_json::json;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const DAY_START: i64 = 63_724_377_600; // 2019-05-06T00:00:00Z
const UNIX_OFFSET: i64 = 62_167_219_200;
const NAMES: [&str; 6] = [
    "Doe, Jane",
    "Bob \"Bobby\" Smith",
    "Zoë",
    "Front Desk",
    "Sales",
    "Support",
];
const CAUSES: [&str; 4] = [
    "NORMAL_CLEARING",
    "ORIGINATOR_CANCEL",
    "NO_ANSWER",
    "USER_BUSY",
];

fn main() {
    let mut rng = Rng(20_190_506);
    let mut calls = 0;
    let mut time = DAY_START + 300;
    let mut lines = Vec::new();
    while lines.len() < 300 {
        calls += 1;
        time += 60 + rng.below(240) as i64;
        let legs = 1 + rng.below(4) as usize;
        let with_id = rng.below(6) != 0;
        let key = format!("{:08x}", rng.next() as u32);
        let interaction = format!("{time}-{key}");
        let caller = NAMES[rng.below(NAMES.len() as u64) as usize];
        let caller_number = format!("+1415555{:04}", rng.below(10_000));
        let callee_number = format!("{}", 1000 + rng.below(50));
        let call_ids: Vec<String> = (0..legs)
            .map(|leg| format!("call-{calls:04}-{leg}"))
            .collect();
        for leg in 0..legs {
            let created = time + leg as i64;
            let duration = 5 + rng.below(600) as i64;
            let billing = duration.saturating_sub(rng.below(10) as i64);
            let mut cdr = json!({
                "_id": format!("201905-{}", call_ids[leg]),
                "call_id": call_ids[leg],
                "timestamp": created + duration,
                "duration_seconds": duration,
                "billing_seconds": billing,
                "ringing_seconds": rng.below(10),
                "channel_created_time": (created - UNIX_OFFSET) * 1_000_000 + rng.below(1_000_000) as i64,
                "call_direction": if leg == 0 { "inbound" } else { "outbound" },
                "caller_id_name": caller,
                "caller_id_number": caller_number,
                "callee_id_number": callee_number,
                "hangup_cause": CAUSES[rng.below(CAUSES.len() as u64) as usize],
                "request": format!("{callee_number}@example.com"),
                "to": format!("{callee_number}@example.com"),
                "from": format!("{caller_number}@example.com"),
                "media_server": "fs1.example.com",
                "custom_channel_vars": {
                    "account_id": "7600efb3424dc4b79854521fd4563d0a",
                    "rate": 2262, "rate_minimum": 60, "rate_increment": 60,
                    "account_billing": "per_minute",
                },
                "pvt_type": "cdr",
                "pvt_created": created + duration + 1,
            });
            if with_id {
                cdr["interaction_id"] = json!(interaction);
                cdr["interaction_key"] = json!(key);
                cdr["interaction_time"] = json!(time);
            }
            if leg > 0 {
                cdr["other_leg_call_id"] = json!(call_ids[0]);
            }
            if legs == 4 && leg >= 2 {
                cdr["channel_loopback_leg"] = json!(if leg == 2 { "A" } else { "B" });
            }
            lines.push(cdr.to_string());
        }
    }
    for line in lines {
        println!("{line}");
    }
}
