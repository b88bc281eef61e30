#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod extract;
mod headers;
mod layer;
mod rejection;

#[cfg(feature = "jwks-url")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
pub use approov_core::JwksUrl;
pub use approov_core::{
    self, AccountKey, Algorithm, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding,
    BindingHeader, BindingHeaders, ConfigError, KeyError, KeyInfo, KeySet, MessageSignatureError,
    MessageSigning, Mode, SecretEncoding, SignatureRequirement, TokenRejection, Verification,
};
pub use extract::{ApproovToken, BoundApproovToken};
pub use layer::{ApproovLayer, ApproovService, ResponseFuture};
pub use rejection::ApproovRejection;
