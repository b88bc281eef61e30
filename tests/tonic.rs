//! example-tonic as a user runs it: the real binary on a free port of 127.0.0.1,
//! configured only by environment variables, called over HTTP/2 by a tonic client
//! generated from the same `helloworld.proto` (example-tonic's library).
//!
//! `helloworld.Greeter` needs a valid token in the `approov-token` metadata entry and
//! answers every refusal with `Code::Unauthenticated` and no message; the gRPC health
//! service needs none; monitor mode lets failed calls through and logs why; `--demo`
//! prints commands that work; SIGTERM lets the call in flight finish.
#![allow(clippy::panic)] // a test fails by panicking

#[path = "over_http/server.rs"]
#[allow(dead_code)] // the launcher is shared with `over_http`, which uses all of it
mod server;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use approov_testkit::{Logged, TestSecret};
use example_tonic::helloworld::greeter_client::GreeterClient;
use example_tonic::helloworld::{HelloReply, HelloRequest};
use hyper::body::{Body, Bytes, Frame};
use prost::Message as _;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tracing::Level;

use server::{Launch, Server};

const PACKAGE: &str = "example-tonic";
const GREETING: &str = "Hello, World!";

/// example-tonic with `secret` in `APPROOV_BASE64_SECRET`, logging every failure.
fn launch(secret: &TestSecret) -> Launch {
    Launch::new(PACKAGE)
        .env("APPROOV_BASE64_SECRET", secret.base64())
        .log_every_failure()
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a runtime: {e}"))
        .block_on(future)
}

async fn channel(server: &Server) -> Channel {
    Channel::from_shared(format!("http://127.0.0.1:{}", server.port))
        .unwrap_or_else(|e| panic!("the address: {e}"))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{PACKAGE}: cannot connect: {e}"))
}

/// A request for World, with `token` in the `approov-token` metadata entry if any.
fn hello(token: Option<&str>) -> tonic::Request<HelloRequest> {
    let mut request = tonic::Request::new(HelloRequest {
        name: "World".to_owned(),
    });
    if let Some(token) = token {
        let value = MetadataValue::try_from(token)
            .unwrap_or_else(|e| panic!("{token:?} is no metadata value: {e}"));
        request.metadata_mut().insert("approov-token", value);
    }
    request
}

/// `Greeter.SayHello` with `token`: the greeting, or the status.
async fn say_hello(channel: &Channel, token: Option<&str>) -> Result<String, tonic::Status> {
    GreeterClient::new(channel.clone())
        .say_hello(hello(token))
        .await
        .map(|reply| reply.into_inner().message)
}

/// The calls the greeter refuses, each with the code its refusal is logged with.
fn refused(secret: &TestSecret) -> Vec<(&'static str, Option<String>, &'static str)> {
    let expired = secret.token(-60, None);
    let other_secret = TestSecret::new().token(3600, None);
    vec![
        ("no token", None, "missing_approov_token"),
        (
            "an empty token",
            Some(String::new()),
            "missing_approov_token",
        ),
        (
            "garbage",
            Some("not-a-token".to_owned()),
            "token_verification_failed",
        ),
        ("an expired token", Some(expired), "token_expired"),
        (
            "a token signed with another secret",
            Some(other_secret),
            "token_verification_failed",
        ),
    ]
}

/// The level and code of each failure logged.
fn codes(logged: Vec<Logged>) -> Vec<(Level, String)> {
    logged.into_iter().map(|l| (l.level, l.code)).collect()
}

#[test]
fn a_valid_token_is_greeted() {
    let secret = TestSecret::new();
    let server = launch(&secret).start();
    let token = secret.token(3600, None);
    block_on(async {
        let channel = channel(&server).await;
        let greeting = say_hello(&channel, Some(&token)).await;
        assert_eq!(greeting.map_err(|s| s.code()).as_deref(), Ok(GREETING));
        // The classic greeter's default: no name, the World.
        let mut nameless = hello(Some(&token));
        nameless.get_mut().name = String::new();
        let reply = GreeterClient::new(channel).say_hello(nameless).await;
        assert_eq!(
            reply
                .map(|reply| reply.into_inner().message)
                .map_err(|s| s.code())
                .as_deref(),
            Ok(GREETING)
        );
    });
    assert_eq!(server.logged(), Vec::new(), "a valid token logs no failure");
}

