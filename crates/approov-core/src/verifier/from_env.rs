//! The verifier's constructors from the environment (and a `.env` file): every
//! setting read and checked before any is used or announced.

use crate::config::*;
use crate::config::{decode_account_key, parse_log_limit, Env, EnvKeys, Secret};
use crate::keys::KeySet;
use crate::message_signing::{AccountKey, MessageSigning, SignatureRequirement};

use super::ApproovVerifier;

impl ApproovVerifier {
    /// Reads the whole configuration from the process environment, else from a
    /// `.env` file in the working directory (the environment wins, variable by
    /// variable):
    ///
    /// - the secret, from `APPROOV_BASE64URL_SECRET` (as `approov secret -get
    ///   base64url` prints it, padded or not) and/or `APPROOV_BASE64_SECRET` (as
    ///   `approov secret -get base64` prints it); when both are set they must hold
    ///   the same secret. During a rotation a variable may hold two secrets (or more),
    ///   separated by a comma: tokens signed with either pass;
    /// - the public keys of an Approov keyset, as a JWKS document in `APPROOV_JWKS`,
    ///   in the file `APPROOV_JWKS_FILE` names, and/or at the URL `APPROOV_JWKS_URL`
    ///   (the `jwks-url` feature: fetched now, and again every
    ///   `APPROOV_JWKS_REFRESH_SECS` seconds, default 300; see `JwksUrl`);
    ///   see [`KeySet::with_jwks_json`] for which keys are used;
    /// - `APPROOV_MODE`: `enforce` (the default) or `monitor` (see [`Mode`](crate::Mode));
    /// - `APPROOV_LOG_LINES_PER_SECOND`: how many lines each failure code may write per
    ///   second (default 5; `unlimited` to log every failure; see
    ///   [`with_log_limit`](Self::with_log_limit));
    /// - `APPROOV_TOKEN_HEADER` (default `Approov-Token`) and `APPROOV_TOKEN_PREFIX`
    ///   (default none; `Bearer ` for an app that calls `setTokenHeader("Authorization",
    ///   "Bearer ")`; a prefix that ends in a letter gets its space);
    /// - `APPROOV_STATUS_HEADER` and `APPROOV_TRACE_ID_HEADER` (default
    ///   `Approov-Status` and `Approov-TraceID`): logged with every failed check;
    /// - for routes that require message signing (see [`MessageSigning`]):
    ///   `APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY` (base64url, as `approov secret
    ///   -messageSigningKey get-base64url` prints it), `APPROOV_MESSAGE_SIGNATURE_REQUIRE`
    ///   (`install`, `account`, `either`, `both`; default `install` without an account
    ///   key, `either` with one), `APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS` (default 300),
    ///   `APPROOV_MESSAGE_SIGNATURE_CLOCK_SKEW_SECS` (default 60),
    ///   `APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES` (default 1 MiB) and
    ///   `APPROOV_MESSAGE_SIGNATURE_SCHEME` (`http`, the default, or `https` behind a
    ///   proxy that terminates TLS).
    ///
    /// Any key source may be set alone or with others; a `kid` in two sources is
    /// refused. The keys in effect are logged at `info`.
    ///
    /// # Errors
    /// No key source is set; a secret is empty or does not decode (a base64url value
    /// in `APPROOV_BASE64_SECRET` is recognised as such), or the two secret variables
    /// differ; a JWKS is not usable, its file cannot be read, its URL is not `https`
    /// or cannot be fetched (or is set in a build without `jwks-url`); the account key
    /// does not decode, or the requirement needs one and none is set; a header name is
    /// not one; or `APPROOV_MODE`, `APPROOV_LOG_LINES_PER_SECOND`,
    /// `APPROOV_JWKS_REFRESH_SECS` or another setting has a value it does not take.
    /// The error names the variable and says what to do.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read_env(false)
    }

    /// As [`from_env`](Self::from_env), but a JWKS URL that does not answer now does
    /// not stop the start: the verifier starts without its keys and fetches them in
    /// the background until the URL answers (tokens those keys sign fail until then).
    /// For a server with a readiness probe, which reports ready once
    /// [`keys`](Self::keys) is not empty. A JWKS URL that is not a usable URL, or a
    /// document that is not a usable JWKS, still stops the start.
    ///
    /// # Errors
    /// As `from_env`, but for a first fetch that fails.
    pub fn from_env_with_lazy_jwks() -> Result<Self, ConfigError> {
        Self::read_env(true)
    }

    fn read_env(lazy_jwks: bool) -> Result<Self, ConfigError> {
        let env = Env::process();
        // Every setting is read and checked first: a bad one refuses the start before
        // anything is announced or fetched.
        let mode = env.get(MODE_VAR)?.map(|mode| mode.parse()).transpose()?;
        let log_limit = env
            .get(LOG_LINES_VAR)?
            .map(|limit| parse_log_limit(&limit))
            .transpose()?;
        let signing = message_signing_from_env(&env)?;
        let headers = HeaderSettings::read(&env)?;
        let keys = EnvKeys::read(&env)?;
        env.warn_unknown_vars();

        let mut verifier = Self::from_keys(KeySet::new());
        if let Some(limit) = log_limit {
            verifier = verifier.with_log_limit(limit);
        }
        if let Some(name) = &headers.token {
            verifier = verifier.with_token_header(name);
        }
        if let Some(prefix) = &headers.prefix {
            verifier = verifier.with_token_prefix(prefix);
        }
        if let Some(name) = &headers.status {
            verifier = verifier.with_status_header(name);
        }
        if let Some(name) = &headers.trace_id {
            verifier = verifier.with_trace_id_header(name);
        }
        if signing.account_key().is_some() || env.get(MESSAGE_SIGNATURE_REQUIRE_VAR)?.is_some() {
            tracing::info!(
                requirement = %signing.requirement(),
                account_key = signing.account_key().is_some(),
                "Approov message signatures checked"
            );
        }
        verifier = verifier.with_message_signing(signing);
        verifier.install_env_keys(keys, lazy_jwks)?;
        if let Some(mode) = mode {
            verifier = verifier.with_mode(mode);
        }
        Ok(verifier)
    }

    /// Reads the keys again as [`from_env`](Self::from_env) does — the secret
    /// variables, `APPROOV_JWKS`, the file `APPROOV_JWKS_FILE` names and the document
    /// at `APPROOV_JWKS_URL` (fetched once now, then refreshed) — and swaps them in
    /// at once, for this verifier and every clone of it: for a server's `SIGHUP`
    /// handler. A check runs wholly with the old keys or wholly with the new ones.
    /// `.env` is read afresh; the process environment still wins over it.
    /// `APPROOV_MODE` and `APPROOV_LOG_LINES_PER_SECOND` are not read again.
    ///
    /// To rotate a key without a window where tokens fail: add the new key beside the
    /// old one and reload; once no token signed with the old key can still be valid
    /// (Approov tokens live minutes), remove it and reload again.
    ///
    /// It blocks while the JWKS URL is fetched (at most its timeout): from async code,
    /// call it in `spawn_blocking`.
    ///
    /// # Errors
    /// As `from_env`; the keys in effect then stay as they were.
    pub fn reload_from_env(&self) -> Result<(), ConfigError> {
        self.install_env_keys(EnvKeys::read(&Env::process())?, false)
    }

    /// Reads the secret from the variable `var` (the environment, else `./.env`),
    /// written in `encoding`. It does not read `APPROOV_MODE`.
    ///
    /// # Errors
    /// The variable is missing, empty or does not decode; the error names it.
    pub fn from_env_var(var: &str, encoding: SecretEncoding) -> Result<Self, ConfigError> {
        Secret::from_env_var(&Env::process(), var, encoding).map(Self::from_decoded)
    }

    /// Swaps in the keys the environment configures (fetching its JWKS URL, if any),
    /// for this verifier and every clone, then says which keys are in effect.
    fn install_env_keys(&self, keys: EnvKeys, lazy_jwks: bool) -> Result<(), ConfigError> {
        #[cfg(feature = "jwks-url")]
        let remote = Self::fetch_env_url(&keys, lazy_jwks)?;
        #[cfg(not(feature = "jwks-url"))]
        let _ = lazy_jwks;
        #[cfg(not(feature = "jwks-url"))]
        let remote = None;
        self.keys.replace(Some(keys.local), remote)?;
        tracing::info!(keys = %self.keys.current().summary(), "Approov keys in effect");
        Ok(())
    }
}

