//! The Rocket example server: `cargo run -p example-rocket -- --demo`.
use example_support::{fail, Example};

#[rocket::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-rocket", 8004);
    // HOST and PORT win over any ROCKET_ADDRESS / ROCKET_PORT.
    let config = rocket::Config::figment()
        .merge(("address", addr.ip()))
        .merge(("port", addr.port()));
    if let Err(e) = example_rocket::rocket(verifier, config).launch().await {
        fail("example-rocket", e);
    }
}
