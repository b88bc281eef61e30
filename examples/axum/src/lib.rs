//! The axum example's routes: `/unprotected`, `/token-check` and `/token-binding`.
//! `main.rs` serves them.
#![forbid(unsafe_code)]

use approov_axum::{ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use example_support::HELLO;

/// The example's routes, checking tokens with `verifier`.
pub fn app(verifier: ApproovVerifier) -> Router {
    // A bound route, protected by the layer. `route_layer` keeps unknown paths at 404.
    let bound = Router::new()
        .route("/token-binding", get(hello))
        .route_layer(ApproovLayer::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION));

    Router::new()
        .route("/unprotected", get(hello))
        // One route protected by the extractor; the verifier is the router's state.
        .route("/token-check", get(token_check))
        .with_state(verifier)
        .merge(bound)
}

async fn token_check(ApproovToken(_claims): ApproovToken) -> impl IntoResponse {
    hello().await
}

async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HELLO)
}
