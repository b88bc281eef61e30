//! The axum adapter, driven in-process with `tower::ServiceExt::oneshot`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use approov_axum::{
    ApproovClaims, ApproovLayer, ApproovRejection, ApproovService, ApproovToken, ApproovVerifier,
    BindingHeader, BindingHeaders, BoundApproovToken, Mode, TokenRejection,
};
use approov_testkit::axum as client;
use approov_testkit::{
    message_signing_cases, token_cases, Case, LogCapture, Report, Route, TestSecret, AUTHORIZATION,
    HELLO_BODY, SESSION_ID,
};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION as AUTHORIZATION_HEADER, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Extension, Json, Router};

async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HELLO_BODY)
}

async fn check(_: ApproovToken) -> impl IntoResponse {
    hello().await
}

async fn bound(_: BoundApproovToken) -> impl IntoResponse {
    hello().await
}

async fn double(_: BoundApproovToken<AuthorizationAndSessionId>) -> impl IntoResponse {
    hello().await
}

/// The double binding of the contract, as a type.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

/// `route`, with the extractor its check needs.
fn extractor_route<S: Clone + Send + Sync + 'static>(route: Route) -> Router<S> {
    let router = Router::new();
    match route {
        Route::TokenCheck => router.route(route.path(), get(check)),
        Route::TokenBinding => router.route(route.path(), get(bound)),
        Route::TokenDoubleBinding => router.route(route.path(), get(double)),
        _ => router,
    }
}

/// The contract's protected routes, with the extractors.
fn extractor_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    PROTECTED.into_iter().fold(Router::new(), |routes, route| {
        routes.merge(extractor_route(route))
    })
}

const PROTECTED: [Route; 3] = [
    Route::TokenCheck,
    Route::TokenBinding,
    Route::TokenDoubleBinding,
];

/// A layer that checks what `route` checks.
fn layer_for(route: Route, verifier: &ApproovVerifier) -> ApproovLayer {
    let layer = ApproovLayer::new(verifier.clone());
    match route.checks() {
        Some(Some(binding)) => layer.bound_to(binding),
        _ => layer,
    }
}

/// Every way this adapter protects a route.
#[derive(Debug, Clone, Copy)]
enum Protection {
    /// The extractors, the verifier as the router state.
    ExtractorWithState,
    /// The extractors, the verifier in an `Extension`; the router state is `()`.
    ExtractorWithExtension,
    /// The layer, bound as the route is, before a handler that extracts nothing.
    Layer,
    /// The layer, bound as the route is, and the extractor with the same binding; no
    /// verifier in the state: the extractor reads the layer's check.
    LayerAndExtractor,
    /// An unbound layer, and the bound extractor adds the binding check.
    UnboundLayerAndBoundExtractor,
}

/// The handler of `/token-message-signing`: it reads the body, and answers Hello only
/// if the layer's check says the signature was checked whenever the token passed.
async fn signed(token: ApproovToken, _: Bytes) -> Response {
    if token.passed() != token.is_message_signed() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    hello().await.into_response()
}

/// `/token-message-signing` (GET and POST) behind the layer with message signing.
fn signed_routes(verifier: ApproovVerifier) -> Router {
    Router::new()
        .route(Route::TokenMessageSigning.path(), get(signed).post(signed))
        .route_layer(ApproovLayer::new(verifier).message_signed())
}

/// Every case of the table: the token routes', then message signing's.
fn all_cases(secret: &TestSecret) -> Vec<Case> {
    let mut cases = token_cases(secret);
    cases.extend(message_signing_cases(secret));
    cases
}

/// The contract's routes protected by `protection`, and `/token-message-signing`
/// behind the message-signing layer (the one way this adapter checks signatures).
fn app(protection: Protection, verifier: ApproovVerifier) -> Router {
    let unprotected = Router::new()
        .route(Route::Unprotected.path(), get(hello))
        .merge(signed_routes(verifier.clone()));
    match protection {
        Protection::ExtractorWithState => {
            unprotected.merge(extractor_routes().with_state(verifier))
        }
        Protection::ExtractorWithExtension => {
            unprotected.merge(extractor_routes().layer(Extension(verifier)))
        }
        Protection::Layer => PROTECTED.into_iter().fold(unprotected, |app, route| {
            app.merge(
                Router::new()
                    .route(route.path(), get(hello))
                    .route_layer(layer_for(route, &verifier)),
            )
        }),
        Protection::LayerAndExtractor => PROTECTED.into_iter().fold(unprotected, |app, route| {
            app.merge(extractor_route(route).route_layer(layer_for(route, &verifier)))
        }),
        Protection::UnboundLayerAndBoundExtractor => {
            unprotected.merge(extractor_routes().route_layer(ApproovLayer::new(verifier)))
        }
    }
}

