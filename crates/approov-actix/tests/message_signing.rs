//! The middleware's installation message signing, beside the shared table (in
//! `actix.rs`): the body the handler reads, the body limit, bodies not read, the
//! request as the client sent it.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::cell::Cell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::{Payload, Service};
use actix_web::error::PayloadError;
use actix_web::http::header::ContentType;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse};
use approov_actix::approov_core::{
    binding_claim, content_digest, DigestAlgorithm, DigestForm, InstallationKey,
    MessageSignatureError, MessageSigning, SignatureParams, SignedRequest,
};
use approov_actix::{
    Approov, ApproovClaims, ApproovToken, ApproovVerifier, BindingHeader, Mode, TokenRejection,
};
use approov_testkit::actix::{self as client, observe};
use approov_testkit::{
    message_signing_cases, Case, Expect, LogCapture, Observed, TestSecret, AUTHORIZATION,
    HELLO_BODY, SIGNED_HOST,
};
use serde_json::json;

const PATH: &str = "/token-message-signing";

/// The table's valid signed POSTs (each signs its body's `content-digest`).
fn signed_posts(secret: &TestSecret) -> Vec<Case> {
    let posts: Vec<Case> = message_signing_cases(secret)
        .into_iter()
        .filter(|case| case.method == "POST" && case.expect == Expect::Hello)
        .collect();
    assert!(!posts.is_empty());
    posts
}

/// Echoes the body it reads; counts its calls.
fn echo(calls: &Rc<Cell<usize>>) -> impl Fn(Bytes) -> std::future::Ready<HttpResponse> + Clone {
    let calls = Rc::clone(calls);
    move |body: Bytes| {
        calls.set(calls.get() + 1);
        std::future::ready(HttpResponse::Ok().body(body))
    }
}

/// Lets a handler's `web::Bytes` take the table's 2 MiB bodies (actix-web's own limit
/// is 256 KiB), so that only the middleware's limit is tested.
fn large_bodies() -> web::PayloadConfig {
    web::PayloadConfig::new(4 * 1024 * 1024)
}

fn signing_with_limit(secret: &TestSecret, mode: Mode, max_body_len: usize) -> ApproovVerifier {
    secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_max_body_len(max_body_len))
        .with_mode(mode)
}

#[actix_web::test]
async fn the_handler_reads_the_body_that_was_signed() {
    let _logs = LogCapture::install();
    let secret = TestSecret::new();
    let calls = Rc::new(Cell::new(0));
    let app = init_service(
        App::new().app_data(large_bodies()).service(
            web::resource(PATH)
                .wrap(Approov::new(secret.verifier()).message_signed())
                .route(web::post().to(echo(&calls))),
        ),
    )
    .await;
    for case in signed_posts(&secret) {
        let observed = client::case(&app, &case).await;
        assert_eq!(
            (observed.status, observed.body),
            (200, case.body),
            "{}",
            case.name
        );
    }
}

#[actix_web::test]
async fn a_body_over_the_limit_is_refused_before_the_handler() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let case = signed_posts(&secret).remove(0);
    let len = case.body.len();
    for (limit, mode, status, calls_after) in [
        (len, Mode::Enforce, 200, 1),
        // 413: a genuine app's large upload is not unauthorised.
        (len - 1, Mode::Enforce, 413, 0),
        (0, Mode::Enforce, 413, 0),
        // Monitor mode: logged, and the handler still reads the whole body.
        (len - 1, Mode::Monitor, 200, 1),
        (3, Mode::Monitor, 200, 1),
    ] {
        let calls = Rc::new(Cell::new(0));
        let app = init_service(
            App::new().service(
                web::resource(PATH)
                    .wrap(Approov::new(signing_with_limit(&secret, mode, limit)).message_signed())
                    .route(web::post().to(echo(&calls))),
            ),
        )
        .await;
        logs.take();
        let observed = client::case(&app, &case).await;
        let at = format!("limit {limit}, {mode:?}");
        assert_eq!(observed.status, status, "{at}");
        assert_eq!(calls.get(), calls_after, "{at}");
        let logged = logs.take();
        if limit >= len {
            assert_eq!(observed.body, case.body, "{at}");
            assert_eq!(logged, [], "{at}");
        } else {
            let expected = if mode == Mode::Enforce {
                assert_eq!(
                    observed.content_type.as_deref(),
                    Some("application/json"),
                    "{at}"
                );
                b"{}".to_vec()
            } else {
                case.body.clone()
            };
            assert_eq!(observed.body, expected, "{at}");
            assert_eq!(logged.len(), 1, "{at}: {logged:?}");
            assert_eq!(logged[0].code, "message_signature_body_too_large", "{at}");
        }
    }
}

