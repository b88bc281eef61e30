//! The claims of a verified Approov token.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The claims of a verified Approov token, handed to the request handler.
///
/// `exp` is always there (a token without it is rejected); the Approov claims are
/// typed; every other claim (`iss`, `aud`, `sub`, `iat`, `ipk`, ...) is kept as JSON in
/// [`other`](Self::other).
///
/// ```
/// # fn main() -> Result<(), serde_json::Error> {
/// let claims: approov_core::ApproovClaims = serde_json::from_str(
///     r#"{"exp":1999999999,"did":"device-1","iss":"approov.io"}"#,
/// )?;
/// assert_eq!(claims.did.as_deref(), Some("device-1"));
/// assert_eq!(claims.other["iss"], "approov.io");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApproovClaims {
    /// Expiry, in seconds since the Unix epoch.
    #[serde(deserialize_with = "numeric_date")]
    pub exp: u64,
    /// The IP address of the app when it fetched the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The device ID Approov gave the app's device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// The annotation (attestation response code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arc: Option<String>,
    /// The token binding: base64 of the SHA-256 of the bound header's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay: Option<String>,
    /// Every other claim the token carries.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A JWT NumericDate: a non-negative JSON number of seconds. A fraction is dropped.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let seconds = f64::deserialize(deserializer)?;
    if seconds.is_finite() && seconds >= 0.0 && seconds < u64::MAX as f64 {
        // Truncation is the intended rounding for a NumericDate.
        Ok(seconds as u64)
    } else {
        Err(serde::de::Error::custom("exp is not a non-negative number"))
    }
}
