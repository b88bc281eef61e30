//! The keys tokens are checked against: HS256 secrets and public keys, each pinned to
//! its algorithm, gathered in a [`KeySet`].

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use jsonwebtoken::DecodingKey;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::config::{Secret, MIN_SECRET_LEN};
use crate::TokenRejection;

/// A JWS algorithm (RFC 7518) a key is pinned to: a token is checked with a key only
/// when its `alg` is the key's.
///
/// ```
/// use approov_core::Algorithm;
///
/// assert_eq!("ES256".parse::<Algorithm>().ok(), Some(Algorithm::ES256));
/// assert!("es256".parse::<Algorithm>().is_err()); // JOSE names are case-sensitive
/// assert!(Algorithm::EdDSA.is_public_key());
/// assert_eq!(Algorithm::HS256.to_string(), "HS256");
/// ```
#[allow(clippy::upper_case_acronyms)] // the JOSE names
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA256 with a shared secret: Approov's default.
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, an RSA key of at least 2048 bits.
    RS256,
    /// RSASSA-PSS with SHA-256, an RSA key of at least 2048 bits.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// EdDSA on Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Every algorithm a key can be pinned to.
    pub const ALL: [Algorithm; 5] = [
        Algorithm::HS256,
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ];

    /// The JOSE name, as a token's `alg` and a JWK's `alg` write it.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::RS256 => "RS256",
            Algorithm::PS256 => "PS256",
            Algorithm::ES256 => "ES256",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Whether tokens of this algorithm are checked with a public key (all but HS256).
    pub const fn is_public_key(self) -> bool {
        !matches!(self, Algorithm::HS256)
    }

    /// The algorithm a JOSE `alg` names, exactly (case-sensitively).
    pub(crate) fn from_jose(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub(crate) fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    /// The JOSE name, case-sensitively: `HS256`, `RS256`, `PS256`, `ES256` or `EdDSA`.
    fn from_str(name: &str) -> Result<Self, KeyError> {
        Algorithm::from_jose(name).ok_or_else(|| KeyError::UnknownAlgorithm { name: shown(name) })
    }
}

/// Why a key, or a JWKS, cannot be used. Key ids in messages are quoted and cut to 64
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// An HS256 secret is empty.
    #[error("an HS256 secret is empty")]
    EmptySecret,
    /// A key id is empty.
    #[error("a key id (`kid`) is empty")]
    EmptyKid,
    /// Two keys have the same key id.
    #[error("two keys have the key id {kid}: a `kid` names one key")]
    DuplicateKid {
        /// The key id, quoted.
        kid: String,
    },
    /// An algorithm name that is not one of [`Algorithm::ALL`].
    #[error(
        "{name} is not an algorithm a key can be pinned to (HS256, RS256, PS256, ES256, EdDSA)"
    )]
    UnknownAlgorithm {
        /// The name, quoted.
        name: String,
    },
    /// A public key was given for HS256, which takes a secret.
    #[error("HS256 takes a secret, not a public key: give the key as an HS256 secret")]
    NotPublicKeyAlgorithm,
    /// A PEM public key cannot be used for its algorithm.
    #[error("the {alg} public key {kid} is not usable: {reason}")]
    PublicKey {
        /// The key id it was given, quoted.
        kid: String,
        /// The algorithm it was given for.
        alg: Algorithm,
        /// What is wrong with it.
        reason: String,
    },
    /// The JWKS is not JSON.
    #[error("the JWKS is not JSON: {reason}")]
    JwksNotJson {
        /// The parser's message.
        reason: String,
    },
    /// The JWKS is JSON but not an object with a `keys` array.
    #[error("the JWKS is not a JSON object with a `keys` array")]
    JwksShape,
    /// One key of the JWKS is refused.
    #[error("the JWKS key at index {index}{}: {reason}", kid.as_deref().map(|kid| format!(" (kid {kid})")).unwrap_or_default())]
    Jwk {
        /// Its position in `keys`, from 0.
        index: usize,
        /// Its key id, quoted, when it has a string one.
        kid: Option<String>,
        /// Why it is refused.
        reason: String,
    },
    /// The JWKS has no key for signature checks this verifier can use.
    #[error(
        "the JWKS has no key for checking signatures with RS256, PS256, ES256 or EdDSA \
         ({skipped} key(s) skipped: encryption keys, other algorithms or curves)"
    )]
    JwksNoUsableKey {
        /// How many keys were skipped.
        skipped: usize,
    },
}

