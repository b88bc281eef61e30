//! Where the account message signing key comes from: the options of `sign-request`
//! that add the `account` signature.
//!
//! As with the secret (`secret_source`): `--account` reads the variable the servers
//! read, `--account-key-env` names another one, `--account-key` takes the value
//! itself. Every error names the variable or the option the bad value came from.

use approov_core::{AccountKey, ConfigError, ACCOUNT_MESSAGE_SIGNING_KEY_VAR, MIN_SECRET_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::Args;

use crate::env_var;
use crate::failure::{warn, Failure};

/// The account key options. Without any, requests carry the `install` signature alone.
#[derive(Debug, Args)]
#[command(
    next_help_heading = "Account signature (default: none; --account reads APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY from the environment or ./.env)"
)]
pub(crate) struct AccountKeyOptions {
    /// Add the `account` signature (hmac-sha256), signing as the 3.8 client does, with
    /// the key in APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY (the environment, else ./.env)
    #[arg(long, group = "account_source")]
    account: bool,
    /// As --account, with the key in this variable instead (the environment, else
    /// ./.env)
    #[arg(long, value_name = "VAR", group = "account_source")]
    account_key_env: Option<String>,
    /// As --account, with this key (base64url, as `approov secret -messageSigningKey
    /// get-base64url` or `approov-token account-key` prints it). It lands in your shell
    /// history and the process list: prefer --account-key-env
    #[arg(
        long,
        value_name = "VALUE",
        group = "account_source",
        allow_hyphen_values = true
    )]
    account_key: Option<String>,
}

/// The origin `--account-key`'s errors name.
const ACCOUNT_KEY_OPTION: &str = "--account-key";

impl AccountKeyOptions {
    /// The account key asked for; `None` when no option asks for one.
    pub(crate) fn key(&self) -> Result<Option<AccountKey>, Failure> {
        let (value, origin) = match (&self.account_key, &self.account_key_env, self.account) {
            (Some(value), _, _) => (value.clone(), ACCOUNT_KEY_OPTION),
            (None, Some(var), _) => (from_variable(var)?, var.as_str()),
            (None, None, true) => (
                from_variable(ACCOUNT_MESSAGE_SIGNING_KEY_VAR)?,
                ACCOUNT_MESSAGE_SIGNING_KEY_VAR,
            ),
            (None, None, false) => return Ok(None),
        };
        decode(&value, origin).map(Some)
    }
}

/// The value of `var`, which must be set.
fn from_variable(var: &str) -> Result<String, Failure> {
    env_var::read(var)?.ok_or_else(|| {
        Failure::new(format!(
            "{var} is not set, in the environment or in ./.env: set it to the account \
             message signing key (`approov secret -messageSigningKey get-base64url` prints \
             it; `approov-token account-key` makes one for local development)"
        ))
    })
}

/// The key in `value` (base64url), its errors naming `origin`.
pub(crate) fn decode(value: &str, origin: &str) -> Result<AccountKey, Failure> {
    let key = AccountKey::from_base64url(value).map_err(|e| {
        // The core names its own function as the origin: name the user's instead.
        let e = match e {
            ConfigError::InvalidAccountKey { reason, .. } => ConfigError::InvalidAccountKey {
                origin: origin.to_owned(),
                reason,
            },
            other => other,
        };
        Failure::new(e.to_string())
    })?;
    // Its length, from the key as written again: the core keeps the bytes to itself.
    let len = key
        .to_base64url()
        .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
        .map(|bytes| bytes.len());
    if let Some(len) = len.filter(|&len| len < MIN_SECRET_LEN) {
        warn(&format!(
            "{origin} holds an account message signing key of only {len} bytes: a key under \
             {MIN_SECRET_LEN} bytes can be guessed; check it is the whole output of `approov \
             secret -messageSigningKey get-base64url`"
        ));
    }
    Ok(key)
}
