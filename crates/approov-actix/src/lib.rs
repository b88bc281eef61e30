#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod extract;
mod middleware;

pub use approov_core::{
    self, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding, BindingHeader,
    BindingHeaders, ConfigError, MessageSignatureError, MessageSigning, Mode, SecretEncoding,
    TokenRejection, Verification,
};
pub use error::ApproovError;
pub use extract::{ApproovToken, BoundApproovToken, OptionalApproovToken};
pub use middleware::{Approov, ApproovFuture, ApproovMiddleware};
