//! The Rocket example server: `cargo run -p example-rocket -- --demo`.
use approov_rocket::{ApproovToken, ApproovVerifier, BindingHeaders, BoundApproovToken};
use approov_rocket::{MessageSignedToken, SignedBody};
use example_support::HELLO;
use rocket::{fairing::AdHoc, get, http::ContentType, post, routes, Build, Rocket};

type Json = (ContentType, &'static str);

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

#[post("/token-message-signing", data = "<_body>")] // The same, and it reads the body.
fn token_signed_body(_body: SignedBody) -> Json {
    (ContentType::JSON, HELLO)
}

pub(crate) fn rocket(
    verifier: ApproovVerifier,
    config: impl rocket::figment::Provider,
) -> Rocket<Build> {
    rocket::custom(config)
        .manage(verifier)
        .register("/", approov_rocket::catchers()) // Approov's 401s answer `{}` as JSON.
        .mount("/", routes![unprotected, token_check])
        .mount("/", routes![token_binding, token_double_binding])
        .mount("/", routes![token_message_signing, token_signed_body])
}

#[rocket::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = example_support::Options::from_args("example-rocket", 8004);
    let verifier = if options.demo {
        options.demo_verifier()
    } else {
        ApproovVerifier::from_env()?
    };
    options.reload_keys_on_sighup(&verifier); // SIGHUP: re-read the keys, swap them in at once
                                              // HOST and PORT win over ROCKET_ADDRESS and ROCKET_PORT.
    let config = rocket::Config::figment()
        .merge(("address", options.addr.ip()))
        .merge(("port", options.addr.port()));
    let listening = options.clone();
    let liftoff = AdHoc::on_liftoff("listening", move |rocket| {
        let bound = rocket.config(); // The address Rocket bound: PORT=0 picks a free port.
        listening.listening((bound.address, bound.port).into());
        Box::pin(async {})
    });
    // Rocket drains the requests in flight on SIGTERM and Ctrl-C (its `shutdown` config).
    let stopping = AdHoc::on_shutdown("stopping", |_| {
        Box::pin(async { example_support::log_shutdown() })
    });
    let launched = rocket(verifier, config)
        .attach(liftoff)
        .attach(stopping)
        .launch()
        .await;
    launched.map_err(|e| -> Box<dyn std::error::Error> {
        match e.kind() {
            rocket::error::ErrorKind::Bind(e) => options.cannot_listen(e).into(),
            _ => e.pretty_print().into(), // logs the details, returns a summary
        }
    })?;
    Ok(())
}
