//! Rejection reasons reach a Rocket app's log (issue #10). A Rocket app logs through the
//! `log` crate with Rocket's own logger and usually sets no tracing subscriber; the core
//! logs with `tracing`, whose `log` feature (turned on by approov-rocket) emits each
//! event as a `log` record while no tracing subscriber has been set.
//!
//! Alone in its test binary: it installs the process's `log` logger, and no tracing
//! subscriber may ever be set in this process (once one has been, tracing stops
//! emitting `log` records). The runs with Rocket's own logger, and with a tracing
//! subscriber as the example server sets one, are child processes of this binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed unwrap is a failed test

use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;

use approov_rocket::{ApproovToken, ApproovVerifier, Mode};
use approov_testkit::TestSecret;
use rocket::http::Header;
use rocket::local::blocking::Client;
use rocket::routes;

#[rocket::get("/token-check")]
fn token_check(_token: ApproovToken) -> &'static str {
    "hello"
}

fn app(verifier: ApproovVerifier) -> Client {
    Client::tracked(
        rocket::custom(rocket::Config::debug_default())
            .manage(verifier)
            .register("/", approov_rocket::catchers())
            .mount("/", routes![token_check]),
    )
    .unwrap()
}

/// Sends `/token-check` with `token` (none when `None`) and returns the status.
fn send(client: &Client, token: Option<&str>) -> u16 {
    let request = client.get("/token-check");
    let request = match token {
        Some(token) => request.header(Header::new("Approov-Token", token.to_owned())),
        None => request,
    };
    request.dispatch().status().code
}

/// One `log` record, as a logger sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    level: log::Level,
    target: String,
    message: String,
    thread: ThreadId,
}

struct Capture;

static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push(Record {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
            thread: std::thread::current().id(),
        });
    }

    fn flush(&self) {}
}

/// The records of the Approov check logged on this thread since the last call.
fn approov_records() -> Vec<Record> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Before any Rocket is built: Rocket's own logger then fails to install.
        log::set_boxed_logger(Box::new(Capture)).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
    let me = std::thread::current().id();
    let mut records = RECORDS.lock().unwrap();
    let (mine, others) = records.drain(..).partition(|r: &Record| r.thread == me);
    *records = others;
    mine.into_iter()
        .filter(|r| r.target.starts_with("approov_core"))
        .collect()
}

#[test]
fn a_refusal_is_one_log_record_with_its_code_and_reason() {
    approov_records();
    let secret = TestSecret::new();
    let client = app(secret.verifier());
    approov_records();

    assert_eq!(send(&client, Some(&secret.token(-5, None))), 401);
    assert_eq!(
        approov_records()
            .into_iter()
            .map(|r| (r.level, r.target, r.message))
            .collect::<Vec<_>>(),
        [(
            log::Level::Info,
            "approov_core::log".to_owned(),
            "Approov token rejected code=token_expired reason=the Approov token has expired"
                .to_owned()
        )]
    );

    assert_eq!(send(&client, Some(&secret.token(60, None))), 200);
    assert_eq!(approov_records(), []);
}

#[test]
fn in_monitor_mode_a_failure_is_one_warn_record() {
    approov_records();
    let secret = TestSecret::new();
    let client = app(secret.verifier().with_mode(Mode::Monitor));
    let start_up = approov_records();
    assert!(
        start_up
            .iter()
            .any(|r| r.level == log::Level::Warn && r.message.contains("MONITOR MODE")),
        "the monitor mode warning reaches the log: {start_up:?}"
    );

    assert_eq!(send(&client, None), 200);
    let records = approov_records();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].level, log::Level::Warn);
    assert!(
        records[0]
            .message
            .contains("code=missing_approov_token reason=no `approov-token` header in the request"),
        "{records:?}"
    );
}

/// Runs the test `name` of this binary in a child process, with `CHILD_VAR` set, and
/// returns everything it printed.
fn run_child(name: &str) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .env("ROCKET_CLI_COLORS", "false")
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{name} failed:\n{printed}");
    assert!(
        printed.contains("child done"),
        "{name} did not run:\n{printed}"
    );
    printed
}

const CHILD_VAR: &str = "APPROOV_ROCKET_LOG_CHILD";

fn in_child() -> bool {
    std::env::var_os(CHILD_VAR).is_some()
}

/// What a child sends: a request without a token, refused.
fn child_requests() {
    let secret = TestSecret::new();
    assert_eq!(send(&app(secret.verifier()), None), 401);
    println!("child done");
}

const REFUSAL: &str =
    "Approov token rejected code=missing_approov_token reason=no `approov-token` header in the request";

#[test]
fn rockets_own_logger_prints_the_reason() {
    let printed = run_child("child_with_rockets_logger");
    let lines: Vec<&str> = printed.lines().filter(|l| l.contains("code=")).collect();
    assert_eq!(lines, [REFUSAL], "printed:\n{printed}");
}

#[test]
fn with_a_tracing_subscriber_the_reason_is_printed_once() {
    let printed = run_child("child_with_a_tracing_subscriber");
    let lines: Vec<&str> = printed.lines().filter(|l| l.contains("code=")).collect();
    assert_eq!(lines.len(), 1, "printed:\n{printed}");
    assert!(
        lines[0].contains(" INFO approov_core::log: ") && lines[0].ends_with(REFUSAL),
        "printed:\n{printed}"
    );
}

/// A plain Rocket app: Rocket's logger, at its default `normal` level.
#[test]
fn child_with_rockets_logger() {
    if in_child() {
        child_requests();
    }
}

/// As the example servers: tracing-subscriber's `fmt` subscriber, which also
/// forwards `log` records (Rocket's own lines) to itself.
#[test]
fn child_with_a_tracing_subscriber() {
    if in_child() {
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .init();
        child_requests();
    }
}