/// A request body that arrives in `chunks`, then maybe fails; counts how often it is
/// polled.
struct Chunks {
    chunks: VecDeque<Result<Bytes, PayloadError>>,
    polls: Rc<Cell<usize>>,
}

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.polls.set(this.polls.get() + 1);
        Poll::Ready(this.chunks.pop_front())
    }
}

/// `case`'s request, with `body` as its body.
fn with_body(case: &Case, body: Chunks) -> actix_http::Request {
    with_body_to(case, &case.target(), body)
}

/// `case`'s request sent to `target`, with `body` as its body.
fn with_body_to(case: &Case, target: &str, body: Chunks) -> actix_http::Request {
    let request = client::request(target, &case.header_pairs())
        .method(case.method.parse().unwrap())
        .to_request();
    let body: Pin<Box<dyn futures_core::Stream<Item = _>>> = Box::pin(body);
    request.replace_payload(Payload::from(body)).0
}

/// `app` with `case` sent as a body of `chunk`-byte chunks (then `error`, if any).
async fn send_in_chunks<S, B>(
    app: &S,
    case: &Case,
    chunk: usize,
    error: Option<PayloadError>,
) -> Observed
where
    S: Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    send_in_chunks_to(app, case, &case.target(), chunk, error).await
}

/// As [`send_in_chunks`], to `target`.
async fn send_in_chunks_to<S, B>(
    app: &S,
    case: &Case,
    target: &str,
    chunk: usize,
    error: Option<PayloadError>,
) -> Observed
where
    S: Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut chunks: VecDeque<_> = case
        .body
        .chunks(chunk)
        .map(|bytes| Ok(Bytes::copy_from_slice(bytes)))
        .collect();
    chunks.extend(error.map(Err));
    let polls = Rc::new(Cell::new(0));
    let request = with_body_to(case, target, Chunks { chunks, polls });
    observe(call_service(app, request).await).await
}

#[actix_web::test]
async fn a_body_in_chunks_is_read_whole_or_to_the_limit() {
    let _logs = LogCapture::install();
    let secret = TestSecret::new();
    let case = signed_posts(&secret).remove(0);
    let len = case.body.len();
    for (limit, mode, status) in [
        (len, Mode::Enforce, 200),
        (len - 1, Mode::Enforce, 413),
        (4, Mode::Monitor, 200),
        (5, Mode::Monitor, 200),
    ] {
        let calls = Rc::new(Cell::new(0));
        let app = init_service(
            App::new().service(
                web::resource(PATH)
                    .wrap(Approov::new(signing_with_limit(&secret, mode, limit)).message_signed())
                    .route(web::post().to(echo(&calls))),
            ),
        )
        .await;
        for chunk in [1, 2, 3, len] {
            let observed = send_in_chunks(&app, &case, chunk, None).await;
            let at = format!("limit {limit}, {mode:?}, chunks of {chunk}");
            assert_eq!(observed.status, status, "{at}");
            if status == 200 {
                assert_eq!(observed.body, case.body, "{at}");
            }
        }
    }
}

#[actix_web::test]
async fn a_signed_body_that_breaks_off_is_refused_with_400() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let case = signed_posts(&secret).remove(0);
    for mode in [Mode::Enforce, Mode::Monitor] {
        let calls = Rc::new(Cell::new(0));
        let app = init_service(
            App::new()
                .service(
                    web::resource(PATH)
                        .wrap(Approov::new(secret.verifier().with_mode(mode)).message_signed())
                        .route(web::post().to(echo(&calls))),
                )
                .route("/plain", web::post().to(echo(&calls))),
        )
        .await;
        logs.take();
        let broken = || Some(PayloadError::Incomplete(None));
        let observed = send_in_chunks(&app, &case, 4, broken()).await;
        let logged = logs.take();
        assert_eq!(logged.len(), 1, "{mode:?}: {logged:?}");
        assert_eq!(
            logged[0].code, "message_signature_body_unreadable",
            "{mode:?}"
        );
        if mode == Mode::Enforce {
            // The core's answer, not actix-web's error response.
            assert_eq!(
                (observed.status, observed.body),
                (400, b"{}".to_vec()),
                "{mode:?}"
            );
            assert_eq!(observed.content_type.as_deref(), Some("application/json"));
            assert_eq!(calls.get(), 0);
        } else {
            // The handler gets what an unprotected one would: the bytes, then the error.
            let unprotected = send_in_chunks_to(&app, &case, "/plain", 4, broken()).await;
            assert_eq!(observed.status, 400, "{mode:?}");
            assert_eq!(
                (observed.status, observed.body),
                (unprotected.status, unprotected.body)
            );
            assert_eq!(calls.get(), 0, "the body extractor failed, as unprotected");
        }
    }
}

