//! The rejection, and the one response every refusal becomes.

use std::fmt;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::TokenRejection;

/// Why [`ApproovToken`](crate::ApproovToken) or
/// [`BoundApproovToken`](crate::BoundApproovToken) refused a request.
///
/// As a response it is 401, `Content-Type: application/json`, body `{}`, whatever the
/// reason: a client learns nothing about why (two statuses are not about the token: a
/// body a message signature covers that is over the limit is 413, one that cannot be
/// read 400, with the same `{}`). The reason is already logged;
/// [`reason`](Self::reason) is for your own code.
///
/// To answer something else, take `Result<ApproovToken, ApproovRejection>` as the
/// handler argument and map the error (axum's usual way to customise a rejection):
///
/// ```
/// use approov_axum::{ApproovRejection, ApproovToken};
/// use axum::response::{IntoResponse, Response};
///
/// async fn orders(token: Result<ApproovToken, ApproovRejection>) -> Response {
///     match token {
///         Ok(_) => "your orders".into_response(),
///         // `rejection.reason()` says why (already logged); tell the client less.
///         Err(rejection) => (rejection.status(), "Please update the app").into_response(),
///     }
/// }
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/orders", axum::routing::get(orders))
/// #     .with_state(approov_axum::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=").unwrap());
/// ```
///
/// One refusal is not about a token: a route whose extractor finds no check to read
/// and no verifier to run one (no [`ApproovLayer`](crate::ApproovLayer) in front of
/// it, and no [`ApproovVerifier`](crate::ApproovVerifier) as the router state or in an
/// `Extension`). That is a bug in the server's set-up, not in the request: it is
/// logged at `error` and answered 500 `{}` ([`ApproovRejection::NotConfigured`]), and
/// [`reason`](Self::reason) is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApproovRejection {
    /// The request failed the check: answered with [`TokenRejection::status`], 401
    /// (413 or 400 for a signed body over the limit or unreadable).
    Rejected(TokenRejection),
    /// No check could run: a set-up mistake (see above), answered 500.
    NotConfigured,
}

impl ApproovRejection {
    /// Why the request was refused; `None` when the route could run no check at all
    /// (a set-up error, see above).
    pub fn reason(&self) -> Option<&TokenRejection> {
        match self {
            ApproovRejection::Rejected(reason) => Some(reason),
            ApproovRejection::NotConfigured => None,
        }
    }

    /// The status of the response: the reason's (401, or 413/400 for a signed body
    /// over the limit or unreadable), or 500 for a route that could run no check.
    pub fn status(&self) -> StatusCode {
        match self {
            ApproovRejection::Rejected(reason) => status_of(reason),
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
            ApproovRejection::NotConfigured => f.write_str(NOT_CONFIGURED),
        }
    }
}

impl std::error::Error for ApproovRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason()
            .map(|reason| reason as &(dyn std::error::Error + 'static))
    }
}

impl IntoResponse for ApproovRejection {
    fn into_response(self) -> Response {
        json_empty(self.status())
    }
}

/// What is logged, and displayed, for a route that can run no check.
pub(crate) const NOT_CONFIGURED: &str = "an Approov extractor found no ApproovLayer in front \
     of the route and no ApproovVerifier as the router state or in an Extension: add one";

/// The status a refusal for `reason` answers with.
pub(crate) fn status_of(reason: &TokenRejection) -> StatusCode {
    StatusCode::from_u16(reason.status()).unwrap_or(StatusCode::UNAUTHORIZED)
}

/// `status`, `application/json`, `{}`: every refusal's response.
pub(crate) fn json_empty(status: StatusCode) -> Response {
    // Built directly: every refused request comes here, and the tuple form would set
    // the text body's own content type first, then replace it.
    let mut response = Response::new(Body::from("{}"));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
