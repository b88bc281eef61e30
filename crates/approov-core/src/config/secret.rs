//! Secrets as `approov secret` prints them, decoded; a decoded secret never shows its
//! bytes.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::env::Env;
use super::error::ConfigError;
use super::vars::{BASE64URL_SECRET_VAR, BASE64_SECRET_VAR};
use crate::MIN_SECRET_LEN;

/// How a secret is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretEncoding {
    /// Standard base64 (`+` and `/`), as `approov secret -get base64` prints it.
    Base64,
    /// base64url (`-` and `_`), padded or not, as `approov secret -get base64url`
    /// prints it.
    Base64Url,
}

impl SecretEncoding {
    fn describe(self) -> &'static str {
        match self {
            SecretEncoding::Base64 => "standard base64",
            SecretEncoding::Base64Url => "base64url",
        }
    }

    /// The variable `from_env` reads for this encoding.
    fn var(self) -> &'static str {
        match self {
            SecretEncoding::Base64 => BASE64_SECRET_VAR,
            SecretEncoding::Base64Url => BASE64URL_SECRET_VAR,
        }
    }

    fn command(self) -> &'static str {
        match self {
            SecretEncoding::Base64 => "approov secret -get base64",
            SecretEncoding::Base64Url => "approov secret -get base64url",
        }
    }

    fn engine(self) -> GeneralPurpose {
        let config = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(false);
        match self {
            SecretEncoding::Base64 => GeneralPurpose::new(&alphabet::STANDARD, config),
            SecretEncoding::Base64Url => GeneralPurpose::new(&alphabet::URL_SAFE, config),
        }
    }
}

/// The HMAC secret, decoded. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    /// The secret's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Decodes a secret written in `encoding`; `origin` names where it came from, for
    /// errors. Surrounding white space (a pasted newline) is ignored.
    pub(crate) fn decode(
        value: &str,
        encoding: SecretEncoding,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ConfigError::Empty {
                origin: origin.into(),
                command: encoding.command(),
            });
        }
        let (ours, theirs) = match encoding {
            SecretEncoding::Base64 => ([b'+', b'/'], [b'-', b'_']),
            SecretEncoding::Base64Url => ([b'-', b'_'], [b'+', b'/']),
        };
        let has = |set: [u8; 2]| value.bytes().any(|b| set.contains(&b));
        if has(theirs) && !has(ours) {
            let other = match encoding {
                SecretEncoding::Base64 => SecretEncoding::Base64Url,
                SecretEncoding::Base64Url => SecretEncoding::Base64,
            };
            if other.engine().decode(value).is_ok() {
                return Err(ConfigError::WrongEncoding {
                    origin: origin.into(),
                    found: other.describe(),
                    expected: encoding.describe(),
                    use_var: other.var(),
                });
            }
        }
        let bytes = encoding
            .engine()
            .decode(value)
            .map_err(|source| ConfigError::NotBase64 {
                origin: origin.into(),
                encoding: encoding.describe(),
                source,
            })?;
        if bytes.len() < MIN_SECRET_LEN {
            return Err(ConfigError::SecretTooShort {
                origin: origin.into(),
                len: bytes.len(),
                command: encoding.command(),
            });
        }
        Ok(Secret(bytes))
    }

    /// The first secret from `APPROOV_BASE64_SECRET` and/or `APPROOV_BASE64URL_SECRET`.
    #[cfg(feature = "mint")]
    pub(crate) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Secret::all_from_env(env)?
            .into_iter()
            .next()
            .ok_or(ConfigError::NoSecret)
    }

    /// Every secret from `APPROOV_BASE64_SECRET` and/or `APPROOV_BASE64URL_SECRET`
    /// (none when neither is set). Each holds one secret, or several separated by
    /// commas during a rotation; when both are set they must hold the same secrets.
    pub(crate) fn all_from_env(env: &Env) -> Result<Vec<Self>, ConfigError> {
        let mut found = None::<Vec<Secret>>;
        for encoding in [SecretEncoding::Base64, SecretEncoding::Base64Url] {
            let var = encoding.var();
            let Some(value) = env.get(var)? else { continue };
            let secrets = Secret::decode_list(&value, encoding, var)?;
            fn sorted(secrets: &[Secret]) -> Vec<&[u8]> {
                let mut bytes: Vec<&[u8]> = secrets.iter().map(|s| s.0.as_slice()).collect();
                bytes.sort_unstable();
                bytes.dedup();
                bytes
            }
            match &found {
                Some(first) if sorted(first) != sorted(&secrets) => {
                    return Err(ConfigError::SecretsDiffer)
                }
                _ => found = Some(secrets),
            }
        }
        Ok(found.unwrap_or_default())
    }

    /// One secret, or several separated by commas (no base64 alphabet has a comma).
    fn decode_list(
        value: &str,
        encoding: SecretEncoding,
        var: &str,
    ) -> Result<Vec<Self>, ConfigError> {
        if !value.contains(',') {
            return Secret::decode(value, encoding, var).map(|secret| vec![secret]);
        }
        let count = value.split(',').count();
        value
            .split(',')
            .enumerate()
            .map(|(i, item)| {
                Secret::decode(
                    item,
                    encoding,
                    &format!("{var} (secret {} of {count})", i + 1),
                )
            })
            .collect()
    }

    /// The secret from `var`, written in `encoding`.
    pub(crate) fn from_env_var(
        env: &Env,
        var: &str,
        encoding: SecretEncoding,
    ) -> Result<Self, ConfigError> {
        match env.get(var)? {
            Some(value) => Secret::decode(&value, encoding, var),
            None => Err(ConfigError::Missing { var: var.into() }),
        }
    }
}

