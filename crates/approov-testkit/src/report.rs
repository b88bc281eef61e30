//! Checking answers (and what was logged) against the table, and reporting every
//! failure at once.

use approov_core::{Mode, TokenRejection};
use tracing::Level;

use crate::{Case, Expect, Logged, HELLO_BODY, REJECTION_BODY};

/// What a server answered to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Case {
    /// Whether `observed` is the answer this case requires from a verifier in `mode`:
    /// in [`Mode::Monitor`] a case expected to be rejected must pass as if the route
    /// were unprotected. `over_http` allows what a real HTTP server may do on its own
    /// (refuse an oversized header).
    pub fn check(&self, observed: &Observed, over_http: bool, mode: Mode) -> Result<(), String> {
        let json = observed.content_type.as_deref() == Some("application/json");
        let body = String::from_utf8_lossy(&observed.body);
        let hello = observed.status == 200 && json && body == HELLO_BODY;
        // Every refusal is `{}`, with the status its reason says (401; 413 or 400 for
        // a signed body that cannot be checked).
        let status = self.expect.rejection().map_or(401, TokenRejection::status);
        let rejected = observed.status == status && json && body == REJECTION_BODY;
        let too_large = over_http && matches!(observed.status, 400 | 431);
        let refused = |answer: bool| match mode {
            Mode::Monitor => hello,
            _ => answer,
        };
        let ok = match &self.expect {
            Expect::Hello => hello,
            Expect::Rejected(_) => refused(rejected),
            Expect::RejectedOrTooLarge(_) => refused(rejected) || too_large,
            Expect::NotFound => observed.status == 404,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{} ({} {}): expected {:?}{}, got {} {:?} {:?}",
                self.name,
                self.method,
                self.target(),
                self.expect,
                if mode == Mode::Monitor {
                    " in monitor mode"
                } else {
                    ""
                },
                observed.status,
                observed
                    .content_type
                    .as_deref()
                    .unwrap_or("<no content-type>"),
                body.chars().take(120).collect::<String>(),
            ))
        }
    }

    /// Whether `logged` (the failed checks logged while this case ran) is exactly one
    /// line with the expected rejection's code and reason — at `INFO`, or `WARN` in
    /// monitor mode — or nothing when the case passes. A server may refuse an
    /// oversized header before the check runs (`observed` says so), logging nothing.
    pub fn check_log(
        &self,
        observed: &Observed,
        logged: &[Logged],
        mode: Mode,
    ) -> Result<(), String> {
        let expected = match self.expect.rejection() {
            Some(_) if matches!(observed.status, 400 | 431) => None,
            rejection => rejection.map(|rejection| Logged {
                level: if mode == Mode::Monitor {
                    Level::WARN
                } else {
                    Level::INFO
                },
                code: rejection.code().to_owned(),
                reason: rejection.to_string(),
                status: self.logged_status.map(str::to_owned),
                trace_id: self.logged_trace_id.map(str::to_owned),
            }),
        };
        if logged == expected.as_slice() {
            Ok(())
        } else {
            Err(format!(
                "{} ({} {}): expected the log {:?}, got {:?}",
                self.name,
                self.method,
                self.target(),
                expected,
                logged
            ))
        }
    }
}

/// Collects failures for one adapter or server, and fails the test naming each.
#[derive(Debug)]
pub struct Report {
    subject: String,
    mode: Mode,
    ran: usize,
    failures: Vec<String>,
}

impl Report {
    /// A report about `subject` (for example `"axum (layer)"`), whose verifier enforces.
    pub fn new(subject: impl Into<String>) -> Self {
        Report {
            subject: subject.into(),
            mode: Mode::Enforce,
            ran: 0,
            failures: Vec::new(),
        }
    }

    /// Holds the answers to what a verifier in `mode` must give.
    pub fn in_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Records the answer to one case.
    pub fn record(&mut self, case: &Case, observed: &Observed, over_http: bool) {
        self.ran += 1;
        if let Err(failure) = case.check(observed, over_http, self.mode) {
            self.failures.push(format!("[{}] {failure}", self.subject));
        }
    }

    /// Records the answer to one case and what was logged while it ran.
    pub fn record_logged(
        &mut self,
        case: &Case,
        observed: &Observed,
        over_http: bool,
        logged: &[Logged],
    ) {
        self.record(case, observed, over_http);
        if let Err(failure) = case.check_log(observed, logged, self.mode) {
            self.failures.push(format!("[{}] {failure}", self.subject));
        }
    }

    /// Records a failure that is not about an answer (the request could not be sent).
    pub fn fail(&mut self, case: &Case, why: impl std::fmt::Display) {
        self.ran += 1;
        self.failures
            .push(format!("[{}] {}: {why}", self.subject, case.name));
    }

    /// Panics, listing every failed case under the subject's name, if any failed or
    /// if no case ran.
    pub fn finish(self) {
        assert!(self.ran > 0, "{}: no case ran", self.subject);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} checks failed:\n  {}",
            self.subject,
            self.failures.len(),
            self.ran,
            self.failures.join("\n  ")
        );
    }
}
