//! The extractors' error, and the one response every refusal becomes.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::TokenRejection;

/// Why [`ApproovToken`](crate::ApproovToken), [`BoundApproovToken`](crate::BoundApproovToken)
/// or [`OptionalApproovToken`](crate::OptionalApproovToken) refused a request.
///
/// It is a [`ResponseError`]: 401, `Content-Type: application/json`, body `{}`,
/// whatever the reason, so a client learns nothing about why. The reason is already
/// logged; [`reason`](Self::reason) is for your own code.
///
/// To answer something else on one route, take `Result<ApproovToken, ApproovError>` as
/// the handler argument (actix-web's own way of seeing an extractor's error):
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use approov_actix::{ApproovError, ApproovToken, ApproovVerifier};
///
/// async fn orders(token: Result<ApproovToken, ApproovError>) -> HttpResponse {
///     match token {
///         Ok(_) => HttpResponse::Ok().body("your orders"),
///         // `error.reason()` says why (already logged); tell the client less.
///         Err(error) => HttpResponse::build(error.status())
///             .body(format!("please update the app ({})", error.reason().map_or("", |r| r.code()))),
///     }
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), approov_actix::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
/// let verifier = ApproovVerifier::from_env()?;
/// let app = test::init_service(
///     App::new()
///         .app_data(web::Data::new(verifier))
///         .route("/orders", web::get().to(orders)),
/// )
/// .await;
/// let response = test::call_service(&app, test::TestRequest::get().uri("/orders").to_request()).await;
/// assert_eq!(response.status(), 401);
/// assert_eq!(test::read_body(response).await, "please update the app (missing_approov_token)");
/// # Ok(())
/// # }
/// ```
///
/// To change every refusal at once, including the [`Approov`](crate::Approov)
/// middleware's (an ordinary 401 response), use actix-web's
/// [`ErrorHandlers`](actix_web::middleware::ErrorHandlers) for status 401: see the
/// crate docs.
///
/// One refusal is not about a token: an extractor with no [`Approov`](crate::Approov)
/// middleware in front of it and no [`ApproovVerifier`](crate::ApproovVerifier) in the
/// app data. That is a bug in the server's set-up, not in the request: it is logged at
/// `error` and answered 500 `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApproovError {
    /// The token was refused: 401.
    Rejected(TokenRejection),
    /// No [`ApproovVerifier`](crate::ApproovVerifier) in the app data, and no
    /// [`Approov`](crate::Approov) middleware ran: a set-up mistake, answered 500.
    NotConfigured,
}

impl ApproovError {
    /// Why the token was refused; `None` for [`ApproovError::NotConfigured`].
    pub fn reason(&self) -> Option<&TokenRejection> {
        match self {
            ApproovError::Rejected(reason) => Some(reason),
            ApproovError::NotConfigured => None,
        }
    }

    /// The status of the response: 401, or 500 for [`ApproovError::NotConfigured`].
    pub fn status(&self) -> StatusCode {
        match self {
            ApproovError::Rejected(_) => StatusCode::UNAUTHORIZED,
            ApproovError::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for ApproovError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApproovError::Rejected(reason) => reason.fmt(f),
            ApproovError::NotConfigured => f.write_str(NOT_CONFIGURED),
        }
    }
}

impl std::error::Error for ApproovError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApproovError::Rejected(reason) => Some(reason),
            ApproovError::NotConfigured => None,
        }
    }
}

impl From<TokenRejection> for ApproovError {
    fn from(reason: TokenRejection) -> Self {
        ApproovError::Rejected(reason)
    }
}

impl ResponseError for ApproovError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        json_empty(self.status())
    }
}

/// What is logged, and displayed, for an extractor that can run no check.
pub(crate) const NOT_CONFIGURED: &str = "an Approov extractor found no Approov middleware in \
     front of the route and no ApproovVerifier in the app data: add \
     `.app_data(web::Data::new(verifier))` or `.wrap(Approov::new(verifier))`";

/// 401, `application/json`, `{}`.
pub(crate) fn unauthorized() -> HttpResponse {
    json_empty(StatusCode::UNAUTHORIZED)
}

fn json_empty(status: StatusCode) -> HttpResponse {
    // The header value from a static: `ContentType::json()` would format and copy it
    // for every refused request.
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        ))
        .body("{}")
}
