//! Public keys, each pinned to its algorithm, parsed once when loaded and checked by
//! the backend of `crypto`.

use std::fmt;

use rsa::pkcs1::{DecodeRsaPublicKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest, Sha256};

use super::algorithm::Algorithm;
use crate::crypto::{VerifyingKey, MAX_RSA_BITS};

/// A public key in a set: its key id, the one algorithm it checks, the key.
#[derive(Clone)]
pub(crate) struct PublicKey {
    pub(crate) kid: Box<str>,
    pub(crate) alg: Algorithm,
    key: VerifyingKey,
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
    /// Whether `signature` is this key's signature of `signing_input`.
    pub(crate) fn verifies(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        self.key.verifies(signing_input, signature)
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
        if bits > MAX_RSA_BITS {
            return Err(format!(
                "an RSA key of {bits} bits is too long: at most {MAX_RSA_BITS} are checked"
            ));
        }
        let der = key
            .to_pkcs1_der()
            .map_err(|e| format!("not an RSA public key: {e}"))?;
        let verifying = VerifyingKey::rsa(der.as_bytes(), alg == Algorithm::PS256)
            .ok_or("not an RSA public key the backend takes")?;
        let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
        Ok(PublicKey {
            kid: kid.into(),
            alg,
            key: verifying,
            fingerprint: fingerprint(b"RSA", &[&n, &e]),
        })
    }

    /// A P-256 key from its uncompressed SEC1 point (`04 || x || y`).
    pub(crate) fn p256(kid: &str, point: &[u8]) -> Result<Self, String> {
        let key = p256::PublicKey::from_sec1_bytes(point)
            .map_err(|_| "not a point on P-256".to_owned())?;
        let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key, false);
        let verifying =
            VerifyingKey::p256(point.as_bytes()).ok_or("not a point the backend takes")?;
        Ok(PublicKey {
            kid: kid.into(),
            alg: Algorithm::ES256,
            key: verifying,
            fingerprint: fingerprint(b"P-256", &[point.as_bytes()]),
        })
    }

    /// An Ed25519 key from its 32 bytes.
    pub(crate) fn ed25519(kid: &str, x: &[u8]) -> Result<Self, String> {
        let bytes: &[u8; 32] = x
            .try_into()
            .map_err(|_| format!("an Ed25519 key is 32 bytes, not {}", x.len()))?;
        let verifying =
            VerifyingKey::ed25519(bytes).ok_or_else(|| "not an Ed25519 public key".to_owned())?;
        Ok(PublicKey {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            key: verifying,
            fingerprint: fingerprint(b"Ed25519", &[bytes]),
        })
    }

    /// A key from a PEM public key: `PUBLIC KEY` (SubjectPublicKeyInfo) for every
    /// algorithm, or `RSA PUBLIC KEY` (PKCS#1) for RS256 and PS256.
    pub(crate) fn from_pem(kid: &str, alg: Algorithm, pem: &str) -> Result<Self, String> {
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

pub(crate) fn fingerprint(kind: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(kind);
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}
