//! The Rocket example: `/unprotected`, `/token-check` and `/token-binding`.
use approov_rocket::{ApproovToken, BoundApproovToken};
use example_support::{Example, HELLO};
use rocket::http::ContentType;
use rocket::{get, routes};

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

#[rocket::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-rocket", 8004);
    // HOST and PORT win over any ROCKET_ADDRESS / ROCKET_PORT.
    let config = rocket::Config::figment()
        .merge(("address", addr.ip()))
        .merge(("port", addr.port()));
    let launched = rocket::custom(config)
        .manage(verifier)
        .register("/", approov_rocket::catchers())
        .mount("/", routes![unprotected, token_check, token_binding])
        .launch()
        .await;
    if let Err(e) = launched {
        example_support::fail("example-rocket", e);
    }
}