/// A string from configuration or a fetched document, as an error message shows it:
/// quoted, escaped, at most 64 characters.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 64;
    let mut cut: String = text.chars().take(MAX).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// An HS256 key, kept as HMAC-SHA256 state already keyed with the secret: a check
/// clones it instead of running the key schedule again.
#[derive(Clone)]
pub(crate) struct HmacKey {
    keyed: Hmac<Sha256>,
}

impl HmacKey {
    pub(crate) fn new(secret: &[u8]) -> Self {
        // HMAC takes keys of any length; the error case cannot happen.
        let keyed = match <Hmac<Sha256> as Mac>::new_from_slice(secret) {
            Ok(keyed) => keyed,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        HmacKey { keyed }
    }

    /// Whether `signature` is the HMAC-SHA256 of `signing_input`, compared in
    /// constant time.
    pub(crate) fn verifies(&self, signing_input: &[u8], signature: &[u8; 32]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(signing_input);
        constant_time_eq(&mac.finalize().into_bytes(), signature)
    }
}

/// Whether `a` and `b` hold the same bytes, compared in constant time for slices of
/// the same length (a length is not secret): the differences of every eight bytes are
/// gathered without a branch, and only their sum goes through `subtle`'s comparison.
/// (`subtle`'s own slice comparison puts an optimisation barrier on every byte, which
/// cost a tenth of an HS256 check.)
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    let mut difference = 0u64;
    for (x, y) in a_words.iter().zip(b_words) {
        difference |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
    }
    for (x, y) in a_rest.iter().zip(b_rest) {
        difference |= u64::from(x ^ y);
    }
    bool::from(difference.ct_eq(&0))
}

/// An HS256 secret in a set, with its key id if it has one.
#[derive(Clone)]
pub(crate) struct SecretKey {
    kid: Option<Box<str>>,
    pub(crate) key: HmacKey,
    /// Tells two secrets apart without keeping their bytes.
    fingerprint: [u8; 32],
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid && self.fingerprint == other.fingerprint
    }
}

impl Eq for SecretKey {}

/// A public key in a set: its key id, the one algorithm it checks, the key.
#[derive(Clone)]
pub(crate) struct PublicKey {
    kid: Box<str>,
    alg: Algorithm,
    key: DecodingKey,
    /// The public key's canonical bytes, hashed: tells two keys apart.
    fingerprint: [u8; 32],
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid && self.alg == other.alg && self.fingerprint == other.fingerprint
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// Whether `signature` is this key's signature of `signing_input`, checked by
    /// jsonwebtoken's `rust_crypto` backend, named here so that the process-wide
    /// provider is never consulted.
    pub(crate) fn verifies(&self, signing_input: &[u8], signature: &Vec<u8>) -> bool {
        let factory = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.verifier_factory;
        factory(&self.alg.jwt(), &self.key)
            .is_ok_and(|verifier| verifier.verify(signing_input, signature).is_ok())
    }

    /// An RSA key from its modulus and exponent (big-endian), at least 2048 bits.
    pub(crate) fn rsa(kid: &str, alg: Algorithm, n: &[u8], e: &[u8]) -> Result<Self, String> {
        let key = rsa::RsaPublicKey::new(
            rsa::BigUint::from_bytes_be(n),
            rsa::BigUint::from_bytes_be(e),
        )
        .map_err(|e| format!("not an RSA public key: {e}"))?;
        let bits = key.n().bits();
        if bits < 2048 {
            return Err(format!(
                "an RSA key of {bits} bits is too short: at least 2048 are required"
            ));
        }
        let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
        Ok(PublicKey {
            kid: kid.into(),
            alg,
            key: DecodingKey::from_rsa_raw_components(&n, &e),
            fingerprint: fingerprint(b"RSA", &[&n, &e]),
        })
    }

