//! The actix-web adapter, driven in-process with `actix_web::test`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{ContentType, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::test::init_service;
use actix_web::{web, App, HttpMessage, HttpResponse};
use approov_actix::{
    Approov, ApproovClaims, ApproovRejection, ApproovToken, ApproovVerifier, BindingHeader,
    BindingHeaders, BoundApproovToken, Mode, OptionalApproovToken,
};
use approov_testkit::actix::{self as client, observe, request};
use approov_testkit::{
    message_signing_cases, token_cases, LogCapture, Report, Route, TestSecret, AUTHORIZATION,
    HELLO_BODY,
};

/// The double binding of the table's `/token-double-binding`, as a type.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(HELLO_BODY)
}

/// The middleware for what `route` checks, with its binding as a value.
fn approov_for(verifier: &ApproovVerifier, route: Route) -> Approov {
    let approov = Approov::new(verifier.clone());
    let approov = match route.checks() {
        Some(Some(binding)) => approov.bound_to(binding),
        _ => approov,
    };
    if route.requires_message_signing() {
        approov.message_signed()
    } else {
        approov
    }
}

/// `/token-message-signing` (GET and POST): the message-signing middleware, with
/// `handler` behind it.
fn message_signing<F, Args>(
    verifier: &ApproovVerifier,
    handler: F,
) -> impl actix_web::dev::HttpServiceFactory
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(Route::TokenMessageSigning.path())
        .wrap(Approov::new(verifier.clone()).message_signed())
        .route(web::get().to(handler.clone()))
        .route(web::post().to(handler))
}

/// Captures this thread's log.
fn capture_logs() -> (LogCapture, approov_testkit::CaptureGuard) {
    LogCapture::install()
}

/// Runs the shared table (the token cases and the message-signing ones), in enforce
/// then in monitor mode, against an app built by `$app` from a verifier, checking the
/// code and reason logged for every case.
macro_rules! run_table {
    ($subject:expr, |$verifier:ident| $app:expr) => {{
        let (logs, _guard) = capture_logs();
        for mode in [Mode::Enforce, Mode::Monitor] {
            let secret = TestSecret::new();
            let $verifier = secret.verifier().with_mode(mode);
            let app = init_service($app).await;
            let mut report = Report::new(format!("actix ({}, {mode:?})", $subject)).in_mode(mode);
            for case in token_cases(&secret)
                .into_iter()
                .chain(message_signing_cases(&secret))
            {
                logs.take();
                let observed = client::case(&app, &case).await;
                report.record_logged(&case, &observed, false, &logs.take());
            }
            report.finish();
        }
    }};
}

#[actix_web::test]
async fn extractors_answer_every_case() {
    // Message signing is the middleware's (it reads the body): the extractor behind it.
    run_table!("extractors", |verifier| App::new()
        .app_data(web::Data::new(verifier.clone()))
        .route("/unprotected", web::get().to(hello))
        .route("/token-check", web::get().to(|_: ApproovToken| hello()))
        .route(
            "/token-binding",
            web::get().to(|_: BoundApproovToken| hello())
        )
        .route(
            "/token-double-binding",
            web::get().to(|_: BoundApproovToken<AuthorizationAndSessionId>| hello()),
        )
        .service(message_signing(&verifier, |_: ApproovToken| hello())));
}

#[actix_web::test]
async fn resource_middleware_answers_every_case() {
    run_table!("resource middleware", |verifier| {
        let resource = |route: Route| {
            web::resource(route.path())
                .wrap(approov_for(&verifier, route))
                .route(web::get().to(hello))
        };
        App::new()
            .route("/unprotected", web::get().to(hello))
            .service(resource(Route::TokenCheck))
            .service(resource(Route::TokenBinding))
            .service(resource(Route::TokenDoubleBinding))
            .service(message_signing(&verifier, hello))
    });
}

