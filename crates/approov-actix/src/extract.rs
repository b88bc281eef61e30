//! The extractor: a handler argument that is only there for a valid token.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::HeaderValue;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use approov_core::{ApproovClaims, ApproovVerifier};

use crate::ApproovError;

/// The claims of the request's valid Approov token; the request is rejected with 401
/// `{}` when there is none.
///
/// Behind the [`Approov`](crate::Approov) middleware it takes the claims the
/// middleware checked; elsewhere it verifies the token itself with the
/// [`ApproovVerifier`] in the app data (`web::Data<ApproovVerifier>`).
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use approov_actix::{ApproovToken, ApproovVerifier};
///
/// async fn hello(ApproovToken(claims): ApproovToken) -> HttpResponse {
///     HttpResponse::Ok().body(format!("device {:?}", claims.did))
/// }
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64_SECRET", "c2VjcmV0");
/// let verifier = ApproovVerifier::from_env()?;
/// let app = App::new()
///     .app_data(web::Data::new(verifier))
///     .route("/hello", web::get().to(hello));
/// # Ok(())
/// # }
/// ```
///
/// `Option<ApproovToken>` is `None` for any rejection (actix-web's rule for
/// `Option`); protect such routes with care.
#[derive(Debug, Clone)]
pub struct ApproovToken(pub ApproovClaims);

impl FromRequest for ApproovToken {
    type Error = ApproovError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(checked_claims(request).map(ApproovToken))
    }
}

fn checked_claims(request: &HttpRequest) -> Result<ApproovClaims, ApproovError> {
    if let Some(claims) = request.extensions().get::<ApproovClaims>() {
        return Ok(claims.clone());
    }
    let verifier = request
        .app_data::<web::Data<ApproovVerifier>>()
        .map(|data| data.get_ref())
        .or_else(|| request.app_data::<ApproovVerifier>());
    let Some(verifier) = verifier else {
        tracing::error!("{}", ApproovError::NotConfigured);
        return Err(ApproovError::NotConfigured);
    };
    let headers = request.headers();
    Ok(verifier.check_request(
        |name| headers.get_all(name).map(HeaderValue::as_bytes),
        None,
    )?)
}
