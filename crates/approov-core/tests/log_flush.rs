//! The summary of a flood's suppressed lines is written within about two seconds of
//! its second's end, though no other check comes after it (by the log's own thread).
//! Alone in its binary: it installs a process-wide subscriber that sees every thread.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use approov_core::{ApproovVerifier, DEFAULT_LOG_LINES_PER_SECOND};
use approov_testkit::TestSecret;

/// Everything written, from any thread.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    fn text(&self) -> String {
        String::from_utf8_lossy(
            &self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

#[test]
fn the_summary_comes_without_another_check() {
    let written = Written::default();
    let writer = written.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let secret = TestSecret::new();
    let verifier = ApproovVerifier::from_base64_secret(secret.base64())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_log_limit(Some(DEFAULT_LOG_LINES_PER_SECOND));
    for _ in 0..200 {
        let _ = verifier.check_request(|_| [b"garbage".as_slice()], None);
    }
    let flood_ended = Instant::now();
    // No other check: the summary is the log's own thread's.
    while !written.text().contains("suppressed") {
        assert!(
            flood_ended.elapsed() < Duration::from_secs(5),
            "no summary 5 s after the flood:\n{}",
            written.text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = written.text();
    assert!(
        text.contains("rejections with code token_verification_failed"),
        "{text}"
    );
    assert!(
        flood_ended.elapsed() < Duration::from_millis(3_600),
        "{:?}",
        flood_ended.elapsed()
    );
}
