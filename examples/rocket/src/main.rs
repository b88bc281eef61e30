//! The Rocket example server: `cargo run -p example-rocket -- --demo`.
//!
//! This file is the whole integration. `demo.rs` runs the example: the command line,
//! `--demo`, `HOST`/`PORT`, logging and the SIGHUP key reload.
#![forbid(unsafe_code)]

mod demo;

use approov_rocket::{ApproovToken, ApproovVerifier, BindingHeaders, BoundApproovToken};
use approov_rocket::{MessageSignedToken, SignedBody};
use rocket::{get, head, http::ContentType, post, routes, Build, Rocket};

type Json = (ContentType, &'static str);

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

#[get("/unprotected")]
fn unprotected() -> Json {
    (ContentType::JSON, HELLO)
}

#[get("/token-check")] // The guard in the signature protects the route.
fn token_check(_token: ApproovToken) -> Json {
    (ContentType::JSON, HELLO)
}

#[get("/token-binding")] // Bound to `Authorization`, the default binding.
fn token_binding(_token: BoundApproovToken) -> Json {
    (ContentType::JSON, HELLO)
}

/// Double binding: `Authorization` then `SessionId`.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

#[get("/token-double-binding")]
fn token_double_binding(_token: BoundApproovToken<AuthorizationAndSessionId>) -> Json {
    (ContentType::JSON, HELLO)
}

#[get("/token-message-signing")] // The token, and the app's signature over the request.
fn token_message_signing(_token: MessageSignedToken) -> Json {
    (ContentType::JSON, HELLO)
}

// Without it Rocket answers HEAD with the GET route, the request presented as a GET:
// a signature over `GET` would pass for a `HEAD`. With it, HEAD is checked as HEAD.
#[head("/token-message-signing")]
fn token_message_signing_head(_token: MessageSignedToken) -> Json {
    (ContentType::JSON, HELLO)
}

#[post("/token-message-signing", data = "<_body>")] // The same, and it reads the body.
fn token_signed_body(_body: SignedBody) -> Json {
    (ContentType::JSON, HELLO)
}

pub(crate) fn rocket(
    verifier: ApproovVerifier,
    config: impl rocket::figment::Provider,
) -> Rocket<Build> {
    // A body the signature does not cover is read as Rocket reads any `Vec<u8>`, up to
    // `limits.bytes` (8 KiB by default): room for the uploads this API takes.
    let config = rocket::figment::Figment::from(config).merge(("limits.bytes", "16MiB"));
    rocket::custom(config)
        .manage(verifier)
        .register("/", approov_rocket::catchers()) // Approov's refusals answer `{}` as JSON.
        .mount("/", routes![unprotected, token_check])
        .mount("/", routes![token_binding, token_double_binding])
        .mount(
            "/",
            routes![token_message_signing, token_message_signing_head],
        )
        .mount("/", routes![token_signed_body])
}

#[rocket::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The command line (`--demo`), HOST and PORT; logging to stderr.
    let options = demo::Options::from_args("example-rocket", 8004);
    let verifier = if options.demo {
        options.demo_verifier()
    } else {
        ApproovVerifier::from_env()?
    };
    options.reload_keys_on_sighup(&verifier); // SIGHUP: re-read the keys, swap them in at once

    // HOST and PORT win over ROCKET_ADDRESS and ROCKET_PORT. On SIGTERM or Ctrl-C, Rocket
    // stops accepting and drains the requests in flight (its `shutdown` config).
    rocket(verifier, options.rocket_config())
        .attach(options.on_liftoff()) // logs the address; with --demo, prints curl commands
        .attach(demo::on_shutdown()) // logs that it is shutting down
        .launch()
        .await
        .map_err(|e| options.launch_error(e))?;
    Ok(())
}
