//! A JWKS endpoint on 127.0.0.1 for tests of `APPROOV_JWKS_URL`: it serves what the
//! test says, fails when told to, and goes away when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server answers.
#[derive(Debug, Clone)]
enum Answer {
    Document(String),
    Status(u16),
}

#[derive(Debug)]
struct Shared {
    answer: Mutex<Answer>,
    requests: AtomicUsize,
    stop: AtomicBool,
}

/// An HTTP server on a free port of 127.0.0.1 that answers every `GET` with a JWKS
/// document (or, when told, an error status), counting the requests: a test changes
/// the document to rotate keys, makes it fail, or drops the server to make it go away.
///
/// ```
/// use approov_testkit::JwksServer;
///
/// let server = JwksServer::start(r#"{"keys":[]}"#);
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.requests(), 0);
/// ```
#[derive(Debug)]
pub struct JwksServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl JwksServer {
    /// Starts serving `document`.
    pub fn start(document: &str) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("binding a port on 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("the JWKS server's address: {e}"));
        let shared = Arc::new(Shared {
            answer: Mutex::new(Answer::Document(document.to_owned())),
            requests: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let thread = std::thread::Builder::new()
            .name("test-jwks-server".into())
            .spawn({
                let shared = shared.clone();
                move || serve(&listener, &shared)
            })
            .unwrap_or_else(|e| panic!("starting the JWKS server: {e}"));
        JwksServer {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// The URL to give as `APPROOV_JWKS_URL`: `http://127.0.0.1:PORT/jwks.json`.
    pub fn url(&self) -> String {
        format!("http://{}/jwks.json", self.addr)
    }

    /// Serves `document` from now on.
    pub fn serve(&self, document: &str) {
        self.set(Answer::Document(document.to_owned()));
    }

    /// Answers `status` (say 500) with an empty body from now on.
    pub fn fail_with(&self, status: u16) {
        self.set(Answer::Status(status));
    }

    /// How many requests have been answered.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    fn set(&self, answer: Answer) {
        if let Ok(mut current) = self.shared.answer.lock() {
            *current = answer;
        }
    }

    /// Stops listening: from now on connections are refused.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = thread.join();
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn serve(listener: &TcpListener, shared: &Shared) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(stream) = stream {
            answer(stream, shared);
        }
    }
}

fn answer(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // Read the request head; the body of a GET is empty.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let answer = shared
        .answer
        .lock()
        .map(|answer| answer.clone())
        .unwrap_or(Answer::Status(500));
    let (status, body) = match answer {
        Answer::Document(document) => (200, document),
        Answer::Status(status) => (status, String::new()),
    };
    let response = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        if status == 200 { "OK" } else { "Error" },
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
}

/// What the server logs (at `warn`) when a refresh of its JWKS URL fails: a test of a
/// server's log looks for this line.
pub const JWKS_REFRESH_FAILED: &str = "JWKS refresh failed; keeping the last good key set";

/// The JWKS-URL story every adapter and example server must tell the same way: keys
/// picked up at start-up, a keyset rotation picked up by a refresh, a failing refresh
/// and a vanished server survived with the last good set.
///
/// Start a [`JwksRotation`], configure the server under test with its
/// [`url`](Self::url) — `ApproovVerifier::from_keys(..).with_jwks_url(JwksUrl::new(&url)?
/// .refresh_every(JwksRotation::REFRESH))` in-process, or `APPROOV_JWKS_URL=url` and
/// `APPROOV_JWKS_REFRESH_SECS=1` over HTTP (beside the secret and `APPROOV_JWKS`:
/// the rotation's key ids are not the table's) — then [`run`](Self::run) it with a
/// closure that sends `GET /token-check` with an `Approov-Token` and returns the status.
#[derive(Debug)]
pub struct JwksRotation {
    server: Option<JwksServer>,
    first: crate::TestKey,
    second: crate::TestKey,
}

impl JwksRotation {
    /// How often an in-process verifier should refresh (over HTTP: 1 s, the least
    /// `APPROOV_JWKS_REFRESH_SECS` takes).
    pub const REFRESH: Duration = Duration::from_millis(200);

    /// How long a change may take to show.
    const PATIENCE: Duration = Duration::from_secs(20);

    /// A JWKS server serving the first of two fresh key pairs (ES256 `rotation-first`,
    /// EdDSA `rotation-second`).
    pub fn start() -> JwksRotation {
        let first = crate::TestKey::generate(approov_core::Algorithm::ES256, "rotation-first");
        let second = crate::TestKey::generate(approov_core::Algorithm::EdDSA, "rotation-second");
        JwksRotation {
            server: Some(JwksServer::start(&crate::jwks_json([&first]))),
            first,
            second,
        }
    }

    /// The URL the server under test fetches.
    pub fn url(&self) -> String {
        self.server().url()
    }

    fn server(&self) -> &JwksServer {
        match &self.server {
            Some(server) => server,
            None => panic!("the JWKS server is gone"),
        }
    }

    /// Tells the story; panics at the first step the server under test gets wrong.
    /// `status(token)` answers `GET /token-check` with `Approov-Token: token`.
    pub fn run(mut self, mut status: impl FnMut(&str) -> u16) {
        let status: &mut dyn FnMut(&str) -> u16 = &mut status;
        let first = self.first.token(600, None);
        let second = self.second.token(600, None);
        expect(status, "the key served at start-up", &first, 200);
        expect(status, "a key not served yet", &second, 401);

        self.server()
            .serve(&crate::jwks_json([&self.first, &self.second]));
        eventually("the new key is picked up by a refresh", || {
            status(&second) == 200
        });
        expect(status, "the old key during the rotation", &first, 200);

        self.server().serve(&crate::jwks_json([&self.second]));
        eventually("the old key is gone after a refresh", || {
            status(&first) == 401
        });
        expect(status, "the new key after the rotation", &second, 200);

        self.server().fail_with(500);
        let before = self.server().requests();
        eventually("a refresh fails with 500", || {
            self.server().requests() >= before + 2
        });
        expect(
            status,
            "the last good set, after a failed refresh",
            &second,
            200,
        );
        expect(
            status,
            "the removed key, after a failed refresh",
            &first,
            401,
        );

        if let Some(server) = self.server.take() {
            server.stop();
        }
        std::thread::sleep(Duration::from_secs(2));
        expect(
            status,
            "the last good set, with the JWKS server gone",
            &second,
            200,
        );
    }
}

fn expect(status: &mut dyn FnMut(&str) -> u16, step: &str, token: &str, want: u16) {
    assert_eq!(status(token), want, "JWKS URL, {step}");
}

fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + JwksRotation::PATIENCE;
    while std::time::Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("JWKS URL: timed out waiting until {what}");
}
