//! The actix-web example's routes: `/unprotected`, `/token-check` and
//! `/token-binding`. `main.rs` serves them.
#![forbid(unsafe_code)]

use actix_web::{http::header::ContentType, web, HttpResponse};
use approov_actix::{Approov, ApproovToken, ApproovVerifier, BindingHeader};
use example_support::HELLO;

/// The example's routes, checking tokens with `verifier`: for `App::configure`.
pub fn routes(verifier: ApproovVerifier) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            // The extractor finds the verifier in the app data.
            .app_data(web::Data::new(verifier.clone()))
            .route("/unprotected", web::get().to(hello))
            .route("/token-check", web::get().to(token_check))
            // The middleware protects a resource (or a scope), here with binding.
            .service(
                web::resource("/token-binding")
                    .wrap(Approov::new(verifier).bound_to(BindingHeader::AUTHORIZATION))
                    .route(web::get().to(hello)),
            );
    }
}

async fn token_check(ApproovToken(_claims): ApproovToken) -> HttpResponse {
    hello().await
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(HELLO)
}
