//! The keys tokens are checked against: HS256 secrets and public keys, each pinned to
//! its algorithm, gathered in a [`KeySet`]. Nothing here knows where keys come from
//! (see `config` and `store`).

mod algorithm;
mod error;
mod hmac;
mod jwks;
mod public;
mod set;

pub use algorithm::Algorithm;
pub(crate) use error::shown;
pub use error::KeyError;
pub(crate) use hmac::{constant_time_eq, HmacKey};
pub(crate) use set::Choice;
pub use set::{KeyInfo, KeySet, MIN_SECRET_LEN};
