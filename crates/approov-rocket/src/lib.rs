#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catcher;
mod error;
mod guard;
mod signed;

#[cfg(feature = "jwks-url")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
pub use approov_core::JwksUrl;
pub use approov_core::{
    self, Algorithm, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding, BindingHeader,
    BindingHeaders, ConfigError, KeyError, KeyInfo, KeySet, MessageSignatureError, MessageSigning,
    Mode, SecretEncoding, TokenRejection, Verification,
};
pub use catcher::catchers;
pub use error::ApproovError;
pub use guard::{ApproovToken, BoundApproovToken, OptionalApproovToken};
pub use signed::{MessageSignedToken, SignedBody};

// What the signed guards build from a request; no user of this crate needs it.
use approov_core::SignedRequest;
