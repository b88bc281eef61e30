//! Operations, over real sockets: the admin listener (`/healthz`, `/readyz`,
//! `/metrics`), keys fetched late from a JWKS URL, SIGHUP reloads, SIGTERM drains, and
//! `--check`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use approov_core::Algorithm;
use approov_testkit::{jwks_json, TestKey, TestSecret};
use common::*;
use serde_json::json;

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

fn get(gateway: &Gateway, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = client().get(gateway.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request
        .send()
        .unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", gateway.logs()));
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

// ---------------------------------------------------------------------------------
// The admin listener.

#[test]
fn healthz_is_200() {
    let upstream = Upstream::start();
    let gateway = Gateway::start(&proxy_config(upstream.addr, ROUTES), &TestSecret::new());
    let (status, _) = gateway.admin_get("/healthz");
    assert_eq!(status, 200);
}

#[test]
fn listen_and_admin_listen_may_both_ask_for_an_ephemeral_port_on_127_0_0_1() {
    let upstream = Upstream::start();
    let config = format!(
        "listen = \"127.0.0.1:0\"\nadmin_listen = \"127.0.0.1:0\"\nupstream = \"http://{}\"\n{ROUTES}",
        upstream.addr
    );
    let gateway = Gateway::start(&config, &TestSecret::new());
    assert_ne!(Some(gateway.addr), gateway.admin);
    assert_eq!(gateway.admin_get("/healthz").0, 200);
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
}

#[test]
fn readyz_is_200_with_keys_and_upstream_and_503_once_the_upstream_is_down() {
    let mut upstream = Upstream::start();
    let gateway = Gateway::start(&proxy_config(upstream.addr, ROUTES), &TestSecret::new());
    let (status, body) = gateway.admin_get("/readyz");
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(ready, json!({"keys": true, "upstream": true}));
    upstream.stop();
    let mut last = (0, String::new());
    let down = eventually(Duration::from_secs(10), || {
        last = gateway.admin_get("/readyz");
        last.0 == 503
    });
    assert!(down, "/readyz stayed {last:?} with the upstream down");
    let unready: serde_json::Value = serde_json::from_str(&last.1).expect("JSON");
    assert_eq!(unready, json!({"keys": true, "upstream": false}));
}

/// A JWKS document served over HTTP/1.1 on `listener` until dropped.
struct JwksServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<usize>>,
}

impl JwksServer {
    fn serve(listener: TcpListener, document: String) -> JwksServer {
        let addr = listener.local_addr().expect("address");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(0));
        {
            let stop = stop.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Acquire) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match stream.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => break,
                        }
                    }
                    *requests.lock().expect("requests") += 1;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{document}",
                        document.len()
                    );
                    let _ = stream.write_all(answer.as_bytes());
                }
            });
        }
        JwksServer {
            addr,
            stop,
            requests,
        }
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

#[test]
fn a_jwks_url_that_does_not_answer_at_start_leaves_the_gateway_unready_until_its_keys_arrive() {
    let upstream = Upstream::start();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/jwks");
    let gateway = Gateway::launch(
        &proxy_config(upstream.addr, ROUTES),
        &[
            ("APPROOV_JWKS_URL", &url),
            ("APPROOV_JWKS_REFRESH_SECS", "1"),
        ],
        None,
    );
    let (status, body) = gateway.admin_get("/readyz");
    assert_eq!(status, 503, "{body}\nlogs:\n{}", gateway.logs());
    let unready: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(unready, json!({"keys": false, "upstream": true}));
    let key = TestKey::generate(Algorithm::ES256, "gateway-es256");
    let token = key.token_with_claims(&json!({"exp": now() + 300, "did": DID}));
    assert_eq!(
        get(&gateway, "/api/orders", &[("Approov-Token", &token)]).0,
        401,
        "a token passed before its key was fetched"
    );

    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the JWKS port");
    let jwks = JwksServer::serve(listener, jwks_json([&key]));
    let started = Instant::now();
    let mut last = (0, String::new());
    let ready = eventually(Duration::from_secs(35), || {
        last = gateway.admin_get("/readyz");
        last.0 == 200
    });
    assert!(
        ready,
        "/readyz stayed {last:?} for {:?} after the JWKS was served ({} fetches)\nlogs:\n{}",
        started.elapsed(),
        jwks.requests.lock().expect("requests"),
        gateway.logs()
    );
    assert_eq!(
        get(&gateway, "/api/orders", &[("Approov-Token", &token)]).0,
        200,
        "logs:\n{}",
        gateway.logs()
    );
    assert_eq!(upstream.count(), 1);
}

