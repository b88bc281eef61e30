//! One dependency per user: the five adapters re-export the same core API, and an
//! example crate depends on its adapter only.
#![allow(clippy::panic)] // a test helper fails its test by panicking

use std::path::Path;

const ADAPTERS: [&str; 5] = ["axum", "actix", "rocket", "warp", "tower"];

/// The framework adapters: each has an example server of its own and an error type
/// (approov-tower's example is `example-tonic`).
const EXAMPLES: [&str; 4] = ["axum", "actix", "rocket", "warp"];

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
fn the_adapters_reexport_the_same_core_api() {
    let axum = reexports("axum");
    assert!(
        axum.iter().any(|name| name == "self"),
        "pub use approov_core::{{self, ..}}"
    );
    for adapter in ADAPTERS {
        assert_eq!(
            reexports(adapter),
            axum,
            "approov-{adapter} against approov-axum"
        );
    }
}

#[test]
fn example_crates_depend_on_their_adapter_not_on_the_core() {
    for adapter in EXAMPLES {
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
        assert!(
            !main.contains("approov_core"),
            "example-{adapter}'s main.rs names approov_core"
        );
    }
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// A user of an adapter follows its docs with the adapter's paths only: no README or
/// doc comment names `approov_core::`. The adapters' own imports of it (a `use` line)
/// are the one exception: no user reads them.
#[test]
fn adapter_docs_name_the_adapters_paths_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut mentions = Vec::new();
    for adapter in ADAPTERS {
        let crate_dir = root.join(format!("crates/approov-{adapter}"));
        let mut files = vec![crate_dir.join("README.md")];
        files.extend(sources(&crate_dir.join("src")));
        assert!(files.len() > 3, "approov-{adapter}: {files:?}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
            let source = file.extension().is_some_and(|e| e == "rs");
            for (number, line) in text.lines().enumerate() {
                let import = source && {
                    let code = line.trim_start();
                    code.starts_with("use approov_core::")
                        || code.starts_with("pub use approov_core::")
                };
                if line.contains("approov_core::") && !import {
                    mentions.push(format!("{}:{}: {line}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        mentions.is_empty(),
        "use the adapter's re-exports, not approov_core paths:\n{}",
        mentions.join("\n")
    );
}

/// One vocabulary: each adapter's error is `ApproovRejection`, with the same methods
/// (`reason() -> Option<&TokenRejection>`, `status()`, `std::error::Error` whose
/// source is the reason), its status the reason's (401, or 413/400 for a signed body),
/// and its middleware's future, where it has one, `ResponseFuture`.
#[test]
fn the_four_adapters_name_their_rejection_and_its_methods_alike() {
    use approov_core::{MessageSignatureError, TokenRejection};
    use std::error::Error as _;

    let reasons = [
        (TokenRejection::Expired, 401),
        (
            TokenRejection::MessageSignature(MessageSignatureError::BodyTooLarge),
            413,
        ),
        (
            TokenRejection::MessageSignature(MessageSignatureError::BodyUnreadable),
            400,
        ),
    ];
    // The source of an error, as the reason it wraps.
    fn source_of<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e TokenRejection> {
        error.source()?.downcast_ref::<TokenRejection>()
    }
    for (reason, status) in reasons {
        let axum = approov_axum::ApproovRejection::from(reason.clone());
        let actix = approov_actix::ApproovRejection::from(reason.clone());
        let rocket = approov_rocket::ApproovRejection::from(reason.clone());
        let warp = approov_warp::ApproovRejection::from(reason.clone());
        assert_eq!(
            [
                axum.reason(),
                actix.reason(),
                rocket.reason(),
                warp.reason()
            ],
            [Some(&reason); 4]
        );
        assert_eq!(
            [
                axum.status().as_u16(),
                actix.status().as_u16(),
                rocket.status().code,
                warp.status().as_u16()
            ],
            [status; 4],
            "{reason:?}"
        );
        assert_eq!(
            [
                source_of(&axum),
                source_of(&actix),
                source_of(&rocket),
                source_of(&warp)
            ],
            [Some(&reason); 4]
        );
        let said = reason.to_string();
        assert_eq!(
            [
                axum.to_string(),
                actix.to_string(),
                rocket.to_string(),
                warp.to_string()
            ],
            [said.clone(), said.clone(), said.clone(), said]
        );
    }
    // A set-up mistake is no token's fault: no reason, 500, and no source.
    let not_configured = [
        approov_axum::ApproovRejection::NotConfigured
            .status()
            .as_u16(),
        approov_actix::ApproovRejection::NotConfigured
            .status()
            .as_u16(),
        approov_rocket::ApproovRejection::NotConfigured
            .status()
            .code,
        approov_warp::ApproovRejection::NotConfigured
            .status()
            .as_u16(),
    ];
    assert_eq!(not_configured, [500; 4]);
    assert!(approov_axum::ApproovRejection::NotConfigured
        .source()
        .is_none());

    // The futures are named as tower names them; no adapter exports another name.
    fn response_future<F>() -> &'static str {
        std::any::type_name::<F>()
    }
    let axum = response_future::<approov_axum::ResponseFuture<std::future::Ready<()>>>();
    let actix = response_future::<approov_actix::ResponseFuture<std::future::Ready<()>, ()>>();
    assert!(axum.contains("ResponseFuture") && actix.contains("ResponseFuture"));
    // approov-tower has no error of its own: a refusal is a response (its
    // `RejectionResponse`), never a value a handler sees.
    for adapter in EXAMPLES {
        let lib = read(&format!("crates/approov-{adapter}/src/lib.rs"));
        assert!(
            lib.contains("ApproovRejection"),
            "approov-{adapter} exports ApproovRejection"
        );
        for other in ["ApproovFuture", "pub use error::ApproovError"] {
            assert!(!lib.contains(other), "approov-{adapter} exports {other}");
        }
    }
}
