//! The axum adapter, driven in-process with `tower::ServiceExt::oneshot`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use approov_axum::{
    ApproovClaims, ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader, BindingHeaderName,
    BoundApproovToken,
};
use approov_testkit::{cases, Case, Observed, Report, TestSecret, HELLO_BODY};
use axum::body::{to_bytes, Body};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Json, Router};
use tower::ServiceExt;

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

fn request(path: &str, headers: &[(&str, &[u8])]) -> Request<Body> {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    for (name, value) in headers {
        let name: axum::http::HeaderName = name.parse().unwrap();
        request
            .headers_mut()
            .append(name, HeaderValue::from_bytes(value).unwrap());
    }
    request
}

async fn send(app: &Router, request: Request<Body>) -> Observed {
    let response = app.clone().oneshot(request).await.unwrap();
    Observed {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    }
}

async fn send_case(app: &Router, case: &Case) -> Observed {
    let headers: Vec<(&str, &[u8])> = case
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_slice()))
        .collect();
    send(app, request(case.route.path(), &headers)).await
}

async fn run_table(subject: &str, app: fn(ApproovVerifier) -> Router) {
    let secret = TestSecret::new();
    let app = app(secret.verifier());
    let mut report = Report::new(subject);
    for case in cases(&secret) {
        report.record(&case, &send_case(&app, &case).await, false);
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
    let got = send(&app, request("/", &[("approov-token", token.as_bytes())])).await;
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
    let got = send(&app, request("/", &[("approov-token", token.as_bytes())])).await;
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
    let got = send(&app, request("/", &[("approov-token", token.as_bytes())])).await;
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
    assert_eq!(send(&app, request("/", &good)).await.status, 200);
    assert_eq!(send(&app, request("/", &bad)).await.status, 401);
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

    let none = send(&app, request("/", &[])).await;
    assert_eq!((none.status, none.body), (200, b"anonymous".to_vec()));
    let valid = send(&app, request("/", &[("approov-token", token.as_bytes())])).await;
    assert_eq!((valid.status, valid.body), (200, b"app".to_vec()));
    let invalid = send(&app, request("/", &[("approov-token", expired.as_bytes())])).await;
    assert_eq!((invalid.status, invalid.body), (401, b"{}".to_vec()));
    let empty = send(&app, request("/", &[("approov-token", b"")])).await;
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
        assert_eq!(send(app, request("/", &right)).await.status, 200);
        assert_eq!(send(app, request("/", &wrong)).await.status, 401);
        assert_eq!(send(app, request("/", &authorization)).await.status, 401);
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
    let rejected = send(&app, request("/", &[("approov-token", b"garbage")])).await;
    assert_eq!(rejected.status, StatusCode::UNAUTHORIZED.as_u16());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let token = secret.token(60, None);
    send(&app, request("/", &[("approov-token", token.as_bytes())])).await;
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
        assert_eq!(send(&app, request("/nope", &[])).await.status, 404);
        assert_eq!(
            send(
                &app,
                request("/nope", &[("approov-token", token.as_bytes())])
            )
            .await
            .status,
            404
        );
        let mut post = request("/token-check", &[("approov-token", token.as_bytes())]);
        *post.method_mut() = axum::http::Method::POST;
        assert_eq!(send(&app, post).await.status, 405);
    }
}
