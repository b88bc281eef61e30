//! Token binding: a token's `pay` claim is the hash of another header's value.

use std::borrow::Cow;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::header::single_value;
use crate::rejection::logged;
use crate::{ApproovClaims, TokenRejection};

/// The request header an Approov token is bound to, through its `pay` claim.
///
/// Binding ties a token to something only that request has, most often the
/// `Authorization` header, so a token lifted from one user's request is useless with
/// another user's credentials.
///
/// ```
/// use approov_core::BindingHeader;
///
/// assert_eq!(BindingHeader::default().name(), "authorization");
/// assert_eq!(BindingHeader::new("X-Device-Id").name(), "x-device-id");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BindingHeader(Cow<'static, str>);

impl BindingHeader {
    /// The `Authorization` header, the usual binding.
    pub const AUTHORIZATION: BindingHeader = BindingHeader(Cow::Borrowed("authorization"));

    /// Binds to the header `name` (matched case-insensitively, stored lower-case).
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        let name = name.into();
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            BindingHeader(Cow::Owned(name.to_ascii_lowercase()))
        } else {
            BindingHeader(name)
        }
    }

    /// The header's name, in lower case.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Checks that `claims` bind the token to this header's value in the request, as
    /// [`ApproovClaims::check_binding`] does, and logs a rejection at `info`.
    /// `headers` returns every value the request has for a header name.
    pub fn check<'h, F, I>(&self, claims: &ApproovClaims, headers: F) -> Result<(), TokenRejection>
    where
        F: FnOnce(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        logged(claims.check_binding(headers(self.name())))
    }
}

/// A header to bind tokens to, named by a type: for adapters whose binding is chosen
/// at compile time (a bound extractor or request guard's type parameter).
///
/// ```
/// use approov_core::BindingHeaderName;
///
/// /// Bind tokens to the `X-Device-Id` header.
/// struct DeviceId;
/// impl BindingHeaderName for DeviceId {
///     const NAME: &'static str = "x-device-id";
/// }
/// assert_eq!(DeviceId::binding_header().name(), "x-device-id");
/// ```
pub trait BindingHeaderName: Send + Sync + 'static {
    /// The header's name.
    const NAME: &'static str;

    /// The header as a [`BindingHeader`].
    fn binding_header() -> BindingHeader {
        BindingHeader::new(Self::NAME)
    }
}

/// Binds tokens to the `Authorization` header: the default binding.
#[derive(Debug, Clone, Copy, Default)]
pub struct Authorization;

impl BindingHeaderName for Authorization {
    const NAME: &'static str = "authorization";
}

impl Default for BindingHeader {
    /// `Authorization`.
    fn default() -> Self {
        Self::AUTHORIZATION
    }
}

impl From<&'static str> for BindingHeader {
    fn from(name: &'static str) -> Self {
        BindingHeader::new(name)
    }
}

impl fmt::Debug for BindingHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BindingHeader").field(&self.name()).finish()
    }
}

/// The `pay` claim a token bound to `header_value` carries: standard, padded base64
/// of the SHA-256 of the value's bytes.
///
/// ```
/// assert_eq!(
///     approov_core::binding_claim(b"Bearer abc"),
///     "w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY="
/// );
/// ```
pub fn binding_claim(header_value: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(header_value))
}

impl ApproovClaims {
    /// Checks that this token's `pay` claim binds it to the request's `header_values`
    /// (every value the request has for the bound header, in the raw bytes the client
    /// sent). The comparison runs in constant time.
    ///
    /// ```
    /// # use approov_core::{ApproovClaims, TokenRejection};
    /// # let claims: ApproovClaims = serde_json::from_str(
    /// #     r#"{"exp":1,"pay":"w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY="}"#).unwrap();
    /// assert_eq!(claims.check_binding([b"Bearer abc".as_slice()]), Ok(()));
    /// assert_eq!(
    ///     claims.check_binding([b"Bearer xyz".as_slice()]),
    ///     Err(TokenRejection::BindingMismatch)
    /// );
    /// assert_eq!(claims.check_binding([]), Err(TokenRejection::BindingHeaderMissing));
    /// ```
    pub fn check_binding<'h, I>(&self, header_values: I) -> Result<(), TokenRejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let value = single_value(
            header_values,
            TokenRejection::BindingHeaderMissing,
            TokenRejection::BindingHeaderDuplicate,
        )?;
        if value.is_empty() {
            return Err(TokenRejection::BindingHeaderMissing);
        }
        let pay = self
            .pay
            .as_deref()
            .ok_or(TokenRejection::BindingClaimMissing)?;
        let expected = binding_claim(value);
        if bool::from(expected.as_bytes().ct_eq(pay.as_bytes())) {
            Ok(())
        } else {
            Err(TokenRejection::BindingMismatch)
        }
    }
}
