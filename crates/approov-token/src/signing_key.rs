//! A keyset key's file: a private key that signs tokens (ES256, RS256, PS256, EdDSA),
//! in PEM, as `keyset-key` writes it and `mint --key` and `jwks` read it.
//!
//! `keyset-key` writes the key's id and algorithm on lines of their own before the PEM
//! block:
//!
//! ```text
//! kid: "dev-es256"
//! alg: ES256
//! -----BEGIN PRIVATE KEY-----
//! ...
//! ```
//!
//! RFC 7468 lets text precede a PEM block, and openssl and the RustCrypto parsers skip
//! it, so the file is an ordinary PEM key to every other tool. A key from elsewhere
//! (`openssl genpkey`, a keygen installation key) has no such lines: `--kid` says its
//! id, and its algorithm follows from its type unless `--alg` says.

use std::path::Path;

use approov_core::{Algorithm, MintError, SigningKey};
use serde_json::Value;

use crate::failure::Failure;
use crate::key_file::{file_name, read_key_text};

/// What a key file can hold, and what each signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    P256,
    Ed25519,
    Rsa,
}

impl KeyType {
    const ALL: [KeyType; 3] = [KeyType::P256, KeyType::Ed25519, KeyType::Rsa];

    fn of(alg: Algorithm) -> Option<KeyType> {
        match alg {
            Algorithm::ES256 => Some(KeyType::P256),
            Algorithm::EdDSA => Some(KeyType::Ed25519),
            Algorithm::RS256 | Algorithm::PS256 => Some(KeyType::Rsa),
            _ => None,
        }
    }

    /// What the key signs unless `--alg` or the file says otherwise.
    fn default_alg(self) -> Algorithm {
        match self {
            KeyType::P256 => Algorithm::ES256,
            KeyType::Ed25519 => Algorithm::EdDSA,
            KeyType::Rsa => Algorithm::RS256,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            KeyType::P256 => "an EC P-256 private key",
            KeyType::Ed25519 => "an Ed25519 private key",
            KeyType::Rsa => "an RSA private key",
        }
    }

    /// The algorithms it signs, as `--alg` takes them.
    fn signs(self) -> &'static str {
        match self {
            KeyType::P256 => "ES256",
            KeyType::Ed25519 => "EdDSA",
            KeyType::Rsa => "RS256 or PS256",
        }
    }
}

/// `--alg`: ES256, RS256, PS256 or EdDSA, in any case. HS256 is refused: it signs with
/// the secret, not a key.
pub(crate) fn parse_key_alg(name: &str) -> Result<Algorithm, String> {
    let alg = Algorithm::ALL
        .into_iter()
        .find(|alg| alg.name().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| format!("`{name}` is not ES256, RS256, PS256 or EdDSA"))?;
    if !alg.is_public_key() {
        return Err("HS256 tokens are signed with the secret, not a key pair: \
             `approov-token secret` makes a secret, and `mint` without --key uses it"
            .into());
    }
    Ok(alg)
}

/// The file `keyset-key` writes for `key`: its `kid:` and `alg:` lines, then the
/// private key as PKCS#8 PEM. The key id is written as a JSON string, so that any id
/// stays on its line.
pub(crate) fn key_file_text(key: &SigningKey) -> String {
    let kid = Value::String(key.kid().to_owned());
    format!(
        "kid: {kid}\nalg: {}\n{}",
        key.algorithm(),
        key.private_key_pem()
    )
}

/// A keyset key's file, read: its PEM block, and the `kid:` and `alg:` lines before it.
#[derive(Debug)]
pub(crate) struct KeyFile {
    /// The file as errors name it: `--key key.pem`.
    name: String,
    /// The first PEM block, from its `-----BEGIN` line to its `-----END` line.
    pem: String,
    kid: Option<String>,
    alg: Option<Algorithm>,
}

impl KeyFile {
    /// Reads the file `path`; `option` (`--key`, or empty for an argument) names it in
    /// errors. A bad `kid:` or `alg:` line is an error; other text before the PEM
    /// block (openssl's `Bag Attributes`, say) is skipped.
    pub(crate) fn read(path: &Path, option: &str) -> Result<KeyFile, Failure> {
        let text = read_key_text(path, option)?;
        let name = file_name(option, path);
        let (preamble, rest) = text.split_at(text.find("-----BEGIN").unwrap_or(0));
        // The first block alone: a file may hold a certificate or the public key after it.
        let pem = match rest.find("-----END") {
            Some(at) => &rest[..rest[at..].find('\n').map_or(rest.len(), |end| at + end)],
            None => rest,
        };
        let mut file = KeyFile {
            pem: pem.trim().to_owned(),
            kid: None,
            alg: None,
            name,
        };
        for line in preamble.lines() {
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match field.trim() {
                "kid" if file.kid.is_some() => return Err(file.twice("kid")),
                "kid" => file.kid = Some(file.kid_line(value)?),
                "alg" if file.alg.is_some() => return Err(file.twice("alg")),
                "alg" => {
                    let alg = parse_key_alg(value).map_err(|e| {
                        Failure::new(format!("{}: its `alg:` line: {e}", file.name))
                    })?;
                    file.alg = Some(alg);
                }
                _ => {}
            }
        }
        Ok(file)
    }

