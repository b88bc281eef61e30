//! Proxy mode, over real sockets: the binary in front of a recording upstream.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use approov_core::{content_digest, DigestAlgorithm, DigestForm, InstallationKey};
use approov_testkit::TestSecret;
use common::*;

/// The routes most tests use: `/health` open, `/admin` denied, `/api/` protected;
/// unmatched paths protected (the default).
const ROUTES: &str = r#"
[[route]]
path = "/health"
action = "open"

[[route]]
path = "/admin"
action = "deny"

[[route]]
path = "/api/"
action = "protect"
"#;

/// An upstream, a secret and a gateway with `routes` in front of the upstream.
fn setup(routes: &str) -> (Upstream, TestSecret, Gateway) {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let gateway = Gateway::start(&proxy_config(upstream.addr, routes), &secret);
    (upstream, secret, gateway)
}

/// Sends GET `path` with `headers`: the status and body.
fn get(gateway: &Gateway, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    send(gateway, "GET", path, headers)
}

fn send(gateway: &Gateway, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = client().request(method.parse().expect("a method"), gateway.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request
        .send()
        .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", gateway.logs()));
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

/// The token `make` makes for the gateway's secret, on the protected route: 401 `{}`,
/// and the upstream saw nothing.
fn assert_refused(make: impl FnOnce(&TestSecret) -> Option<String>) {
    let (upstream, secret, gateway) = setup(ROUTES);
    let token = make(&secret);
    let headers: Vec<(&str, &str)> = token
        .as_deref()
        .map(|t| ("Approov-Token", t))
        .into_iter()
        .collect();
    let (status, body) = get(&gateway, "/api/orders", &headers);
    assert_eq!(status, 401, "logs:\n{}", gateway.logs());
    assert_eq!(body, "{}");
    assert_eq!(
        upstream.count(),
        0,
        "the upstream saw {:#?}",
        upstream.seen()
    );
}

#[test]
fn a_valid_token_reaches_the_upstream_without_approov_headers_and_with_forwarded_ones() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let token = token(&secret);
    let (status, body) = get(
        &gateway,
        "/api/orders?id=7",
        &[
            ("Host", "api.example.test"),
            ("Approov-Token", &token),
            ("Signature", "install=:AAAA:"),
            ("Signature-Input", "install=(\"@method\");created=1"),
            ("Approov-Status", "ok"),
            ("Approov-TraceID", "trace-1"),
            ("X-End-To-End", "kept"),
        ],
    );
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(body, Upstream::body_for("/api/orders?id=7"));
    let seen = upstream.only();
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.target, "/api/orders?id=7");
    for name in [
        "approov-token",
        "signature",
        "signature-input",
        "approov-status",
        "approov-traceid",
    ] {
        assert!(!seen.has(name), "the upstream saw {name}: {seen:#?}");
    }
    assert_eq!(seen.header("x-approov-did"), Some(DID));
    assert_eq!(seen.header("x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(seen.header("x-forwarded-proto"), Some("http"));
    assert_eq!(seen.header("x-forwarded-host"), Some("api.example.test"));
    assert_eq!(seen.header("host"), Some("api.example.test"));
    assert_eq!(seen.header("x-end-to-end"), Some("kept"));
}

#[test]
fn a_client_s_forwarded_proto_and_host_are_replaced_and_its_forwarded_for_appended() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let token = token(&secret);
    let (status, _) = get(
        &gateway,
        "/api/orders",
        &[
            ("Host", "api.example.test"),
            ("Approov-Token", &token),
            ("X-Forwarded-For", "10.9.8.7"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "forged.example"),
        ],
    );
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.header("x-forwarded-for"), Some("10.9.8.7, 127.0.0.1"));
    assert_eq!(seen.header("x-forwarded-proto"), Some("http"));
    assert_eq!(seen.header("x-forwarded-host"), Some("api.example.test"));
}

#[test]
fn a_request_without_a_token_is_401_and_never_reaches_the_upstream() {
    assert_refused(|_| None);
}

#[test]
fn a_garbage_token_is_401_and_never_reaches_the_upstream() {
    assert_refused(|_| Some("not-a-jwt".to_owned()));
}

#[test]
fn an_expired_token_is_401_and_never_reaches_the_upstream() {
    assert_refused(|secret| Some(expired_token(secret)));
}

