//! The actix-web example server: `cargo run -p example-actix -- --demo`.
use actix_web::{App, HttpServer};
use example_support::{fail, Example};

#[actix_web::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-actix", 8003);
    let server =
        HttpServer::new(move || App::new().configure(example_actix::routes(verifier.clone())));
    let server = match server.bind(addr) {
        Ok(server) => server,
        Err(e) => fail("example-actix", format!("cannot listen on {addr}: {e}")),
    };
    let addr = server.addrs().first().copied().unwrap_or(addr);
    tracing::info!("example-actix listening on http://{addr}");
    if let Err(e) = server.run().await {
        fail("example-actix", e);
    }
}
