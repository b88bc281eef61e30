//! The axum example server: `cargo run -p example-axum -- --demo`.
use example_support::{fail, Example};

#[tokio::main]
async fn main() {
    let Example { verifier, addr } = Example::from_env("example-axum", 8002);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => fail("example-axum", format!("cannot listen on {addr}: {e}")),
    };
    let addr = listener.local_addr().unwrap_or(addr);
    tracing::info!("example-axum listening on http://{addr}");
    if let Err(e) = axum::serve(listener, example_axum::app(verifier)).await {
        fail("example-axum", e);
    }
}
