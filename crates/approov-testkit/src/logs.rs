//! What the check logged: captured in-process with a `tracing` layer, or read back
//! from a server's log lines.

use std::cell::RefCell;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One failed check, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// `INFO` when the request was refused, `WARN` in monitor mode.
    pub level: Level,
    /// The `code=` field.
    pub code: String,
    /// The `reason=` field.
    pub reason: String,
    /// The `status=` field: the request's `Approov-Status`, validated (`invalid` when
    /// it is not a status), when it had one.
    pub status: Option<String>,
    /// The `trace_id=` field: the request's `Approov-TraceID`, validated, when it had
    /// one.
    pub trace_id: Option<String>,
}

impl Logged {
    /// Reads a failed check from one line of a server's log (tracing-subscriber's
    /// `fmt` format, no colours): `... INFO approov_core::log: Approov token
    /// rejected code=token_expired reason=the Approov token has expired`, then
    /// ` status=...` and ` trace_id=...` when the request had them.
    pub fn parse_line(line: &str) -> Option<Logged> {
        let level = if line.contains(" INFO ") {
            Level::INFO
        } else if line.contains(" WARN ") {
            Level::WARN
        } else {
            return None;
        };
        let (_, fields) = line.split_once(" code=")?;
        let (code, rest) = fields.split_once(" reason=")?;
        let rest = rest.trim_end();
        let (rest, trace_id) = match rest.rsplit_once(" trace_id=") {
            Some((rest, trace_id)) => (rest, Some(trace_id.to_owned())),
            None => (rest, None),
        };
        let (reason, status) = match rest.rsplit_once(" status=") {
            Some((reason, status)) => (reason, Some(status.to_owned())),
            None => (rest, None),
        };
        Some(Logged {
            level,
            code: code.to_owned(),
            reason: reason.to_owned(),
            status,
            trace_id,
        })
    }
}

/// A summary line of the rejection log's rate limit: `suppressed` failures of `code`
/// were counted but not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    /// The code.
    pub code: String,
    /// How many were not written.
    pub suppressed: u64,
}

/// Captures every failed check (and rate-limit summary) logged on this thread while
/// its guard lives.
///
/// One process-wide subscriber hands each event to the capture of the thread that
/// logged it. (Scoped, per-thread subscribers are not used: `tracing` caches per log
/// statement whether anyone listens, and with parallel tests that cache can go stale.)
///
/// ```
/// let (logs, _guard) = approov_testkit::LogCapture::install();
/// tracing::info!(code = "token_expired", reason = "r", "Approov token rejected");
/// assert_eq!(logs.take()[0].code, "token_expired");
/// ```
#[derive(Debug, Clone, Default)]
pub struct LogCapture {
    events: Arc<Mutex<Vec<Logged>>>,
    summaries: Arc<Mutex<Vec<Suppressed>>>,
}

thread_local! {
    /// The captures installed on this thread, the last one current.
    static CURRENT: RefCell<Vec<LogCapture>> = const { RefCell::new(Vec::new()) };
}

/// Removes its capture from its thread when dropped.
#[derive(Debug)]
#[must_use = "the capture stops when the guard is dropped"]
pub struct CaptureGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| current.borrow_mut().pop());
    }
}

impl LogCapture {
    /// Starts capturing what this thread logs.
    pub fn install() -> (LogCapture, CaptureGuard) {
        static GLOBAL: OnceLock<()> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let subscriber = tracing_subscriber::registry().with(CaptureLayer);
            // A test binary with a global subscriber of its own keeps it; captures
            // then see nothing, and the tests that use them fail loudly.
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        let capture = LogCapture::default();
        CURRENT.with(|current| current.borrow_mut().push(capture.clone()));
        let guard = CaptureGuard {
            _not_send: std::marker::PhantomData,
        };
        (capture, guard)
    }

    /// Every failed check captured since the last call.
    pub fn take(&self) -> Vec<Logged> {
        self.events
            .lock()
            .map(|mut events| std::mem::take(&mut *events))
            .unwrap_or_default()
    }

    /// Every rate-limit summary captured since the last call.
    pub fn take_summaries(&self) -> Vec<Suppressed> {
        self.summaries
            .lock()
            .map(|mut events| std::mem::take(&mut *events))
            .unwrap_or_default()
    }
}

struct CaptureLayer;

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Some(capture) = CURRENT.with(|current| current.borrow().last().cloned()) else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        match (fields.code, fields.reason, fields.suppressed) {
            (Some(code), Some(reason), _) => {
                if let Ok(mut events) = capture.events.lock() {
                    events.push(Logged {
                        level: *event.metadata().level(),
                        code,
                        reason,
                        status: fields.status,
                        trace_id: fields.trace_id,
                    });
                }
            }
            (Some(code), None, Some(suppressed)) => {
                if let Ok(mut summaries) = capture.summaries.lock() {
                    summaries.push(Suppressed { code, suppressed });
                }
            }
            _ => {}
        }
    }
}

#[derive(Default)]
struct Fields {
    code: Option<String>,
    reason: Option<String>,
    status: Option<String>,
    trace_id: Option<String>,
    suppressed: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "suppressed" => self.suppressed = Some(value),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        match field.name() {
            "code" => self.code = Some(format!("{value:?}")),
            "reason" => self.reason = Some(format!("{value:?}")),
            "status" => self.status = Some(format!("{value:?}")),
            "trace_id" => self.trace_id = Some(format!("{value:?}")),
            _ => {}
        }
    }
}
