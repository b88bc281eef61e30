//! Installation message signing through `MessageSignedToken` and `SignedBody`, beside
//! the shared table (tests/rocket.rs): the body the handler gets, the body limits (the
//! message-signing one for a covered body, Rocket's `bytes` one for another), a body
//! that cannot be read, what the request guard does with a signed body, and the request
//! as Rocket sees it (target as sent, `Host`, the configured scheme).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed unwrap is a failed test

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use approov_rocket::approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, SignatureParams, SignedRequest,
};
use approov_rocket::{
    ApproovToken, ApproovVerifier, MessageSignatureError, MessageSignedToken, MessageSigning, Mode,
    SignedBody, TokenRejection,
};
use approov_testkit::rocket::observe;
use approov_testkit::{LogCapture, Logged, Observed, TestSecret};
use rocket::data::{ByteUnit, Limits, ToByteUnit};
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Header, Method};
use rocket::local::blocking::Client;
use rocket::{routes, Build, Config, Rocket, Route, State};
use serde_json::json;

const HOST: &str = "api.example.test";
const BASIC: &[&str] = &["@method", "approov-token"];
const WITH_BODY: &[&str] = &["@method", "@target-uri", "approov-token", "content-digest"];
const WITH_TARGET: &[&str] = &["@method", "@target-uri", "approov-token"];

/// How many times a handler ran.
#[derive(Default)]
struct Calls(AtomicUsize);

impl Calls {
    fn count(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

#[rocket::get("/signed")]
fn signed_get(token: MessageSignedToken, calls: &State<Calls>) -> String {
    calls.count();
    format!("{:?}", token.rejection().map(TokenRejection::code))
}

/// Echoes the body it was handed.
#[rocket::post("/signed", data = "<body>")]
fn signed_post(body: SignedBody, calls: &State<Calls>) -> (ContentType, Vec<u8>) {
    calls.count();
    (ContentType::Binary, body.into_bytes())
}

/// Says how the checks went, and how long the body is.
#[rocket::put("/signed", data = "<body>")]
fn signed_put(body: SignedBody, calls: &State<Calls>) -> String {
    calls.count();
    let code = body.token().rejection().map(TokenRejection::code);
    format!("{code:?} {}", body.bytes().len())
}

/// The request guard on a route with a body, read by Rocket's own data guard.
#[rocket::post("/signed-head", data = "<body>")]
fn signed_head_only(_token: MessageSignedToken, body: String, calls: &State<Calls>) -> String {
    calls.count();
    body
}

/// No message signing: the body is Rocket's, whatever the signing limit.
#[rocket::post("/token-only", data = "<body>")]
fn token_only(_token: ApproovToken, body: String) -> String {
    body
}

fn capture() -> (LogCapture, approov_testkit::CaptureGuard) {
    LogCapture::install()
}

fn app(verifier: ApproovVerifier, routes: Vec<Route>) -> Rocket<Build> {
    app_with(Config::debug_default(), verifier, routes)
}

fn app_with(config: Config, verifier: ApproovVerifier, routes: Vec<Route>) -> Rocket<Build> {
    rocket::custom(config)
        .manage(verifier)
        .manage(Calls::default())
        .register("/", approov_rocket::catchers())
        .mount("/", routes)
}

fn calls(client: &Client) -> usize {
    client
        .rocket()
        .state::<Calls>()
        .unwrap()
        .0
        .load(Ordering::SeqCst)
}

/// An installation key and a token carrying its public half.
struct Installation {
    key: InstallationKey,
    token: String,
}

impl Installation {
    fn new(secret: &TestSecret) -> Self {
        let key = InstallationKey::generate();
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 300;
        let token = secret.token_with_claims(&json!({"exp": exp, "ipk": key.ipk()}));
        Installation { key, token }
    }
}

/// A request to sign, then send.
struct Signed<'a> {
    installation: &'a Installation,
    method: Method,
    target: &'a str,
    scheme: &'a str,
    host: &'a str,
    body: Vec<u8>,
    components: &'a [&'a str],
}

impl<'a> Signed<'a> {
    fn new(installation: &'a Installation, method: Method, target: &'a str) -> Self {
        Signed {
            installation,
            method,
            target,
            scheme: "http",
            host: HOST,
            body: Vec::new(),
            components: BASIC,
        }
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.components = WITH_BODY;
        self
    }

