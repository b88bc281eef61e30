//! Where the secret comes from, and what is wrong when it cannot be had.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

/// The environment variable that holds the Approov secret, in standard base64.
pub const SECRET_ENV_VAR: &str = "APPROOV_BASE64_SECRET";

/// Why the verifier could not be configured. Every message names the variable.
///
/// ```
/// let err = approov_core::ApproovVerifier::from_base64_secret("").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "APPROOV_BASE64_SECRET is empty: set it to the secret from `approov secret -get base64`"
/// );
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The variable is in neither the environment nor `.env`.
    #[error("{var} is not set: set it in the environment or in a .env file to the secret from `approov secret -get base64`")]
    Missing {
        /// The variable's name.
        var: String,
    },
    /// The variable is set but empty (or only white space).
    #[error("{var} is empty: set it to the secret from `approov secret -get base64`")]
    Empty {
        /// The variable's name.
        var: String,
    },
    /// The variable is not valid standard base64.
    #[error("{var} is not valid standard base64: {source}")]
    NotBase64 {
        /// The variable's name.
        var: String,
        /// What the decoder found.
        source: base64::DecodeError,
    },
    /// The variable holds bytes that are not UTF-8.
    #[error("{var} is not valid text")]
    NotUnicode {
        /// The variable's name.
        var: String,
    },
    /// A `.env` file exists but could not be read.
    #[error("{var} could not be read from the .env file: {source}")]
    DotEnv {
        /// The variable's name.
        var: String,
        /// What went wrong reading the file.
        source: dotenvy::Error,
    },
}

/// The HMAC secret, decoded. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    /// Decodes a standard-base64 secret; `var` names where it came from, for errors.
    /// Surrounding white space (a pasted newline) is ignored.
    pub(crate) fn from_base64(value: &str, var: &str) -> Result<Self, ConfigError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ConfigError::Empty { var: var.into() });
        }
        STANDARD
            .decode(value)
            .map(Secret)
            .map_err(|source| ConfigError::NotBase64 {
                var: var.into(),
                source,
            })
    }

    /// Reads `var` from the process environment, else from `./.env`.
    /// The process environment wins; the `.env` file is read, never loaded into the
    /// environment.
    pub(crate) fn from_env(var: &str) -> Result<Self, ConfigError> {
        Self::from_env_or_file(var, std::path::Path::new(".env"))
    }

    fn from_env_or_file(var: &str, dotenv: &std::path::Path) -> Result<Self, ConfigError> {
        match std::env::var(var) {
            Ok(value) => return Self::from_base64(&value, var),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(ConfigError::NotUnicode { var: var.into() })
            }
            Err(std::env::VarError::NotPresent) => {}
        }
        let entries = match dotenvy::from_path_iter(dotenv) {
            Ok(entries) => entries,
            Err(e) if e.not_found() => return Err(ConfigError::Missing { var: var.into() }),
            Err(source) => {
                return Err(ConfigError::DotEnv {
                    var: var.into(),
                    source,
                })
            }
        };
        for entry in entries {
            let (key, value) = entry.map_err(|source| ConfigError::DotEnv {
                var: var.into(),
                source,
            })?;
            if key == var {
                return Self::from_base64(&value, var);
            }
        }
        Err(ConfigError::Missing { var: var.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.env` with `contents` in a directory of its own: tests run in parallel.
    fn dotenv_with(contents: &str) -> std::path::PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "approov-core-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn dotenv_file_is_read_when_the_environment_has_nothing() {
        let path = dotenv_with("OTHER=1\nAPPROOV_TEST_FILE_ONLY=c2VjcmV0\n");
        let secret = Secret::from_env_or_file("APPROOV_TEST_FILE_ONLY", &path).unwrap();
        assert_eq!(secret.0, b"secret");
    }

    #[test]
    fn environment_wins_over_dotenv() {
        let path = dotenv_with("APPROOV_TEST_ENV_WINS=ZmlsZQ==\n");
        std::env::set_var("APPROOV_TEST_ENV_WINS", "ZW52");
        let secret = Secret::from_env_or_file("APPROOV_TEST_ENV_WINS", &path).unwrap();
        assert_eq!(secret.0, b"env");
    }

    #[test]
    fn missing_everywhere_names_the_variable() {
        let path = dotenv_with("SOMETHING_ELSE=1\n\n\n");
        let err = Secret::from_env_or_file("APPROOV_TEST_NOWHERE", &path).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(err
            .to_string()
            .starts_with("APPROOV_TEST_NOWHERE is not set"));
        let no_file = path.with_file_name("absent.env");
        let err = Secret::from_env_or_file("APPROOV_TEST_NOWHERE", &no_file).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
    }

    #[test]
    fn bad_value_in_dotenv_is_reported() {
        let path = dotenv_with("APPROOV_TEST_BAD_FILE=%%%\n");
        let err = Secret::from_env_or_file("APPROOV_TEST_BAD_FILE", &path).unwrap_err();
        assert!(matches!(err, ConfigError::NotBase64 { .. }));
    }
}
