//! Checking answers against the table, and reporting every failure at once.

use crate::{Case, Expect, HELLO_BODY, REJECTION_BODY};

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
    /// Whether `observed` is the answer this case requires. `over_http` allows what
    /// a real HTTP server may do on its own (refuse an oversized header).
    pub fn check(&self, observed: &Observed, over_http: bool) -> Result<(), String> {
        let json = observed.content_type.as_deref() == Some("application/json");
        let body = String::from_utf8_lossy(&observed.body);
        let ok = match self.expect {
            Expect::Hello => observed.status == 200 && json && body == HELLO_BODY,
            Expect::Rejected => observed.status == 401 && json && body == REJECTION_BODY,
            Expect::RejectedOrTooLarge => {
                (observed.status == 401 && json && body == REJECTION_BODY)
                    || (over_http && matches!(observed.status, 400 | 431))
            }
            Expect::NotFound => observed.status == 404,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{} (GET {}): expected {:?}, got {} {:?} {:?}",
                self.name,
                self.route.path(),
                self.expect,
                observed.status,
                observed
                    .content_type
                    .as_deref()
                    .unwrap_or("<no content-type>"),
                body.chars().take(120).collect::<String>(),
            ))
        }
    }
}

/// Collects failures for one adapter or server, and fails the test naming each.
#[derive(Debug)]
pub struct Report {
    subject: String,
    ran: usize,
    failures: Vec<String>,
}

impl Report {
    /// A report about `subject` (for example `"axum (layer)"`).
    pub fn new(subject: impl Into<String>) -> Self {
        Report {
            subject: subject.into(),
            ran: 0,
            failures: Vec::new(),
        }
    }

    /// Records the outcome of one case.
    pub fn record(&mut self, case: &Case, observed: &Observed, over_http: bool) {
        self.ran += 1;
        if let Err(failure) = case.check(observed, over_http) {
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
            "{}: {} of {} cases failed:\n  {}",
            self.subject,
            self.failures.len(),
            self.ran,
            self.failures.join("\n  ")
        );
    }
}
