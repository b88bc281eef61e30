//! `message_signed_token`: the token, then the installation message signature, and
//! the body handed to the handler. The shared table runs in `tests/warp.rs`; these are
//! the body's paths, sent through `warp::service` with a body whose frames are
//! counted, so that what was read is observable.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, MessageSignatureError,
    MessageSigning, SignatureParams, SignedRequest,
};
use approov_testkit::{LogCapture, Logged, TestSecret, SIGNED_HOST};
use approov_warp::{ApproovRejection, ApproovToken, ApproovVerifier, Mode, TokenRejection};
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body::Frame;
use http_body_util::BodyExt;
use tower::ServiceExt;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

const DIGEST: &[&str] = &["@method", "@target-uri", "approov-token", "content-digest"];
const NO_DIGEST: &[&str] = &["@method", "@target-uri", "approov-token"];

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An app installation: its key, and a token whose `ipk` is the key's public half.
struct App {
    key: InstallationKey,
    token: String,
}

impl App {
    fn new(secret: &TestSecret) -> App {
        let key = InstallationKey::generate();
        let token = secret.token_with_claims(
            &serde_json::json!({"exp": now() + 300, "did": "device", "ipk": key.ipk()}),
        );
        App { key, token }
    }

    /// The headers of `method target` with `body`, signed over `components` (a
    /// `Content-Digest` of the body when they cover it), as an app calling `http://`.
    fn sign(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        components: &[&str],
    ) -> Vec<(&'static str, String)> {
        self.sign_as("http", method, target, body, components)
    }

    /// As [`sign`](Self::sign), for an app calling `scheme://`.
    fn sign_as(
        &self,
        scheme: &str,
        method: &str,
        target: &str,
        body: &[u8],
        components: &[&str],
    ) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("host", SIGNED_HOST.to_owned()),
            ("approov-token", self.token.clone()),
        ];
        if components.contains(&"content-digest") {
            let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
            headers.push(("content-digest", digest));
        }
        let values = |name: &str| -> Vec<&[u8]> {
            headers
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_bytes())
                .collect()
        };
        let request =
            SignedRequest::new(method, scheme, SIGNED_HOST, target, values).with_body(body);
        let signed = self
            .key
            .sign_request(&request, &SignatureParams::new(components, now()))
            .unwrap();
        headers.push(("signature", signed.signature));
        headers.push(("signature-input", signed.signature_input));
        headers
    }
}

/// A request body sent as these frames, without a `Content-Length`, that counts how
/// many times it was polled.
struct Frames {
    frames: VecDeque<Result<Bytes, std::io::Error>>,
    polled: Arc<AtomicUsize>,
}

impl Frames {
    fn new<'a>(frames: impl IntoIterator<Item = &'a [u8]>) -> (Frames, Arc<AtomicUsize>) {
        let polled = Arc::new(AtomicUsize::new(0));
        let frames = frames
            .into_iter()
            .map(|frame| Ok(Bytes::copy_from_slice(frame)))
            .collect();
        (
            Frames {
                frames,
                polled: polled.clone(),
            },
            polled,
        )
    }
}

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.polled.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(self.frames.pop_front().map(|frame| frame.map(Frame::data)))
    }
}

struct Answer {
    status: StatusCode,
    signed: Option<String>,
    body: Bytes,
}

async fn send(
    routes: &BoxedFilter<(Response,)>,
    method: &str,
    uri: &str,
    headers: &[(&'static str, String)],
    body: Frames,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = warp::service(routes.clone())
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    Answer {
        status: response.status(),
        signed: response
            .headers()
            .get("x-signed")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: response.into_body().collect().await.unwrap().to_bytes(),
    }
}

/// `/token-message-signing`, GET and POST: answers the body it got, and in `x-signed`
/// whether the signature held or why not. Counts the requests it handles.
fn echo(verifier: ApproovVerifier) -> (BoxedFilter<(Response,)>, Arc<AtomicUsize>) {
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    let routes = warp::path!("token-message-signing")
        .and(warp::get().or(warp::post()).unify())
        .and(approov_warp::message_signed_token(verifier))
        .map(move |token: ApproovToken, body: Bytes| {
            counter.fetch_add(1, Ordering::SeqCst);
            let signed = match token.rejection() {
                None => token.is_message_signed().to_string(),
                Some(why) => why.code().to_owned(),
            };
            warp::reply::with_header(body.to_vec(), "x-signed", signed).into_response()
        })
        .recover(approov_warp::recover)
        .unify()
        .boxed();
    (routes, reached)
}

const PATH: &str = "/token-message-signing";

fn one_log(logged: &[Logged], level: tracing::Level, reason: &TokenRejection) {
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].level, level);
    assert_eq!(logged[0].code, reason.code());
    assert_eq!(logged[0].reason, reason.to_string());
}

