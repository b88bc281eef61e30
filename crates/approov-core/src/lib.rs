#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod binding;
mod claims;
mod config;
mod header;
mod jwks;
mod keys;
mod log;
mod message_signing;
#[cfg(feature = "mint")]
mod mint;
mod passed;
mod rejection;
#[cfg(feature = "jwks-url")]
mod remote;
mod segment;
mod store;
mod verification;
mod verifier;

pub use binding::{binding_claim, AuthorizationBinding, Binding, BindingHeader, BindingHeaders};
pub use claims::ApproovClaims;
pub use config::{
    ConfigError, Mode, SecretEncoding, BASE64URL_SECRET_VAR, BASE64_SECRET_VAR,
    DEFAULT_JWKS_REFRESH_SECS, JWKS_FILE_VAR, JWKS_REFRESH_VAR, JWKS_URL_VAR, JWKS_VAR,
    LOG_LINES_VAR, MESSAGE_SIGNATURE_CLOCK_SKEW_VAR, MESSAGE_SIGNATURE_MAX_AGE_VAR,
    MESSAGE_SIGNATURE_MAX_BODY_VAR, MESSAGE_SIGNATURE_SCHEME_VAR, MIN_SECRET_LEN, MODE_VAR,
};
pub use keys::{Algorithm, KeyError, KeyInfo, KeySet};
pub use log::DEFAULT_LOG_LINES_PER_SECOND;
#[cfg(feature = "mint")]
#[cfg_attr(docsrs, doc(cfg(feature = "mint")))]
pub use message_signing::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, InstallationKeyError,
    SignatureHeaders, SignatureParams,
};
pub use message_signing::{
    MessageSignatureError, MessageSigning, SignedRequest, MAX_SIGNATURE_HEADER_LEN,
    SIGNATURE_ALGORITHM, SIGNATURE_LABEL,
};
#[cfg(feature = "mint")]
#[cfg_attr(docsrs, doc(cfg(feature = "mint")))]
pub use mint::{MintError, SigningKey, TokenMinter};
pub use rejection::TokenRejection;
#[cfg(feature = "jwks-url")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
pub use remote::{JwksUrl, DEFAULT_JWKS_COOL_DOWN, DEFAULT_JWKS_REFRESH, DEFAULT_JWKS_TIMEOUT};
pub use verification::Verification;
pub use verifier::{ApproovVerifier, DEFAULT_TOKEN_HEADER, MAX_TOKEN_LEN};