#[actix_web::test]
async fn scope_middleware_answers_every_case() {
    run_table!("scope middleware", |verifier| {
        let scope = |route: Route| {
            web::scope(route.path())
                .wrap(approov_for(&verifier, route))
                .service(
                    web::resource("")
                        .route(web::get().to(hello))
                        .route(web::post().to(hello)),
                )
        };
        App::new()
            .route("/unprotected", web::get().to(hello))
            .service(scope(Route::TokenCheck))
            .service(scope(Route::TokenBinding))
            .service(scope(Route::TokenDoubleBinding))
            .service(scope(Route::TokenMessageSigning))
    });
}

#[actix_web::test]
async fn extractors_behind_a_middleware_of_the_same_binding_answer_every_case() {
    // One log line per failed case: the extractors read the middleware's check and
    // do not check (or log) the same binding again.
    run_table!("middleware + extractors, same binding", |verifier| {
        let resource =
            |route: Route| web::resource(route.path()).wrap(approov_for(&verifier, route));
        App::new()
            .route("/unprotected", web::get().to(hello))
            .service(resource(Route::TokenCheck).route(web::get().to(|_: ApproovToken| hello())))
            .service(
                resource(Route::TokenBinding).route(web::get().to(|_: BoundApproovToken| hello())),
            )
            .service(
                resource(Route::TokenDoubleBinding).route(
                    web::get().to(|_: BoundApproovToken<AuthorizationAndSessionId>| hello()),
                ),
            )
            .service(message_signing(&verifier, |_: ApproovToken| hello()))
    });
}

#[actix_web::test]
async fn bound_extractors_behind_an_unbound_middleware_answer_every_case() {
    // The middleware checks the token, the extractors add their binding to its check;
    // the app data holds no verifier, so the extractors cannot check on their own.
    run_table!("unbound middleware + bound extractors", |verifier| {
        let resource = |path: &str| web::resource(path).wrap(Approov::new(verifier.clone()));
        App::new()
            .route("/unprotected", web::get().to(hello))
            .service(resource("/token-check").route(web::get().to(|_: ApproovToken| hello())))
            .service(
                resource("/token-binding").route(web::get().to(|_: BoundApproovToken| hello())),
            )
            .service(
                resource("/token-double-binding").route(
                    web::get().to(|_: BoundApproovToken<AuthorizationAndSessionId>| hello()),
                ),
            )
            .service(message_signing(&verifier, |_: ApproovToken| hello()))
    });
}