#[test]
fn every_refusal_is_unauthenticated_with_no_detail() {
    let secret = TestSecret::new();
    let server = launch(&secret).start();
    let cases = refused(&secret);
    block_on(async {
        let channel = channel(&server).await;
        for (what, token, code) in &cases {
            let seen = server.logged().len();
            let status = match say_hello(&channel, token.as_deref()).await {
                Ok(greeting) => panic!("{what}: greeted ({greeting:?}), must be refused"),
                Err(status) => status,
            };
            assert_eq!(status.code(), Code::Unauthenticated, "{what}: {status:?}");
            assert_eq!(status.message(), "", "{what}: the refusal says nothing");
            assert!(status.details().is_empty(), "{what}: no details");
            let logged = codes(server.logged_since(seen, 1));
            assert_eq!(
                logged,
                [(Level::INFO, code.to_string())],
                "{what}: logged at info"
            );
        }
    });
}

#[test]
fn the_health_service_needs_no_token() {
    let secret = TestSecret::new();
    let server = launch(&secret).start();
    block_on(async {
        let mut health = HealthClient::new(channel(&server).await);
        for service in ["", "helloworld.Greeter"] {
            let response = health
                .check(HealthCheckRequest {
                    service: service.to_owned(),
                })
                .await
                .unwrap_or_else(|status| panic!("health of {service:?}: {status:?}"));
            assert_eq!(
                response.into_inner().status(),
                ServingStatus::Serving,
                "health of {service:?}"
            );
        }
    });
    assert_eq!(
        server.logged(),
        Vec::new(),
        "the health service checks nothing"
    );
}

/// The layer is in front of the whole `helloworld.Greeter` service: a method it does
/// not have is refused like `SayHello` without a valid token, and `Unimplemented`
/// with one; a service the server does not have is `Unimplemented` either way.
#[test]
fn unknown_methods_and_services() {
    let secret = TestSecret::new();
    let server = launch(&secret).start();
    let token = secret.token(3600, None);
    block_on(async {
        let channel = channel(&server).await;
        let call = |path: &'static str, token: Option<&str>| {
            let mut grpc = tonic::client::Grpc::new(channel.clone());
            let request = hello(token);
            async move {
                grpc.ready()
                    .await
                    .unwrap_or_else(|e| panic!("{path}: not ready: {e}"));
                let codec = tonic_prost::ProstCodec::<HelloRequest, HelloReply>::default();
                grpc.unary(request, PathAndQuery::from_static(path), codec)
                    .await
                    .map(|reply| reply.into_inner().message)
                    .map_err(|status| status.code())
            }
        };
        let greeter_unknown = "/helloworld.Greeter/SayGoodbye";
        let unknown_service = "/helloworld.Farewell/SayHello";
        assert_eq!(
            call(greeter_unknown, None).await,
            Err(Code::Unauthenticated)
        );
        assert_eq!(
            call(greeter_unknown, Some(&token)).await,
            Err(Code::Unimplemented)
        );
        assert_eq!(call(unknown_service, None).await, Err(Code::Unimplemented));
        assert_eq!(
            call(unknown_service, Some(&token)).await,
            Err(Code::Unimplemented)
        );
        assert_eq!(
            call("/helloworld.Greeter/SayHello", Some(&token))
                .await
                .as_deref(),
            Ok(GREETING)
        );
    });
}

#[test]
fn monitor_mode_lets_every_call_through_and_logs_why() {
    let secret = TestSecret::new();
    let server = launch(&secret).env("APPROOV_MODE", "monitor").start();
    let cases = refused(&secret);
    block_on(async {
        let channel = channel(&server).await;
        for (what, token, code) in &cases {
            let seen = server.logged().len();
            let greeting = say_hello(&channel, token.as_deref()).await;
            let greeting = greeting.map_err(|s| s.code());
            assert_eq!(greeting.as_deref(), Ok(GREETING), "{what}: monitor mode");
            let logged = codes(server.logged_since(seen, 1));
            assert_eq!(
                logged,
                [(Level::WARN, code.to_string())],
                "{what}: logged at warn"
            );
        }
    });
    assert!(
        server.stderr().contains("APPROOV MONITOR MODE IS ON"),
        "monitor mode is announced at start-up:\n{}",
        server.stderr()
    );
}

