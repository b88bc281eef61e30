#![doc = include_str!("../EXAMPLES.md")]
#![forbid(unsafe_code)]

/// The testing guide, TESTING.md, whose Rust snippets are doc tests too.
#[doc = include_str!("../TESTING.md")]
pub mod testing {}
