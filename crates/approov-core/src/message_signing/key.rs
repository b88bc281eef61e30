//! The installation public key from the `ipk` claim, and the ECDSA check.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

use super::input::RawSignature;
use super::MessageSignatureError as Error;

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
    VerifyingKey::from_public_key_der(&der)
        .map_err(|_| Error::InvalidIpk("not the DER SubjectPublicKeyInfo of a P-256 key"))
}

/// Verifies a raw `r || s` ECDSA P-256 signature over SHA-256 of `base`.
pub(crate) fn verify(
    key: &VerifyingKey,
    base: &[u8],
    signature: &RawSignature,
) -> Result<(), Error> {
    // `from_slice` refuses r or s of zero or not below the group order.
    let signature = Signature::from_slice(signature).map_err(|_| Error::SignatureMismatch)?;
    key.verify(base, &signature)
        .map_err(|_| Error::SignatureMismatch)
}
