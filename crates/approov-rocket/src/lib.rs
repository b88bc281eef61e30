#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The floor plan, from the ground up (no module imports one above it):
// - `headers`: a request's headers as approov-core reads them;
// - `rejection`: why a guard failed a request, its status, the mark for the catchers;
// - `guard`: the token's request guards, and the check kept for a route's guards;
// - `signed`: message signing's request guard and data guard;
// - `catcher`: the `{}` answer to a request a guard failed.
mod catcher;
mod guard;
mod headers;
mod rejection;
mod signed;

#[cfg(feature = "jwks-url")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
pub use approov_core::JwksUrl;
pub use approov_core::{
    self, AccountKey, Algorithm, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding,
    BindingHeader, BindingHeaders, ConfigError, KeyError, KeyInfo, KeySet, MessageSignatureError,
    MessageSigning, Mode, SecretEncoding, SignatureRequirement, TokenRejection, Verification,
};
pub use catcher::catchers;
pub use guard::{ApproovToken, BoundApproovToken, OptionalApproovToken};
pub use rejection::ApproovRejection;
pub use signed::{MessageSignedToken, SignedBody};

/// The former name of [`ApproovRejection`], renamed to match the other approov-rs
/// adapters.
#[deprecated(note = "renamed ApproovRejection")]
pub type ApproovError = ApproovRejection;

// What the signed guards build from a request; no user of this crate needs it.
use approov_core::SignedRequest;
