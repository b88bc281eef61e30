//! The axum adapter, driven in-process with `tower::ServiceExt::oneshot`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use approov_axum::{
    ApproovClaims, ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader, BindingHeaderName,
    BoundApproovToken,
};
use approov_testkit::axum as client;
use approov_testkit::{cases, Report, TestSecret, HELLO_BODY};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Json, Router};

async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HELLO_BODY)
}

/// The contract's routes, protected by the extractors.
fn extractor_app(verifier: ApproovVerifier) -> Router {
    async fn check(_: ApproovToken) -> impl IntoResponse {
        hello().await
    }
    async fn bound(_: BoundApproovToken) -> impl IntoResponse {
        hello().await
    }
    Router::new()
        .route("/unprotected", get(hello))
        .route("/token-check", get(check))
        .route("/token-binding", get(bound))
        .with_state(verifier)
}

/// The contract's routes, protected by the layer.
fn layer_app(verifier: ApproovVerifier) -> Router {
    Router::new()
        .route("/unprotected", get(hello))
        .merge(
            Router::new()
                .route("/token-check", get(hello))
                .route_layer(ApproovLayer::new(verifier.clone())),
        )
        .merge(
            Router::new()
                .route("/token-binding", get(hello))
                .route_layer(ApproovLayer::new(verifier).bound_to(BindingHeader::AUTHORIZATION)),
        )
}

async fn run_table(subject: &str, app: fn(ApproovVerifier) -> Router) {
    let secret = TestSecret::new();
    let app = app(secret.verifier());
    let mut report = Report::new(subject);
    for case in cases(&secret) {
        report.record(
            &case,
            &client::get(&app, case.route.path(), &case.header_pairs()).await,
            false,
        );
    }
    report.finish();
}

#[tokio::test]
async fn extractor_answers_every_case_of_the_table() {
    run_table("axum (extractor)", extractor_app).await;
}

#[tokio::test]
async fn layer_answers_every_case_of_the_table() {
    run_table("axum (layer)", layer_app).await;
}

#[tokio::test]
async fn claims_reach_the_handler_through_the_extractor() {
    async fn did(ApproovToken(claims): ApproovToken) -> Json<ApproovClaims> {
        Json(claims)
    }
    let secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(did))
        .with_state(secret.verifier());
    let token = secret.token(60, None);
    let got = client::get(&app, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(got.status, 200);
    let claims: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(claims["did"], "ExampleApproovDeviceID==");
    assert!(claims["iat"].is_u64());
}

#[tokio::test]
async fn claims_reach_the_handler_through_the_layer_extensions() {
    async fn exp(Extension(claims): Extension<ApproovClaims>) -> String {
        claims.exp.to_string()
    }
    let secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(exp))
        .route_layer(ApproovLayer::new(secret.verifier()));
    let token = secret.token(60, None);
    let expected = secret.verifier().verify(&token).unwrap().exp.to_string();
    let got = client::get(&app, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!((got.status, got.body), (200, expected.into_bytes()));
}

#[tokio::test]
async fn extractor_uses_the_layer_result_instead_of_verifying_again() {
    async fn did(ApproovToken(claims): ApproovToken) -> String {
        claims.did.unwrap_or_default()
    }
    // The layer knows the real secret; the state holds another. Only a verifier that
    // trusts the layer's extensions lets the request through.
    let real = TestSecret::new();
    let state_secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(did))
        .route_layer(ApproovLayer::new(real.verifier()))
        .with_state(state_secret.verifier());
    let token = real.token(60, None);
    let got = client::get(&app, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, b"ExampleApproovDeviceID==");
}

