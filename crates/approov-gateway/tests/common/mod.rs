//! What every integration test of the gateway shares: the real binary, spawned with a
//! configuration file in a temporary directory; an upstream that records what it is
//! sent; tokens; raw HTTP; `/metrics` read back.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use approov_core::{InstallationKey, SignatureParams, SignedRequest};
use approov_testkit::TestSecret;
use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The `did` of the tokens [`token`] mints.
pub(crate) const DID: &str = "device-123";

/// Seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A valid token for `secret` (5 minutes), `did` [`DID`].
pub(crate) fn token(secret: &TestSecret) -> String {
    secret.token_with_claims(&json!({"exp": now() + 300, "did": DID}))
}

/// A token of `secret` that expired a minute ago.
pub(crate) fn expired_token(secret: &TestSecret) -> String {
    secret.token_with_claims(&json!({"exp": now() - 60, "did": DID}))
}

/// An unsigned token (`alg: none`) with valid claims.
pub(crate) fn alg_none_token() -> String {
    approov_testkit::forge(
        approov_testkit::Alg::Unsigned,
        b"",
        &json!({"alg": "none", "typ": "JWT"}),
        &json!({"exp": now() + 300, "did": DID}),
    )
}

/// A token whose `ipk` is `key`'s public half.
pub(crate) fn token_with_ipk(secret: &TestSecret, key: &InstallationKey) -> String {
    secret.token_with_claims(&json!({"exp": now() + 300, "did": DID, "ipk": key.ipk()}))
}

/// The `Signature` and `Signature-Input` headers of a request `method` `target` to
/// `http://authority`, install-signed with `key` over `@method`, `@target-uri` and
/// `approov-token` (which is `token`).
pub(crate) fn install_signature(
    key: &InstallationKey,
    token: &str,
    method: &str,
    authority: &str,
    target: &str,
) -> (String, String) {
    install_signature_over(
        key,
        method,
        authority,
        target,
        &["@method", "@target-uri", "approov-token"],
        &[("approov-token", token)],
        b"",
    )
}

/// As [`install_signature`], over `components`, the request's headers being
/// `headers` (lower-case names) and its body `body`.
pub(crate) fn install_signature_over(
    key: &InstallationKey,
    method: &str,
    authority: &str,
    target: &str,
    components: &[&str],
    headers: &[(&str, &str)],
    body: &[u8],
) -> (String, String) {
    let values = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_bytes())
            .collect()
    };
    let request = SignedRequest::new(method, "http", authority, target, values).with_body(body);
    let params = SignatureParams::new(components, now());
    let signed = key
        .sign_request(&request, &params)
        .expect("signing a test request");
    (signed.signature, signed.signature_input)
}

/// A blocking HTTP client that never uses a proxy from the environment.
pub(crate) fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("a client")
}

/// A port nothing listens on (bound, then released).
pub(crate) fn free_port() -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("its address").port()
}

/// Polls `check` every 20 ms until it holds, for at most `timeout`; false if it never
/// did.
pub(crate) fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------
// The upstream.