#[test]
fn metrics_count_what_was_sent_by_route_outcome_code_and_status() {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let gateway = Gateway::start(&proxy_config(upstream.addr, ROUTES), &secret);
    let token = token(&secret);
    let expired = expired_token(&secret);
    assert_eq!(
        get(&gateway, "/api/orders", &[("Approov-Token", &token)]).0,
        200
    );
    assert_eq!(get(&gateway, "/api/orders", &[]).0, 401);
    assert_eq!(
        get(&gateway, "/api/orders", &[("Approov-Token", &expired)]).0,
        401
    );
    assert_eq!(
        get(
            &gateway,
            "/api/orders",
            &[
                ("Approov-Token", "garbage"),
                ("Approov-Status", "no_network")
            ]
        )
        .0,
        401
    );
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
    assert_eq!(get(&gateway, "/admin", &[]).0, 404);
    assert_eq!(get(&gateway, "/other", &[]).0, 401);
    let refused = raw(
        gateway.addr,
        "GET /health/../api/orders HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(refused.status, 400);

    let metrics = gateway.metrics();
    let requests = |route: &str, outcome: &str| {
        metric(
            &metrics,
            "approov_gateway_requests_total",
            &[("route", route), ("outcome", outcome)],
        )
    };
    assert_eq!(requests("/api/", "passed"), 1.0, "{metrics}");
    assert_eq!(requests("/api/", "rejected"), 3.0, "{metrics}");
    assert_eq!(requests("/health", "open"), 1.0, "{metrics}");
    assert_eq!(requests("/admin", "denied"), 1.0, "{metrics}");
    assert_eq!(requests("default", "rejected"), 1.0, "{metrics}");
    assert_eq!(requests("default", "invalid"), 1.0, "{metrics}");
    assert_eq!(requests("/api/", "monitored"), 0.0, "{metrics}");
    let failures = |code: &str| {
        metric(
            &metrics,
            "approov_gateway_check_failures_total",
            &[("code", code)],
        )
    };
    assert_eq!(failures("missing_approov_token"), 2.0, "{metrics}");
    assert_eq!(failures("token_expired"), 1.0, "{metrics}");
    assert_eq!(failures("token_verification_failed"), 1.0, "{metrics}");
    assert_eq!(
        metric(
            &metrics,
            "approov_gateway_check_failures_by_status_total",
            &[("status", "no_network")]
        ),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "approov_gateway_check_seconds_count", &[]),
        5.0,
        "{metrics}"
    );
    assert!(
        metric(&metrics, "approov_gateway_request_seconds_count", &[]) >= 7.0,
        "{metrics}"
    );
}

// ---------------------------------------------------------------------------------
// SIGHUP.

const TWO_PROTECTED: &str = r#"
[[route]]
path = "/health"
action = "open"

[[route]]
path = "/api/a"
action = "protect"

[[route]]
path = "/api/b"
action = "protect"
"#;

const B_OPEN: &str = r#"
[[route]]
path = "/health"
action = "open"

[[route]]
path = "/api/a"
action = "protect"

[[route]]
path = "/api/b"
action = "open"
"#;

fn reloads(gateway: &Gateway, what: &str, result: &str) -> f64 {
    metric(
        &gateway.metrics(),
        "approov_gateway_reloads_total",
        &[("what", what), ("result", result)],
    )
}

