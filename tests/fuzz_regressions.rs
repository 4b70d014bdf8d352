//! Replays every stored fuzz input through its property (see `tests/properties/mod.rs`).
//!
//! `tests/fuzz_regressions/<target>/` holds, for each fuzz target, the seed inputs the fuzzer
//! starts from and every input it ever found failing (named after what it found), so each
//! finding stays fixed on every `cargo test`, without nightly.

mod properties;

use std::panic::{AssertUnwindSafe, catch_unwind};

#[test]
fn every_stored_fuzz_input_holds_its_property() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut failures = Vec::new();
    for (name, property) in properties::ALL {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                entry
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                    .path()
            })
            .collect();
        inputs.sort();
        assert!(
            inputs.len() >= 3,
            "{}: fewer than 3 stored inputs",
            dir.display()
        );
        for path in inputs {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| property(&data))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} stored fuzz inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