fn signature(error: MessageSignatureError) -> TokenRejection {
    TokenRejection::MessageSignature(error)
}

#[tokio::test]
async fn the_handler_gets_the_very_bytes_the_digest_was_checked_against() {
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, reached) = echo(secret.verifier());
    let frames: [&[u8]; 3] = [b"\x00\xff{\"a\":", b"1}\r\n", b"\xc3"];
    let body = frames.concat();
    let target = format!("{PATH}?order=7");
    let headers = app.sign("POST", &target, &body, DIGEST);

    let (frames, _) = Frames::new(frames);
    let got = send(&routes, "POST", &target, &headers, frames).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.signed.as_deref(), Some("true"));
    assert_eq!(got.body, body);
    assert_eq!(reached.load(Ordering::SeqCst), 1);

    // One byte changed in flight: the digest no longer matches, 401.
    let mut tampered = body.clone();
    tampered[2] = b'[';
    let (frames, _) = Frames::new([tampered.as_slice()]);
    let got = send(&routes, "POST", &target, &headers, frames).await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::UNAUTHORIZED, b"{}".as_ref())
    );
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_the_signature_does_not_cover_reaches_the_handler_too() {
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, _) = echo(secret.verifier());
    let headers = app.sign("POST", PATH, b"", NO_DIGEST);
    let (frames, _) = Frames::new([b"not signed".as_slice(), b", still handed on"]);
    let got = send(&routes, "POST", PATH, &headers, frames).await;
    assert_eq!(
        (got.status.as_u16(), got.signed.as_deref()),
        (200, Some("true"))
    );
    assert_eq!(got.body, "not signed, still handed on");

    let headers = app.sign("GET", PATH, b"", NO_DIGEST);
    let got = send(&routes, "GET", PATH, &headers, Frames::new([]).0).await;
    assert_eq!(
        (got.status.as_u16(), got.body.as_ref()),
        (200, b"".as_ref())
    );
}

#[tokio::test]
async fn a_refused_token_or_signature_is_answered_without_reading_the_body() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, reached) = echo(secret.verifier());
    let body = [b"x".as_slice(); 8];

    // No token: refused before the body is looked at.
    let (frames, polled) = Frames::new(body);
    let got = send(&routes, "POST", PATH, &[], frames).await;
    assert_eq!(got.status, 401);
    assert_eq!(polled.load(Ordering::SeqCst), 0);
    one_log(
        &logs.take(),
        tracing::Level::INFO,
        &TokenRejection::Missing {
            header: "approov-token".into(),
        },
    );

    // A signature that does not cover the body and does not hold (signed as GET).
    let headers = app.sign("GET", PATH, b"", NO_DIGEST);
    let (frames, polled) = Frames::new(body);
    let got = send(&routes, "POST", PATH, &headers, frames).await;
    assert_eq!(got.status, 401);
    assert_eq!(polled.load(Ordering::SeqCst), 0);
    one_log(
        &logs.take(),
        tracing::Level::INFO,
        &signature(MessageSignatureError::SignatureMismatch),
    );
    assert_eq!(reached.load(Ordering::SeqCst), 0);
}

fn small_limit(verifier: ApproovVerifier) -> ApproovVerifier {
    verifier.with_message_signing(MessageSigning::default().with_max_body_len(16))
}

