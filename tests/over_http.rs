//! The four example servers as a user runs them: real binaries on 127.0.0.1, real
//! HTTP, the shared table of cases, start-up with a bad secret, `.env`, `--demo`.
//! Each test starts its servers on free ports and stops them.
#![allow(clippy::panic)] // a test helper fails its test by panicking

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use approov_testkit::{cases, Expect, Observed, Report, TestSecret, HELLO_BODY};

const PACKAGES: [&str; 4] = [
    "example-axum",
    "example-actix",
    "example-rocket",
    "example-warp",
];

#[test]
fn axum() {
    conformance("example-axum");
}

#[test]
fn actix() {
    conformance("example-actix");
}

#[test]
fn rocket() {
    conformance("example-rocket");
}

#[test]
fn warp() {
    conformance("example-warp");
}

fn conformance(package: &str) {
    table_over_http(package);
    refuses_to_start_without_a_good_secret(package);
    reads_the_secret_from_dotenv_and_the_environment_wins(package);
    demo_prints_curl_commands_that_work(package);
}

/// Every case of the table, and the log: one line per rejection, never a secret.
fn table_over_http(package: &str) {
    let secret = TestSecret::new();
    let server = Server::start(package, &[], Some(secret.base64()), &scratch_dir());
    let mut report = Report::new(format!("{package} (over HTTP)"));
    let mut rejections = 0;
    let table = cases(&secret);
    for case in &table {
        match http_get(server.port, case.route.path(), &case.header_pairs()) {
            Ok(observed) => {
                rejections += usize::from(observed.status == 401);
                report.record(case, &observed, true);
            }
            Err(e) => report.fail(case, format!("{package}: no HTTP answer: {e}")),
        }
    }
    report.finish();

    let log = server.stop().stderr;
    let logged = log.matches("Approov token rejected").count();
    assert_eq!(
        logged, rejections,
        "{package}: one log line per 401, in:\n{log}"
    );
    assert!(
        log.contains("reason="),
        "{package}: rejections are logged with a reason"
    );
    assert!(
        !log.contains(secret.base64()),
        "{package}: the secret is in the log"
    );
    for case in table.iter().filter(|c| c.expect == Expect::Hello) {
        for (_, value) in &case.headers {
            let value = String::from_utf8_lossy(value);
            if let Some((_, signature)) = value.rsplit_once('.') {
                assert!(!log.contains(signature), "{package}: a token is in the log");
            }
        }
    }
}

fn refuses_to_start_without_a_good_secret(package: &str) {
    let dir = scratch_dir();
    for (secret, what) in [
        (None, "not set"),
        (Some(""), "empty"),
        (Some("not base64!"), "base64"),
    ] {
        let output = run_to_exit(package, secret, &dir);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{package} started with secret {secret:?}"
        );
        assert!(
            stderr.contains("APPROOV_BASE64_SECRET") && stderr.contains(what),
            "{package} with secret {secret:?}: stderr must name APPROOV_BASE64_SECRET and say {what:?}: {stderr}"
        );
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("listening"),
            "{package} with a bad secret must never serve"
        );
    }
}

fn reads_the_secret_from_dotenv_and_the_environment_wins(package: &str) {
    let from_file = TestSecret::new();
    let from_env = TestSecret::new();
    let dir = scratch_dir();
    std::fs::write(
        dir.join(".env"),
        format!("APPROOV_BASE64_SECRET={}\n", from_file.base64()),
    )
    .unwrap_or_else(|e| panic!("writing .env: {e}"));

    let server = Server::start(package, &[], None, &dir);
    let token = from_file.token(60, None);
    let status = status_of(&server, &token);
    assert_eq!(
        status, 200,
        "{package}: a token signed with the .env secret"
    );
    drop(server);

    let server = Server::start(package, &[], Some(from_env.base64()), &dir);
    assert_eq!(
        status_of(&server, &from_env.token(60, None)),
        200,
        "{package}: env secret"
    );
    assert_eq!(
        status_of(&server, &token),
        401,
        "{package}: the environment must win over .env"
    );
}

fn demo_prints_curl_commands_that_work(package: &str) {
    let server = Server::start(package, &["--demo"], None, &scratch_dir());
    let printed = server.stdout();
    let commands: Vec<Vec<String>> = printed
        .lines()
        .filter(|line| line.starts_with("curl "))
        .map(shell_words)
        .collect();
    assert_eq!(
        commands.len(),
        5,
        "{package} --demo prints five curl commands:\n{printed}"
    );
    let answers: Vec<Observed> = commands
        .iter()
        .map(|words| run_curl(words).unwrap_or_else(|e| panic!("{package}: {e}")))
        .collect();
    for (i, answer) in answers.iter().enumerate() {
        let (status, body) = if i < 3 {
            (200, HELLO_BODY)
        } else {
            (401, "{}")
        };
        assert_eq!(answer.status, status, "{package} --demo command {}", i + 1);
        assert_eq!(
            String::from_utf8_lossy(&answer.body),
            body,
            "{package} --demo command {}",
            i + 1
        );
    }
    let warning = server.stop().stderr;
    assert!(
        warning.contains("WARNING") && warning.contains("demo"),
        "{package}: no loud warning"
    );
}

// ---- the servers ----

