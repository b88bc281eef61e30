//! EXAMPLES.md quotes the four examples' `main.rs` with their line counts: this test
//! holds the quotes to the files. `UPDATE_EXAMPLES_MD=1 cargo test -p
//! approov-conformance --test examples_md` rewrites them.
#![allow(clippy::panic)] // a test helper fails its test by panicking

use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- main.rs: begin (tests/examples_md.rs checks this part; UPDATE_EXAMPLES_MD=1 rewrites it) -->\n";
const END: &str = "<!-- main.rs: end -->\n";
const FRAMEWORKS: [(&str, &str); 4] = [
    ("axum", "axum"),
    ("actix", "actix-web"),
    ("rocket", "Rocket"),
    ("warp", "warp"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Lines that are neither blank nor only a comment.
fn code_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

/// Lines of code of every `.rs` file under `dir`.
fn crate_code_lines(dir: &Path) -> usize {
    let mut total = 0;
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                total += code_lines(&read(&path));
            }
        }
    }
    total
}

/// What EXAMPLES.md must hold between the markers.
fn expected() -> String {
    let mains: Vec<String> = FRAMEWORKS
        .iter()
        .map(|(dir, _)| read(&root().join(format!("examples/{dir}/src/main.rs"))))
        .collect();
    let row = |name: &str, cell: &dyn Fn(usize) -> usize| {
        let cells: Vec<String> = (0..FRAMEWORKS.len()).map(|i| cell(i).to_string()).collect();
        format!("| {name} | {} |\n", cells.join(" | "))
    };
    let mut text = String::from("| | axum | actix-web | Rocket | warp |\n|---|---|---|---|---|\n");
    text += &row("`main.rs`, lines", &|i| mains[i].lines().count());
    text += &row("`main.rs`, lines of code (not blank, not comments)", &|i| {
        code_lines(&mains[i])
    });
    text += &row("the adapter crate's `src/`, lines of code", &|i| {
        crate_code_lines(&root().join(format!("crates/approov-{}/src", FRAMEWORKS[i].0)))
    });
    for ((dir, name), main) in FRAMEWORKS.iter().zip(&mains) {
        text += &format!(
            "\n### {name}: `examples/{dir}/src/main.rs`\n\n```rust,ignore\n{}```\n",
            main
        );
    }
    text + "\n"
}

#[test]
fn examples_md_quotes_the_four_main_rs_as_they_are() {
    let path = root().join("EXAMPLES.md");
    let text = read(&path);
    let start = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("EXAMPLES.md lost its begin marker"))
        + BEGIN.len();
    let end = text
        .find(END)
        .unwrap_or_else(|| panic!("EXAMPLES.md lost its end marker"));
    let expected = expected();
    if text[start..end] == expected {
        return;
    }
    if std::env::var_os("UPDATE_EXAMPLES_MD").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    panic!(
        "EXAMPLES.md does not quote the examples' main.rs as they are: run \
         `UPDATE_EXAMPLES_MD=1 cargo test -p approov-conformance --test examples_md`"
    );
}