#[test]
fn a_token_signed_with_another_secret_is_401_and_never_reaches_the_upstream() {
    assert_refused(|_| Some(token(&TestSecret::new())));
}

#[test]
fn an_alg_none_token_is_401_and_never_reaches_the_upstream() {
    assert_refused(|_| Some(alg_none_token()));
}

#[test]
fn a_forged_claim_header_never_reaches_the_upstream_on_an_open_route() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    let (status, _) = get(&gateway, "/health", &[("X-Approov-Did", "forged")]);
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert!(
        !seen.has("x-approov-did"),
        "forged did went upstream: {seen:#?}"
    );
}

#[test]
fn a_forged_claim_header_is_replaced_by_the_verified_claim_on_a_protected_route() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let token = token(&secret);
    let (status, _) = get(
        &gateway,
        "/api/orders",
        &[("X-Approov-Did", "forged"), ("Approov-Token", &token)],
    );
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.all("x-approov-did"), vec![DID], "{seen:#?}");
}

#[test]
fn a_forged_claim_header_without_a_token_is_refused_on_a_protected_route() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    let (status, _) = get(&gateway, "/api/orders", &[("X-Approov-Did", "forged")]);
    assert_eq!(status, 401);
    assert_eq!(upstream.count(), 0);
}

const BOUND: &str = r#"
[[route]]
path = "/api/bound"
bind = ["authorization"]

[[route]]
path = "/api/double"
bind = ["authorization", "sessionid"]
"#;

#[test]
fn a_token_bound_to_authorization_passes_only_with_that_authorization() {
    let (upstream, secret, gateway) = setup(BOUND);
    let token = secret.token(300, Some("Bearer abc"));
    let right = get(
        &gateway,
        "/api/bound",
        &[("Approov-Token", &token), ("Authorization", "Bearer abc")],
    );
    assert_eq!(right.0, 200, "logs:\n{}", gateway.logs());
    let wrong = get(
        &gateway,
        "/api/bound",
        &[("Approov-Token", &token), ("Authorization", "Bearer xyz")],
    );
    assert_eq!(wrong, (401, "{}".to_owned()));
    let missing = get(&gateway, "/api/bound", &[("Approov-Token", &token)]);
    assert_eq!(missing, (401, "{}".to_owned()));
    let seen = upstream.only();
    assert_eq!(seen.header("authorization"), Some("Bearer abc"));
}

#[test]
fn a_token_bound_to_authorization_and_sessionid_needs_both() {
    let (upstream, secret, gateway) = setup(BOUND);
    let token = secret.token_bound_to(300, &["Bearer abc", "session-1"]);
    let both = get(
        &gateway,
        "/api/double",
        &[
            ("Approov-Token", &token),
            ("Authorization", "Bearer abc"),
            ("SessionId", "session-1"),
        ],
    );
    assert_eq!(both.0, 200, "logs:\n{}", gateway.logs());
    let wrong_session = get(
        &gateway,
        "/api/double",
        &[
            ("Approov-Token", &token),
            ("Authorization", "Bearer abc"),
            ("SessionId", "session-2"),
        ],
    );
    assert_eq!(wrong_session.0, 401);
    let no_session = get(
        &gateway,
        "/api/double",
        &[("Approov-Token", &token), ("Authorization", "Bearer abc")],
    );
    assert_eq!(no_session.0, 401);
    // A token bound to the authorization alone does not pass the double binding.
    let single = secret.token(300, Some("Bearer abc"));
    let single = get(
        &gateway,
        "/api/double",
        &[
            ("Approov-Token", &single),
            ("Authorization", "Bearer abc"),
            ("SessionId", "session-1"),
        ],
    );
    assert_eq!(single.0, 401);
    assert_eq!(upstream.count(), 1, "{:#?}", upstream.seen());
}

const SIGNED: &str = r#"
[[route]]
path = "/api/signed"
sign = "install"
"#;

const SIGNED_HOST: &str = "api.example.test";

