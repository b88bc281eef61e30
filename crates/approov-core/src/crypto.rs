//! Public-key signature checks, in one place: ECDSA P-256 and RSA (PKCS #1 v1.5 and
//! PSS) with SHA-256 by aws-lc-rs, the assembly-optimised backend (within a few per
//! cent of OpenSSL on the same core, where RustCrypto's take 5 to 12 times as long:
//! BENCHMARKING.md); Ed25519 by ed25519-dalek, which is faster than both. A key is
//! parsed once, when it is loaded, then checks any number of signatures.

use aws_lc_rs::signature::{
    ParsedPublicKey, ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256,
};
use ed25519_dalek::Verifier as _;

/// A public key, parsed, and the one signature scheme it checks.
#[derive(Clone)]
pub(crate) enum VerifyingKey {
    /// ECDSA P-256 over SHA-256, its signature raw `r || s` (JWS ES256, RFC 9421's
    /// `ecdsa-p256-sha256`), or RSA with SHA-256: aws-lc-rs.
    AwsLc(ParsedPublicKey),
    /// EdDSA on Ed25519 (boxed: its precomputed point is a few hundred bytes).
    Ed25519(Box<ed25519_dalek::VerifyingKey>),
}

/// The largest RSA modulus checked, in bits (aws-lc-rs checks 2048 to 8192).
pub(crate) const MAX_RSA_BITS: usize = 8192;

impl VerifyingKey {
    /// A P-256 key from its uncompressed SEC1 point (`04 || x || y`).
    pub(crate) fn p256(point: &[u8]) -> Option<Self> {
        ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .ok()
            .map(VerifyingKey::AwsLc)
    }

    /// An RSA key from its PKCS #1 `RSAPublicKey` DER, for RSASSA-PKCS1-v1_5 (`pss`
    /// false: RS256) or RSASSA-PSS with a salt as long as the hash (`pss`: PS256).
    pub(crate) fn rsa(pkcs1_der: &[u8], pss: bool) -> Option<Self> {
        let scheme = if pss {
            &RSA_PSS_2048_8192_SHA256
        } else {
            &RSA_PKCS1_2048_8192_SHA256
        };
        ParsedPublicKey::new(scheme, pkcs1_der)
            .ok()
            .map(VerifyingKey::AwsLc)
    }

    /// An Ed25519 key from its 32 bytes.
    pub(crate) fn ed25519(bytes: &[u8; 32]) -> Option<Self> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .ok()
            .map(|key| VerifyingKey::Ed25519(Box::new(key)))
    }

    /// Whether `signature` is this key's signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            VerifyingKey::AwsLc(key) => key.verify_sig(message, signature).is_ok(),
            VerifyingKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
        }
    }
}
