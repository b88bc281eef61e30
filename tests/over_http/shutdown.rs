//! Stopping without dropping requests: on SIGTERM a server stops accepting, answers
//! the request in flight, logs that it is shutting down and exits 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use approov_testkit::{TestSecret, HELLO_BODY};

use crate::server::Launch;

pub fn sigterm_finishes_the_request_in_flight(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .unwrap_or_else(|e| panic!("{package}: connect: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap_or_else(|e| panic!("{package}: {e}"));
    // The request is under way when the signal comes: its head is half sent.
    let head = format!(
        "GET /token-check HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n",
        server.port
    );
    stream
        .write_all(head.as_bytes())
        .unwrap_or_else(|e| panic!("{package}: write: {e}"));
    std::thread::sleep(Duration::from_millis(300));
    server.send_sigterm();
    std::thread::sleep(Duration::from_millis(300));
    let rest = format!(
        "Approov-Token: {}\r\nConnection: close\r\n\r\n",
        secret.token(60, None)
    );
    stream
        .write_all(rest.as_bytes())
        .unwrap_or_else(|e| panic!("{package}: the connection was cut: {e}"));
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with(HELLO_BODY),
        "{package}: the request in flight at SIGTERM must get its answer, got {answer:?}"
    );
    let (status, log) = server.wait_for_exit();
    assert!(
        status.success(),
        "{package} must exit 0 after SIGTERM, got {status}:\n{log}"
    );
}