#[test]
fn an_install_signed_request_passes_a_signed_route() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let key = InstallationKey::generate();
    let token = token_with_ipk(&secret, &key);
    let (signature, input) = install_signature(&key, &token, "GET", SIGNED_HOST, "/api/signed?x=1");
    let (status, _) = get(
        &gateway,
        "/api/signed?x=1",
        &[
            ("Host", SIGNED_HOST),
            ("Approov-Token", &token),
            ("Signature", &signature),
            ("Signature-Input", &input),
        ],
    );
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert!(
        !seen.has("signature") && !seen.has("signature-input"),
        "{seen:#?}"
    );
}

#[test]
fn an_install_signed_http2_request_passes_a_signed_route() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let key = InstallationKey::generate();
    let token = token_with_ipk(&secret, &key);
    let authority = gateway.addr.to_string();
    let (signature, input) = install_signature(&key, &token, "GET", &authority, "/api/signed?x=1");
    let h2 = reqwest::blocking::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("an HTTP/2 client");
    let response = h2
        .get(gateway.url("/api/signed?x=1"))
        .header("Approov-Token", &token)
        .header("Signature", &signature)
        .header("Signature-Input", &input)
        .send()
        .expect("HTTP/2");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status().as_u16(), 200, "logs:\n{}", gateway.logs());
    assert_eq!(upstream.count(), 1);
}

#[test]
fn an_unsigned_request_is_401_on_a_signed_route() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let key = InstallationKey::generate();
    let token = token_with_ipk(&secret, &key);
    let (status, body) = get(
        &gateway,
        "/api/signed",
        &[("Host", SIGNED_HOST), ("Approov-Token", &token)],
    );
    assert_eq!((status, body.as_str()), (401, "{}"));
    assert_eq!(upstream.count(), 0);
}

#[test]
fn a_signature_over_another_path_is_401_on_a_signed_route() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let key = InstallationKey::generate();
    let token = token_with_ipk(&secret, &key);
    let (signature, input) =
        install_signature(&key, &token, "GET", SIGNED_HOST, "/api/signed/other");
    let (status, body) = get(
        &gateway,
        "/api/signed",
        &[
            ("Host", SIGNED_HOST),
            ("Approov-Token", &token),
            ("Signature", &signature),
            ("Signature-Input", &input),
        ],
    );
    assert_eq!((status, body.as_str()), (401, "{}"));
    assert_eq!(upstream.count(), 0);
}

#[test]
fn a_monitor_route_lets_a_bad_token_through_and_counts_it_monitored() {
    let (upstream, _secret, gateway) = setup(
        r#"
[[route]]
path = "/api/monitored"
monitor = true
"#,
    );
    let (status, body) = get(&gateway, "/api/monitored", &[("Approov-Token", "garbage")]);
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(body, Upstream::body_for("/api/monitored"));
    assert_eq!(upstream.count(), 1);
    let metrics = gateway.metrics();
    let monitored = metric(
        &metrics,
        "approov_gateway_requests_total",
        &[("route", "/api/monitored"), ("outcome", "monitored")],
    );
    assert_eq!(monitored, 1.0, "{metrics}");
    assert_eq!(
        metric(
            &metrics,
            "approov_gateway_check_failures_total",
            &[("code", "token_verification_failed")]
        ),
        1.0,
        "monitor-mode failures are counted too: {metrics}"
    );
}

#[test]
fn a_deny_route_is_404_and_never_reaches_the_upstream() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let token = token(&secret);
    for headers in [vec![], vec![("Approov-Token", token.as_str())]] {
        let (status, body) = get(&gateway, "/admin/users", &headers);
        assert_eq!((status, body.as_str()), (404, "{}"));
    }
    assert_eq!(upstream.count(), 0);
}

#[test]
fn an_unmatched_path_is_protected_by_default() {
    let (upstream, secret, gateway) = setup(ROUTES);
    assert_eq!(get(&gateway, "/other", &[]), (401, "{}".to_owned()));
    assert_eq!(upstream.count(), 0);
    let token = token(&secret);
    let (status, _) = get(&gateway, "/other", &[("Approov-Token", &token)]);
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(upstream.count(), 1);
}

#[test]
fn an_unmatched_path_is_open_with_default_open() {
    let (upstream, _secret, gateway) = setup(&format!("default = \"open\"\n{ROUTES}"));
    let (status, _) = get(&gateway, "/other", &[]);
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(upstream.count(), 1);
    // Listed routes still apply.
    assert_eq!(get(&gateway, "/api/orders", &[]).0, 401);
    assert_eq!(upstream.count(), 1);
}

