//! The actix-web example server: `cargo run -p example-actix -- --demo`.
//!
//! This file is the whole integration. `demo.rs` runs the example: the command line,
//! `--demo`, `HOST`/`PORT`, logging, the SIGHUP key reload and the shutdown signal.
#![forbid(unsafe_code)]

mod demo;

use actix_web::http::header::ContentType;
use actix_web::{web, App, HttpResponse, HttpServer};
use approov_actix::{
    Approov, ApproovToken, ApproovVerifier, BindingHeader, BindingHeaders, BoundApproovToken,
};

/// The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

/// The routes, for `App::new().configure(routes(verifier))`.
pub(crate) fn routes(verifier: ApproovVerifier) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            // The extractors find the verifier in the app data.
            .app_data(web::Data::new(verifier.clone()))
            .route("/unprotected", web::get().to(hello))
            .route("/token-check", web::get().to(|_: ApproovToken| hello()))
            // The middleware protects a resource (or a scope), here bound to `Authorization`.
            .service(
                web::resource("/token-binding")
                    .wrap(Approov::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION))
                    .route(web::get().to(hello)),
            )
            // The bound extractor, its binding named by a type.
            .route(
                "/token-double-binding",
                web::get().to(|_: BoundApproovToken<AuthorizationAndSessionId>| hello()),
            )
            // A token and the app's installation message signature (the body too, if signed).
            .service(
                web::resource("/token-message-signing")
                    .wrap(Approov::new(verifier).message_signed())
                    .route(web::get().to(hello))
                    .route(web::post().to(hello)),
            );
    }
}

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(HELLO)
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The command line (`--demo`), HOST and PORT; logging to stderr.
    let options = demo::Options::from_args("example-actix", 8003);
    let verifier = if options.demo {
        options.demo_verifier()
    } else {
        ApproovVerifier::from_env()?
    };
    options.reload_keys_on_sighup(&verifier); // SIGHUP: re-read the keys, swap them in at once
    let server = HttpServer::new(move || App::new().configure(routes(verifier.clone())))
        // On SIGTERM or Ctrl-C: stop accepting, and give the requests in flight 10 s.
        .shutdown_signal(demo::shutdown_signal())
        .shutdown_timeout(demo::SHUTDOWN_GRACE.as_secs())
        .bind(options.addr)
        .map_err(|e| options.cannot_listen(e))?;
    options.listening(server.addrs().first().copied().unwrap_or(options.addr));
    server.run().await?;
    Ok(())
}
