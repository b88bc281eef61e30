//! Secrets and tokens for tests, valid and hostile.

use approov_core::{ApproovVerifier, KeySet, TokenMinter};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};

use crate::TestKeys;

/// A random secret made for one test run, with the verifier and minter it configures,
/// and the public keys of [`TestKeys::shared`] beside it: the key set every adapter
/// and example is tested with.
#[derive(Debug, Clone)]
pub struct TestSecret {
    bytes: Vec<u8>,
    base64: String,
    minter: TokenMinter,
}

impl TestSecret {
    /// A fresh 64-byte secret whose standard base64 holds both `+` and `/`, the two
    /// characters that set the standard alphabet apart from base64url.
    pub fn new() -> Self {
        loop {
            let mut bytes = vec![0u8; 64];
            rand::thread_rng().fill_bytes(&mut bytes);
            let base64 = STANDARD.encode(&bytes);
            if base64.contains('+') && base64.contains('/') {
                if let Ok(minter) = TokenMinter::from_base64_secret(&base64) {
                    return TestSecret {
                        bytes,
                        base64,
                        minter,
                    };
                }
            }
        }
    }

    /// The secret as `APPROOV_BASE64_SECRET` holds it.
    pub fn base64(&self) -> &str {
        &self.base64
    }

    /// The secret as `APPROOV_BASE64URL_SECRET` holds it: base64url, unpadded, as
    /// `approov secret -get base64url` prints it.
    pub fn base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.bytes)
    }

    /// The raw secret bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The key pairs of this process (generated on first use).
    pub fn keys(&self) -> &'static TestKeys {
        TestKeys::shared()
    }

    /// The JWKS of the public keys [`verifier`](Self::verifier) has, as
    /// `APPROOV_JWKS` holds it: a server started with this and the secret answers
    /// every case of the table.
    pub fn jwks_json(&self) -> String {
        self.keys().jwks_json()
    }

    /// The key set [`verifier`](Self::verifier) has: this secret (no `kid`) and the
    /// public keys of [`jwks_json`](Self::jwks_json).
    pub fn key_set(&self) -> KeySet {
        KeySet::new()
            .with_hs256_secret(&self.bytes)
            .and_then(|keys| keys.with_keys(self.keys().key_set().clone()))
            .unwrap_or_else(|e| panic!("the test key set: {e}"))
    }

    /// A verifier with this secret and the test public keys ([`key_set`](Self::key_set))
    /// and the default settings, but for logging: it logs every failure (no rate
    /// limit), so tests can check the reason of each.
    pub fn verifier(&self) -> ApproovVerifier {
        ApproovVerifier::from_keys(self.key_set()).with_log_limit(None)
    }

    /// A real-shaped valid token: expires in `expires_in` seconds, bound to
    /// `bind_header_value` when given.
    pub fn token(&self, expires_in: i64, bind_header_value: Option<&str>) -> String {
        self.token_bound_to(expires_in, bind_header_value.as_slice())
    }

    /// A real-shaped valid token bound to these header values, in order (none: unbound).
    pub fn token_bound_to(&self, expires_in: i64, bound_header_values: &[&str]) -> String {
        let values: Vec<&[u8]> = bound_header_values.iter().map(|v| v.as_bytes()).collect();
        match self.minter.approov_token(expires_in, &values) {
            Ok(token) => token,
            Err(e) => unreachable!("minting JSON claims cannot fail: {e}"),
        }
    }

    /// A token with exactly these claims, HS256-signed with this secret.
    pub fn token_with_claims(&self, claims: &Value) -> String {
        forge(
            Alg::Hs256,
            &self.bytes,
            &serde_json::json!({"alg":"HS256","typ":"JWT"}),
            claims,
        )
    }
}

impl Default for TestSecret {
    fn default() -> Self {
        Self::new()
    }
}

/// How [`forge`] signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// HMAC-SHA256.
    Hs256,
    /// HMAC-SHA384.
    Hs384,
    /// HMAC-SHA512.
    Hs512,
    /// No signature: the third segment is empty.
    Unsigned,
}

/// Builds a compact JWS from any header and claims JSON, signed with `alg` and
/// `secret` whatever the header claims — the way an attacker would.
pub fn forge(alg: Alg, secret: &[u8], header: &Value, claims: &Value) -> String {
    forge_raw(
        alg,
        secret,
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
    )
}

/// As [`forge`], with the header and payload segments' bytes given verbatim (for
/// payloads that are not JSON objects, or not JSON at all).
pub fn forge_raw(alg: Alg, secret: &[u8], header: &[u8], payload: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = match alg {
        Alg::Hs256 => mac::<Hmac<Sha256>>(secret, &signing_input),
        Alg::Hs384 => mac::<Hmac<Sha384>>(secret, &signing_input),
        Alg::Hs512 => mac::<Hmac<Sha512>>(secret, &signing_input),
        Alg::Unsigned => Vec::new(),
    };
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], input: &str) -> Vec<u8> {
    match <M as Mac>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}
