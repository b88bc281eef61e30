//! The configuration file: read, checked whole, and turned into [`Config`]. Every
//! mistake stops start-up (or a reload) with the file, the line and what to do.

mod raw;
mod route;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use approov_tower::{Binding, BindingHeader, SignatureRequirement};
use http::header::HeaderName;
use http::uri::Authority;

pub use route::{Action, Route};

use raw::{RawConfig, RawRoute};

/// What the gateway does with a request whose check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// A reverse proxy: the request goes on to the upstream.
    Proxy {
        /// Where requests go: `http://host:port`.
        upstream: Authority,
    },
    /// A forward-auth endpoint (nginx `auth_request`, Traefik `ForwardAuth`, Envoy
    /// `ext_authz`): the gateway answers `200` or `401 {}`.
    Auth {
        /// Taken off the front of a request's own path when no header names the
        /// original URI (Envoy's `path_prefix`).
        path_prefix: Option<String>,
    },
}

/// The certificate chain and private key files, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// The gateway's configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// Where clients (or the proxy in front, in auth mode) connect.
    pub listen: SocketAddr,
    /// Where `/healthz`, `/readyz` and `/metrics` are served; none: not served.
    pub admin_listen: Option<SocketAddr>,
    /// Proxy or forward-auth.
    pub mode: Mode,
    /// What a request that no route matches gets.
    pub default: Action,
    /// Remove the token, signature and status headers before the upstream sees them.
    pub strip_approov_headers: bool,
    /// Verified claims sent upstream (proxy) or answered (auth) as headers, by claim.
    pub forward_claims: Vec<(String, HeaderName)>,
    /// TLS termination, when set.
    pub tls: Option<TlsFiles>,
    /// How long connecting to the upstream may take.
    pub connect_timeout: Duration,
    /// How long the upstream may take to answer a request's headers.
    pub upstream_timeout: Duration,
    /// How long SIGTERM waits for requests in flight.
    pub shutdown_grace: Duration,
    /// The routes, first match wins.
    pub routes: Vec<Route>,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file says something the gateway cannot do.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line (from 1) of the value at fault.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
}

impl Config {
    /// Reads and checks `path`.
    ///
    /// # Errors
    /// The file cannot be read, is not TOML, has a key the gateway does not know, a
    /// value it does not take, or routes that cannot work (see [`ConfigError`]).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Checks `text`, the contents of `path`.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let at = |span: std::ops::Range<usize>, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            line: line_of(text, span.start),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|error| {
            let start = error.span().map_or(0, |span| span.start);
            let written = text
                .lines()
                .nth(line_of(text, start) - 1)
                .map(str::trim)
                .unwrap_or_default();
            let mut message = error.message().trim_end().to_owned();
            if !written.is_empty() && !written.starts_with("[[") {
                message.push_str(&format!(" (in `{written}`)"));
            }
            at(start..start, message)
        })?;
        Checker { text, at: &at }.check(path, raw)
    }

    /// What changed between `self` and `next` that a reload cannot apply (the
    /// listening addresses, the mode, TLS), if anything.
    pub fn restart_needed_for(&self, next: &Config) -> Option<&'static str> {
        if self.listen != next.listen {
            Some("listen")
        } else if self.admin_listen != next.admin_listen {
            Some("admin_listen")
        } else if std::mem::discriminant(&self.mode) != std::mem::discriminant(&next.mode) {
            Some("mode")
        } else if self.tls != next.tls {
            Some("tls_cert/tls_key")
        } else {
            None
        }
    }
}

/// The line (from 1) of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Checker<'a, F> {
    text: &'a str,
    at: &'a F,
}

