//! Key pairs to mint public-key tokens with, and why minting can fail.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use rand::rngs::OsRng;
use rand::RngCore as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::Algorithm;

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
    pub(super) fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, MintError> {
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
