//! The installation public key from the `ipk` claim, and the ECDSA check.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::DecodePublicKey as _;

use super::Error;
use crate::crypto::VerifyingKey;

/// A P-256 SubjectPublicKeyInfo is 91 bytes (uncompressed point), 124 in base64; this
/// leaves room for other encodings and refuses anything absurd before decoding.
const MAX_IPK_LEN: usize = 512;

/// Decodes `ipk`: standard base64 of the DER SubjectPublicKeyInfo of a P-256 key. The
/// algorithm must be `id-ecPublicKey` with curve `secp256r1`; any other key is refused.
pub(crate) fn installation_key(ipk: &str) -> Result<VerifyingKey, Error> {
    if ipk.len() > MAX_IPK_LEN {
        return Err(Error::InvalidIpk("longer than any P-256 key"));
    }
    let der = STANDARD
        .decode(ipk)
        .map_err(|_| Error::InvalidIpk("not standard base64"))?;
    let key = p256::PublicKey::from_public_key_der(&der)
        .map_err(|_| Error::InvalidIpk("not the DER SubjectPublicKeyInfo of a P-256 key"))?;
    VerifyingKey::p256(key.to_encoded_point(false).as_bytes()).ok_or(Error::InvalidIpk(
        "not the DER SubjectPublicKeyInfo of a P-256 key",
    ))
}

/// Installation keys already parsed, by their `ipk`: every request an installation
/// signs within a token's lifetime (minutes, many requests) carries the same one.
/// Bounded: past [`KeyCache::CAPACITY`] keys it starts afresh, so memory stays flat
/// whatever `ipk`s arrive (and each needs a validly signed token to get here). A
/// verifier's clones share it.
pub(crate) struct KeyCache {
    keys: Mutex<HashMap<Box<str>, Arc<VerifyingKey>>>,
    capacity: usize,
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::with_capacity(Self::CAPACITY)
    }
}

impl KeyCache {
    /// The most keys kept.
    pub(crate) const CAPACITY: usize = 1024;

    fn with_capacity(capacity: usize) -> Self {
        KeyCache {
            keys: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The key of `ipk`, parsed now unless it was before. A refused `ipk` is not kept.
    pub(crate) fn key(&self, ipk: &str) -> Result<Arc<VerifyingKey>, Error> {
        if let Some(key) = self.lock().get(ipk) {
            return Ok(Arc::clone(key));
        }
        // Parsed outside the lock: another request's lookup does not wait for it.
        let key = Arc::new(installation_key(ipk)?);
        let mut keys = self.lock();
        if keys.len() >= self.capacity {
            keys.clear();
        }
        keys.insert(ipk.into(), Arc::clone(&key));
        Ok(key)
    }

    /// How many keys are kept (tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Arc<VerifyingKey>>> {
        // A map is whole between two calls: nothing panics while it is held.
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.lock().len())
            .finish()
    }
}

/// Verifies a raw `r || s` ECDSA P-256 signature (64 bytes) over SHA-256 of `base`,
/// as it is: no DER round-trip. (An `r` or `s` of zero or not below the group order is
/// refused.)
pub(crate) fn verify(key: &VerifyingKey, base: &[u8], signature: &[u8]) -> Result<(), Error> {
    if signature.len() != 64 {
        return Err(Error::BadSignatureLength);
    }
    if key.verifies(base, signature) {
        Ok(())
    } else {
        Err(Error::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipk(seed: u8) -> String {
        use p256::pkcs8::EncodePublicKey as _;
        let secret =
            p256::SecretKey::from_slice(&[seed.max(1); 32]).unwrap_or_else(|_| unreachable!());
        let der = secret
            .public_key()
            .to_public_key_der()
            .unwrap_or_else(|_| unreachable!());
        STANDARD.encode(der.as_bytes())
    }

    #[test]
    fn a_key_is_parsed_once_and_the_cache_stays_bounded() {
        let cache = KeyCache::with_capacity(4);
        let first = cache.key(&ipk(1)).unwrap_or_else(|e| panic!("{e}"));
        let again = cache.key(&ipk(1)).unwrap_or_else(|e| panic!("{e}"));
        assert!(Arc::ptr_eq(&first, &again), "parsed once");
        assert_eq!(cache.len(), 1);
        assert!(cache.key("not base64!").is_err());
        assert_eq!(cache.len(), 1, "a refused ipk is not kept");
        // A flood of distinct `ipk`s: never more than the capacity kept.
        for seed in 2..20 {
            assert!(cache.key(&ipk(seed)).is_ok());
            assert!(cache.len() <= 4, "{}", cache.len());
        }
    }
}
