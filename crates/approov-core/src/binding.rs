//! Token binding: a token's `pay` claim is the hash of other headers' values.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::binding_header::BindingHeader;
use crate::headers::{trim_ows, RequestHeaders};
use crate::keys::constant_time_eq;
use crate::rejection::TokenRejection;
use crate::token::ApproovClaims;
use crate::token_header::single_value;

/// What a bound route binds its tokens to: one or more request headers, in order.
///
/// The token's `pay` claim must be base64(SHA-256(the headers' values concatenated in
/// this order, with no separator)), as the Approov quickstarts compute it. Each header
/// must appear exactly once and not be empty; its value is hashed without surrounding
/// white space. Binding to one header is the
/// one-element case.
///
/// ```
/// use approov_core::{Binding, BindingHeader};
///
/// let single = Binding::from(BindingHeader::AUTHORIZATION);
/// let double = Binding::from([BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]);
/// assert_eq!(double.headers().len(), 2);
/// assert_eq!(single, Binding::from("Authorization"));
/// ```
// Shared, not copied: a verification keeps the binding it checked, once per request.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Binding(Arc<[BindingHeader]>);

impl Binding {
    /// Binds to `headers`, in this order. A binding to no header at all fails
    /// closed: it rejects every token ([`TokenRejection::BindingMismatch`]).
    pub fn new(headers: impl Into<Vec<BindingHeader>>) -> Self {
        Binding(headers.into().into())
    }

    /// The headers, in the order their values are hashed.
    pub fn headers(&self) -> &[BindingHeader] {
        &self.0
    }

    /// Checks that `claims` bind the token to this request: `pay` is the hash of the
    /// bound headers' values. `headers` returns every value the request has for a
    /// header name (lower case), as raw bytes. The comparison runs in constant time.
    ///
    /// ```
    /// # use approov_core::{ApproovClaims, Binding, BindingHeader, TokenRejection};
    /// # let claims: ApproovClaims = serde_json::from_str(
    /// #     r#"{"exp":1,"pay":"w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY="}"#).unwrap();
    /// let binding = Binding::from(BindingHeader::AUTHORIZATION);
    /// let request = |value: &'static [u8]| move |_: &str| [value];
    /// assert_eq!(binding.check(&claims, request(b"Bearer abc")), Ok(()));
    /// assert_eq!(
    ///     binding.check(&claims, request(b"Bearer xyz")),
    ///     Err(TokenRejection::BindingMismatch)
    /// );
    /// ```
    pub fn check<'h, F, I>(&self, claims: &ApproovClaims, headers: F) -> Result<(), TokenRejection>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        self.check_pay(claims.pay.as_deref(), &headers)
    }

    /// [`check`](Self::check) with the token's `pay` claim alone.
    pub(crate) fn check_pay<'h>(
        &self,
        pay: Option<&str>,
        headers: &impl RequestHeaders<'h>,
    ) -> Result<(), TokenRejection> {
        if self.headers().is_empty() {
            return Err(TokenRejection::BindingMismatch);
        }
        let mut hasher = Sha256::new();
        for header in self.headers() {
            let value = single_value(
                headers.values(header.name()),
                || TokenRejection::BindingHeaderMissing {
                    header: header.clone(),
                },
                || TokenRejection::BindingHeaderDuplicate {
                    header: header.clone(),
                },
            )?;
            // Trimmed as every value a check reads; all white space is empty.
            let value = trim_ows(value);
            if value.is_empty() {
                return Err(TokenRejection::BindingHeaderMissing {
                    header: header.clone(),
                });
            }
            hasher.update(value);
        }
        let pay = pay.ok_or(TokenRejection::BindingClaimMissing)?;
        let mut expected = [0u8; 44];
        // 32 bytes of SHA-256 are always 44 characters of padded base64.
        let len = STANDARD
            .encode_slice(hasher.finalize(), &mut expected)
            .map_err(|_| TokenRejection::BindingMismatch)?;
        if constant_time_eq(&expected[..len], pay.as_bytes()) {
            Ok(())
        } else {
            Err(TokenRejection::BindingMismatch)
        }
    }
}

impl fmt::Debug for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.headers().iter().map(BindingHeader::name))
            .finish()
    }
}

impl From<BindingHeader> for Binding {
    fn from(header: BindingHeader) -> Self {
        Binding(Arc::new([header]))
    }
}

impl From<&'static str> for Binding {
    fn from(name: &'static str) -> Self {
        Binding::from(BindingHeader::new(name))
    }
}

impl<const N: usize> From<[BindingHeader; N]> for Binding {
    fn from(headers: [BindingHeader; N]) -> Self {
        Binding::new(headers)
    }
}

impl From<Vec<BindingHeader>> for Binding {
    fn from(headers: Vec<BindingHeader>) -> Self {
        Binding::new(headers)
    }
}

/// The headers a token is bound to, named by a type: the binding of a bound
/// extractor, request guard or filter chosen at compile time.
///
/// [`AuthorizationBinding`] is the usual one; define your own for other headers:
///
/// ```
/// use approov_core::BindingHeaders;
///
/// /// Bound to `Authorization` then `SessionId`, as the Approov quickstarts' double binding.
/// struct AuthorizationAndSession;
/// impl BindingHeaders for AuthorizationAndSession {
///     const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
/// }
/// assert_eq!(AuthorizationAndSession::binding().headers().len(), 2);
/// ```
pub trait BindingHeaders: Send + Sync + 'static {
    /// The headers' names, in the order their values are hashed.
    const HEADERS: &'static [&'static str];

    /// The headers as a [`Binding`], built when a bound extractor asks for it. (A
    /// per-thread cache of it saved under 1% of a bound request's instructions, so
    /// there is none.)
    fn binding() -> Binding {
        Binding::new(
            Self::HEADERS
                .iter()
                .map(|name| BindingHeader::new(*name))
                .collect::<Vec<_>>(),
        )
    }
}

/// Binds tokens to the `Authorization` header: the default binding.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthorizationBinding;

impl BindingHeaders for AuthorizationBinding {
    const HEADERS: &'static [&'static str] = &["authorization"];
}

/// The `pay` claim of a token bound to these header values: standard, padded base64
/// of the SHA-256 of the values concatenated in order, with no separator, each
/// without surrounding white space (as [`Binding::check`] reads them).
///
/// ```
/// use approov_core::binding_claim;
///
/// assert_eq!(binding_claim([b"Bearer abc".as_slice()]), "w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY=");
/// // Double binding hashes the concatenation, each value trimmed.
/// assert_eq!(
///     binding_claim([b"Bearer a".as_slice(), b" bc\t"]),
///     binding_claim([b"Bearer abc".as_slice()]),
/// );
/// ```
pub fn binding_claim<'v>(header_values: impl IntoIterator<Item = &'v [u8]>) -> String {
    let mut hasher = Sha256::new();
    for value in header_values {
        hasher.update(trim_ows(value));
    }
    STANDARD.encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Double;
    impl BindingHeaders for Double {
        const HEADERS: &'static [&'static str] = &["Authorization", "SessionId"];
    }

    #[test]
    fn a_binding_type_names_its_headers_in_lower_case_and_in_order() {
        assert_eq!(
            Double::binding(),
            Binding::from([
                BindingHeader::AUTHORIZATION,
                BindingHeader::new("sessionid")
            ])
        );
        assert_eq!(
            AuthorizationBinding::binding(),
            Binding::from(BindingHeader::AUTHORIZATION)
        );
    }
}
