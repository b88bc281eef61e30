//! An app that logs through the `log` crate (env_logger, as actix-web's and warp's
//! guides do; Rocket's own logger) and installs no tracing subscriber still gets every
//! failure's code and reason. Its own test binary: it installs a process-wide logger.

use std::sync::{Mutex, OnceLock};

use approov_testkit::TestSecret;

struct Records(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Records {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if let Ok(mut records) = self.0.lock() {
            records.push((record.level(), record.args().to_string()));
        }
    }

    fn flush(&self) {}
}

fn records() -> &'static Records {
    static RECORDS: OnceLock<&'static Records> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let records: &'static Records = Box::leak(Box::new(Records(Mutex::new(Vec::new()))));
        let _ = log::set_logger(records);
        log::set_max_level(log::LevelFilter::Info);
        records
    })
}

#[test]
fn failures_reach_a_log_crate_logger_without_a_tracing_subscriber() {
    let records = records();
    let verifier = TestSecret::new().verifier();
    let _ = verifier.check_request(|_| [b"garbage".as_slice()], None);
    let lines = records.0.lock().map(|r| r.clone()).unwrap_or_default();
    let rejection = |(level, text): &(log::Level, String)| {
        *level == log::Level::Info
            && text.contains("Approov token rejected")
            && text.contains("code=token_verification_failed")
            && text.contains("reason=the Approov token is malformed")
    };
    assert!(
        lines.iter().any(rejection),
        "no log record of the rejection in {lines:?}"
    );
}
