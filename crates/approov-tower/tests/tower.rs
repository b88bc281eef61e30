//! The tower layer on its own: the shared case table in-process, in both modes, through
//! a plain tower service that routes as the examples do; a bare hyper 1.x server over
//! a real socket; the gRPC response; and the body a signed request hands on.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use approov_testkit::{cases, LogCapture, Observed, Report, TestSecret, HELLO_BODY};
use approov_tower::{
    ApproovBody, ApproovClaims, ApproovLayer, ApproovVerifier, BindingHeader, Checked, Mode,
};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::util::BoxCloneService;
use tower::{Layer, Service, ServiceExt};

type Body = Full<Bytes>;
type Routed = BoxCloneService<Request<Body>, Response<Body>, Infallible>;

type Answer = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

/// The examples' answer: `{"message":"Hello, World!"}`, for a request with any body.
fn hello<B>(
) -> impl Service<Request<B>, Response = Response<Body>, Error = Infallible, Future = Answer>
       + Clone
       + Send
       + 'static
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::fmt::Debug + Send,
{
    tower::service_fn(|request: Request<B>| {
        Box::pin(async move {
            // The handler reads its body as usual (a signed one is replayed).
            let _ = request.into_body().collect().await;
            let mut response = Response::new(Body::from(HELLO_BODY));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Ok::<_, Infallible>(response)
        }) as Answer
    })
}

/// The examples' routes, each behind its own layer, over a plain tower service.
fn app(verifier: ApproovVerifier) -> Routed {
    let token_check = ApproovLayer::new(verifier.clone()).layer(hello());
    let binding = ApproovLayer::new(verifier.clone())
        .bound_to(BindingHeader::AUTHORIZATION)
        .layer(hello());
    let double = ApproovLayer::new(verifier.clone())
        .bound_to([
            BindingHeader::AUTHORIZATION,
            BindingHeader::new("SessionId"),
        ])
        .layer(hello());
    let signed = ApproovLayer::new(verifier).message_signed().layer(hello());
    let unprotected = hello::<Body>();
    let not_found = || {
        let mut response = Response::new(Body::default());
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    };
    BoxCloneService::new(tower::service_fn(move |request: Request<Body>| {
        let path = request.uri().path().to_owned();
        let (token_check, binding, double, signed, unprotected) = (
            token_check.clone(),
            binding.clone(),
            double.clone(),
            signed.clone(),
            unprotected.clone(),
        );
        async move {
            match (request.method().as_str(), path.as_str()) {
                ("GET", "/unprotected") => unprotected.oneshot(request).await,
                ("GET", "/token-check") => token_check.oneshot(request).await,
                ("GET", "/token-binding") => binding.oneshot(request).await,
                ("GET", "/token-double-binding") => double.oneshot(request).await,
                ("GET" | "POST", "/token-message-signing") => signed.oneshot(request).await,
                _ => Ok(not_found()),
            }
        }
    }))
}

async fn send(app: &Routed, case: &approov_testkit::Case) -> Observed {
    let mut request = Request::new(Body::from(case.body.clone()));
    *request.method_mut() = case.method.parse().unwrap();
    *request.uri_mut() = case.target().parse().unwrap();
    for (name, value) in case.header_pairs() {
        request.headers_mut().append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_bytes(value).unwrap(),
        );
    }
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Observed {
        status,
        content_type,
        body,
    }
}

#[tokio::test]
async fn the_shared_table_in_process_in_both_modes() {
    for mode in [Mode::Enforce, Mode::Monitor] {
        let (logs, _guard) = LogCapture::install();
        let secret = TestSecret::new();
        let app = app(secret.verifier().with_mode(mode));
        let mut report = Report::new(format!("tower (in-process, {mode:?})")).in_mode(mode);
        for case in cases(&secret) {
            logs.take();
            let observed = send(&app, &case).await;
            report.record_logged(&case, &observed, false, &logs.take());
        }
        report.finish();
    }
}

