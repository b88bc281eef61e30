//! The approov-rs example server for axum: `cargo run -p example-axum -- --demo`.
//!
//! This file is the whole integration. `demo.rs` runs the example: the command line,
//! `--demo`, `HOST`/`PORT`, logging, the SIGHUP key reload and the shutdown signal.
#![forbid(unsafe_code)]

mod demo;

use approov_axum::{
    ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader, BindingHeaders, BoundApproovToken,
};
use axum::{http::header::CONTENT_TYPE, response::IntoResponse, routing::get, Router};

/// The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

pub(crate) fn app(verifier: ApproovVerifier) -> Router {
    // A group of routes behind the layer; `route_layer` keeps unknown paths at 404.
    let bound = Router::new()
        .route("/token-binding", get(hello))
        .route_layer(ApproovLayer::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION));
    // Token, then the installation message signature over the request (and its body).
    let signed = Router::new()
        .route("/token-message-signing", get(hello).post(hello))
        .route_layer(ApproovLayer::new(verifier.clone()).message_signed());
    // Single routes protected by their handler's argument; the verifier is the state.
    Router::new()
        .route("/unprotected", get(hello))
        .route("/token-check", get(|_: ApproovToken| hello()))
        .route(
            "/token-double-binding",
            get(|_: BoundApproovToken<AuthorizationAndSessionId>| hello()),
        )
        .with_state(verifier)
        .merge(bound)
        .merge(signed)
}

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HELLO)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The command line (`--demo`), HOST and PORT; logging to stderr.
    let options = demo::Options::from_args("example-axum", 8002);
    let verifier = if options.demo {
        options.demo_verifier()
    } else {
        ApproovVerifier::from_env()?
    };
    options.reload_keys_on_sighup(&verifier); // SIGHUP: re-read the keys, swap them in at once
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| options.cannot_listen(e))?;
    options.listening(listener.local_addr()?);

    // On SIGTERM or Ctrl-C: stop accepting, let the requests in flight finish.
    axum::serve(listener, app(verifier))
        .with_graceful_shutdown(demo::shutdown_signal())
        .await?;
    Ok(())
}
