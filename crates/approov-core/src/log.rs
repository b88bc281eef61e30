//! The one place failed checks are logged, at a bounded rate, and counted.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::unix_now;
use crate::config::Mode;
use crate::rejection::TokenRejection;

/// How many lines per code and per second failed checks may write when no limit is
/// configured: a flood of bad tokens must not fill a disk.
pub const DEFAULT_LOG_LINES_PER_SECOND: u32 = 5;

/// Counts every failed check by code and logs each one, up to a rate per code; what
/// is over the rate is counted and summed up in one line once its second is over.
#[derive(Debug)]
pub(crate) struct RejectionLog {
    /// Lines per code per second; `None` writes every failure.
    limit: Option<u32>,
    codes: Vec<CodeLog>,
}

#[derive(Debug, Default)]
struct CodeLog {
    total: AtomicU64,
    /// The second (since the epoch) `in_second` counts for.
    second: AtomicU64,
    in_second: AtomicU64,
    suppressed: AtomicU64,
}

impl RejectionLog {
    pub(crate) fn new(limit: Option<u32>) -> Self {
        RejectionLog {
            limit,
            codes: TokenRejection::CODES
                .iter()
                .map(|_| CodeLog::default())
                .collect(),
        }
    }

    pub(crate) fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// Counts `rejection` and logs it, with its code and reason (never the token): at
    /// `info` when the request is refused, at `warn` in monitor mode, where it goes on.
    pub(crate) fn failed_check(&self, rejection: &TokenRejection, mode: Mode) {
        let code = rejection.code();
        let Some(state) = TokenRejection::CODES
            .iter()
            .position(|c| *c == code)
            .and_then(|i| self.codes.get(i))
        else {
            // Every code is listed; should one not be, it is logged unlimited.
            return line(rejection, mode);
        };
        state.total.fetch_add(1, Ordering::Relaxed);
        let Some(limit) = self.limit else {
            return line(rejection, mode);
        };
        // The coarse clock the time checks read: a flood is counted in whole seconds.
        let now = unix_now();
        let second = state.second.load(Ordering::Relaxed);
        if second != now
            && state
                .second
                .compare_exchange(second, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            // This thread opened the new second: it reports the one before.
            state.in_second.store(0, Ordering::Relaxed);
            let suppressed = state.suppressed.swap(0, Ordering::Relaxed);
            if suppressed > 0 {
                summary(code, suppressed, now.saturating_sub(second), mode);
            }
        }
        if state.in_second.fetch_add(1, Ordering::Relaxed) < u64::from(limit) {
            line(rejection, mode);
        } else {
            state.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Failed checks so far, by code, in the order of [`TokenRejection::CODES`].
    pub(crate) fn counts(&self) -> Vec<(&'static str, u64)> {
        TokenRejection::CODES
            .iter()
            .zip(&self.codes)
            .map(|(code, state)| (*code, state.total.load(Ordering::Relaxed)))
            .collect()
    }
}

fn line(rejection: &TokenRejection, mode: Mode) {
    match mode {
        Mode::Enforce => tracing::info!(
            code = %rejection.code(),
            reason = %rejection,
            "Approov token rejected"
        ),
        Mode::Monitor => tracing::warn!(
            code = %rejection.code(),
            reason = %rejection,
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