#[tokio::test]
async fn a_signed_body_over_the_limit_is_refused_with_413_body_too_large() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, reached) = echo(small_limit(secret.verifier()));

    // Exactly the limit: read whole, checked, handed on.
    let body = [b'a'; 16];
    let headers = app.sign("POST", PATH, &body, DIGEST);
    let got = send(
        &routes,
        "POST",
        PATH,
        &headers,
        Frames::new([body.as_slice()]).0,
    )
    .await;
    assert_eq!(
        (got.status.as_u16(), got.body.as_ref()),
        (200, body.as_slice())
    );
    assert_eq!(logs.take(), []);

    // One byte more, as 1000 one-byte frames: the filter stops reading after 17 bytes,
    // the core refuses the body as too large with 413 (a genuine app's large upload is
    // not unauthorised), the handler never runs.
    let body = [b'a'; 1000];
    let headers = app.sign("POST", PATH, &body, DIGEST);
    let (frames, polled) = Frames::new(body.chunks(1));
    let got = send(&routes, "POST", PATH, &headers, frames).await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::PAYLOAD_TOO_LARGE, b"{}".as_ref())
    );
    assert_eq!(polled.load(Ordering::SeqCst), 17);
    one_log(
        &logs.take(),
        tracing::Level::INFO,
        &signature(MessageSignatureError::BodyTooLarge),
    );
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn in_monitor_mode_a_signed_body_over_the_limit_is_logged_and_handed_on_whole() {
    // Monitor mode lets a failed signature through as if the route were unprotected:
    // the handler gets the whole body, read on past the limit.
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, reached) = echo(small_limit(secret.verifier()).with_mode(Mode::Monitor));
    let body = [b'a'; 17];
    let headers = app.sign("POST", PATH, &body, DIGEST);
    let got = send(
        &routes,
        "POST",
        PATH,
        &headers,
        Frames::new([body.as_slice()]).0,
    )
    .await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::OK, body.as_slice())
    );
    one_log(
        &logs.take(),
        tracing::Level::WARN,
        &signature(MessageSignatureError::BodyTooLarge),
    );
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_the_signature_does_not_cover_is_handed_on_whole_whatever_its_size() {
    // The table: a 2 MiB body the signature does not cover is not the check's,
    // so the message-signing limit (1 MiB by default) does not apply to it.
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, reached) = echo(secret.verifier());
    assert!(MessageSigning::default().max_body_len() < 2 << 20);
    let body: Vec<u8> = (0..2 << 20).map(|i: u32| (i % 251) as u8).collect();
    let headers = app.sign("POST", PATH, b"", NO_DIGEST);
    let (frames, _) = Frames::new(body.chunks(64 * 1024));
    let got = send(&routes, "POST", PATH, &headers, frames).await;
    assert_eq!(
        (got.status.as_u16(), got.signed.as_deref()),
        (200, Some("true"))
    );
    assert!(got.body == body, "the handler gets every byte, in order");
    assert_eq!(logs.take(), []);
    assert_eq!(reached.load(Ordering::SeqCst), 1);

    // Under a limit of 16 bytes too.
    let (routes, _) = echo(small_limit(secret.verifier()));
    let (frames, _) = Frames::new([[b'a'; 10].as_slice(); 100]);
    let got = send(&routes, "POST", PATH, &headers, frames).await;
    assert_eq!(
        (got.status.as_u16(), got.body.as_ref()),
        (200, [b'a'; 1000].as_slice())
    );
    assert_eq!(logs.take(), []);
}