/// One request the upstream received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    /// Path and query.
    pub(crate) target: String,
    /// Names in lower case, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Seen {
    /// Every value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one value of `name` (panics if there are several).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(
            all.len() <= 1,
            "{name} sent upstream {} times: {self:?}",
            all.len()
        );
        all.first().copied()
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        !self.all(name).is_empty()
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 that records every request and answers `200`
/// with [`Upstream::body_for`]'s JSON; a path starting `/slow` waits a second first
/// (`/slower`, three); a path ending `/hop` is answered with hop-by-hop headers;
/// an `Upgrade` request is answered `101` and the connection then echoes its bytes.
pub(crate) struct Upstream {
    pub(crate) addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Upstream {
    pub(crate) fn start() -> Upstream {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the upstream's runtime");
        let listener = StdListener::bind("127.0.0.1:0").expect("bind the upstream");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("the upstream's address");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let recorded = seen.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, recorded.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Upstream {
            addr,
            seen,
            runtime: Some(runtime),
        }
    }

    /// The body the upstream answers a request for `target` with.
    pub(crate) fn body_for(target: &str) -> String {
        json!({"upstream": true, "target": target}).to_string()
    }

    /// Every request received so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }

    pub(crate) fn count(&self) -> usize {
        self.seen.lock().expect("seen").len()
    }

    /// The one request received (panics unless exactly one was).
    pub(crate) fn only(&self) -> Seen {
        let seen = self.seen();
        assert_eq!(seen.len(), 1, "the upstream saw: {seen:#?}");
        seen.into_iter().next().expect("one")
    }

    /// Stops listening and drops every connection.
    pub(crate) fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn answer(
    mut request: Request<Incoming>,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let upgrade = request
        .headers()
        .contains_key(UPGRADE)
        .then(|| hyper::upgrade::on(&mut request));
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    seen.lock().expect("seen").push(Seen {
        method: parts.method.to_string(),
        target: target.clone(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    });
    if let Some(upgrade) = upgrade {
        tokio::spawn(async move {
            let Ok(upgraded) = upgrade.await else { return };
            let mut io = TokioIo::new(upgraded);
            let mut buf = [0u8; 4096];
            loop {
                match io.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if io.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let response = Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(CONNECTION, "upgrade")
            .header(UPGRADE, "websocket")
            .body(Full::new(Bytes::new()))
            .expect("a 101");
        return Ok(response);
    }
    if target.ends_with("/hop") {
        let response = Response::builder()
            .status(StatusCode::OK)
            .header(CONNECTION, "x-up-secret")
            .header("x-up-secret", "1")
            .header("proxy-authenticate", "Basic")
            .header("x-up-kept", "1")
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(Upstream::body_for(&target))))
            .expect("a 200");
        return Ok(response);
    }
    if target.starts_with("/slower") {
        tokio::time::sleep(Duration::from_secs(3)).await;
    } else if target.starts_with("/slow") {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let response = Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(Upstream::body_for(&target))))
        .expect("a 200");
    Ok(response)
}

// ---------------------------------------------------------------------------------
// The gateway.

/// Where the admin listener is asked to listen: like `listen`, an ephemeral port on
/// 127.0.0.1 (the gateway logs the ports it got).
pub(crate) const ADMIN_LISTEN: &str = "127.0.0.1:0";

/// A configuration file's head for proxy mode to `upstream`, both listeners on
/// ephemeral ports, the `did` forwarded as `X-Approov-Did`; `rest` follows.
pub(crate) fn proxy_config(upstream: SocketAddr, rest: &str) -> String {
    format!(
        "listen = \"127.0.0.1:0\"\n\
         admin_listen = \"{ADMIN_LISTEN}\"\n\
         upstream = \"http://{upstream}\"\n\
         forward_claims = {{ did = \"X-Approov-Did\" }}\n\
         {rest}\n"
    )
}

/// A configuration file's head for auth mode; `rest` follows.
pub(crate) fn auth_config(rest: &str) -> String {
    format!(
        "listen = \"127.0.0.1:0\"\n\
         admin_listen = \"{ADMIN_LISTEN}\"\n\
         mode = \"auth\"\n\
         forward_claims = {{ did = \"X-Approov-Did\" }}\n\
         {rest}\n"
    )
}

/// Removes ANSI colour sequences (`ESC [ ... m`).
pub(crate) fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The value of `key=` in a log line, up to the next space.
fn field(line: &str, key: &str) -> Option<String> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    Some(
        line[at..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The gateway binary, running; killed when dropped.
pub(crate) struct Gateway {
    child: Child,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) config_path: PathBuf,
    pub(crate) addr: SocketAddr,
    pub(crate) admin: Option<SocketAddr>,
    lines: Arc<Mutex<Vec<String>>>,
}

/// The environment every gateway and `--check` run gets (nothing inherited but PATH).
fn base_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_approov-gateway"));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.env("RUST_LOG", "info").env("NO_COLOR", "1");
    command
}

impl Gateway {
    /// Starts the gateway with `config`, the secret `secret` in the environment.
    pub(crate) fn start(config: &str, secret: &TestSecret) -> Gateway {
        Gateway::launch(
            config,
            &[("APPROOV_BASE64URL_SECRET", &secret.base64url())],
            None,
        )
    }

    /// Starts the gateway with `config` (`gateway.toml` in a fresh directory, also its
    /// working directory), these variables, and `.env` holding `dotenv`, if given.
    pub(crate) fn launch(config: &str, env: &[(&str, &str)], dotenv: Option<&str>) -> Gateway {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config_path = dir.path().join("gateway.toml");
        std::fs::write(&config_path, config).expect("write the configuration");
        if let Some(dotenv) = dotenv {
            std::fs::write(dir.path().join(".env"), dotenv).expect("write .env");
        }
        let mut command = base_command();
        command
            .arg("--config")
            .arg(&config_path)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn approov-gateway");
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for (stream, prefix) in [
            (Box::new(stdout) as Box<dyn Read + Send>, ""),
            (Box::new(stderr), "stderr: "),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    lines
                        .lock()
                        .expect("lines")
                        .push(format!("{prefix}{}", strip_ansi(&line)));
                }
            });
        }
        let mut gateway = Gateway {
            child,
            dir,
            config_path,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin: None,
            lines,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let serving = gateway
                .lines()
                .into_iter()
                .find(|line| line.contains("approov-gateway serving"));
            if let Some(line) = serving {
                let listen = field(&line, "listen").expect("listen= in the serving line");
                gateway.addr = listen.parse().expect("listen= is an address");
                gateway.admin = field(&line, "admin").and_then(|admin| admin.parse().ok());
                return gateway;
            }
            if let Ok(Some(status)) = gateway.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "the gateway exited ({status}) before serving:\n{}",
                    gateway.logs()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the gateway did not say it was serving within 20 s:\n{}",
                gateway.logs()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://LISTEN{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://ADMIN{path}`.
    pub(crate) fn admin_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.admin.expect("admin_listen"))
    }

