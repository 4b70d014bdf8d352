#![no_main]
//! Fuzzes the `utc_offset` property of `tests/properties/mod.rs`.

#[path = "../../tests/properties/mod.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::utc_offset(data));