#[tokio::test]
async fn bound_extractor_still_checks_binding_behind_an_unbound_layer() {
    let secret = TestSecret::new();
    async fn bound(_: BoundApproovToken) -> &'static str {
        "ok"
    }
    let app = Router::new()
        .route("/", get(bound))
        .route_layer(ApproovLayer::new(secret.verifier()))
        .with_state(secret.verifier());
    let token = secret.token(60, Some("Bearer a"));
    let good = [
        ("approov-token", token.as_bytes()),
        ("authorization", b"Bearer a".as_slice()),
    ];
    let bad = [
        ("approov-token", token.as_bytes()),
        ("authorization", b"Bearer b".as_slice()),
    ];
    assert_eq!(client::get(&app, "/", &good).await.status, 200);
    assert_eq!(client::get(&app, "/", &bad).await.status, 401);
}

#[tokio::test]
async fn optional_token() {
    async fn maybe(token: Option<ApproovToken>) -> &'static str {
        match token {
            Some(_) => "app",
            None => "anonymous",
        }
    }
    let secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(maybe))
        .with_state(secret.verifier());
    let token = secret.token(60, None);
    let expired = secret.token(-1, None);

    let none = client::get(&app, "/", &[]).await;
    assert_eq!((none.status, none.body), (200, b"anonymous".to_vec()));
    let valid = client::get(&app, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!((valid.status, valid.body), (200, b"app".to_vec()));
    let invalid = client::get(&app, "/", &[("approov-token", expired.as_bytes())]).await;
    assert_eq!((invalid.status, invalid.body), (401, b"{}".to_vec()));
    let empty = client::get(&app, "/", &[("approov-token", b"")]).await;
    assert_eq!(empty.status, 401);
}

#[tokio::test]
async fn binding_to_another_header() {
    struct DeviceId;
    impl BindingHeaderName for DeviceId {
        const NAME: &'static str = "X-Device-Id";
    }
    async fn device(token: BoundApproovToken<DeviceId>) -> String {
        token.into_claims().exp.to_string()
    }
    let secret = TestSecret::new();
    let extractor = Router::new()
        .route("/", get(device))
        .with_state(secret.verifier());
    let layer = Router::new().route("/", get(hello)).route_layer(
        ApproovLayer::new(secret.verifier()).bound_to(BindingHeader::new("X-Device-Id")),
    );
    let token = secret.token(60, Some("device-42"));
    let right = [
        ("approov-token", token.as_bytes()),
        ("x-device-id", b"device-42".as_slice()),
    ];
    let wrong = [
        ("approov-token", token.as_bytes()),
        ("x-device-id", b"device-43".as_slice()),
    ];
    let authorization = [
        ("approov-token", token.as_bytes()),
        ("authorization", b"device-42".as_slice()),
    ];
    for app in [&extractor, &layer] {
        assert_eq!(client::get(app, "/", &right).await.status, 200);
        assert_eq!(client::get(app, "/", &wrong).await.status, 401);
        assert_eq!(client::get(app, "/", &authorization).await.status, 401);
    }
}

#[tokio::test]
async fn layer_rejects_before_the_inner_service_runs() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let secret = TestSecret::new();
    let app = Router::new()
        .route(
            "/",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { "ran" }
            }),
        )
        .route_layer(ApproovLayer::new(secret.verifier()));
    let rejected = client::get(&app, "/", &[("approov-token", b"garbage")]).await;
    assert_eq!(rejected.status, StatusCode::UNAUTHORIZED.as_u16());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let token = secret.token(60, None);
    client::get(&app, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unknown_route_is_404_and_a_wrong_method_405() {
    let secret = TestSecret::new();
    for app in [
        layer_app(secret.verifier()),
        extractor_app(secret.verifier()),
    ] {
        let token = secret.token(60, None);
        assert_eq!(client::get(&app, "/nope", &[]).await.status, 404);
        let with_token = [("approov-token", token.as_bytes())];
        assert_eq!(client::get(&app, "/nope", &with_token).await.status, 404);
        let post = client::send(&app, Method::POST, "/token-check", &with_token).await;
        assert_eq!(post.status, 405);
    }
}
