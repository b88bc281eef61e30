//! The name of a request header a token is bound to: what a binding hashes and what a
//! binding's rejection names.

use std::borrow::Cow;
use std::fmt;

/// One request header a token can be bound to, named case-insensitively.
///
/// ```
/// use approov_core::BindingHeader;
///
/// assert_eq!(BindingHeader::AUTHORIZATION.name(), "authorization");
/// assert_eq!(BindingHeader::new("SessionId").name(), "sessionid");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BindingHeader(Cow<'static, str>);

impl BindingHeader {
    /// The `Authorization` header, the usual binding.
    pub const AUTHORIZATION: BindingHeader = BindingHeader(Cow::Borrowed("authorization"));

    /// The header `name` (matched case-insensitively, stored lower-case).
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
}

impl fmt::Debug for BindingHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BindingHeader").field(&self.name()).finish()
    }
}

impl fmt::Display for BindingHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<&'static str> for BindingHeader {
    fn from(name: &'static str) -> Self {
        BindingHeader::new(name)
    }
}
