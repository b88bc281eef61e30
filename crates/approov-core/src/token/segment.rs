//! The base64url of a compact JWS's segments, decoded as every check does.
//!
//! A token's JOSE header, payload and signature are decoded on every request, from
//! bytes the client chose. They are decoded by `base64-simd`, whose SIMD decoder (the
//! CPU's is picked at run time) takes a third of the time `base64`'s does for an
//! Approov token's segments (BENCHMARKING.md); `base64` still does every other job in
//! the workspace, none of them per request. Both are strict in the same way, as
//! jsonwebtoken's decoding is (it uses `base64`'s `URL_SAFE_NO_PAD`): only the
//! base64url alphabet, no padding, no bits left over after the last byte, no length
//! that no byte string encodes to. The tests below hold `base64-simd` to
//! `base64` on arbitrary input.

use std::mem::MaybeUninit;

use base64_simd::{Out, URL_SAFE_NO_PAD};

use crate::TokenRejection;

/// An encoded HS256 signature is 32 bytes: 43 base64url characters.
pub(crate) const SIGNATURE_LEN: usize = 43;

/// Payloads whose decoded length is at most this are decoded on the stack: Approov's
/// are a few hundred bytes.
pub(crate) const STACK_PAYLOAD_LEN: usize = 512;

/// Decodes `encoded` into the start of `buf`; `None` when it is not strict base64url
/// or `buf` is too short for it. `buf` need not be initialised (a payload's buffer is
/// 512 bytes, not worth zeroing on every request): only what is written is returned.
pub(crate) fn decode_into<'b>(encoded: &[u8], buf: &'b mut [MaybeUninit<u8>]) -> Option<&'b [u8]> {
    let len = URL_SAFE_NO_PAD.decoded_length(encoded).ok()?;
    // Exactly the decoded length, so that the decoder is never handed too short an
    // output (its documented panic) and writes nothing past it.
    let out = buf.get_mut(..len)?;
    URL_SAFE_NO_PAD
        .decode(encoded, Out::from_uninit_slice(out))
        .ok()
        .map(|decoded| &*decoded)
}

/// Decodes `encoded` into a new `Vec`; `None` when it is not strict base64url.
pub(crate) fn decode_to_vec(encoded: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode_to_vec(encoded).ok()
}

/// A buffer for [`decode_payload`], on the stack.
pub(crate) fn payload_buffer() -> [MaybeUninit<u8>; STACK_PAYLOAD_LEN] {
    [MaybeUninit::uninit(); STACK_PAYLOAD_LEN]
}

/// Decodes the payload into `stack` when it fits, else into `heap`.
pub(crate) fn decode_payload<'b>(
    encoded: &[u8],
    stack: &'b mut [MaybeUninit<u8>; STACK_PAYLOAD_LEN],
    heap: &'b mut Vec<u8>,
) -> Result<&'b [u8], TokenRejection> {
    const NOT_BASE64URL: TokenRejection = TokenRejection::Malformed("payload is not base64url");
    let len = URL_SAFE_NO_PAD
        .decoded_length(encoded)
        .map_err(|_| NOT_BASE64URL)?;
    if len <= STACK_PAYLOAD_LEN {
        decode_into(encoded, stack).ok_or(NOT_BASE64URL)
    } else {
        *heap = decode_to_vec(encoded).ok_or(NOT_BASE64URL)?;
        Ok(heap)
    }
}