impl<F> Checker<'_, F>
where
    F: Fn(std::ops::Range<usize>, String) -> ConfigError,
{
    fn check(&self, path: &Path, raw: RawConfig) -> Result<Config, ConfigError> {
        let at = self.at;
        let listen = socket_addr(at, "listen", &raw.listen)?;
        let admin_listen = raw
            .admin_listen
            .as_ref()
            .map(|addr| socket_addr(at, "admin_listen", addr))
            .transpose()?;
        if admin_listen == Some(listen) && listen.port() != 0 {
            let span = raw.admin_listen.as_ref().map_or(0..0, |a| a.span());
            return Err(at(
                span,
                "admin_listen must differ from listen: the admin endpoints are not for clients"
                    .into(),
            ));
        }
        let mode = match raw
            .mode
            .as_ref()
            .map(|mode| (mode.get_ref().as_str(), mode.span()))
        {
            None | Some(("proxy", _)) => {
                let Some(upstream) = &raw.upstream else {
                    return Err(at(
                        0..0,
                        "mode = \"proxy\" needs upstream = \"http://host:port\", the API \
                         requests are forwarded to"
                            .into(),
                    ));
                };
                if raw.auth_path_prefix.is_some() {
                    let span = raw.auth_path_prefix.as_ref().map_or(0..0, |p| p.span());
                    return Err(at(span, "auth_path_prefix is for mode = \"auth\"".into()));
                }
                Mode::Proxy {
                    upstream: upstream_authority(at, upstream)?,
                }
            }
            Some(("auth", _)) => {
                if let Some(upstream) = &raw.upstream {
                    return Err(at(
                        upstream.span(),
                        "upstream is for mode = \"proxy\": in auth mode the proxy in front \
                         forwards the request; remove upstream"
                            .into(),
                    ));
                }
                let path_prefix = match &raw.auth_path_prefix {
                    Some(prefix) if !prefix.get_ref().starts_with('/') => {
                        return Err(at(
                            prefix.span(),
                            "auth_path_prefix must start with /".into(),
                        ))
                    }
                    Some(prefix) => Some(prefix.get_ref().trim_end_matches('/').to_owned()),
                    None => None,
                };
                Mode::Auth { path_prefix }
            }
            Some((other, span)) => {
                return Err(at(
                    span,
                    format!("mode = {other:?} is not a mode: use \"proxy\" or \"auth\""),
                ))
            }
        };
        let default = match &raw.default {
            Some(action) => route::action(at, action)?,
            None => Action::Protect,
        };
        let forward_claims = match &raw.forward_claims {
            None => Vec::new(),
            Some(claims) => {
                let mut out = Vec::new();
                for (claim, header) in claims.get_ref() {
                    let name = header_name(at, claims.span(), header)?;
                    if matches!(
                        name.as_str(),
                        "host" | "content-length" | "transfer-encoding" | "connection" | "upgrade"
                    ) {
                        return Err(at(
                            claims.span(),
                            format!(
                                "forward_claims can't set {header}: choose a header of \
                                     your own, such as X-Approov-{}",
                                capitalised(claim)
                            ),
                        ));
                    }
                    if out.iter().any(|(_, n): &(String, HeaderName)| *n == name) {
                        return Err(at(
                            claims.span(),
                            format!("forward_claims sends two claims as {header}"),
                        ));
                    }
                    out.push((claim.clone(), name));
                }
                out
            }
        };
        let tls = match (&raw.tls_cert, &raw.tls_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: relative_to(path, cert.get_ref()),
                key: relative_to(path, key.get_ref()),
            }),
            (Some(one), None) | (None, Some(one)) => {
                return Err(at(
                    one.span(),
                    "set both tls_cert and tls_key (PEM files), or neither".into(),
                ))
            }
        };
        let secs = |value: &Option<toml::Spanned<u64>>, name: &str, default: u64| match value {
            None => Ok(Duration::from_secs(default)),
            Some(v) if *v.get_ref() == 0 => Err(at(v.span(), format!("{name} must be at least 1"))),
            Some(v) => Ok(Duration::from_secs(*v.get_ref())),
        };
        let connect_timeout = secs(
            &raw.upstream_connect_timeout_secs,
            "upstream_connect_timeout_secs",
            5,
        )?;
        let upstream_timeout = secs(&raw.upstream_timeout_secs, "upstream_timeout_secs", 60)?;
        let shutdown_grace = secs(&raw.shutdown_grace_secs, "shutdown_grace_secs", 30)?;
        let mut routes: Vec<Route> = Vec::with_capacity(raw.route.len());
        for spanned in &raw.route {
            let route = self.route(spanned)?;
            if let Some(earlier) = routes.iter().find(|earlier| earlier.shadows(&route)) {
                return Err(at(
                    spanned.span(),
                    format!(
                        "this route can never match: the route at line {} (path {:?}) matches \
                         every request it would; put this one first, or remove it",
                        earlier.line, earlier.path
                    ),
                ));
            }
            routes.push(route);
        }
        if let Some(catch_all) = routes
            .iter()
            .find(|route| route.path == "/" && route.methods.is_none())
        {
            tracing::debug!(
                line = catch_all.line,
                "a route matches every request: default is never used"
            );
        }
        Ok(Config {
            file: path.to_owned(),
            listen,
            admin_listen,
            mode,
            default,
            strip_approov_headers: raw.strip_approov_headers.unwrap_or(true),
            forward_claims,
            tls,
            connect_timeout,
            upstream_timeout,
            shutdown_grace,
            routes,
        })
    }

    fn route(&self, spanned: &toml::Spanned<RawRoute>) -> Result<Route, ConfigError> {
        let at = self.at;
        let raw = spanned.get_ref();
        let line_span = spanned.span();
        let path = route::route_path(at, &raw.path)?;
        let methods = match &raw.methods {
            None => None,
            Some(methods) => {
                if methods.get_ref().is_empty() {
                    return Err(at(
                        methods.span(),
                        "methods = [] matches nothing: list methods, or leave methods out to \
                         match them all"
                            .into(),
                    ));
                }
                let mut out = Vec::new();
                for method in methods.get_ref() {
                    out.push(route::method(at, methods.span(), method)?);
                }
                Some(out)
            }
        };
        let action = match &raw.action {
            Some(action) => route::action(at, action)?,
            None => Action::Protect,
        };
        let protected = action == Action::Protect;
        let only_protected = |what: &str, span: std::ops::Range<usize>| {
            at(
                span,
                format!("{what} applies only to action = \"protect\" routes"),
            )
        };
        let binding = match &raw.bind {
            None => None,
            Some(_) if !protected => {
                return Err(only_protected(
                    "bind",
                    raw.bind.as_ref().map_or(0..0, |b| b.span()),
                ))
            }
            Some(names) => {
                if names.get_ref().is_empty() {
                    return Err(at(
                        names.span(),
                        "bind = [] binds nothing: name a header (bind = [\"authorization\"]), \
                         or leave bind out"
                            .into(),
                    ));
                }
                let mut headers = Vec::new();
                for name in names.get_ref() {
                    let header = header_name(at, names.span(), name)?;
                    headers.push(BindingHeader::new(header.as_str().to_owned()));
                }
                Some(Binding::new(headers))
            }
        };
        let sign =
            match &raw.sign {
                None => None,
                Some(sign) if !protected => return Err(only_protected("sign", sign.span())),
                Some(sign) => Some(sign.get_ref().parse::<SignatureRequirement>().map_err(
                    |_| {
                        at(
                            sign.span(),
                            format!(
                                "sign = {:?} is not a requirement: use \"install\", \"account\", \
                         \"either\" or \"both\" (or leave sign out for no signature)",
                                sign.get_ref()
                            ),
                        )
                    },
                )?),
            };
        let monitor = match &raw.monitor {
            Some(monitor) if *monitor.get_ref() && !protected => {
                return Err(only_protected("monitor", monitor.span()))
            }
            Some(monitor) => *monitor.get_ref(),
            None => false,
        };
        Ok(Route {
            line: line_of(self.text, line_span.start),
            path,
            methods,
            action,
            binding,
            sign,
            monitor,
        })
    }
}

