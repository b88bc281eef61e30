//! The claims of a verified Approov token.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ApproovClaims {
    /// Expiry, in seconds since the Unix epoch.
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

// Written out rather than derived: `#[serde(flatten)]` first buffers every claim into
// an intermediate tree, and this runs on every request.
impl<'de> Deserialize<'de> for ApproovClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClaimsVisitor)
    }
}

struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = ApproovClaims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims with a numeric exp")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ApproovClaims, A::Error> {
        let mut exp = None;
        let (mut ip, mut did, mut arc, mut pay) = (None, None, None, None);
        let mut other = Map::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let slot = match &*key {
                "exp" => {
                    if exp.is_some() {
                        return Err(de::Error::duplicate_field("exp"));
                    }
                    exp = Some(map.next_value::<NumericDate>()?.0);
                    continue;
                }
                "ip" => &mut ip,
                "did" => &mut did,
                "arc" => &mut arc,
                "pay" => &mut pay,
                _ => {
                    let value = map.next_value::<Value>()?;
                    if other.insert(key.into_owned(), value).is_some() {
                        return Err(de::Error::custom("a claim appears twice"));
                    }
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom("a claim appears twice"));
            }
            *slot = map.next_value::<Option<String>>()?;
        }
        Ok(ApproovClaims {
            exp: exp.ok_or_else(|| de::Error::missing_field("exp"))?,
            ip,
            did,
            arc,
            pay,
            other,
        })
    }
}

/// A JWT NumericDate: a non-negative JSON number of seconds. A fraction is dropped.
struct NumericDate(u64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        if seconds.is_finite() && seconds >= 0.0 && seconds < u64::MAX as f64 {
            // Truncation is the intended rounding for a NumericDate.
            Ok(NumericDate(seconds as u64))
        } else {
            Err(de::Error::custom("exp is not a non-negative number"))
        }
    }
}
