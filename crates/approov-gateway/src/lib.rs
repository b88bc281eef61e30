//! approov-gateway: protects any HTTP API with the Approov check, with no code: a
//! reverse proxy (`mode = "proxy"`) or a forward-auth endpoint for nginx, Traefik and
//! Envoy (`mode = "auth"`), configured by a TOML file and the same `APPROOV_*`
//! variables as every approov-rs crate. See the README for the file's keys.
//!
//! The binary is the product; this library is what it is made of, public for its
//! tests.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod request_path;
pub mod server;

mod admin;
mod auth;
mod body;
mod gateway;
mod headers;
mod metrics;
mod proxy;
mod throttle;
