#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The floor plan, from the ground up (no module imports one above it):
// - `clock`, `headers`, `binding_header`, `crypto`, `client_status`: leaves;
// - `keys/`, `rejection/`: key material; why a check failed (token, signature);
// - `token/`, `token_header`, `log`: a token on its own; its header; the failure log;
// - `config/`: settings from the environment, each checked;
// - `message_signing/`, `binding`: RFC 9421 signatures; a token's binding to headers;
// - `store/`: the live keys and JWKS URL;
// - `policy`, `verification`, `verifier/`: the check of a request, end to end.
mod binding;
mod binding_header;
mod client_status;
mod clock;
mod config;
mod crypto;
mod headers;
mod keys;
mod log;
mod message_signing;
#[cfg(feature = "mint")]
mod mint;
mod policy;
mod rejection;
mod store;
mod token;
mod token_header;
mod verification;
mod verifier;

pub use binding::{binding_claim, AuthorizationBinding, Binding, BindingHeaders};
pub use binding_header::BindingHeader;
pub use client_status::{DEFAULT_STATUS_HEADER, DEFAULT_TRACE_ID_HEADER};
pub use config::{
    ConfigError, Mode, SecretEncoding, ACCOUNT_MESSAGE_SIGNING_KEY_VAR, BASE64URL_SECRET_VAR,
    BASE64_SECRET_VAR, DEFAULT_JWKS_REFRESH_SECS, JWKS_FILE_VAR, JWKS_REFRESH_VAR, JWKS_URL_VAR,
    JWKS_VAR, LOG_LINES_VAR, MESSAGE_SIGNATURE_CLOCK_SKEW_VAR, MESSAGE_SIGNATURE_MAX_AGE_VAR,
    MESSAGE_SIGNATURE_MAX_BODY_VAR, MESSAGE_SIGNATURE_REQUIRE_VAR, MESSAGE_SIGNATURE_SCHEME_VAR,
    MODE_VAR, STATUS_HEADER_VAR, TOKEN_HEADER_VAR, TOKEN_PREFIX_VAR, TRACE_ID_HEADER_VAR,
};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use headers::HttpHeaderValues;
pub use headers::RequestHeaders;
pub use keys::{Algorithm, KeyError, KeyInfo, KeySet, MIN_SECRET_LEN};
pub use log::DEFAULT_LOG_LINES_PER_SECOND;
#[cfg(feature = "mint")]
#[cfg_attr(docsrs, doc(cfg(feature = "mint")))]
pub use message_signing::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, InstallationKeyError,
    SignatureHeaders, SignatureParams,
};
pub use message_signing::{
    AccountKey, MessageSignatureError, MessageSigning, SignatureRequirement, SignedRequest,
    ACCOUNT_SIGNATURE_ALGORITHM, ACCOUNT_SIGNATURE_LABEL, MAX_SIGNATURE_HEADER_LEN,
    SIGNATURE_ALGORITHM, SIGNATURE_LABEL,
};
#[cfg(feature = "mint")]
#[cfg_attr(docsrs, doc(cfg(feature = "mint")))]
pub use mint::{MintError, SigningKey, TokenMinter};
pub use rejection::TokenRejection;
#[cfg(feature = "jwks-url")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
pub use store::{JwksUrl, DEFAULT_JWKS_COOL_DOWN, DEFAULT_JWKS_REFRESH, DEFAULT_JWKS_TIMEOUT};
pub use token::{ApproovClaims, MAX_TOKEN_LEN};
pub use token_header::DEFAULT_TOKEN_HEADER;
pub use verification::Verification;
pub use verifier::ApproovVerifier;
