//! The actix-web example: `/unprotected`, `/token-check` and `/token-binding`.
use actix_web::{http::header::ContentType, web, App, HttpResponse, HttpServer};
use approov_actix::{Approov, ApproovToken, BindingHeader};
use example_support::{Example, HELLO};

#[actix_web::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-actix", 8003);
    let server = HttpServer::new(move || {
        App::new()
            // The extractor finds the verifier in the app data.
            .app_data(web::Data::new(verifier.clone()))
            .route("/unprotected", web::get().to(hello))
            .route("/token-check", web::get().to(token_check))
            // The middleware protects a resource (or a scope), here with binding.
            .service(
                web::resource("/token-binding")
                    .wrap(Approov::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION))
                    .route(web::get().to(hello)),
            )
    });
    let server = match server.bind(addr) {
        Ok(server) => server,
        Err(e) => example_support::fail("example-actix", format!("cannot listen on {addr}: {e}")),
    };
    tracing::info!("example-actix listening on http://{addr}");
    if let Err(e) = server.run().await {
        example_support::fail("example-actix", e);
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
