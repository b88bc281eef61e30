#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catcher;
mod error;
mod guard;

pub use approov_core::{
    self, ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding, BindingHeader,
    BindingHeaders, ConfigError, Mode, SecretEncoding, TokenRejection, Verification,
};
pub use catcher::catchers;
pub use error::ApproovError;
pub use guard::{ApproovToken, BoundApproovToken, OptionalApproovToken};
