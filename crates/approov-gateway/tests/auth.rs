//! Auth mode (forward-auth), over real sockets: asked as nginx `auth_request` and
//! Traefik `ForwardAuth` ask.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use approov_testkit::TestSecret;
use common::*;

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

fn setup() -> (TestSecret, Gateway) {
    let secret = TestSecret::new();
    let gateway = Gateway::start(&auth_config(ROUTES), &secret);
    (secret, gateway)
}

/// What the gateway answers.
struct Answer {
    status: u16,
    did: Option<String>,
    body: String,
}

/// An auth request as nginx's `auth_request` sends it (see deploy/nginx/approov.conf)
/// for `method` `uri`, with `token` if any.
fn nginx(gateway: &Gateway, method: &str, uri: &str, token: Option<&str>) -> Answer {
    let mut request = client()
        .get(gateway.url("/auth"))
        .header("X-Original-Method", method)
        .header("X-Original-URI", uri)
        .header("Host", "api.example.test")
        .header("X-Forwarded-Proto", "https");
    if let Some(token) = token {
        request = request.header("Approov-Token", token);
    }
    answer(gateway, request)
}

/// An auth request as Traefik's `ForwardAuth` sends it.
fn traefik(gateway: &Gateway, method: &str, uri: &str, token: Option<&str>) -> Answer {
    let mut request = client()
        .get(gateway.url("/"))
        .header("X-Forwarded-Method", method)
        .header("X-Forwarded-Uri", uri)
        .header("X-Forwarded-Host", "api.example.test")
        .header("X-Forwarded-Proto", "https");
    if let Some(token) = token {
        request = request.header("Approov-Token", token);
    }
    answer(gateway, request)
}

fn answer(gateway: &Gateway, request: reqwest::blocking::RequestBuilder) -> Answer {
    let response = request
        .send()
        .unwrap_or_else(|e| panic!("the auth request: {e}\n{}", gateway.logs()));
    let status = response.status().as_u16();
    let did = response
        .headers()
        .get("x-approov-did")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = response.text().unwrap_or_default();
    Answer { status, did, body }
}

