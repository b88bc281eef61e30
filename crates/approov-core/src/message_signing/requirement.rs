//! [`SignatureRequirement`]: which message signatures a request must carry.

use std::fmt;
use std::str::FromStr;

/// Which of a request's message signatures must verify: the `install` one (ECDSA
/// P-256, the key in the token's `ipk`), the `account` one (HMAC-SHA256, the
/// [`AccountKey`](crate::AccountKey)), either or both.
///
/// Under every requirement, a signature the server checks that is present and does
/// not verify refuses the request: a forged half is evidence of tampering. `install`
/// checks only `install`, `account` only `account` (and needs no `ipk` in the token),
/// `either` and `both` check whichever are present, and pass with at least one and
/// with both respectively. The default is `install` without an account key and
/// `either` with one.
///
/// ```
/// use approov_core::SignatureRequirement;
///
/// assert_eq!("both".parse(), Ok(SignatureRequirement::Both));
/// assert_eq!(SignatureRequirement::Either.to_string(), "either");
/// assert!("all".parse::<SignatureRequirement>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureRequirement {
    /// The `install` signature must verify (the `account` one is not checked).
    Install,
    /// The `account` signature must verify (the `install` one is not checked).
    Account,
    /// At least one of the two must be present; each one present must verify.
    Either,
    /// Both must be present and verify.
    Both,
}

impl SignatureRequirement {
    /// Whether the `install` signature is checked when present.
    pub(crate) fn checks_install(self) -> bool {
        !matches!(self, SignatureRequirement::Account)
    }

    /// Whether the `account` signature is checked when present.
    pub(crate) fn checks_account(self) -> bool {
        !matches!(self, SignatureRequirement::Install)
    }

    /// Whether it cannot be met without an account key.
    pub fn needs_account_key(self) -> bool {
        matches!(
            self,
            SignatureRequirement::Account | SignatureRequirement::Both
        )
    }

    fn name(self) -> &'static str {
        match self {
            SignatureRequirement::Install => "install",
            SignatureRequirement::Account => "account",
            SignatureRequirement::Either => "either",
            SignatureRequirement::Both => "both",
        }
    }
}

impl fmt::Display for SignatureRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value that names no requirement (`install`, `account`, `either`, `both`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a signature requirement: use `install`, `account`, `either` or `both`")]
pub struct UnknownRequirement(pub String);

impl FromStr for SignatureRequirement {
    type Err = UnknownRequirement;

    /// Any case, surrounding white space ignored.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "install" => Ok(SignatureRequirement::Install),
            "account" => Ok(SignatureRequirement::Account),
            "either" => Ok(SignatureRequirement::Either),
            "both" => Ok(SignatureRequirement::Both),
            _ => Err(UnknownRequirement(value.to_owned())),
        }
    }
}
