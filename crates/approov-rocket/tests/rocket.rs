//! The Rocket adapter, driven in-process with `rocket::local::blocking::Client`: the
//! shared table (token and message-signing cases) through every guard (enforce and
//! monitor mode, with the reason logged for each case), and what is Rocket's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed unwrap is a failed test

use approov_rocket::{
    ApproovClaims, ApproovRejection, ApproovToken, ApproovVerifier, BindingHeaders,
    BoundApproovToken, MessageSignatureError, MessageSignedToken, Mode, OptionalApproovToken,
    SignedBody, TokenRejection, Verification,
};
use approov_testkit::rocket::get;
use approov_testkit::{
    message_signing_cases, token_cases, LogCapture, Report, TestSecret, AUTHORIZATION, HELLO_BODY,
    SESSION_ID,
};
use rocket::data::{self, Data, FromData, Limits, ToByteUnit};
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{routes, Build, Rocket, Route};

type Json = (ContentType, &'static str);

fn hello() -> Json {
    (ContentType::JSON, HELLO_BODY)
}

/// `Authorization` then `SessionId`.
struct AuthorizationAndSessionId;

impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

#[rocket::get("/unprotected")]
fn unprotected() -> Json {
    hello()
}

/// One guard per route: the obvious way.
mod single {
    use super::*;

    #[rocket::get("/token-check")]
    pub(super) fn token_check(_token: ApproovToken) -> Json {
        hello()
    }

    #[rocket::get("/token-binding")]
    pub(super) fn token_binding(_token: BoundApproovToken) -> Json {
        hello()
    }

    #[rocket::get("/token-double-binding")]
    pub(super) fn token_double_binding(
        _token: BoundApproovToken<AuthorizationAndSessionId>,
    ) -> Json {
        hello()
    }

    #[rocket::get("/token-message-signing")]
    pub(super) fn token_message_signing(_token: MessageSignedToken) -> Json {
        hello()
    }

    #[rocket::post("/token-message-signing", data = "<_body>")]
    pub(super) fn token_message_signing_post(_body: SignedBody) -> Json {
        hello()
    }
}

/// Several Approov guards on one route: the token is checked (and a failure logged)
/// once, and a bound guard reuses that check.
mod stacked {
    use super::*;

    #[rocket::get("/token-check")]
    pub(super) fn token_check(_token: ApproovToken, _again: OptionalApproovToken) -> Json {
        hello()
    }

    #[rocket::get("/token-binding")]
    pub(super) fn token_binding(
        _token: ApproovToken,
        _bound: BoundApproovToken,
        _again: BoundApproovToken,
    ) -> Json {
        hello()
    }

    #[rocket::get("/token-double-binding")]
    pub(super) fn token_double_binding(
        _token: OptionalApproovToken,
        _bound: BoundApproovToken<AuthorizationAndSessionId>,
        _unbound: ApproovToken,
    ) -> Json {
        hello()
    }

    #[rocket::get("/token-message-signing")]
    pub(super) fn token_message_signing(
        _token: ApproovToken,
        _signed: MessageSignedToken,
        _again: MessageSignedToken,
        _optional: OptionalApproovToken,
    ) -> Json {
        hello()
    }

    #[rocket::post("/token-message-signing", data = "<_body>")]
    pub(super) fn token_message_signing_post(
        _token: ApproovToken,
        _optional: OptionalApproovToken,
        _body: SignedBody,
    ) -> Json {
        hello()
    }
}

/// One data guard for both methods: `SignedBody` on a `GET` route too.
mod data_guard_only {
    use super::*;

    #[rocket::get("/token-message-signing", data = "<_body>")]
    pub(super) fn token_message_signing(_body: SignedBody) -> Json {
        hello()
    }
}

/// The way a user's own guard protects every route that takes it.
mod wrapped {
    use super::*;

    /// A guard of the app's own that asks for Approov's first.
    pub(super) struct ApiClient;

    #[rocket::async_trait]
    impl<'r> FromRequest<'r> for ApiClient {
        type Error = ApproovRejection;

        async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
            request.guard::<ApproovToken>().await.map(|_| ApiClient)
        }
    }

    pub(super) struct BoundApiClient;

    #[rocket::async_trait]
    impl<'r> FromRequest<'r> for BoundApiClient {
        type Error = ApproovRejection;

        async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
            request
                .guard::<BoundApproovToken>()
                .await
                .map(|_| BoundApiClient)
        }
    }

    pub(super) struct SignedApiClient;

    #[rocket::async_trait]
    impl<'r> FromRequest<'r> for SignedApiClient {
        type Error = ApproovRejection;

        async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
            request
                .guard::<MessageSignedToken>()
                .await
                .map(|_| SignedApiClient)
        }
    }

    /// A data guard of the app's own that would parse its value from a signed body.
    pub(super) struct Order;

    #[rocket::async_trait]
    impl<'r> FromData<'r> for Order {
        type Error = ApproovRejection;

        async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
            SignedBody::from_data(request, data)
                .await
                .map(|_body| Order)
        }
    }

    #[rocket::get("/token-check")]
    pub(super) fn token_check(_client: ApiClient) -> Json {
        hello()
    }

    #[rocket::get("/token-binding")]
    pub(super) fn token_binding(_client: BoundApiClient) -> Json {
        hello()
    }

    #[rocket::get("/token-message-signing")]
    pub(super) fn token_message_signing(_client: SignedApiClient) -> Json {
        hello()
    }

    #[rocket::post("/token-message-signing", data = "<_order>")]
    pub(super) fn token_message_signing_post(_order: Order) -> Json {
        hello()
    }
}