#[test]
fn an_unmatched_path_is_404_with_default_deny() {
    let (upstream, secret, gateway) = setup(&format!("default = \"deny\"\n{ROUTES}"));
    let token = token(&secret);
    assert_eq!(
        get(&gateway, "/other", &[("Approov-Token", &token)]),
        (404, "{}".to_owned())
    );
    assert_eq!(upstream.count(), 0);
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
}

#[test]
fn a_route_matches_its_path_and_below_but_not_a_longer_name() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
    assert_eq!(get(&gateway, "/health/live", &[]).0, 200);
    assert_eq!(upstream.count(), 2);
    assert_eq!(get(&gateway, "/healthz", &[]).0, 401);
    assert_eq!(get(&gateway, "/adminx", &[]).0, 401);
    assert_eq!(upstream.count(), 2);
}

#[test]
fn the_first_route_that_matches_wins() {
    let (upstream, secret, gateway) = setup(
        r#"
[[route]]
path = "/api/public"
action = "open"

[[route]]
path = "/api/"
action = "protect"
"#,
    );
    assert_eq!(get(&gateway, "/api/public/x", &[]).0, 200);
    assert_eq!(get(&gateway, "/api/public", &[]).0, 200);
    assert_eq!(upstream.count(), 2);
    // A segment boundary: /api/publicity is not /api/public.
    assert_eq!(get(&gateway, "/api/publicity", &[]).0, 401);
    // Matching is case-sensitive: /API/public is not /api/public (nor /api/): the
    // protected default.
    assert_eq!(get(&gateway, "/API/public", &[]).0, 401);
    assert_eq!(get(&gateway, "/api/orders", &[]).0, 401);
    assert_eq!(upstream.count(), 2);
    let token = token(&secret);
    assert_eq!(
        get(&gateway, "/api/orders", &[("Approov-Token", &token)]).0,
        200
    );
}

#[test]
fn a_route_with_methods_matches_only_those_methods() {
    let (upstream, secret, gateway) = setup(
        r#"
default = "open"

[[route]]
path = "/api/orders"
methods = ["POST"]
action = "protect"

[[route]]
path = "/api/items"
methods = ["GET"]
action = "protect"
"#,
    );
    // A GET falls through to the open default.
    assert_eq!(get(&gateway, "/api/orders", &[]).0, 200);
    assert_eq!(upstream.count(), 1);
    // A POST is protected.
    assert_eq!(send(&gateway, "POST", "/api/orders", &[]).0, 401);
    assert_eq!(upstream.count(), 1);
    let token = token(&secret);
    assert_eq!(
        send(
            &gateway,
            "POST",
            "/api/orders",
            &[("Approov-Token", &token)]
        )
        .0,
        200
    );
    assert_eq!(upstream.count(), 2);
    // GET also matches HEAD.
    assert_eq!(send(&gateway, "HEAD", "/api/items", &[]).0, 401);
    assert_eq!(send(&gateway, "DELETE", "/api/items", &[]).0, 200);
    assert_eq!(upstream.count(), 3, "{:#?}", upstream.seen());
}

#[test]
fn no_spelling_of_a_protected_path_reaches_the_upstream_without_a_token() {
    let (upstream, secret, gateway) = setup(&format!("default = \"open\"\n{ROUTES}"));
    for path in [
        "/health/../api/orders",
        "/health/%2e%2e/api/orders",
        "/health/%2E%2E/api/orders",
        "/health/..;/api/orders",
        "/health/.%2e/api/orders",
        "/health%2f..%2fapi/orders",
        "/health/..%5capi/orders",
        "//api/orders",
        "/%61pi/orders",
        "/api;x=1/orders",
        "/health/./../api/orders",
    ] {
        let response = raw(
            gateway.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n"),
        );
        assert!(
            matches!(response.status, 400 | 401),
            "{path}: {} (want 400 or 401)\nlogs:\n{}",
            response.head,
            gateway.logs()
        );
        assert_eq!(
            String::from_utf8_lossy(&response.body),
            "{}",
            "{path}: {}",
            response.head
        );
        assert_eq!(
            upstream.count(),
            0,
            "{path} reached the upstream: {:#?}",
            upstream.seen()
        );
    }
    // The spellings the README routes as /api/orders are protected, not refused: with
    // a token they pass.
    let token = token(&secret);
    for path in ["//api/orders", "/%61pi/orders"] {
        let response = raw(
            gateway.addr,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: gw.test\r\nApproov-Token: {token}\r\nConnection: close\r\n\r\n"
            ),
        );
        assert_eq!(response.status, 200, "{path}: {}", response.head);
    }
}

