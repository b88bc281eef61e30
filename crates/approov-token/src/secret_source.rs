//! Where the secret comes from: the options `mint` and `check` share.
//!
//! By default the secret is read as the servers read it (`from_env`); `--secret-env`
//! names another variable and `--secret` takes the value itself. Every error names the
//! variable or the option the bad value came from.

use approov_core::{
    ApproovVerifier, ConfigError, KeySet, SecretEncoding, TokenMinter, BASE64URL_SECRET_VAR,
};
use clap::{Args, ValueEnum};

use crate::failure::Failure;

/// The secret options. Without any, the secret is `APPROOV_BASE64URL_SECRET` and/or
/// `APPROOV_BASE64_SECRET`, from the environment or `./.env`.
#[derive(Debug, Args)]
#[command(
    next_help_heading = "Secret (default: APPROOV_BASE64URL_SECRET and/or APPROOV_BASE64_SECRET, from the environment or ./.env)"
)]
pub(crate) struct SecretOptions {
    /// Read the secret from this variable instead (the environment, else ./.env)
    #[arg(long, value_name = "VAR", group = "secret_source")]
    secret_env: Option<String>,
    /// How the value of --secret-env or --secret is written [default: base64url when
    /// VAR is APPROOV_BASE64URL_SECRET, else base64]
    #[arg(long, value_enum, value_name = "ENCODING", requires = "secret_source")]
    encoding: Option<Encoding>,
    /// The secret itself. It lands in your shell history and the process list: prefer
    /// --secret-env
    #[arg(
        long,
        value_name = "VALUE",
        group = "secret_source",
        allow_hyphen_values = true
    )]
    secret: Option<String>,
}

/// How the value of `--secret-env` or `--secret` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Encoding {
    // Standard base64 (`+` and `/`), as `approov secret -get base64` prints it.
    Base64,
    // base64url (`-` and `_`), padded or not, as `approov secret -get base64url` prints it.
    #[value(name = "base64url")]
    Base64Url,
}

impl From<Encoding> for SecretEncoding {
    fn from(encoding: Encoding) -> Self {
        match encoding {
            Encoding::Base64 => SecretEncoding::Base64,
            Encoding::Base64Url => SecretEncoding::Base64Url,
        }
    }
}

/// Where the secret comes from, resolved.
enum Source<'a> {
    /// The servers' variables.
    ServerVariables,
    /// `--secret-env VAR`.
    Variable(&'a str, Encoding),
    /// `--secret VALUE`.
    Value(&'a str, Encoding),
}

/// The origin `--secret`'s errors name.
const SECRET_OPTION: &str = "--secret";

impl SecretOptions {
    fn source(&self) -> Source<'_> {
        match (&self.secret_env, &self.secret) {
            (Some(var), _) => {
                let default = if var == BASE64URL_SECRET_VAR {
                    Encoding::Base64Url
                } else {
                    Encoding::Base64
                };
                Source::Variable(var, self.encoding.unwrap_or(default))
            }
            (None, Some(value)) => Source::Value(value, self.encoding.unwrap_or(Encoding::Base64)),
            (None, None) => Source::ServerVariables,
        }
    }

    /// A minter for the secret.
    pub(crate) fn minter(&self) -> Result<TokenMinter, Failure> {
        let source = self.source();
        match source {
            Source::ServerVariables => TokenMinter::from_env(),
            Source::Variable(var, encoding) => TokenMinter::from_env_var(var, encoding.into()),
            Source::Value(value, encoding) => {
                TokenMinter::from_secret(value, encoding.into(), SECRET_OPTION)
            }
        }
        .map_err(|e| explain(&source, &e))
    }

    /// A verifier for the secret, configured as the servers are when the secret comes
    /// from their variables (and then with their public keys too: `APPROOV_JWKS`,
    /// `APPROOV_JWKS_FILE`, `APPROOV_JWKS_URL`).
    pub(crate) fn verifier(&self) -> Result<ApproovVerifier, Failure> {
        let source = self.source();
        Self::verifier_for(&source).map_err(|e| explain(&source, &e))
    }

    /// The keys `verifier` checks with; none (not an error) when they would come from
    /// the servers' variables and none is set.
    pub(crate) fn keys_if_any(&self) -> Result<KeySet, Failure> {
        let source = self.source();
        match Self::verifier_for(&source) {
            Ok(verifier) => Ok(KeySet::clone(&verifier.keys())),
            Err(ConfigError::NoKeySource) if matches!(source, Source::ServerVariables) => {
                Ok(KeySet::new())
            }
            Err(e) => Err(explain(&source, &e)),
        }
    }

    fn verifier_for(source: &Source<'_>) -> Result<ApproovVerifier, ConfigError> {
        match *source {
            Source::ServerVariables => ApproovVerifier::from_env(),
            Source::Variable(var, encoding) => ApproovVerifier::from_env_var(var, encoding.into()),
            Source::Value(value, encoding) => {
                ApproovVerifier::from_secret(value, encoding.into(), SECRET_OPTION)
            }
        }
    }
}

/// The core's message, which names the variable or option, plus what this tool adds.
fn explain(source: &Source<'_>, error: &ConfigError) -> Failure {
    match (source, error) {
        (Source::ServerVariables, ConfigError::NoSecret | ConfigError::NoKeySource) => {
            Failure::new(format!(
                "{error}; or name another variable with --secret-env VAR \
             (`approov-token secret > .env` makes a new secret)"
            ))
        }
        (
            Source::Variable(_, encoding) | Source::Value(_, encoding),
            ConfigError::WrongEncoding { .. },
        ) => {
            let other = match encoding {
                Encoding::Base64 => "base64url",
                Encoding::Base64Url => "base64",
            };
            Failure::new(format!("{error}, or add --encoding {other}"))
        }
        _ => Failure::new(error.to_string()),
    }
}
