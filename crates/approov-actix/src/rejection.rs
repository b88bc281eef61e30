//! The rejection, and the one response every refusal becomes.

use std::fmt;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use approov_core::TokenRejection;

/// Why [`ApproovToken`](crate::ApproovToken), [`BoundApproovToken`](crate::BoundApproovToken)
/// or [`OptionalApproovToken`](crate::OptionalApproovToken) refused a request.
///
/// It is a [`ResponseError`]: 401, `Content-Type: application/json`, body `{}`,
/// whatever the reason, so a client learns nothing about why (two statuses are not
/// about the token: a body a message signature covers that is over the limit is 413,
/// one that cannot be read 400, with the same `{}`). The reason is already logged;
/// [`reason`](Self::reason) is for your own code.
///
/// To answer something else on one route, take `Result<ApproovToken, ApproovRejection>`
/// as the handler argument (actix-web's own way of seeing an extractor's error):
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use approov_actix::{ApproovRejection, ApproovToken, ApproovVerifier};
///
/// async fn orders(token: Result<ApproovToken, ApproovRejection>) -> HttpResponse {
///     match token {
///         Ok(_) => HttpResponse::Ok().body("your orders"),
///         // `rejection.reason()` says why (already logged); tell the client less.
///         Err(rejection) => HttpResponse::build(rejection.status()).body(format!(
///             "please update the app ({})",
///             rejection.reason().map_or("", |reason| reason.code())
///         )),
///     }
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), approov_actix::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
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
/// middleware's (an ordinary response), use actix-web's
/// [`ErrorHandlers`](actix_web::middleware::ErrorHandlers) for status 401: see the
/// crate docs.
///
/// One refusal is not about a token: an extractor with no [`Approov`](crate::Approov)
/// middleware in front of it and no [`ApproovVerifier`](crate::ApproovVerifier) in the
/// app data. That is a bug in the server's set-up, not in the request: it is logged at
/// `error` and answered 500 `{}` ([`ApproovRejection::NotConfigured`]), and
/// [`reason`](Self::reason) is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApproovRejection {
    /// The request failed the check: answered with [`TokenRejection::status`], 401
    /// (413 or 400 for a signed body over the limit or unreadable).
    Rejected(TokenRejection),
    /// No [`ApproovVerifier`](crate::ApproovVerifier) in the app data, and no
    /// [`Approov`](crate::Approov) middleware ran: a set-up mistake, answered 500.
    NotConfigured,
}

impl ApproovRejection {
    /// Why the request was refused; `None` when the route could run no check at all
    /// ([`ApproovRejection::NotConfigured`]).
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

impl ResponseError for ApproovRejection {
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

/// The status a refusal for `reason` answers with.
pub(crate) fn status_of(reason: &TokenRejection) -> StatusCode {
    StatusCode::from_u16(reason.status()).unwrap_or(StatusCode::UNAUTHORIZED)
}

/// `status`, `application/json`, `{}`: every refusal's response.
pub(crate) fn json_empty(status: StatusCode) -> HttpResponse {
    // The header value from a static: `ContentType::json()` would format and copy it
    // for every refused request.
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        ))
        .body("{}")
}