    /// GET on the admin listener: the status and the body.
    pub(crate) fn admin_get(&self, path: &str) -> (u16, String) {
        let response = client()
            .get(self.admin_url(path))
            .send()
            .unwrap_or_else(|e| panic!("GET {path} on the admin listener: {e}\n{}", self.logs()));
        let status = response.status().as_u16();
        (status, response.text().unwrap_or_default())
    }

    /// `/metrics`.
    pub(crate) fn metrics(&self) -> String {
        let (status, text) = self.admin_get("/metrics");
        assert_eq!(status, 200, "/metrics: {text}");
        text
    }

    /// Every line logged so far.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }

    /// Every line logged so far, as one text (for failure messages).
    pub(crate) fn logs(&self) -> String {
        self.lines().join("\n")
    }

    /// Waits up to `timeout` for a line `matches`.
    pub(crate) fn wait_for_log(&self, timeout: Duration, matches: impl Fn(&str) -> bool) -> bool {
        eventually(timeout, || self.lines().iter().any(|line| matches(line)))
    }

    /// Sends the signal `name` (`HUP`, `TERM`) with `kill`.
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits up to `timeout` for the process to exit.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Writes `text` over the configuration file.
    pub(crate) fn rewrite_config(&self, text: &str) {
        std::fs::write(&self.config_path, text).expect("rewrite the configuration");
    }

    /// Writes `text` over `.env` in the working directory.
    pub(crate) fn rewrite_dotenv(&self, text: &str) {
        std::fs::write(self.dir.path().join(".env"), text).expect("rewrite .env");
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `approov-gateway --check --config FILE` did with `config`.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// The file, as given to `--config`.
    pub(crate) file: PathBuf,
}

/// Runs `--check` on `config` (written to a fresh `gateway.toml`), with a secret.
pub(crate) fn check(config: &str) -> Checked {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, config).expect("write the configuration");
    let secret = TestSecret::new();
    let output = base_command()
        .arg("--config")
        .arg(&file)
        .arg("--check")
        .current_dir(dir.path())
        .env("APPROOV_BASE64URL_SECRET", secret.base64url())
        .stdin(Stdio::null())
        .output()
        .expect("run approov-gateway --check");
    Checked {
        status: output.status,
        stdout: strip_ansi(&String::from_utf8_lossy(&output.stdout)),
        stderr: strip_ansi(&String::from_utf8_lossy(&output.stderr)),
        file,
    }
}

// ---------------------------------------------------------------------------------
// Raw HTTP/1.1 and metrics.

/// A response read off a raw connection.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` (a whole HTTP/1.1 request, which should say `Connection: close`)
/// to `addr` as written, and reads the answer to the end.
pub(crate) fn raw(addr: SocketAddr, request: &str) -> RawResponse {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse_response(&bytes).unwrap_or_else(|| {
        panic!(
            "no HTTP response to {request:?}: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    })
}

/// `bytes` split into the status, the head and what follows it.
pub(crate) fn parse_response(bytes: &[u8]) -> Option<RawResponse> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(RawResponse {
        status,
        head,
        body: bytes[end + 4..].to_vec(),
    })
}

/// The value of the sample `name` whose labels include every one of `labels`, or 0
/// if there is none.
pub(crate) fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .find(|line| {
            labels
                .iter()
                .all(|(key, value)| line.contains(&format!("{key}=\"{value}\"")))
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}
