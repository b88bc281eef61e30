//! One dependency per user: the four adapters re-export the same core API, and an
//! example crate depends on its adapter only.

use std::path::Path;

const ADAPTERS: [&str; 4] = ["axum", "actix", "rocket", "warp"];

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The names in `pub use approov_core::{...};` of an adapter's `lib.rs`.
fn reexports(adapter: &str) -> Vec<String> {
    let lib = read(&format!("crates/approov-{adapter}/src/lib.rs"));
    let start = lib
        .find("pub use approov_core::{")
        .unwrap_or_else(|| panic!("approov-{adapter} re-exports no core API"));
    let list = &lib[start + "pub use approov_core::{".len()..];
    let list = &list[..list.find('}').unwrap_or(0)];
    let mut names: Vec<String> = list
        .split(',')
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    names.sort();
    names
}

#[test]
fn the_four_adapters_reexport_the_same_core_api() {
    let axum = reexports("axum");
    assert!(axum.iter().any(|name| name == "self"), "pub use approov_core::{{self, ..}}");
    for adapter in ADAPTERS {
        assert_eq!(reexports(adapter), axum, "approov-{adapter} against approov-axum");
    }
}

#[test]
fn example_crates_depend_on_their_adapter_not_on_the_core() {
    for adapter in ADAPTERS {
        let manifest = read(&format!("examples/{adapter}/Cargo.toml"));
        assert!(
            manifest.contains(&format!("approov-{adapter}")),
            "example-{adapter} depends on approov-{adapter}"
        );
        assert!(
            !manifest.contains("approov-core"),
            "example-{adapter} must not depend on approov-core"
        );
        let main = read(&format!("examples/{adapter}/src/main.rs"));
        assert!(!main.contains("approov_core"), "example-{adapter}'s main.rs names approov_core");
    }
}