/// The token header with `value`.
fn token(value: &str) -> [(&'static str, &[u8]); 1] {
    [("approov-token", value.as_bytes())]
}

/// Claims as another middleware could put them into the request extensions.
fn forged_claims() -> ApproovClaims {
    serde_json::from_str(r#"{"exp":9999999999,"did":"forged"}"#).unwrap()
}

async fn did(claims: Option<web::ReqData<ApproovClaims>>) -> HttpResponse {
    let did = claims.and_then(|claims| claims.into_inner().did);
    HttpResponse::Ok().body(did.unwrap_or_else(|| "none".to_owned()))
}

#[actix_web::test]
async fn forged_public_claims_in_the_extensions_skip_no_check() {
    let _logs = capture_logs();
    for mode in [Mode::Enforce, Mode::Monitor] {
        let secret = TestSecret::new();
        let verifier = secret.verifier().with_mode(mode);
        let app = init_service(
            App::new()
                .wrap_fn(|request, service| {
                    request.extensions_mut().insert(forged_claims());
                    service.call(request)
                })
                .app_data(web::Data::new(verifier.clone()))
                .route("/extractor", web::get().to(|_: ApproovToken| hello()))
                .route("/bound", web::get().to(|_: BoundApproovToken| hello()))
                .route(
                    "/optional",
                    web::get().to(
                        |OptionalApproovToken(token): OptionalApproovToken| async move {
                            HttpResponse::Ok().body(if token.is_some() { "some" } else { "none" })
                        },
                    ),
                )
                .service(
                    web::resource("/middleware")
                        .wrap(Approov::new(verifier))
                        .route(web::get().to(did)),
                ),
        )
        .await;
        for path in ["/extractor", "/bound", "/middleware"] {
            let observed = client::get(&app, path, &[]).await;
            match mode {
                Mode::Enforce => assert_eq!(observed.status, 401, "{path} without a token"),
                // Let through, but the forged claims never reach the handler.
                _ => assert_ne!(observed.body, b"forged", "{path} without a token"),
            }
        }
        assert_eq!(client::get(&app, "/optional", &[]).await.body, b"none");
        let bad = client::get(&app, "/optional", &token("garbage")).await;
        if mode == Mode::Enforce {
            assert_eq!(bad.status, 401);
        }
    }
}

#[actix_web::test]
async fn the_middleware_hands_the_claims_to_the_handler() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let token = secret.token(60, None);
    let headers: &[(&str, &[u8])] = &[("approov-token", token.as_bytes())];
    async fn from_token(token: ApproovToken) -> HttpResponse {
        HttpResponse::Ok().body(token.into_claims().unwrap().did.unwrap())
    }
    // The middleware knows the real secret; the app data holds another. The
    // extractor only passes if it takes the middleware's check.
    let app = init_service(
        App::new()
            .app_data(web::Data::new(TestSecret::new().verifier()))
            .route("/direct", web::get().to(from_token))
            .service(
                web::scope("/wrapped")
                    .wrap(Approov::new(secret.verifier()))
                    .route("/token", web::get().to(from_token))
                    .route("/data", web::get().to(did)),
            ),
    )
    .await;
    let device = b"ExampleApproovDeviceID==".to_vec();
    let observed = client::get(&app, "/wrapped/token", headers).await;
    assert_eq!((observed.status, observed.body), (200, device.clone()));
    let observed = client::get(&app, "/wrapped/data", headers).await;
    assert_eq!((observed.status, observed.body), (200, device));
    let observed = client::get(&app, "/direct", headers).await;
    assert_eq!(
        observed.status, 401,
        "the app data's verifier has another secret"
    );
}

async fn optional(OptionalApproovToken(token): OptionalApproovToken) -> HttpResponse {
    HttpResponse::Ok().body(match token {
        None => "none".to_owned(),
        Some(token) => match token.rejection() {
            None => "valid".to_owned(),
            Some(reason) => format!("failed: {}", reason.code()),
        },
    })
}

async fn swallowing(token: Option<ApproovToken>) -> HttpResponse {
    HttpResponse::Ok().body(if token.is_some() { "valid" } else { "none" })
}

#[actix_web::test]
async fn optional_token_is_none_only_without_a_token_header() {
    let (logs, _guard) = capture_logs();
    let secret = TestSecret::new();
    let valid = secret.token(60, None);
    let app = init_service(
        App::new()
            .app_data(web::Data::new(secret.verifier()))
            .route("/optional", web::get().to(optional))
            .route("/option", web::get().to(swallowing)),
    )
    .await;
    let absent = client::get(&app, "/optional", &[]).await;
    assert_eq!((absent.status, absent.body), (200, b"none".to_vec()));
    assert_eq!(logs.take(), [], "an absent optional token is not a failure");

    let observed = client::get(&app, "/optional", &token(&valid)).await;
    assert_eq!((observed.status, observed.body), (200, b"valid".to_vec()));

    for bad in ["garbage", "", &secret.token(-1, None)] {
        let observed = client::get(&app, "/optional", &token(bad)).await;
        assert_eq!(
            (observed.status, observed.body),
            (401, b"{}".to_vec()),
            "{bad:?}"
        );
        assert_eq!(logs.take().len(), 1, "{bad:?} is logged once");
        // What actix-web's own `Option<T>` would do: the bad token becomes "none".
        let swallowed = client::get(&app, "/option", &token(bad)).await;
        assert_eq!((swallowed.status, swallowed.body), (200, b"none".to_vec()));
        logs.take();
    }
}

#[actix_web::test]
async fn optional_token_behind_a_monitoring_middleware() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new().service(
            web::resource("/optional")
                .wrap(Approov::new(secret.verifier().with_mode(Mode::Monitor)))
                .route(web::get().to(optional)),
        ),
    )
    .await;
    let body = |headers: &'static [(&'static str, &'static [u8])]| {
        let app = &app;
        async move { client::get(app, "/optional", headers).await.body }
    };
    assert_eq!(body(&[]).await, b"none");
    assert_eq!(
        body(&[("approov-token", b"garbage")]).await,
        b"failed: token_verification_failed"
    );
    // Empty is not absent: a token header that is there, and fails.
    assert_eq!(
        body(&[("approov-token", b"")]).await,
        b"failed: missing_approov_token"
    );
}

