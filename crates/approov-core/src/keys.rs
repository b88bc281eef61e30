//! The keys tokens are checked against.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

/// An HS256 key, kept as HMAC-SHA256 state already keyed with the secret: a check
/// clones it instead of running the key schedule again.
#[derive(Clone)]
pub(crate) struct HmacKey {
    keyed: Hmac<Sha256>,
}

impl HmacKey {
    pub(crate) fn new(secret: &Secret) -> Self {
        // HMAC takes keys of any length; the error case cannot happen.
        let keyed = match <Hmac<Sha256> as Mac>::new_from_slice(&secret.0) {
            Ok(keyed) => keyed,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        HmacKey { keyed }
    }

    /// Whether `signature` is the HMAC-SHA256 of `signing_input`, compared in
    /// constant time.
    pub(crate) fn verifies(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(signing_input);
        mac.verify_slice(signature).is_ok()
    }
}
