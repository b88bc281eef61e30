//! Checking a body against its `Content-Digest` (RFC 9530).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sfv::{BareItem, Dictionary, ListEntry, Parser};
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq as _;

use super::input::joined;
use super::{Error, MAX_SIGNATURE_HEADER_LEN};

/// Checks `body` against every `sha-256` and `sha-512` member of `Content-Digest`.
///
/// At least one of the two must be there and each one there must match. Other
/// algorithms are ignored, as RFC 9530 §2 allows. A member may be a byte sequence
/// (`sha-256=:BASE64:`, the RFC's form) or a string (`sha-256="BASE64"`, as Approov's
/// test scripts send it; `":BASE64:"` inside the quotes is taken too).
pub(crate) fn check_content_digest<'h, I>(values: I, body: &[u8]) -> Result<(), Error>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let raw = joined(values, MAX_SIGNATURE_HEADER_LEN)?.ok_or(Error::CoveredHeaderMissing)?;
    let members = Parser::new(&raw)
        .parse::<Dictionary>()
        .map_err(|_| Error::Malformed("Content-Digest is not a structured-field dictionary"))?;
    let mut checked = false;
    for (name, member) in &members {
        let actual = match name.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        let expected = expected_digest(member)?;
        if !bool::from(expected.as_slice().ct_eq(&actual)) {
            return Err(Error::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(Error::UnsupportedDigest)
    }
}

fn expected_digest(member: &ListEntry) -> Result<Vec<u8>, Error> {
    let ListEntry::Item(item) = member else {
        return Err(Error::Malformed("a Content-Digest member is an inner list"));
    };
    match &item.bare_item {
        BareItem::ByteSequence(bytes) => Ok(bytes.clone()),
        BareItem::String(text) => {
            let text = text.as_str();
            let text = text
                .strip_prefix(':')
                .and_then(|t| t.strip_suffix(':'))
                .unwrap_or(text);
            STANDARD
                .decode(text)
                .map_err(|_| Error::Malformed("a Content-Digest member is not base64"))
        }
        _ => Err(Error::Malformed(
            "a Content-Digest member is neither a byte sequence nor a string",
        )),
    }
}
