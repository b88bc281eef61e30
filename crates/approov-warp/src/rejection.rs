//! The rejection, and the recover function that answers it.

use std::fmt;

use http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Rejection;

use crate::{TokenRejection, Verification};

/// The rejection of [`token`](crate::token), [`bound_token`](crate::bound_token),
/// [`optional_token`](crate::optional_token) and
/// [`message_signed_token`](crate::message_signed_token) when a request fails the
/// check in enforce mode.
///
/// [`recover`] answers it with [`status`](Self::status), `Content-Type:
/// application/json` and the body `{}`, whatever the reason: a client learns nothing
/// about why. The status is 401, except for two reasons that are not about whether the
/// request is genuine: a body a message signature covers that is over the limit is
/// 413, one that cannot be read 400. The reason is already logged;
/// [`reason`](Self::reason) is for your own code.
///
/// To answer it yourself, find it in a recover function of your own, and keep
/// [`recover`] after yours for the body rejection of `message_signed_token` that is
/// not an Approov refusal (400 for a body that cannot be read):
///
/// ```
/// use approov_warp::ApproovRejection;
/// use warp::reply::{Reply, Response};
///
/// async fn answer(rejection: warp::Rejection) -> Result<Response, warp::Rejection> {
///     match rejection.find::<ApproovRejection>() {
///         Some(approov) => Ok(warp::reply::with_status(
///             warp::reply::json(&serde_json::json!({ "code": approov.reason().map(|r| r.code()) })),
///             approov.status(),
///         )
///         .into_response()),
///         None => Err(rejection),
///     }
/// }
/// ```
///
/// It has the same shape in every approov-rs adapter. [`NotConfigured`](Self::NotConfigured)
/// is there for that reason only: warp's filters are given their verifier, so they
/// always run the check and never reject with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApproovRejection {
    /// The request failed the check: answered with [`TokenRejection::status`], 401
    /// (413 or 400 for a signed body over the limit or unreadable).
    Rejected(TokenRejection),
    /// No check could run, a set-up mistake answered 500 by the adapters where a
    /// route can lack its verifier. Never returned by approov-warp.
    NotConfigured,
}

impl ApproovRejection {
    /// Why the request was refused; `None` only for
    /// [`NotConfigured`](Self::NotConfigured), which approov-warp never returns.
    pub fn reason(&self) -> Option<&TokenRejection> {
        match self {
            ApproovRejection::Rejected(reason) => Some(reason),
            ApproovRejection::NotConfigured => None,
        }
    }

    /// The status [`recover`] answers with: the reason's (401, or 413/400 for a
    /// signed body over the limit or unreadable); 500 for
    /// [`NotConfigured`](Self::NotConfigured).
    pub fn status(&self) -> StatusCode {
        match self {
            ApproovRejection::Rejected(reason) => {
                StatusCode::from_u16(reason.status()).unwrap_or(StatusCode::UNAUTHORIZED)
            }
            ApproovRejection::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
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
            ApproovRejection::NotConfigured => f.write_str("no Approov check could run"),
        }
    }
}

impl std::error::Error for ApproovRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason()
            .map(|reason| reason as &(dyn std::error::Error + 'static))
    }
}

impl warp::reject::Reject for ApproovRejection {}

/// The verification, or the rejection when it refuses the request (it failed, in
/// enforce mode).
pub(crate) fn enforce(verification: Verification) -> Result<Verification, Rejection> {
    verification
        .enforce()
        .map_err(|reason| warp::reject::custom(ApproovRejection::from(reason)))
}

/// Why [`message_signed_token`](crate::message_signed_token) could not hand the body
/// on, when that is not an Approov refusal. Private: [`recover`] answers it.
#[derive(Debug)]
pub(crate) enum BodyRejection {
    /// Reading it failed: 400.
    Unreadable,
}

impl warp::reject::Reject for BodyRejection {}

/// Answers an [`ApproovRejection`] with its [`status`](ApproovRejection::status) (401,
/// or 413/400 for a signed body over the limit or unreadable), `Content-Type:
/// application/json` and the body `{}`, and passes every other rejection on
/// untouched. Use it with `routes.recover(approov_warp::recover)` on the combined
/// routes (after every `or()`), and before your own recover function if you have one.
///
/// It looks for the Approov rejection among all the causes warp combined, so a
/// sibling route's 404 or 405 never hides it. It also answers, with the same `{}`,
/// the rejection of [`message_signed_token`](crate::message_signed_token) that is not
/// an Approov refusal: 400 for a body that cannot be read.
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE").unwrap();
/// let list = warp::path!("orders")
///     .and(warp::get())
///     .and(approov_warp::token(verifier))
///     .map(|_: ApproovToken| "orders");
/// let create = warp::path!("orders").and(warp::post()).map(|| "created");
/// let routes = create.or(list).recover(approov_warp::recover);
///
/// // The POST route's 405 does not hide the GET route's 401.
/// let response = warp::test::request().path("/orders").reply(&routes).await;
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// assert_eq!(response.body(), "{}");
/// // Other rejections pass on: an unknown path is still 404.
/// let response = warp::test::request().path("/nowhere").reply(&routes).await;
/// assert_eq!(response.status(), 404);
/// # }
/// ```
pub async fn recover(rejection: Rejection) -> Result<Response, Rejection> {
    if let Some(approov) = rejection.find::<ApproovRejection>() {
        return Ok(empty_json(approov.status()));
    }
    match rejection.find::<BodyRejection>() {
        Some(BodyRejection::Unreadable) => Ok(empty_json(StatusCode::BAD_REQUEST)),
        None => Err(rejection),
    }
}

fn empty_json(status: StatusCode) -> Response {
    // Built directly: every refused request comes here, and `with_header` would parse
    // and copy the header value each time.
    let mut response = Response::new("{}".into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
