//! The crate's docs and sources name only this crate's paths: a user of approov-rocket
//! never needs to add or name approov-core.
#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn docs_and_sources_use_the_adapter_paths_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 2, "{files:?}");
    let mut offending = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lib = file.ends_with("src/lib.rs");
        for (number, line) in text.lines().enumerate() {
            // lib.rs's imports are the one allowed mention: the re-export,
            // `pub use approov_core::{self, ...}`, and what the crate uses privately.
            if lib && line.starts_with("use approov_core::") {
                continue;
            }
            let named = line
                .match_indices("approov_core::")
                .any(|(at, found)| !line[at + found.len()..].starts_with('{'));
            if named {
                offending.push(format!("{}:{}: {line}", file.display(), number + 1));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "use approov_rocket:: paths, not approov_core:::\n{}",
        offending.join("\n")
    );
}