    /// The key id of a `kid:` line: a JSON string as `keyset-key` writes it, or the
    /// rest of the line as a person may write it.
    fn kid_line(&self, value: &str) -> Result<String, Failure> {
        let kid = if value.starts_with('"') {
            serde_json::from_str::<String>(value).map_err(|_| {
                Failure::new(format!(
                    "{}: its `kid:` line is not a JSON string: write it as `kid: \"KID\"`",
                    self.name
                ))
            })?
        } else {
            value.to_owned()
        };
        if kid.is_empty() {
            return Err(Failure::new(format!(
                "{}: its `kid:` line is empty: a key id names the key",
                self.name
            )));
        }
        Ok(kid)
    }

    fn twice(&self, field: &str) -> Failure {
        Failure::new(format!(
            "{}: it has two `{field}:` lines; keep one",
            self.name
        ))
    }

    /// The key id of its `kid:` line.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The error when no key id is given and the file has none.
    pub(crate) fn no_kid(&self) -> Failure {
        Failure::new(format!(
            "{}: the key has no kid: give --kid KID (a server chooses the public key by the \
             token's kid; a key file from `approov-token keyset-key` carries its own)",
            self.name
        ))
    }

    /// The key, named `kid`, for `alg` when given (`--alg`), else for its `alg:` line,
    /// else for the algorithm its type signs: ES256 for P-256, EdDSA for Ed25519,
    /// RS256 for RSA (PS256 only when asked).
    pub(crate) fn signing_key(
        &self,
        alg: Option<Algorithm>,
        kid: &str,
    ) -> Result<SigningKey, Failure> {
        // Whether the algorithm is the file's `alg:` line, which an error then names.
        let (alg, from_line) = match (alg, self.alg) {
            (Some(alg), _) => (alg, false),
            (None, Some(alg)) => (alg, true),
            (None, None) => {
                let key_type = self.key_type().ok_or_else(|| self.unreadable(None))?;
                (key_type.default_alg(), false)
            }
        };
        SigningKey::from_pem(alg, kid, &self.pem).map_err(|error| match self.key_type() {
            Some(found) if KeyType::of(alg) != Some(found) && from_line => Failure::new(format!(
                "{}: its `alg: {alg}` line does not fit the key, {} (which signs {}): \
                     correct the line, or give --alg",
                self.name,
                found.describe(),
                found.signs()
            )),
            Some(found) if KeyType::of(alg) != Some(found) => Failure::new(format!(
                "{}: {} signs {}, not {alg}: give --alg {}, or a key for {alg}",
                self.name,
                found.describe(),
                found.signs(),
                found.signs().replace(" or ", " or --alg ")
            )),
            // The right type, and still refused: an RSA key that is too short, say.
            Some(_) => Failure::new(format!("{}: {error}", self.name)),
            None => self.unreadable(Some(alg)),
        })
    }

    /// What the PEM block holds: the type whose parser takes it, or refuses it for
    /// what it is (an RSA key that is too short) rather than for not being one.
    fn key_type(&self) -> Option<KeyType> {
        KeyType::ALL.into_iter().find(|key_type| {
            match SigningKey::from_pem(key_type.default_alg(), "", &self.pem) {
                Ok(_) => true,
                // The core says "not a ... private key" when its parser does not take it.
                Err(MintError::Key { reason, .. }) => !reason.starts_with("not "),
                Err(_) => false,
            }
        })
    }

    /// The error for a file that holds no key this tool signs with, and what the PEM
    /// label suggests.
    fn unreadable(&self, alg: Option<Algorithm>) -> Failure {
        let wanted = match alg.and_then(KeyType::of) {
            Some(KeyType::P256) => "ES256 (EC P-256)".to_owned(),
            Some(KeyType::Ed25519) => "EdDSA (Ed25519)".to_owned(),
            Some(KeyType::Rsa) => format!("{} (RSA)", alg.map_or("", Algorithm::name)),
            None => "ES256 (EC P-256), EdDSA (Ed25519), RS256 or PS256 (RSA)".to_owned(),
        };
        let label = self
            .pem
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.split_once("-----"))
            .map(|(label, _)| label);
        let hint = match label {
            None => ": `approov-token keyset-key --alg ES256 --kid KID --out key.pem` makes one",
            Some(label) if label.contains("ENCRYPTED") => {
                ": it is encrypted; decrypt it with `openssl pkcs8 -in FILE -out key.pem`"
            }
            Some(label) if label.contains("PUBLIC") => {
                ": it is a public key, and signing needs the private key"
            }
            Some(_) => ": is it a key of another type or curve (P-384, say), or a damaged file?",
        };
        Failure::new(format!(
            "{}: not a private key for {wanted}{hint}",
            self.name
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_are_named_in_any_case_and_hs256_is_refused() {
        assert_eq!(parse_key_alg("ES256"), Ok(Algorithm::ES256));
        assert_eq!(parse_key_alg("eddsa"), Ok(Algorithm::EdDSA));
        assert_eq!(parse_key_alg(" ps256 "), Ok(Algorithm::PS256));
        assert!(parse_key_alg("HS256").is_err_and(|e| e.contains("secret")));
        assert!(parse_key_alg("ES384").is_err_and(|e| e.contains("not ES256")));
        assert!(parse_key_alg("").is_err());
    }
}
