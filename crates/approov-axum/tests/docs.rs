//! The crate's docs and README name only this crate's paths: a user adds one
//! dependency, `approov-axum`, and never writes `approov_core::`.
#![allow(clippy::panic)] // a panic is a failed test

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.map(|entry| entry.path()).unwrap_or_default();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn readme_and_sources_name_no_approov_core_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 2, "no source files found: {files:?}");
    let mut mentions = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (number, line) in text.lines().enumerate() {
            // The allowed mentions: the re-export in lib.rs, `pub use approov_core::{...}`,
            // and a private import of what the crate uses but does not re-export (no
            // user ever sees it).
            let reexport =
                file.ends_with("src/lib.rs") && line.starts_with("pub use approov_core::{");
            let private_import = line.starts_with("use approov_core::");
            if line.contains("approov_core::") && !reexport && !private_import {
                mentions.push(format!("{}:{}: {line}", file.display(), number + 1));
            }
        }
    }
    assert!(
        mentions.is_empty(),
        "use approov_axum's re-exports, not approov_core paths:\n{}",
        mentions.join("\n")
    );
}
