//! `ApproovLayer::message_signed`: what the shared table does not cover (it runs in
//! tests/axum.rs): the body the handler gets, the body limit, bodies that are never
//! read, and the request as the client addressed it.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

// The signing side (a client's) is only in the core, behind its `mint` feature.
use approov_axum::approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, SignatureParams, SignedRequest,
};
use approov_axum::{
    ApproovLayer, ApproovToken, ApproovVerifier, BindingHeader, MessageSignatureError,
    MessageSigning, Mode, TokenRejection,
};
use approov_testkit::{
    message_signing_cases, Expect, LogCapture, Logged, TestSecret, AUTHORIZATION, SIGNED_HOST,
};
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Method, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Router};
use http_body::Frame;
use serde_json::json;
use tower::ServiceExt;

const PATH: &str = "/token-message-signing";

/// Echoes the body, and says in `x-outcome` what the handler's token says.
async fn echo(token: ApproovToken, body: Bytes) -> Response {
    let outcome = match token.rejection() {
        Some(reason) => reason.code().to_owned(),
        None if token.is_message_signed() => "signed".to_owned(),
        None => "passed, not signed".to_owned(),
    };
    ([("x-outcome", outcome)], body).into_response()
}

/// `PATH` (GET and POST) behind `layer`, answered by `echo`.
fn echo_app(layer: ApproovLayer) -> Router {
    Router::new()
        .route(PATH, get(echo).post(echo))
        .route_layer(layer)
}

/// An installation key, and a valid token whose `ipk` is its public half.
struct Signer {
    key: InstallationKey,
    token: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Signer {
    fn new(secret: &TestSecret) -> Signer {
        let key = InstallationKey::generate();
        let token = secret.token_with_claims(&json!({"exp": now() + 300, "ipk": key.ipk()}));
        Signer { key, token }
    }

    /// The headers of `method target` to `SIGNED_HOST`, signed over `@method`,
    /// `@target-uri` (with `scheme`), the token and, with a body, `content-digest`.
    fn headers(
        &self,
        method: &str,
        scheme: &str,
        target: &str,
        body: Option<&[u8]>,
    ) -> Vec<(&'static str, Vec<u8>)> {
        let mut headers = vec![
            ("host", SIGNED_HOST.as_bytes().to_vec()),
            ("approov-token", self.token.as_bytes().to_vec()),
        ];
        let mut components = vec!["@method", "@target-uri", "approov-token"];
        if let Some(body) = body {
            let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
            headers.push(("content-digest", digest.into_bytes()));
            components.push("content-digest");
        }
        let signed = {
            let values = |name: &str| {
                headers
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, value)| value.as_slice())
                    .collect::<Vec<_>>()
            };
            let request = SignedRequest::new(method, scheme, SIGNED_HOST, target, values);
            let params = SignatureParams::new(&components, now());
            self.key.sign_request(&request, &params).unwrap()
        };
        headers.push(("signature", signed.signature.into_bytes()));
        headers.push(("signature-input", signed.signature_input.into_bytes()));
        headers
    }

    /// A signed `POST PATH` with `body`, its digest covered.
    fn post(&self, body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        self.headers("POST", "http", PATH, Some(body))
    }
}

/// What the app answered.
#[derive(Debug)]
struct Answer {
    status: u16,
    outcome: Option<String>,
    body: Vec<u8>,
}

/// Sends `method uri` with `headers` and `body` through `app`.
async fn send<B>(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&'static str, Vec<u8>)],
    body: B,
) -> Answer
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, value.as_slice());
    }
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let outcome = response
        .headers()
        .get("x-outcome")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        outcome,
        body,
    }
}

/// A request body that comes in several frames, then (maybe) fails; it counts how
/// often it is polled.
struct Frames {
    chunks: VecDeque<Bytes>,
    fail: bool,
    polled: Arc<AtomicUsize>,
}

impl Frames {
    fn new(chunks: &[&[u8]]) -> Frames {
        Frames {
            chunks: chunks.iter().map(|c| Bytes::copy_from_slice(c)).collect(),
            fail: false,
            polled: Arc::default(),
        }
    }

    fn then_fail(mut self) -> Frames {
        self.fail = true;
        self
    }
}

impl HttpBody for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.polled.fetch_add(1, Ordering::SeqCst);
        if let Some(chunk) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if std::mem::take(&mut self.fail) {
            return Poll::Ready(Some(Err(std::io::Error::other("connection reset"))));
        }
        Poll::Ready(None)
    }
}