    /// A P-256 key from its uncompressed SEC1 point (`04 || x || y`).
    pub(crate) fn p256(kid: &str, point: &[u8]) -> Result<Self, String> {
        let key = p256::PublicKey::from_sec1_bytes(point)
            .map_err(|_| "not a point on P-256".to_owned())?;
        let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key, false);
        Ok(PublicKey {
            kid: kid.into(),
            alg: Algorithm::ES256,
            key: DecodingKey::from_ec_der(point.as_bytes()),
            fingerprint: fingerprint(b"P-256", &[point.as_bytes()]),
        })
    }

    /// An Ed25519 key from its 32 bytes.
    pub(crate) fn ed25519(kid: &str, x: &[u8]) -> Result<Self, String> {
        let bytes: &[u8; 32] = x
            .try_into()
            .map_err(|_| format!("an Ed25519 key is 32 bytes, not {}", x.len()))?;
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| "not an Ed25519 public key".to_owned())?;
        Ok(PublicKey {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            key: DecodingKey::from_ed_der(bytes),
            fingerprint: fingerprint(b"Ed25519", &[bytes]),
        })
    }

    /// A key from a PEM public key: `PUBLIC KEY` (SubjectPublicKeyInfo) for every
    /// algorithm, or `RSA PUBLIC KEY` (PKCS#1) for RS256 and PS256.
    fn from_pem(kid: &str, alg: Algorithm, pem: &str) -> Result<Self, String> {
        let pem = pem.trim();
        let label = pem
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.split_once("-----"))
            .map(|(label, _)| label)
            .ok_or("not PEM: it must start with `-----BEGIN PUBLIC KEY-----`")?;
        if label.contains("PRIVATE") {
            return Err(
                "this is a private key: give the public key (`-----BEGIN PUBLIC KEY-----`)".into(),
            );
        }
        let parse_error = |e: &dyn fmt::Display| format!("not a {alg} public key: {e}");
        match (alg, label) {
            (Algorithm::RS256 | Algorithm::PS256, "PUBLIC KEY") => {
                let key = rsa::RsaPublicKey::from_public_key_pem(pem).map_err(|e| parse_error(&e))?;
                Self::rsa_key(kid, alg, &key)
            }
            (Algorithm::RS256 | Algorithm::PS256, "RSA PUBLIC KEY") => {
                let key = rsa::RsaPublicKey::from_pkcs1_pem(pem).map_err(|e| parse_error(&e))?;
                Self::rsa_key(kid, alg, &key)
            }
            (Algorithm::ES256, "PUBLIC KEY") => {
                let key = p256::PublicKey::from_public_key_pem(pem).map_err(|e| parse_error(&e))?;
                let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key, false);
                Self::p256(kid, point.as_bytes())
            }
            (Algorithm::EdDSA, "PUBLIC KEY") => {
                let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
                    .map_err(|e| parse_error(&e))?;
                Self::ed25519(kid, key.as_bytes())
            }
            (_, label) => Err(format!(
                "a `{label}` PEM block is not a public key for {alg}: give `-----BEGIN PUBLIC KEY-----`"
            )),
        }
    }

    fn rsa_key(kid: &str, alg: Algorithm, key: &rsa::RsaPublicKey) -> Result<Self, String> {
        Self::rsa(kid, alg, &key.n().to_bytes_be(), &key.e().to_bytes_be())
    }
}

fn fingerprint(kind: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(kind);
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// The keys a verifier checks tokens with: HS256 secrets (each with or without a key
/// id) and public keys (each with a key id), every key pinned to its algorithm.
///
/// How a token's key is chosen, from its JOSE header's `alg` and `kid`:
///
/// - a `kid` that names a key in the set selects that key, and the token's `alg` must
///   be the key's ([`TokenRejection::KeyAlgorithmMismatch`] otherwise): an HS256
///   token can never be checked against a public key's bytes used as an HMAC secret
///   (the algorithm-confusion attack), nor an RS256 token against an ES256 key;
/// - otherwise an HS256 token is checked against every secret in the set, with or
///   without a `kid` (as before key sets: Approov's HS256 tokens need no `kid`; two
///   secrets during a rotation);
/// - otherwise a public-key token is rejected: with a `kid` naming no key,
///   [`TokenRejection::UnknownKeyId`] (keys are never tried one after the other),
///   without a `kid`, [`TokenRejection::UnsupportedAlgorithm`].
///
/// A set is built once and handed to a verifier with
/// [`ApproovVerifier::from_keys`](crate::ApproovVerifier::from_keys) or swapped in
/// whole with [`ApproovVerifier::rotate`](crate::ApproovVerifier::rotate). `Debug`
/// lists each key's id and algorithm, never a secret.
///
/// ```
/// use approov_core::{Algorithm, ApproovVerifier, KeySet};
///
/// # fn main() -> Result<(), approov_core::KeyError> {
/// let jwks = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed-1","alg":"EdDSA",
///                 "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
/// let keys = KeySet::new()
///     .with_hs256_secret(b"the account secret, 32 bytes or more")?
///     .with_jwks_json(jwks)?;
/// let kids: Vec<_> = keys.keys().map(|key| (key.kid, key.algorithm)).collect();
/// assert_eq!(kids, [(None, Algorithm::HS256), (Some("ed-1"), Algorithm::EdDSA)]);
/// let verifier = ApproovVerifier::from_keys(keys);
/// # let _ = verifier;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    secrets: Vec<SecretKey>,
    public: Vec<PublicKey>,
}

