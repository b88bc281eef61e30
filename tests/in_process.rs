//! The shared table against the four example apps, each through its framework's own
//! in-process test client, in enforce and in monitor mode, checking the code and
//! reason logged for every case. The examples' `main.rs` files (and the `demo.rs` each
//! declares, found beside it: a file loaded by `#[path]` is a `mod.rs`) are compiled
//! into this test as they are: what a user copies is what is tested. Each also tells
//! the JWKS URL story: keys picked up, rotated by a refresh, and kept through failed
//! refreshes.
#![allow(clippy::panic)] // a test helper fails its test by panicking

use approov_core::Mode;
use approov_testkit::{cases, Case, Expect, JwksRotation, LogCapture, Report, Route, TestSecret};

#[allow(dead_code)]
#[path = "../examples/axum/src/main.rs"]
mod axum_example;

#[allow(dead_code)]
#[path = "../examples/actix/src/main.rs"]
mod actix_example;

#[allow(dead_code)]
#[path = "../examples/rocket/src/main.rs"]
mod rocket_example;

#[allow(dead_code)]
#[path = "../examples/warp/src/main.rs"]
mod warp_example;

const MODES: [Mode; 2] = [Mode::Enforce, Mode::Monitor];

#[tokio::test]
async fn axum() {
    for mode in MODES {
        // First: tracing decides once per call site whether anyone listens.
        let (logs, _guard) = LogCapture::install();
        let secret = TestSecret::new();
        let app = axum_example::app(secret.verifier().with_mode(mode));
        let mut report = Report::new(format!("axum (in-process, {mode:?})")).in_mode(mode);
        for case in cases(&secret) {
            logs.take();
            let observed = approov_testkit::axum::case(&app, &case).await;
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

#[actix_web::test]
async fn actix() {
    for mode in MODES {
        // First: tracing decides once per call site whether anyone listens.
        let (logs, _guard) = LogCapture::install();
        let secret = TestSecret::new();
        let app = actix_web::test::init_service(
            actix_web::App::new()
                .configure(actix_example::routes(secret.verifier().with_mode(mode))),
        )
        .await;
        let mut report = Report::new(format!("actix (in-process, {mode:?})")).in_mode(mode);
        for case in cases(&secret) {
            logs.take();
            let observed = approov_testkit::actix::case(&app, &case).await;
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

#[test]
fn rocket() {
    for mode in MODES {
        // First: tracing decides once per call site whether anyone listens.
        let (logs, _guard) = LogCapture::install();
        let secret = TestSecret::new();
        let rocket = rocket_example::rocket(
            secret.verifier().with_mode(mode),
            rocket::Config::debug_default(),
        );
        let client = match rocket::local::blocking::Client::tracked(rocket) {
            Ok(client) => client,
            Err(e) => panic!("rocket (in-process): the example does not launch: {e}"),
        };
        let mut report = Report::new(format!("rocket (in-process, {mode:?})")).in_mode(mode);
        for case in cases(&secret) {
            logs.take();
            let observed = approov_testkit::rocket::case(&client, &case);
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

#[tokio::test]
async fn warp() {
    for mode in MODES {
        // First: tracing decides once per call site whether anyone listens.
        let (logs, _guard) = LogCapture::install();
        let secret = TestSecret::new();
        let routes = warp_example::routes(secret.verifier().with_mode(mode));
        let mut report = Report::new(format!("warp (in-process, {mode:?})")).in_mode(mode);
        for case in cases(&secret) {
            logs.take();
            let observed = approov_testkit::warp::case(&routes, &case).await;
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

/// The vendor's 3.8 client through the axum example in-process, under each signature
/// requirement (over real HTTP, all four examples run it from the environment).
#[tokio::test]
async fn axum_next_client() {
    use approov_core::{AccountKey, MessageSigning, SignatureRequirement};
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let account = AccountKey::generate();
    for requirement in [
        SignatureRequirement::Install,
        SignatureRequirement::Account,
        SignatureRequirement::Either,
        SignatureRequirement::Both,
    ] {
        let signing = MessageSigning::default()
            .with_account_key(account.clone())
            .with_requirement(requirement);
        let app = axum_example::app(secret.verifier().with_message_signing(signing));
        let mut report = Report::new(format!("axum (in-process, 3.8 client, {requirement})"));
        for case in approov_testkit::next_client_cases(&secret, &account, requirement) {
            logs.take();
            let observed = approov_testkit::axum::case(&app, &case).await;
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

/// A verifier that also fetches `story`'s JWKS, refreshed quickly.
fn with_jwks_url(secret: &TestSecret, story: &JwksRotation) -> approov_axum::ApproovVerifier {
    let url = approov_axum::JwksUrl::new(&story.url())
        .unwrap_or_else(|e| panic!("{e}"))
        .refresh_every(JwksRotation::REFRESH);
    secret
        .verifier()
        .with_jwks_url(url)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The token-check request of the JWKS story.
fn token_check(token: &str) -> Case {
    Case::get(
        "JWKS story",
        Route::TokenCheck,
        vec![("Approov-Token", token.as_bytes().to_vec())],
        Expect::Hello,
    )
}

#[test]
fn axum_jwks_url() {
    // Every test here installs a capture first: see the table tests.
    let (_logs, _guard) = LogCapture::install();
    let story = JwksRotation::start();
    let app = axum_example::app(with_jwks_url(&TestSecret::new(), &story));
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    story.run(|token| {
        runtime
            .block_on(approov_testkit::axum::case(&app, &token_check(token)))
            .status
    });
}

#[test]
fn actix_jwks_url() {
    // Every test here installs a capture first: see the table tests.
    let (_logs, _guard) = LogCapture::install();
    let story = JwksRotation::start();
    let verifier = with_jwks_url(&TestSecret::new(), &story);
    let system = actix_web::rt::System::new();
    let app = system.block_on(actix_web::test::init_service(
        actix_web::App::new().configure(actix_example::routes(verifier)),
    ));
    story.run(|token| {
        system
            .block_on(approov_testkit::actix::case(&app, &token_check(token)))
            .status
    });
}

#[test]
fn rocket_jwks_url() {
    // Every test here installs a capture first: see the table tests.
    let (_logs, _guard) = LogCapture::install();
    let story = JwksRotation::start();
    let rocket = rocket_example::rocket(
        with_jwks_url(&TestSecret::new(), &story),
        rocket::Config::debug_default(),
    );
    let client = rocket::local::blocking::Client::tracked(rocket)
        .unwrap_or_else(|e| panic!("rocket (in-process): the example does not launch: {e}"));
    story.run(|token| approov_testkit::rocket::case(&client, &token_check(token)).status);
}

#[test]
fn warp_jwks_url() {
    // Every test here installs a capture first: see the table tests.
    let (_logs, _guard) = LogCapture::install();
    let story = JwksRotation::start();
    let routes = warp_example::routes(with_jwks_url(&TestSecret::new(), &story));
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    story.run(|token| {
        runtime
            .block_on(approov_testkit::warp::case(&routes, &token_check(token)))
            .status
    });
}
