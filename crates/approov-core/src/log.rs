//! The one place failed checks are logged, at a bounded rate, and counted.
//!
//! Each code may write [`DEFAULT_LOG_LINES_PER_SECOND`] lines a second (or the limit
//! configured); past it, the first failure of each distinct reason in that second is
//! still written, so a flood of one reason (garbage tokens) cannot hide another that
//! shares its code (a forged signature). The rest are counted, and summed up in one
//! line per code once its second is over: at the next check of the verifier, or
//! within about two seconds by a background thread when no check comes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use crate::client_status::{status_names, status_slot, ClientStatus};
use crate::clock::unix_now;
use crate::config::Mode;
use crate::rejection::TokenRejection;

/// How many lines per code and per second failed checks may write when no limit is
/// configured: a flood of bad tokens must not fill a disk.
pub const DEFAULT_LOG_LINES_PER_SECOND: u32 = 5;

/// The most distinct reasons per code and second written past the code's limit.
const REASONS_PER_SECOND: usize = 16;

/// Counts every failed check by code and logs each one, up to a rate per code (and
/// the first of each reason); what is over the rate is counted and summed up.
#[derive(Debug)]
pub(crate) struct RejectionLog {
    /// Lines per code per second; `None` writes every failure.
    limit: Option<u32>,
    codes: Vec<CodeLog>,
    /// Failed checks by the `Approov-Status` the request carried (see
    /// [`status_names`]).
    statuses: Vec<AtomicU64>,
    /// Some code has suppressed lines not yet summed up.
    pending: AtomicBool,
    /// The mode of the last failure logged, for the summaries the flusher writes.
    monitor: AtomicBool,
    /// The thread that writes the summaries when no check comes; started with the
    /// first suppressed line, it ends with the log.
    flusher: OnceLock<()>,
    me: Weak<RejectionLog>,
}

#[derive(Debug, Default)]
struct CodeLog {
    total: AtomicU64,
    /// The second (since the epoch) `in_second` counts for.
    second: AtomicU64,
    in_second: AtomicU64,
    suppressed: AtomicU64,
    /// The reasons written past the limit in `second` (a hash of each; 0 is free).
    reasons: [AtomicU64; REASONS_PER_SECOND],
}

impl RejectionLog {
    pub(crate) fn new(limit: Option<u32>) -> Arc<Self> {
        Arc::new_cyclic(|me| RejectionLog {
            limit,
            codes: TokenRejection::CODES
                .iter()
                .map(|_| CodeLog::default())
                .collect(),
            statuses: status_names().map(|_| AtomicU64::new(0)).collect(),
            pending: AtomicBool::new(false),
            monitor: AtomicBool::new(false),
            flusher: OnceLock::new(),
            me: me.clone(),
        })
    }

    pub(crate) fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// Counts `rejection` and logs it, with its code and reason (never the token) and
    /// the status and trace ID the request carried (validated): at `info` when the
    /// request is refused, at `warn` in monitor mode, where it goes on.
    pub(crate) fn failed_check(
        &self,
        rejection: &TokenRejection,
        mode: Mode,
        client: ClientStatus<'_>,
    ) {
        if let Some(counter) = client
            .status
            .and_then(|status| self.statuses.get(status_slot(status)))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        let code = rejection.code();
        let Some(state) = TokenRejection::CODES
            .iter()
            .position(|c| *c == code)
            .and_then(|i| self.codes.get(i))
        else {
            // Every code is listed; should one not be, it is logged unlimited.
            return line(rejection, mode, client);
        };
        state.total.fetch_add(1, Ordering::Relaxed);
        let Some(limit) = self.limit else {
            return line(rejection, mode, client);
        };
        // The coarse clock the time checks read: a flood is counted in whole seconds.
        let now = unix_now();
        self.open_second(state, code, now, mode);
        let within_limit = state.in_second.fetch_add(1, Ordering::Relaxed) < u64::from(limit);
        // Every reason written is recorded, so that past the limit only new ones are.
        let new_reason = state.first_of_its_reason(rejection);
        if within_limit || new_reason {
            line(rejection, mode, client);
        } else {
            state.suppressed.fetch_add(1, Ordering::Relaxed);
            self.monitor.store(mode == Mode::Monitor, Ordering::Relaxed);
            self.pending.store(true, Ordering::Release);
            self.start_flusher();
        }
    }

    /// Sums up the seconds that are over, if any has suppressed lines: called by every
    /// check (one load when nothing is pending).
    pub(crate) fn flush_due(&self) {
        if self.pending.load(Ordering::Acquire) {
            self.flush(unix_now(), 1);
        }
    }

