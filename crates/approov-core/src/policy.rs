//! What every check of one verifier follows. A verifier and each
//! [`Verification`](crate::Verification) it makes share it, so a verification's later
//! checks (a binding, a message signature) decide and log as the verifier's did.

use std::sync::Arc;

use crate::config::Mode;
use crate::log::RejectionLog;
use crate::message_signing::MessageSigning;
use crate::rejection::TokenRejection;
use crate::token_header::TokenHeader;

/// The settings of a verifier's checks (its keys live apart, in the key store).
#[derive(Clone)]
pub(crate) struct Policy {
    /// Seconds a token is accepted past its `exp` and before its `nbf`.
    pub(crate) leeway: u64,
    pub(crate) token_header: TokenHeader,
    pub(crate) mode: Mode,
    pub(crate) log: Arc<RejectionLog>,
    pub(crate) message_signing: MessageSigning,
}

impl Policy {
    /// Counts and logs a failed check (at `info`, or `warn` in monitor mode).
    pub(crate) fn log_failure(&self, rejection: &TokenRejection) {
        self.log.failed_check(rejection, self.mode);
    }
}
