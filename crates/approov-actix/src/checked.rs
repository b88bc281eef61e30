//! The middleware's proof that it checked a request, which the extractors read.

use approov_core::Verification;

/// The middleware's record of its check, in the request extensions. Private: no
/// other code can put one there, so an extractor that finds one knows the check ran
/// (a public `ApproovClaims` there proves nothing).
#[derive(Clone)]
pub(crate) struct Checked(pub(crate) Verification);
