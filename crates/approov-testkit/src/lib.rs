//! Shared test material for approov-rs: a fresh secret per test run, forged tokens,
//! and [`cases`], the one table of requests every adapter and every example server is
//! held to. Test-only: it mints tokens and is never published.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cases;
mod forge;
mod report;

pub use cases::{cases, Case, Expect, Route, HELLO_BODY, REJECTION_BODY};
pub use forge::{forge, forge_raw, Alg, TestSecret};
pub use report::{Observed, Report};
