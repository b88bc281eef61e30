//! The warp example's routes: `/unprotected`, `/token-check` and `/token-binding`.
//! `main.rs` serves them.
#![forbid(unsafe_code)]

use approov_warp::{ApproovClaims, ApproovVerifier};
use example_support::HELLO;
use warp::filters::BoxedFilter;
use warp::http::header::CONTENT_TYPE;
use warp::reply::Response;
use warp::{Filter, Reply};

/// The example's routes, checking tokens with `verifier`.
pub fn routes(verifier: ApproovVerifier) -> BoxedFilter<(Response,)> {
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
    unprotected
        .or(token_check)
        .unify()
        .or(token_binding)
        .unify()
        .recover(approov_warp::recover)
        .unify()
        .boxed()
}

fn hello() -> Response {
    warp::reply::with_header(HELLO, CONTENT_TYPE, "application/json").into_response()
}
