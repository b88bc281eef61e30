//! The shared table over real HTTP, in either mode: every answer byte for byte, and
//! for every case the one log line with its code and reason (or none).

use approov_core::Mode;
use approov_testkit::{cases, Case, Expect, Report, TestSecret};

use crate::client;
use crate::server::{Launch, Server};

pub(crate) fn over_http(package: &str, mode: Mode) {
    let secret = TestSecret::new();
    let mut launch = Launch::new(package).secret(&secret).log_every_failure();
    if mode == Mode::Monitor {
        launch = launch.env("APPROOV_MODE", "monitor");
    }
    let server = launch.start();
    let mut report = Report::new(format!("{package} (over HTTP, {mode:?})")).in_mode(mode);
    let table = cases(&secret);
    run(package, &server, &table, &mut report);
    report.finish();

    let log = server.stop();
    if mode == Mode::Monitor {
        assert!(
            log.contains("MONITOR MODE IS ON"),
            "{package}: monitor mode must be announced loudly at start-up:\n{log}"
        );
    }
    assert!(
        !log.contains(secret.base64()) && !log.contains(&secret.base64url()),
        "{package}: the secret is in the log"
    );
    for case in table.iter().filter(|c| c.expect == Expect::Hello) {
        let tokens = case
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("approov-token"));
        for (_, value) in tokens {
            let value = String::from_utf8_lossy(value);
            if let Some((_, signature)) = value.rsplit_once('.') {
                assert!(!log.contains(signature), "{package}: a token is in the log");
            }
        }
    }
}

/// Sends every case of `table` to `server`, recording each answer and the log line
/// it wrote (or none) in `report`.
pub(crate) fn run(package: &str, server: &Server, table: &[Case], report: &mut Report) {
    let mut seen = server.logged().len();
    for case in table {
        let sent = client::send(
            server.port,
            case.method,
            &case.target(),
            &case.header_pairs(),
            &case.body,
        );
        match sent {
            Ok(observed) => {
                let refused_by_the_framework = matches!(observed.status, 400 | 431);
                let expected =
                    usize::from(case.expect.rejection().is_some() && !refused_by_the_framework);
                let logged = server.logged_since(seen, expected);
                seen += logged.len();
                report.record_logged(case, &observed, true, &logged);
            }
            Err(e) => report.fail(case, format!("{package}: no HTTP answer: {e}")),
        }
    }
}

/// By default a flood of bad tokens writes a few lines per second, not one per request.
pub(crate) fn a_flood_is_logged_at_a_bounded_rate(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package).secret(&secret).start();
    for _ in 0..200 {
        let observed = client::get(
            server.port,
            "/token-check",
            &[("Approov-Token", b"garbage")],
        )
        .unwrap_or_else(|e| panic!("{package}: no HTTP answer: {e}"));
        assert_eq!(observed.status, 401, "{package}: garbage is refused");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let written = server.logged().len();
    assert!(
        (1..=20).contains(&written),
        "{package}: 200 rejections in a burst wrote {written} lines; the default is 5 per second"
    );
}