/// Reads the message-signing settings from the environment.
fn message_signing_from_env(env: &Env) -> Result<MessageSigning, ConfigError> {
    let mut signing = MessageSigning::default();
    let number = |var: &'static str| -> Result<Option<u64>, ConfigError> {
        match env.get(var)? {
            None => Ok(None),
            Some(value) => match value.trim().parse::<u64>() {
                Ok(number) => Ok(Some(number)),
                Err(_) => Err(ConfigError::NotANumber { var, value }),
            },
        }
    };
    if let Some(secs) = number(MESSAGE_SIGNATURE_MAX_AGE_VAR)? {
        signing = signing.with_max_age(std::time::Duration::from_secs(secs));
    }
    if let Some(secs) = number(MESSAGE_SIGNATURE_CLOCK_SKEW_VAR)? {
        signing = signing.with_clock_skew(std::time::Duration::from_secs(secs));
    }
    if let Some(bytes) = number(MESSAGE_SIGNATURE_MAX_BODY_VAR)? {
        signing = signing.with_max_body_len(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    if let Some(scheme) = env.get(MESSAGE_SIGNATURE_SCHEME_VAR)? {
        match scheme.trim().to_ascii_lowercase().as_str() {
            scheme @ ("http" | "https") => signing = signing.with_scheme(scheme),
            _ => {
                return Err(ConfigError::InvalidScheme {
                    value: scheme.clone(),
                })
            }
        }
    }
    if let Some(key) = env.get(ACCOUNT_MESSAGE_SIGNING_KEY_VAR)? {
        let key = decode_account_key(&key, ACCOUNT_MESSAGE_SIGNING_KEY_VAR)?;
        signing = signing.with_account_key(AccountKey::from_bytes(&key));
    }
    if let Some(value) = env.get(MESSAGE_SIGNATURE_REQUIRE_VAR)? {
        let requirement =
            value
                .parse::<SignatureRequirement>()
                .map_err(|_| ConfigError::InvalidValue {
                    var: MESSAGE_SIGNATURE_REQUIRE_VAR,
                    value: value.clone(),
                    expected: "set it to `install`, `account`, `either` or `both` (default \
                               `install` without an account key, `either` with one)",
                })?;
        if requirement.needs_account_key() && signing.account_key().is_none() {
            return Err(ConfigError::AccountKeyRequired { requirement });
        }
        signing = signing.with_requirement(requirement);
    }
    Ok(signing)
}

/// The header settings: where the token, the status and the trace ID are read.
struct HeaderSettings {
    token: Option<String>,
    prefix: Option<String>,
    status: Option<String>,
    trace_id: Option<String>,
}

impl HeaderSettings {
    fn read(env: &Env) -> Result<Self, ConfigError> {
        let name = |var: &'static str| -> Result<Option<String>, ConfigError> {
            let Some(value) = env.get(var)? else {
                return Ok(None);
            };
            let name = value.trim();
            let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(ConfigError::InvalidValue {
                    var,
                    value,
                    expected: "set it to a header name (letters, digits and `-`), or unset it",
                });
            }
            Ok(Some(name.to_owned()))
        };
        let prefix = match env.get(TOKEN_PREFIX_VAR)? {
            None => None,
            Some(value) if value.trim().is_empty() => None,
            Some(value) => {
                let trimmed = value.trim();
                if !trimmed.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
                    return Err(ConfigError::InvalidValue {
                        var: TOKEN_PREFIX_VAR,
                        value,
                        expected: "set it to visible ASCII, such as `Bearer `, or unset it",
                    });
                }
                // `Bearer` as a .env file may leave it: the scheme and its space.
                if trimmed.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                    Some(format!("{trimmed} "))
                } else {
                    Some(trimmed.to_owned())
                }
            }
        };
        Ok(HeaderSettings {
            token: name(TOKEN_HEADER_VAR)?,
            prefix,
            status: name(STATUS_HEADER_VAR)?,
            trace_id: name(TRACE_ID_HEADER_VAR)?,
        })
    }
}