#[actix_web::test]
async fn optional_token_is_absent_only_without_the_verifier_s_token_header() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_token_header("X-Approov");
    let monitor = verifier.clone().with_mode(Mode::Monitor);
    let app = init_service(
        App::new()
            .app_data(web::Data::new(verifier))
            .route("/optional", web::get().to(optional))
            .service(
                web::resource("/behind")
                    .wrap(Approov::new(monitor))
                    .route(web::get().to(optional)),
            ),
    )
    .await;
    let valid = secret.token(60, None);
    for path in ["/optional", "/behind"] {
        // The default header name means nothing to this verifier.
        let other = client::get(&app, path, &[("approov-token", valid.as_bytes())]).await;
        assert_eq!(
            (other.status, other.body),
            (200, b"none".to_vec()),
            "{path}"
        );
        let passed = client::get(&app, path, &[("x-approov", valid.as_bytes())]).await;
        assert_eq!(
            (passed.status, passed.body),
            (200, b"valid".to_vec()),
            "{path}"
        );
    }
    let empty = client::get(&app, "/optional", &[("x-approov", b"")]).await;
    assert_eq!((empty.status, empty.body), (401, b"{}".to_vec()));
}

#[actix_web::test]
async fn in_monitor_mode_the_handler_sees_why_the_check_failed() {
    let (logs, _guard) = capture_logs();
    async fn orders(token: ApproovToken) -> HttpResponse {
        HttpResponse::Ok().body(match token.rejection() {
            None => format!("passed: {}", token.passed()),
            Some(reason) => reason.code().to_owned(),
        })
    }
    async fn bound(token: BoundApproovToken) -> HttpResponse {
        HttpResponse::Ok().body(token.rejection().map_or("passed", |reason| reason.code()))
    }
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_mode(Mode::Monitor);
    let app = init_service(
        App::new()
            .app_data(web::Data::new(verifier.clone()))
            .route("/extractor", web::get().to(orders))
            .route("/bound", web::get().to(bound))
            .service(
                web::resource("/middleware")
                    .wrap(Approov::new(verifier))
                    .route(web::get().to(orders)),
            ),
    )
    .await;
    let valid = secret.token(60, None);
    for path in ["/extractor", "/middleware"] {
        let observed = client::get(&app, path, &[]).await;
        assert_eq!(
            (observed.status, observed.body),
            (200, b"missing_approov_token".to_vec())
        );
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{path}: {logged:?}");
        assert_eq!(logged[0].level, tracing::Level::WARN);
        let observed = client::get(&app, path, &[("approov-token", valid.as_bytes())]).await;
        assert_eq!(observed.body, b"passed: true");
    }
    let unbound: &[(&str, &[u8])] = &[
        ("approov-token", valid.as_bytes()),
        ("authorization", AUTHORIZATION.as_bytes()),
    ];
    assert_eq!(
        client::get(&app, "/bound", unbound).await.body,
        b"binding_mismatch"
    );
}