/// Answers how often the body had been polled when the handler started, then the body.
async fn polled_before(polls: web::Data<Rc<Cell<usize>>>, payload: web::Payload) -> HttpResponse {
    let before = polls.get();
    let body = payload.to_bytes().await.unwrap();
    HttpResponse::Ok().body(format!("{before} {}", String::from_utf8_lossy(&body)))
}

#[actix_web::test]
async fn a_body_is_read_only_for_a_signature_over_it() {
    let _logs = LogCapture::install();
    let secret = TestSecret::new();
    let posts = signed_posts(&secret);
    let cases = message_signing_cases(&secret);
    let unsigned_body = cases
        .iter()
        .find(|case| case.name == "signed GET over @method and approov-token")
        .unwrap();
    let mut bad_token = posts[0].clone();
    for (name, value) in &mut bad_token.headers {
        if name.eq_ignore_ascii_case("approov-token") {
            *value = b"not-a-token".to_vec();
        }
    }
    let body = b"{\"some\":\"body\"}";
    for (approov, case, mode, polled) in [
        // A token route: the body is the handler's.
        (
            Approov::new(secret.verifier()),
            &posts[0],
            Mode::Enforce,
            false,
        ),
        // A signature that does not cover content-digest.
        (
            Approov::new(secret.verifier()).message_signed(),
            unsigned_body,
            Mode::Enforce,
            false,
        ),
        // A token that failed, in monitor mode: no signature to check.
        (
            Approov::new(secret.verifier().with_mode(Mode::Monitor)).message_signed(),
            &bad_token,
            Mode::Monitor,
            false,
        ),
        // A signature over the body: read before the handler.
        (
            Approov::new(secret.verifier()).message_signed(),
            &posts[0],
            Mode::Enforce,
            true,
        ),
    ] {
        let polls = Rc::new(Cell::new(0));
        let app = init_service(
            App::new()
                .app_data(web::Data::new(Rc::clone(&polls)))
                .service(web::resource(PATH).wrap(approov).to(polled_before)),
        )
        .await;
        let case_body = if polled {
            case.body.clone()
        } else {
            body.to_vec()
        };
        let chunks = VecDeque::from([Ok(Bytes::from(case_body.clone()))]);
        let request = with_body(
            case,
            Chunks {
                chunks,
                polls: Rc::clone(&polls),
            },
        );
        let observed = observe(call_service(&app, request).await).await;
        let at = format!("{} ({mode:?})", case.name);
        assert_eq!(observed.status, 200, "{at}");
        let body = String::from_utf8(observed.body).unwrap();
        let (before, echoed) = body.split_once(' ').unwrap();
        assert_eq!(
            before != "0",
            polled,
            "{at}: polled {before} times before the handler"
        );
        assert_eq!(echoed.as_bytes(), case_body, "{at}");
    }
}

/// Signs requests to `PATH` with one installation key, for tokens of one secret.
struct Signer {
    secret: TestSecret,
    key: InstallationKey,
}

impl Signer {
    fn new() -> Signer {
        Signer {
            secret: TestSecret::new(),
            key: InstallationKey::generate(),
        }
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// A token with this signer's `ipk`, and a `pay` claim when `bound_to` is given.
    fn token(&self, bound_to: Option<&str>) -> String {
        let mut claims = json!({"exp": Self::now() + 300, "did": "device", "ipk": self.key.ipk()});
        if let Some(value) = bound_to {
            claims["pay"] = json!(binding_claim([value.as_bytes()]));
        }
        self.secret.token_with_claims(&claims)
    }

    /// `headers` plus `Signature` and `Signature-Input` over `components`, signed as
    /// a `method` of `scheme://authority` + `target` with `body`.
    #[allow(clippy::too_many_arguments)]
    fn sign(
        &self,
        method: &str,
        scheme: &str,
        authority: &str,
        target: &str,
        mut headers: Vec<(&'static str, String)>,
        body: &[u8],
        components: &[&str],
    ) -> Vec<(&'static str, String)> {
        if components.contains(&"content-digest") {
            headers.push((
                "content-digest",
                content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence),
            ));
        }
        let values = |name: &str| -> Vec<&[u8]> {
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_bytes())
                .collect()
        };
        let request = SignedRequest::new(method, scheme, authority, target, values).with_body(body);
        let signed = self
            .key
            .sign_request(&request, &SignatureParams::new(components, Self::now()))
            .unwrap();
        headers.push(("signature", signed.signature));
        headers.push(("signature-input", signed.signature_input));
        headers
    }
}

