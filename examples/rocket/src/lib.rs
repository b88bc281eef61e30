//! The Rocket example's routes: `/unprotected`, `/token-check` and
//! `/token-binding`. `main.rs` serves them.
#![forbid(unsafe_code)]

use approov_rocket::{ApproovToken, ApproovVerifier, BoundApproovToken};
use example_support::HELLO;
use rocket::http::ContentType;
use rocket::{get, routes, Build, Rocket};

/// The example's Rocket, checking tokens with `verifier`; `config` is Rocket's.
pub fn rocket(verifier: ApproovVerifier, config: impl rocket::figment::Provider) -> Rocket<Build> {
    rocket::custom(config)
        .manage(verifier)
        // Approov's 401s answer `{}` as JSON.
        .register("/", approov_rocket::catchers())
        .mount("/", routes![unprotected, token_check, token_binding])
}

#[get("/unprotected")]
fn unprotected() -> (ContentType, &'static str) {
    (ContentType::JSON, HELLO)
}

/// The guard in the signature protects the route.
#[get("/token-check")]
fn token_check(_token: ApproovToken) -> (ContentType, &'static str) {
    (ContentType::JSON, HELLO)
}

/// Bound to the `Authorization` header (the default binding).
#[get("/token-binding")]
fn token_binding(_token: BoundApproovToken) -> (ContentType, &'static str) {
    (ContentType::JSON, HELLO)
}