#[actix_web::test]
async fn a_bound_extractor_behind_the_same_binding_checks_once() {
    let (logs, _guard) = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new().service(
            web::resource("/account")
                .wrap(Approov::new(secret.verifier()).bound_to(BindingHeader::AUTHORIZATION))
                .route(web::get().to(|token: BoundApproovToken| async move {
                    HttpResponse::Ok().body(token.claims().unwrap().pay.clone().unwrap())
                })),
        ),
    )
    .await;
    let token = secret.token(60, Some(AUTHORIZATION));
    let get = |authorization: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let headers: &[(&str, &[u8])] = &[
                ("approov-token", token.as_bytes()),
                ("authorization", authorization.as_bytes()),
            ];
            client::get(app, "/account", headers).await
        }
    };
    assert_eq!(get(AUTHORIZATION).await.status, 200);
    assert_eq!(logs.take(), []);
    assert_eq!(get("Bearer someone-else").await.status, 401);
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "binding_mismatch");
}

#[actix_web::test]
async fn an_outer_middleware_sees_the_401_as_a_response() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new()
            .wrap_fn(|request, service| {
                let future = service.call(request);
                async move {
                    // An `Err` here would mean the rejection bypassed this middleware.
                    let mut response = future.await?;
                    let seen = HeaderValue::from_str(response.status().as_str()).unwrap();
                    response
                        .headers_mut()
                        .insert(HeaderName::from_static("x-outer-saw"), seen);
                    Ok(response)
                }
            })
            .service(
                web::scope("/api")
                    .wrap(Approov::new(secret.verifier()))
                    .route("", web::get().to(hello)),
            ),
    )
    .await;
    let response = app.call(request("/api", &[]).to_request()).await.unwrap();
    assert_eq!(response.headers().get("x-outer-saw").unwrap(), "401");
    assert_eq!(observe(response).await.body, b"{}");
}

#[actix_web::test]
async fn error_handlers_can_rewrite_every_refusal() {
    let _logs = capture_logs();
    fn please_update<B>(
        response: ServiceResponse<B>,
    ) -> actix_web::Result<ErrorHandlerResponse<B>> {
        let (request, _) = response.into_parts();
        let response = HttpResponse::Unauthorized().body("please update the app");
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(request, response).map_into_right_body(),
        ))
    }
    let secret = TestSecret::new();
    let verifier = secret.verifier();
    let app = init_service(
        App::new()
            .wrap(ErrorHandlers::new().handler(StatusCode::UNAUTHORIZED, please_update))
            .app_data(web::Data::new(verifier.clone()))
            .route("/extractor", web::get().to(|_: ApproovToken| hello()))
            .service(
                web::resource("/middleware")
                    .wrap(Approov::new(verifier))
                    .route(web::get().to(hello)),
            ),
    )
    .await;
    for path in ["/extractor", "/middleware"] {
        let observed = client::get(&app, path, &[]).await;
        assert_eq!(
            (observed.status, observed.body),
            (401, b"please update the app".to_vec()),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn a_result_argument_sees_the_error() {
    let _logs = capture_logs();
    async fn orders(token: Result<ApproovToken, ApproovRejection>) -> HttpResponse {
        match token {
            Ok(_) => HttpResponse::Ok().finish(),
            Err(rejection) => HttpResponse::build(rejection.status())
                .body(rejection.reason().map_or("", |reason| reason.code())),
        }
    }
    let secret = TestSecret::new();
    let app = init_service(
        App::new()
            .app_data(web::Data::new(secret.verifier()))
            .route("/", web::get().to(orders)),
    )
    .await;
    let observed = client::get(&app, "/", &[("approov-token", b"garbage")]).await;
    assert_eq!(
        (observed.status, observed.body),
        (401, b"token_verification_failed".to_vec())
    );
}

#[actix_web::test]
async fn extractors_without_a_verifier_are_a_500_not_an_accept() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new()
            .route("/token", web::get().to(|_: ApproovToken| hello()))
            .route("/bound", web::get().to(|_: BoundApproovToken| hello()))
            .route("/optional", web::get().to(optional)),
    )
    .await;
    let token = secret.token(60, Some(AUTHORIZATION));
    let headers: &[(&str, &[u8])] = &[
        ("approov-token", token.as_bytes()),
        ("authorization", AUTHORIZATION.as_bytes()),
    ];
    for path in ["/token", "/bound", "/optional"] {
        let observed = client::get(&app, path, headers).await;
        assert_eq!(
            (observed.status, observed.body),
            (500, b"{}".to_vec()),
            "{path}"
        );
        // Even without a token: the set-up mistake shows on the first request.
        assert_eq!(client::get(&app, path, &[]).await.status, 500, "{path}");
    }
}