fn socket_addr<F>(
    at: &F,
    key: &str,
    value: &toml::Spanned<String>,
) -> Result<SocketAddr, ConfigError>
where
    F: Fn(std::ops::Range<usize>, String) -> ConfigError,
{
    value.get_ref().parse().map_err(|_| {
        at(
            value.span(),
            format!(
                "{key} = {:?} is not an address: give an IP address and a port, such as \
                 \"127.0.0.1:8080\" or \"[::]:8080\"",
                value.get_ref()
            ),
        )
    })
}

fn upstream_authority<F>(at: &F, value: &toml::Spanned<String>) -> Result<Authority, ConfigError>
where
    F: Fn(std::ops::Range<usize>, String) -> ConfigError,
{
    let bad = |why: &str| {
        at(
            value.span(),
            format!("upstream = {:?} {why}", value.get_ref()),
        )
    };
    let uri: http::Uri = value
        .get_ref()
        .parse()
        .map_err(|_| bad("is not a URL: give one such as \"http://127.0.0.1:9000\""))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(bad(
                "is https: the gateway speaks plain HTTP to its upstream (run it beside the \
                 API, or on a private network); give an http:// URL",
            ))
        }
        _ => {
            return Err(bad(
                "is not a URL: give one such as \"http://127.0.0.1:9000\"",
            ))
        }
    }
    let Some(authority) = uri.authority() else {
        return Err(bad(
            "has no host: give one such as \"http://127.0.0.1:9000\"",
        ));
    };
    if authority.as_str().contains('@') {
        return Err(bad("holds credentials: the gateway does not send them"));
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        return Err(bad(
            "has a path: requests keep their own path; give only the scheme, host and port",
        ));
    }
    Ok(authority.clone())
}

fn header_name<F>(
    at: &F,
    span: std::ops::Range<usize>,
    name: &str,
) -> Result<HeaderName, ConfigError>
where
    F: Fn(std::ops::Range<usize>, String) -> ConfigError,
{
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| at(span, format!("{name:?} is not a header name")))
}

fn relative_to(config: &Path, file: &Path) -> PathBuf {
    match config.parent() {
        Some(dir) if file.is_relative() => dir.join(file),
        _ => file.to_owned(),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Protect => "protect",
            Action::Open => "open",
            Action::Deny => "deny",
        })
    }
}