#[test]
fn nginx_auth_request_with_a_valid_token_is_200_with_the_did() {
    let (secret, gateway) = setup();
    let answer = nginx(&gateway, "POST", "/api/orders?id=7", Some(&token(&secret)));
    assert_eq!(answer.status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(answer.did.as_deref(), Some(DID));
}

#[test]
fn readyz_in_auth_mode_needs_only_the_keys() {
    let (_secret, gateway) = setup();
    let (status, body) = gateway.admin_get("/readyz");
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(ready, serde_json::json!({"keys": true, "upstream": true}));
}

#[test]
fn nginx_auth_request_without_a_token_is_401() {
    let (_secret, gateway) = setup();
    let answer = nginx(&gateway, "GET", "/api/orders", None);
    assert_eq!((answer.status, answer.body.as_str()), (401, "{}"));
    assert_eq!(answer.did, None);
}

#[test]
fn nginx_auth_request_with_a_garbage_token_is_401() {
    let (_secret, gateway) = setup();
    let answer = nginx(&gateway, "GET", "/api/orders", Some("garbage"));
    assert_eq!((answer.status, answer.body.as_str()), (401, "{}"));
    assert_eq!(answer.did, None);
}

#[test]
fn nginx_auth_request_with_an_expired_token_is_401() {
    let (secret, gateway) = setup();
    let answer = nginx(
        &gateway,
        "GET",
        "/api/orders",
        Some(&expired_token(&secret)),
    );
    assert_eq!((answer.status, answer.body.as_str()), (401, "{}"));
    assert_eq!(answer.did, None);
}

#[test]
fn nginx_auth_request_for_a_deny_route_is_403() {
    let (secret, gateway) = setup();
    let answer = nginx(&gateway, "GET", "/admin/users", Some(&token(&secret)));
    assert_eq!((answer.status, answer.body.as_str()), (403, "{}"));
}

#[test]
fn nginx_auth_request_for_an_open_route_is_200_without_a_token() {
    let (_secret, gateway) = setup();
    let answer = nginx(&gateway, "GET", "/health", None);
    assert_eq!(answer.status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(answer.did, None);
}

#[test]
fn nginx_auth_request_is_judged_on_the_original_uri_not_its_own_path() {
    // The auth request's own path, /auth, is unmatched (protected by default); the
    // original URI is open.
    let (_secret, gateway) = setup();
    assert_eq!(nginx(&gateway, "GET", "/health/live", None).status, 200);
    // And the other way round: an open own path does not open a protected original.
    let answer = answer(
        &gateway,
        client()
            .get(gateway.url("/health"))
            .header("X-Original-Method", "GET")
            .header("X-Original-URI", "/api/orders")
            .header("Host", "api.example.test"),
    );
    assert_eq!(answer.status, 401);
}

#[test]
fn nginx_auth_request_for_a_path_that_climbs_out_of_a_prefix_is_403() {
    let (secret, gateway) = setup();
    for uri in ["/health/../api/orders", "/health/%2e%2e/api/orders"] {
        let answer = nginx(&gateway, "GET", uri, None);
        assert_eq!((answer.status, answer.body.as_str()), (403, "{}"), "{uri}");
        let answer = nginx(&gateway, "GET", uri, Some(&token(&secret)));
        assert_eq!(answer.status, 403, "{uri}");
    }
}

#[test]
fn traefik_forward_auth_with_a_valid_token_is_200_and_without_one_401() {
    let (secret, gateway) = setup();
    let answer = traefik(&gateway, "DELETE", "/api/orders/7", Some(&token(&secret)));
    assert_eq!(answer.status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(answer.did.as_deref(), Some(DID));
    let answer = traefik(&gateway, "DELETE", "/api/orders/7", None);
    assert_eq!((answer.status, answer.body.as_str()), (401, "{}"));
    let answer = traefik(&gateway, "GET", "/health", None);
    assert_eq!(answer.status, 200);
    let answer = traefik(&gateway, "GET", "/admin", None);
    assert_eq!(answer.status, 403);
}

#[test]
fn an_auth_request_that_names_its_original_uri_twice_is_403() {
    let (secret, gateway) = setup();
    let token = token(&secret);
    let response = raw(
        gateway.addr,
        &format!(
            "GET /auth HTTP/1.1\r\nHost: api.example.test\r\nX-Original-Method: GET\r\n\
             X-Original-URI: /health\r\nX-Original-URI: /api/orders\r\n\
             Approov-Token: {token}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(response.status, 403, "{}", response.head);
    assert_eq!(String::from_utf8_lossy(&response.body), "{}");
}

#[test]
fn an_auth_request_with_a_uri_that_is_not_a_path_is_403() {
    let (secret, gateway) = setup();
    let answer = nginx(
        &gateway,
        "GET",
        "http://evil.example/api",
        Some(&token(&secret)),
    );
    assert_eq!(answer.status, 403);
}

#[test]
fn an_auth_request_with_a_scheme_that_is_not_http_is_403() {
    let (secret, gateway) = setup();
    let answer = answer(
        &gateway,
        client()
            .get(gateway.url("/auth"))
            .header("X-Original-Method", "GET")
            .header("X-Original-URI", "/api/orders")
            .header("X-Forwarded-Proto", "gopher")
            .header("Approov-Token", token(&secret)),
    );
    assert_eq!((answer.status, answer.body.as_str()), (403, "{}"));
}

#[test]
fn an_auth_request_matches_routes_by_the_original_method() {
    let secret = TestSecret::new();
    let gateway = Gateway::start(
        &auth_config(
            "default = \"open\"\n[[route]]\npath = \"/api/orders\"\nmethods = [\"POST\"]\n",
        ),
        &secret,
    );
    assert_eq!(nginx(&gateway, "GET", "/api/orders", None).status, 200);
    assert_eq!(nginx(&gateway, "POST", "/api/orders", None).status, 401);
    assert_eq!(
        nginx(&gateway, "POST", "/api/orders", Some(&token(&secret))).status,
        200
    );
}

#[test]
fn a_client_s_claim_header_is_never_answered_in_auth_mode() {
    let (_secret, gateway) = setup();
    let answer = answer(
        &gateway,
        client()
            .get(gateway.url("/auth"))
            .header("X-Original-Method", "GET")
            .header("X-Original-URI", "/health")
            .header("X-Approov-Did", "forged"),
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.did, None);
}

#[test]
fn envoy_ext_authz_is_judged_on_its_own_path_after_auth_path_prefix() {
    let secret = TestSecret::new();
    let gateway = Gateway::start(
        &auth_config(&format!("auth_path_prefix = \"/ext_authz\"\n{ROUTES}")),
        &secret,
    );
    let ask = |path: &str, token: Option<&str>| {
        let mut request = client().post(gateway.url(path));
        if let Some(token) = token {
            request = request.header("Approov-Token", token);
        }
        answer(&gateway, request)
    };
    let token = token(&secret);
    let passed = ask("/ext_authz/api/orders?id=1", Some(&token));
    assert_eq!(passed.status, 200, "logs:\n{}", gateway.logs());
    assert_eq!(passed.did.as_deref(), Some(DID));
    assert_eq!(ask("/ext_authz/api/orders", None).status, 401);
    assert_eq!(ask("/ext_authz/health", None).status, 200);
    assert_eq!(ask("/ext_authz/admin", Some(&token)).status, 403);
}
