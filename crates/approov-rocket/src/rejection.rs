//! The guards' rejection, the status each answers with, and the mark that tells
//! [`catchers`](crate::catchers) a refusal is Approov's.

use std::fmt;

use rocket::http::Status;
use rocket::Request;

use crate::TokenRejection;

/// Why an Approov guard failed a request; a refused check is already logged.
///
/// The request fails with [`status`](Self::status): 401 for a refused token (413 or
/// 400 for a body its message signature covers that is over the limit or cannot be
/// read), which [`catchers`](crate::catchers) answers with `{}` as JSON. To answer a
/// route's refusals yourself, take `Result<ApproovToken, ApproovRejection>` (Rocket's
/// own way of seeing a guard's error):
///
/// ```
/// use approov_rocket::{ApproovRejection, ApproovToken, ApproovVerifier};
/// use rocket::http::Status;
/// use rocket::local::blocking::Client;
///
/// #[rocket::get("/orders")]
/// fn orders(token: Result<ApproovToken, ApproovRejection>) -> (Status, String) {
///     match token {
///         Ok(_) => (Status::Ok, "your orders".into()),
///         Err(rejection) => (
///             rejection.status(),
///             format!("refused: {}", rejection.reason().map_or("not configured", |r| r.code())),
///         ),
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
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
pub enum ApproovRejection {
    /// The request failed the check: it fails with [`TokenRejection::status`], 401
    /// (413 or 400 for a body its message signature covers that is over the limit or
    /// cannot be read).
    Rejected(TokenRejection),
    /// No [`ApproovVerifier`](crate::ApproovVerifier) is managed: the request fails
    /// with 500. A Rocket whose routes name an Approov guard refuses to launch
    /// without one, so this happens only behind a guard of your own that asks for
    /// ours with `request.guard()`.
    NotConfigured,
    /// A [`SignedBody`](crate::SignedBody) could not hand the handler the whole body:
    /// it is longer than Rocket's `bytes` data limit (a body the signature does not
    /// cover), or, in monitor mode, longer than the message-signing body limit (a
    /// body the signature covers, of which no more was read). Not the check's verdict:
    /// the request fails with 413.
    PayloadTooLarge,
    /// Reading the body for a [`SignedBody`](crate::SignedBody) failed (the client
    /// went away, say) where the check had nothing to say about it: a body the
    /// signature does not cover, or monitor mode. The request fails with 400.
    BodyUnreadable(std::io::ErrorKind),
}

impl ApproovRejection {
    /// Why the token (or its message signature) was refused; `None` when the request
    /// failed for another reason than a refusal.
    pub fn reason(&self) -> Option<&TokenRejection> {
        match self {
            ApproovRejection::Rejected(reason) => Some(reason),
            ApproovRejection::NotConfigured
            | ApproovRejection::PayloadTooLarge
            | ApproovRejection::BodyUnreadable(_) => None,
        }
    }

    /// The status the request fails with: the reason's
    /// ([`TokenRejection::status`]: 401, or 413 and 400 for a covered body over the
    /// limit or unreadable); 500 when no verifier is managed; 413 and 400 for a body
    /// a [`SignedBody`](crate::SignedBody) could not read whole.
    pub fn status(&self) -> Status {
        match self {
            ApproovRejection::Rejected(reason) => Status::new(reason.status()),
            ApproovRejection::NotConfigured => Status::InternalServerError,
            ApproovRejection::PayloadTooLarge => Status::PayloadTooLarge,
            ApproovRejection::BodyUnreadable(_) => Status::BadRequest,
        }
    }
}

impl From<TokenRejection> for ApproovRejection {
    fn from(reason: TokenRejection) -> Self {
        ApproovRejection::Rejected(reason)
    }
}

impl fmt::Display for ApproovRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApproovRejection::Rejected(reason) => reason.fmt(f),
            ApproovRejection::NotConfigured => f.write_str(
                "no ApproovVerifier is managed: add `.manage(ApproovVerifier::from_env()?)`",
            ),
            ApproovRejection::PayloadTooLarge => {
                f.write_str("the body is longer than the data guard may read")
            }
            ApproovRejection::BodyUnreadable(kind) => write!(f, "reading the body failed: {kind}"),
        }
    }
}

impl std::error::Error for ApproovRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason()
            .map(|reason| reason as &(dyn std::error::Error + 'static))
    }
}

/// The mark an Approov guard leaves in the request's cache when it fails the
/// request, for [`crate::catchers`]. Private, so nothing outside this crate can leave
/// it; zero-sized, so the cache holds it without an allocation of its own (with one, a
/// flood of refusals cost about 600 instructions a request more in `malloc`).
struct Refused;

/// The status `rejection` fails the request with; the request is marked for the
/// catchers.
pub(crate) fn failure(
    request: &Request<'_>,
    rejection: ApproovRejection,
) -> (Status, ApproovRejection) {
    request.local_cache(|| Refused);
    (rejection.status(), rejection)
}

/// Whether an Approov guard failed the request, for [`crate::catchers`].
pub(crate) fn refused_by_approov(request: &Request<'_>) -> bool {
    // Rocket's cache has no lookup that leaves the cache as it was: `local_cache` marks
    // an unmarked request, and whether it had to is the answer. The catcher asks once.
    let mut unmarked = false;
    request.local_cache(|| {
        unmarked = true;
        Refused
    });
    !unmarked
}