fn test_request(method: &str, uri: &str, headers: &[(&'static str, String)]) -> TestRequest {
    headers.iter().fold(
        TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri),
        |request, (name, value)| request.append_header((*name, value.as_str())),
    )
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(HELLO_BODY)
}

#[actix_web::test]
async fn the_request_is_checked_as_the_client_sent_it() {
    let _logs = LogCapture::install();
    let signer = Signer::new();
    let token = signer.token(None);
    let app_for = |verifier: ApproovVerifier| {
        App::new().service(
            web::resource(PATH)
                .wrap(Approov::new(verifier).message_signed())
                .to(hello),
        )
    };
    let app = init_service(app_for(signer.secret.verifier())).await;
    let https = signer
        .secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_scheme("https"));
    let behind_tls_proxy = init_service(app_for(https)).await;
    let target_uri = ["@method", "@target-uri", "approov-token"];
    let host = || {
        vec![
            ("host", SIGNED_HOST.to_owned()),
            ("approov-token", token.clone()),
        ]
    };

    // The target as on the request line, percent-encoding and all: the route matches
    // the decoded path, the signature the raw one.
    let raw = "/token-m%65ssage-signing?q=%41%2f&b";
    let headers = signer.sign("GET", "http", SIGNED_HOST, raw, host(), b"", &target_uri);
    let observed =
        observe(call_service(&app, test_request("GET", raw, &headers).to_request()).await).await;
    assert_eq!(observed.status, 200, "the raw target");
    let decoded = "/token-message-signing?q=A%2f&b";
    let headers = signer.sign(
        "GET",
        "http",
        SIGNED_HOST,
        decoded,
        host(),
        b"",
        &target_uri,
    );
    let observed =
        observe(call_service(&app, test_request("GET", raw, &headers).to_request()).await).await;
    assert_eq!(observed.status, 401, "signed over a decoded target");

    // The scheme: configured (default http), unless the request line has one.
    let headers = signer.sign("GET", "https", SIGNED_HOST, PATH, host(), b"", &target_uri);
    for (app, uri, status) in [
        (&app, PATH.to_owned(), 401),
        (&behind_tls_proxy, PATH.to_owned(), 200),
        (&app, format!("https://{SIGNED_HOST}{PATH}"), 200),
    ] {
        let observed =
            observe(call_service(app, test_request("GET", &uri, &headers).to_request()).await)
                .await;
        assert_eq!(observed.status, status, "{uri}");
    }

    // The authority: the request target's when it has one (absolute-form, as HTTP/2
    // sends it), whatever `Host` says; else the `Host` header.
    let authority = ["@method", "@authority", "@path", "approov-token"];
    let only_token = vec![("approov-token", token.clone())];
    let headers = signer.sign(
        "GET",
        "http",
        "API.example.test:80",
        PATH,
        only_token,
        b"",
        &authority,
    );
    let absolute = format!("http://{SIGNED_HOST}{PATH}");
    let observed =
        observe(call_service(&app, test_request("GET", &absolute, &headers).to_request()).await)
            .await;
    assert_eq!(observed.status, 200, "the authority of the request line");
    let mut with_host = headers.clone();
    with_host.push(("host", "other.example.test".to_owned()));
    let observed = observe(
        call_service(
            &app,
            test_request("GET", &absolute, &with_host).to_request(),
        )
        .await,
    )
    .await;
    assert_eq!(observed.status, 200, "the request target's authority wins");
    // Signed for the `Host` header's authority: that is not the one the target names.
    let signed_for_host = signer.sign(
        "GET",
        "http",
        "other.example.test",
        PATH,
        vec![("approov-token", token.clone())],
        b"",
        &authority,
    );
    let mut with_host = signed_for_host.clone();
    with_host.push(("host", "other.example.test".to_owned()));
    let observed = observe(
        call_service(
            &app,
            test_request("GET", &absolute, &with_host).to_request(),
        )
        .await,
    )
    .await;
    assert_eq!(
        observed.status, 401,
        "signed for the Host header's authority"
    );
    let observed =
        observe(call_service(&app, test_request("GET", PATH, &with_host).to_request()).await).await;
    assert_eq!(
        observed.status, 200,
        "an origin-form target: the Host header"
    );
}

