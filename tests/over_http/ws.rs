//! example-axum's `/ws`, through a real WebSocket client over a real socket: the
//! upgrade needs a valid token in `Approov-Token` (else `401 {}`, logged with its
//! code), the socket echoes text and binary messages, and it is closed with 1008
//! (policy violation) when the token that opened it expires; in monitor mode it opens
//! without a valid token and is never closed for one.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use approov_testkit::TestSecret;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tracing::Level;

use crate::server::{Launch, Server};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A valid token opens the socket (101), and it echoes text and binary messages.
pub(crate) fn a_valid_token_opens_an_echo(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    block_on(async {
        let mut socket = open(&server, Some(&secret.token(300, None)))
            .await
            .unwrap_or_else(|e| panic!("{package}: a valid token: {e}"));
        echoes(package, &mut socket).await;
        let _ = socket.close(None).await;
    });
    assert!(server.logged().is_empty(), "{package}: nothing refused");
}

/// No token and a token that is not one: the handshake fails with `401 {}`
/// (`application/json`), and each refusal is logged with its code.
pub(crate) fn the_upgrade_without_a_valid_token_is_401(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package)
        .secret(&secret)
        .log_every_failure()
        .start();
    for (token, code) in [
        (None, "missing_approov_token"),
        (Some("garbage"), "token_verification_failed"),
    ] {
        let seen = server.logged().len();
        let refused = block_on(open(&server, token));
        let Err(Error::Http(response)) = refused else {
            panic!("{package}: {code}: the upgrade must fail with an HTTP answer, got {refused:?}");
        };
        assert_eq!(response.status().as_u16(), 401, "{package}: {code}");
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .map(HeaderValue::as_bytes),
            Some(b"application/json".as_slice()),
            "{package}: {code}"
        );
        assert_eq!(
            response.body().as_deref(),
            Some(b"{}".as_slice()),
            "{package}: {code}"
        );
        let logged = server.logged_since(seen, 1);
        let codes: Vec<(&str, Level)> = logged.iter().map(|l| (l.code.as_str(), l.level)).collect();
        assert_eq!(codes, [(code, Level::INFO)], "{package}: what was logged");
    }
}

/// A token that expires 2 s after the socket opens: the socket echoes until then, and
/// the server closes it with 1008 within a second of `exp`, never before.
pub(crate) fn the_socket_is_closed_with_1008_when_its_token_expires(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    // Minted just after a second begins, its whole-second `exp` is 2 s away, not 1 to 2.
    let into_second = Duration::from_secs_f64(unix_now().fract());
    std::thread::sleep(Duration::from_millis(1010).saturating_sub(into_second));
    let token = secret.token(2, None);
    let exp = secret
        .verifier()
        .check_request(|_| [token.as_bytes()], None)
        .expires_at()
        .unwrap_or_else(|| panic!("the token is valid when minted"));
    let (closed_at, frame) = block_on(async {
        let mut socket = open(&server, Some(&token))
            .await
            .unwrap_or_else(|e| panic!("{package}: a token valid for 2 s: {e}"));
        echoes(package, &mut socket).await;
        let next = tokio::time::timeout(Duration::from_secs(10), socket.next()).await;
        match next {
            Ok(Some(Ok(Message::Close(frame)))) => (unix_now(), frame),
            Ok(Some(Ok(other))) => panic!("{package}: unexpected {other:?}"),
            Ok(other) => panic!("{package}: no close frame: {other:?}"),
            Err(_) => panic!("{package}: still open 10 s after the token's exp"),
        }
    });
    let frame = frame.unwrap_or_else(|| panic!("{package}: a close frame without a code"));
    assert_eq!(frame.code, CloseCode::Policy, "{package}: close code 1008");
    let late = closed_at - exp as f64;
    eprintln!("{package}: /ws closed {late:.3} s after the token's exp");
    assert!(
        (-0.05..1.0).contains(&late),
        "{package}: closed {late:.3} s after exp, not within a second of it"
    );
    assert!(
        logs(&server, "closing a WebSocket with 1008"),
        "{package}: the close is logged:\n{}",
        server.stderr()
    );
}

/// In monitor mode a token that fails still opens the socket (logged at `warn` with
/// its code), and a socket without a valid token has no deadline; a valid token's
/// expiry is logged, the socket kept open, as other routes answer.
pub(crate) fn in_monitor_mode_the_socket_opens_and_stays_open(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package)
        .secret(&secret)
        .env("APPROOV_MODE", "monitor")
        .log_every_failure()
        .start();
    let token = secret.token(1, None);
    block_on(async {
        let mut garbage = open(&server, Some("garbage"))
            .await
            .unwrap_or_else(|e| panic!("{package}: monitor mode, a bad token: {e}"));
        let mut short = open(&server, Some(&token))
            .await
            .unwrap_or_else(|e| panic!("{package}: monitor mode, a valid token: {e}"));
        // Past the valid token's exp: both still echo.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        echoes(package, &mut garbage).await;
        echoes(package, &mut short).await;
    });
    let codes: Vec<(String, Level)> = server
        .logged()
        .into_iter()
        .map(|l| (l.code, l.level))
        .collect();
    assert_eq!(
        codes,
        [("token_verification_failed".to_owned(), Level::WARN)],
        "{package}: monitor mode logs the failure"
    );
    assert!(
        logs(&server, "kept open in monitor mode"),
        "{package}: the expiry is logged:\n{}",
        server.stderr()
    );
}

/// Opens `/ws` with `token` in `Approov-Token` (none: no header).
async fn open(server: &Server, token: Option<&str>) -> Result<Socket, Error> {
    let mut request = format!("ws://127.0.0.1:{}/ws", server.port).into_client_request()?;
    if let Some(token) = token {
        let value = HeaderValue::from_str(token).map_err(|e| Error::HttpFormat(e.into()))?;
        request.headers_mut().insert("approov-token", value);
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await?;
    assert_eq!(response.status().as_u16(), 101);
    Ok(socket)
}

/// A text and a binary message each come back as they were sent.
async fn echoes(package: &str, socket: &mut Socket) {
    for message in [
        Message::text("hello, Approov"),
        Message::binary(vec![0u8, 1, 2, 254, 255]),
    ] {
        let started = Instant::now();
        socket
            .send(message.clone())
            .await
            .unwrap_or_else(|e| panic!("{package}: send: {e}"));
        let echoed = tokio::time::timeout(Duration::from_secs(5), socket.next()).await;
        match echoed {
            Ok(Some(Ok(echoed))) => assert_eq!(echoed, message, "{package}: the echo"),
            other => panic!(
                "{package}: no echo of {message:?} after {:?}: {other:?}",
                started.elapsed()
            ),
        }
    }
}

/// Whether `server` logs `text` within 5 s (the log reaches the pipe a little after
/// the socket sees what it says).
fn logs(server: &Server, text: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.stderr().contains(text) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .block_on(future)
}

/// Seconds since the Unix epoch, with their fraction.
fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |now| now.as_secs_f64())
}
