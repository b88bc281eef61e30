//! What every check of one verifier follows. A verifier and each
//! [`Verification`](crate::Verification) it makes share it, so a verification's later
//! checks (a binding, a message signature) decide and log as the verifier's did.

use std::sync::Arc;

use crate::binding::Binding;
use crate::client_status::StatusHeaders;
use crate::config::Mode;
use crate::headers::RequestHeaders;
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
    /// Where the app's `Approov-Status` and `Approov-TraceID` are read from.
    pub(crate) status_headers: StatusHeaders,
}

impl Policy {
    /// Counts and logs a failed check (at `info`, or `warn` in monitor mode), with
    /// the status and trace ID `headers` carry.
    pub(crate) fn log_failure<'h, H: RequestHeaders<'h>>(
        &self,
        rejection: &TokenRejection,
        headers: &H,
    ) {
        let client = self.status_headers.read(headers);
        self.log.failed_check(rejection, self.mode, client);
    }
}

impl Policy {
    /// Refuses a binding to the header that carries the token.
    pub(crate) fn check_binding(&self, binding: &Binding) -> Result<(), TokenRejection> {
        match binding
            .headers()
            .iter()
            .find(|header| header.name().eq_ignore_ascii_case(self.token_header.name()))
        {
            Some(header) => Err(TokenRejection::BindsTokenHeader {
                header: header.clone(),
            }),
            None => Ok(()),
        }
    }
}
