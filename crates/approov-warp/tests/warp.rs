//! The warp adapter, driven in-process with `warp::test::request()` (and
//! `warp::service` for repeated headers, which the test builder cannot send: see
//! `approov_testkit::warp`).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use approov_testkit::warp::get as send;
use approov_testkit::{cases, Report, TestSecret, HELLO_BODY};
use approov_warp::{ApproovClaims, ApproovVerifier};
use http::header::CONTENT_TYPE;
use warp::filters::BoxedFilter;
use warp::{Filter, Reply};

fn hello() -> warp::reply::Response {
    warp::reply::with_header(HELLO_BODY, CONTENT_TYPE, "application/json").into_response()
}

/// The contract's routes in the reverse `or()` order of the example (which the
/// conformance suite runs): the answers must not depend on the order.
fn contract_routes(verifier: ApproovVerifier) -> BoxedFilter<(warp::reply::Response,)> {
    let token_binding = warp::path!("token-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(verifier.clone(), "Authorization"))
        .map(|_: ApproovClaims| hello());
    let token_check = warp::path!("token-check")
        .and(warp::get())
        .and(approov_warp::token(verifier))
        .map(|_: ApproovClaims| hello());
    let unprotected = warp::path!("unprotected").and(warp::get()).map(hello);
    token_binding
        .or(token_check)
        .unify()
        .or(unprotected)
        .unify()
        .recover(approov_warp::recover)
        .unify()
        .boxed()
}

#[tokio::test]
async fn filters_in_any_or_order_answer_every_case_of_the_table() {
    let secret = TestSecret::new();
    let routes = contract_routes(secret.verifier());
    let mut report = Report::new("warp (filters)");
    for case in cases(&secret) {
        report.record(
            &case,
            &send(&routes, case.route.path(), &case.header_pairs()).await,
            false,
        );
    }
    report.finish();
}

#[tokio::test]
async fn claims_reach_the_handler() {
    let secret = TestSecret::new();
    let routes = warp::path!("did")
        .and(approov_warp::token(secret.verifier()))
        .map(|claims: ApproovClaims| claims.did.unwrap_or_default())
        .recover(approov_warp::recover);
    let token = secret.token(60, None);
    let got = send(&routes, "/did", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(
        (got.status, got.body),
        (200, b"ExampleApproovDeviceID==".to_vec())
    );
}

#[tokio::test]
async fn a_rejected_token_beside_or_routes_still_answers_401() {
    let secret = TestSecret::new();
    // A GET route with the token, and siblings on the same path with other methods
    // and on other paths: their 405 and 404 rejections must not hide the 401.
    let get = warp::path!("orders")
        .and(warp::get())
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovClaims| "list");
    let post = warp::path!("orders").and(warp::post()).map(|| "create");
    let other = warp::path!("health").map(|| "ok");
    let routes = other
        .or(post)
        .or(get.clone())
        .recover(approov_warp::recover);
    let got = send(&routes, "/orders", &[("approov-token", b"garbage")]).await;
    assert_eq!((got.status, got.body), (401, b"{}".to_vec()));
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    let routes = get.or(post).or(other).recover(approov_warp::recover);
    assert_eq!(send(&routes, "/orders", &[]).await.status, 401);
    // What it must not change: unknown paths are 404, a valid token gets through.
    assert_eq!(
        send(&routes, "/nope", &[("approov-token", b"garbage")])
            .await
            .status,
        404
    );
    let token = secret.token(60, None);
    let ok = send(&routes, "/orders", &[("approov-token", token.as_bytes())]).await;
    assert_eq!((ok.status, ok.body), (200, b"list".to_vec()));
}

#[tokio::test]
async fn a_recover_that_looks_for_405_first_loses_the_401() {
    // The trap the docs describe: the same routes, with a handler that answers
    // 405 before approov_warp::recover sees the rejection.
    async fn method_first(
        rejection: warp::Rejection,
    ) -> Result<warp::reply::Response, warp::Rejection> {
        match rejection.find::<warp::reject::MethodNotAllowed>() {
            Some(_) => Ok(
                warp::reply::with_status("", http::StatusCode::METHOD_NOT_ALLOWED).into_response(),
            ),
            None => Err(rejection),
        }
    }
    let secret = TestSecret::new();
    let get = warp::path!("orders")
        .and(warp::get())
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovClaims| "list");
    let post = warp::path!("orders").and(warp::post()).map(|| "create");
    let wrong = get
        .clone()
        .or(post)
        .recover(method_first)
        .recover(approov_warp::recover);
    assert_eq!(send(&wrong, "/orders", &[]).await.status, 405);
    let right = get
        .or(post)
        .recover(approov_warp::recover)
        .recover(method_first);
    assert_eq!(send(&right, "/orders", &[]).await.status, 401);
}

#[tokio::test]
async fn without_recover_warp_would_answer_500_and_recover_passes_others_on() {
    let secret = TestSecret::new();
    let bare = warp::path!("x")
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovClaims| "x");
    assert_eq!(
        send(&bare, "/x", &[]).await.status,
        500,
        "the trap recover exists for"
    );
    let recovered = bare.recover(approov_warp::recover);
    assert_eq!(send(&recovered, "/x", &[]).await.status, 401);
    assert_eq!(send(&recovered, "/y", &[]).await.status, 404);
}

#[tokio::test]
async fn the_token_filter_before_the_path_turns_404_into_401() {
    // Documented as the wrong composition: kept here so the docs stay true.
    let secret = TestSecret::new();
    let wrong = approov_warp::token(secret.verifier())
        .and(warp::path!("x"))
        .map(|_: ApproovClaims| "x")
        .recover(approov_warp::recover);
    assert_eq!(send(&wrong, "/unknown", &[]).await.status, 401);
}

#[tokio::test]
async fn a_group_of_routes_behind_one_filter() {
    let secret = TestSecret::new();
    let orders = warp::path!("orders").map(|| "orders");
    let users = warp::path!("users").map(|| "users");
    let api = warp::path("api")
        .and(approov_warp::token(secret.verifier()))
        .and(orders.or(users))
        .map(|_: ApproovClaims, reply| reply);
    let routes = warp::path!("health")
        .map(|| "ok")
        .or(api)
        .recover(approov_warp::recover);
    let token = secret.token(60, None);
    let with = [("approov-token", token.as_bytes())];
    assert_eq!(send(&routes, "/api/users", &with).await.body, b"users");
    assert_eq!(send(&routes, "/api/orders", &[]).await.status, 401);
    assert_eq!(send(&routes, "/health", &[]).await.status, 200);
    assert_eq!(send(&routes, "/elsewhere", &[]).await.status, 404);
}

#[tokio::test]
async fn binding_to_another_header() {
    let secret = TestSecret::new();
    let routes = approov_warp::bound_token(secret.verifier(), "X-Device-Id")
        .map(|_: ApproovClaims| "ok")
        .recover(approov_warp::recover);
    let token = secret.token(60, Some("device-42"));
    let token = token.as_bytes();
    assert_eq!(
        send(
            &routes,
            "/",
            &[("approov-token", token), ("x-device-id", b"device-42")]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        send(
            &routes,
            "/",
            &[("approov-token", token), ("x-device-id", b"device-43")]
        )
        .await
        .status,
        401
    );
}
