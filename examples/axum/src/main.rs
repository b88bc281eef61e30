//! The approov-rs example server for axum: `cargo run -p example-axum -- --demo`.
//!
//! This file is the whole integration. `demo.rs` runs the example: the command line,
//! `--demo`, `HOST`/`PORT`, logging, the SIGHUP key reload and the shutdown signal.
#![forbid(unsafe_code)]

mod demo;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use approov_axum::{
    ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader, BindingHeaders, BoundApproovToken,
    Mode,
};
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::{
    http::header::CONTENT_TYPE,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tokio::time::{sleep, timeout};

/// The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

pub(crate) fn app(verifier: ApproovVerifier) -> Router {
    // A group of routes behind the layer; `route_layer` keeps unknown paths at 404.
    let bound = Router::new()
        .route("/token-binding", get(hello))
        .route_layer(ApproovLayer::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION));
    // Token, then the installation message signature over the request (and its body).
    let signed = Router::new()
        .route("/token-message-signing", get(hello).post(hello))
        .route_layer(ApproovLayer::new(verifier.clone()).message_signed());
    // Single routes protected by their handler's argument; the verifier is the state.
    Router::new()
        .route("/unprotected", get(hello))
        .route("/token-check", get(|_: ApproovToken| hello()))
        .route(
            "/token-double-binding",
            get(|_: BoundApproovToken<AuthorizationAndSessionId>| hello()),
        )
        .route("/ws", get(ws))
        .with_state(verifier)
        .merge(bound)
        .merge(signed)
}

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], HELLO)
}

/// `/ws`: a WebSocket that echoes what it is sent. The upgrade request is checked like
/// any other (`ApproovToken` comes first, so a refusal is `401 {}` before any upgrade),
/// with the token in its `Approov-Token` header: never in the query string, which
/// access logs and proxies keep.
async fn ws(token: ApproovToken, upgrade: WebSocketUpgrade) -> Response {
    let (expires_at, mode) = (token.expires_at(), token.mode());
    upgrade.on_upgrade(move |socket| echo(socket, expires_at, mode))
}

/// Echoes text and binary messages until the client leaves or the token that opened
/// the socket expires: then the socket is closed with 1008 (policy violation), so it
/// never outlives its proof. The app reconnects with a fresh token. Without a valid
/// token (monitor mode lets it through), `expires_at` is `None`: no deadline.
async fn echo(mut socket: WebSocket, mut expires_at: Option<u64>, mode: Mode) {
    loop {
        tokio::select! {
            () = until(expires_at) => {
                if mode == Mode::Enforce {
                    return close_expired(socket).await;
                }
                // Monitor mode keeps the socket, as other routes answer, and says so.
                tracing::warn!("a WebSocket's Approov token expired; kept open in monitor mode");
                expires_at = None;
            }
            message = socket.recv() => match message {
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    if socket.send(message).await.is_err() {
                        return;
                    }
                }
                // axum answers pings itself; pongs need nothing.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            },
        }
    }
}

/// Closes `socket` with 1008 (policy violation): its token expired.
async fn close_expired(mut socket: WebSocket) {
    tracing::info!("closing a WebSocket with 1008: the Approov token that opened it expired");
    let frame = CloseFrame {
        code: close_code::POLICY,
        reason: "Approov token expired".into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_ok() {
        // Wait a little for the client's closing answer, then hang up.
        let drained = async { while let Some(Ok(_)) = socket.recv().await {} };
        let _ = timeout(Duration::from_secs(5), drained).await;
    }
}

/// Waits until the clock reaches `exp` (seconds since the Unix epoch); forever
/// without one.
async fn until(exp: Option<u64>) {
    let left = exp
        .and_then(|exp| UNIX_EPOCH.checked_add(Duration::from_secs(exp)))
        .map(|exp| exp.duration_since(SystemTime::now()).unwrap_or_default());
    match left {
        Some(left) => sleep(left).await,
        None => std::future::pending().await,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The command line (`--demo`), HOST and PORT; logging to stderr.
    let options = demo::Options::from_args("example-axum", 8002);
    let verifier = if options.demo {
        options.demo_verifier()
    } else {
        ApproovVerifier::from_env()?
    };
    options.reload_keys_on_sighup(&verifier); // SIGHUP: re-read the keys, swap them in at once
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| options.cannot_listen(e))?;
    options.listening(listener.local_addr()?);

    // On SIGTERM or Ctrl-C: stop accepting, let the requests in flight finish.
    axum::serve(listener, app(verifier))
        .with_graceful_shutdown(demo::shutdown_signal())
        .await?;
    Ok(())
}