/// One key of a [`KeySet`], as [`KeySet::keys`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInfo<'a> {
    /// The key id, when the key has one (public keys always do).
    pub kid: Option<&'a str>,
    /// The algorithm the key checks.
    pub algorithm: Algorithm,
}

impl fmt::Display for KeyInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kid {
            Some(kid) => write!(f, "{} {}", shown(kid), self.algorithm),
            None => write!(f, "{} (no kid)", self.algorithm),
        }
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Shows its text as it is, not quoted.
        struct Plain(String);
        impl fmt::Debug for Plain {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        f.debug_list()
            .entries(self.keys().map(|key| match key.algorithm {
                Algorithm::HS256 => Plain(format!("{key} [redacted]")),
                _ => Plain(key.to_string()),
            }))
            .finish()
    }
}

/// The keys a token may be checked against, once its header is read.
pub(crate) enum Choice<'a> {
    /// HS256: one secret named by the `kid`, or every secret.
    Secrets(&'a [SecretKey]),
    /// The public key the `kid` names.
    Public(&'a PublicKey),
}

impl KeySet {
    /// An empty set: a verifier with it rejects every token.
    pub fn new() -> Self {
        Self::default()
    }

    /// This set with an HS256 secret (the raw bytes, as decoded from `approov secret
    /// -get base64url`) that has no key id. The same secret twice is kept once. A
    /// secret under 32 bytes is accepted with a loud warning.
    ///
    /// # Errors
    /// The secret is empty.
    pub fn with_hs256_secret(self, secret: &[u8]) -> Result<Self, KeyError> {
        self.add_secret(None, secret)
    }

    /// This set with an HS256 secret that has a key id: a token whose `kid` is `kid`
    /// is checked against this secret only (and must be HS256).
    ///
    /// # Errors
    /// The secret or the key id is empty, or the set already has a key with this id.
    pub fn with_named_hs256_secret(self, kid: &str, secret: &[u8]) -> Result<Self, KeyError> {
        if kid.is_empty() {
            return Err(KeyError::EmptyKid);
        }
        self.add_secret(Some(kid), secret)
    }

    fn add_secret(mut self, kid: Option<&str>, secret: &[u8]) -> Result<Self, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        if let Some(kid) = kid {
            self.check_new_kid(kid)?;
        }
        if secret.len() < MIN_SECRET_LEN {
            Secret(secret.to_vec()).warn_if_short();
        }
        let entry = SecretKey {
            kid: kid.map(Into::into),
            key: HmacKey::new(secret),
            fingerprint: fingerprint(b"HS256", &[secret]),
        };
        if !self.secrets.contains(&entry) {
            self.secrets.push(entry);
        }
        Ok(self)
    }

    pub(crate) fn with_secret(self, secret: &Secret) -> Result<Self, KeyError> {
        self.add_secret(None, &secret.0)
    }

    /// This set with a public key given in PEM: `-----BEGIN PUBLIC KEY-----` (as
    /// `openssl pkey -pubout` writes it) for any algorithm, or `-----BEGIN RSA PUBLIC
    /// KEY-----` for RS256 and PS256. The key checks tokens whose `kid` is `kid` and
    /// whose `alg` is `alg`, nothing else.
    ///
    /// ```
    /// use approov_core::{Algorithm, KeySet};
    ///
    /// let pem = "-----BEGIN PUBLIC KEY-----
    /// MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9
    /// q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==
    /// -----END PUBLIC KEY-----";
    /// let keys = KeySet::new().with_public_key_pem("ec-1", Algorithm::ES256, pem)?;
    /// assert_eq!(keys.len(), 1);
    /// // The same key for another algorithm is refused.
    /// assert!(KeySet::new().with_public_key_pem("ec-1", Algorithm::RS256, pem).is_err());
    /// # Ok::<(), approov_core::KeyError>(())
    /// ```
    ///
    /// # Errors
    /// The key id is empty or already in the set, `alg` is HS256, or the PEM is not a
    /// public key for `alg` (an RSA key must have at least 2048 bits).
    pub fn with_public_key_pem(
        mut self,
        kid: &str,
        alg: Algorithm,
        pem: &str,
    ) -> Result<Self, KeyError> {
        if kid.is_empty() {
            return Err(KeyError::EmptyKid);
        }
        if !alg.is_public_key() {
            return Err(KeyError::NotPublicKeyAlgorithm);
        }
        self.check_new_kid(kid)?;
        let key = PublicKey::from_pem(kid, alg, pem).map_err(|reason| KeyError::PublicKey {
            kid: shown(kid),
            alg,
            reason,
        })?;
        self.public.push(key);
        Ok(self)
    }

    /// A set of the signature keys of a JWKS document (RFC 7517), as an Approov
    /// keyset or any JWKS endpoint serves it. See [`with_jwks_json`](Self::with_jwks_json).
    ///
    /// # Errors
    /// As [`with_jwks_json`](Self::with_jwks_json).
    pub fn from_jwks_json(json: &str) -> Result<Self, KeyError> {
        Self::new().with_jwks_json(json)
    }

    /// This set with the signature keys of a JWKS document.
    ///
    /// Each key of `keys` is read as follows:
    ///
    /// - skipped (and logged at `debug`): a key whose `use` is not `sig` (an
    ///   encryption key) or whose `key_ops` lacks `verify`;
    /// - skipped (and logged at `warn`): a key of a type, curve or algorithm this
    ///   verifier does not check (`kty` other than `RSA`, `EC`, `OKP`; `crv` other than
    ///   `P-256` and `Ed25519`; `alg` other than RS256, PS256, ES256, EdDSA), so that a
    ///   set a provider extends keeps working;
    /// - used: RSA (`n`, `e`; `alg` RS256 or PS256, RS256 when absent), EC P-256
    ///   (`x`, `y`; ES256) and OKP Ed25519 (`x`; EdDSA) keys, pinned to that algorithm;
    /// - refused, failing the whole document: a key that would be used but has no
    ///   `kid` or one already in the set, bad key material, an `alg` that does not fit
    ///   the key type, a private key (`d`), or a secret (`kty` `oct`: secrets are
    ///   given with [`with_hs256_secret`](Self::with_hs256_secret), never in a JWKS).
    ///
    /// A document with no usable key is refused too.
    ///
    /// # Errors
    /// The document is not JSON, not an object with a `keys` array, has a refused
    /// key, or no usable key.
    pub fn with_jwks_json(mut self, json: &str) -> Result<Self, KeyError> {
        let keys = crate::jwks::parse(json)?;
        for key in keys {
            self.check_new_kid(&key.kid)?;
            self.public.push(key);
        }
        Ok(self)
    }

    /// This set with every key of `other`.
    ///
    /// # Errors
    /// A key id is in both sets.
    pub fn with_keys(mut self, other: KeySet) -> Result<Self, KeyError> {
        for secret in other.secrets {
            if let Some(kid) = &secret.kid {
                self.check_new_kid(kid)?;
            }
            if !self.secrets.contains(&secret) {
                self.secrets.push(secret);
            }
        }
        for key in other.public {
            self.check_new_kid(&key.kid)?;
            self.public.push(key);
        }
        Ok(self)
    }

    /// This set with every key of `other` whose id is not in this set already; the
    /// ids left out are returned.
    #[cfg(feature = "jwks-url")]
    pub(crate) fn with_keys_preferring_ours(mut self, other: &KeySet) -> (Self, Vec<String>) {
        let mut clashes = Vec::new();
        for secret in &other.secrets {
            match &secret.kid {
                Some(kid) if self.find(kid).is_some() => clashes.push(kid.to_string()),
                _ if self.secrets.contains(secret) => {}
                _ => self.secrets.push(secret.clone()),
            }
        }
        for key in &other.public {
            if self.find(&key.kid).is_some() {
                clashes.push(key.kid.to_string());
            } else {
                self.public.push(key.clone());
            }
        }
        (self, clashes)
    }

    fn check_new_kid(&self, kid: &str) -> Result<(), KeyError> {
        match self.find(kid) {
            Some(_) => Err(KeyError::DuplicateKid { kid: shown(kid) }),
            None => Ok(()),
        }
    }

    /// Every key, secrets first, each with its id and algorithm: for diagnostics.
    pub fn keys(&self) -> impl Iterator<Item = KeyInfo<'_>> + '_ {
        let secrets = self.secrets.iter().map(|secret| KeyInfo {
            kid: secret.kid.as_deref(),
            algorithm: Algorithm::HS256,
        });
        let public = self.public.iter().map(|key| KeyInfo {
            kid: Some(&key.kid),
            algorithm: key.alg,
        });
        secrets.chain(public)
    }

    /// Every key id in the set.
    pub fn kids(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys().filter_map(|key| key.kid)
    }

    /// How many keys the set has.
    pub fn len(&self) -> usize {
        self.secrets.len() + self.public.len()
    }

    /// Whether the set has no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys, for a log line: ids quoted, at most 20.
    pub(crate) fn summary(&self) -> String {
        const MAX: usize = 20;
        let mut listed: Vec<String> = self.keys().take(MAX).map(|key| key.to_string()).collect();
        if self.len() > MAX {
            listed.push(format!("and {} more", self.len() - MAX));
        }
        if listed.is_empty() {
            listed.push("none".into());
        }
        listed.join(", ")
    }

    /// Whether the set has an HS256 secret.
    pub(crate) fn has_secret(&self) -> bool {
        !self.secrets.is_empty()
    }

    fn find(&self, kid: &str) -> Option<Choice<'_>> {
        if let Some(at) = self
            .secrets
            .iter()
            .position(|secret| secret.kid.as_deref() == Some(kid))
        {
            return Some(Choice::Secrets(&self.secrets[at..=at]));
        }
        self.public
            .iter()
            .find(|key| &*key.kid == kid)
            .map(Choice::Public)
    }

    /// The keys a token with this `alg` and `kid` is checked against (see the type's
    /// documentation), or why there are none.
    pub(crate) fn choose(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Choice<'_>, TokenRejection> {
        if let Some(named) = kid.and_then(|kid| self.find(kid)) {
            return match named {
                Choice::Secrets(_) if alg == Algorithm::HS256 => Ok(named),
                Choice::Public(key) if key.alg == alg => Ok(named),
                _ => Err(TokenRejection::KeyAlgorithmMismatch),
            };
        }
        match alg {
            Algorithm::HS256 if self.has_secret() => Ok(Choice::Secrets(&self.secrets)),
            Algorithm::HS256 => Err(TokenRejection::UnsupportedAlgorithm),
            _ if kid.is_some() => Err(TokenRejection::UnknownKeyId),
            _ => Err(TokenRejection::UnsupportedAlgorithm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_every_byte() {
        let a: Vec<u8> = (0..45).collect();
        for len in [0, 7, 8, 9, 32, 44, 45] {
            assert!(constant_time_eq(&a[..len], &a[..len]), "{len}");
            for at in 0..len {
                let mut b = a[..len].to_vec();
                b[at] ^= 0x80;
                assert!(!constant_time_eq(&a[..len], &b), "{len} {at}");
            }
        }
        assert!(!constant_time_eq(&a[..8], &a[..9]));
    }

    #[test]
    fn shown_quotes_escapes_and_cuts() {
        assert_eq!(shown("a\"b\n"), r#""a\"b\n""#);
        let long = "k".repeat(100);
        assert_eq!(
            shown(&long),
            format!("{:?}", format!("{}…", "k".repeat(64)))
        );
    }

    #[test]
    fn the_same_secret_twice_is_one_key_and_named_secrets_are_distinct() {
        let keys = KeySet::new()
            .with_hs256_secret(b"one")
            .and_then(|k| k.with_hs256_secret(b"one"))
            .and_then(|k| k.with_named_hs256_secret("k", b"one"))
            .unwrap_or_default();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            KeySet::new().with_hs256_secret(b""),
            Err(KeyError::EmptySecret)
        );
        assert_eq!(
            keys.clone().with_named_hs256_secret("k", b"two"),
            Err(KeyError::DuplicateKid {
                kid: "\"k\"".into()
            })
        );
        assert_eq!(
            KeySet::new().with_named_hs256_secret("", b"two"),
            Err(KeyError::EmptyKid)
        );
    }
}
