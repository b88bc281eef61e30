//! Hostile requests at the wire, sent raw: the answer is the same in every example
//! wherever the framework lets the adapter see the request as it came; where it does
//! not, the exception is the one SECURITY.md lists, and it is tested here as such.

use approov_core::{InstallationKey, SignatureParams, SignedRequest};
use approov_testkit::TestSecret;
use serde_json::json;

use crate::client;
use crate::server::{Launch, Server};

/// A signed request's headers: `method` over `@method`, `@target-uri` (`scheme` and
/// `authority`, the target `/token-message-signing`) and the token, with `token`.
fn signed_headers(
    key: &InstallationKey,
    token: &str,
    method: &str,
    scheme: &str,
    authority: &str,
) -> String {
    let headers = |name: &str| -> Vec<&[u8]> {
        if name == "approov-token" {
            vec![token.as_bytes()]
        } else {
            vec![]
        }
    };
    let request = SignedRequest::new(method, scheme, authority, "/token-message-signing", headers);
    let components = ["@method", "@target-uri", "approov-token"];
    let signed = key
        .sign_request(&request, &SignatureParams::new(&components, now()))
        .unwrap_or_else(|e| panic!("signing: {e}"));
    format!(
        "Approov-Token: {token}\r\nSignature-Input: {}\r\nSignature: {}\r\n",
        signed.signature_input, signed.signature
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The status of the answer to `request`, sent as it is.
fn status(server: &Server, request: String) -> u16 {
    client::send_raw_status(server.port, request.as_bytes()).unwrap_or(0)
}

pub(crate) fn methods_and_targets_are_the_ones_on_the_wire(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    let key = InstallationKey::generate();
    let token = secret.token_with_claims(&json!({"exp": now() + 300, "ipk": key.ipk()}));
    let here = format!("127.0.0.1:{}", server.port);
    let get = signed_headers(&key, &token, "GET", "http", &here);
    let close = "Connection: close\r\n\r\n";

    // Signed as GET, sent as GET: the control.
    let sent = format!("GET /token-message-signing HTTP/1.1\r\nHost: {here}\r\n{get}{close}");
    assert_eq!(status(&server, sent), 200, "{package}: signed GET");
    // Sent as HEAD: `@method` is the method on the wire (Rocket would route it as GET).
    let sent = format!("HEAD /token-message-signing HTTP/1.1\r\nHost: {here}\r\n{get}{close}");
    assert_eq!(
        status(&server, sent),
        401,
        "{package}: a signed GET sent as HEAD"
    );
    // Sent as POST whose form body asks for GET (Rocket's `_method` override).
    let sent = format!(
        "POST /token-message-signing HTTP/1.1\r\nHost: {here}\r\n{get}Content-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: 11\r\n{close}_method=GET"
    );
    assert_eq!(
        status(&server, sent),
        401,
        "{package}: POST with _method=GET"
    );

    // An absolute-form target names the scheme and authority; it wins over `Host`
    // (RFC 9112 §3.2.2). Rocket and warp show an adapter no request target's scheme or
    // authority: there the configured scheme and `Host` are used, so such a request is
    // refused, never let through on what the target does not say.
    let sees_the_target = matches!(package, "example-axum" | "example-actix");
    let https = signed_headers(&key, &token, "GET", "https", &here);
    let sent = format!(
        "GET https://{here}/token-message-signing HTTP/1.1\r\nHost: {here}\r\n{https}{close}"
    );
    let expected = if sees_the_target { 200 } else { 401 };
    assert_eq!(
        status(&server, sent),
        expected,
        "{package}: absolute-form https"
    );
    let elsewhere = signed_headers(&key, &token, "GET", "http", "api.example.test");
    let sent = format!(
        "GET http://api.example.test/token-message-signing HTTP/1.1\r\nHost: {here}\r\n\
         {elsewhere}{close}"
    );
    assert_eq!(
        status(&server, sent),
        expected,
        "{package}: absolute-form authority over Host"
    );
    // Signed for the `Host`, sent to another authority in the target: the target wins,
    // so the signature does not hold. warp shows only that the two differ, and refuses;
    // Rocket shows neither the target's authority nor that it differs, and checks the
    // signature against `Host` (SECURITY.md).
    let sent = format!(
        "GET http://api.example.test/token-message-signing HTTP/1.1\r\nHost: {here}\r\n\
         {get}{close}"
    );
    let expected = if package == "example-rocket" {
        200
    } else {
        401
    };
    assert_eq!(
        status(&server, sent),
        expected,
        "{package}: signed for Host, the target names another authority"
    );
    server.stop();
}

pub(crate) fn values_are_trimmed_and_repeats_refused(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    let token = secret.token(300, None);
    let close = "Connection: close\r\n\r\n";
    let sent =
        format!("GET /token-check HTTP/1.1\r\nHost: x\r\nApproov-Token:  \t{token} \t\r\n{close}");
    assert_eq!(
        status(&server, sent),
        200,
        "{package}: a token with white space around it"
    );
    // A second token header whose value is not UTF-8: a duplicate, refused. Rocket
    // drops such a value before any guard runs (with a warning in its log) and leaves
    // no trace of it: it sees one token (SECURITY.md).
    let mut sent =
        format!("GET /token-check HTTP/1.1\r\nHost: x\r\nApproov-Token: {token}\r\n").into_bytes();
    sent.extend_from_slice(b"Approov-Token: \xff\xfe\r\nConnection: close\r\n\r\n");
    let observed = client::send_raw_status(server.port, &sent).unwrap_or(0);
    let expected = if package == "example-rocket" {
        200
    } else {
        401
    };
    assert_eq!(
        observed, expected,
        "{package}: a second, non-UTF-8 token header"
    );
    server.stop();
}

/// A flood of 60 KB unknown paths and of bad tokens for several reasons, in the
/// example's default logging: the log stays small, and shows every distinct reason.
pub(crate) fn a_hostile_flood_stays_within_the_log_budget(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).default_log().start();
    let token = secret.token(300, None);
    let (input, _) = token.rsplit_once('.').unwrap_or_default();
    let forged = format!("{input}.{}", "A".repeat(43));
    let expired = secret.token(-60, None);
    let long_path = format!("/{}", "p".repeat(60 * 1024));
    let long_status = [b"no_network_".as_slice(), &[b'S'; 4096]].concat();
    let started = std::time::Instant::now();
    for round in 0..30 {
        let observed = client::get(server.port, &long_path, &[]);
        assert!(
            observed
                .as_ref()
                .is_ok_and(|o| o.status == 404 || o.status == 414 || o.status == 431),
            "{package}: a 60 KB unknown path: {observed:?}"
        );
        for i in 0..20 {
            // The app's status and trace ID, hostile: long, control characters (which
            // a framework may refuse itself), non-ASCII. Never logged raw.
            let hostile: [&[u8]; 3] = [
                &long_status,
                b"\x01\x1b[31mR3Dmark",
                "ok_\u{e9}t\u{e9}".as_bytes(),
            ];
            let _ = client::get(
                server.port,
                "/token-check",
                &[
                    ("Approov-Token", b"garbage"),
                    ("Approov-Status", hostile[i % 3]),
                    ("Approov-TraceID", hostile[(i + 1) % 3]),
                ],
            );
        }
        if round % 10 == 0 {
            let _ = client::get(
                server.port,
                "/token-check",
                &[("Approov-Token", forged.as_bytes())],
            );
            let _ = client::get(
                server.port,
                "/token-check",
                &[("Approov-Token", expired.as_bytes())],
            );
            let _ = client::get(server.port, "/token-check", &[]);
        }
    }
    let seconds = started.elapsed().as_secs_f64().max(1.0);
    std::thread::sleep(std::time::Duration::from_millis(2_500)); // the summaries
    let log = server.stop();
    let per_ten_seconds = log.len() as f64 / seconds * 10.0;
    assert!(
        per_ten_seconds < 1_000_000.0,
        "{package}: {} bytes of log in {seconds:.1} s",
        log.len()
    );
    assert!(
        !log.contains(&"p".repeat(1_000)),
        "{package}: a path was logged whole"
    );
    for raw in ["SSSSSSSSSSSSSSSS", "\x1b[31m", "R3Dmark", "\u{e9}t\u{e9}"] {
        assert!(
            !log.contains(raw),
            "{package}: a status or trace ID was logged raw: {raw:?}"
        );
    }
    for reason in [
        "not three segments",
        "signature does not match",
        "has expired",
        "no `approov-token` header",
        "suppressed",
        "status=invalid",
    ] {
        assert!(
            log.contains(reason),
            "{package}: no `{reason}` in the log:\n{log}"
        );
    }
}

/// `Expect: 100-continue` with a bad token: refused before the body is asked for where
/// the framework lets an adapter answer first. actix-web and Rocket send `100 Continue`
/// themselves before any application code runs (SECURITY.md): there the refusal comes
/// once the body is there.
pub(crate) fn a_bad_token_is_refused_before_the_body_is_asked_for(package: &str) {
    use std::io::{Read, Write};
    let server = Launch::new(package).secret(&TestSecret::new()).start();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port))
        .unwrap_or_else(|e| panic!("{package}: {e}"));
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(3)));
    let head = "POST /token-message-signing HTTP/1.1\r\nHost: x\r\nApproov-Token: garbage\r\n\
                Content-Length: 10\r\nExpect: 100-continue\r\n\r\n";
    let _ = stream.write_all(head.as_bytes());
    let mut first = [0u8; 12];
    let read = stream.read(&mut first).unwrap_or(0);
    let first = String::from_utf8_lossy(&first[..read]).into_owned();
    let expected = match package {
        "example-actix" | "example-rocket" => "HTTP/1.1 100",
        _ => "HTTP/1.1 401",
    };
    assert_eq!(
        first, expected,
        "{package}: the first answer to Expect: 100-continue"
    );
    drop(stream);
    server.stop();
}

