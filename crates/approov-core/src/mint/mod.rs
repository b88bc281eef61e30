//! Minting tokens, for tests, docs and the `approov-token` tool. Behind the `mint`
//! feature: a server never needs it.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;

mod signing_key;

pub use signing_key::{MintError, SigningKey};

use crate::config::{Env, Secret};
use crate::{binding_claim, Algorithm, ConfigError, SecretEncoding};

/// The JOSE header of HS256 tokens without a `kid`: `{"alg":"HS256","typ":"JWT"}`.
const HS256_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Mints Approov tokens — what the Approov service does for a genuine app — with the
/// account's HS256 secret or with a keyset's private key ([`SigningKey`]), with or
/// without a `kid`. For tests, demos and the `approov-token` tool.
///
/// ```
/// use approov_core::{ApproovVerifier, TokenMinter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=";
/// let token = TokenMinter::from_base64_secret(secret)?.approov_token(300, &[])?;
/// let claims = ApproovVerifier::from_base64_secret(secret)?.verify(&token)?;
/// assert!(claims.pay.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenMinter {
    key: MintKey,
    kid: Option<String>,
    /// The JOSE header, base64url.
    header: String,
}

#[derive(Clone)]
enum MintKey {
    Secret(Secret),
    Private(Arc<SigningKey>),
}

impl fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key: &dyn fmt::Debug = match &self.key {
            MintKey::Secret(secret) => secret,
            MintKey::Private(key) => key,
        };
        f.debug_struct("TokenMinter")
            .field("key", key)
            .field("kid", &self.kid)
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
        Secret::decode(secret, encoding, origin).map(Self::with_secret)
    }

    /// Reads the secret as [`ApproovVerifier::from_env`](crate::ApproovVerifier::from_env)
    /// does: `APPROOV_BASE64URL_SECRET` and/or `APPROOV_BASE64_SECRET`, from the
    /// environment or `./.env`.
    ///
    /// # Errors
    /// As `ApproovVerifier::from_env`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Secret::from_env(&Env::process()).map(Self::with_secret)
    }

    /// Reads the secret from the variable `var` (or `./.env`), written in `encoding`.
    ///
    /// # Errors
    /// The variable is missing, empty or does not decode.
    pub fn from_env_var(var: &str, encoding: SecretEncoding) -> Result<Self, ConfigError> {
        Secret::from_env_var(&Env::process(), var, encoding).map(Self::with_secret)
    }

    fn with_secret(secret: Secret) -> Self {
        TokenMinter {
            key: MintKey::Secret(secret),
            kid: None,
            header: HS256_HEADER.to_owned(),
        }
    }

    /// Mints with a private key, naming it by its key id.
    pub fn from_signing_key(key: SigningKey) -> Self {
        let kid = key.kid().to_owned();
        TokenMinter {
            key: MintKey::Private(Arc::new(key)),
            kid: None,
            header: String::new(),
        }
        .with_kid(&kid)
    }

    /// Names `kid` in the JOSE header of every token (for a private key, instead of its
    /// own key id): `{"alg":...,"kid":...,"typ":"JWT"}`.
    pub fn with_kid(mut self, kid: &str) -> Self {
        self.kid = Some(kid.to_owned());
        let header = json!({"alg": self.algorithm().name(), "kid": kid, "typ": "JWT"});
        self.header = URL_SAFE_NO_PAD.encode(header.to_string());
        self
    }

    /// The algorithm tokens are signed with.
    pub fn algorithm(&self) -> Algorithm {
        match &self.key {
            MintKey::Secret(_) => Algorithm::HS256,
            MintKey::Private(key) => key.algorithm(),
        }
    }

    /// The key id tokens name, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
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

    /// Signs any claims, with this minter's JOSE header.
    ///
    /// # Errors
    /// The claims do not serialize to JSON, or signing failed.
    pub fn mint(&self, claims: &impl Serialize) -> Result<String, MintError> {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?);
        let signing_input = format!("{}.{payload}", self.header);
        let signature = self.sign(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{signature}"))
    }

    /// The base64url signature of `signing_input` (HMAC-SHA256 with a secret, the
    /// key's algorithm with a private key), whatever header it holds: the third
    /// segment of a token.
    ///
    /// # Errors
    /// The private key's signer failed.
    pub fn sign(&self, signing_input: &[u8]) -> Result<String, MintError> {
        let signature = match &self.key {
            MintKey::Secret(secret) => {
                let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret.bytes()) {
                    Ok(mac) => mac,
                    Err(_) => unreachable!("HMAC accepts keys of any length"),
                };
                mac.update(signing_input);
                mac.finalize().into_bytes().to_vec()
            }
            MintKey::Private(key) => key.sign(signing_input)?,
        };
        Ok(URL_SAFE_NO_PAD.encode(signature))
    }
}