/// The 32 signature bytes of an HS256 token, from exactly 43 base64url characters.
pub(crate) fn decode_signature(encoded: &[u8]) -> Result<[u8; 32], TokenRejection> {
    if encoded.len() != SIGNATURE_LEN {
        return Err(TokenRejection::BadSignature);
    }
    let mut buf = [MaybeUninit::uninit(); 32];
    decode_into(encoded, &mut buf)
        .and_then(|decoded| <[u8; 32]>::try_from(decoded).ok())
        .ok_or(TokenRejection::Malformed("signature is not base64url"))
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as REFERENCE;
    use base64::Engine as _;
    use proptest::prelude::*;

    use super::*;

    /// What `base64` (and so jsonwebtoken) makes of `encoded`.
    fn reference(encoded: &[u8]) -> Option<Vec<u8>> {
        REFERENCE.decode(encoded).ok()
    }

    /// What the check makes of `encoded`, on the stack and on the heap.
    fn ours(encoded: &[u8]) -> Option<Vec<u8>> {
        let mut stack = payload_buffer();
        let mut heap = Vec::new();
        let payload = decode_payload(encoded, &mut stack, &mut heap)
            .ok()
            .map(<[u8]>::to_vec);
        assert_eq!(payload, decode_to_vec(encoded), "two paths disagree");
        payload
    }

    #[test]
    fn refuses_what_jsonwebtoken_refuses() {
        let cases: [&[u8]; 14] = [
            b"",
            b"QQ==",     // padding
            b"QQ=",      // padding
            b"QR",       // bits left over after the last byte
            b"QUF",      // bits left over
            b"QUJ",      // "AB" is QUI: J sets a left-over bit
            b"Q",        // a length nothing encodes to
            b"QUJDR",    // the same, longer
            b"QU+D",     // the standard alphabet, not base64url
            b"QU/D",     // the same
            b"QU D",     // white space
            b"QU\nD",    // a line break
            b"QUJD\0",   // a NUL
            b"QUJD\xc3", // not ASCII
        ];
        for encoded in cases {
            assert_eq!(ours(encoded), reference(encoded), "{encoded:?}");
        }
        assert_eq!(ours(b"QUJD"), Some(b"ABC".to_vec()));
        assert_eq!(ours(b"QUI"), Some(b"AB".to_vec()));
        assert_eq!(ours(b"-_-_"), reference(b"-_-_"));
    }

    #[test]
    fn decodes_on_the_stack_and_on_the_heap_alike() {
        for len in [
            0,
            1,
            2,
            3,
            STACK_PAYLOAD_LEN - 1,
            STACK_PAYLOAD_LEN,
            STACK_PAYLOAD_LEN + 1,
            6000,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let encoded = REFERENCE.encode(&bytes);
            assert_eq!(ours(encoded.as_bytes()), Some(bytes), "{len} bytes");
        }
    }

    #[test]
    fn a_signature_is_43_characters_of_32_bytes() {
        let mac = [0xa5u8; 32];
        let encoded = REFERENCE.encode(mac);
        assert_eq!(decode_signature(encoded.as_bytes()), Ok(mac));
        // 43 characters whose last one leaves bits over: not a 32-byte signature.
        let mut odd = encoded.into_bytes();
        odd[42] = b'B';
        assert!(reference(&odd).is_none());
        assert!(decode_signature(&odd).is_err());
        assert_eq!(
            decode_signature(b"too short"),
            Err(TokenRejection::BadSignature)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Any bytes: the same verdict and the same bytes as `base64`.
        #[test]
        fn agrees_with_base64_on_any_bytes(encoded in proptest::collection::vec(any::<u8>(), 0..700)) {
            prop_assert_eq!(ours(&encoded), reference(&encoded));
        }

        /// Text mostly of the alphabet, where the two could differ in the details
        /// (lengths, left-over bits, a stray character anywhere).
        #[test]
        fn agrees_with_base64_near_the_alphabet(
            encoded in "[A-Za-z0-9_-]{0,700}[=+/ .]?[A-Za-z0-9_-]{0,5}",
        ) {
            prop_assert_eq!(ours(encoded.as_bytes()), reference(encoded.as_bytes()));
        }

        /// Any byte at any place of a string long enough for the SIMD decoder's
        /// 32-byte steps (the stray characters above are only a few).
        #[test]
        fn agrees_with_base64_on_any_byte_anywhere(
            encoded in "[A-Za-z0-9_-]{38,200}",
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut encoded = encoded.into_bytes();
            let at = at.index(encoded.len());
            encoded[at] = byte;
            prop_assert_eq!(ours(&encoded), reference(&encoded));
        }

        /// Whatever `base64` encodes, decoded back.
        #[test]
        fn round_trips_what_base64_encodes(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
            let encoded = REFERENCE.encode(&bytes);
            prop_assert_eq!(ours(encoded.as_bytes()), Some(bytes));
        }
    }
}