fn logged(code: &str, mode: Mode) -> Vec<(tracing::Level, String)> {
    let level = match mode {
        Mode::Monitor => tracing::Level::WARN,
        _ => tracing::Level::INFO,
    };
    vec![(level, code.to_owned())]
}

fn codes(logs: Vec<Logged>) -> Vec<(tracing::Level, String)> {
    logs.into_iter().map(|log| (log.level, log.code)).collect()
}

#[tokio::test]
async fn the_handler_gets_the_signed_body_byte_for_byte() {
    let secret = TestSecret::new();
    let app = echo_app(ApproovLayer::new(secret.verifier()).message_signed());
    // The table's signed requests, GET and POST, with and without a digest.
    for case in message_signing_cases(&secret) {
        if case.expect != Expect::Hello {
            continue;
        }
        let method = Method::from_bytes(case.method.as_bytes()).unwrap();
        let got = send(
            &app,
            method,
            &case.target(),
            &case.headers,
            Body::from(case.body.clone()),
        )
        .await;
        assert_eq!(got.status, 200, "{}", case.name);
        assert_eq!(got.outcome.as_deref(), Some("signed"), "{}", case.name);
        assert_eq!(got.body, case.body, "{}", case.name);
    }
    // A body in several frames comes out as it went in.
    let signer = Signer::new(&secret);
    let body = br#"{"order":7,"items":["a","b"]}"#;
    let frames = Frames::new(&[&body[..5], &body[5..6], &body[6..]]);
    let got = send(&app, Method::POST, PATH, &signer.post(body), frames).await;
    assert_eq!((got.status, got.outcome.as_deref()), (200, Some("signed")));
    assert_eq!(got.body, body);
    // An empty signed body.
    let got = send(&app, Method::POST, PATH, &signer.post(b""), Body::empty()).await;
    assert_eq!((got.status, got.body), (200, Vec::new()));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_the_handler_runs() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let signer = Signer::new(&secret);
    let limited = secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_max_body_len(16));
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = |verifier: ApproovVerifier| {
        let calls = calls.clone();
        Router::new()
            .route(
                PATH,
                post(move |token: ApproovToken, body: Bytes| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    echo(token, body)
                }),
            )
            .route_layer(ApproovLayer::new(verifier).message_signed())
    };
    let enforce = counted(limited.clone());
    let monitor = counted(limited.with_mode(Mode::Monitor));

    // At the limit: checked and handed on.
    let at_limit = b"0123456789abcdef";
    let got = send(
        &enforce,
        Method::POST,
        PATH,
        &signer.post(at_limit),
        Body::from(&at_limit[..]),
    )
    .await;
    assert_eq!((got.status, got.body), (200, at_limit.to_vec()));
    assert_eq!(logs.take(), []);
    assert_eq!(calls.swap(0, Ordering::SeqCst), 1);

    // One byte over, and far over in many frames: 413 (a genuine app's large upload is
    // not unauthorised), the handler never runs, and the long body is not read past
    // the frame that crossed the limit.
    let over = b"0123456789abcdefg";
    let got = send(
        &enforce,
        Method::POST,
        PATH,
        &signer.post(over),
        Body::from(&over[..]),
    )
    .await;
    assert_eq!((got.status, got.body), (413, b"{}".to_vec()));
    assert_eq!(
        codes(logs.take()),
        logged("message_signature_body_too_large", Mode::Enforce)
    );
    let long = vec![b'x'; 64 * 1024];
    let chunks: Vec<&[u8]> = long.chunks(1024).collect();
    let frames = Frames::new(&chunks);
    let polled = frames.polled.clone();
    let got = send(&enforce, Method::POST, PATH, &signer.post(&long), frames).await;
    assert_eq!(got.status, 413);
    assert_eq!(polled.load(Ordering::SeqCst), 1);
    assert_eq!(
        codes(logs.take()),
        logged("message_signature_body_too_large", Mode::Enforce)
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // In monitor mode the handler runs, sees why, and gets the whole body.
    let got = send(
        &monitor,
        Method::POST,
        PATH,
        &signer.post(over),
        Body::from(&over[..]),
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.outcome.as_deref(),
        Some("message_signature_body_too_large")
    );
    assert_eq!(got.body, over);
    let frames = Frames::new(&chunks);
    let got = send(&monitor, Method::POST, PATH, &signer.post(&long), frames).await;
    assert_eq!((got.status, got.body.len()), (200, long.len()));
    assert_eq!(got.body, long);
    assert_eq!(
        codes(logs.take()),
        [
            logged("message_signature_body_too_large", Mode::Monitor),
            logged("message_signature_body_too_large", Mode::Monitor)
        ]
        .concat()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_unreadable_signed_body_is_refused_with_400() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let signer = Signer::new(&secret);
    let body = br#"{"amount":42}"#;
    let enforce = echo_app(ApproovLayer::new(secret.verifier()).message_signed());
    let failing = || Frames::new(&[&body[..4]]).then_fail();
    let got = send(&enforce, Method::POST, PATH, &signer.post(body), failing()).await;
    assert_eq!((got.status, got.body), (400, b"{}".to_vec()));
    assert_eq!(
        codes(logs.take()),
        logged("message_signature_body_unreadable", Mode::Enforce)
    );

    // In monitor mode the handler gets what an unprotected one would: the bytes read,
    // then the error (axum's `Bytes` extractor answers 400).
    let monitor =
        echo_app(ApproovLayer::new(secret.verifier().with_mode(Mode::Monitor)).message_signed());
    let unprotected = Router::new().route(PATH, post(|body: Bytes| async move { body }));
    let got = send(&monitor, Method::POST, PATH, &signer.post(body), failing()).await;
    let plain = send(
        &unprotected,
        Method::POST,
        PATH,
        &signer.post(body),
        failing(),
    )
    .await;
    assert_eq!((got.status, plain.status), (400, 400));
    assert_eq!(
        codes(logs.take()),
        logged("message_signature_body_unreadable", Mode::Monitor)
    );
}

#[tokio::test]
async fn bodies_are_not_read_unless_a_signature_covers_them() {
    let secret = TestSecret::new();
    let signer = Signer::new(&secret);
    // Handlers that never read the body: whatever polled it was the layer.
    let app = |layer: ApproovLayer| {
        Router::new()
            .route(
                PATH,
                post(|token: ApproovToken| async move { token.is_message_signed().to_string() }),
            )
            .route_layer(layer)
    };
    let plain = app(ApproovLayer::new(secret.verifier()));
    let signing = app(ApproovLayer::new(secret.verifier()).message_signed());
    let monitor =
        app(ApproovLayer::new(secret.verifier().with_mode(Mode::Monitor)).message_signed());
    let body: &[u8] = b"a body";
    let covered = signer.post(body);
    let not_covered = signer.headers("POST", "http", PATH, None);
    let token_only = vec![("approov-token", signer.token.as_bytes().to_vec())];
    let no_token: Vec<_> = covered
        .iter()
        .filter(|(n, _)| *n != "approov-token")
        .cloned()
        .collect();
    for (app, headers, status, answer) in [
        // No message signing: a valid token, a body, not read.
        (&plain, &token_only, 200, "false"),
        (&plain, &covered, 200, "false"),
        // A signature that does not cover the body.
        (&signing, &not_covered, 200, "true"),
        // A token that fails: the signature is not looked at, the body not read.
        (&signing, &no_token, 401, "{}"),
        (&monitor, &no_token, 200, "false"),
    ] {
        let frames = Frames::new(&[body]);
        let polled = frames.polled.clone();
        let got = send(app, Method::POST, PATH, headers, frames).await;
        assert_eq!(
            (got.status, got.body),
            (status, answer.as_bytes().to_vec()),
            "{headers:?}"
        );
        assert_eq!(polled.load(Ordering::SeqCst), 0, "{headers:?}");
    }
}

#[tokio::test]
async fn the_request_is_checked_as_the_client_addressed_it() {
    let secret = TestSecret::new();
    let signer = Signer::new(&secret);
    let target = "/api/token-message-signing?page=2&sort=a%20b";
    let signed = |scheme: &str, target: &str| signer.headers("GET", scheme, target, None);

    // Nested: the path as sent, not as the inner router sees it.
    let nested = Router::new().nest(
        "/api",
        echo_app(ApproovLayer::new(secret.verifier()).message_signed()),
    );
    let got = send(
        &nested,
        Method::GET,
        target,
        &signed("http", target),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 200);
    let inner_target = "/token-message-signing?page=2&sort=a%20b";
    let got = send(
        &nested,
        Method::GET,
        target,
        &signed("http", inner_target),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 401);
    // Not decoded: signed for `a b`, sent as `a%20b`.
    let decoded = "/api/token-message-signing?page=2&sort=a b";
    let got = send(
        &nested,
        Method::GET,
        target,
        &signed("http", decoded),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 401);

    // The configured scheme, for a server behind a proxy that terminates TLS.
    let https = echo_app(
        ApproovLayer::new(
            secret
                .verifier()
                .with_message_signing(MessageSigning::default().with_scheme("https")),
        )
        .message_signed(),
    );
    let got = send(
        &https,
        Method::GET,
        PATH,
        &signed("https", PATH),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 200);
    let got = send(
        &https,
        Method::GET,
        PATH,
        &signed("http", PATH),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 401);

    // No `Host` (as in HTTP/2): the URI's authority; an absolute URI's scheme wins.
    let app = echo_app(ApproovLayer::new(secret.verifier()).message_signed());
    for scheme in ["http", "https"] {
        let headers: Vec<_> = signed(scheme, PATH)
            .into_iter()
            .filter(|(n, _)| *n != "host")
            .collect();
        let uri = format!("{scheme}://{SIGNED_HOST}{PATH}");
        let got = send(&app, Method::GET, &uri, &headers, Body::empty()).await;
        assert_eq!(got.status, 200, "{uri}");
    }
    // The method as sent.
    let got = send(
        &app,
        Method::POST,
        PATH,
        &signed("http", PATH),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 401);
}

#[tokio::test]
async fn the_binding_is_checked_before_the_signature() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let key = InstallationKey::generate();
    let bound_token = secret.token_with_claims(&json!({
        "exp": now() + 300,
        "ipk": key.ipk(),
        "pay": approov_axum::approov_core::binding_claim([AUTHORIZATION.as_bytes()]),
    }));
    let signer = Signer {
        key,
        token: bound_token,
    };
    let app = echo_app(
        ApproovLayer::new(secret.verifier())
            .bound_to(BindingHeader::AUTHORIZATION)
            .message_signed(),
    );
    let with_authorization = |authorization: &str| {
        let mut headers = signer.headers("GET", "http", PATH, None);
        headers.push(("authorization", authorization.as_bytes().to_vec()));
        headers
    };
    let got = send(
        &app,
        Method::GET,
        PATH,
        &with_authorization(AUTHORIZATION),
        Body::empty(),
    )
    .await;
    assert_eq!((got.status, got.outcome.as_deref()), (200, Some("signed")));
    assert_eq!(logs.take(), []);
    // Bound to someone else: the binding's rejection, and only that one.
    let got = send(
        &app,
        Method::GET,
        PATH,
        &with_authorization("Bearer other"),
        Body::empty(),
    )
    .await;
    assert_eq!(got.status, 401);
    assert_eq!(
        codes(logs.take()),
        logged("binding_mismatch", Mode::Enforce)
    );
    // Bound but not signed.
    let unsigned = [
        ("approov-token", signer.token.as_bytes().to_vec()),
        ("authorization", AUTHORIZATION.as_bytes().to_vec()),
    ];
    let got = send(&app, Method::GET, PATH, &unsigned, Body::empty()).await;
    assert_eq!(got.status, 401);
    assert_eq!(
        codes(logs.take()),
        logged("message_signature_missing", Mode::Enforce)
    );
}

#[tokio::test]
async fn in_monitor_mode_the_handler_sees_why_the_signature_failed() {
    let secret = TestSecret::new();
    let signer = Signer::new(&secret);
    let app =
        echo_app(ApproovLayer::new(secret.verifier().with_mode(Mode::Monitor)).message_signed());
    let unsigned = [("approov-token", signer.token.as_bytes().to_vec())];
    let got = send(&app, Method::GET, PATH, &unsigned, Body::empty()).await;
    let missing = TokenRejection::MessageSignature(MessageSignatureError::MissingSignature);
    assert_eq!(
        (got.status, got.outcome),
        (200, Some(missing.code().to_owned()))
    );
    let got = send(
        &app,
        Method::GET,
        PATH,
        &signer.headers("GET", "http", PATH, None),
        Body::empty(),
    )
    .await;
    assert_eq!(got.outcome.as_deref(), Some("signed"));
}