/// Captures what the check logs on this thread. Every test installs it first: a
/// tracing callsite first hit while no subscriber that wants it is alive is cached as
/// uninteresting, which would hide the log lines of a test running beside it.
fn capture() -> (LogCapture, approov_testkit::CaptureGuard) {
    LogCapture::install()
}

fn app(verifier: ApproovVerifier, routes: Vec<Route>) -> Rocket<Build> {
    // The table sends a 2 MiB body that the signature does not cover: read for the
    // handler up to Rocket's `bytes` limit, which an app raises for large uploads.
    let config = rocket::Config {
        limits: Limits::default().limit("bytes", 4.mebibytes()),
        ..rocket::Config::debug_default()
    };
    rocket::custom(config)
        .manage(verifier)
        .register("/", approov_rocket::catchers())
        .mount("/", routes![unprotected])
        .mount("/", routes)
}

fn ways() -> Vec<(&'static str, Vec<Route>)> {
    vec![
        (
            "one guard per route",
            routes![
                single::token_check,
                single::token_binding,
                single::token_double_binding,
                single::token_message_signing,
                single::token_message_signing_post
            ],
        ),
        (
            "stacked guards",
            routes![
                stacked::token_check,
                stacked::token_binding,
                stacked::token_double_binding,
                stacked::token_message_signing,
                stacked::token_message_signing_post
            ],
        ),
        (
            "the app's own guard",
            routes![
                wrapped::token_check,
                wrapped::token_binding,
                single::token_double_binding,
                wrapped::token_message_signing,
                wrapped::token_message_signing_post
            ],
        ),
        (
            "a data guard on GET",
            routes![
                single::token_check,
                single::token_binding,
                single::token_double_binding,
                data_guard_only::token_message_signing,
                single::token_message_signing_post
            ],
        ),
    ]
}

fn run_table(mode: Mode) {
    let (logs, _capture) = capture();
    for (way, routes) in ways() {
        let secret = TestSecret::new();
        let client = Client::tracked(app(secret.verifier().with_mode(mode), routes)).unwrap();
        let mut report = Report::new(format!("rocket ({way}, {mode:?})")).in_mode(mode);
        for case in token_cases(&secret)
            .into_iter()
            .chain(message_signing_cases(&secret))
        {
            logs.take();
            let observed = approov_testkit::rocket::case(&client, &case);
            let logged = logs.take();
            report.record_logged(&case, &observed, false, &logged);
        }
        report.finish();
    }
}

fn body_too_large() -> TokenRejection {
    TokenRejection::MessageSignature(MessageSignatureError::BodyTooLarge)
}

#[test]
fn every_guard_answers_every_case_of_the_table() {
    run_table(Mode::Enforce);
}

#[test]
fn in_monitor_mode_every_guard_lets_every_case_through_and_warns() {
    run_table(Mode::Monitor);
}

