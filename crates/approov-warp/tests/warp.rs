//! The warp adapter, driven in-process with `warp::test::request()` (and
//! `warp::service` for repeated headers, which the test builder cannot send: see
//! `approov_testkit::warp`).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use approov_testkit::warp::get as send;
use approov_testkit::{
    message_signing_cases, token_cases, LogCapture, Report, TestSecret, AUTHORIZATION, HELLO_BODY,
};
use approov_warp::{
    ApproovClaims, ApproovRejection, ApproovToken, ApproovVerifier, BindingHeader, BindingHeaders,
    MessageSignatureError, Mode, TokenRejection,
};
use http::header::CONTENT_TYPE;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

fn hello() -> Response {
    warp::reply::with_header(HELLO_BODY, CONTENT_TYPE, "application/json").into_response()
}

/// `/token-message-signing`, GET and POST: the token and its installation message
/// signature.
fn message_signing_route(verifier: ApproovVerifier) -> BoxedFilter<(Response,)> {
    warp::path!("token-message-signing")
        .and(warp::get().or(warp::post()).unify())
        .and(approov_warp::message_signed_token(verifier))
        .map(|token: ApproovToken, _body| {
            assert!(token.is_message_signed() || token.rejection().is_some());
            hello()
        })
        .boxed()
}

/// The contract's routes in the reverse `or()` order of the example (which the
/// conformance suite runs): the answers must not depend on the order. Bindings are
/// values.
fn contract_routes(verifier: ApproovVerifier) -> BoxedFilter<(Response,)> {
    let token_message_signing = message_signing_route(verifier.clone());
    let token_double_binding = warp::path!("token-double-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier.clone(),
            [
                BindingHeader::AUTHORIZATION,
                BindingHeader::new("SessionId"),
            ],
        ))
        .map(|_: ApproovToken| hello());
    let token_binding = warp::path!("token-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier.clone(),
            BindingHeader::AUTHORIZATION,
        ))
        .map(|_: ApproovToken| hello());
    let token_check = warp::path!("token-check")
        .and(warp::get())
        .and(approov_warp::token(verifier))
        .map(|_: ApproovToken| hello());
    let unprotected = warp::path!("unprotected").and(warp::get()).map(hello);
    token_message_signing
        .or(token_double_binding)
        .unify()
        .or(token_binding)
        .unify()
        .or(token_check)
        .unify()
        .or(unprotected)
        .unify()
        .recover(approov_warp::recover)
        .unify()
        .boxed()
}

/// Bound to `Authorization` then `SessionId`, named by a type.
struct AuthorizationAndSession;
impl BindingHeaders for AuthorizationAndSession {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

/// The same routes in the example's order, with the bindings named by marker types
/// and `/token-check`'s filter right after its path prefix, the way a group is
/// protected.
fn marker_routes(verifier: ApproovVerifier) -> BoxedFilter<(Response,)> {
    let unprotected = warp::path!("unprotected").and(warp::get()).map(hello);
    let token_check = warp::path("token-check")
        .and(approov_warp::token(verifier.clone()))
        .and(warp::path::end())
        .and(warp::get())
        .map(|_: ApproovToken| hello());
    let token_binding = warp::path!("token-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier.clone(),
            approov_warp::AuthorizationBinding::binding(),
        ))
        .map(|_: ApproovToken| hello());
    let token_double_binding = warp::path!("token-double-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier.clone(),
            AuthorizationAndSession::binding(),
        ))
        .map(|_: ApproovToken| hello());
    unprotected
        .or(token_check)
        .unify()
        .or(token_binding)
        .unify()
        .or(token_double_binding)
        .unify()
        .or(message_signing_route(verifier))
        .unify()
        .recover(approov_warp::recover)
        .unify()
        .boxed()
}

/// Runs every case of the table through `routes` and checks the answer and the log.
async fn run_table(
    subject: &str,
    routes: fn(ApproovVerifier) -> BoxedFilter<(Response,)>,
    mode: Mode,
) {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let routes = routes(secret.verifier().with_mode(mode));
    let mut report = Report::new(format!("warp ({subject}, {mode:?})")).in_mode(mode);
    for case in token_cases(&secret)
        .into_iter()
        .chain(message_signing_cases(&secret))
    {
        logs.take();
        let observed = approov_testkit::warp::case(&routes, &case).await;
        let logged = logs.take();
        report.record_logged(&case, &observed, false, &logged);
    }
    report.finish();
}

