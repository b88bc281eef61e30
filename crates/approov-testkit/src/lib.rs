//! Shared test material for approov-rs: a fresh secret per test run and key pairs per
//! test process (never on disk), forged tokens, a JWKS server on 127.0.0.1,
//! [`cases`], the one table of requests every adapter and every example server is
//! held to, and (behind one feature per framework) the few lines that send a request
//! through that framework's own test client. Test-only: it mints tokens and is never
//! published.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A test helper fails the test it serves by panicking; it never runs in a server.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "actix")]
#[path = "client/actix.rs"]
pub mod actix;
#[cfg(feature = "axum")]
#[path = "client/axum.rs"]
pub mod axum;
mod cases;
mod forge;
mod jwks_server;
mod keys;
mod logs;
mod next_client;
mod report;
#[cfg(feature = "rocket")]
#[path = "client/rocket.rs"]
pub mod rocket;
mod signed;
pub mod vendor;
#[cfg(feature = "warp")]
#[path = "client/warp.rs"]
pub mod warp;

pub use cases::{
    token_cases, Case, Expect, Route, AUTHORIZATION, HELLO_BODY, REJECTION_BODY, SESSION_ID,
};
pub use forge::{forge, forge_raw, Alg, TestSecret};
pub use jwks_server::{JwksRotation, JwksServer, JWKS_REFRESH_FAILED};
pub use keys::{jwks_json, TestKey, TestKeys};
pub use logs::{CaptureGuard, LogCapture, Logged, Suppressed};
pub use next_client::{authorization_token_cases, next_client_cases, TRACE_ID};
pub use report::{Observed, Report};
pub use signed::SIGNED_HOST;

/// Every case, with tokens minted or forged for `secret` and its public keys
/// ([`TestSecret::keys`]): [`token_cases`] and [`message_signing_cases`]. A server
/// must be configured with both the secret and the keys ([`TestSecret::verifier`], or
/// `APPROOV_BASE64_SECRET` and `APPROOV_JWKS` set to [`TestSecret::base64`] and
/// [`TestSecret::jwks_json`]).
pub fn cases(secret: &TestSecret) -> Vec<Case> {
    let mut cases = token_cases(secret);
    cases.extend(message_signing_cases(secret));
    cases
}

/// The cases of `/token-message-signing`: requests signed (or mis-signed) with a fresh
/// installation key whose public half is the token's `ipk`.
pub fn message_signing_cases(secret: &TestSecret) -> Vec<Case> {
    signed::message_signing_cases(secret)
}
