#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod binding;
mod claims;
mod config;
mod header;
#[cfg(feature = "mint")]
mod mint;
mod rejection;
mod verifier;

pub use binding::{binding_claim, Authorization, BindingHeader, BindingHeaderName};
pub use claims::ApproovClaims;
pub use config::{ConfigError, SECRET_ENV_VAR};
#[cfg(feature = "mint")]
#[cfg_attr(docsrs, doc(cfg(feature = "mint")))]
pub use mint::{MintError, TokenMinter};
pub use rejection::TokenRejection;
pub use verifier::{ApproovVerifier, DEFAULT_TOKEN_HEADER, MAX_TOKEN_LEN};
