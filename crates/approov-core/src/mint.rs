//! Minting tokens, for tests, docs and the `approov-token` tool. Behind the `mint`
//! feature: a server never needs it.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use hmac::{Hmac, Mac};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use rand::rngs::OsRng;
use rand::RngCore as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::traits::PublicKeyParts as _;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::Sha256;
use thiserror::Error;

use crate::config::{Env, Secret};
use crate::{binding_claim, Algorithm, ConfigError, SecretEncoding};

/// The JOSE header of HS256 tokens without a `kid`: `{"alg":"HS256","typ":"JWT"}`.
const HS256_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Why a token could not be minted, or a key pair made or read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MintError {
    /// The claims could not be serialized to JSON.
    #[error("the claims are not serializable to JSON: {0}")]
    Claims(#[from] serde_json::Error),
    /// HS256 is signed with a secret: there is no key pair.
    #[error("HS256 tokens are signed with a secret, not a key pair: use TokenMinter::from_base64url_secret")]
    NotAKeyPair,
    /// The private key cannot be read or used for its algorithm.
    #[error("the {alg} private key cannot be used: {reason}")]
    Key {
        /// The algorithm it was meant for.
        alg: Algorithm,
        /// What is wrong with it.
        reason: String,
    },
    /// The signer failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A private key to mint tokens with (RS256, PS256, ES256 or EdDSA), with its key id,
/// and its public half as a JWK, a PEM and DER: to try every case of a key set by
/// hand, and for tests. Generated here or read from a PKCS#8 PEM file.
///
/// ```
/// use approov_core::{Algorithm, ApproovVerifier, KeySet, SigningKey, TokenMinter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = SigningKey::generate(Algorithm::ES256, "dev-es256")?;
/// let jwks = SigningKey::jwks([&key]); // what the server is given, as APPROOV_JWKS
/// let verifier = ApproovVerifier::from_keys(KeySet::from_jwks_json(&jwks)?);
///
/// let token = TokenMinter::from_signing_key(key.clone()).approov_token(300, &[])?;
/// assert!(verifier.verify(&token).is_ok());
///
/// // The private key, to keep in a file and read again.
/// let again = SigningKey::from_pem(Algorithm::ES256, "dev-es256", key.private_key_pem())?;
/// assert_eq!(again.public_jwk(), key.public_jwk());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    kid: String,
    /// What jsonwebtoken's signer reads: PKCS#8 DER for P-256 and Ed25519, PKCS#1 DER
    /// for RSA.
    encoding: jsonwebtoken::EncodingKey,
    private_pem: String,
    public_pem: String,
    public_der: Vec<u8>,
    /// The key's own JWK members (`kty`, `crv`, `x`, `y`, `n`, `e`).
    public_jwk: Map<String, Value>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

impl SigningKey {
    /// A new key pair for `alg` (P-256 for ES256, Ed25519 for EdDSA, RSA 2048 bits
    /// for RS256 and PS256 — which takes a while in a debug build), from the
    /// operating system's random numbers.
    ///
    /// # Errors
    /// `alg` is HS256, or the key could not be encoded.
    pub fn generate(alg: Algorithm, kid: &str) -> Result<Self, MintError> {
        match alg {
            Algorithm::ES256 => Self::p256(kid, &p256::SecretKey::random(&mut OsRng)),
            Algorithm::EdDSA => {
                let mut seed = [0u8; 32];
                OsRng.fill_bytes(&mut seed);
                Self::ed25519(kid, &ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            Algorithm::RS256 | Algorithm::PS256 => {
                let key =
                    rsa::RsaPrivateKey::new(&mut OsRng, 2048).map_err(|e| MintError::Key {
                        alg,
                        reason: e.to_string(),
                    })?;
                Self::rsa(alg, kid, &key)
            }
            Algorithm::HS256 => Err(MintError::NotAKeyPair),
        }
    }

    /// Reads a private key from PEM: `-----BEGIN PRIVATE KEY-----` (PKCS#8, as
    /// [`private_key_pem`](Self::private_key_pem) and `openssl genpkey` write it), or
    /// `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1) for RS256 and PS256, or `-----BEGIN
    /// EC PRIVATE KEY-----` (SEC1) for ES256.
    ///
    /// # Errors
    /// `alg` is HS256, or the PEM is not a private key for `alg` (an RSA key must
    /// have at least 2048 bits).
    pub fn from_pem(alg: Algorithm, kid: &str, pem: &str) -> Result<Self, MintError> {
        let pem = pem.trim();
        let unusable = |reason: String| MintError::Key { alg, reason };
        match alg {
            Algorithm::ES256 => {
                let key = p256::SecretKey::from_pkcs8_pem(pem)
                    .or_else(|_| p256::SecretKey::from_sec1_pem(pem))
                    .map_err(|e| unusable(format!("not a P-256 private key: {e}")))?;
                Self::p256(kid, &key)
            }
            Algorithm::EdDSA => {
                let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
                    .map_err(|e| unusable(format!("not an Ed25519 private key: {e}")))?;
                Self::ed25519(kid, &key)
            }
            Algorithm::RS256 | Algorithm::PS256 => {
                let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
                    .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
                    .map_err(|e| unusable(format!("not an RSA private key: {e}")))?;
                if key.n().bits() < 2048 {
                    return Err(unusable(format!(
                        "an RSA key of {} bits is too short: at least 2048 are required",
                        key.n().bits()
                    )));
                }
                Self::rsa(alg, kid, &key)
            }
            Algorithm::HS256 => Err(MintError::NotAKeyPair),
        }
    }

    fn p256(kid: &str, key: &p256::SecretKey) -> Result<Self, MintError> {
        let alg = Algorithm::ES256;
        let encode = |e: &dyn fmt::Display| MintError::Key {
            alg,
            reason: e.to_string(),
        };
        let private_der = key.to_pkcs8_der().map_err(|e| encode(&e))?;
        let private_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| encode(&e))?;
        let public = key.public_key();
        let point = public.to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(encode(&"the public point is not uncompressed"));
        };
        let encoding = jsonwebtoken::EncodingKey::from_ec_der(private_der.as_bytes());
        let public_jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
        });
        Self::assemble(alg, kid, encoding, &private_pem, &public, public_jwk)
    }

    fn ed25519(kid: &str, key: &ed25519_dalek::SigningKey) -> Result<Self, MintError> {
        let alg = Algorithm::EdDSA;
        let encode = |e: &dyn fmt::Display| MintError::Key {
            alg,
            reason: e.to_string(),
        };
        let private_der = key.to_pkcs8_der().map_err(|e| encode(&e))?;
        let private_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| encode(&e))?;
        let public = key.verifying_key();
        let encoding = jsonwebtoken::EncodingKey::from_ed_der(private_der.as_bytes());
        let public_jwk = json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(public.as_bytes()),
        });
        Self::assemble(alg, kid, encoding, &private_pem, &public, public_jwk)
    }

    fn rsa(alg: Algorithm, kid: &str, key: &rsa::RsaPrivateKey) -> Result<Self, MintError> {
        let encode = |e: &dyn fmt::Display| MintError::Key {
            alg,
            reason: e.to_string(),
        };
        let pkcs1 = key.to_pkcs1_der().map_err(|e| encode(&e))?;
        let private_pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(key, LineEnding::LF)
            .map_err(|e| encode(&e))?;
        let public = key.to_public_key();
        let encoding = jsonwebtoken::EncodingKey::from_rsa_der(pkcs1.as_bytes());
        let public_jwk = json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        });
        Self::assemble(alg, kid, encoding, &private_pem, &public, public_jwk)
    }

    /// A key pair from its parts: the public key's PEM and DER are derived here, the
    /// JWK's key members (`kty`, `crv`, `x`...) come from the caller.
    fn assemble(
        alg: Algorithm,
        kid: &str,
        encoding: jsonwebtoken::EncodingKey,
        private_pem: &str,
        public: &impl EncodePublicKey,
        public_jwk: Value,
    ) -> Result<Self, MintError> {
        let encode = |e: &dyn fmt::Display| MintError::Key {
            alg,
            reason: e.to_string(),
        };
        Ok(SigningKey {
            alg,
            kid: kid.to_owned(),
            encoding,
            private_pem: private_pem.to_owned(),
            public_pem: public
                .to_public_key_pem(LineEnding::LF)
                .map_err(|e| encode(&e))?,
            public_der: public
                .to_public_key_der()
                .map_err(|e| encode(&e))?
                .into_vec(),
            public_jwk: jwk(public_jwk),
        })
    }

    /// The algorithm the key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id tokens name it by.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// This key under another key id (the same key pair).
    pub fn with_kid(mut self, kid: &str) -> Self {
        self.kid = kid.to_owned();
        self
    }

    /// The public key as a JWK: its members, `kid`, `alg` and `"use":"sig"`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.public_jwk.clone();
        jwk.insert("kid".into(), self.kid.clone().into());
        jwk.insert("alg".into(), self.alg.name().into());
        jwk.insert("use".into(), "sig".into());
        Value::Object(jwk)
    }

    /// A JWKS document, `{"keys":[...]}`, of the public keys of `keys`: what a server
    /// is given in `APPROOV_JWKS`, or serves at `APPROOV_JWKS_URL`.
    pub fn jwks<'k>(keys: impl IntoIterator<Item = &'k SigningKey>) -> String {
        let keys: Vec<Value> = keys.into_iter().map(SigningKey::public_jwk).collect();
        json!({ "keys": keys }).to_string()
    }

    /// The public key in PEM, `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo).
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// The public key in DER (SubjectPublicKeyInfo).
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    /// The private key in PEM, `-----BEGIN PRIVATE KEY-----` (PKCS#8), to keep in a
    /// file and read again with [`from_pem`](Self::from_pem). Never commit one.
    pub fn private_key_pem(&self) -> &str {
        &self.private_pem
    }

    /// The signature of `signing_input`, by jsonwebtoken's `rust_crypto` backend named
    /// here (never the process-wide provider).
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, MintError> {
        let factory = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.signer_factory;
        let signer = factory(&self.alg.jwt(), &self.encoding)
            .map_err(|e| MintError::Signing(e.to_string()))?;
        signer
            .try_sign(signing_input)
            .map_err(|e| MintError::Signing(e.to_string()))
    }
}

fn jwk(members: Value) -> Map<String, Value> {
    match members {
        Value::Object(members) => members,
        _ => Map::new(),
    }
}

/// Mints Approov tokens — what the Approov service does for a genuine app — with the
/// account's HS256 secret or with a keyset's private key ([`SigningKey`]), with or
/// without a `kid`. For tests, demos and the `approov-token` tool.
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
                let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&secret.0) {
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
