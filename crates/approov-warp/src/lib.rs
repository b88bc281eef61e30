#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod filter;
mod rejection;

pub use approov_core::{ApproovClaims, ApproovVerifier, BindingHeader, TokenRejection};
pub use filter::{bound_token, token};
pub use rejection::{recover, ApproovRejection};
