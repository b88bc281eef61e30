//! The rejection, and the recover function that answers it.

use approov_core::TokenRejection;
use http::{header, StatusCode};
use warp::reply::{Reply, Response};
use warp::Rejection;

/// The rejection of [`token`](crate::token) and [`bound_token`](crate::bound_token).
/// [`recover`] answers it with 401 `{}`; the reason is already logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproovRejection(pub(crate) TokenRejection);

impl ApproovRejection {
    /// Why the token was rejected.
    pub fn reason(&self) -> TokenRejection {
        self.0
    }
}

impl warp::reject::Reject for ApproovRejection {}

/// Answers an [`ApproovRejection`] with 401, `Content-Type: application/json` and the
/// body `{}`, and passes every other rejection on untouched. Use it with
/// `routes.recover(approov_warp::recover)` on the combined routes (after every
/// `or()`), or before your own recover function.
///
/// It looks for the Approov rejection among all the causes warp combined, so a
/// sibling route's 404 or 405 never hides it.
pub async fn recover(rejection: Rejection) -> Result<Response, Rejection> {
    if rejection.find::<ApproovRejection>().is_some() {
        Ok(unauthorized())
    } else {
        Err(rejection)
    }
}

fn unauthorized() -> Response {
    warp::reply::with_status(
        warp::reply::with_header("{}", header::CONTENT_TYPE, "application/json"),
        StatusCode::UNAUTHORIZED,
    )
    .into_response()
}
