//! The guards' error.

use crate::TokenRejection;

/// Why an Approov guard failed a request; the reason is already logged.
///
/// A refused token fails the request with 401, which [`catchers`](crate::catchers)
/// answers with `{}` as JSON. To answer a route's refusals yourself, take
/// `Result<ApproovToken, ApproovError>` (Rocket's own way of seeing a guard's error):
///
/// ```
/// use approov_rocket::{ApproovError, ApproovToken, ApproovVerifier};
/// use rocket::http::Status;
/// use rocket::local::blocking::Client;
///
/// #[rocket::get("/orders")]
/// fn orders(token: Result<ApproovToken, ApproovError>) -> (Status, String) {
///     match token {
///         Ok(_) => (Status::Ok, "your orders".into()),
///         Err(error) => (
///             Status::Unauthorized,
///             format!("refused: {}", error.reason().map_or("not configured", |r| r.code())),
///         ),
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .mount("/", rocket::routes![orders]);
/// let client = Client::tracked(rocket)?;
/// let response = client.get("/orders").dispatch();
/// assert_eq!(response.status(), Status::Unauthorized);
/// assert_eq!(response.into_string().as_deref(), Some("refused: missing_approov_token"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApproovError {
    /// The token was refused: the request fails with 401.
    Rejected(TokenRejection),
    /// No [`ApproovVerifier`](crate::ApproovVerifier) is managed: the request fails
    /// with 500. A Rocket whose routes name an Approov guard refuses to launch
    /// without one, so this happens only behind a guard of your own that asks for
    /// ours with `request.guard()`.
    NotConfigured,
    /// A [`SignedBody`](crate::SignedBody) could not hand the whole body to the
    /// handler: it is longer than the message-signing body limit
    /// ([`MessageSigning::max_body_len`](crate::MessageSigning::max_body_len)), and
    /// nothing refused the request before (monitor mode, or a signature that does not
    /// cover the body). The request fails with 413, answered by Rocket's catchers.
    /// When the signature covers the body, enforce mode refuses an over-long one
    /// first, with 401 and the reason
    /// [`BodyTooLarge`](crate::MessageSignatureError::BodyTooLarge).
    PayloadTooLarge,
    /// Reading the body for a [`SignedBody`](crate::SignedBody) failed (the client
    /// went away, say): the request fails with 400.
    BodyUnreadable(std::io::ErrorKind),
}

impl ApproovError {
    /// Why the token (or its message signature) was refused; `None` when the request
    /// failed for another reason than a refusal.
    pub fn reason(&self) -> Option<&TokenRejection> {
        match self {
            ApproovError::Rejected(reason) => Some(reason),
            ApproovError::NotConfigured
            | ApproovError::PayloadTooLarge
            | ApproovError::BodyUnreadable(_) => None,
        }
    }
}

impl std::fmt::Display for ApproovError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApproovError::Rejected(reason) => reason.fmt(f),
            ApproovError::NotConfigured => f.write_str(
                "no ApproovVerifier is managed: add `.manage(ApproovVerifier::from_env()?)`",
            ),
            ApproovError::PayloadTooLarge => {
                f.write_str("the body is longer than the message-signing body limit")
            }
            ApproovError::BodyUnreadable(kind) => write!(f, "reading the body failed: {kind}"),
        }
    }
}

impl std::error::Error for ApproovError {}