#[tokio::test]
async fn content_length_limit_before_the_filter_bounds_a_body_the_signature_does_not_cover() {
    // The documented way to bound it, as for `warp::body::bytes()`.
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let routes = warp::path!("token-message-signing")
        .and(warp::body::content_length_limit(16))
        .and(approov_warp::message_signed_token(secret.verifier()))
        .map(|_: ApproovToken, body: Bytes| body.to_vec().into_response())
        .recover(approov_warp::recover)
        .unify()
        .boxed();
    let mut headers = app.sign("POST", PATH, b"", NO_DIGEST);
    headers.push(("content-length", "17".to_owned()));
    let (frames, polled) = Frames::new([[b'a'; 17].as_slice()]);
    let got = send(&routes, "POST", PATH, &headers, frames).await;
    assert_eq!(got.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(polled.load(Ordering::SeqCst), 0);

    headers.retain(|(name, _)| *name != "content-length");
    headers.push(("content-length", "16".to_owned()));
    let got = send(
        &routes,
        "POST",
        PATH,
        &headers,
        Frames::new([[b'a'; 16].as_slice()]).0,
    )
    .await;
    assert_eq!(
        (got.status.as_u16(), got.body.as_ref()),
        (200, [b'a'; 16].as_slice())
    );
}

/// A body that gives `prefix`, then fails.
fn failing(prefix: &[u8]) -> Frames {
    let (mut frames, _) = Frames::new([prefix]);
    frames
        .frames
        .push_back(Err(std::io::Error::other("connection reset")));
    frames
}

#[tokio::test]
async fn a_signed_body_that_cannot_be_read_is_refused_with_400_body_unreadable() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let body = b"complete";
    let headers = app.sign("POST", PATH, body, DIGEST);
    let unreadable = signature(MessageSignatureError::BodyUnreadable);

    let (routes, reached) = echo(secret.verifier());
    let got = send(&routes, "POST", PATH, &headers, failing(b"comp")).await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::BAD_REQUEST, b"{}".as_ref())
    );
    one_log(&logs.take(), tracing::Level::INFO, &unreadable);
    assert_eq!(reached.load(Ordering::SeqCst), 0);

    // In monitor mode the failure is logged, and a body that was not read cannot be
    // handed on: still 400.
    let (routes, reached) = echo(secret.verifier().with_mode(Mode::Monitor));
    let got = send(&routes, "POST", PATH, &headers, failing(b"comp")).await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::BAD_REQUEST, b"{}".as_ref())
    );
    one_log(&logs.take(), tracing::Level::WARN, &unreadable);
    assert_eq!(reached.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_body_the_signature_does_not_cover_that_cannot_be_read_is_400_and_not_a_failure() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, reached) = echo(secret.verifier());
    let headers = app.sign("POST", PATH, b"", NO_DIGEST);
    let got = send(&routes, "POST", PATH, &headers, failing(b"comp")).await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::BAD_REQUEST, b"{}".as_ref())
    );
    assert_eq!(logs.take(), [], "the signature held: nothing to log");
    assert_eq!(reached.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn your_own_recover_gets_the_status_and_reason_of_a_signed_body_over_the_limit() {
    async fn with_code(rejection: warp::Rejection) -> Result<Response, warp::Rejection> {
        match rejection.find::<ApproovRejection>() {
            Some(approov) => Ok(warp::reply::with_status(
                approov.reason().map_or("", |reason| reason.code()),
                approov.status(),
            )
            .into_response()),
            None => Err(rejection),
        }
    }
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let routes = warp::path!("token-message-signing")
        .and(approov_warp::message_signed_token(small_limit(
            secret.verifier(),
        )))
        .map(|_: ApproovToken, body: Bytes| body.to_vec().into_response())
        .recover(with_code)
        .unify()
        .boxed();
    let body = [b'a'; 17];
    let headers = app.sign("POST", PATH, &body, DIGEST);
    let got = send(
        &routes,
        "POST",
        PATH,
        &headers,
        Frames::new([body.as_slice()]).0,
    )
    .await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            b"message_signature_body_too_large".as_ref()
        )
    );
    let got = send(&routes, "POST", PATH, &[], Frames::new([]).0).await;
    assert_eq!(
        (got.status, got.body.as_ref()),
        (StatusCode::UNAUTHORIZED, b"missing_approov_token".as_ref())
    );
}