/// Runs the whole table through `protection`, checking answers and logs, with a
/// verifier in enforce mode and then in monitor mode.
async fn run_table(protection: Protection) {
    let (logs, _guard) = LogCapture::install();
    for mode in [Mode::Enforce, Mode::Monitor] {
        let secret = TestSecret::new();
        let app = app(protection, secret.verifier().with_mode(mode));
        let mut report = Report::new(format!("axum ({protection:?})")).in_mode(mode);
        for case in all_cases(&secret) {
            logs.take();
            let observed = client::case(&app, &case).await;
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

#[tokio::test]
async fn table_through_the_extractors_with_the_verifier_as_state() {
    run_table(Protection::ExtractorWithState).await;
}

#[tokio::test]
async fn table_through_the_extractors_with_the_verifier_in_an_extension() {
    run_table(Protection::ExtractorWithExtension).await;
}

#[tokio::test]
async fn table_through_the_layer() {
    run_table(Protection::Layer).await;
}

#[tokio::test]
async fn table_through_the_layer_and_the_extractors() {
    run_table(Protection::LayerAndExtractor).await;
}

#[tokio::test]
async fn table_through_an_unbound_layer_and_the_bound_extractors() {
    run_table(Protection::UnboundLayerAndBoundExtractor).await;
}

fn token_header(token: &str) -> [(&'static str, &[u8]); 1] {
    [("approov-token", token.as_bytes())]
}

#[tokio::test]
async fn extractor_behind_the_layer_needs_no_verifier_in_the_state() {
    async fn did(token: ApproovToken) -> String {
        token.into_claims().and_then(|claims| claims.did).unwrap()
    }
    #[derive(Clone)]
    struct AppState {
        _database: &'static str,
    }
    let secret = TestSecret::new();
    let token = secret.token(60, None);
    // The router's state is `()`, then a state of the application's own.
    let unit: Router = Router::new()
        .route("/", get(did))
        .route_layer(ApproovLayer::new(secret.verifier()));
    let own: Router = Router::new()
        .route("/", get(did))
        .route_layer(ApproovLayer::new(secret.verifier()))
        .with_state(AppState { _database: "db" });
    for app in [unit, own] {
        let got = client::get(&app, "/", &token_header(&token)).await;
        assert_eq!(
            (got.status, got.body),
            (200, b"ExampleApproovDeviceID==".to_vec())
        );
        assert_eq!(client::get(&app, "/", &[]).await.status, 401);
    }
}

#[tokio::test]
async fn extractor_takes_the_layer_check_instead_of_checking_again() {
    async fn did(token: ApproovToken) -> String {
        token.into_claims().and_then(|claims| claims.did).unwrap()
    }
    // The layer knows the real secret; the state holds another. Only an extractor that
    // takes the layer's check lets the request through.
    let real = TestSecret::new();
    let other = TestSecret::new();
    let app = Router::new()
        .route("/", get(did))
        .route_layer(ApproovLayer::new(real.verifier()))
        .with_state(other.verifier());
    let got = client::get(&app, "/", &token_header(&real.token(60, None))).await;
    assert_eq!(
        (got.status, got.body),
        (200, b"ExampleApproovDeviceID==".to_vec())
    );
}

/// A middleware that changes the `Authorization` header after the layer checked it.
async fn change_authorization(mut request: Request) -> Request {
    request.headers_mut().insert(
        AUTHORIZATION_HEADER,
        HeaderValue::from_static("Bearer changed-after-the-layer"),
    );
    request
}

#[tokio::test]
async fn bound_extractor_behind_a_layer_with_the_same_binding_does_not_check_again() {
    let secret = TestSecret::new();
    let (logs, _guard) = LogCapture::install();
    // Innermost first: the layer checks, then the header changes, then the handler.
    let app = |verifier: ApproovVerifier| {
        Router::new()
            .route("/", get(bound))
            .route_layer(middleware::map_request(change_authorization))
            .route_layer(ApproovLayer::new(verifier).bound_to(BindingHeader::AUTHORIZATION))
    };
    let token = secret.token(60, Some(AUTHORIZATION));
    let request = [
        ("approov-token", token.as_bytes()),
        ("authorization", AUTHORIZATION.as_bytes()),
    ];
    // Hashing the changed header again would refuse the request.
    let got = client::get(&app(secret.verifier()), "/", &request).await;
    assert_eq!(got.status, 200);
    assert_eq!(logs.take(), []);

    // A failed binding is logged once, by the layer, not again by the extractor.
    let wrong = [
        ("approov-token", token.as_bytes()),
        ("authorization", b"Bearer someone-else".as_slice()),
    ];
    let monitor = app(secret.verifier().with_mode(Mode::Monitor));
    let got = client::get(&monitor, "/", &wrong).await;
    assert_eq!(got.status, 200);
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "binding_mismatch");
}

#[tokio::test]
async fn bound_extractor_behind_a_layer_with_another_binding_checks_its_own() {
    let secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(double))
        .route_layer(ApproovLayer::new(secret.verifier()).bound_to(BindingHeader::AUTHORIZATION));
    let (logs, _guard) = LogCapture::install();
    // The layer refuses the double-bound token; the extractor the single-bound one.
    for token in [
        secret.token_bound_to(60, &[AUTHORIZATION, SESSION_ID]),
        secret.token(60, Some(AUTHORIZATION)),
    ] {
        let got = client::get(&app, "/", &double_bound_request(&token)).await;
        assert_eq!(got.status, 401);
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0].code, "binding_mismatch");
    }
}

