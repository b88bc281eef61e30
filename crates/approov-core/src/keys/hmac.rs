//! HS256 keys: HMAC-SHA256 state keyed once, and the constant-time comparison every
//! secret-dependent check uses.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

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

    /// The HMAC-SHA256 of `input` (for signing).
    #[cfg(feature = "mint")]
    pub(crate) fn mac(&self, input: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(input);
        mac.finalize().into_bytes().into()
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
}