#[test]
fn hop_by_hop_headers_and_those_connection_names_never_reach_the_upstream() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    let response = raw(
        gateway.addr,
        "GET /health HTTP/1.1\r\nHost: gw.test\r\nConnection: close, x-secret\r\n\
         X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\
         TE: trailers\r\nX-End-To-End: kept\r\n\r\n",
    );
    assert_eq!(response.status, 200, "{}", response.head);
    let seen = upstream.only();
    for name in ["x-secret", "keep-alive", "proxy-authorization", "te"] {
        assert!(!seen.has(name), "the upstream saw {name}: {seen:#?}");
    }
    assert_eq!(seen.header("x-end-to-end"), Some("kept"));
}

#[test]
fn hop_by_hop_headers_of_the_upstream_s_answer_never_reach_the_client() {
    let (_upstream, _secret, gateway) = setup(ROUTES);
    let response = raw(
        gateway.addr,
        "GET /health/hop HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(response.status, 200, "{}", response.head);
    let head = response.head.to_ascii_lowercase();
    assert!(head.contains("x-up-kept: 1"), "{}", response.head);
    assert!(!head.contains("x-up-secret"), "{}", response.head);
    assert!(!head.contains("proxy-authenticate"), "{}", response.head);
}

#[test]
fn a_chunked_request_body_reaches_the_upstream() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    let response = raw(
        gateway.addr,
        "POST /health HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(upstream.only().body, b"hello world");
}

#[test]
fn claims_of_any_kind_are_forwarded_as_configured() {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let config = format!(
        "listen = \"127.0.0.1:0\"\nadmin_listen = \"{ADMIN_LISTEN}\"\nupstream = \"http://{}\"\n\
         forward_claims = {{ did = \"X-Approov-Did\", exp = \"X-Approov-Exp\", tier = \"X-Tier\", level = \"X-Level\", ip = \"X-Approov-Ip\" }}\n",
        upstream.addr
    );
    let gateway = Gateway::start(&config, &secret);
    let exp = now() + 300;
    let token = secret.token_with_claims(&serde_json::json!({
        "exp": exp, "did": DID, "tier": "gold", "level": 3
    }));
    let (status, _) = get(
        &gateway,
        "/x",
        &[("Approov-Token", &token), ("X-Approov-Ip", "6.6.6.6")],
    );
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.header("x-approov-did"), Some(DID));
    assert_eq!(seen.header("x-approov-exp"), Some(exp.to_string().as_str()));
    assert_eq!(seen.header("x-tier"), Some("gold"));
    assert_eq!(seen.header("x-level"), Some("3"));
    // The token has no ip claim: the client's forged header is not passed on.
    assert!(!seen.has("x-approov-ip"), "{seen:#?}");
}

#[test]
fn an_http2_client_is_checked_and_forwarded() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let h2 = reqwest::blocking::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("an HTTP/2 client");
    let token = token(&secret);
    let response = h2
        .get(gateway.url("/api/orders"))
        .header("Approov-Token", &token)
        .send()
        .unwrap_or_else(|e| panic!("HTTP/2: {e}\n{}", gateway.logs()));
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status().as_u16(), 200, "logs:\n{}", gateway.logs());
    assert_eq!(
        response.text().unwrap_or_default(),
        Upstream::body_for("/api/orders")
    );
    let seen = upstream.only();
    assert!(!seen.has("approov-token"));
    assert_eq!(seen.header("x-approov-did"), Some(DID));
    let authority = gateway.addr.to_string();
    assert_eq!(seen.header("host"), Some(authority.as_str()), "{seen:#?}");
    assert_eq!(seen.header("x-forwarded-host"), Some(authority.as_str()));
    let response = h2
        .get(gateway.url("/api/orders"))
        .send()
        .expect("HTTP/2 without a token");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.text().unwrap_or_default(), "{}");
    assert_eq!(upstream.count(), 1);
}

