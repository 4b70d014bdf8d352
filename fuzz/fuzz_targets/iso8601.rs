#![no_main]
//! Fuzzes the `iso8601` property of `tests/properties/mod.rs`.

#[path = "../../tests/properties/mod.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::iso8601(data));
