//! The guards' error.

use approov_core::TokenRejection;

/// Why an Approov guard failed; the reason is already logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproovError {
    /// The token was rejected: the request fails with 401.
    Rejected(TokenRejection),
    /// No [`ApproovVerifier`](approov_core::ApproovVerifier) is managed: 500. Launch
    /// normally stops before this can happen.
    NotConfigured,
}

impl std::fmt::Display for ApproovError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApproovError::Rejected(reason) => reason.fmt(f),
            ApproovError::NotConfigured => f.write_str("no ApproovVerifier is managed"),
        }
    }
}

impl std::error::Error for ApproovError {}