#[actix_web::test]
async fn binding_then_message_signing() {
    let (logs, _guard) = LogCapture::install();
    let signer = Signer::new();
    let token = signer.token(Some(AUTHORIZATION));
    let app = init_service(
        App::new().service(
            web::resource(PATH)
                .wrap(
                    Approov::new(signer.secret.verifier())
                        .bound_to(BindingHeader::AUTHORIZATION)
                        .message_signed(),
                )
                .to(|token: ApproovToken| async move {
                    HttpResponse::Ok().body(format!("signed: {}", token.is_message_signed()))
                }),
        ),
    )
    .await;
    let components = [
        "@method",
        "approov-token",
        "authorization",
        "content-digest",
    ];
    let body = br#"{"amount":42}"#;
    let send = |authorization: &str, sign_body: &[u8]| {
        let headers = vec![
            ("host", SIGNED_HOST.to_owned()),
            ("approov-token", token.clone()),
            ("authorization", authorization.to_owned()),
        ];
        let headers = signer.sign(
            "POST",
            "http",
            SIGNED_HOST,
            PATH,
            headers,
            sign_body,
            &components,
        );
        let request = test_request("POST", PATH, &headers).set_payload(body.to_vec());
        let app = &app;
        async move { observe(call_service(app, request.to_request()).await).await }
    };
    let observed = send(AUTHORIZATION, body).await;
    assert_eq!(
        (observed.status, observed.body),
        (200, b"signed: true".to_vec())
    );
    assert_eq!(logs.take(), []);

    // The binding is checked first: the signature is not looked at.
    let observed = send("Bearer someone-else", body).await;
    assert_eq!(observed.status, 401);
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "binding_mismatch");

    // Signed over another body (and its digest).
    let observed = send(AUTHORIZATION, b"another body").await;
    assert_eq!(observed.status, 401);
    let logged = logs.take();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].code, "message_signature_digest_mismatch");
}

#[actix_web::test]
async fn the_handler_sees_whether_the_request_was_signed() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    async fn report(
        token: ApproovToken,
        claims: Option<web::ReqData<ApproovClaims>>,
        body: Bytes,
    ) -> HttpResponse {
        HttpResponse::Ok().body(format!(
            "signed={} rejection={:?} claims={} body={}",
            token.is_message_signed(),
            token.rejection(),
            claims.is_some(),
            body.len(),
        ))
    }
    for mode in [Mode::Enforce, Mode::Monitor] {
        let app = init_service(
            App::new().app_data(large_bodies()).service(
                web::resource(PATH)
                    .wrap(Approov::new(secret.verifier().with_mode(mode)).message_signed())
                    .to(report),
            ),
        )
        .await;
        for case in message_signing_cases(&secret) {
            logs.take();
            let observed = client::case(&app, &case).await;
            let body = String::from_utf8(observed.body).unwrap();
            let logged = logs.take();
            match (&case.expect, mode) {
                (Expect::Hello, _) => assert_eq!(
                    body,
                    format!(
                        "signed=true rejection=None claims=true body={}",
                        case.body.len()
                    ),
                    "{}",
                    case.name
                ),
                (expect, Mode::Monitor) => {
                    let reason = expect.rejection().unwrap();
                    assert_eq!(
                        body,
                        format!(
                            "signed=false rejection={:?} claims=false body={}",
                            Some(reason),
                            case.body.len()
                        ),
                        "{}",
                        case.name
                    );
                    assert_eq!(logged.len(), 1, "{}: {logged:?}", case.name);
                    assert_eq!(logged[0].level, tracing::Level::WARN);
                }
                (expect, _) => assert_eq!(
                    (observed.status, body.as_str()),
                    (expect.rejection().unwrap().status(), "{}"),
                    "{}",
                    case.name
                ),
            }
        }
    }
    // A token without `ipk` is refused on a signed route, with its own reason.
    let without_ipk = [("approov-token", secret.token(60, None))];
    let app = init_service(
        App::new().service(
            web::resource(PATH)
                .wrap(Approov::new(secret.verifier().with_mode(Mode::Monitor)).message_signed())
                .to(report),
        ),
    )
    .await;
    let observed =
        observe(call_service(&app, test_request("GET", PATH, &without_ipk).to_request()).await)
            .await;
    let expected = TokenRejection::MessageSignature(MessageSignatureError::NoIpk);
    assert_eq!(
        String::from_utf8(observed.body).unwrap(),
        format!(
            "signed=false rejection={:?} claims=false body=0",
            Some(&expected)
        )
    );
}
