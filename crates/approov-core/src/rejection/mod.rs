//! Why a request was refused, and the stable code for each reason: the token's
//! reasons here, a message signature's in `message_signature`.

use std::borrow::Cow;

use thiserror::Error;

mod message_signature;

pub use message_signature::MessageSignatureError;

use crate::binding_header::BindingHeader;

/// The reason a request's Approov token was rejected.
///
/// Every variant becomes the same response in every adapter — status 401,
/// `Content-Type: application/json`, body `{}` — so that a client learns nothing
/// about why. The variant is for the server's log: its `Display` text says what went
/// wrong, naming the header involved, without repeating any part of the token; its
/// [`code`](Self::code) is a stable word to count in metrics.
///
/// ```
/// use approov_core::TokenRejection;
///
/// assert_eq!(TokenRejection::Expired.to_string(), "the Approov token has expired");
/// assert_eq!(TokenRejection::Expired.code(), "token_expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum TokenRejection {
    /// The request has no token header.
    #[error("no `{header}` header in the request")]
    Missing {
        /// The token header's name, in lower case.
        header: Cow<'static, str>,
    },
    /// The token header is present but empty.
    #[error("the `{header}` header is empty")]
    Empty {
        /// The token header's name, in lower case.
        header: Cow<'static, str>,
    },
    /// The request has more than one token header.
    #[error("more than one `{header}` header in the request")]
    Duplicate {
        /// The token header's name, in lower case.
        header: Cow<'static, str>,
    },
    /// The token header holds bytes outside visible ASCII (`!` to `~`).
    #[error("the `{header}` header holds bytes that are not visible ASCII")]
    NotVisibleAscii {
        /// The token header's name, in lower case.
        header: Cow<'static, str>,
    },
    /// The token carries a `Bearer ` prefix where none is configured.
    #[error("the `{header}` header has a `Bearer ` prefix, which is not configured")]
    UnexpectedPrefix {
        /// The token header's name, in lower case.
        header: Cow<'static, str>,
    },
    /// A prefix is configured (for example `Bearer `) and the header does not start with it.
    #[error("the `{header}` header lacks the configured prefix")]
    MissingPrefix {
        /// The token header's name, in lower case.
        header: Cow<'static, str>,
    },
    /// The token is longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    #[error("the Approov token is longer than the limit")]
    TooLong,
    /// The token is not a compact JWT: three non-empty base64url segments, a JSON
    /// JOSE header.
    #[error("the Approov token is malformed: {0}")]
    Malformed(&'static str),
    /// The JWT header names an algorithm this verifier does not accept for it:
    /// `none`, HS384, anything but HS256, RS256, PS256, ES256 and EdDSA; HS256 when no
    /// secret is configured; a public-key algorithm without a `kid`.
    #[error("the Approov token is signed with an algorithm that is not accepted")]
    UnsupportedAlgorithm,
    /// The token is signed with a public-key algorithm and its `kid` names no key of
    /// the verifier's [`KeySet`](crate::KeySet). (The `kid` itself is not repeated:
    /// it comes from the request.) With a JWKS URL, this may start an early refresh.
    #[error("the Approov token's `kid` names no configured key")]
    UnknownKeyId,
    /// The token's `kid` names a configured key whose algorithm is not the token's
    /// `alg`: for example an HS256 token naming a public key, the algorithm-confusion
    /// attack.
    #[error("the Approov token's `alg` is not the algorithm of the key its `kid` names")]
    KeyAlgorithmMismatch,
    /// The signature does not match the key.
    #[error("the Approov token signature does not match")]
    BadSignature,
    /// The signature is valid but the claims are not what an Approov token holds
    /// (not a JSON object, `exp` or `nbf` not a number, a claim twice).
    #[error("the Approov token claims are invalid: {0}")]
    InvalidClaims(&'static str),
    /// The signature is valid but the token has no `exp` claim.
    #[error("the Approov token has no `exp` claim")]
    MissingExpiry,
    /// `exp` has passed (beyond the configured leeway): the token is expired from
    /// the second `exp` names.
    #[error("the Approov token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the configured leeway).
    #[error("the Approov token is not valid yet (`nbf` is in the future)")]
    NotYetValid,
    /// A bound route got a request without one of the headers the token is bound
    /// to, or with it empty.
    #[error("the `{header}` header the token is bound to is missing or empty")]
    BindingHeaderMissing {
        /// The missing header.
        header: BindingHeader,
    },
    /// A bound route got a request with more than one of a header the token is bound to.
    #[error("the `{header}` header the token is bound to appears more than once")]
    BindingHeaderDuplicate {
        /// The repeated header.
        header: BindingHeader,
    },
    /// A bound route got a token without a `pay` claim (or one that is not a string).
    #[error("the token has no `pay` claim to bind it to the request")]
    BindingClaimMissing,
    /// The `pay` claim is not the hash of the bound headers' values.
    #[error("the token's `pay` claim does not match the bound header(s)")]
    BindingMismatch,
    /// The route binds the token to the header that carries it, which proves nothing
    /// (`pay` would hash the token itself): a configuration error, refused on every
    /// request rather than passed. Also said at start-up, by
    /// [`ApproovVerifier::check_binding`](crate::ApproovVerifier::check_binding).
    #[error("the route binds the token to `{header}`, the header that carries the token: bind it to another header")]
    BindsTokenHeader {
        /// The header.
        header: BindingHeader,
    },
    /// A route that requires message signing got a request whose signatures (RFC
    /// 9421: `install`, key from the token's `ipk`; `account`, the account key) do
    /// not hold.
    #[error("the request's message signature is invalid: {0}")]
    MessageSignature(MessageSignatureError),
}

impl TokenRejection {
    /// A stable code for the reason, as the Approov quickstarts name them, for logs
    /// and metrics:
    ///
    /// | code | rejections |
    /// |---|---|
    /// | `missing_approov_token` | no token header, or an empty one |
    /// | `token_verification_failed` | malformed, badly signed, wrong algorithm (for its key), bad claims, not yet valid |
    /// | `token_missing_expiration` | no `exp` claim |
    /// | `token_expired` | `exp` has passed |
    /// | `missing_binding_header` | a bound header is missing or empty |
    /// | `binding_mismatch` | `pay` missing, or not the hash of the bound headers |
    /// | `binding_misconfigured` | the route binds the token to its own header (not a vendor code: fix the route) |
    /// | `message_signature_...` | see [`MessageSignatureError::code`] |
    /// | `unknown_key_id` | a public-key token whose `kid` names no configured key (not a vendor code: a spike of it after a key rotation says the keys are stale) |
    ///
    /// ```
    /// use approov_core::TokenRejection;
    ///
    /// assert_eq!(TokenRejection::BindingMismatch.code(), "binding_mismatch");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            TokenRejection::Missing { .. } | TokenRejection::Empty { .. } => {
                "missing_approov_token"
            }
            TokenRejection::Duplicate { .. }
            | TokenRejection::NotVisibleAscii { .. }
            | TokenRejection::UnexpectedPrefix { .. }
            | TokenRejection::MissingPrefix { .. }
            | TokenRejection::TooLong
            | TokenRejection::Malformed(_)
            | TokenRejection::UnsupportedAlgorithm
            | TokenRejection::KeyAlgorithmMismatch
            | TokenRejection::BadSignature
            | TokenRejection::InvalidClaims(_)
            | TokenRejection::NotYetValid => "token_verification_failed",
            TokenRejection::MissingExpiry => "token_missing_expiration",
            TokenRejection::Expired => "token_expired",
            TokenRejection::BindingHeaderMissing { .. } => "missing_binding_header",
            TokenRejection::BindingHeaderDuplicate { .. }
            | TokenRejection::BindingClaimMissing
            | TokenRejection::BindingMismatch => "binding_mismatch",
            TokenRejection::BindsTokenHeader { .. } => "binding_misconfigured",
            TokenRejection::MessageSignature(error) => error.code(),
            TokenRejection::UnknownKeyId => "unknown_key_id",
        }
    }

    /// The HTTP status a refusal for this reason answers with, always with the body
    /// `{}`: 401 for every reason but two that are not about whether the request is
    /// genuine. A body a message signature covers and that is longer than the limit
    /// is 413 (the check cannot be made: a genuine app's large upload is not
    /// unauthorised, and the operator needs to know to raise the limit); a covered
    /// body that cannot be read is 400. Every adapter answers with this status.
    ///
    /// ```
    /// use approov_core::{MessageSignatureError, TokenRejection};
    ///
    /// assert_eq!(TokenRejection::Expired.status(), 401);
    /// assert_eq!(TokenRejection::MessageSignature(MessageSignatureError::BodyTooLarge).status(), 413);
    /// assert_eq!(TokenRejection::MessageSignature(MessageSignatureError::BodyUnreadable).status(), 400);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            TokenRejection::MessageSignature(MessageSignatureError::BodyTooLarge) => 413,
            TokenRejection::MessageSignature(MessageSignatureError::BodyUnreadable) => 400,
            _ => 401,
        }
    }

    /// Every code [`code`](Self::code) can return, for metrics set up ahead of time.
    pub const CODES: &'static [&'static str] = &[
        "missing_approov_token",
        "token_verification_failed",
        "token_missing_expiration",
        "token_expired",
        "missing_binding_header",
        "binding_mismatch",
        "binding_misconfigured",
        "message_signature_no_ipk",
        "message_signature_invalid_ipk",
        "message_signature_missing",
        "message_signature_expired",
        "message_signature_not_yet_valid",
        "message_signature_digest_mismatch",
        "message_signature_body_too_large",
        "message_signature_body_not_provided",
        "message_signature_body_unreadable",
        "message_signature_invalid",
        "unknown_key_id",
    ];
}