#[test]
fn claims_reach_the_handler() {
    let _capture = capture();
    #[rocket::get("/did")]
    fn did(token: ApproovToken) -> String {
        token.into_claims().and_then(|c| c.did).unwrap_or_default()
    }
    #[rocket::get("/bound-exp")]
    fn bound_exp(token: BoundApproovToken) -> String {
        token
            .claims()
            .map(|c| c.exp.to_string())
            .unwrap_or_default()
    }
    let secret = TestSecret::new();
    let client = Client::tracked(app(secret.verifier(), routes![did, bound_exp])).unwrap();
    let token = secret.token(60, Some(AUTHORIZATION));
    let got = get(&client, "/did", &[("Approov-Token", token.as_bytes())]);
    assert_eq!(
        (got.status, got.body),
        (200, b"ExampleApproovDeviceID==".to_vec())
    );
    let exp = secret.verifier().verify(&token).unwrap().exp;
    let got = get(
        &client,
        "/bound-exp",
        &[
            ("Approov-Token", token.as_bytes()),
            ("Authorization", AUTHORIZATION.as_bytes()),
        ],
    );
    assert_eq!((got.status, got.body), (200, exp.to_string().into_bytes()));
}

#[test]
fn binding_to_another_header() {
    let _capture = capture();
    struct DeviceId;
    impl BindingHeaders for DeviceId {
        const HEADERS: &'static [&'static str] = &["x-device-id"];
    }
    #[rocket::get("/device")]
    fn device(_token: BoundApproovToken<DeviceId>) -> &'static str {
        "ok"
    }
    let secret = TestSecret::new();
    let client = Client::tracked(app(secret.verifier(), routes![device])).unwrap();
    let token = secret.token(60, Some("device-42"));
    let token = token.as_bytes();
    let status = |headers: &[(&str, &[u8])]| get(&client, "/device", headers).status;
    assert_eq!(
        status(&[("Approov-Token", token), ("X-Device-Id", b"device-42")]),
        200
    );
    assert_eq!(
        status(&[("Approov-Token", token), ("X-Device-Id", b"device-43")]),
        401
    );
    assert_eq!(
        status(&[("Approov-Token", token), ("Authorization", b"device-42")]),
        401
    );
}

/// Rocket has no request extensions, but its request-local cache is open to every
/// fairing and guard: a forged `ApproovClaims`, or a passing `Verification` made for
/// another request, put there does not skip the check.
#[test]
fn forged_values_in_the_request_cache_do_not_skip_the_check() {
    let _capture = capture();
    let secret = TestSecret::new();
    let verifier = secret.verifier();
    let valid = secret.token(60, Some(AUTHORIZATION));
    let passing: Verification = verifier.check_request(
        |name| match name {
            "approov-token" => vec![valid.as_bytes()],
            "authorization" => vec![AUTHORIZATION.as_bytes()],
            _ => vec![],
        },
        None,
    );
    assert!(passing.passed());
    let forged: ApproovClaims =
        serde_json::from_str(r#"{"exp": 99999999999, "did": "forged"}"#).unwrap();
    let forger = AdHoc::on_request("forger", move |request, _| {
        let (passing, forged) = (passing.clone(), forged.clone());
        Box::pin(async move {
            request.local_cache(|| forged);
            request.local_cache(|| passing.clone());
            request.local_cache(|| Some(passing));
        })
    });
    let client = Client::tracked(
        app(
            verifier,
            routes![
                single::token_check,
                single::token_binding,
                single::token_message_signing,
                single::token_message_signing_post
            ],
        )
        .attach(forger),
    )
    .unwrap();
    for path in ["/token-check", "/token-binding", "/token-message-signing"] {
        let got = get(
            &client,
            path,
            &[("Authorization", AUTHORIZATION.as_bytes())],
        );
        assert_eq!((got.status, got.body), (401, b"{}".to_vec()), "{path}");
    }
    let got = approov_testkit::rocket::observe(client.post("/token-message-signing").dispatch());
    assert_eq!((got.status, got.body), (401, b"{}".to_vec()));
}

#[test]
fn optional_token_is_absent_only_without_a_header() {
    let (logs, _capture) = capture();
    #[rocket::get("/optional")]
    fn optional(token: OptionalApproovToken) -> String {
        match token.0 {
            Some(token) => format!("some {}", token.passed()),
            None => "none".into(),
        }
    }
    for mode in [Mode::Enforce, Mode::Monitor] {
        let secret = TestSecret::new();
        let client =
            Client::tracked(app(secret.verifier().with_mode(mode), routes![optional])).unwrap();
        let valid = secret.token(60, None);
        let expired = secret.token(-60, None);

        let absent = get(&client, "/optional", &[]);
        assert_eq!((absent.status, absent.body), (200, b"none".to_vec()));
        assert_eq!(logs.take(), [], "an absent token is not a failure to log");

        let present = get(&client, "/optional", &[("Approov-Token", valid.as_bytes())]);
        assert_eq!((present.status, present.body), (200, b"some true".to_vec()));

        let bad = get(
            &client,
            "/optional",
            &[("Approov-Token", expired.as_bytes())],
        );
        match mode {
            Mode::Enforce => assert_eq!((bad.status, bad.body), (401, b"{}".to_vec())),
            _ => assert_eq!((bad.status, bad.body), (200, b"some false".to_vec())),
        }
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0].code, "token_expired");

        // An empty header is there: it is a failed token, not an absent one.
        let empty = get(&client, "/optional", &[("Approov-Token", b"")]);
        match mode {
            Mode::Enforce => assert_eq!(empty.status, 401),
            _ => assert_eq!((empty.status, empty.body), (200, b"some false".to_vec())),
        }
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0].code, "missing_approov_token");

        // Two tokens: there, and refused, however valid each is.
        let twice = get(
            &client,
            "/optional",
            &[
                ("Approov-Token", valid.as_bytes()),
                ("approov-token", valid.as_bytes()),
            ],
        );
        match mode {
            Mode::Enforce => assert_eq!((twice.status, twice.body), (401, b"{}".to_vec())),
            _ => assert_eq!((twice.status, twice.body), (200, b"some false".to_vec())),
        }
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert_eq!(logged[0].code, "token_verification_failed");
    }
}