    fn over(mut self, components: &'a [&'a str]) -> Self {
        self.components = components;
        self
    }

    fn scheme(mut self, scheme: &'a str) -> Self {
        self.scheme = scheme;
        self
    }

    /// The headers of the signed request.
    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("Host", self.host.to_owned()),
            ("Approov-Token", self.installation.token.clone()),
        ];
        if self.components.contains(&"content-digest") {
            let digest = content_digest(
                &self.body,
                DigestAlgorithm::Sha256,
                DigestForm::ByteSequence,
            );
            headers.push(("Content-Digest", digest));
        }
        let values = |name: &str| -> Vec<&[u8]> {
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_bytes())
                .collect()
        };
        let request = SignedRequest::new(
            self.method.as_str(),
            self.scheme,
            self.host,
            self.target,
            values,
        )
        .with_body(&self.body);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let signature = self
            .installation
            .key
            .sign_request(&request, &SignatureParams::new(self.components, now))
            .unwrap();
        headers.push(("Signature", signature.signature));
        headers.push(("Signature-Input", signature.signature_input));
        headers
    }

    /// Sends the request as signed, to `target` with `host` and `body` instead.
    fn send_as(&self, client: &Client, target: &str, host: &str, body: &[u8]) -> Observed {
        let request = self.headers().into_iter().fold(
            client.req(self.method, target.to_owned()).body(body),
            |request, (name, value)| match name {
                "Host" => request.header(Header::new(name, host.to_owned())),
                _ => request.header(Header::new(name, value)),
            },
        );
        observe(request.dispatch())
    }

    fn send(&self, client: &Client) -> Observed {
        self.send_as(client, self.target, self.host, &self.body)
    }
}

/// Rocket's debug configuration with its `bytes` data limit at `bytes`.
fn bytes_limit(bytes: ByteUnit) -> Config {
    Config {
        limits: Limits::default().limit("bytes", bytes),
        ..Config::debug_default()
    }
}

/// `{}` as JSON with `status`: an Approov refusal's answer.
fn refused(status: u16) -> (u16, Option<String>, Vec<u8>) {
    (status, Some("application/json".into()), b"{}".to_vec())
}

fn answer(observed: Observed) -> (u16, Option<String>, Vec<u8>) {
    (observed.status, observed.content_type, observed.body)
}

fn logged(logs: &LogCapture) -> Vec<(tracing::Level, String)> {
    logs.take()
        .into_iter()
        .map(|Logged { level, code, .. }| (level, code))
        .collect()
}

#[test]
fn the_handler_gets_the_signed_body_byte_for_byte() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    // Rocket's `bytes` limit raised for the body the signature does not cover.
    let client = Client::tracked(app_with(
        bytes_limit(1.mebibytes()),
        secret.verifier(),
        routes![signed_post],
    ))
    .unwrap();
    let installation = Installation::new(&secret);
    // Not text, and longer than a read buffer.
    let body: Vec<u8> = (0..300_000u32).map(|i| (i * 7919 % 251) as u8).collect();

    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(body.clone())
        .send(&client);
    assert_eq!(got.status, 200);
    assert!(got.body == body, "the handler got another body");
    // A signature that does not cover the body: the body is handed over as well.
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(body.clone())
        .over(BASIC)
        .send(&client);
    assert_eq!(got.status, 200);
    assert!(got.body == body, "the handler got another body");
    let got = Signed::new(&installation, Method::Post, "/signed").send(&client);
    assert_eq!((got.status, got.body), (200, Vec::new()));
    assert_eq!(logged(&logs), []);
    assert_eq!(calls(&client), 3);
}

