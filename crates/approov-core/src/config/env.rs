//! The process environment, backed by a `.env` file.

use std::collections::HashMap;
use std::path::Path;

use super::error::ConfigError;
use super::vars::{closest_known, KNOWN_VARS};

/// The process environment, backed by a `.env` file: the environment wins, and the
/// file is read (at most once), never loaded into the environment.
pub(crate) struct Env {
    dotenv: std::path::PathBuf,
    file: std::sync::OnceLock<Result<HashMap<String, String>, String>>,
}

impl Env {
    /// The environment, backed by `./.env`.
    pub(crate) fn process() -> Self {
        Env::with_dotenv(Path::new(".env"))
    }

    pub(crate) fn with_dotenv(path: &Path) -> Self {
        Env {
            dotenv: path.to_owned(),
            file: std::sync::OnceLock::new(),
        }
    }

    /// The value of `var`, `None` when it is set nowhere.
    pub(crate) fn get(&self, var: &str) -> Result<Option<String>, ConfigError> {
        match std::env::var(var) {
            Ok(value) => return Ok(Some(value)),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(ConfigError::NotUnicode { var: var.into() })
            }
            Err(std::env::VarError::NotPresent) => {}
        }
        match self.file.get_or_init(|| read_dotenv(&self.dotenv)) {
            Ok(entries) => Ok(entries.get(var).cloned()),
            Err(reason) => Err(ConfigError::DotEnv {
                path: self.dotenv.clone(),
                reason: reason.clone(),
            }),
        }
    }
}

impl Env {
    /// Warns about every `APPROOV_` variable, in the environment or in `.env`, that
    /// nothing reads: a misspelt setting is otherwise silently ignored. Each warning
    /// names the closest known variable, when one is close.
    pub(crate) fn warn_unknown_vars(&self) {
        let mut names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        if let Some(Ok(entries)) = self.file.get() {
            names.extend(entries.keys().cloned());
        }
        names.sort_unstable();
        names.dedup();
        for name in names {
            if !name.starts_with("APPROOV_") || KNOWN_VARS.contains(&name.as_str()) {
                continue;
            }
            match closest_known(&name) {
                Some(known) => tracing::warn!(
                    "{name} is set but no Approov setting has that name: did you mean {known}? \
                     It is ignored"
                ),
                None => tracing::warn!(
                    "{name} is set but no Approov setting has that name: it is ignored"
                ),
            }
        }
    }
}

/// Every entry of a `.env` file; none when there is no file.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, String> {
    let entries = match dotenvy::from_path_iter(path) {
        Ok(entries) => entries,
        Err(e) if e.not_found() => return Ok(HashMap::new()),
        Err(e) => return Err(e.to_string()),
    };
    let mut map = HashMap::new();
    for entry in entries {
        let (key, value) = entry.map_err(|e| e.to_string())?;
        // The first definition wins, as when dotenvy loads a file.
        map.entry(key).or_insert(value);
    }
    Ok(map)
}
