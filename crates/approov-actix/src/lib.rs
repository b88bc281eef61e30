#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The floor plan, from the ground up (no module imports one above it):
// - `headers`, `checked`, `rejection`: leaves; how the core reads a request's headers,
//   the middleware's private proof of its check, and the one refusal response;
// - `signed`: a message-signed request as it came off the wire, and its body read once;
// - `extract`, `middleware`: the extractors and the middleware, side by side.
mod checked;
mod extract;
mod headers;
mod middleware;
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
pub use extract::{ApproovToken, BoundApproovToken, OptionalApproovToken};
pub use middleware::{Approov, ApproovMiddleware, ResponseFuture};
pub use rejection::ApproovRejection;

/// The extractors' error under its old name.
#[deprecated(note = "renamed ApproovRejection")]
pub type ApproovError = ApproovRejection;
