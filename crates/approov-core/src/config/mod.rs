//! Where a verifier's settings come from: the environment and a `.env` file, each
//! variable named in [`vars`](self) and checked before any is used, and what is wrong
//! when one cannot be used ([`ConfigError`]).

mod env;
mod error;
mod mode;
mod secret;
mod settings;
mod vars;

pub(crate) use env::Env;
pub use error::ConfigError;
pub use mode::Mode;
pub use secret::SecretEncoding;
pub(crate) use secret::{decode_account_key, Secret};
pub(crate) use settings::{parse_log_limit, EnvKeys};
pub use vars::*;
