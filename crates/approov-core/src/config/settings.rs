//! The settings the environment gives a verifier that need no other module: its keys
//! and log limit, each read and checked before any is used.

use std::time::Duration;

use super::env::Env;
use super::error::ConfigError;
use super::secret::Secret;
use super::vars::*;
use crate::keys::{shown, KeySet};

/// Reads `APPROOV_LOG_LINES_PER_SECOND`: a positive number, or `unlimited`.
pub(crate) fn parse_log_limit(value: &str) -> Result<Option<u32>, ConfigError> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    match value.parse::<u32>() {
        Ok(lines) if lines > 0 => Ok(Some(lines)),
        _ => Err(ConfigError::InvalidLogLimit {
            value: value.to_owned(),
        }),
    }
}

/// The keys the environment configures: the secrets and the JWKS in the variables
/// and the file, and the JWKS URL (not fetched yet).
pub(crate) struct EnvKeys {
    pub(crate) local: KeySet,
    /// `APPROOV_JWKS_URL`, trimmed, and how often to fetch it.
    pub(crate) url: Option<(String, Duration)>,
    /// Which source each key id came from, to name both sides of a clash.
    origins: Vec<(String, String)>,
}

impl EnvKeys {
    /// Reads every key variable. With none set, [`ConfigError::NoKeySource`].
    pub(crate) fn read(env: &Env) -> Result<EnvKeys, ConfigError> {
        let mut keys = EnvKeys {
            local: KeySet::new(),
            url: None,
            origins: Vec::new(),
        };
        for secret in Secret::all_from_env(env)? {
            keys.local = keys
                .local
                .with_hs256_secret(secret.bytes())
                .map_err(|source| ConfigError::InvalidKeys {
                    origin: "the secret".into(),
                    source,
                })?;
        }
        if let Some(json) = env.get(JWKS_VAR)? {
            if json.trim().is_empty() {
                return Err(ConfigError::EmptyVar {
                    var: JWKS_VAR,
                    what: "a JWKS document (`{\"keys\":[...]}`)",
                });
            }
            let set = KeySet::from_jwks_json(&json).map_err(|source| ConfigError::InvalidJwks {
                origin: JWKS_VAR.into(),
                source,
            })?;
            keys.add(set, JWKS_VAR)?;
        }
        if let Some(path) = env.get(JWKS_FILE_VAR)? {
            let path = path.trim();
            if path.is_empty() {
                return Err(ConfigError::EmptyVar {
                    var: JWKS_FILE_VAR,
                    what: "the path of a JWKS file",
                });
            }
            let json = std::fs::read_to_string(path).map_err(|e| ConfigError::JwksFile {
                path: path.into(),
                reason: e.to_string(),
            })?;
            let origin = format!("{JWKS_FILE_VAR} ({path})");
            let set = KeySet::from_jwks_json(&json).map_err(|source| ConfigError::InvalidJwks {
                origin: origin.clone(),
                source,
            })?;
            keys.add(set, &origin)?;
        }
        let refresh = match env.get(JWKS_REFRESH_VAR)? {
            None => DEFAULT_JWKS_REFRESH_SECS,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => secs,
                _ => return Err(ConfigError::InvalidRefreshInterval { value }),
            },
        };
        if let Some(url) = env.get(JWKS_URL_VAR)? {
            let url = url.trim();
            if url.is_empty() {
                return Err(ConfigError::EmptyVar {
                    var: JWKS_URL_VAR,
                    what: "the https URL of a JWKS",
                });
            }
            if !cfg!(feature = "jwks-url") {
                return Err(ConfigError::JwksUrlNeedsFeature);
            }
            keys.url = Some((url.to_owned(), Duration::from_secs(refresh)));
        }
        if keys.local.is_empty() && keys.url.is_none() {
            return Err(ConfigError::NoKeySource);
        }
        Ok(keys)
    }

    /// Adds `set`, from `origin`, refusing a key id another source has.
    pub(crate) fn add(&mut self, set: KeySet, origin: &str) -> Result<(), ConfigError> {
        self.check_clash(&set, origin)?;
        self.origins
            .extend(set.kids().map(|kid| (kid.to_owned(), origin.to_owned())));
        self.local = std::mem::take(&mut self.local)
            .with_keys(set)
            .map_err(|source| ConfigError::InvalidKeys {
                origin: origin.into(),
                source,
            })?;
        Ok(())
    }

    /// Refuses a key id of `set` (from `origin`) that the keys read so far have.
    pub(crate) fn check_clash(&self, set: &KeySet, origin: &str) -> Result<(), ConfigError> {
        for kid in set.kids() {
            if let Some((_, first)) = self.origins.iter().find(|(known, _)| known == kid) {
                return Err(ConfigError::KeyClash {
                    kid: shown(kid),
                    first: first.clone(),
                    second: origin.to_owned(),
                });
            }
        }
        Ok(())
    }
}