/// Why `OptionalApproovToken` exists: Rocket's `Option<T>` guard turns a failed
/// guard into `None`, so `Option<ApproovToken>` lets a bad token through.
#[test]
fn option_of_approov_token_would_swallow_a_bad_token() {
    let _capture = capture();
    #[rocket::get("/rocket-option")]
    fn rocket_option(token: Option<ApproovToken>) -> &'static str {
        match token {
            Some(_) => "some",
            None => "none",
        }
    }
    #[rocket::get("/ours")]
    fn ours(token: OptionalApproovToken) -> &'static str {
        match token.0 {
            Some(_) => "some",
            None => "none",
        }
    }
    let secret = TestSecret::new();
    let client = Client::tracked(app(secret.verifier(), routes![rocket_option, ours])).unwrap();
    let expired = secret.token(-60, None);
    let headers: &[(&str, &[u8])] = &[("Approov-Token", expired.as_bytes())];
    let swallowed = get(&client, "/rocket-option", headers);
    assert_eq!((swallowed.status, swallowed.body), (200, b"none".to_vec()));
    let refused = get(&client, "/ours", headers);
    assert_eq!((refused.status, refused.body), (401, b"{}".to_vec()));
}

#[test]
fn in_monitor_mode_the_handler_sees_why() {
    let _capture = capture();
    #[rocket::get("/why")]
    fn why(token: ApproovToken) -> String {
        format!(
            "{:?} {:?} {}",
            token.mode(),
            token.rejection().map(|r| r.code()),
            token.claims().is_some()
        )
    }
    #[rocket::get("/why-bound")]
    fn why_bound(token: BoundApproovToken) -> String {
        format!("{:?}", token.rejection().map(|r| r.code()))
    }
    let secret = TestSecret::new();
    let client = Client::tracked(app(
        secret.verifier().with_mode(Mode::Monitor),
        routes![why, why_bound],
    ))
    .unwrap();
    let got = get(&client, "/why", &[]);
    assert_eq!(
        (got.status, String::from_utf8(got.body).unwrap()),
        (200, r#"Monitor Some("missing_approov_token") false"#.into())
    );
    let valid = secret.token(60, None);
    let got = get(&client, "/why", &[("Approov-Token", valid.as_bytes())]);
    assert_eq!(String::from_utf8(got.body).unwrap(), "Monitor None true");
    // A token that passes but is not bound.
    let got = get(
        &client,
        "/why-bound",
        &[
            ("Approov-Token", valid.as_bytes()),
            ("Authorization", AUTHORIZATION.as_bytes()),
        ],
    );
    assert_eq!(
        (got.status, String::from_utf8(got.body).unwrap()),
        (200, r#"Some("binding_mismatch")"#.into())
    );
}

/// Several guards on one route: one check, one log line for a failure, and a token
/// that passes every binding passes.
#[test]
fn stacked_guards_check_and_log_once() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let client = Client::tracked(app(
        secret.verifier(),
        routes![stacked::token_binding, stacked::token_double_binding],
    ))
    .unwrap();
    let bound = secret.token(60, Some(AUTHORIZATION));
    let auth: (&str, &[u8]) = ("Authorization", AUTHORIZATION.as_bytes());

    let got = get(
        &client,
        "/token-binding",
        &[("Approov-Token", bound.as_bytes()), auth],
    );
    assert_eq!(got.status, 200);
    assert_eq!(logs.take(), []);

    // Unbound check fails: the first guard refuses, logged once.
    let expired = secret.token(-5, Some(AUTHORIZATION));
    let got = get(
        &client,
        "/token-binding",
        &[("Approov-Token", expired.as_bytes()), auth],
    );
    assert_eq!(got.status, 401);
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "token_expired");

    // The binding fails: two bound guards, one log line.
    let other = ("Authorization", b"Bearer someone-else".as_slice());
    let got = get(
        &client,
        "/token-binding",
        &[("Approov-Token", bound.as_bytes()), other],
    );
    assert_eq!(got.status, 401);
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "binding_mismatch");

    let double = secret.token_bound_to(60, &[AUTHORIZATION, SESSION_ID]);
    let got = get(
        &client,
        "/token-double-binding",
        &[
            ("Approov-Token", double.as_bytes()),
            auth,
            ("SessionId", SESSION_ID.as_bytes()),
        ],
    );
    assert_eq!(got.status, 200);
    assert_eq!(logs.take(), []);
}

