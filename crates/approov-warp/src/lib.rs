#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod filter;
mod message_signing;
mod rejection;
mod token;

#[cfg(feature = "jwks-url")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
pub use approov_core::JwksUrl;
pub use approov_core::{
    self, AccountKey, Algorithm, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding,
    BindingHeader, BindingHeaders, ConfigError, KeyError, KeyInfo, KeySet, MessageSignatureError,
    MessageSigning, Mode, SecretEncoding, SignatureRequirement, TokenRejection, Verification,
};
pub use filter::{bound_token, optional_token, token};
pub use message_signing::message_signed_token;
pub use rejection::{recover, ApproovRejection};
pub use token::ApproovToken;
