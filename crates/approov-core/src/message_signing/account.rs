//! [`AccountKey`]: the HMAC key `account` signatures are checked with.

use std::fmt;
use std::sync::Arc;

use crate::keys::{constant_time_eq, HmacKey};
use crate::token::ApproovClaims;

/// The key the app's `account` message signatures (`hmac-sha256`) are checked with:
/// the account message signing key that `approov secret -messageSigningKey
/// get-base64url` prints, or a hook that resolves the key for each token.
///
/// The vendor's client documentation describes one key per account, used as printed,
/// and that is what [`from_base64url`](Self::from_base64url) and
/// `APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY` take. Whether the service instead derives a
/// key per token (an earlier draft of the vendor's ASP.NET verifier derived one from
/// `did` and `exp`) is not published: a deployment that does plugs its derivation in
/// with [`per_token`](Self::per_token), without forking.
///
/// ```
/// use approov_core::{AccountKey, MessageSigning, SignatureRequirement};
///
/// let key = AccountKey::from_base64url("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE")?;
/// let signing = MessageSigning::default().with_account_key(key);
/// // With an account key and no requirement set, either signature will do.
/// assert_eq!(signing.requirement(), SignatureRequirement::Either);
/// # Ok::<(), approov_core::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct AccountKey {
    source: Source,
}

#[derive(Clone)]
enum Source {
    /// One key for every token: kept keyed, and as bytes (to compare and to print).
    Fixed { keyed: HmacKey, bytes: Arc<[u8]> },
    /// A key per token, resolved from its claims.
    PerToken(Arc<Resolver>),
}

type Resolver = dyn Fn(&ApproovClaims) -> Option<Vec<u8>> + Send + Sync;

/// What a check is keyed with: the fixed key, borrowed, or one resolved now.
pub(crate) enum Keyed<'k> {
    Borrowed(&'k HmacKey),
    Resolved(HmacKey),
}

impl Keyed<'_> {
    /// Whether `signature` is the HMAC-SHA256 of `base` (constant time).
    pub(crate) fn verifies(&self, base: &[u8], signature: &[u8]) -> bool {
        let key = match self {
            Keyed::Borrowed(key) => key,
            Keyed::Resolved(key) => key,
        };
        <&[u8; 32]>::try_from(signature).is_ok_and(|signature| key.verifies(base, signature))
    }
}

impl AccountKey {
    /// The key, as bytes (decoded). Any length is taken; under 32 bytes is weak
    /// (`from_env` warns).
    pub fn from_bytes(key: &[u8]) -> Self {
        AccountKey {
            source: Source::Fixed {
                keyed: HmacKey::new(key),
                bytes: key.into(),
            },
        }
    }

    /// The key as `approov secret -messageSigningKey get-base64url` prints it
    /// (base64url, padded or not; surrounding white space ignored).
    ///
    /// # Errors
    /// The value is empty, is standard base64 instead (named as such), or does not
    /// decode (the character and its position are named).
    pub fn from_base64url(key: &str) -> Result<Self, crate::ConfigError> {
        crate::config::decode_account_key(key, "the key given to AccountKey::from_base64url")
            .map(|bytes| Self::from_bytes(&bytes))
    }

    /// A key resolved for each token from its claims (`did`, `exp`, ...): the hook for
    /// a deployment that derives account keys per token. `None` refuses the request
    /// ([`AccountKeyUnavailable`](crate::MessageSignatureError::AccountKeyUnavailable)).
    ///
    /// ```
    /// use approov_core::AccountKey;
    ///
    /// let master = b"an account-wide master key, 32 bytes or more".to_vec();
    /// let key = AccountKey::per_token(move |claims| {
    ///     let did = claims.did.as_deref()?;
    ///     // Your derivation here (an HKDF over `did` and `exp`, say).
    ///     Some([master.as_slice(), did.as_bytes(), &claims.exp.to_be_bytes()].concat())
    /// });
    /// # let _ = key;
    /// ```
    pub fn per_token<F>(resolve: F) -> Self
    where
        F: Fn(&ApproovClaims) -> Option<Vec<u8>> + Send + Sync + 'static,
    {
        AccountKey {
            source: Source::PerToken(Arc::new(resolve)),
        }
    }

    /// The key for `claims`' token, or `None` when the hook has none.
    pub(crate) fn keyed(&self, claims: &ApproovClaims) -> Option<Keyed<'_>> {
        match &self.source {
            Source::Fixed { keyed, .. } => Some(Keyed::Borrowed(keyed)),
            Source::PerToken(resolve) => {
                resolve(claims).map(|key| Keyed::Resolved(HmacKey::new(&key)))
            }
        }
    }

    /// The fixed key's state, for signing.
    #[cfg(feature = "mint")]
    pub(crate) fn fixed(&self) -> Option<(&HmacKey, &[u8])> {
        match &self.source {
            Source::Fixed { keyed, bytes } => Some((keyed, bytes)),
            Source::PerToken(_) => None,
        }
    }
}

/// Two keys are equal when they are the same bytes, or the same hook.
impl PartialEq for AccountKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.source, &other.source) {
            (Source::Fixed { bytes: a, .. }, Source::Fixed { bytes: b, .. }) => {
                constant_time_eq(a, b)
            }
            (Source::PerToken(a), Source::PerToken(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for AccountKey {}

/// Never shows the key.
impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Fixed { bytes, .. } => {
                write!(f, "AccountKey([redacted, {} bytes])", bytes.len())
            }
            Source::PerToken(_) => f.write_str("AccountKey(per token)"),
        }
    }
}
