//! The rejection, and the one response every rejection becomes.

use approov_core::TokenRejection;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

/// Why [`ApproovToken`](crate::ApproovToken) or [`ApproovLayer`](crate::ApproovLayer)
/// refused a request. It responds 401 with `Content-Type: application/json` and the
/// body `{}`, whatever the reason; [`reason`](Self::reason) is for your own code (the
/// reason is already logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproovRejection(TokenRejection);

impl ApproovRejection {
    /// Why the token was rejected.
    pub fn reason(&self) -> TokenRejection {
        self.0
    }
}

impl From<TokenRejection> for ApproovRejection {
    fn from(reason: TokenRejection) -> Self {
        ApproovRejection(reason)
    }
}

impl std::fmt::Display for ApproovRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ApproovRejection {}

impl IntoResponse for ApproovRejection {
    fn into_response(self) -> Response {
        unauthorized()
    }
}

/// 401, `application/json`, `{}`.
pub(crate) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        "{}",
    )
        .into_response()
}
