//! The extractor's error, and the one response every rejection becomes.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use approov_core::TokenRejection;

/// Why [`ApproovToken`](crate::ApproovToken) refused a request. As a response it is
/// 401 with `Content-Type: application/json` and the body `{}`, whatever the reason;
/// the reason is already logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproovError {
    /// The token was rejected.
    Rejected(TokenRejection),
    /// No [`ApproovVerifier`](approov_core::ApproovVerifier) in the app data, and no
    /// [`Approov`](crate::Approov) middleware ran: a set-up mistake, answered 500.
    NotConfigured,
}

impl std::fmt::Display for ApproovError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApproovError::Rejected(reason) => reason.fmt(f),
            ApproovError::NotConfigured => f.write_str(
                "no ApproovVerifier in the app data: add `.app_data(web::Data::new(verifier))`",
            ),
        }
    }
}

impl std::error::Error for ApproovError {}

impl From<TokenRejection> for ApproovError {
    fn from(reason: TokenRejection) -> Self {
        ApproovError::Rejected(reason)
    }
}

impl ResponseError for ApproovError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApproovError::Rejected(_) => StatusCode::UNAUTHORIZED,
            ApproovError::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApproovError::Rejected(_) => unauthorized(),
            ApproovError::NotConfigured => HttpResponse::InternalServerError().finish(),
        }
    }
}

/// 401, `application/json`, `{}`.
pub(crate) fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .content_type(ContentType::json())
        .body("{}")
}