/// A request with `token` and both headers of the double binding.
fn double_bound_request(token: &str) -> [(&'static str, &[u8]); 3] {
    [
        ("approov-token", token.as_bytes()),
        ("authorization", AUTHORIZATION.as_bytes()),
        ("sessionid", SESSION_ID.as_bytes()),
    ]
}

/// A middleware that puts forged claims into the request, as any code could.
async fn forge_claims(mut request: Request) -> Request {
    let forged: ApproovClaims =
        serde_json::from_str(r#"{"exp":4102444800,"did":"forged","pay":"forged"}"#).unwrap();
    request.extensions_mut().insert(forged);
    request
}

#[tokio::test]
async fn forged_claims_in_the_extensions_skip_no_check() {
    async fn claims(Extension(claims): Extension<ApproovClaims>) -> String {
        claims.did.unwrap_or_default()
    }
    let secret = TestSecret::new();
    let extractors: Router = extractor_routes()
        .route_layer(middleware::map_request(forge_claims))
        .with_state(secret.verifier());
    let layer = Router::new()
        .route(Route::TokenCheck.path(), get(claims))
        .route_layer(ApproovLayer::new(secret.verifier()))
        .route_layer(middleware::map_request(forge_claims));
    for (app, route) in [
        (&extractors, Route::TokenCheck),
        (&extractors, Route::TokenBinding),
        (&extractors, Route::TokenDoubleBinding),
        (&layer, Route::TokenCheck),
    ] {
        let got = client::get(app, route.path(), &[("authorization", b"forged")]).await;
        assert_eq!((got.status, got.body), (401, b"{}".to_vec()), "{route:?}");
    }
}

#[tokio::test]
async fn in_monitor_mode_the_layer_hides_claims_it_did_not_check() {
    async fn claims(claims: Option<Extension<ApproovClaims>>) -> String {
        format!("{:?}", claims.map(|Extension(claims)| claims.did))
    }
    let secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(claims))
        .route_layer(ApproovLayer::new(
            secret.verifier().with_mode(Mode::Monitor),
        ))
        .route_layer(middleware::map_request(forge_claims));
    let got = client::get(&app, "/", &[]).await;
    assert_eq!((got.status, got.body), (200, b"None".to_vec()));
    let got = client::get(&app, "/", &token_header(&secret.token(60, None))).await;
    assert_eq!(got.body, b"Some(Some(\"ExampleApproovDeviceID==\"))");
}

async fn maybe(token: Option<ApproovToken>) -> String {
    match token {
        None => "anonymous".to_owned(),
        Some(token) => match token.rejection() {
            None => "app".to_owned(),
            Some(reason) => reason.code().to_owned(),
        },
    }
}

#[tokio::test]
async fn optional_token() {
    let secret = TestSecret::new();
    let (logs, _guard) = LogCapture::install();
    let valid = secret.token(60, None);
    let expired = secret.token(-1, None);
    let with_state = Router::new()
        .route("/", get(maybe))
        .with_state(secret.verifier());
    let with_extension = Router::new()
        .route("/", get(maybe))
        .layer(Extension(secret.verifier()));
    for app in [&with_state, &with_extension] {
        let absent = client::get(app, "/", &[]).await;
        assert_eq!((absent.status, absent.body), (200, b"anonymous".to_vec()));
        assert_eq!(logs.take(), [], "an absent token is not a failure");
        let present = client::get(app, "/", &token_header(&valid)).await;
        assert_eq!((present.status, present.body), (200, b"app".to_vec()));
        let invalid = client::get(app, "/", &token_header(&expired)).await;
        assert_eq!((invalid.status, invalid.body), (401, b"{}".to_vec()));
        let empty = client::get(app, "/", &token_header("")).await;
        assert_eq!(empty.status, 401);
        assert_eq!(logs.take().len(), 2);
    }
}

#[tokio::test]
async fn optional_token_behind_the_layer() {
    let secret = TestSecret::new();
    let layered = |verifier: ApproovVerifier| {
        Router::new()
            .route("/", get(maybe))
            .route_layer(ApproovLayer::new(verifier))
    };
    let expired = secret.token(-1, None);
    // Enforcing, the layer decides: no token is a 401.
    let enforce = layered(secret.verifier());
    assert_eq!(client::get(&enforce, "/", &[]).await.status, 401);
    let valid = client::get(&enforce, "/", &token_header(&secret.token(60, None))).await;
    assert_eq!(valid.body, b"app");
    // Monitoring, the request goes on: absent is None, a bad token says why.
    let monitor = layered(secret.verifier().with_mode(Mode::Monitor));
    assert_eq!(client::get(&monitor, "/", &[]).await.body, b"anonymous");
    let got = client::get(&monitor, "/", &token_header(&expired)).await;
    assert_eq!((got.status, got.body), (200, b"token_expired".to_vec()));
}

#[tokio::test]
async fn in_monitor_mode_the_handler_sees_why_the_check_failed() {
    async fn why(token: ApproovToken) -> String {
        match token.rejection() {
            None => format!(
                "passed={} claims={}",
                token.passed(),
                token.claims().is_some()
            ),
            Some(reason) => format!("{} claims={}", reason.code(), token.claims().is_some()),
        }
    }
    async fn why_bound(token: BoundApproovToken) -> String {
        token
            .rejection()
            .map_or("passed", TokenRejection::code)
            .to_owned()
    }
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_mode(Mode::Monitor);
    let extractor = Router::new()
        .route("/", get(why))
        .route("/bound", get(why_bound))
        .with_state(verifier.clone());
    let layer = Router::new()
        .route("/", get(why))
        .route("/bound", get(why_bound))
        .route_layer(ApproovLayer::new(verifier));
    let valid = secret.token(60, None);
    let bound_token = secret.token(60, Some(AUTHORIZATION));
    for app in [&extractor, &layer] {
        let got = client::get(app, "/", &[]).await;
        assert_eq!(got.body, b"missing_approov_token claims=false");
        let got = client::get(app, "/", &token_header(&secret.token(-1, None))).await;
        assert_eq!(got.body, b"token_expired claims=false");
        let got = client::get(app, "/", &token_header(&valid)).await;
        assert_eq!(got.body, b"passed=true claims=true");
        let unbound = client::get(app, "/bound", &token_header(&valid)).await;
        assert_eq!(unbound.body, b"missing_binding_header");
        let right = [
            ("approov-token", bound_token.as_bytes()),
            ("authorization", AUTHORIZATION.as_bytes()),
        ];
        assert_eq!(client::get(app, "/bound", &right).await.body, b"passed");
    }
}

#[tokio::test]
async fn the_rejection_can_be_mapped_by_the_handler() {
    async fn mapped(token: Result<ApproovToken, ApproovRejection>) -> Response {
        match token {
            Ok(_) => "ok".into_response(),
            Err(rejection) => {
                let code = rejection.reason().map_or("none", TokenRejection::code);
                (
                    StatusCode::FORBIDDEN,
                    format!("{} {code}", rejection.status()),
                )
                    .into_response()
            }
        }
    }
    let secret = TestSecret::new();
    let app = Router::new()
        .route("/", get(mapped))
        .with_state(secret.verifier());
    let got = client::get(&app, "/", &token_header(&secret.token(-1, None))).await;
    assert_eq!(
        (got.status, got.body),
        (403, b"401 Unauthorized token_expired".to_vec())
    );
    let got = client::get(&app, "/", &token_header(&secret.token(60, None))).await;
    assert_eq!((got.status, got.body), (200, b"ok".to_vec()));
}

#[tokio::test]
async fn an_extractor_with_no_layer_and_no_verifier_refuses_with_500() {
    async fn reason(token: Result<ApproovToken, ApproovRejection>) -> String {
        let rejection = token.unwrap_err();
        format!("{} {:?}", rejection.status().as_u16(), rejection.reason())
    }
    let secret = TestSecret::new();
    let token = secret.token(60, None);
    // No layer; the state is not a verifier and there is no Extension.
    let app = Router::new()
        .route("/", get(check))
        .route("/optional", get(maybe))
        .route("/bound", get(bound))
        .route("/reason", get(reason))
        .with_state("not a verifier");
    for path in ["/", "/optional", "/bound"] {
        let got = client::get(&app, path, &token_header(&token)).await;
        assert_eq!((got.status, got.body), (500, b"{}".to_vec()), "{path}");
        assert_eq!(got.content_type.as_deref(), Some("application/json"));
    }
    let got = client::get(&app, "/reason", &token_header(&token)).await;
    assert_eq!(got.body, b"500 None");
}

#[tokio::test]
async fn claims_reach_the_handler() {
    async fn from_token(token: ApproovToken) -> Json<ApproovClaims> {
        Json(token.into_claims().unwrap())
    }
    async fn from_extension(Extension(claims): Extension<ApproovClaims>) -> Json<ApproovClaims> {
        Json(claims)
    }
    let secret = TestSecret::new();
    let extractor = Router::new()
        .route("/", get(from_token))
        .with_state(secret.verifier());
    let layer = Router::new()
        .route("/", get(from_extension))
        .route_layer(ApproovLayer::new(secret.verifier()));
    let token = secret.token(60, None);
    for app in [&extractor, &layer] {
        let got = client::get(app, "/", &token_header(&token)).await;
        assert_eq!(got.status, 200);
        let claims: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(claims["did"], "ExampleApproovDeviceID==");
        assert!(claims["iat"].is_u64());
    }
}

#[tokio::test]
async fn binding_to_another_header() {
    struct DeviceId;
    impl BindingHeaders for DeviceId {
        const HEADERS: &'static [&'static str] = &["X-Device-Id"];
    }
    async fn device(token: BoundApproovToken<DeviceId>) -> String {
        token.into_claims().unwrap().exp.to_string()
    }
    let secret = TestSecret::new();
    let extractor = Router::new()
        .route("/", get(device))
        .with_state(secret.verifier());
    let layer = Router::new()
        .route("/", get(hello))
        .route_layer(ApproovLayer::new(secret.verifier()).bound_to("X-Device-Id"));
    let token = secret.token(60, Some("device-42"));
    let with = |name: &'static str, value: &'static [u8]| {
        [("approov-token", token.as_bytes()), (name, value)]
    };
    for app in [&extractor, &layer] {
        assert_eq!(
            client::get(app, "/", &with("x-device-id", b"device-42"))
                .await
                .status,
            200
        );
        assert_eq!(
            client::get(app, "/", &with("x-device-id", b"device-43"))
                .await
                .status,
            401
        );
        assert_eq!(
            client::get(app, "/", &with("authorization", b"device-42"))
                .await
                .status,
            401
        );
    }
}