/// `--demo` warns that its secret is public and prints grpcurl commands whose token
/// the server accepts and whose address is the one it listens on.
#[test]
fn demo_prints_commands_that_work() {
    let server = Launch::new(PACKAGE).arg("--demo").start();
    assert!(
        server.stderr().contains("PUBLICLY KNOWN"),
        "--demo warns loudly:\n{}",
        server.stderr()
    );
    let stdout = server.stdout();
    let token = stdout
        .lines()
        .find_map(|line| line.split("-H 'approov-token: ").nth(1)?.split('\'').next())
        .unwrap_or_else(|| panic!("no grpcurl command with a token in:\n{stdout}"))
        .to_owned();
    let address = format!(" 127.0.0.1:{} helloworld.Greeter/SayHello", server.port);
    assert!(stdout.contains(&address), "{address:?} in:\n{stdout}");
    block_on(async {
        let channel = channel(&server).await;
        let greeting = say_hello(&channel, Some(&token)).await;
        assert_eq!(greeting.map_err(|s| s.code()).as_deref(), Ok(GREETING));
        let refused = say_hello(&channel, None).await.map_err(|s| s.code());
        assert_eq!(refused, Err(Code::Unauthenticated));
    });
}

/// A request body fed from a channel: the test decides when each part is sent.
struct Fed(tokio::sync::mpsc::Receiver<Bytes>);

impl Body for Fed {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|data| data.map(|data| Ok(Frame::data(data))))
    }
}

/// A `SayHello` whose message is still arriving when SIGTERM comes: the server
/// answers it, then exits 0.
#[test]
fn sigterm_finishes_the_call_in_flight() {
    let secret = TestSecret::new();
    let server = launch(&secret).start();
    let token = secret.token(3600, None);
    // One gRPC message: uncompressed, its length, then the protobuf bytes.
    let message = HelloRequest {
        name: "World".to_owned(),
    }
    .encode_to_vec();
    let mut frame = vec![0u8];
    let len = u32::try_from(message.len()).unwrap_or_else(|e| panic!("{e}"));
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&message);
    let (first, rest) = frame.split_at(frame.len() / 2);
    let (first, rest) = (Bytes::copy_from_slice(first), Bytes::copy_from_slice(rest));

    let (status, grpc_status, reply) = block_on(async {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        let (mut sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .unwrap_or_else(|e| panic!("no HTTP/2: {e}"));
        tokio::spawn(connection);
        let (feed, body) = tokio::sync::mpsc::channel(2);
        let request = hyper::Request::post(format!(
            "http://127.0.0.1:{}/helloworld.Greeter/SayHello",
            server.port
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("approov-token", token.as_str())
        .body(Fed(body))
        .unwrap_or_else(|e| panic!("{e}"));
        let response = tokio::spawn(sender.send_request(request));
        let send = |data: Bytes| {
            let feed = feed.clone();
            async move {
                feed.send(data)
                    .await
                    .unwrap_or_else(|_| panic!("the request was dropped"))
            }
        };
        send(first).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.send_sigterm();
        tokio::time::sleep(Duration::from_millis(300)).await;
        send(rest).await;
        drop(feed);
        let response = response
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("the call in flight was cut: {e}"));
        let status = response.status();
        let collected = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap_or_else(|e| panic!("the answer was cut: {e}"));
        let grpc_status = collected
            .trailers()
            .and_then(|trailers| trailers.get("grpc-status"))
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = collected.to_bytes();
        let reply = HelloReply::decode(body.get(5..).unwrap_or_default())
            .unwrap_or_else(|e| panic!("the answer {body:?} is no HelloReply: {e}"));
        (status, grpc_status, reply.message)
    });
    assert_eq!(status, 200);
    assert_eq!(grpc_status.as_deref(), Some("0"), "grpc-status OK");
    assert_eq!(reply, GREETING);
    let (status, log) = server.wait_for_exit();
    assert!(
        status.success(),
        "exit 0 after SIGTERM, got {status}:\n{log}"
    );
    assert!(
        log.contains("shutting down"),
        "it logs that it is shutting down:\n{log}"
    );
    assert!(
        !log.contains("still in flight"),
        "it exits once the call is answered, not after the grace period:\n{log}"
    );
}