/// Over HTTP/2, whose HPACK keeps the spaces and tabs an HTTP/1.1 parser trims: a token
/// with white space around it is the same token (example-axum and example-warp serve
/// HTTP/2 with prior knowledge; actix-web's and Rocket's examples serve HTTP/1.1 only).
pub(crate) fn over_http2_a_token_with_white_space_around_it_passes(package: &str) {
    if !matches!(package, "example-axum" | "example-warp") {
        return;
    }
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    let token = secret.token(300, None);
    let status = |value: String| -> u16 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(async {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
                .await
                .unwrap_or_else(|e| panic!("{package}: {e}"));
            let (mut sender, connection) = hyper::client::conn::http2::handshake(
                hyper_util::rt::TokioExecutor::new(),
                hyper_util::rt::TokioIo::new(stream),
            )
            .await
            .unwrap_or_else(|e| panic!("{package}: no HTTP/2: {e}"));
            tokio::spawn(connection);
            let request =
                hyper::Request::get(format!("http://127.0.0.1:{}/token-check", server.port))
                    .header("approov-token", value)
                    .body(http_body_util::Empty::<hyper::body::Bytes>::new())
                    .unwrap_or_else(|e| panic!("{e}"));
            sender
                .send_request(request)
                .await
                .map(|response| response.status().as_u16())
                .unwrap_or_else(|e| panic!("{package}: {e}"))
        })
    };
    assert_eq!(
        status(token.clone()),
        200,
        "{package}: HTTP/2, the token as it is"
    );
    assert_eq!(
        status(format!(" {token} \t")),
        200,
        "{package}: HTTP/2, the token with white space around it"
    );
    assert_eq!(
        status(format!("{token}x")),
        401,
        "{package}: HTTP/2, another token"
    );
    server.stop();
}
