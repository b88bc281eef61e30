//! The rules for the request header that carries the token.

use std::borrow::Cow;

use crate::TokenRejection;

/// Returns the one value of a header, or the rejection `missing` / `duplicate` builds.
pub(crate) fn single_value<'h, I>(
    values: I,
    missing: impl FnOnce() -> TokenRejection,
    duplicate: impl FnOnce() -> TokenRejection,
) -> Result<&'h [u8], TokenRejection>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let mut values = values.into_iter();
    let first = values.next().ok_or_else(missing)?;
    match values.next() {
        None => Ok(first),
        Some(_) => Err(duplicate()),
    }
}

/// Picks the token out of the request's values for the token header `header`.
///
/// Exactly one non-empty value; with a `prefix` configured it must start with it
/// (ASCII case-insensitively), without one a `Bearer ` scheme is refused; what is left
/// must be visible ASCII. The token is handed on as those bytes: visible ASCII is
/// UTF-8, so there is nothing left to validate.
// The `Cow` itself, not a `&str`: a rejection clones it, for free when it is borrowed.
#[allow(clippy::ptr_arg)]
pub(crate) fn token_from_values<'h, I>(
    values: I,
    header: &Cow<'static, str>,
    prefix: Option<&str>,
) -> Result<&'h [u8], TokenRejection>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let named = || header.clone();
    let value = single_value(
        values,
        || TokenRejection::Missing { header: named() },
        || TokenRejection::Duplicate { header: named() },
    )?;
    if value.is_empty() {
        return Err(TokenRejection::Empty { header: named() });
    }
    let token = match prefix {
        Some(prefix) => strip_prefix_ignore_case(value, prefix.as_bytes())
            .ok_or_else(|| TokenRejection::MissingPrefix { header: named() })?,
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

fn strip_prefix_ignore_case<'v>(value: &'v [u8], prefix: &[u8]) -> Option<&'v [u8]> {
    match value.split_at_checked(prefix.len()) {
        Some((head, rest)) if head.eq_ignore_ascii_case(prefix) => Some(rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: Cow<'static, str> = Cow::Borrowed("approov-token");

    #[test]
    fn prefix_is_stripped_case_insensitively() {
        let got = token_from_values([b"bearer abc".as_slice()], &HEADER, Some("Bearer "));
        assert_eq!(got, Ok(b"abc".as_slice()));
    }

    #[test]
    fn prefix_alone_is_empty() {
        let got = token_from_values([b"Bearer ".as_slice()], &HEADER, Some("Bearer "));
        assert_eq!(got, Err(TokenRejection::Empty { header: HEADER }));
    }

    #[test]
    fn rejections_name_the_header() {
        let got = token_from_values(std::iter::empty(), &Cow::Borrowed("x-token"), None);
        let rejection = got.err().map(|r| r.to_string()).unwrap_or_default();
        assert_eq!(rejection, "no `x-token` header in the request");
    }
}
