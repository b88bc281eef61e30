//! The warp example server: `cargo run -p example-warp -- --demo`.
use example_support::{fail, Example};

#[tokio::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-warp", 8005);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => fail("example-warp", format!("cannot listen on {addr}: {e}")),
    };
    let addr = listener.local_addr().unwrap_or(addr);
    tracing::info!("example-warp listening on http://{addr}");
    warp::serve(example_warp::routes(verifier))
        .incoming(listener)
        .run()
        .await;
}