#[actix_web::test]
async fn verifier_as_plain_app_data_also_works() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new()
            .app_data(secret.verifier())
            .route("/", web::get().to(|_: ApproovToken| hello())),
    )
    .await;
    let token = secret.token(60, None);
    let observed = client::get(&app, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(observed.status, 200);
}

#[actix_web::test]
async fn app_middleware_protects_every_route_and_an_unknown_path_is_404() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new()
            .wrap(Approov::new(secret.verifier()))
            .route("/token-check", web::get().to(hello)),
    )
    .await;
    let valid = secret.token(60, None);
    let with_token: &[(&str, &[u8])] = &[("approov-token", valid.as_bytes())];
    let ok = client::get(&app, "/token-check", with_token).await;
    assert_eq!(ok.body, HELLO_BODY.as_bytes());
    let rejected = client::get(&app, "/token-check", &[]).await;
    assert_eq!((rejected.status, rejected.body), (401, b"{}".to_vec()));
    assert_eq!(rejected.content_type.as_deref(), Some("application/json"));
    // Whatever its headers: an unknown route is not a refusal.
    for headers in [&[][..], with_token, &token("garbage")] {
        let unknown = client::get(&app, "/no-such-route", headers).await;
        assert_eq!(unknown.status, 404, "{headers:?}");
    }
}

/// An app with `/api/orders` and `/api/{id}/items` behind the middleware of
/// `$verifier`, `/health` beside it.
macro_rules! wrapped_scope {
    ($verifier:expr) => {
        App::new().route("/health", web::get().to(hello)).service(
            web::scope("/api")
                .wrap(Approov::new($verifier))
                .route("/orders", web::get().to(hello))
                .route("/{id}/items", web::get().to(hello)),
        )
    };
}

#[actix_web::test]
async fn an_unknown_path_under_a_wrapped_scope_is_404_with_or_without_a_token() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(wrapped_scope!(secret.verifier())).await;
    let valid = secret.token(60, None);
    let with_token: &[(&str, &[u8])] = &[("approov-token", valid.as_bytes())];
    for path in ["/api/nope", "/api/orders/nope", "/api/7/nope", "/nope"] {
        for headers in [&[][..], with_token, &token("garbage")] {
            let observed = client::get(&app, path, headers).await;
            assert_eq!(observed.status, 404, "{path} {headers:?}");
            assert_ne!(
                observed.body, b"{}",
                "{path} {headers:?}: actix-web's own 404"
            );
        }
    }
    // A known path is still checked: refused without a valid token, whatever its form.
    for path in [
        "/api/orders",
        "/api/7/items",
        "/api/ord%65rs",
        "/api/orders?x=1",
    ] {
        let refused = client::get(&app, path, &[]).await;
        assert_eq!(
            (refused.status, refused.body),
            (401, b"{}".to_vec()),
            "{path}"
        );
        let refused = client::get(&app, path, &token("garbage")).await;
        assert_eq!(refused.status, 401, "{path}");
        let passed = client::get(&app, path, with_token).await;
        assert_eq!(
            (passed.status, passed.body),
            (200, HELLO_BODY.as_bytes().to_vec()),
            "{path}"
        );
    }
    assert_eq!(client::get(&app, "/health", &[]).await.status, 200);
}