/// A body the signature covers is read at most one byte past the message-signing
/// limit: a longer one is the core's refusal, 413 `{}` (not Rocket's HTML page), in
/// enforce mode and, as no more of it was read, in monitor mode too.
#[test]
fn a_covered_body_over_the_limit_is_refused_with_413() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let limited = |mode: Mode| {
        let verifier = secret
            .verifier()
            .with_mode(mode)
            .with_message_signing(MessageSigning::default().with_max_body_len(16));
        Client::tracked(app(verifier, routes![signed_post, signed_put])).unwrap()
    };
    let sixteen = b"0123456789abcdef";
    let seventeen = b"0123456789abcdefg";
    let too_large = || TokenRejection::MessageSignature(MessageSignatureError::BodyTooLarge);

    let client = limited(Mode::Enforce);
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(*sixteen)
        .send(&client);
    assert_eq!((got.status, got.body), (200, sixteen.to_vec()));
    assert_eq!(logged(&logs), []);
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(*seventeen)
        .send(&client);
    assert_eq!(answer(got), refused(413));
    let logs_now = logs.take();
    assert_eq!(logs_now.len(), 1, "{logs_now:?}");
    assert_eq!(logs_now[0].code, "message_signature_body_too_large");
    assert_eq!(logs_now[0].reason, too_large().to_string());
    // Far over it: the same refusal, without reading the rest.
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(vec![b'x'; 5 * 1024 * 1024])
        .send(&client);
    assert_eq!(answer(got), refused(413));
    assert_eq!(
        logged(&logs),
        [(
            tracing::Level::INFO,
            "message_signature_body_too_large".into()
        )]
    );
    // A refused token is refused first, whatever the body.
    let got = client
        .post("/signed")
        .header(Header::new("Approov-Token", "garbage"))
        .body(vec![b'x'; 1000])
        .dispatch();
    assert_eq!(answer(observe(got)), refused(401));
    assert_eq!(
        logged(&logs),
        [(tracing::Level::INFO, "token_verification_failed".into())]
    );
    assert_eq!(calls(&client), 1);

    // Monitor mode lets it through as if the route were unprotected: the handler gets
    // the whole body (read on past the check's limit, up to Rocket's `bytes` limit).
    let client = limited(Mode::Monitor);
    let got = Signed::new(&installation, Method::Put, "/signed")
        .body(vec![b'x'; 100])
        .send(&client);
    assert_eq!(
        String::from_utf8(got.body).unwrap(),
        "Some(\"message_signature_body_too_large\") 100"
    );
    assert_eq!(
        logged(&logs),
        [(
            tracing::Level::WARN,
            "message_signature_body_too_large".into()
        )]
    );
    let got = Signed::new(&installation, Method::Put, "/signed")
        .body(*sixteen)
        .send(&client);
    assert_eq!(String::from_utf8(got.body).unwrap(), "None 16");
    assert_eq!(calls(&client), 2);
}

/// A body the signature does not cover is no business of the check: the data guard
/// reads it for the handler up to Rocket's `bytes` limit, as Rocket's `Vec<u8>` guard
/// does, whatever the message-signing limit.
#[test]
fn an_uncovered_body_is_read_up_to_rockets_bytes_limit() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let verifier = secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_max_body_len(16));
    let client = Client::tracked(app_with(
        bytes_limit(64.bytes()),
        verifier,
        routes![signed_post],
    ))
    .unwrap();
    let sixty_four = vec![b'x'; 64];

    // Over the message-signing limit, within Rocket's.
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(sixty_four.clone())
        .over(BASIC)
        .send(&client);
    assert_eq!((got.status, got.body), (200, sixty_four));
    // Past Rocket's limit: the handler cannot have it whole. Not a failed check.
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(vec![b'x'; 65])
        .over(BASIC)
        .send(&client);
    assert_eq!(answer(got), refused(413));
    assert_eq!(logged(&logs), []);
    assert_eq!(calls(&client), 1);
    // A signature that does not hold is refused before the body is read.
    let got = Signed::new(&installation, Method::Post, "/signed")
        .body(vec![b'x'; 65])
        .over(WITH_TARGET)
        .send_as(&client, "/signed?tampered", HOST, &[b'x'; 65]);
    assert_eq!(answer(got), refused(401));
    assert_eq!(
        logged(&logs),
        [(tracing::Level::INFO, "message_signature_invalid".into())]
    );
    assert_eq!(calls(&client), 1);
}

/// Runs `rocket` on a port of 127.0.0.1, hands `test` the port, then shuts it down.
fn serve(rocket: Rocket<Build>, test: impl FnOnce(u16)) {
    let config = Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        shutdown: rocket::config::Shutdown {
            ctrlc: false,
            grace: 1,
            mercy: 1,
            ..Default::default()
        },
        ..Config::debug_default()
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    let rocket = rocket
        .configure(config)
        .attach(AdHoc::on_liftoff("port", move |rocket| {
            let _ = sender.send((rocket.config().port, rocket.shutdown()));
            Box::pin(async {})
        }));
    let server = std::thread::spawn(move || {
        rocket::execute(rocket.launch())
            .map(drop)
            .map_err(|error| format!("{:?}", error.kind()))
    });
    let (port, shutdown) = receiver.recv_timeout(Duration::from_secs(60)).unwrap();
    test(port);
    shutdown.notify();
    server.join().unwrap().unwrap();
}

