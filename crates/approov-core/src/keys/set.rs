//! [`KeySet`]: the keys tokens are checked against, and how a token's key is chosen.

use std::fmt;

use super::algorithm::Algorithm;
use super::error::{shown, KeyError};
use super::hmac::HmacKey;
use super::public::{fingerprint, PublicKey};
use crate::TokenRejection;

/// The shortest HS256 secret accepted, in bytes: 256 bits, the minimum RFC 7518 §3.2
/// sets for HS256. Approov's own secrets are longer.
pub const MIN_SECRET_LEN: usize = 32;

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
    /// -get base64url`) that has no key id. The same secret twice is kept once.
    ///
    /// # Errors
    /// The secret is empty, or shorter than [`MIN_SECRET_LEN`] bytes (RFC 7518 §3.2:
    /// an HS256 key must be at least as long as the hash, 256 bits).
    pub fn with_hs256_secret(self, secret: &[u8]) -> Result<Self, KeyError> {
        self.add_secret(None, secret)
    }

    /// This set with an HS256 secret that has a key id: a token whose `kid` is `kid`
    /// is checked against this secret only (and must be HS256).
    ///
    /// # Errors
    /// The secret or the key id is empty, the secret is shorter than
    /// [`MIN_SECRET_LEN`] bytes, or the set already has a key with this id.
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
            return Err(KeyError::SecretTooShort { len: secret.len() });
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
        let keys = super::jwks::parse(json)?;
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
    fn the_same_secret_twice_is_one_key_and_named_secrets_are_distinct() {
        let one = b"the first secret, of 32 bytes or more";
        let two = b"the second secret, of 32 bytes or more";
        let keys = KeySet::new()
            .with_hs256_secret(one)
            .and_then(|k| k.with_hs256_secret(one))
            .and_then(|k| k.with_named_hs256_secret("k", one))
            .unwrap_or_default();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            KeySet::new().with_hs256_secret(b""),
            Err(KeyError::EmptySecret)
        );
        assert_eq!(
            keys.clone().with_named_hs256_secret("k", two),
            Err(KeyError::DuplicateKid {
                kid: "\"k\"".into()
            })
        );
        assert_eq!(
            KeySet::new().with_named_hs256_secret("", two),
            Err(KeyError::EmptyKid)
        );
        assert_eq!(
            KeySet::new().with_hs256_secret(&one[..31]),
            Err(KeyError::SecretTooShort { len: 31 })
        );
        assert!(KeySet::new().with_hs256_secret(&one[..32]).is_ok());
    }
}