/// A running example server; stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

struct Stopped {
    stderr: String,
}

impl Server {
    /// Starts `package` on a free port in `dir` (its working directory, for `.env`).
    /// Rocket's own address settings are set to something else, to prove `HOST` and
    /// `PORT` win.
    fn start(package: &str, args: &[&str], secret: Option<&str>, dir: &Path) -> Server {
        let port = free_port();
        let mut command = command(package, secret, dir);
        command
            .args(args)
            .env("PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{package}: cannot start: {e}"));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let server = Server {
            child,
            port,
            stdout,
            stderr,
        };
        server.wait_until_listening(package);
        server
    }

    fn wait_until_listening(&self, package: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{package} is not listening on 127.0.0.1:{} after 60 s; stderr:\n{}",
            self.port,
            self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
        );
    }

    fn stdout(&self) -> String {
        self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn stop(mut self) -> Stopped {
        self.kill();
        Stopped {
            stderr: self.stderr.lock().map(|s| s.clone()).unwrap_or_default(),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Let the readers take what the server wrote last.
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn command(package: &str, secret: Option<&str>, dir: &Path) -> Command {
    let mut command = Command::new(binary(package));
    command
        .current_dir(dir)
        .env_remove("APPROOV_BASE64_SECRET")
        .env_remove("PORT")
        .env("HOST", "127.0.0.1")
        .env("RUST_LOG", "info")
        .env("ROCKET_ADDRESS", "0.0.0.0")
        .env("ROCKET_PORT", "1")
        .env("ROCKET_CLI_COLORS", "false")
        .stdin(Stdio::null());
    if let Some(secret) = secret {
        command.env("APPROOV_BASE64_SECRET", secret);
    }
    command
}

/// Runs `package` expecting it to exit by itself (a bad secret); kills it after 60 s.
fn run_to_exit(package: &str, secret: Option<&str>, dir: &Path) -> Output {
    let mut child = command(package, secret, dir)
        .env("PORT", free_port().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{package}: cannot start: {e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("{package}: {e}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{package} with secret {secret:?} did not exit: it must refuse to start");
}

/// The example binary, built once for all tests (in the profile of this test).
fn binary(package: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet"]);
        for package in PACKAGES {
            cargo.args(["--package", package]);
        }
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        match cargo.output() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
            Err(e) => Err(e.to_string()),
        }
    });
    if let Err(e) = built {
        panic!("building the example servers failed: {e}");
    }
    // This test runs from target/<profile>/deps; the binaries are in target/<profile>.
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("unexpected test path {}", exe.display()));
    profile_dir.join(format!("{package}{}", std::env::consts::EXE_SUFFIX))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

fn scratch_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "approov-conformance-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    if let Some(mut pipe) = pipe {
        let sink = text.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
    }
    text
}

// ---- HTTP, byte for byte ----

fn status_of(server: &Server, token: &str) -> u16 {
    http_get(
        server.port,
        "/token-check",
        &[("Approov-Token", token.as_bytes())],
    )
    .map(|observed| observed.status)
    .unwrap_or_else(|e| panic!("no HTTP answer: {e}"))
}

/// Sends `GET path` with exactly these header bytes and reads the whole answer.
fn http_get(port: u16, path: &str, headers: &[(&str, &[u8])]) -> Result<Observed, String> {
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n")
            .into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");

    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    // A server may answer an oversized request and close before reading all of it.
    // No half-close: hyper takes it for a client that went away.
    let _ = stream.write_all(&request);
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        if answer.is_empty() {
            return Err(e.to_string());
        }
    }
    parse_response(&answer)
}

fn parse_response(answer: &[u8]) -> Result<Observed, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let start = match response.parse(answer) {
        Ok(httparse::Status::Complete(start)) => start,
        Ok(httparse::Status::Partial) => return Err("incomplete response".into()),
        Err(e) => return Err(format!("bad response: {e}")),
    };
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let rest = &answer[start..];
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        rest.get(..length)
            .ok_or("body shorter than content-length")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Observed {
        status: response.code.ok_or("no status")?,
        content_type: header("content-type"),
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or("bad chunk size")?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or("short chunk")?);
        rest = rest.get(size + 2..).ok_or("short chunk")?;
    }
}

// ---- the printed curl commands ----

/// Splits a line the way a shell would, for the single-quoted words `--demo` prints.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Does what `curl -i -H 'Name: value' ... URL` would.
fn run_curl(words: &[String]) -> Result<Observed, String> {
    let mut headers = Vec::new();
    let mut url = None;
    let mut words = words.iter().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "-i" => {}
            "-H" => {
                let header = words.next().ok_or("-H without a header")?;
                let (name, value) = header.split_once(": ").ok_or("bad -H header")?;
                headers.push((name.to_owned(), value.to_owned()));
            }
            other if other.starts_with("http://") => url = Some(other.to_owned()),
            other => return Err(format!("unexpected curl word {other:?}")),
        }
    }
    let url = url.ok_or("no URL")?;
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .ok_or("not a 127.0.0.1 URL")?;
    let (port, path) = rest.split_once('/').ok_or("no path")?;
    let port = port.parse().map_err(|_| "bad port")?;
    let headers: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    http_get(port, &format!("/{path}"), &headers)
}
