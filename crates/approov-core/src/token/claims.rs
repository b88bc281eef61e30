//! The claims of a verified Approov token.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::TokenRejection;

/// The claims of a verified Approov token, handed to the request handler.
///
/// `exp` is always there (a token without it is rejected) and `nbf`, when present, has
/// been checked. The Approov claims (`ip`, `did`, `arc`, `pay`, `ipk`) are typed when
/// they are strings; a claim of another JSON type never fails a validly signed token,
/// it is kept as JSON in [`other`](Self::other) with every other claim (`iss`, `aud`,
/// `sub`, `iat`, ...). `iat` is not checked: a server clock a little behind Approov's
/// would turn a fresh token's `iat` into false rejections.
///
/// ```
/// # fn main() -> Result<(), serde_json::Error> {
/// let claims: approov_core::ApproovClaims = serde_json::from_str(
///     r#"{"exp":1999999999,"did":"device-1","iss":"approov.io","ip":5}"#,
/// )?;
/// assert_eq!(claims.did.as_deref(), Some("device-1"));
/// assert_eq!(claims.other["iss"], "approov.io");
/// assert_eq!((claims.ip, &claims.other["ip"]), (None, &serde_json::json!(5)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ApproovClaims {
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Not before, in seconds since the Unix epoch, when the token has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The IP address of the app when it fetched the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The device ID Approov gave the app's device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// The annotation (attestation response code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arc: Option<String>,
    /// The token binding: base64 of the SHA-256 of the bound headers' values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay: Option<String>,
    /// The installation public key (base64 of a DER SubjectPublicKeyInfo), for
    /// message signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipk: Option<String>,
    /// Every other claim the token carries, and a typed claim that is not a string.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ApproovClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(ClaimsVisitor)?
            .map_err(|rejection| de::Error::custom(rejection.to_string()))
    }
}

/// Parses a verified token's payload with serde_json: the rejection says what is
/// wrong with it.
pub(crate) fn parse_claims(json: &[u8]) -> Result<ApproovClaims, TokenRejection> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let claims = match deserializer.deserialize_map(ClaimsVisitor) {
        Ok(claims) => claims?,
        Err(e) if e.is_data() => return Err(TokenRejection::InvalidClaims("not a JSON object")),
        Err(_) => return Err(TokenRejection::InvalidClaims("payload is not JSON")),
    };
    deserializer
        .end()
        .map_err(|_| TokenRejection::InvalidClaims("payload is not JSON"))?;
    Ok(claims)
}

// Written out rather than derived: `#[serde(flatten)]` first buffers every claim into
// an intermediate tree, and this runs on every request. It returns the claims' own
// problems as a rejection beside JSON syntax errors.
struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = Result<ApproovClaims, TokenRejection>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut claims = Claims::default();
        while let Some(ClaimName(key)) = map.next_key::<ClaimName<'de>>()? {
            let accepted = match &*key {
                "exp" => claims.exp.set(map.next_value::<NumericDate>()?, "exp"),
                "nbf" => claims.nbf.set(map.next_value::<NumericDate>()?, "nbf"),
                "ip" | "did" | "arc" | "pay" | "ipk" => {
                    let value = map.next_value::<Value>()?;
                    claims.typed(key, value)
                }
                _ => {
                    let value = map.next_value::<Value>()?;
                    claims.other(key, value)
                }
            };
            if let Err(rejection) = accepted {
                // The rest of the object must still be read for the JSON to end well.
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Err(rejection));
            }
        }
        Ok(claims.finish().ok_or(TokenRejection::MissingExpiry))
    }
}

impl Claims {
    /// The claims read, or `None` without an `exp`.
    fn finish(self) -> Option<ApproovClaims> {
        let Claims {
            exp: Slot(exp),
            nbf: Slot(nbf),
            ip,
            did,
            arc,
            pay,
            ipk,
            other,
            typed_seen: _,
        } = self;
        Some(ApproovClaims {
            exp: exp?,
            nbf,
            ip,
            did,
            arc,
            pay,
            ipk,
            other,
        })
    }
}

const TWICE: TokenRejection = TokenRejection::InvalidClaims("a claim appears twice");

/// The claims as they are read.
#[derive(Default)]
struct Claims {
    exp: Slot,
    nbf: Slot,
    ip: Option<String>,
    did: Option<String>,
    arc: Option<String>,
    pay: Option<String>,
    ipk: Option<String>,
    other: Map<String, Value>,
    /// Which of [`TYPED`] have been read, one bit each.
    typed_seen: u8,
}

/// The typed string claims, in the order of [`Claims::typed_seen`]'s bits.
pub(crate) const TYPED: [&str; 5] = ["ip", "did", "arc", "pay", "ipk"];

/// A NumericDate claim, read at most once.
#[derive(Default)]
struct Slot(Option<u64>);

impl Slot {
    fn set(&mut self, date: NumericDate, name: &str) -> Result<(), TokenRejection> {
        if self.0.is_some() {
            return Err(TWICE);
        }
        let Some(seconds) = date.0 else {
            return Err(TokenRejection::InvalidClaims(if name == "exp" {
                "exp is not a NumericDate"
            } else {
                "nbf is not a NumericDate"
            }));
        };
        self.0 = Some(seconds);
        Ok(())
    }
}