/// What the inner service finds: the claims, and the layer's own record.
#[tokio::test]
async fn the_inner_service_gets_the_claims_and_the_proof() {
    let secret = TestSecret::new();
    let seen = tower::service_fn(|request: Request<ApproovBody<Body>>| async move {
        let did = request
            .extensions()
            .get::<ApproovClaims>()
            .and_then(|claims| claims.did.clone());
        let checked = request
            .extensions()
            .get::<Checked>()
            .is_some_and(|checked| checked.verification().passed());
        Ok::<_, Infallible>(Response::new(Body::from(format!("{did:?} {checked}"))))
    });
    let service = ApproovLayer::new(secret.verifier()).layer(seen);
    let token = secret.token_with_claims(&serde_json::json!({
        "exp": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60,
        "did": "device-7",
    }));
    let mut request = Request::new(Body::default());
    request
        .headers_mut()
        .insert("approov-token", token.parse().unwrap());
    let response = service.clone().oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "Some(\"device-7\") true");

    // Optional: no header goes through unchecked, a bad one is still refused.
    let optional = ApproovLayer::new(secret.verifier()).optional().layer(seen);
    let response = optional
        .clone()
        .oneshot(Request::new(Body::default()))
        .await
        .unwrap();
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "None false"
    );
    let mut bad = Request::new(Body::default());
    bad.headers_mut()
        .insert("approov-token", "garbage".parse().unwrap());
    assert_eq!(optional.oneshot(bad).await.unwrap().status(), 401);
}

/// `without_claims`: no `ApproovClaims` in the extensions (a forged one is removed),
/// the claims still read from the layer's own record.
#[tokio::test]
async fn without_claims_the_claims_come_from_the_proof_only() {
    let secret = TestSecret::new();
    let seen = tower::service_fn(|request: Request<ApproovBody<Body>>| async move {
        let extension = request.extensions().get::<ApproovClaims>().is_some();
        let did = request
            .extensions()
            .get::<Checked>()
            .and_then(|checked| checked.verification().claims())
            .and_then(|claims| claims.did.clone());
        Ok::<_, Infallible>(Response::new(Body::from(format!("{extension} {did:?}"))))
    });
    let service = ApproovLayer::new(secret.verifier())
        .without_claims()
        .layer(seen);
    let token = secret.token_with_claims(&serde_json::json!({
        "exp": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60,
        "did": "device-8",
    }));
    let mut request = Request::new(Body::default());
    request
        .headers_mut()
        .insert("approov-token", token.parse().unwrap());
    let forged: ApproovClaims =
        serde_json::from_value(serde_json::json!({ "exp": 4_000_000_000u64, "did": "forged" }))
            .unwrap();
    request.extensions_mut().insert(forged);
    let response = service.oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "false Some(\"device-8\")");
}

#[tokio::test]
async fn grpc_refusals_are_unauthenticated_trailers_only() {
    let secret = TestSecret::new();
    let inner = tower::service_fn(|_: Request<ApproovBody<Body>>| async {
        Ok::<_, Infallible>(Response::new(Body::default()))
    });
    let service = ApproovLayer::grpc(secret.verifier()).layer(inner);
    let response = service
        .oneshot(Request::new(Body::default()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/grpc");
    assert_eq!(response.headers()["grpc-status"], "16");
    assert!(response.headers().get("grpc-message").is_none());
    assert!(response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .is_empty());
}

/// A bare hyper 1.x server over a real socket, the layer in front of its service.
#[tokio::test]
async fn a_hyper_server_over_a_real_socket() {
    use hyper::body::Incoming;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::service::TowerToHyperService;

    let secret = TestSecret::new();
    let verifier = secret.verifier();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service =
                ApproovLayer::new(verifier.clone()).layer(hello::<ApproovBody<Incoming>>());
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                    .await;
            });
        }
    });

    let get = |token: Option<String>| async move {
        let stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut request = Request::get("/").header("host", "127.0.0.1");
        if let Some(token) = token {
            request = request.header("approov-token", token);
        }
        let response = sender
            .send_request(request.body(Body::default()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body)
    };
    assert_eq!(
        get(Some(secret.token(60, None))).await,
        (StatusCode::OK, Bytes::from(HELLO_BODY))
    );
    assert_eq!(
        get(None).await,
        (StatusCode::UNAUTHORIZED, Bytes::from("{}"))
    );
    assert_eq!(
        get(Some(secret.token(-1, None))).await,
        (StatusCode::UNAUTHORIZED, Bytes::from("{}"))
    );
    assert_eq!(
        get(Some(TestSecret::new().token(60, None))).await,
        (StatusCode::UNAUTHORIZED, Bytes::from("{}"))
    );
    server.abort();
}
