//! The file as written: every key the gateway knows, and no other.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) listen: Spanned<String>,
    pub(super) admin_listen: Option<Spanned<String>>,
    pub(super) upstream: Option<Spanned<String>>,
    pub(super) mode: Option<Spanned<String>>,
    pub(super) default: Option<Spanned<String>>,
    pub(super) strip_approov_headers: Option<bool>,
    pub(super) forward_claims: Option<Spanned<BTreeMap<String, String>>>,
    pub(super) tls_cert: Option<Spanned<PathBuf>>,
    pub(super) tls_key: Option<Spanned<PathBuf>>,
    pub(super) upstream_connect_timeout_secs: Option<Spanned<u64>>,
    pub(super) upstream_timeout_secs: Option<Spanned<u64>>,
    pub(super) shutdown_grace_secs: Option<Spanned<u64>>,
    pub(super) auth_path_prefix: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) route: Vec<Spanned<RawRoute>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoute {
    pub(super) path: Spanned<String>,
    pub(super) methods: Option<Spanned<Vec<String>>>,
    pub(super) action: Option<Spanned<String>>,
    pub(super) bind: Option<Spanned<Vec<String>>>,
    pub(super) sign: Option<Spanned<String>>,
    pub(super) monitor: Option<Spanned<bool>>,
}