/// Sends `signed` over HTTP/1.1 with only the first `sent` bytes of its body, then
/// closes the connection's sending half: the server cannot read the body it was
/// promised. Returns the status, content type and body of the answer.
fn send_cut_short(port: u16, signed: &Signed<'_>, sent: usize) -> (u16, Option<String>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nContent-Length: {}\r\n",
        signed.method,
        signed.target,
        signed.body.len()
    );
    for (name, value) in signed.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&signed.body[..sent]).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let content_type = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-type")
            .then(|| value.trim().to_owned())
    });
    (status, content_type, body.as_bytes().to_vec())
}

/// A body that cannot be read whole (the client went away) is 400 `{}`: the core's
/// refusal when the signature covers it, the data guard's failure when it does not.
#[test]
fn a_body_that_cannot_be_read_is_400() {
    let _capture = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let verifier = secret.verifier();
    let counts = verifier.clone();
    let unreadable = |verifier: &ApproovVerifier| {
        verifier
            .rejection_counts()
            .into_iter()
            .find(|(code, _)| *code == "message_signature_body_unreadable")
            .map_or(0, |(_, count)| count)
    };
    serve(app(verifier, routes![signed_post]), |port| {
        // Cut past the first 14 bytes: Rocket itself reads those before any guard
        // (for its `_method` field), and takes a failure there for the body's end.
        let covered = Signed::new(&installation, Method::Post, "/signed").body(vec![b'x'; 64]);
        assert_eq!(send_cut_short(port, &covered, 32), refused(400));
        assert_eq!(unreadable(&counts), 1);

        let uncovered = Signed::new(&installation, Method::Post, "/signed")
            .body(vec![b'x'; 64])
            .over(BASIC);
        assert_eq!(send_cut_short(port, &uncovered, 32), refused(400));
        assert_eq!(unreadable(&counts), 1, "not the check's refusal");
    });

    // Monitor mode lets the request through, but there is no body to hand on.
    let monitor = secret.verifier().with_mode(Mode::Monitor);
    let counts = monitor.clone();
    serve(app(monitor, routes![signed_post]), |port| {
        let covered = Signed::new(&installation, Method::Post, "/signed").body(vec![b'x'; 64]);
        assert_eq!(send_cut_short(port, &covered, 32), refused(400));
        assert_eq!(unreadable(&counts), 1);
    });
}

#[test]
fn the_request_guard_leaves_the_body_alone() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let verifier = secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_max_body_len(16));
    let client = Client::tracked(app(verifier, routes![signed_head_only, token_only])).unwrap();
    let long = "a body longer than the message-signing limit, Rocket's to read".repeat(4);

    // Not covered: Rocket's own `String` guard reads all of it.
    let got = Signed::new(&installation, Method::Post, "/signed-head")
        .body(long.clone())
        .over(BASIC)
        .send(&client);
    assert_eq!((got.status, got.body), (200, long.clone().into_bytes()));
    // Covered: a request guard cannot check it, so it refuses.
    let got = Signed::new(&installation, Method::Post, "/signed-head")
        .body(*b"{}")
        .send(&client);
    assert_eq!((got.status, got.body), (401, b"{}".to_vec()));
    assert_eq!(
        logged(&logs),
        [(
            tracing::Level::INFO,
            "message_signature_body_not_provided".into()
        )]
    );
    assert_eq!(calls(&client), 1);

    // A route without message signing: no signing limit, nothing read by Approov.
    let got = client
        .post("/token-only")
        .header(Header::new("Approov-Token", installation.token.clone()))
        .body(long.clone())
        .dispatch();
    assert_eq!(observe(got).body, long.into_bytes());
    assert_eq!(logged(&logs), []);
}

/// Rocket keeps the request target as received: the signature is checked over it, not
/// over a decoded or normalised form.
#[test]
fn the_target_is_checked_as_sent() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let client = Client::tracked(app(secret.verifier(), routes![signed_get])).unwrap();
    for target in [
        "/signed?q=a%20b&path=%2Fx&&empty=&plus=a+b",
        "/signed?",
        "/%73igned?x=%7e",
    ] {
        let request = Signed::new(&installation, Method::Get, target).over(WITH_TARGET);
        let got = request.send(&client);
        assert_eq!((got.status, got.body), (200, b"None".to_vec()), "{target}");
        assert_eq!(logged(&logs), [], "{target}");
    }
    for (signed, sent) in [
        ("/signed?q=a b", "/signed?q=a%20b"),
        ("/signed?", "/signed"),
        ("/signed", "/%73igned"),
        ("/signed?x=~", "/signed?x=%7e"),
    ] {
        let request = Signed::new(&installation, Method::Get, signed).over(WITH_TARGET);
        let got = request.send_as(&client, sent, HOST, b"");
        assert_eq!(got.status, 401, "signed {signed}, sent {sent}");
        assert_eq!(
            logged(&logs),
            [(tracing::Level::INFO, "message_signature_invalid".into())],
            "signed {signed}, sent {sent}"
        );
    }
}

