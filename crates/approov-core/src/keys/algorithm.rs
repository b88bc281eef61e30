//! The JWS algorithms (RFC 7518) a key can be pinned to.

use std::fmt;

/// A JWS algorithm (RFC 7518) a key is pinned to: a token is checked with a key only
/// when its `alg` is the key's.
///
/// ```
/// use approov_core::Algorithm;
///
/// assert_eq!("ES256".parse::<Algorithm>().ok(), Some(Algorithm::ES256));
/// assert!("es256".parse::<Algorithm>().is_err()); // JOSE names are case-sensitive
/// assert!(Algorithm::EdDSA.is_public_key());
/// assert_eq!(Algorithm::HS256.to_string(), "HS256");
/// ```
#[allow(clippy::upper_case_acronyms)] // the JOSE names
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA256 with a shared secret: Approov's default.
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, an RSA key of at least 2048 bits.
    RS256,
    /// RSASSA-PSS with SHA-256, an RSA key of at least 2048 bits.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// EdDSA on Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Every algorithm a key can be pinned to.
    pub const ALL: [Algorithm; 5] = [
        Algorithm::HS256,
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ];

    /// The JOSE name, as a token's `alg` and a JWK's `alg` write it.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::RS256 => "RS256",
            Algorithm::PS256 => "PS256",
            Algorithm::ES256 => "ES256",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Whether tokens of this algorithm are checked with a public key (all but HS256).
    pub const fn is_public_key(self) -> bool {
        !matches!(self, Algorithm::HS256)
    }

    /// The algorithm a JOSE `alg` names, exactly (case-sensitively).
    pub(crate) fn from_jose(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// jsonwebtoken's name for it, to mint with.
    #[cfg(feature = "mint")]
    pub(crate) fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
