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
