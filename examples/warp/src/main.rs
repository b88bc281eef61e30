//! The warp example: `/unprotected`, `/token-check` and `/token-binding`.
use approov_warp::ApproovClaims;
use example_support::{Example, HELLO};
use warp::http::header::CONTENT_TYPE;
use warp::{Filter, Reply};

#[tokio::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-warp", 8005);

    // Path and method first, the token filter last: unknown paths stay 404.
    let unprotected = warp::path!("unprotected").and(warp::get()).map(hello);
    let token_check = warp::path!("token-check")
        .and(warp::get())
        .and(approov_warp::token(verifier.clone()))
        .map(|_claims: ApproovClaims| hello());
    let token_binding = warp::path!("token-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(verifier, "authorization"))
        .map(|_claims: ApproovClaims| hello());

    // `recover` after every `or()`: Approov's rejection becomes 401 `{}`, the rest
    // (404, 405) pass on untouched.
    let routes = unprotected
        .or(token_check)
        .or(token_binding)
        .recover(approov_warp::recover);

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => example_support::fail("example-warp", format!("cannot listen on {addr}: {e}")),
    };
    tracing::info!("example-warp listening on http://{addr}");
    warp::serve(routes).incoming(listener).run().await;
}

fn hello() -> impl Reply {
    warp::reply::with_header(HELLO, CONTENT_TYPE, "application/json")
}