#[tokio::test]
async fn value_bindings_in_reverse_or_order_answer_every_case_of_the_table() {
    run_table("value bindings", contract_routes, Mode::Enforce).await;
}

#[tokio::test]
async fn marker_bindings_and_a_prefix_filter_answer_every_case_of_the_table() {
    run_table("marker bindings", marker_routes, Mode::Enforce).await;
}

#[tokio::test]
async fn in_monitor_mode_every_case_passes_with_one_warning() {
    run_table("value bindings", contract_routes, Mode::Monitor).await;
    run_table("marker bindings", marker_routes, Mode::Monitor).await;
}

#[tokio::test]
async fn claims_reach_the_handler() {
    let secret = TestSecret::new();
    let routes = warp::path!("did")
        .and(approov_warp::token(secret.verifier()))
        .map(|token: ApproovToken| {
            assert!(token.passed() && token.rejection().is_none());
            assert_eq!(token.mode(), Mode::Enforce);
            let did = token.claims().and_then(|c| c.did.clone());
            assert_eq!(did, token.into_claims().and_then(|c| c.did));
            did.unwrap_or_default()
        })
        .recover(approov_warp::recover);
    let token = secret.token(60, None);
    let got = send(&routes, "/did", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(
        (got.status, got.body),
        (200, b"ExampleApproovDeviceID==".to_vec())
    );
}

#[tokio::test]
async fn forged_claims_in_the_extensions_do_not_skip_the_check() {
    // What another layer in front of `warp::service` could insert: our filters read
    // no extension at all, so the request is checked as any other.
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let forged: ApproovClaims =
        serde_json::from_value(serde_json::json!({"exp": 4_000_000_000_u64, "did": "forged"}))
            .unwrap();
    let routes = warp::path!("x")
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovToken| "x")
        .recover(approov_warp::recover);
    let response = warp::test::request()
        .path("/x")
        .extension(forged)
        .reply(&routes)
        .await;
    assert_eq!(
        (response.status().as_u16(), response.body().as_ref()),
        (401, b"{}".as_ref())
    );
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "missing_approov_token");
}

fn optional_routes(verifier: ApproovVerifier) -> BoxedFilter<(Response,)> {
    warp::path!("news")
        .and(approov_warp::optional_token(verifier))
        .map(|token: Option<ApproovToken>| {
            match token {
                None => "none".to_owned(),
                Some(token) => match token.rejection() {
                    None => "valid".to_owned(),
                    Some(why) => format!("failed {}", why.code()),
                },
            }
            .into_response()
        })
        .recover(approov_warp::recover)
        .unify()
        .boxed()
}

#[tokio::test]
async fn an_optional_token_is_none_only_when_absent() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let routes = optional_routes(secret.verifier());
    let valid = secret.token(60, None);

    let absent = send(&routes, "/news", &[]).await;
    assert_eq!((absent.status, absent.body), (200, b"none".to_vec()));
    assert_eq!(logs.take(), [], "an absent token is not a failed check");

    let present = send(&routes, "/news", &[("approov-token", valid.as_bytes())]).await;
    assert_eq!((present.status, present.body), (200, b"valid".to_vec()));

    // Other headers, and a bound header, do not make a token present.
    let others = send(
        &routes,
        "/news",
        &[("authorization", b"Bearer x"), ("x-approov", b"token")],
    )
    .await;
    assert_eq!((others.status, others.body), (200, b"none".to_vec()));
    assert_eq!(logs.take(), []);

    // A header that is there is a token to check, whatever is in it.
    for bad in [
        vec![("approov-token", b"garbage".as_slice())],
        vec![("approov-token", b"".as_slice())],
        vec![("approov-token", b"   ".as_slice())],
        vec![
            ("approov-token", valid.as_bytes()),
            ("Approov-Token", valid.as_bytes()),
        ],
    ] {
        let refused = send(&routes, "/news", &bad).await;
        assert_eq!(
            (refused.status, refused.body),
            (401, b"{}".to_vec()),
            "{bad:?}"
        );
        assert_eq!(logs.take().len(), 1, "{bad:?}");
    }
}

