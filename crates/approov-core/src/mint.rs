//! Minting tokens, for tests, docs and the `approov-token` tool. Behind the `mint`
//! feature: a server never needs it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;
use thiserror::Error;

use crate::config::{Env, Secret};
use crate::{binding_claim, ConfigError, SecretEncoding};

/// The JOSE header of every minted token: `{"alg":"HS256","typ":"JWT"}`.
const HS256_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Why a token could not be minted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MintError {
    /// The claims could not be serialized to JSON.
    #[error("the claims are not serializable to JSON: {0}")]
    Claims(#[from] serde_json::Error),
}

/// Mints HS256 Approov tokens with a secret — what the Approov service does for a
/// genuine app. For tests, demos and the `approov-token` tool.
///
/// ```
/// use approov_core::{ApproovVerifier, TokenMinter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
/// let token = TokenMinter::from_base64_secret(secret)?.approov_token(300, &[])?;
/// let claims = ApproovVerifier::from_base64_secret(secret)?.verify(&token)?;
/// assert!(claims.pay.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenMinter {
    secret: Secret,
}

impl fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenMinter")
            .field("secret", &self.secret)
            .finish()
    }
}

impl TokenMinter {
    /// Uses a secret given as standard base64.
    ///
    /// # Errors
    /// The string is empty or not standard base64.
    pub fn from_base64_secret(secret: &str) -> Result<Self, ConfigError> {
        Self::from_secret(
            secret,
            SecretEncoding::Base64,
            "the secret given to from_base64_secret",
        )
    }

    /// Uses a secret given as base64url, padded or not.
    ///
    /// # Errors
    /// The string is empty or not base64url.
    pub fn from_base64url_secret(secret: &str) -> Result<Self, ConfigError> {
        Self::from_secret(
            secret,
            SecretEncoding::Base64Url,
            "the secret given to from_base64url_secret",
        )
    }

    /// Uses a secret written in `encoding`; `origin` says where it came from (a
    /// command-line flag, say) in the error when it does not decode.
    ///
    /// # Errors
    /// The string is empty or does not decode.
    pub fn from_secret(
        secret: &str,
        encoding: SecretEncoding,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        Secret::decode(secret, encoding, origin).map(|secret| TokenMinter { secret })
    }

    /// Reads the secret as [`ApproovVerifier::from_env`](crate::ApproovVerifier::from_env)
    /// does: `APPROOV_BASE64URL_SECRET` and/or `APPROOV_BASE64_SECRET`, from the
    /// environment or `./.env`.
    ///
    /// # Errors
    /// As `ApproovVerifier::from_env`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Secret::from_env(&Env::process()).map(|secret| TokenMinter { secret })
    }

    /// Reads the secret from the variable `var` (or `./.env`), written in `encoding`.
    ///
    /// # Errors
    /// The variable is missing, empty or does not decode.
    pub fn from_env_var(var: &str, encoding: SecretEncoding) -> Result<Self, ConfigError> {
        Secret::from_env_var(&Env::process(), var, encoding).map(|secret| TokenMinter { secret })
    }

    /// A token shaped like one the Approov service issues: `exp` in `expires_in`
    /// seconds (negative for an expired token), `iat` now, a `did`, and — when
    /// `bound_header_values` is not empty — a `pay` claim binding it to those header
    /// values, in order.
    ///
    /// # Errors
    /// Signing failed.
    pub fn approov_token(
        &self,
        expires_in: i64,
        bound_header_values: &[&[u8]],
    ) -> Result<String, MintError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let mut claims = json!({
            "exp": now.saturating_add(expires_in).max(0),
            "iat": now,
            "did": "ExampleApproovDeviceID==",
        });
        if let (false, Some(object)) = (bound_header_values.is_empty(), claims.as_object_mut()) {
            object.insert(
                "pay".into(),
                binding_claim(bound_header_values.iter().copied()).into(),
            );
        }
        self.mint(&claims)
    }

    /// Signs any claims as an HS256 token.
    ///
    /// # Errors
    /// The claims do not serialize to JSON.
    pub fn mint(&self, claims: &impl Serialize) -> Result<String, MintError> {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?);
        let signing_input = format!("{HS256_HEADER}.{payload}");
        let signature = self.sign(signing_input.as_bytes());
        Ok(format!("{signing_input}.{signature}"))
    }

    /// The base64url HMAC-SHA256 of `signing_input`: the third segment of a token.
    pub fn sign(&self, signing_input: &[u8]) -> String {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.secret.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(signing_input);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}
