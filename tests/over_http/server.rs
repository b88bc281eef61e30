//! The example servers as processes: built once, started on free ports of 127.0.0.1
//! with the environment a test gives them, their output collected, stopped when
//! dropped.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use approov_testkit::{Logged, TestSecret};

/// The example servers.
pub(crate) const PACKAGES: [&str; 5] = [
    "example-axum",
    "example-actix",
    "example-rocket",
    "example-warp",
    "example-tonic",
];

/// Every variable that configures an example, removed from the environment a server
/// inherits so that only what a test sets applies.
const APPROOV_VARS: [&str; 12] = [
    "APPROOV_BASE64_SECRET",
    "APPROOV_BASE64URL_SECRET",
    "APPROOV_JWKS",
    "APPROOV_JWKS_FILE",
    "APPROOV_JWKS_URL",
    "APPROOV_JWKS_REFRESH_SECS",
    "APPROOV_MODE",
    "APPROOV_LOG_LINES_PER_SECOND",
    "APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS",
    "APPROOV_MESSAGE_SIGNATURE_CLOCK_SKEW_SECS",
    "APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES",
    "APPROOV_MESSAGE_SIGNATURE_SCHEME",
];

/// How to start one example server.
pub(crate) struct Launch {
    package: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dir: PathBuf,
    /// The example's own default logging, not `RUST_LOG=info`.
    default_log: bool,
}

impl Launch {
    /// `package` with no arguments, no secret, in a directory of its own.
    pub(crate) fn new(package: &str) -> Launch {
        Launch {
            package: package.to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            dir: scratch_dir(),
            default_log: false,
        }
    }

    /// With the logging a user gets by default: no `RUST_LOG` (the tests' own is `info`).
    pub(crate) fn default_log(mut self) -> Launch {
        self.default_log = true;
        self
    }

    /// With `secret` in `APPROOV_BASE64_SECRET` and its public keys in `APPROOV_JWKS`.
    pub(crate) fn secret(self, secret: &TestSecret) -> Launch {
        self.env("APPROOV_BASE64_SECRET", secret.base64())
            .env("APPROOV_JWKS", &secret.jwks_json())
    }

    /// Logging every failed check (no rate limit), so a test can check each reason.
    pub(crate) fn log_every_failure(self) -> Launch {
        self.env("APPROOV_LOG_LINES_PER_SECOND", "unlimited")
    }

    /// With `name=value` in its environment.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Launch {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// With `arg` on its command line.
    pub(crate) fn arg(mut self, arg: &str) -> Launch {
        self.args.push(arg.to_owned());
        self
    }

    /// In `dir` (its working directory, where it looks for `.env`).
    pub(crate) fn dir(mut self, dir: &Path) -> Launch {
        self.dir = dir.to_owned();
        self
    }

    fn command(&self, port: u16) -> Command {
        let mut command = Command::new(binary(&self.package));
        command
            .current_dir(&self.dir)
            .args(&self.args)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "info")
            // Rocket's own settings must lose to HOST and PORT.
            .env("ROCKET_ADDRESS", "0.0.0.0")
            .env("ROCKET_PORT", "1")
            .env("ROCKET_CLI_COLORS", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in APPROOV_VARS {
            command.env_remove(var);
        }
        if self.default_log {
            command.env_remove("RUST_LOG");
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Starts the server and waits until it accepts connections.
    pub(crate) fn start(self) -> Server {
        let port = free_port();
        let mut child = self
            .command(port)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start: {e}", self.package));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let server = Server {
            package: self.package,
            child,
            port,
            stdout,
            stderr,
        };
        server.wait_until_listening();
        server
    }

    /// Starts a server told to pick its own port (`PORT=0`), and learns the port
    /// from the curl commands `--demo` prints once it listens.
    pub(crate) fn start_demo(self) -> Server {
        let mut child = self
            .command(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start: {e}", self.package));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let mut server = Server {
            package: self.package,
            child,
            port: 0,
            stdout,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let port = server.stdout().lines().find_map(|line| {
                let rest = line.strip_prefix("curl -i http://127.0.0.1:")?;
                rest.split('/').next()?.parse::<u16>().ok()
            });
            if let Some(port) = port {
                server.port = port;
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{} --demo printed no curl command with its address after 60 s; stdout:\n{}\nstderr:\n{}",
            server.package,
            server.stdout(),
            server.stderr()
        );
    }

    /// Runs the server expecting it to exit by itself (it must refuse to start);
    /// kills it after 60 s and fails.
    pub(crate) fn run_to_exit(self) -> Output {
        let mut child = self
            .command(free_port())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start: {e}", self.package));
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return child
                    .wait_with_output()
                    .unwrap_or_else(|e| panic!("{}: {e}", self.package));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("{} did not exit: it must refuse to start", self.package);
    }
}

/// A running example server; killed when dropped.
pub(crate) struct Server {
    package: String,
    child: Child,
    /// Where it listens, on 127.0.0.1.
    pub(crate) port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{} is not listening on 127.0.0.1:{} after 60 s; stderr:\n{}",
            self.package,
            self.port,
            self.stderr()
        );
    }

    /// What it printed on stdout so far.
    pub(crate) fn stdout(&self) -> String {
        self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// What it logged on stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every failed check it logged so far.
    pub(crate) fn logged(&self) -> Vec<Logged> {
        self.stderr()
            .lines()
            .filter_map(Logged::parse_line)
            .collect()
    }

    /// The failed checks logged after the first `seen`, waiting up to 5 s for at least
    /// `expected` of them (the log reaches the pipe a little after the answer).
    pub(crate) fn logged_since(&self, seen: usize, expected: usize) -> Vec<Logged> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let logged = self.logged();
            let new: Vec<Logged> = logged.into_iter().skip(seen).collect();
            if new.len() >= expected || Instant::now() > deadline {
                return new;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends it SIGHUP.
    pub(crate) fn send_sighup(&self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-HUP", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -HUP {pid} failed");
    }

    /// Kills it and returns what it logged.
    pub(crate) fn stop(mut self) -> String {
        self.kill();
        self.stderr()
    }

    /// Sends it SIGTERM.
    pub(crate) fn send_sigterm(&self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
    }

    /// Waits (up to 30 s) for it to exit by itself; its exit status and log.
    pub(crate) fn wait_for_exit(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                return (status, self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{} did not exit within 30 s", self.package);
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

/// A new empty directory.
pub(crate) fn scratch_dir() -> PathBuf {
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
