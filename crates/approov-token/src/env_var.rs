//! One variable as the servers read it: the environment, else `./.env`.
//!
//! The core reads its own variables (the secret, the keyset's) itself; the few that
//! `sign-request` takes as defaults (the account key, the token header and prefix)
//! are read here, the same way: the environment wins, the file is never loaded into
//! it, and the first definition in the file wins.

use std::env::VarError;

use crate::failure::Failure;

/// The `.env` file read, in the working directory.
const DOTENV: &str = ".env";

/// The value of `var`, from the environment or else `./.env`; `None` when neither
/// sets it.
pub(crate) fn read(var: &str) -> Result<Option<String>, Failure> {
    match std::env::var(var) {
        Ok(value) => return Ok(Some(value)),
        Err(VarError::NotUnicode(_)) => {
            return Err(Failure::new(format!("{var} is not valid UTF-8")))
        }
        Err(VarError::NotPresent) => {}
    }
    // dotenvy parses the file (as the servers' dotenvy does) without loading it into
    // the environment; the first definition wins.
    let entries = match dotenvy::from_path_iter(DOTENV) {
        Ok(entries) => entries,
        Err(e) if e.not_found() => return Ok(None),
        Err(e) => return Err(Failure::new(format!("./{DOTENV}: cannot read it: {e}"))),
    };
    for entry in entries {
        let (name, value) =
            entry.map_err(|e| Failure::new(format!("./{DOTENV}: cannot read it: {e}")))?;
        if name == var {
            return Ok(Some(value));
        }
    }
    Ok(None)
}
