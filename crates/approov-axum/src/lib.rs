#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod extract;
mod layer;
mod rejection;

pub use approov_core::{
    ApproovClaims, ApproovVerifier, Authorization, BindingHeader, BindingHeaderName, TokenRejection,
};
pub use extract::{ApproovToken, BoundApproovToken};
pub use layer::{ApproovLayer, ApproovService, ResponseFuture};
pub use rejection::ApproovRejection;