impl Claims {
    /// A claim typed when it is a string; of another JSON type, kept untyped: never a
    /// reason to refuse the token.
    fn typed(&mut self, key: Cow<'_, str>, value: Value) -> Result<(), TokenRejection> {
        let slot = match &*key {
            "ip" => &mut self.ip,
            "did" => &mut self.did,
            "arc" => &mut self.arc,
            "pay" => &mut self.pay,
            _ => &mut self.ipk,
        };
        let bit = 1 << TYPED.iter().position(|name| *name == key).unwrap_or(0);
        // Seen already, even as `null` (which leaves no other trace).
        if self.typed_seen & bit != 0 {
            return Err(TWICE);
        }
        self.typed_seen |= bit;
        match value {
            Value::String(text) => *slot = Some(text),
            Value::Null => {}
            value => {
                self.other.insert(key.into_owned(), value);
            }
        }
        Ok(())
    }

    fn other(&mut self, key: Cow<'_, str>, value: Value) -> Result<(), TokenRejection> {
        match self.other.insert(key.into_owned(), value) {
            Some(_) => Err(TWICE),
            None => Ok(()),
        }
    }
}

/// A claim's name, borrowed from the payload unless it has escapes: serde's own
/// `Cow<str>` always copies, and names are read on every request.
struct ClaimName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ClaimNameVisitor)
    }
}

struct ClaimNameVisitor;

impl<'de> Visitor<'de> for ClaimNameVisitor {
    type Value = ClaimName<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<ClaimName<'de>, E> {
        Ok(ClaimName(Cow::Borrowed(name)))
    }

    fn visit_str<E>(self, name: &str) -> Result<ClaimName<'de>, E> {
        Ok(ClaimName(Cow::Owned(name.to_owned())))
    }

    fn visit_string<E>(self, name: String) -> Result<ClaimName<'de>, E> {
        Ok(ClaimName(Cow::Owned(name)))
    }
}

/// A JWT NumericDate (a non-negative JSON number of seconds; a fraction is dropped),
/// or `None` for any other JSON value.
struct NumericDate(Option<u64>);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumericDateVisitor)
    }
}

struct NumericDateVisitor;

impl<'de> Visitor<'de> for NumericDateVisitor {
    type Value = NumericDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_u64<E>(self, v: u64) -> Result<NumericDate, E> {
        Ok(NumericDate(Some(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<NumericDate, E> {
        Ok(NumericDate(u64::try_from(v).ok()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<NumericDate, E> {
        // Truncation is the intended rounding for a NumericDate.
        let valid = v.is_finite() && v >= 0.0 && v < u64::MAX as f64;
        Ok(NumericDate(valid.then_some(v as u64)))
    }

    fn visit_str<E>(self, _: &str) -> Result<NumericDate, E> {
        Ok(NumericDate(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<NumericDate, E> {
        Ok(NumericDate(None))
    }

    fn visit_unit<E>(self) -> Result<NumericDate, E> {
        Ok(NumericDate(None))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<NumericDate, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(NumericDate(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NumericDate, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(NumericDate(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(json: &str) -> Result<ApproovClaims, TokenRejection> {
        parse_claims(json.as_bytes())
    }

    #[test]
    fn exp_and_nbf_must_be_numeric_dates() {
        assert_eq!(parsed(r#"{"did":"d"}"#), Err(TokenRejection::MissingExpiry));
        for bad in [r#""5""#, "-1", "null", "true", "[5]", r#"{"a":1}"#, "1e300"] {
            assert!(
                matches!(
                    parsed(&format!(r#"{{"exp":{bad}}}"#)),
                    Err(TokenRejection::InvalidClaims(_))
                ),
                "exp {bad}"
            );
            assert!(
                matches!(
                    parsed(&format!(r#"{{"exp":5,"nbf":{bad}}}"#)),
                    Err(TokenRejection::InvalidClaims(_))
                ),
                "nbf {bad}"
            );
        }
        let claims = parsed(r#"{"exp":5.9,"nbf":3}"#).map(|c| (c.exp, c.nbf));
        assert_eq!(claims, Ok((5, Some(3))));
    }

    #[test]
    fn typed_claims_of_another_type_are_kept_as_json() {
        let claims = parsed(r#"{"exp":5,"did":5,"ip":["x"],"arc":{"a":1},"pay":true,"ipk":"k"}"#);
        let claims = claims.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((claims.did, claims.ip, claims.pay), (None, None, None));
        assert_eq!(claims.ipk.as_deref(), Some("k"));
        assert_eq!(claims.other["did"], 5);
        assert_eq!(claims.other["arc"]["a"], 1);
    }

    #[test]
    fn a_claim_twice_is_rejected() {
        for json in [
            r#"{"exp":5,"exp":6}"#,
            r#"{"exp":5,"did":"a","did":"b"}"#,
            r#"{"exp":5,"did":1,"did":"b"}"#,
            r#"{"exp":5,"iss":"a","iss":"b"}"#,
            r#"{"exp":5,"did":null,"did":"b"}"#,
            r#"{"exp":5,"did":null,"did":null}"#,
            r#"{"exp":5,"ipk":"a","ipk":null}"#,
            r#"{"exp":5,"pay":null,"pay":7}"#,
        ] {
            assert_eq!(
                parsed(json),
                Err(TokenRejection::InvalidClaims("a claim appears twice")),
                "{json}"
            );
        }
    }

    #[test]
    fn not_an_object_or_not_json() {
        for json in ["[]", "5", r#""exp""#] {
            assert_eq!(
                parsed(json),
                Err(TokenRejection::InvalidClaims("not a JSON object"))
            );
        }
        for json in ["exp=1", r#"{"exp":5"#, r#"{"exp":5} x"#] {
            assert_eq!(
                parsed(json),
                Err(TokenRejection::InvalidClaims("payload is not JSON"))
            );
        }
    }
}
