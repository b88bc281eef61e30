//! The JOSE header of a token: its `alg` and `kid`, and nothing it may not carry.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use serde::Deserialize;

use super::compact::MAX_HEADER_LEN;
use super::segment;
use crate::keys::Algorithm;
use crate::TokenRejection;

/// The only JOSE header members that matter here.
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    /// The key id; it comes from the request, so it only selects a configured key and
    /// is never logged.
    kid: Option<String>,
    /// Critical extensions this verifier cannot honour (RFC 7515 §4.1.11).
    crit: Option<serde::de::IgnoredAny>,
    /// Every other member, read only so that the whole header is checked to be JSON
    /// text (RFC 7515 §5.2: UTF-8, no unpaired surrogate escapes); being flattened, it
    /// also makes the header readable only from a JSON object, never from an array.
    #[serde(flatten)]
    _rest: serde_json::Map<String, serde_json::Value>,
}

/// What the JOSE header says about the key.
pub(crate) struct KeyHint {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
}

/// The JOSE headers HS256 tokens usually carry, `{"alg":"HS256","typ":"JWT"}` and
/// `{"typ":"JWT","alg":"HS256"}`, base64url: known good without decoding them.
const COMMON_HS256_HEADERS: [&[u8]; 2] = [
    b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    b"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
];

pub(crate) fn read_header(encoded: &[u8]) -> Result<KeyHint, TokenRejection> {
    if COMMON_HS256_HEADERS.contains(&encoded) {
        return Ok(KeyHint {
            alg: Algorithm::HS256,
            kid: None,
        });
    }
    let mut buf = [MaybeUninit::uninit(); MAX_HEADER_LEN];
    let decoded = segment::decode_into(encoded, &mut buf)
        .ok_or(TokenRejection::Malformed("header is not base64url"))?;
    let header: JoseHeader<'_> = serde_json::from_slice(decoded)
        .map_err(|_| TokenRejection::Malformed("header is not a JSON object with alg"))?;
    let alg = Algorithm::from_jose(&header.alg).ok_or(TokenRejection::UnsupportedAlgorithm)?;
    if header.crit.is_some() {
        return Err(TokenRejection::Malformed("header has crit extensions"));
    }
    Ok(KeyHint {
        alg,
        kid: header.kid,
    })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    #[test]
    fn the_common_headers_are_what_they_claim() {
        let decoded: Vec<String> = COMMON_HS256_HEADERS
            .iter()
            .map(|h| {
                String::from_utf8(URL_SAFE_NO_PAD.decode(h).unwrap_or_default()).unwrap_or_default()
            })
            .collect();
        assert_eq!(
            decoded,
            [
                r#"{"alg":"HS256","typ":"JWT"}"#,
                r#"{"typ":"JWT","alg":"HS256"}"#
            ]
        );
        // And the slow path agrees with the fast one.
        for header in decoded {
            let encoded = URL_SAFE_NO_PAD.encode(header.replace(':', " : "));
            let read = read_header(encoded.as_bytes()).map(|h| (h.alg, h.kid));
            assert_eq!(read, Ok((Algorithm::HS256, None)));
        }
    }
}
