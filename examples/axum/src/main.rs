//! The axum example: `/unprotected`, `/token-check` and `/token-binding`.
use approov_axum::{ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use example_support::{Example, HELLO};

#[tokio::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-axum", 8002);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => example_support::fail("example-axum", format!("cannot listen on {addr}: {e}")),
    };
    tracing::info!("example-axum listening on http://{addr}");
    if let Err(e) = axum::serve(listener, app(verifier)).await {
        example_support::fail("example-axum", e);
    }
}

fn app(verifier: ApproovVerifier) -> Router {
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
