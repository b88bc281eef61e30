//! The rejection, and the recover function that answers it.

use http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Rejection;

use crate::TokenRejection;

/// The rejection of [`token`](crate::token), [`bound_token`](crate::bound_token),
/// [`optional_token`](crate::optional_token) and
/// [`message_signed_token`](crate::message_signed_token) when a request fails the
/// check in enforce mode. [`recover`] answers it with 401 `{}`; the reason is already
/// logged.
///
/// To answer it yourself, find it in a recover function of your own, and keep
/// [`recover`] after yours for the body rejections of `message_signed_token` (413,
/// 400):
///
/// ```
/// use approov_warp::ApproovRejection;
/// use warp::http::StatusCode;
/// use warp::reply::{Reply, Response};
///
/// async fn answer(rejection: warp::Rejection) -> Result<Response, warp::Rejection> {
///     match rejection.find::<ApproovRejection>() {
///         Some(approov) => Ok(warp::reply::with_status(
///             warp::reply::json(&serde_json::json!({ "code": approov.reason().code() })),
///             StatusCode::UNAUTHORIZED,
///         )
///         .into_response()),
///         None => Err(rejection),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproovRejection(TokenRejection);

impl ApproovRejection {
    pub(crate) fn new(reason: TokenRejection) -> Self {
        ApproovRejection(reason)
    }

    /// Why the request was refused.
    pub fn reason(&self) -> &TokenRejection {
        &self.0
    }
}

impl warp::reject::Reject for ApproovRejection {}

/// Why [`message_signed_token`](crate::message_signed_token) could not hand the body
/// on, when that is not an Approov refusal. Private: [`recover`] answers it.
#[derive(Debug)]
pub(crate) enum BodyRejection {
    /// Longer than the message-signing body limit: 413.
    TooLarge,
    /// Reading it failed: 400.
    Unreadable,
}

impl warp::reject::Reject for BodyRejection {}

/// Answers an [`ApproovRejection`] with 401, `Content-Type: application/json` and the
/// body `{}`, and passes every other rejection on untouched. Use it with
/// `routes.recover(approov_warp::recover)` on the combined routes (after every
/// `or()`), and before your own recover function if you have one.
///
/// It looks for the Approov rejection among all the causes warp combined, so a
/// sibling route's 404 or 405 never hides it. It also answers the two body rejections
/// of [`message_signed_token`](crate::message_signed_token) that are not Approov
/// refusals, with the same `{}`: 413 for a body longer than the limit that the
/// signature does not cover (or in monitor mode), 400 for a body that cannot be read.
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ").unwrap();
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
    if rejection.find::<ApproovRejection>().is_some() {
        return Ok(empty_json(StatusCode::UNAUTHORIZED));
    }
    match rejection.find::<BodyRejection>() {
        Some(BodyRejection::TooLarge) => Ok(empty_json(StatusCode::PAYLOAD_TOO_LARGE)),
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
