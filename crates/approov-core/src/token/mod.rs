//! A token on its own: split, its JOSE header read, its key chosen, its signature
//! checked, and only then its payload read and its times compared.

mod claims;
mod compact;
mod jose;
mod passed;
mod payload;
mod segment;

pub(crate) use claims::parse_claims;
pub use claims::ApproovClaims;
pub use compact::MAX_TOKEN_LEN;
pub(crate) use passed::PassedClaims;

use crate::keys::{Choice, KeySet};
use crate::TokenRejection;
use compact::split_compact;
use jose::read_header;
use segment::{decode_payload, decode_signature};

/// Checks `token` against `keys` as if the time were `now()`, its verified payload's
/// claims read by `read`.
///
/// The order is fixed so that the cheap checks come first: length and shape, the
/// JOSE header's `alg`, the key its `kid` and `alg` choose (see [`KeySet`]), and the
/// base64url of the signature; then the signature (an HS256 one before the payload is
/// decoded, as the HMAC is cheap; a public-key one after, as it is not); and only a
/// token with a valid signature has its claims read. The time is asked of `now` only
/// then: a flood of malformed or forged tokens does not read the clock. It is expired
/// when `now >= exp + leeway` (RFC 7519 4.1.4) and not yet valid when
/// `now + leeway < nbf` (4.1.5).
pub(crate) fn verify<C: Dated>(
    token: &[u8],
    keys: &KeySet,
    leeway: u64,
    now: impl FnOnce() -> u64,
    read: impl FnOnce(&[u8]) -> Result<C, TokenRejection>,
) -> Result<C, TokenRejection> {
    let parts = split_compact(token)?;
    let header = read_header(parts.header)?;
    // The decoded payload: on the stack for the usual sizes, on the heap beyond.
    let mut stack = segment::payload_buffer();
    let mut heap = Vec::new();
    let payload = match keys.choose(header.alg, header.kid.as_deref()) {
        Ok(Choice::Secrets(secrets)) => {
            let signature = decode_signature(parts.signature)?;
            // The HMAC covers the encoded payload, and is cheap: it runs first, so
            // that a forged token, whatever its payload, costs one HMAC and no
            // decoding. Only a signed payload is decoded, then parsed. (The
            // signature is decoded, not the MAC encoded: an encoder's table
            // lookups would be indexed by the MAC's secret-derived bits.)
            let input = parts.signing_input;
            if !secrets
                .iter()
                .any(|secret| secret.key.verifies(input, &signature))
            {
                return Err(TokenRejection::BadSignature);
            }
            decode_payload(parts.payload, &mut stack, &mut heap)?
        }
        Ok(Choice::Public(key)) => {
            let signature = segment::decode_to_vec(parts.signature)
                .ok_or(TokenRejection::Malformed("signature is not base64url"))?;
            // Decoded before the signature check, which costs far more than it.
            let payload = decode_payload(parts.payload, &mut stack, &mut heap)?;
            if !key.verifies(parts.signing_input, &signature) {
                return Err(TokenRejection::BadSignature);
            }
            payload
        }
        Err(rejection) => return Err(rejection),
    };
    let claims = read(payload)?;
    let now = now();
    if now >= claims.exp().saturating_add(leeway) {
        return Err(TokenRejection::Expired);
    }
    if claims
        .nbf()
        .is_some_and(|nbf| now.saturating_add(leeway) < nbf)
    {
        return Err(TokenRejection::NotYetValid);
    }
    Ok(claims)
}

/// Claims as read from a verified payload: what the time checks need of them.
pub(crate) trait Dated {
    fn exp(&self) -> u64;
    fn nbf(&self) -> Option<u64>;
}

impl Dated for ApproovClaims {
    fn exp(&self) -> u64 {
        self.exp
    }

    fn nbf(&self) -> Option<u64> {
        self.nbf
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;
    use crate::token::segment::STACK_PAYLOAD_LEN;

    fn verify_at(keys: &KeySet, token: &str, now: u64) -> Result<ApproovClaims, TokenRejection> {
        verify(token.as_bytes(), keys, 0, || now, parse_claims)
    }

    /// An HS256 token with the JOSE header `header` (any bytes) over `claims`.
    fn with_header(secret: &[u8], header: &[u8], claims: &str) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        with_raw_payload(secret, &input)
    }