#[test]
fn sighup_swaps_in_new_routes_and_keys_without_failing_a_request_in_flight() {
    let upstream = Upstream::start();
    let old = TestSecret::new();
    let new = TestSecret::new();
    let gateway = Gateway::launch(
        &proxy_config(upstream.addr, TWO_PROTECTED),
        &[],
        Some(&format!("APPROOV_BASE64URL_SECRET={}\n", old.base64url())),
    );
    let old_token = token(&old);
    let new_token = token(&new);
    assert_eq!(get(&gateway, "/api/b", &[]).0, 401);
    assert_eq!(
        get(&gateway, "/api/a", &[("Approov-Token", &new_token)]).0,
        401
    );

    // A client keeps sending old-key tokens to a route protected before and after.
    let stop = Arc::new(AtomicBool::new(false));
    let statuses: Arc<Mutex<Vec<Result<u16, String>>>> = Arc::default();
    let sender = {
        let stop = stop.clone();
        let statuses = statuses.clone();
        let url = gateway.url("/api/a");
        let old_token = old_token.clone();
        std::thread::spawn(move || {
            let client = client();
            let deadline = Instant::now() + Duration::from_secs(30);
            while !stop.load(Ordering::Acquire) && Instant::now() < deadline {
                let status = client
                    .get(&url)
                    .header("Approov-Token", &old_token)
                    .send()
                    .map(|response| response.status().as_u16())
                    .map_err(|e| e.to_string());
                statuses.lock().expect("statuses").push(status);
            }
        })
    };
    let sent = || statuses.lock().expect("statuses").len();
    assert!(eventually(Duration::from_secs(10), || sent() >= 20));

    gateway.rewrite_config(&proxy_config(upstream.addr, B_OPEN));
    gateway.rewrite_dotenv(&format!(
        "APPROOV_BASE64URL_SECRET={},{}\n",
        old.base64url(),
        new.base64url()
    ));
    gateway.signal("HUP");
    let reloaded = eventually(Duration::from_secs(10), || {
        reloads(&gateway, "config", "ok") == 1.0
    });
    assert!(
        reloaded,
        "no config reload counted\nlogs:\n{}",
        gateway.logs()
    );
    let after = sent();
    assert!(eventually(Duration::from_secs(10), || sent() >= after + 50));
    stop.store(true, Ordering::Release);
    sender.join().expect("the sender");

    let statuses = statuses.lock().expect("statuses").clone();
    let failed: Vec<_> = statuses.iter().filter(|s| **s != Ok(200)).collect();
    assert!(
        failed.is_empty(),
        "{} of {} old-key requests failed across the reload: {:?}\nlogs:\n{}",
        failed.len(),
        statuses.len(),
        &failed[..failed.len().min(10)],
        gateway.logs()
    );
    assert_eq!(reloads(&gateway, "keys", "ok"), 1.0);
    assert_eq!(reloads(&gateway, "config", "error"), 0.0);
    assert_eq!(
        get(&gateway, "/api/a", &[("Approov-Token", &new_token)]).0,
        200,
        "a new-key token after the reload\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(
        get(&gateway, "/api/a", &[("Approov-Token", &old_token)]).0,
        200
    );
    assert_eq!(get(&gateway, "/api/a", &[]).0, 401);
    assert_eq!(get(&gateway, "/api/b", &[]).0, 200, "the route made open");
}