#[tokio::test]
async fn in_monitor_mode_an_optional_token_reports_its_failure() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let routes = optional_routes(secret.verifier().with_mode(Mode::Monitor));
    let absent = send(&routes, "/news", &[]).await;
    assert_eq!(absent.body, b"none");
    assert_eq!(logs.take(), []);
    let bad = send(&routes, "/news", &[("approov-token", b"a.b.c")]).await;
    assert_eq!(
        (bad.status, bad.body),
        (200, b"failed token_verification_failed".to_vec())
    );
    assert_eq!(logs.take()[0].level, tracing::Level::WARN);
    // An empty header is a token that failed, not an absent one.
    let empty = send(&routes, "/news", &[("approov-token", b"")]).await;
    assert_eq!(
        (empty.status, empty.body),
        (200, b"failed missing_approov_token".to_vec())
    );
    assert_eq!(logs.take()[0].level, tracing::Level::WARN);
}

#[test]
fn an_approov_rejection_gives_its_reason_status_and_source() {
    use std::error::Error as _;

    let expired = ApproovRejection::from(TokenRejection::Expired);
    assert_eq!(expired.reason(), Some(&TokenRejection::Expired));
    assert_eq!(expired.status(), http::StatusCode::UNAUTHORIZED);
    assert_eq!(expired.to_string(), TokenRejection::Expired.to_string());
    let source = expired
        .source()
        .and_then(|s| s.downcast_ref::<TokenRejection>());
    assert_eq!(source, Some(&TokenRejection::Expired));
    assert_eq!(
        expired,
        ApproovRejection::Rejected(TokenRejection::Expired),
        "From is the Rejected variant"
    );

    // The two statuses that are not about the token: approov-core's, not the adapter's.
    for (error, status) in [
        (
            MessageSignatureError::BodyTooLarge,
            http::StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            MessageSignatureError::BodyUnreadable,
            http::StatusCode::BAD_REQUEST,
        ),
        (
            MessageSignatureError::SignatureMismatch,
            http::StatusCode::UNAUTHORIZED,
        ),
    ] {
        let reason = TokenRejection::MessageSignature(error);
        let rejection = ApproovRejection::from(reason.clone());
        assert_eq!(rejection.status().as_u16(), reason.status(), "{error:?}");
        assert_eq!(rejection.status(), status, "{error:?}");
    }

    // The shape every adapter shares; warp's filters never return it.
    let not_configured = ApproovRejection::NotConfigured;
    assert_eq!(not_configured.reason(), None);
    assert!(not_configured.source().is_none());
    assert_eq!(
        not_configured.status(),
        http::StatusCode::INTERNAL_SERVER_ERROR
    );
    assert!(!not_configured.to_string().is_empty());
}

#[tokio::test]
async fn the_filters_reject_with_the_reason_recover_answers_with_its_status() {
    // The rejection a route actually gives, found as a user's recover would find it.
    async fn with_reason(rejection: warp::Rejection) -> Result<Response, warp::Rejection> {
        match rejection.find::<ApproovRejection>() {
            Some(approov) => Ok(warp::reply::with_status(
                format!("{:?}", approov.reason()),
                approov.status(),
            )
            .into_response()),
            None => Err(rejection),
        }
    }
    let secret = TestSecret::new();
    let routes = warp::path!("x")
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovToken| "x")
        .recover(with_reason);
    let expired = secret.token(-5, None);
    let got = send(&routes, "/x", &[("approov-token", expired.as_bytes())]).await;
    assert_eq!(
        (got.status, String::from_utf8(got.body).unwrap()),
        (401, format!("{:?}", Some(TokenRejection::Expired)))
    );
}

#[tokio::test]
async fn in_monitor_mode_the_handler_sees_the_rejection() {
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_mode(Mode::Monitor);
    let routes = warp::path!("account")
        .and(approov_warp::bound_token(
            verifier,
            BindingHeader::AUTHORIZATION,
        ))
        .map(|token: ApproovToken| {
            assert_eq!(token.mode(), Mode::Monitor);
            assert!(token.claims().is_none());
            format!("{:?}", token.rejection())
        })
        .recover(approov_warp::recover);
    let bound = secret.token(60, Some(AUTHORIZATION));
    let got = send(
        &routes,
        "/account",
        &[
            ("approov-token", bound.as_bytes()),
            ("authorization", b"Bearer someone-else"),
        ],
    )
    .await;
    assert_eq!(
        (got.status, String::from_utf8(got.body).unwrap()),
        (200, format!("{:?}", Some(TokenRejection::BindingMismatch)))
    );
}

