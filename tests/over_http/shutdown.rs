//! Stopping without dropping requests: on SIGTERM a server stops accepting, answers
//! the request in flight, logs that it is shutting down and exits 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use approov_testkit::{message_signing_cases, TestSecret, HELLO_BODY};

use crate::server::Launch;

/// A signed POST whose body is still arriving when SIGTERM comes: the server is
/// reading it (to check its `content-digest`), so the request is under way.
pub(crate) fn sigterm_finishes_the_request_in_flight(package: &str) {
    let secret = TestSecret::new();
    let case = message_signing_cases(&secret)
        .into_iter()
        .find(|case| case.method == "POST" && case.expect == approov_testkit::Expect::Hello)
        .unwrap_or_else(|| panic!("the table has a valid signed POST"));
    let server = Launch::new(package).secret(&secret).start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port))
        .unwrap_or_else(|e| panic!("{package}: connect: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap_or_else(|e| panic!("{package}: {e}"));
    let mut head = format!(
        "{} {} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        case.method,
        case.target(),
        case.body.len()
    )
    .into_bytes();
    for (name, value) in &case.headers {
        head.extend_from_slice(format!("{name}: ").as_bytes());
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let (first, rest) = case.body.split_at(case.body.len() / 2);
    let mut send = |bytes: &[u8]| {
        stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("{package}: the connection was cut: {e}"));
    };
    send(&head);
    send(first);
    std::thread::sleep(Duration::from_millis(300));
    server.send_sigterm();
    std::thread::sleep(Duration::from_millis(300));
    send(rest);
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
    assert!(
        log.contains("shutting down"),
        "{package} must log that it is shutting down:\n{log}"
    );
}