#[test]
fn sighup_refuses_a_broken_config_names_its_line_and_keeps_the_old_routes() {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let gateway = Gateway::start(&proxy_config(upstream.addr, TWO_PROTECTED), &secret);
    let token = token(&secret);
    assert_eq!(get(&gateway, "/api/b", &[]).0, 401);

    // The new file would open /api/b, but has a key the gateway does not know.
    let broken = proxy_config(upstream.addr, &format!("{B_OPEN}\nbogus_key = true\n"));
    let line = broken
        .lines()
        .position(|l| l.starts_with("bogus_key"))
        .expect("the line")
        + 1;
    gateway.rewrite_config(&broken);
    gateway.signal("HUP");
    let refused = eventually(Duration::from_secs(10), || {
        reloads(&gateway, "config", "error") == 1.0
    });
    assert!(
        refused,
        "no refused reload counted\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(reloads(&gateway, "config", "ok"), 0.0);
    let at = format!("{}:{line}:", gateway.config_path.display());
    assert!(
        gateway.wait_for_log(Duration::from_secs(5), |l| l.contains(&at)
            && l.contains("bogus_key")),
        "no log line names {at} and the key\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(get(&gateway, "/api/b", &[]).0, 401, "the old routes");
    assert_eq!(get(&gateway, "/api/b", &[("Approov-Token", &token)]).0, 200);
    assert_eq!(get(&gateway, "/api/a", &[]).0, 401);
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
}

#[test]
fn sighup_refuses_a_config_that_changes_the_mode() {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let gateway = Gateway::start(&proxy_config(upstream.addr, TWO_PROTECTED), &secret);
    gateway.rewrite_config(&auth_config(B_OPEN));
    gateway.signal("HUP");
    let refused = eventually(Duration::from_secs(10), || {
        reloads(&gateway, "config", "error") == 1.0
    });
    assert!(
        refused,
        "no refused reload counted\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(get(&gateway, "/api/b", &[]).0, 401);
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
    assert_eq!(upstream.count(), 1, "still a proxy");
}

// ---------------------------------------------------------------------------------
// SIGTERM.

#[test]
fn sigterm_lets_a_slow_request_in_flight_finish_and_exits_0() {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let mut gateway = Gateway::start(
        &proxy_config(
            upstream.addr,
            "[[route]]\npath = \"/slow\"\naction = \"open\"\n",
        ),
        &secret,
    );
    let url = gateway.url("/slow");
    let slow = std::thread::spawn(move || {
        let response = client().get(url).send().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        Ok::<_, String>((status, response.text().unwrap_or_default()))
    });
    assert!(
        eventually(Duration::from_secs(10), || upstream.count() == 1),
        "the slow request never reached the upstream"
    );
    gateway.signal("TERM");
    assert!(
        gateway.wait_for_log(Duration::from_secs(5), |l| l.contains("shutting down")),
        "no shutdown logged\nlogs:\n{}",
        gateway.logs()
    );
    // No new connection is accepted while the request in flight finishes.
    let refused = client().get(gateway.url("/slow")).send();
    assert!(
        refused.is_err(),
        "a new request was served during the drain: {refused:?}"
    );
    let answered = slow.join().expect("the slow request's thread");
    assert_eq!(
        answered,
        Ok((200, Upstream::body_for("/slow"))),
        "logs:\n{}",
        gateway.logs()
    );
    let status = gateway.wait_exit(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit: {status:?}\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(upstream.count(), 1, "{:#?}", upstream.seen());
}

// ---------------------------------------------------------------------------------
// --check.

/// `--check` on `config` fails, and stderr names `FILE:line:` and says `phrase`.
fn assert_check_fails(config: &str, line: usize, phrase: &str) {
    let checked = check(config);
    assert!(
        !checked.status.success(),
        "--check passed:\n{config}\n{}",
        checked.stdout
    );
    let at = format!("{}:{line}:", checked.file.display());
    assert!(
        checked.stderr.contains(&at),
        "stderr does not name {at}:\n{}\n---\n{config}",
        checked.stderr
    );
    assert!(
        checked.stderr.contains(phrase),
        "stderr does not say {phrase:?}:\n{}",
        checked.stderr
    );
}

const HEAD: &str = "listen = \"127.0.0.1:8080\"\nadmin_listen = \"127.0.0.1:9090\"\n";

#[test]
fn check_accepts_a_good_config_and_lists_its_routes() {
    let config = format!("{HEAD}upstream = \"http://127.0.0.1:9000\"\n{ROUTES}");
    let checked = check(&config);
    assert!(
        checked.status.success(),
        "{}\n{}",
        checked.stdout,
        checked.stderr
    );
    assert!(checked.stdout.contains("good"), "{}", checked.stdout);
    assert!(checked.stdout.contains("3 route(s)"), "{}", checked.stdout);
}

#[test]
fn check_refuses_an_unknown_key_at_its_line() {
    let config = format!("{HEAD}upstream = \"http://127.0.0.1:9000\"\nupstreams = 3\n");
    assert_check_fails(&config, 4, "unknown field");
}

#[test]
fn check_refuses_an_https_upstream_at_its_line() {
    let config = format!("{HEAD}\nupstream = \"https://127.0.0.1:9000\"\n");
    assert_check_fails(&config, 4, "https");
}

#[test]
fn check_refuses_an_upstream_that_is_not_a_url_at_its_line() {
    let config = format!("{HEAD}upstream = \"not a url\"\n");
    assert_check_fails(&config, 3, "not a URL");
}

#[test]
fn check_refuses_an_upstream_with_a_path_at_its_line() {
    let config = format!("{HEAD}upstream = \"http://127.0.0.1:9000/api\"\n");
    assert_check_fails(&config, 3, "has a path");
}

#[test]
fn check_refuses_a_route_shadowed_by_an_earlier_one_at_its_line() {
    let config = format!(
        "{HEAD}upstream = \"http://127.0.0.1:9000\"\n\
         \n\
         [[route]]\n\
         path = \"/api/\"\n\
         \n\
         [[route]]\n\
         path = \"/api/orders\"\n\
         action = \"open\"\n"
    );
    // Line 8 is the second `[[route]]`; the first is at line 5.
    assert_check_fails(&config, 8, "can never match");
    assert_check_fails(&config, 8, "the route at line 5");
}

#[test]
fn check_refuses_bind_on_an_open_route_at_its_line() {
    let config = format!(
        "{HEAD}upstream = \"http://127.0.0.1:9000\"\n\
         [[route]]\n\
         path = \"/health\"\n\
         action = \"open\"\n\
         bind = [\"authorization\"]\n"
    );
    assert_check_fails(&config, 7, "bind applies only to action = \"protect\"");
}

#[test]
fn check_refuses_a_lower_case_method_at_its_line() {
    let config = format!(
        "{HEAD}upstream = \"http://127.0.0.1:9000\"\n\
         [[route]]\n\
         path = \"/api/\"\n\
         methods = [\"post\"]\n"
    );
    assert_check_fails(&config, 6, "\"POST\"");
}

#[test]
fn check_refuses_sign_account_without_an_account_key_at_its_line() {
    let config = format!(
        "{HEAD}upstream = \"http://127.0.0.1:9000\"\n\
         [[route]]\n\
         path = \"/api/\"\n\
         sign = \"account\"\n"
    );
    assert_check_fails(&config, 4, "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY");
}

#[test]
fn check_refuses_a_binding_to_the_token_header_itself() {
    let config = format!(
        "{HEAD}upstream = \"http://127.0.0.1:9000\"\n\
         [[route]]\n\
         path = \"/api/\"\n\
         bind = [\"approov-token\"]\n"
    );
    assert_check_fails(&config, 4, "approov-token");
}

#[test]
fn sighup_keeps_the_old_keys_when_the_new_env_file_is_bad() {
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let gateway = Gateway::launch(
        &proxy_config(upstream.addr, TWO_PROTECTED),
        &[],
        Some(&format!(
            "APPROOV_BASE64URL_SECRET={}\n",
            secret.base64url()
        )),
    );
    let token = token(&secret);
    assert_eq!(get(&gateway, "/api/a", &[("Approov-Token", &token)]).0, 200);
    gateway.rewrite_dotenv("APPROOV_BASE64URL_SECRET=not*base64url!\n");
    gateway.signal("HUP");
    let refused = eventually(Duration::from_secs(10), || {
        reloads(&gateway, "keys", "error") == 1.0
    });
    assert!(
        refused,
        "no refused key reload counted\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(reloads(&gateway, "keys", "ok"), 0.0);
    assert_eq!(
        get(&gateway, "/api/a", &[("Approov-Token", &token)]).0,
        200,
        "the old keys\nlogs:\n{}",
        gateway.logs()
    );
    assert_eq!(get(&gateway, "/api/a", &[]).0, 401);
}

#[test]
fn check_refuses_a_value_of_the_wrong_kind_at_its_line() {
    let config =
        format!("{HEAD}upstream = \"http://127.0.0.1:9000\"\nupstream_timeout_secs = \"ten\"\n");
    assert_check_fails(&config, 4, "invalid type");
}

#[test]
fn check_refuses_a_listen_address_that_is_not_one_at_its_line() {
    let config = "upstream = \"http://127.0.0.1:9000\"\nlisten = \"localhost\"\n";
    assert_check_fails(config, 2, "not an address");
}

#[test]
fn sighup_moves_requests_to_a_new_upstream() {
    let first = Upstream::start();
    let second = Upstream::start();
    let secret = TestSecret::new();
    let gateway = Gateway::start(&proxy_config(first.addr, TWO_PROTECTED), &secret);
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
    gateway.rewrite_config(&proxy_config(second.addr, TWO_PROTECTED));
    gateway.signal("HUP");
    let reloaded = eventually(Duration::from_secs(10), || {
        reloads(&gateway, "config", "ok") == 1.0
    });
    assert!(reloaded, "no reload counted\nlogs:\n{}", gateway.logs());
    assert_eq!(get(&gateway, "/health", &[]).0, 200);
    assert_eq!(first.count(), 1);
    assert_eq!(second.count(), 1);
}