#[tokio::test]
async fn a_bound_route_inside_a_protected_group_logs_each_failure_once() {
    // The group's `token` refuses a bad token before the route's `bound_token` runs;
    // a good token with the wrong `Authorization` fails only the binding.
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let account = warp::path!("account")
        .and(approov_warp::bound_token(
            secret.verifier(),
            BindingHeader::AUTHORIZATION,
        ))
        .map(|_: ApproovToken| "account");
    let routes = warp::path("api")
        .and(approov_warp::token(secret.verifier()))
        .and(account)
        .map(|_: ApproovToken, reply| reply)
        .recover(approov_warp::recover);
    let bound = secret.token(60, Some(AUTHORIZATION));
    let token = ("approov-token", bound.as_bytes());

    let ok = send(
        &routes,
        "/api/account",
        &[token, ("authorization", AUTHORIZATION.as_bytes())],
    )
    .await;
    assert_eq!((ok.status, ok.body), (200, b"account".to_vec()));
    assert_eq!(logs.take(), []);

    for (headers, code) in [
        (vec![], "missing_approov_token"),
        (vec![token], "missing_binding_header"),
        (
            vec![token, ("authorization", b"Bearer other".as_slice())],
            "binding_mismatch",
        ),
    ] {
        assert_eq!(send(&routes, "/api/account", &headers).await.status, 401);
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0].code, code);
    }
}

#[tokio::test]
async fn a_recover_of_your_own_can_answer_with_the_reason() {
    async fn with_code(rejection: warp::Rejection) -> Result<Response, warp::Rejection> {
        match rejection.find::<ApproovRejection>() {
            Some(approov) => Ok(warp::reply::with_status(
                approov.reason().map_or("", |reason| reason.code()),
                http::StatusCode::FORBIDDEN,
            )
            .into_response()),
            None => Err(rejection),
        }
    }
    let secret = TestSecret::new();
    let routes = warp::path!("x")
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovToken| "x")
        .recover(with_code);
    let got = send(
        &routes,
        "/x",
        &[("approov-token", secret.token(-5, None).as_bytes())],
    )
    .await;
    assert_eq!((got.status, got.body), (403, b"token_expired".to_vec()));
}

#[tokio::test]
async fn a_rejected_token_beside_or_routes_still_answers_401() {
    let secret = TestSecret::new();
    // A GET route with the token, and siblings on the same path with other methods
    // and on other paths: their 405 and 404 rejections must not hide the 401.
    let get = warp::path!("orders")
        .and(warp::get())
        .and(approov_warp::token(secret.verifier()))
        .map(|_: ApproovToken| "list");
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
    async fn method_first(rejection: warp::Rejection) -> Result<Response, warp::Rejection> {
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
        .map(|_: ApproovToken| "list");
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
        .map(|_: ApproovToken| "x");
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
        .map(|_: ApproovToken| "x")
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
        .map(|_: ApproovToken, reply| reply);
    let routes = warp::path!("health")
        .map(|| "ok")
        .or(api)
        .recover(approov_warp::recover);
    let token = secret.token(60, None);
    let with = [("approov-token", token.as_bytes())];
    assert_eq!(send(&routes, "/api/users", &with).await.body, b"users");
    assert_eq!(send(&routes, "/api/orders", &[]).await.status, 401);
    assert_eq!(send(&routes, "/api/elsewhere", &[]).await.status, 401);
    assert_eq!(send(&routes, "/health", &[]).await.status, 200);
    assert_eq!(send(&routes, "/elsewhere", &[]).await.status, 404);
}

#[tokio::test]
async fn binding_to_another_header() {
    let secret = TestSecret::new();
    let routes = approov_warp::bound_token(secret.verifier(), "X-Device-Id")
        .map(|_: ApproovToken| "ok")
        .recover(approov_warp::recover);
    let token = secret.token(60, Some("device-42"));
    let token = ("approov-token", token.as_bytes());
    let device = |id: &'static [u8]| [token, ("x-device-id", id)];
    assert_eq!(send(&routes, "/", &device(b"device-42")).await.status, 200);
    assert_eq!(send(&routes, "/", &device(b"device-43")).await.status, 401);
}

#[tokio::test]
async fn a_custom_token_header() {
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_token_header("X-Approov");
    let routes = approov_warp::optional_token(verifier)
        .map(|token: Option<ApproovToken>| if token.is_some() { "some" } else { "none" })
        .recover(approov_warp::recover);
    let token = secret.token(60, None);
    let got = send(&routes, "/", &[("x-approov", token.as_bytes())]).await;
    assert_eq!(got.body, b"some");
    // The default header is not read any more.
    let got = send(&routes, "/", &[("approov-token", token.as_bytes())]).await;
    assert_eq!(got.body, b"none");
}
