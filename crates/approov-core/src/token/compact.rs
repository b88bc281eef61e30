//! A compact JWS split into its three segments, on its dots, before anything is
//! decoded.

use crate::TokenRejection;

/// The longest token, in bytes, that is looked at. Approov tokens are a few hundred
/// bytes; anything past this is rejected before any decoding.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// A JOSE header worth reading is small; a bigger one is refused undecoded.
pub(crate) const MAX_HEADER_LEN: usize = 512;

/// The three segments of a compact JWS, borrowed from the token.
pub(crate) struct CompactParts<'t> {
    pub(crate) header: &'t [u8],
    pub(crate) payload: &'t [u8],
    pub(crate) signature: &'t [u8],
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'t [u8],
}

pub(crate) fn split_compact(token: &[u8]) -> Result<CompactParts<'_>, TokenRejection> {
    const NOT_THREE_SEGMENTS: TokenRejection = TokenRejection::Malformed("not three segments");
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenRejection::TooLong);
    }
    // The two dots found from either end, then none in between (memchr's search, as
    // `str::split_once` uses on text; the token is bytes here).
    let (Some(first), Some(last)) = (memchr::memchr(b'.', token), memchr::memrchr(b'.', token))
    else {
        return Err(NOT_THREE_SEGMENTS);
    };
    let (Some(header), Some(payload), Some(signature), Some(signing_input)) = (
        token.get(..first),
        token.get(first + 1..last),
        token.get(last + 1..),
        token.get(..last),
    ) else {
        return Err(NOT_THREE_SEGMENTS);
    };
    if memchr::memchr(b'.', payload).is_some() {
        return Err(NOT_THREE_SEGMENTS);
    }
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(TokenRejection::Malformed("empty segment"));
    }
    if header.len() > MAX_HEADER_LEN {
        return Err(TokenRejection::Malformed("header too long"));
    }
    Ok(CompactParts {
        header,
        payload,
        signature,
        signing_input,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_splits_at_its_two_dots_and_nowhere_else() {
        let split = |token: &str| {
            split_compact(token.as_bytes()).map(|p| {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                [p.header, p.payload, p.signature, p.signing_input].map(text)
            })
        };
        assert_eq!(
            split("hh.ppp.s"),
            Ok(["hh", "ppp", "s", "hh.ppp"].map(String::from))
        );
        let three = TokenRejection::Malformed("not three segments");
        for token in ["hps", "h.ps", "h.p.s.x", "h.p..s", "...", "h.p.s."] {
            assert_eq!(split(token).err(), Some(three.clone()), "{token}");
        }
        let empty = TokenRejection::Malformed("empty segment");
        for token in [".p.s", "h..s", "h.p.", ".."] {
            assert_eq!(split(token).err(), Some(empty.clone()), "{token}");
        }
        let too_long = format!("h.{}.s", "p".repeat(MAX_TOKEN_LEN));
        assert_eq!(split(&too_long).err(), Some(TokenRejection::TooLong));
    }
}
