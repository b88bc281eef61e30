//! A flood of bad tokens writes a bounded number of lines, sums up the rest, and is
//! counted in full.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use approov_core::{ApproovVerifier, DEFAULT_LOG_LINES_PER_SECOND};
use approov_testkit::{LogCapture, TestSecret};

fn garbage(verifier: &ApproovVerifier) {
    let _ = verifier.check_request(|_| [b"garbage".as_slice()], None);
}

/// Waits until early in a second, so a short burst stays within it.
fn start_of_a_second() {
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_millis())
        .unwrap_or_default();
    if into > 500 {
        std::thread::sleep(Duration::from_millis(u64::from(1_010 - into)));
    }
}

#[test]
fn a_flood_writes_the_limit_then_one_summary_and_counts_everything() {
    let secret = TestSecret::new();
    // The default limit, as a server gets it from `from_env`.
    let verifier = ApproovVerifier::from_base64_secret(secret.base64())
        .expect("secret")
        .with_log_limit(Some(DEFAULT_LOG_LINES_PER_SECOND));
    let (logs, _guard) = LogCapture::install();
    start_of_a_second();
    for _ in 0..1_000 {
        garbage(&verifier);
    }
    let _ = verifier.check_request(|_| std::iter::empty(), None);
    let written = logs.take();
    assert_eq!(
        written.len(),
        DEFAULT_LOG_LINES_PER_SECOND as usize + 1,
        "5 lines of the flood's code, 1 of another code"
    );
    assert!(
        logs.take_summaries().is_empty(),
        "no summary before the second is over"
    );

    std::thread::sleep(Duration::from_millis(1_100));
    garbage(&verifier);
    let summaries = logs.take_summaries();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert_eq!(summaries[0].code, "token_verification_failed");
    assert_eq!(
        summaries[0].suppressed,
        1_000 - u64::from(DEFAULT_LOG_LINES_PER_SECOND)
    );
    assert_eq!(logs.take().len(), 1, "a new second writes again");

    let counts = verifier.rejection_counts();
    assert!(
        counts.contains(&("token_verification_failed", 1_001)),
        "{counts:?}"
    );
    assert!(counts.contains(&("missing_approov_token", 1)), "{counts:?}");
}

#[test]
fn no_limit_writes_every_line() {
    let secret = TestSecret::new();
    let verifier = secret.verifier(); // the testkit's verifier logs everything
    let (logs, _guard) = LogCapture::install();
    for _ in 0..100 {
        garbage(&verifier);
    }
    assert_eq!(logs.take().len(), 100);
    assert!(logs.take_summaries().is_empty());
}

#[test]
fn a_flood_of_one_reason_does_not_hide_another_of_the_same_code() {
    let secret = TestSecret::new();
    let verifier = ApproovVerifier::from_base64_secret(secret.base64())
        .expect("secret")
        .with_log_limit(Some(DEFAULT_LOG_LINES_PER_SECOND));
    let (logs, _guard) = LogCapture::install();
    start_of_a_second();
    for _ in 0..1_000 {
        garbage(&verifier);
    }
    // A forged signature: the same code as the garbage, another reason.
    let token = secret.token(300, None);
    let (input, _) = token.rsplit_once('.').expect("three segments");
    let forged = format!("{input}.{}", "A".repeat(43));
    for _ in 0..3 {
        let _ = verifier.check_request(|_| [forged.as_bytes()], None);
    }
    let written = logs.take();
    let reasons: Vec<&str> = written.iter().map(|line| line.reason.as_str()).collect();
    assert_eq!(
        written.len(),
        DEFAULT_LOG_LINES_PER_SECOND as usize + 1,
        "the limit, then the first forged signature: {reasons:?}"
    );
    assert!(
        written
            .iter()
            .all(|line| line.code == "token_verification_failed"),
        "{written:?}"
    );
    assert_eq!(
        written.last().map(|line| line.reason.as_str()),
        Some("the Approov token signature does not match")
    );
}