/// Decodes the account message signing key as `approov secret -messageSigningKey
/// get-base64url` prints it (base64url, padded or not; white space around it ignored);
/// `origin` names where it came from. A key under 32 bytes is taken, with a loud
/// warning: the vendor's keys are longer, and a short one is guessable.
pub(crate) fn decode_account_key(value: &str, origin: &str) -> Result<Vec<u8>, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidAccountKey {
        origin: origin.into(),
        reason,
    };
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    let standard_only = value.bytes().any(|b| b == b'+' || b == b'/')
        && !value.bytes().any(|b| b == b'-' || b == b'_');
    if standard_only && SecretEncoding::Base64.engine().decode(value).is_ok() {
        return Err(invalid(
            "it is standard base64 ('+' or '/'), not base64url ('-' and '_')".into(),
        ));
    }
    let key = SecretEncoding::Base64Url
        .engine()
        .decode(value)
        .map_err(|e| invalid(super::error::describe_decode_error(&e, "base64url")))?;
    if key.len() < crate::MIN_SECRET_LEN {
        tracing::warn!(
            "{origin} holds an account message signing key of only {} bytes: a key under 32 \
             bytes can be guessed; check it is the whole output of `approov secret \
             -messageSigningKey get-base64url`",
            key.len()
        );
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::vars::BASE64_SECRET_VAR;

    /// A `.env` with `contents` in a directory of its own: tests run in parallel.
    fn dotenv_with(contents: &str) -> Env {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "approov-core-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, contents).unwrap();
        Env::with_dotenv(&path)
    }

    #[test]
    fn dotenv_file_is_read_when_the_environment_has_nothing() {
        let env = dotenv_with(
            "OTHER=1\nAPPROOV_TEST_FILE_ONLY=c2VjcmV0LWZyb20tdGhlLWRvdGVudi1maWxlLTMyLWJ5dGVzIQ==\n",
        );
        let secret =
            Secret::from_env_var(&env, "APPROOV_TEST_FILE_ONLY", SecretEncoding::Base64).unwrap();
        assert_eq!(secret.0, b"secret-from-the-dotenv-file-32-bytes!");
    }

    #[test]
    fn environment_wins_over_dotenv() {
        let env = dotenv_with(
            "APPROOV_TEST_ENV_WINS=c2VjcmV0LWZyb20tdGhlLWZpbGUtb2YtMzItYnl0ZXMtb3ItbW9yZQ==\n",
        );
        std::env::set_var(
            "APPROOV_TEST_ENV_WINS",
            "c2VjcmV0LWZyb20tdGhlLWVudi1vZi0zMi1ieXRlcy1vci1tb3Jl",
        );
        let secret =
            Secret::from_env_var(&env, "APPROOV_TEST_ENV_WINS", SecretEncoding::Base64).unwrap();
        assert_eq!(secret.0, b"secret-from-the-env-of-32-bytes-or-more");
    }

    #[test]
    fn missing_everywhere_names_the_variable() {
        let env = dotenv_with("SOMETHING_ELSE=1\n\n\n");
        let err =
            Secret::from_env_var(&env, "APPROOV_TEST_NOWHERE", SecretEncoding::Base64).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(err
            .to_string()
            .starts_with("APPROOV_TEST_NOWHERE is not set"));
        let no_file = Env::with_dotenv(Path::new("/nonexistent/approov/.env"));
        let err = Secret::from_env_var(&no_file, "APPROOV_TEST_NOWHERE", SecretEncoding::Base64)
            .unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
    }

    #[test]
    fn bad_value_in_dotenv_is_reported() {
        let env = dotenv_with("APPROOV_TEST_BAD_FILE=%%%\n");
        let err = Secret::from_env_var(&env, "APPROOV_TEST_BAD_FILE", SecretEncoding::Base64)
            .unwrap_err();
        assert!(matches!(err, ConfigError::NotBase64 { .. }));
        assert!(err
            .to_string()
            .starts_with("APPROOV_TEST_BAD_FILE is not valid standard base64"));
    }

    #[test]
    fn both_encodings_padded_or_not() {
        let secret = |value: &str, encoding| Secret::decode(value, encoding, "test").map(|s| s.0);
        // 0xfb 0xff 0xbf: `+/+/` in standard base64, `-_-_` in base64url.
        let mut bytes = [0xfb, 0xff, 0xbf].repeat(10);
        bytes.extend([0xfb, 0xff]);
        let standard = format!("{}+/8", "+/+/".repeat(10));
        let url = format!("{}-_8", "-_-_".repeat(10));
        for (value, encoding) in [
            (format!("{standard}="), SecretEncoding::Base64),
            (standard, SecretEncoding::Base64),
            (url.clone(), SecretEncoding::Base64Url),
            (format!("{url}="), SecretEncoding::Base64Url),
        ] {
            assert_eq!(
                secret(&value, encoding).ok(),
                Some(bytes.clone()),
                "{value}"
            );
        }
    }

    #[test]
    fn the_other_encoding_is_recognised() {
        let err = Secret::decode(
            "TEST-SECRET_TEST",
            SecretEncoding::Base64,
            BASE64_SECRET_VAR,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "APPROOV_BASE64_SECRET holds a base64url value, not standard base64: \
             put it in APPROOV_BASE64URL_SECRET instead"
        );
        let err = Secret::decode("TEST+SECRET/TEST", SecretEncoding::Base64Url, "X").unwrap_err();
        assert!(matches!(
            err,
            ConfigError::WrongEncoding {
                use_var: BASE64_SECRET_VAR,
                ..
            }
        ));
        // Both alphabets at once is simply not base64.
        let err = Secret::decode("TEST+SECRET_TEST", SecretEncoding::Base64, "X").unwrap_err();
        assert!(matches!(err, ConfigError::NotBase64 { .. }));
    }

    #[test]
    fn a_secret_under_32_bytes_is_refused_naming_where_it_came_from() {
        // 31 and 32 bytes of `a`.
        let short = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQ";
        let long = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";
        let err =
            Secret::decode(short, SecretEncoding::Base64Url, BASE64URL_SECRET_VAR).unwrap_err();
        assert_eq!(
            err.to_string(),
            "APPROOV_BASE64URL_SECRET holds a secret of 31 bytes: at least 32 (256 bits, RFC 7518 \
             §3.2) are required; use the secret from `approov secret -get base64url`"
        );
        assert!(Secret::decode(long, SecretEncoding::Base64Url, "X").is_ok());
    }

    #[test]
    fn an_undecodable_secret_is_explained_by_character_and_position() {
        let said = |value: &str, encoding| {
            Secret::decode(value, encoding, "X")
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string())
        };
        assert_eq!(
            said("abc def", SecretEncoding::Base64Url),
            "X is not valid base64url: the character ' ' at position 4 is not one of base64url's \
             (A-Z, a-z, 0-9, '-' and '_', and '=' only at the end): copy the value exactly as \
             `approov secret -get base64url` prints it"
        );
        assert_eq!(
            said("abcde", SecretEncoding::Base64),
            "X is not valid standard base64: it is 5 characters long, which no standard base64 \
             value is (cut short?): copy the value exactly as `approov secret -get base64` prints it"
        );
    }
}
