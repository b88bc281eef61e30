#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod extract;
mod layer;
mod rejection;
mod signed;

pub use approov_core::{
    self, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding, BindingHeader,
    BindingHeaders, ConfigError, MessageSignatureError, MessageSigning, Mode, SecretEncoding,
    TokenRejection, Verification,
};
pub use extract::{ApproovToken, BoundApproovToken};
pub use layer::{ApproovLayer, ApproovService, ResponseFuture};
pub use rejection::ApproovRejection;