#[test]
fn an_http2_request_s_body_and_split_cookies_reach_the_http1_upstream() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let h2 = reqwest::blocking::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("an HTTP/2 client");
    let body = vec![b'h'; 200_000];
    let response = h2
        .post(gateway.url("/api/orders"))
        .header("Approov-Token", token(&secret))
        .header("Cookie", "a=1")
        .header("Cookie", "b=2")
        .body(body.clone())
        .send()
        .unwrap_or_else(|e| panic!("HTTP/2: {e}\n{}", gateway.logs()));
    assert_eq!(response.status().as_u16(), 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.body.len(), body.len());
    assert!(seen.body == body, "the body changed on the way");
    assert_eq!(seen.all("cookie"), vec!["a=1; b=2"], "{seen:#?}");
}

#[test]
fn a_large_body_on_a_protected_route_reaches_the_upstream_whole() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let body: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let response = client()
        .post(gateway.url("/api/upload"))
        .header("Approov-Token", token(&secret))
        .body(body.clone())
        .send()
        .expect("POST");
    assert_eq!(response.status().as_u16(), 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.body.len(), body.len());
    assert!(seen.body == body, "the body changed on the way");
}

/// A POST of `body` to `/api/signed`, install-signed over `content-digest` (the
/// digest of `digested`).
fn signed_post(
    gateway: &Gateway,
    secret: &TestSecret,
    digested: &[u8],
    body: Vec<u8>,
) -> (u16, String) {
    let key = InstallationKey::generate();
    let token = token_with_ipk(secret, &key);
    let digest = content_digest(digested, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
    let (signature, input) = install_signature_over(
        &key,
        "POST",
        SIGNED_HOST,
        "/api/signed?order=7",
        &["@method", "@target-uri", "approov-token", "content-digest"],
        &[("approov-token", &token), ("content-digest", &digest)],
        digested,
    );
    let response = client()
        .post(gateway.url("/api/signed?order=7"))
        .header("Host", SIGNED_HOST)
        .header("Approov-Token", &token)
        .header("Content-Digest", &digest)
        .header("Signature", &signature)
        .header("Signature-Input", &input)
        .body(body)
        .send()
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

#[test]
fn a_signed_body_is_checked_and_still_reaches_the_upstream_whole() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let body = br#"{"amount":42}"#.to_vec();
    let (status, _) = signed_post(&gateway, &secret, &body, body.clone());
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.body, body, "{seen:#?}");
    assert_eq!(seen.target, "/api/signed?order=7");
}

#[test]
fn a_body_other_than_the_signed_one_is_401() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let (status, body) = signed_post(
        &gateway,
        &secret,
        b"{\"amount\":42}",
        b"{\"amount\":4200}".to_vec(),
    );
    assert_eq!((status, body.as_str()), (401, "{}"));
    assert_eq!(upstream.count(), 0);
}

#[test]
fn a_signed_body_over_the_limit_is_413() {
    let (upstream, secret, gateway) = setup(SIGNED);
    let body = vec![b'x'; 2 * 1024 * 1024];
    let (status, answer) = signed_post(&gateway, &secret, &body, body.clone());
    assert_eq!(
        (status, answer.as_str()),
        (413, "{}"),
        "logs:\n{}",
        gateway.logs()
    );
    assert_eq!(upstream.count(), 0);
}

#[test]
fn approov_headers_reach_the_upstream_when_strip_approov_headers_is_false() {
    let (upstream, secret, gateway) = setup(&format!("strip_approov_headers = false\n{ROUTES}"));
    let token = token(&secret);
    let (status, _) = get(
        &gateway,
        "/api/orders",
        &[("Approov-Token", &token), ("Approov-TraceID", "trace-1")],
    );
    assert_eq!(status, 200, "logs:\n{}", gateway.logs());
    let seen = upstream.only();
    assert_eq!(seen.header("approov-token"), Some(token.as_str()));
    assert_eq!(seen.header("approov-traceid"), Some("trace-1"));
}