#[actix_web::test]
async fn an_unknown_path_under_a_monitoring_scope_is_404() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(wrapped_scope!(secret.verifier().with_mode(Mode::Monitor))).await;
    assert_eq!(client::get(&app, "/api/nope", &[]).await.status, 404);
    assert_eq!(client::get(&app, "/api/orders", &[]).await.status, 200);
}

async fn catch_all() -> HttpResponse {
    HttpResponse::Ok().body("catch-all")
}

#[actix_web::test]
async fn a_default_service_behind_the_middleware_is_reached_only_by_a_passing_check() {
    // As documented: a refused request that matches no resource gets actix-web's 404,
    // never the default service. A catch-all resource is a resource: refused 401.
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let verifier = secret.verifier();
    let app = init_service(
        App::new()
            .service(
                web::scope("/default")
                    .wrap(Approov::new(verifier.clone()))
                    .route("/orders", web::get().to(hello))
                    .default_service(web::to(catch_all)),
            )
            .service(
                web::scope("/resource")
                    .wrap(Approov::new(verifier))
                    .route("/orders", web::get().to(hello))
                    .route("/{tail:.*}", web::get().to(catch_all)),
            ),
    )
    .await;
    let valid = secret.token(60, None);
    let with_token: &[(&str, &[u8])] = &[("approov-token", valid.as_bytes())];
    for (path, refused) in [("/default/anything", 404), ("/resource/anything", 401)] {
        for headers in [&[][..], &token("garbage")] {
            let observed = client::get(&app, path, headers).await;
            assert_eq!(observed.status, refused, "{path} {headers:?}");
            assert_ne!(observed.body, b"catch-all", "{path} {headers:?}");
        }
        let passed = client::get(&app, path, with_token).await;
        assert_eq!(
            (passed.status, passed.body),
            (200, b"catch-all".to_vec()),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn a_scope_behind_a_guarded_scope_of_the_same_prefix_lets_no_refusal_through() {
    // One scope per `Host`: the resource map, which ignores guards, finds `/orders` in
    // neither, yet the router sends it to the second. A refusal must not reach it.
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new()
            .service(
                web::scope("")
                    .guard(actix_web::guard::Host("www.example.test"))
                    .route("/", web::get().to(catch_all)),
            )
            .service(
                web::scope("")
                    .guard(actix_web::guard::Host("api.example.test"))
                    .wrap(Approov::new(secret.verifier()))
                    .route("/orders", web::get().to(hello)),
            ),
    )
    .await;
    let valid = secret.token(60, None);
    let host: (&str, &[u8]) = ("host", b"api.example.test");
    for headers in [&[host][..], &[host, ("approov-token", b"garbage")]] {
        let refused = client::get(&app, "/orders", headers).await;
        assert!(
            matches!(refused.status, 401 | 404),
            "{headers:?}: {}",
            refused.status
        );
        assert_ne!(refused.body, HELLO_BODY.as_bytes(), "{headers:?}");
    }
    let passed = client::get(
        &app,
        "/orders",
        &[host, ("approov-token", valid.as_bytes())],
    )
    .await;
    assert_eq!(
        (passed.status, passed.body),
        (200, HELLO_BODY.as_bytes().to_vec())
    );
}

#[actix_web::test]
async fn binding_to_another_header() {
    let _logs = capture_logs();
    let secret = TestSecret::new();
    let app = init_service(
        App::new().service(
            web::resource("/")
                .wrap(Approov::new(secret.verifier()).bound_to("X-Device-Id"))
                .route(web::get().to(hello)),
        ),
    )
    .await;
    let token = secret.token(60, Some("device-42"));
    for (value, status) in [
        (b"device-42".as_slice(), 200),
        (b"device-43".as_slice(), 401),
    ] {
        let headers = [("approov-token", token.as_bytes()), ("x-device-id", value)];
        assert_eq!(client::get(&app, "/", &headers).await.status, status);
    }
}