    /// Writes the summary of every code whose second ended at least `after` seconds
    /// before `now`.
    fn flush(&self, now: u64, after: u64) {
        let mode = if self.monitor.load(Ordering::Relaxed) {
            Mode::Monitor
        } else {
            Mode::Enforce
        };
        let mut left = false;
        for (code, state) in TokenRejection::CODES.iter().zip(&self.codes) {
            let second = state.second.load(Ordering::Relaxed);
            if state.suppressed.load(Ordering::Relaxed) == 0 {
                continue;
            }
            if now.saturating_sub(second) < after {
                left = true;
                continue;
            }
            let suppressed = state.suppressed.swap(0, Ordering::Relaxed);
            if suppressed > 0 {
                summary(code, suppressed, now.saturating_sub(second), mode);
            }
        }
        if !left {
            self.pending.store(false, Ordering::Release);
        }
    }

    /// Opens `now`'s second for `state` when it is a new one, summing up the last.
    fn open_second(&self, state: &CodeLog, code: &str, now: u64, mode: Mode) {
        let second = state.second.load(Ordering::Relaxed);
        if second != now
            && state
                .second
                .compare_exchange(second, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            // This thread opened the new second: it reports the one before.
            state.in_second.store(0, Ordering::Relaxed);
            for reason in &state.reasons {
                reason.store(0, Ordering::Relaxed);
            }
            let suppressed = state.suppressed.swap(0, Ordering::Relaxed);
            if suppressed > 0 {
                summary(code, suppressed, now.saturating_sub(second), mode);
            }
        }
    }

    /// Starts the thread that sums up the suppressed lines when no check comes.
    fn start_flusher(&self) {
        self.flusher.get_or_init(|| {
            let log = self.me.clone();
            let started = std::thread::Builder::new()
                .name("approov-log".into())
                .spawn(move || loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let Some(log) = log.upgrade() else { return };
                    if log.pending.load(Ordering::Acquire) {
                        // Two seconds: a check that comes in the next one sums up first.
                        log.flush(unix_now(), 2);
                    }
                });
            if let Err(e) = started {
                tracing::warn!("the Approov log's summary thread cannot start: {e}");
            }
        });
    }

    /// Failed checks so far, by code, in the order of [`TokenRejection::CODES`].
    pub(crate) fn counts(&self) -> Vec<(&'static str, u64)> {
        TokenRejection::CODES
            .iter()
            .zip(&self.codes)
            .map(|(code, state)| (*code, state.total.load(Ordering::Relaxed)))
            .collect()
    }

    /// Failed checks so far by the request's `Approov-Status`: each status the
    /// vendor's SDKs send, then `other` and `invalid`.
    pub(crate) fn status_counts(&self) -> Vec<(&'static str, u64)> {
        status_names()
            .zip(&self.statuses)
            .map(|(status, count)| (status, count.load(Ordering::Relaxed)))
            .collect()
    }
}

impl CodeLog {
    /// Whether `rejection` is the first of its reason this second past the limit (and
    /// so is written): its reason is recorded in a free slot. With every slot taken,
    /// no other reason is written until the next second.
    fn first_of_its_reason(&self, rejection: &TokenRejection) -> bool {
        let mut hasher = DefaultHasher::new();
        rejection.hash(&mut hasher);
        let key = hasher.finish().max(1);
        for slot in &self.reasons {
            match slot.compare_exchange(0, key, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(taken) if taken == key => return false,
                Err(_) => {}
            }
        }
        false
    }
}

/// One rejection's line: `code=... reason=...`, then `status=...` and `trace_id=...`
/// when the request has them (an absent one is not written).
fn line(rejection: &TokenRejection, mode: Mode, client: ClientStatus<'_>) {
    let status = client.status.map(tracing::field::display);
    let trace_id = client.trace_id.map(tracing::field::display);
    match mode {
        Mode::Enforce => tracing::info!(
            code = %rejection.code(),
            reason = %rejection,
            status,
            trace_id,
            "Approov token rejected"
        ),
        Mode::Monitor => tracing::warn!(
            code = %rejection.code(),
            reason = %rejection,
            status,
            trace_id,
            "Approov token check failed; monitor mode lets the request through"
        ),
    }
}

fn summary(code: &str, suppressed: u64, seconds_ago: u64, mode: Mode) {
    let when = if seconds_ago <= 1 {
        "in the last second".to_owned()
    } else {
        format!("in the second that ended {} s ago", seconds_ago - 1)
    };
    match mode {
        Mode::Enforce => tracing::info!(
            code = %code,
            suppressed,
            "suppressed {suppressed} rejections with code {code} {when}"
        ),
        Mode::Monitor => tracing::warn!(
            code = %code,
            suppressed,
            "suppressed {suppressed} failed checks with code {code} {when}"
        ),
    }
}