#[test]
fn a_slow_upstream_is_504() {
    let (upstream, _secret, gateway) = setup(&format!(
        "upstream_timeout_secs = 1\ndefault = \"open\"\n{ROUTES}"
    ));
    let started = std::time::Instant::now();
    let (status, body) = get(&gateway, "/slower", &[]);
    assert_eq!(
        (status, body.as_str()),
        (504, "{}"),
        "logs:\n{}",
        gateway.logs()
    );
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(upstream.count(), 1);
    let metrics = gateway.metrics();
    assert_eq!(
        metric(
            &metrics,
            "approov_gateway_upstream_errors_total",
            &[("kind", "timeout")]
        ),
        1.0,
        "{metrics}"
    );
}

/// Sends a WebSocket handshake to `/api/ws` (with `token`, if any) on a raw connection:
/// the connection and the response head.
fn handshake(gateway: &Gateway, token: Option<&str>) -> (TcpStream, RawResponse) {
    let mut stream = TcpStream::connect(gateway.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let token = token.map_or_else(String::new, |t| format!("Approov-Token: {t}\r\n"));
    let request = format!(
        "GET /api/ws HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{token}\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let response = parse_response(&head)
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(&head)));
    (stream, response)
}

#[test]
fn a_websocket_upgrade_with_a_valid_token_switches_and_echoes_both_ways() {
    let (upstream, secret, gateway) = setup(ROUTES);
    let token = token(&secret);
    let (mut stream, response) = handshake(&gateway, Some(&token));
    assert_eq!(
        response.status,
        101,
        "{}\nlogs:\n{}",
        response.head,
        gateway.logs()
    );
    let head = response.head.to_ascii_lowercase();
    assert!(head.contains("upgrade: websocket"), "{}", response.head);
    for message in [&b"ping"[..], b"a second message, longer"] {
        stream.write_all(message).expect("write after the switch");
        let mut echoed = vec![0u8; message.len()];
        stream.read_exact(&mut echoed).expect("the echo");
        assert_eq!(echoed, message);
    }
    let seen = upstream.only();
    assert_eq!(seen.header("upgrade"), Some("websocket"));
    assert!(!seen.has("approov-token"));
}

#[test]
fn a_websocket_upgrade_without_a_token_is_401_and_never_reaches_the_upstream() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    let (_stream, response) = handshake(&gateway, None);
    assert_eq!(response.status, 401, "{}", response.head);
    assert_eq!(upstream.count(), 0);
}

#[test]
fn an_unreachable_upstream_is_502() {
    let secret = TestSecret::new();
    let port = free_port();
    let config = proxy_config(
        format!("127.0.0.1:{port}").parse().expect("addr"),
        "upstream_connect_timeout_secs = 2\n[[route]]\npath = \"/health\"\naction = \"open\"\n",
    );
    let gateway = Gateway::start(&config, &secret);
    let (status, body) = get(&gateway, "/health", &[]);
    assert_eq!(
        (status, body.as_str()),
        (502, "{}"),
        "logs:\n{}",
        gateway.logs()
    );
    let token = token(&secret);
    let (status, body) = get(&gateway, "/api/orders", &[("Approov-Token", &token)]);
    assert_eq!((status, body.as_str()), (502, "{}"));
    let metrics = gateway.metrics();
    assert_eq!(
        metric(
            &metrics,
            "approov_gateway_upstream_errors_total",
            &[("kind", "connect")]
        ),
        2.0,
        "{metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            "approov_gateway_requests_total",
            &[("route", "/health"), ("outcome", "upstream_error")]
        ),
        1.0,
        "{metrics}"
    );
}

#[test]
fn a_flood_of_refused_paths_writes_a_line_a_second_and_counts_every_one() {
    let (upstream, _secret, gateway) = setup(ROUTES);
    let started = std::time::Instant::now();
    for _ in 0..200 {
        let response = raw(
            gateway.addr,
            "GET /health/../api/orders HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(response.status, 400);
    }
    let seconds = started.elapsed().as_secs() + 1;
    let lines = gateway
        .lines()
        .iter()
        .filter(|line| line.contains("request refused"))
        .count() as u64;
    assert!(
        (1..=seconds + 1).contains(&lines),
        "{lines} lines in about {seconds} s:\n{}",
        gateway.logs()
    );
    let metrics = gateway.metrics();
    assert_eq!(
        metric(
            &metrics,
            "approov_gateway_requests_total",
            &[("route", "default"), ("outcome", "invalid")]
        ),
        200.0,
        "{metrics}"
    );
    assert_eq!(upstream.count(), 0);
}
