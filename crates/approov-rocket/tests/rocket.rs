//! The Rocket adapter, driven in-process with `rocket::local::blocking::Client`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use approov_rocket::{ApproovToken, ApproovVerifier, BindingHeaderName, BoundApproovToken};
use approov_testkit::rocket::get;
use approov_testkit::{cases, Report, TestSecret, HELLO_BODY};
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{routes, Build, Rocket};

type Json = (ContentType, &'static str);

#[rocket::get("/unprotected")]
fn unprotected() -> Json {
    (ContentType::JSON, HELLO_BODY)
}

#[rocket::get("/token-check")]
fn token_check(_token: ApproovToken) -> Json {
    (ContentType::JSON, HELLO_BODY)
}

#[rocket::get("/token-binding")]
fn token_binding(_token: BoundApproovToken) -> Json {
    (ContentType::JSON, HELLO_BODY)
}

fn contract_rocket(verifier: ApproovVerifier) -> Rocket<Build> {
    rocket::custom(rocket::Config::debug_default())
        .manage(verifier)
        .register("/", approov_rocket::catchers())
        .mount("/", routes![unprotected, token_check, token_binding])
}

#[test]
fn guards_answer_every_case_of_the_table() {
    let secret = TestSecret::new();
    let client = Client::tracked(contract_rocket(secret.verifier())).unwrap();
    let mut report = Report::new("rocket (guards)");
    for case in cases(&secret) {
        let headers: Vec<(&str, &[u8])> = case
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_slice()))
            .collect();
        report.record(&case, &get(&client, case.route.path(), &headers), false);
    }
    report.finish();
}

#[test]
fn claims_reach_the_handler() {
    #[rocket::get("/did")]
    fn did(token: ApproovToken) -> String {
        token.0.did.unwrap_or_default()
    }
    #[rocket::get("/bound-exp")]
    fn bound_exp(token: BoundApproovToken) -> String {
        token.exp.to_string()
    }
    let secret = TestSecret::new();
    let client = Client::tracked(
        rocket::custom(rocket::Config::debug_default())
            .manage(secret.verifier())
            .mount("/", routes![did, bound_exp]),
    )
    .unwrap();
    let token = secret.token(60, Some("Bearer me"));
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
            ("Authorization", b"Bearer me"),
        ],
    );
    assert_eq!((got.status, got.body), (200, exp.to_string().into_bytes()));
}

#[test]
fn binding_to_another_header() {
    struct DeviceId;
    impl BindingHeaderName for DeviceId {
        const NAME: &'static str = "x-device-id";
    }
    #[rocket::get("/device")]
    fn device(_token: BoundApproovToken<DeviceId>) -> &'static str {
        "ok"
    }
    let secret = TestSecret::new();
    let client = Client::tracked(
        rocket::custom(rocket::Config::debug_default())
            .manage(secret.verifier())
            .register("/", approov_rocket::catchers())
            .mount("/", routes![device]),
    )
    .unwrap();
    let token = secret.token(60, Some("device-42"));
    let token = token.as_bytes();
    assert_eq!(
        get(
            &client,
            "/device",
            &[("Approov-Token", token), ("X-Device-Id", b"device-42")]
        )
        .status,
        200
    );
    assert_eq!(
        get(
            &client,
            "/device",
            &[("Approov-Token", token), ("X-Device-Id", b"device-43")]
        )
        .status,
        401
    );
    assert_eq!(
        get(
            &client,
            "/device",
            &[("Approov-Token", token), ("Authorization", b"device-42")]
        )
        .status,
        401
    );
}

#[test]
fn a_rocket_without_a_verifier_fails_at_launch() {
    let Err(error) = Client::tracked(
        rocket::custom(rocket::Config::debug_default()).mount("/", routes![token_check]),
    ) else {
        panic!("launch must fail without a verifier");
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

#[test]
fn the_catcher_leaves_other_401s_alone() {
    struct OtherAuth;
    #[rocket::async_trait]
    impl<'r> FromRequest<'r> for OtherAuth {
        type Error = ();
        async fn from_request(_: &'r Request<'_>) -> Outcome<Self, ()> {
            Outcome::Error((Status::Unauthorized, ()))
        }
    }
    #[rocket::get("/other")]
    fn other(_auth: OtherAuth) -> &'static str {
        "never"
    }
    let secret = TestSecret::new();
    let client =
        Client::tracked(contract_rocket(secret.verifier()).mount("/", routes![other])).unwrap();
    let got = get(&client, "/other", &[]);
    assert_eq!(got.status, 401);
    assert_ne!(
        got.body, b"{}",
        "a 401 from another guard keeps Rocket's own answer"
    );
    let ours = get(&client, "/token-check", &[]);
    assert_eq!((ours.status, ours.body), (401, b"{}".to_vec()));
}