#[tokio::test]
async fn the_target_is_checked_as_sent_and_the_authority_without_host_is_the_uris() {
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, _) = echo(secret.verifier());
    // Percent-encoding and `+` as the client sent them, never decoded.
    let target = format!("{PATH}?q=a%20b&next=%2Fhome&plus=1+2");
    let headers = app.sign("GET", &target, b"", NO_DIGEST);
    let got = send(&routes, "GET", &target, &headers, Frames::new([]).0).await;
    assert_eq!(got.status, 200);
    // A bare `?` is part of the target too.
    let bare = format!("{PATH}?");
    let signed_bare = app.sign("GET", &bare, b"", NO_DIGEST);
    let got = send(&routes, "GET", &bare, &signed_bare, Frames::new([]).0).await;
    assert_eq!(got.status, 200);
    let got = send(&routes, "GET", PATH, &signed_bare, Frames::new([]).0).await;
    assert_eq!(got.status, 401);
    let decoded = format!("{PATH}?q=a+b&next=/home&plus=1+2");
    let got = send(&routes, "GET", &decoded, &headers, Frames::new([]).0).await;
    assert_eq!(got.status, 401);

    // As HTTP/2 gives it: the authority in the URI (`:authority`), no `Host` header.
    let components = ["@method", "@authority", "@path", "approov-token"];
    let headers: Vec<_> = app
        .sign("GET", PATH, b"", &components)
        .into_iter()
        .filter(|(name, _)| *name != "host")
        .collect();
    let uri = format!("http://{SIGNED_HOST}{PATH}");
    let got = send(&routes, "GET", &uri, &headers, Frames::new([]).0).await;
    assert_eq!(got.status, 200);
    let uri = format!("http://elsewhere.test{PATH}");
    assert_eq!(
        send(&routes, "GET", &uri, &headers, Frames::new([]).0)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn the_scheme_is_the_configured_one_as_warp_shows_no_other() {
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let https = secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_scheme("https"));
    let (behind_tls, _) = echo(https);
    let (plain, _) = echo(secret.verifier());
    // Behind a proxy that terminates TLS the app signed `https://`.
    let signed_https = app.sign_as("https", "GET", PATH, b"", NO_DIGEST);
    let got = send(&behind_tls, "GET", PATH, &signed_https, Frames::new([]).0).await;
    assert_eq!(got.status, 200);
    let got = send(&plain, "GET", PATH, &signed_https, Frames::new([]).0).await;
    assert_eq!(got.status, 401);

    // warp's documented exception: an absolute-form target's own scheme is not seen.
    let signed_http = app.sign("GET", PATH, b"", NO_DIGEST);
    let absolute = format!("https://{SIGNED_HOST}{PATH}");
    let got = send(&plain, "GET", &absolute, &signed_http, Frames::new([]).0).await;
    assert_eq!(got.status, 200);
    // A target naming another authority than `Host`: warp shows only that they differ,
    // so a signature over the authority is refused rather than checked against `Host`.
    let elsewhere = format!("http://elsewhere.test{PATH}");
    let got = send(&plain, "GET", &elsewhere, &signed_http, Frames::new([]).0).await;
    assert_eq!(got.status, 401);
}

#[tokio::test]
async fn in_monitor_mode_the_handler_sees_why_the_signature_failed() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let app = App::new(&secret);
    let (routes, _) = echo(secret.verifier().with_mode(Mode::Monitor));
    let mut headers = app.sign("POST", PATH, b"", NO_DIGEST);
    headers.retain(|(name, _)| *name != "signature");
    let got = send(
        &routes,
        "POST",
        PATH,
        &headers,
        Frames::new([b"body".as_slice()]).0,
    )
    .await;
    let missing = signature(MessageSignatureError::MissingSignature);
    assert_eq!(
        (
            got.status.as_u16(),
            got.signed.as_deref(),
            got.body.as_ref()
        ),
        (200, Some(missing.code()), b"body".as_ref())
    );
    one_log(&logs.take(), tracing::Level::WARN, &missing);
}

#[tokio::test]
async fn the_token_filters_leave_the_body_to_the_handler() {
    // Only message_signed_token takes the body: behind `token`, warp's own body
    // filters still read it.
    let secret = TestSecret::new();
    let routes = warp::path!("upload")
        .and(warp::post())
        .and(approov_warp::token(secret.verifier()))
        .and(warp::body::bytes())
        .map(|_: ApproovToken, body: Bytes| body.to_vec().into_response())
        .recover(approov_warp::recover)
        .unify()
        .boxed();
    let headers = [("approov-token", secret.token(60, None))];
    let (frames, _) = Frames::new([b"up".as_slice(), b"load"]);
    let got = send(&routes, "POST", "/upload", &headers, frames).await;
    assert_eq!(
        (got.status.as_u16(), got.body.as_ref()),
        (200, b"upload".as_ref())
    );
}