#[test]
fn a_rocket_without_a_verifier_fails_at_launch() {
    let _capture = capture();
    for routes in [
        routes![single::token_check],
        routes![single::token_binding],
        routes![single::token_double_binding],
        routes![stacked::token_check],
    ] {
        let error = match Client::tracked(
            rocket::custom(rocket::Config::debug_default()).mount("/", routes),
        ) {
            Ok(_) => panic!("launch must fail without a verifier"),
            Err(error) => error,
        };
        match error.kind() {
            rocket::error::ErrorKind::SentinelAborts(sentries) => {
                assert!(
                    sentries
                        .iter()
                        .any(|s| s.type_name.contains("ApproovToken")),
                    "{sentries:?}"
                );
            }
            other => panic!("expected a sentinel abort, got {other:?}"),
        }
    }
}

/// A guard of the app's own hides ours from the sentinel: without a verifier the
/// request fails with 500, never passes.
#[test]
fn without_a_verifier_a_wrapped_guard_fails_closed() {
    let _capture = capture();
    let client = Client::tracked(
        rocket::custom(rocket::Config::debug_default())
            .register("/", approov_rocket::catchers())
            .mount("/", routes![wrapped::token_check]),
    )
    .unwrap();
    assert_eq!(get(&client, "/token-check", &[]).status, 500);
}

