//! The peer: an Approov token check written by hand in axum 0.8 with jsonwebtoken,
//! as a user would without approov-rs. `scripts/load-bench.sh` runs it beside the
//! examples, so the library's cost is measured against this, not against nothing.
//!
//! Same contract as the examples: `APPROOV_BASE64_SECRET` (standard base64), `HOST`
//! (default 127.0.0.1) and `PORT` (default 8006); `GET /unprotected` answers
//! `{"message":"Hello, World!"}`, `GET /token-check` the same with a valid
//! `Approov-Token` (HS256, `exp` required, no leeway, no audience) and 401 `{}` otherwise.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::exit;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

/// The key and the rules, built once and shared by every request.
#[derive(Clone)]
struct Approov(Arc<(DecodingKey, Validation)>);

/// The claims the handler may read; serde skips the others.
#[derive(Debug, Clone, Deserialize)]
struct Claims {
    #[allow(dead_code)] // read by `Validation`, kept to show where claims go
    exp: u64,
}

#[tokio::main]
async fn main() {
    let secret = std::env::var("APPROOV_BASE64_SECRET")
        .unwrap_or_else(|_| fail("APPROOV_BASE64_SECRET is not set"));
    let key = DecodingKey::from_base64_secret(&secret)
        .unwrap_or_else(|e| fail(&format!("APPROOV_BASE64_SECRET is not base64: {e}")));
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp"]);
    validation.leeway = 0;
    validation.validate_aud = false;
    let approov = Approov(Arc::new((key, validation)));

    let app = Router::new()
        .route(
            "/token-check",
            get(hello).route_layer(middleware::from_fn_with_state(approov, check_token)),
        )
        .route("/unprotected", get(hello));

    let host = std::env::var("HOST")
        .ok()
        .map(|host| {
            host.parse()
                .unwrap_or_else(|_| fail("HOST is not an IP address"))
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = std::env::var("PORT")
        .ok()
        .map(|port| {
            port.parse()
                .unwrap_or_else(|_| fail("PORT is not a port number"))
        })
        .unwrap_or(8006);
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port))
        .await
        .unwrap_or_else(|e| fail(&format!("cannot listen: {e}")));
    if let Ok(addr) = listener.local_addr() {
        eprintln!("peer-axum listening on http://{addr}");
    }
    if let Err(e) = axum::serve(listener, app).await {
        fail(&e.to_string());
    }
}

async fn check_token(State(approov): State<Approov>, mut request: Request, next: Next) -> Response {
    let (key, validation) = &*approov.0;
    let claims = request
        .headers()
        .get("approov-token")
        .and_then(|token| decode::<Claims>(token.as_bytes(), key, validation).ok());
    match claims {
        Some(data) => {
            request.extensions_mut().insert(data.claims);
            next.run(request).await
        }
        None => (
            StatusCode::UNAUTHORIZED,
            [(CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response(),
    }
}

async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HELLO)
}

fn fail(message: &str) -> ! {
    eprintln!("peer-axum: error: {message}");
    exit(1)
}
