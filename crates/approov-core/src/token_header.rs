//! The rules for the request header that carries the token.

use std::borrow::Cow;

use crate::headers::trim_ows;
use crate::TokenRejection;

/// The request header that carries the token by default.
pub const DEFAULT_TOKEN_HEADER: &str = "approov-token";

/// The header a verifier reads the token from, and the prefix it expects there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenHeader {
    /// The header's name, in lower case.
    name: Cow<'static, str>,
    /// A prefix the value must start with (`Bearer `), matched ASCII case-insensitively.
    prefix: Option<String>,
}

impl Default for TokenHeader {
    fn default() -> Self {
        TokenHeader {
            name: Cow::Borrowed(DEFAULT_TOKEN_HEADER),
            prefix: None,
        }
    }
}

impl TokenHeader {
    /// Reads the token from header `name` (any case).
    pub(crate) fn with_name(self, name: &str) -> Self {
        TokenHeader {
            name: Cow::Owned(name.to_ascii_lowercase()),
            ..self
        }
    }

    /// Expects the header's value to start with `prefix`.
    pub(crate) fn with_prefix(self, prefix: &str) -> Self {
        TokenHeader {
            prefix: Some(prefix.to_owned()),
            ..self
        }
    }

    /// The header's name, in lower case.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The prefix, when one is configured.
    pub(crate) fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// The token in the request's `values` for this header.
    ///
    /// Exactly one non-empty value; with a prefix configured it must start with it
    /// (ASCII case-insensitively), without one a `Bearer ` scheme is refused; what is
    /// left must be visible ASCII. The token is handed on as those bytes: visible ASCII
    /// is UTF-8, so there is nothing left to validate.
    pub(crate) fn token<'h>(
        &self,
        values: impl Iterator<Item = &'h [u8]>,
    ) -> Result<&'h [u8], TokenRejection> {
        // The `Cow` itself is cloned into a rejection: free when it is borrowed.
        let named = || self.name.clone();
        let value = single_value(
            values,
            || TokenRejection::Missing { header: named() },
            || TokenRejection::Duplicate { header: named() },
        )?;
        // As HTTP/1.1's parser hands it over, whatever the protocol (RFC 9110 §5.5).
        let value = trim_ows(value);
        if value.is_empty() {
            return Err(TokenRejection::Empty { header: named() });
        }
        let token = match &self.prefix {
            Some(prefix) => match strip_prefix_ignore_case(value, prefix.as_bytes()) {
                Some(token) => token,
                // The prefix alone, its trailing space trimmed as any value's: no token.
                None if value.eq_ignore_ascii_case(trim_ows(prefix.as_bytes())) => {
                    return Err(TokenRejection::Empty { header: named() })
                }
                None => return Err(TokenRejection::MissingPrefix { header: named() }),
            },
            None if strip_prefix_ignore_case(value, b"bearer ").is_some() => {
                return Err(TokenRejection::UnexpectedPrefix { header: named() })
            }
            None => value,
        };
        if token.is_empty() {
            return Err(TokenRejection::Empty { header: named() });
        }
        // Without an early exit the loop vectorises; tokens are short and usually valid.
        if !token.iter().fold(true, |ok, b| ok & b.is_ascii_graphic()) {
            return Err(TokenRejection::NotVisibleAscii { header: named() });
        }
        Ok(token)
    }
}

fn strip_prefix_ignore_case<'v>(value: &'v [u8], prefix: &[u8]) -> Option<&'v [u8]> {
    match value.split_at_checked(prefix.len()) {
        Some((head, rest)) if head.eq_ignore_ascii_case(prefix) => Some(rest),
        _ => None,
    }
}

/// The one value of a header, or the error `missing` / `duplicate` builds.
pub(crate) fn single_value<'h, E>(
    mut values: impl Iterator<Item = &'h [u8]>,
    missing: impl FnOnce() -> E,
    duplicate: impl FnOnce() -> E,
) -> Result<&'h [u8], E> {
    let first = values.next().ok_or_else(missing)?;
    match values.next() {
        None => Ok(first),
        Some(_) => Err(duplicate()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: Cow<'static, str> = Cow::Borrowed("approov-token");

    fn bearer() -> TokenHeader {
        TokenHeader::default().with_prefix("Bearer ")
    }

    #[test]
    fn prefix_is_stripped_case_insensitively() {
        let got = bearer().token([b"bearer abc".as_slice()].into_iter());
        assert_eq!(got, Ok(b"abc".as_slice()));
    }

    #[test]
    fn prefix_alone_is_empty() {
        let got = bearer().token([b"Bearer ".as_slice()].into_iter());
        assert_eq!(got, Err(TokenRejection::Empty { header: HEADER }));
    }

    #[test]
    fn the_value_is_trimmed_of_spaces_and_tabs_as_http_1_1_would() {
        let plain = TokenHeader::default();
        assert_eq!(
            plain.token([b" \tabc \t".as_slice()].into_iter()),
            Ok(b"abc".as_slice())
        );
        assert_eq!(
            plain.token([b"  ".as_slice()].into_iter()),
            Err(TokenRejection::Empty { header: HEADER })
        );
        // Inside the value, white space is still not a token's.
        assert_eq!(
            plain.token([b"a b".as_slice()].into_iter()),
            Err(TokenRejection::NotVisibleAscii { header: HEADER })
        );
        assert_eq!(
            bearer().token([b" Bearer abc ".as_slice()].into_iter()),
            Ok(b"abc".as_slice())
        );
    }

    #[test]
    fn rejections_name_the_header() {
        let got = TokenHeader::default()
            .with_name("X-Token")
            .token(std::iter::empty());
        let rejection = got.err().map(|r| r.to_string()).unwrap_or_default();
        assert_eq!(rejection, "no `x-token` header in the request");
    }
}
