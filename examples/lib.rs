//! Nothing to use: this package only holds the `kazoo-records` examples (run one with
//! `cargo run --example quickstart` at the repository root).
