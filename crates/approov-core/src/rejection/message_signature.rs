//! Why a request's message signature was refused.

use thiserror::Error;

/// The reason a request's message signatures were rejected.
///
/// Like the token check's rejections, the variant is for the server's
/// log: its `Display` text says what went wrong and never repeats a header value, the
/// signature, the key or the token. [`code`](Self::code) gives a short, stable name for
/// metrics and structured logs:
///
/// | code | variants |
/// | --- | --- |
/// | `message_signature_no_ipk` | [`NoIpk`](Self::NoIpk) |
/// | `message_signature_invalid_ipk` | [`InvalidIpk`](Self::InvalidIpk) |
/// | `message_signature_missing` | [`MissingSignature`](Self::MissingSignature), [`MissingSignatureInput`](Self::MissingSignatureInput), [`NoInstallSignature`](Self::NoInstallSignature), [`NoAccountSignature`](Self::NoAccountSignature), [`NoSignature`](Self::NoSignature) |
/// | `message_signature_expired` | [`TooOld`](Self::TooOld), [`Expired`](Self::Expired) |
/// | `message_signature_not_yet_valid` | [`CreatedInFuture`](Self::CreatedInFuture) |
/// | `message_signature_digest_mismatch` | [`DigestMismatch`](Self::DigestMismatch) |
/// | `message_signature_body_too_large` | [`BodyTooLarge`](Self::BodyTooLarge) |
/// | `message_signature_body_not_provided` | [`BodyNotProvided`](Self::BodyNotProvided) |
/// | `message_signature_body_unreadable` | [`BodyUnreadable`](Self::BodyUnreadable) |
/// | `message_signature_invalid` | every other variant: a signature that is malformed, unsupported or does not match |
///
/// ```
/// use approov_core::MessageSignatureError;
///
/// let rejection = MessageSignatureError::Expired;
/// assert_eq!(rejection.code(), "message_signature_expired");
/// assert_eq!(rejection.to_string(), "the message signature has expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum MessageSignatureError {
    /// The token has no `ipk` claim (or an empty one), so there is no key to check a
    /// signature with. Approov's failover service issues tokens without `ipk`: an
    /// adapter may choose to let such requests through unsigned.
    #[error("the Approov token has no `ipk` claim")]
    NoIpk,
    /// The `ipk` claim is not standard base64 of a P-256 SubjectPublicKeyInfo.
    #[error("the `ipk` claim is not a P-256 public key: {0}")]
    InvalidIpk(&'static str),
    /// The request has no `Signature` header.
    #[error("no Signature header in the request")]
    MissingSignature,
    /// The request has no `Signature-Input` header.
    #[error("no Signature-Input header in the request")]
    MissingSignatureInput,
    /// Neither header has an entry labelled `install`, and the policy needs one.
    #[error("no `install` signature in the request")]
    NoInstallSignature,
    /// Neither header has an entry labelled `account`, and the policy needs one.
    #[error("no `account` signature in the request")]
    NoAccountSignature,
    /// Neither an `install` nor an `account` signature, and the policy needs one of
    /// them (`either`).
    #[error("no `install` or `account` signature in the request")]
    NoSignature,
    /// `Signature`, `Signature-Input` or `Content-Digest` is longer than
    /// [`MAX_SIGNATURE_HEADER_LEN`](crate::MAX_SIGNATURE_HEADER_LEN).
    #[error("a message signature header is longer than the limit")]
    HeaderTooLong,
    /// A header or an entry is not what RFC 9421 or RFC 9651 allows (the reason says
    /// which).
    #[error("the message signature is malformed: {0}")]
    Malformed(&'static str),
    /// `Signature` and `Signature-Input` do not have the same labels.
    #[error("the Signature and Signature-Input headers have different labels")]
    LabelMismatch,
    /// A signature has no `alg` parameter.
    #[error("the message signature has no `alg` parameter")]
    MissingAlgorithm,
    /// The `alg` parameter is not the member's: `ecdsa-p256-sha256` for `install`,
    /// `hmac-sha256` for `account`.
    #[error("the message signature algorithm is not the one its label takes (install: ecdsa-p256-sha256, account: hmac-sha256)")]
    UnsupportedAlgorithm,
    /// A signature has no `created` parameter.
    #[error("the message signature has no `created` parameter")]
    MissingCreated,
    /// `created` is later than now plus the allowed clock skew.
    #[error("the message signature was created in the future")]
    CreatedInFuture,
    /// `created` is further in the past than the maximum age.
    #[error("the message signature is older than the maximum age")]
    TooOld,
    /// `expires` has passed (beyond the allowed clock skew).
    #[error("the message signature has expired")]
    Expired,
    /// The header that carries the token (`approov-token`, or the one configured) is
    /// not among the covered components, so the signature is not tied to the token.
    #[error("the message signature does not cover the header that carries the token")]
    TokenNotCovered,
    /// A covered component is one this verifier does not derive (`@status`,
    /// `@query-param`, `@request-response`, an unknown `@` name).
    #[error("the message signature covers a derived component that is not supported")]
    UnsupportedComponent,
    /// A covered component has parameters (`;sf`, `;key`, `;bs`, `;req`, `;tr`, ...),
    /// which this verifier does not support.
    #[error("the message signature covers a component with parameters, which are not supported")]
    UnsupportedComponentParameter,
    /// The signature covers a component the framework may have rewritten or hidden
    /// before the check could see it (the method, or the authority: the adapter said so
    /// with [`SignedRequest::with_method_hidden`](crate::SignedRequest::with_method_hidden)
    /// or [`with_authority_hidden`](crate::SignedRequest::with_authority_hidden)); the
    /// text names it.
    #[error("the message signature covers {0}, which the framework may have rewritten")]
    HiddenByFramework(&'static str),
    /// A header named in the covered components is absent from the request.
    #[error("a header covered by the message signature is missing from the request")]
    CoveredHeaderMissing,
    /// The signature is not as long as its algorithm makes it: 64 bytes (raw
    /// `r || s`) for `install`, where a DER-encoded ECDSA signature lands here, and 32
    /// for `account`.
    #[error("the message signature is not the length its algorithm makes (install: 64 bytes of raw r||s, account: 32)")]
    BadSignatureLength,
    /// The `install` signature does not verify against the `ipk` key over the rebuilt
    /// signature base: the request is not the one that was signed, or another key
    /// signed it.
    #[error("the install message signature does not match the request")]
    SignatureMismatch,
    /// The `account` signature does not verify with the account key over the rebuilt
    /// signature base: the request is not the one that was signed, or another key
    /// signed it (another account's, or a stale one).
    #[error("the account message signature does not match the request")]
    AccountSignatureMismatch,
    /// The policy checks the `account` signature but there is no key to check it with:
    /// none is configured, or the per-token hook resolved none for this token.
    #[error("no account message signing key for this token")]
    AccountKeyUnavailable,
    /// `content-digest` is covered but has no `sha-256` or `sha-512` member.
    #[error("the Content-Digest header has no sha-256 or sha-512 member")]
    UnsupportedDigest,
    /// A `sha-256` or `sha-512` member of `Content-Digest` is not the body's digest.
    #[error("the Content-Digest header does not match the body")]
    DigestMismatch,
    /// `content-digest` is covered and the body is longer than the configured maximum
    /// ([`MessageSigning::with_max_body_len`](crate::MessageSigning::with_max_body_len)):
    /// answered 413, not 401 (see [`TokenRejection::status`](crate::TokenRejection::status)).
    #[error("the request body is longer than the limit for a signed body")]
    BodyTooLarge,
    /// `content-digest` is covered and the body could not be read (the client went
    /// away, a broken chunked encoding): answered 400.
    #[error("the signature covers content-digest but the request body could not be read")]
    BodyUnreadable,
    /// `content-digest` is covered and the adapter passed no body: the adapter must
    /// buffer the body when [`MessageSigning::needs_body`](crate::MessageSigning::needs_body)
    /// says so.
    #[error("the signature covers content-digest but the request body was not provided")]
    BodyNotProvided,
}

impl MessageSignatureError {
    /// A short, stable name for the kind of failure, for logs and metrics (see the
    /// table on the type).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoIpk => "message_signature_no_ipk",
            Self::InvalidIpk(_) => "message_signature_invalid_ipk",
            Self::MissingSignature
            | Self::MissingSignatureInput
            | Self::NoInstallSignature
            | Self::NoAccountSignature
            | Self::NoSignature => "message_signature_missing",
            Self::TooOld | Self::Expired => "message_signature_expired",
            Self::CreatedInFuture => "message_signature_not_yet_valid",
            Self::DigestMismatch => "message_signature_digest_mismatch",
            Self::BodyTooLarge => "message_signature_body_too_large",
            Self::BodyNotProvided => "message_signature_body_not_provided",
            Self::BodyUnreadable => "message_signature_body_unreadable",
            Self::HeaderTooLong
            | Self::Malformed(_)
            | Self::LabelMismatch
            | Self::MissingAlgorithm
            | Self::UnsupportedAlgorithm
            | Self::MissingCreated
            | Self::TokenNotCovered
            | Self::UnsupportedComponent
            | Self::UnsupportedComponentParameter
            | Self::HiddenByFramework(_)
            | Self::CoveredHeaderMissing
            | Self::BadSignatureLength
            | Self::SignatureMismatch
            | Self::AccountSignatureMismatch
            | Self::AccountKeyUnavailable
            | Self::UnsupportedDigest => "message_signature_invalid",
        }
    }
}
