//! Why a key, or a JWKS, cannot be used.

use std::str::FromStr;

use thiserror::Error;

use super::algorithm::Algorithm;

/// Why a key, or a JWKS, cannot be used. Key ids in messages are quoted and cut to 64
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// An HS256 secret is empty.
    #[error("an HS256 secret is empty")]
    EmptySecret,
    /// An HS256 secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes.
    #[error(
        "an HS256 secret of {len} bytes is too short: RFC 7518 requires at least 32 bytes \
         (256 bits); use the secret `approov secret -get base64url` prints"
    )]
    SecretTooShort {
        /// The secret's length, in bytes.
        len: usize,
    },
    /// A key id is empty.
    #[error("a key id (`kid`) is empty")]
    EmptyKid,
    /// Two keys have the same key id.
    #[error("two keys have the key id {kid}: a `kid` names one key")]
    DuplicateKid {
        /// The key id, quoted.
        kid: String,
    },
    /// An algorithm name that is not one of [`Algorithm::ALL`].
    #[error(
        "{name} is not an algorithm a key can be pinned to (HS256, RS256, PS256, ES256, EdDSA)"
    )]
    UnknownAlgorithm {
        /// The name, quoted.
        name: String,
    },
    /// A public key was given for HS256, which takes a secret.
    #[error("HS256 takes a secret, not a public key: give the key as an HS256 secret")]
    NotPublicKeyAlgorithm,
    /// A PEM public key cannot be used for its algorithm.
    #[error("the {alg} public key {kid} is not usable: {reason}")]
    PublicKey {
        /// The key id it was given, quoted.
        kid: String,
        /// The algorithm it was given for.
        alg: Algorithm,
        /// What is wrong with it.
        reason: String,
    },
    /// The JWKS is not JSON.
    #[error("the JWKS is not JSON: {reason}")]
    JwksNotJson {
        /// The parser's message.
        reason: String,
    },
    /// The JWKS is JSON but not an object with a `keys` array.
    #[error("the JWKS is not a JSON object with a `keys` array")]
    JwksShape,
    /// One key of the JWKS is refused.
    #[error("the JWKS key at index {index}{}: {reason}", kid.as_deref().map(|kid| format!(" (kid {kid})")).unwrap_or_default())]
    Jwk {
        /// Its position in `keys`, from 0.
        index: usize,
        /// Its key id, quoted, when it has a string one.
        kid: Option<String>,
        /// Why it is refused.
        reason: String,
    },
    /// The JWKS has no key for signature checks this verifier can use.
    #[error(
        "the JWKS has no key for checking signatures with RS256, PS256, ES256 or EdDSA \
         ({skipped} key(s) skipped: encryption keys, other algorithms or curves)"
    )]
    JwksNoUsableKey {
        /// How many keys were skipped.
        skipped: usize,
    },
}

/// A string from configuration or a fetched document, as an error message shows it:
/// quoted, escaped, at most 64 characters.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 64;
    let mut cut: String = text.chars().take(MAX).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

impl FromStr for Algorithm {
    type Err = KeyError;

    /// The JOSE name, case-sensitively: `HS256`, `RS256`, `PS256`, `ES256` or `EdDSA`.
    fn from_str(name: &str) -> Result<Self, KeyError> {
        Algorithm::from_jose(name).ok_or_else(|| KeyError::UnknownAlgorithm { name: shown(name) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_quotes_escapes_and_cuts() {
        assert_eq!(shown("a\"b\n"), r#""a\"b\n""#);
        let long = "k".repeat(100);
        assert_eq!(
            shown(&long),
            format!("{:?}", format!("{}…", "k".repeat(64)))
        );
    }
}