#[tokio::test]
async fn the_layer_refuses_before_the_inner_service_runs() {
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
    let refused = client::get(&app, "/", &token_header("garbage")).await;
    assert_eq!(refused.status, 401);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    client::get(&app, "/", &token_header(&secret.token(60, None))).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_service_works_as_a_plain_tower_service() {
    use tower::ServiceExt;
    let secret = TestSecret::new();
    let inner = tower::service_fn(|_: Request| async {
        Ok::<_, std::convert::Infallible>("inner".into_response())
    });
    let service = ApproovService::new(inner, secret.verifier());
    let inner = *service.get_ref();
    assert_eq!(
        inner.oneshot(Request::default()).await.unwrap().status(),
        200
    );
    let refused = service.clone().oneshot(Request::new(Body::empty())).await;
    assert_eq!(refused.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Any body axum can take: the inner service gets it as a `Body`.
    let token = secret.token(60, None);
    let mut request = Request::new(String::from("a body"));
    request
        .headers_mut()
        .insert("approov-token", HeaderValue::from_str(&token).unwrap());
    assert_eq!(service.oneshot(request).await.unwrap().status(), 200);
}

#[tokio::test]
async fn unknown_route_is_404_and_a_wrong_method_405() {
    let secret = TestSecret::new();
    let token = secret.token(60, None);
    for protection in [
        Protection::ExtractorWithState,
        Protection::ExtractorWithExtension,
        Protection::Layer,
        Protection::UnboundLayerAndBoundExtractor,
    ] {
        let app = app(protection, secret.verifier());
        assert_eq!(client::get(&app, "/nope", &[]).await.status, 404);
        assert_eq!(
            client::get(&app, "/nope", &token_header(&token))
                .await
                .status,
            404
        );
        let post = client::send(&app, Method::POST, "/token-check", &token_header(&token)).await;
        assert_eq!(post.status, 405, "{protection:?}");
    }
}
