//! The one place rejections are logged.

use crate::{Mode, TokenRejection};

/// Logs a failed check once, with its code and reason (never the token): at `info`
/// when the request is refused, at `warn` in monitor mode, where it goes on.
pub(crate) fn failed_check(rejection: &TokenRejection, mode: Mode) {
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