    /// `signing_input` (header and payload segments, as given) signed with `secret`.
    fn with_raw_payload(secret: &[u8], signing_input: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// An HS256 token with the usual header over `claims`, signed with `secret`.
    fn hs256(secret: &[u8], claims: &str) -> String {
        with_header(secret, br#"{"alg":"HS256","typ":"JWT"}"#, claims)
    }

    #[test]
    fn only_the_canonical_base64url_of_the_mac_is_its_signature() {
        let secret = b"a secret of thirty-two bytes, or more";
        let keys = KeySet::new().with_hs256_secret(secret).unwrap_or_default();
        let token = hs256(secret, r#"{"exp":2}"#);
        assert!(verify_at(&keys, &token, 1).is_ok());
        let (input, signature) = token.rsplit_once('.').unwrap_or_default();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = signature.bytes().last().unwrap_or_default();
        let value = alphabet.iter().position(|&c| c == last).unwrap_or_default();
        // The last of 43 characters carries 4 bits of the MAC and 2 that must be zero:
        // the same MAC written with those bits set is not its signature.
        for padding in 1..4 {
            let odd = char::from(alphabet[value | padding]);
            let forged = format!("{input}.{}{odd}", &signature[..42]);
            assert_eq!(
                verify_at(&keys, &forged, 1),
                Err(TokenRejection::Malformed("signature is not base64url")),
                "{forged}"
            );
        }
        for (odd, rejection) in [
            ('=', TokenRejection::Malformed("signature is not base64url")),
            ('+', TokenRejection::Malformed("signature is not base64url")),
            (
                char::from(alphabet[(value + 4) % 64]),
                TokenRejection::BadSignature,
            ),
        ] {
            let forged = format!("{input}.{odd}{}", &signature[1..]);
            assert_eq!(verify_at(&keys, &forged, 1), Err(rejection), "{forged}");
        }
    }

    #[test]
    fn payloads_past_the_stack_buffer_are_decoded_on_the_heap() {
        let secret = b"a secret of thirty-two bytes, or more";
        let keys = KeySet::new().with_hs256_secret(secret).unwrap_or_default();
        for len in [
            0,
            STACK_PAYLOAD_LEN - 40,
            STACK_PAYLOAD_LEN,
            4 * STACK_PAYLOAD_LEN,
        ] {
            let note = "n".repeat(len);
            let token = hs256(secret, &format!(r#"{{"exp":2000000000,"note":"{note}"}}"#));
            let claims = verify_at(&keys, &token, 1_000_000_000);
            assert_eq!(
                claims.map(|c| c.other["note"].as_str().map(str::len)),
                Ok(Some(len)),
                "{len}"
            );
            // One character outside the alphabet, at the end of a signed payload.
            let (input, _) = token.rsplit_once('.').unwrap_or_default();
            let broken = with_raw_payload(secret, &format!("{}*", &input[..input.len() - 1]));
            assert_eq!(
                verify_at(&keys, &broken, 1_000_000_000),
                Err(TokenRejection::Malformed("payload is not base64url")),
                "{len}"
            );
        }
    }

    #[test]
    fn an_hs256_signature_is_checked_before_the_payload_is_decoded() {
        let secret = b"a secret of thirty-two bytes, or more";
        let keys = KeySet::new().with_hs256_secret(secret).unwrap_or_default();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        for payload in ["e30*", "e30=", "e3+/", "e"] {
            let signed = with_raw_payload(secret, &format!("{header}.{payload}"));
            let (input, _) = signed.rsplit_once('.').unwrap_or_default();
            let forged = format!("{input}.{}", "A".repeat(43));
            // Signed: the payload's own fault. Forged: the signature's, whatever the payload.
            assert_eq!(
                verify_at(&keys, &signed, 1),
                Err(TokenRejection::Malformed("payload is not base64url")),
                "{payload}"
            );
            assert_eq!(
                verify_at(&keys, &forged, 1),
                Err(TokenRejection::BadSignature),
                "{payload}"
            );
        }
    }

    #[test]
    fn a_signed_header_must_be_a_json_object_of_text() {
        let secret = b"a secret of thirty-two bytes, or more";
        let keys = KeySet::new().with_hs256_secret(secret).unwrap_or_default();
        let claims = r#"{"exp":2000000000}"#;
        let verdict = |header: &[u8]| verify_at(&keys, &with_header(secret, header, claims), 1);
        // Held against what must pass, so that the rejections below are the header's.
        for header in [
            br#"{"alg":"HS256"}"#.as_slice(),
            br#" {"alg":"HS256","typ":"JWT","x":"\u00e9\ud83d\ude00","crit":null}"#,
            "{\"alg\":\"HS256\",\"x\":[\"é\",{\"y\":1}]}".as_bytes(),
        ] {
            assert!(
                verdict(header).is_ok(),
                "{}",
                String::from_utf8_lossy(header)
            );
        }
        for header in [
            br#"["HS256",null,null]"#.as_slice(),
            br#"["HS256"]"#,
            br#"{"alg":"HS256","x":"\ud800"}"#,
            br#"{"alg":"HS256","x":["\udc00"]}"#,
            b"{\"alg\":\"HS256\",\"x\":\"\xff\"}",
            b"{\"alg\":\"HS256\",\"\xc3\":1}",
            br#"{"alg":"HS256","alg":"HS256"}"#,
            br#"{"alg":"HS256","x":1,"#,
        ] {
            assert_eq!(
                verdict(header),
                Err(TokenRejection::Malformed(
                    "header is not a JSON object with alg"
                )),
                "{}",
                String::from_utf8_lossy(header)
            );
        }
    }
}