#[test]
fn the_authority_is_the_host_header() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let client = Client::tracked(app(secret.verifier(), routes![signed_get])).unwrap();
    let request = Signed::new(&installation, Method::Get, "/signed").over(&[
        "@method",
        "@authority",
        "approov-token",
    ]);
    // As RFC 9421 says: lower-cased, the default port dropped.
    let got = request.send_as(&client, "/signed", "API.Example.TEST:80", b"");
    assert_eq!(got.status, 200);
    let got = request.send_as(&client, "/signed", "api.example.test:8080", b"");
    assert_eq!(got.status, 401);
    let got = request.send_as(&client, "/signed", "other.example.test", b"");
    assert_eq!(got.status, 401);
    assert_eq!(logged(&logs).len(), 2);
}

#[test]
fn the_scheme_is_the_configured_one() {
    let _capture = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let https = secret
        .verifier()
        .with_message_signing(MessageSigning::default().with_scheme("https"));
    let behind_tls = Client::tracked(app(https, routes![signed_get])).unwrap();
    let plain = Client::tracked(app(secret.verifier(), routes![signed_get])).unwrap();
    let signed_https = Signed::new(&installation, Method::Get, "/signed")
        .over(WITH_TARGET)
        .scheme("https");
    let signed_http = Signed::new(&installation, Method::Get, "/signed").over(WITH_TARGET);
    assert_eq!(signed_https.send(&behind_tls).status, 200);
    assert_eq!(signed_http.send(&behind_tls).status, 401);
    assert_eq!(signed_http.send(&plain).status, 200);
    assert_eq!(signed_https.send(&plain).status, 401);
}

#[test]
fn in_monitor_mode_the_handler_sees_why() {
    let (logs, _capture) = capture();
    let secret = TestSecret::new();
    let installation = Installation::new(&secret);
    let client = Client::tracked(app(
        secret.verifier().with_mode(Mode::Monitor),
        routes![signed_get, signed_put],
    ))
    .unwrap();
    let got = client
        .get("/signed")
        .header(Header::new("Approov-Token", installation.token.clone()))
        .dispatch();
    let got = observe(got);
    assert_eq!(
        (got.status, String::from_utf8(got.body).unwrap()),
        (200, r#"Some("message_signature_missing")"#.to_owned())
    );
    assert_eq!(
        logged(&logs),
        [(tracing::Level::WARN, "message_signature_missing".into())]
    );
    // A body the signed digest is not of: the handler still gets the body it was sent.
    let got = Signed::new(&installation, Method::Put, "/signed")
        .body(*b"signed")
        .send_as(&client, "/signed", HOST, b"tampered!");
    assert_eq!(
        (got.status, String::from_utf8(got.body).unwrap()),
        (
            200,
            r#"Some("message_signature_digest_mismatch") 9"#.to_owned()
        )
    );
    assert_eq!(
        logged(&logs),
        [(
            tracing::Level::WARN,
            "message_signature_digest_mismatch".into()
        )]
    );
    let got = Signed::new(&installation, Method::Put, "/signed")
        .body(*b"signed")
        .send(&client);
    assert_eq!(String::from_utf8(got.body).unwrap(), "None 6");
    assert_eq!(logged(&logs), []);
}

#[test]
fn a_rocket_without_a_verifier_fails_at_launch() {
    let _capture = capture();
    for routes in [routes![signed_get], routes![signed_post]] {
        let rocket = rocket::custom(rocket::Config::debug_default())
            .manage(Calls::default())
            .mount("/", routes);
        let error = match Client::tracked(rocket) {
            Ok(_) => panic!("launch must fail without a verifier"),
            Err(error) => error,
        };
        match error.kind() {
            rocket::error::ErrorKind::SentinelAborts(sentries) => assert!(
                sentries
                    .iter()
                    .any(|s| s.type_name.starts_with("approov_rocket::")),
                "{sentries:?}"
            ),
            other => panic!("expected a sentinel abort, got {other:?}"),
        }
    }
}
