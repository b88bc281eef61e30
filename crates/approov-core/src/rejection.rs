//! Why a request was refused.

use thiserror::Error;

/// The reason a request's Approov token was rejected.
///
/// Every variant becomes the same response in every adapter — status 401,
/// `Content-Type: application/json`, body `{}` — so that a client learns nothing
/// about why. The variant is for the server's log: its `Display` text says what went
/// wrong without repeating any part of the token.
///
/// ```
/// use approov_core::TokenRejection;
///
/// assert_eq!(TokenRejection::Expired.to_string(), "the token has expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TokenRejection {
    /// The request has no token header.
    #[error("no Approov token header in the request")]
    Missing,
    /// The request has more than one token header.
    #[error("more than one Approov token header in the request")]
    Duplicate,
    /// The token header is present but empty.
    #[error("the Approov token header is empty")]
    Empty,
    /// The token header holds bytes outside visible ASCII (`!` to `~`).
    #[error("the Approov token header holds bytes that are not visible ASCII")]
    NotVisibleAscii,
    /// The token carries a `Bearer ` prefix where none is configured.
    #[error("the Approov token has a scheme prefix (such as `Bearer `) that is not configured")]
    UnexpectedPrefix,
    /// A prefix is configured (for example `Bearer `) and the header does not start with it.
    #[error("the Approov token header lacks the configured prefix")]
    MissingPrefix,
    /// The token is longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    #[error("the Approov token is longer than the limit")]
    TooLong,
    /// The token is not a compact JWT: three non-empty base64url segments.
    #[error("the Approov token is malformed: {0}")]
    Malformed(&'static str),
    /// The JWT header names an algorithm other than HS256 (including `none`).
    #[error("the Approov token is not signed with HS256")]
    UnsupportedAlgorithm,
    /// The HMAC-SHA256 signature does not match the secret.
    #[error("the Approov token signature does not match")]
    BadSignature,
    /// The signature is valid but the claims are not what an Approov token holds
    /// (not a JSON object, no numeric `exp`, a known claim of the wrong type).
    #[error("the Approov token claims are invalid: {0}")]
    InvalidClaims(&'static str),
    /// The `exp` claim is in the past (beyond the configured leeway).
    #[error("the token has expired")]
    Expired,
    /// A bound route got a request without the header the token is bound to.
    #[error("the header the token is bound to is missing or empty")]
    BindingHeaderMissing,
    /// A bound route got a request with more than one of the header the token is bound to.
    #[error("the header the token is bound to appears more than once")]
    BindingHeaderDuplicate,
    /// A bound route got a token without a `pay` claim.
    #[error("the token has no `pay` claim to bind to")]
    BindingClaimMissing,
    /// The `pay` claim is not the hash of the bound header's value.
    #[error("the token's `pay` claim does not match the bound header")]
    BindingMismatch,
}

/// Logs a rejection at `info` with its reason — the one place rejections are logged.
pub(crate) fn logged<T>(result: Result<T, TokenRejection>) -> Result<T, TokenRejection> {
    if let Err(rejection) = &result {
        tracing::info!(reason = %rejection, "Approov token rejected");
    }
    result
}