/// The catchers answer `{}` only for a request an Approov guard failed: a 401, 400 or
/// 413 from anything else keeps Rocket's own answer (an HTML page for this client).
#[test]
fn the_catchers_leave_other_401s_400s_and_413s_alone() {
    let _capture = capture();
    struct OtherAuth;
    #[rocket::async_trait]
    impl<'r> FromRequest<'r> for OtherAuth {
        type Error = ();
        async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
            let status = request
                .headers()
                .get_one("x-fail")
                .and_then(|s| s.parse().ok());
            Outcome::Error((Status::new(status.unwrap_or(401)), ()))
        }
    }
    #[rocket::get("/other")]
    fn other(_token: ApproovToken, _auth: OtherAuth) -> &'static str {
        "never"
    }
    /// Rocket's own `String` data guard, behind a token that passes.
    #[rocket::post("/text", data = "<text>")]
    fn text(_token: ApproovToken, text: String) -> String {
        text
    }
    let secret = TestSecret::new();
    let config = rocket::Config {
        limits: Limits::default().limit("string", 8.bytes()),
        ..rocket::Config::debug_default()
    };
    let client = Client::tracked(
        rocket::custom(config)
            .manage(secret.verifier())
            .register("/", approov_rocket::catchers())
            .mount("/", routes![other, text, single::token_check]),
    )
    .unwrap();
    let token = secret.token(60, None);
    let rockets_own = |got: approov_testkit::Observed, status: u16| {
        assert_eq!(got.status, status);
        assert_eq!(
            got.content_type.as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_ne!(got.body, b"{}", "a {status} keeps Rocket's own answer");
    };

    let token_header: (&str, &[u8]) = ("Approov-Token", token.as_bytes());
    rockets_own(get(&client, "/other", &[token_header]), 401);
    for status in [400, 413] {
        let fail = status.to_string();
        let got = get(
            &client,
            "/other",
            &[token_header, ("X-Fail", fail.as_bytes())],
        );
        rockets_own(got, status);
    }
    // Rocket's own data limit (its `String` guard answers 400).
    let too_long = client
        .post("/text")
        .header(rocket::http::Header::new("Approov-Token", token.clone()))
        .body("longer than eight bytes")
        .dispatch();
    rockets_own(approov_testkit::rocket::observe(too_long), 400);

    let ours = get(&client, "/token-check", &[]);
    assert_eq!(
        (
            ours.status,
            ours.content_type.as_deref(),
            ours.body.as_slice()
        ),
        (401, Some("application/json"), b"{}".as_slice())
    );
}

#[test]
fn the_rejection_says_why_and_with_which_status() {
    use std::error::Error;
    use std::io::ErrorKind;

    let expired = ApproovRejection::from(TokenRejection::Expired);
    assert_eq!(expired, ApproovRejection::Rejected(TokenRejection::Expired));
    assert_eq!(expired.reason(), Some(&TokenRejection::Expired));
    assert_eq!(expired.status(), Status::Unauthorized);
    assert_eq!(expired.to_string(), TokenRejection::Expired.to_string());
    assert_eq!(
        expired.source().map(ToString::to_string),
        Some(TokenRejection::Expired.to_string())
    );

    // A covered body's two statuses are the core's.
    let too_large = ApproovRejection::from(body_too_large());
    assert_eq!(too_large.status(), Status::PayloadTooLarge);
    assert_eq!(
        too_large.reason().map(TokenRejection::code),
        Some("message_signature_body_too_large")
    );
    let unreadable = ApproovRejection::from(TokenRejection::MessageSignature(
        MessageSignatureError::BodyUnreadable,
    ));
    assert_eq!(unreadable.status(), Status::BadRequest);

    // Not refusals: no reason.
    for (rejection, status) in [
        (ApproovRejection::NotConfigured, Status::InternalServerError),
        (ApproovRejection::PayloadTooLarge, Status::PayloadTooLarge),
        (
            ApproovRejection::BodyUnreadable(ErrorKind::UnexpectedEof),
            Status::BadRequest,
        ),
    ] {
        assert_eq!(rejection.reason(), None, "{rejection:?}");
        assert!(rejection.source().is_none(), "{rejection:?}");
        assert_eq!(rejection.status(), status, "{rejection:?}");
        assert!(!rejection.to_string().is_empty());
    }
    assert!(ApproovRejection::NotConfigured
        .to_string()
        .contains(".manage(ApproovVerifier::from_env()?)"));
}

#[test]
fn a_result_guard_sees_the_reason() {
    let _capture = capture();
    #[rocket::get("/result")]
    fn result(token: Result<ApproovToken, ApproovRejection>) -> (Status, String) {
        match token {
            Ok(_) => (Status::Ok, "ok".into()),
            Err(error) => (
                Status::Forbidden,
                error.reason().map(|r| r.code()).unwrap_or("none").into(),
            ),
        }
    }
    let secret = TestSecret::new();
    let client = Client::tracked(app(secret.verifier(), routes![result])).unwrap();
    let got = get(&client, "/result", &[("Approov-Token", b"garbage")]);
    assert_eq!(
        (got.status, got.body),
        (403, b"token_verification_failed".to_vec())
    );
}
