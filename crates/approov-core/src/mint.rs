//! Minting tokens, for tests, docs and the `approov-token` tool. Behind the `mint`
//! feature: a server never needs it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Serialize;
use serde_json::json;
use thiserror::Error;

use crate::config::{Secret, SECRET_ENV_VAR};
use crate::{binding_claim, ConfigError};

/// The JOSE header of every minted token: `{"alg":"HS256","typ":"JWT"}`.
const HS256_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Why a token could not be minted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MintError {
    /// The claims could not be serialized to JSON.
    #[error("the claims are not serializable to JSON: {0}")]
    Claims(#[from] serde_json::Error),
    /// The HMAC backend refused to sign.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Mints HS256 Approov tokens with a secret — what the Approov service does for a
/// genuine app. For tests, demos and the `approov-token` tool.
///
/// ```
/// use approov_core::{ApproovVerifier, TokenMinter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
/// let token = TokenMinter::from_base64_secret(secret)?.approov_token(300, None)?;
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
        Secret::from_base64(secret, SECRET_ENV_VAR).map(|secret| TokenMinter { secret })
    }

    /// Reads the secret from the environment variable `var` (or `./.env`).
    ///
    /// # Errors
    /// The variable is missing, empty or not standard base64.
    pub fn from_env_var(var: &str) -> Result<Self, ConfigError> {
        Secret::from_env(var).map(|secret| TokenMinter { secret })
    }

    /// A token shaped like one the Approov service issues: `exp` in `expires_in`
    /// seconds (negative for an expired token), `iat` now, a `did`, and — when
    /// `bind_header_value` is given — a `pay` claim binding it to that header value.
    ///
    /// # Errors
    /// Signing failed.
    pub fn approov_token(
        &self,
        expires_in: i64,
        bind_header_value: Option<&[u8]>,
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
        if let (Some(value), Some(object)) = (bind_header_value, claims.as_object_mut()) {
            object.insert("pay".into(), binding_claim(value).into());
        }
        self.mint(&claims)
    }

    /// Signs any claims as an HS256 token.
    ///
    /// # Errors
    /// The claims do not serialize to JSON, or signing failed.
    pub fn mint(&self, claims: &impl Serialize) -> Result<String, MintError> {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?);
        let signing_input = format!("{HS256_HEADER}.{payload}");
        let signature = self.sign(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{signature}"))
    }

    /// The base64url HMAC-SHA256 of `signing_input`: the third segment of a token.
    ///
    /// # Errors
    /// Signing failed.
    pub fn sign(&self, signing_input: &[u8]) -> Result<String, MintError> {
        let key = EncodingKey::from_secret(&self.secret.0);
        // Named backend, as in the verifier: never jsonwebtoken's process default.
        let signer = (DEFAULT_PROVIDER.signer_factory)(&Algorithm::HS256, &key)
            .map_err(|e| MintError::Sign(e.to_string()))?;
        let signature = signer
            .try_sign(signing_input)
            .map_err(|e| MintError::Sign(e.to_string()))?;
        Ok(URL_SAFE_NO_PAD.encode(signature))
    }
}
