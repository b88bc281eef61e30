#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catcher;
mod error;
mod guard;

pub use approov_core::{
    ApproovClaims, ApproovVerifier, Authorization, BindingHeader, BindingHeaderName, TokenRejection,
};
pub use catcher::catchers;
pub use error::ApproovError;
pub use guard::{ApproovToken, BoundApproovToken};
