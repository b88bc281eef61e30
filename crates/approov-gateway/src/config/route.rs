//! A route: which requests it matches (a path prefix, optional methods) and what
//! they get.

use std::ops::Range;

use approov_tower::{Binding, SignatureRequirement};
use http::Method;
use toml::Spanned;

use super::ConfigError;

/// What a route does with the requests it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Checked: only a request whose token (and binding, and signatures) check goes on.
    Protect,
    /// Goes on unchecked.
    Open,
    /// Answered 404 (403 in auth mode) without contacting the upstream.
    Deny,
}

/// One `[[route]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Its line in the file.
    pub line: usize,
    /// The path prefix: `/api/` matches `/api/...`; `/health` matches `/health` and
    /// `/health/...`, not `/healthz`.
    pub path: String,
    /// The methods it matches (`GET` also matches `HEAD`); none: every method.
    pub methods: Option<Vec<Method>>,
    /// What the requests it matches get.
    pub action: Action,
    /// The headers the token must be bound to.
    pub binding: Option<Binding>,
    /// The message signatures required.
    pub sign: Option<SignatureRequirement>,
    /// Failures are logged, not refused.
    pub monitor: bool,
}

impl Route {
    /// Whether this route matches `method` on `path` (normalised: see
    /// [`crate::request_path`]).
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        self.matches_path(path) && self.matches_method(method)
    }

    /// Its methods and path, as `/metrics` names it: `POST /api/orders`, `/health`.
    pub fn label(&self) -> String {
        match &self.methods {
            None => self.path.clone(),
            Some(methods) => {
                let methods: Vec<&str> = methods.iter().map(Method::as_str).collect();
                format!("{} {}", methods.join(","), self.path)
            }
        }
    }

    fn matches_path(&self, path: &str) -> bool {
        prefix_matches(&self.path, path)
    }

    fn matches_method(&self, method: &Method) -> bool {
        match &self.methods {
            None => true,
            Some(methods) => methods
                .iter()
                .any(|m| m == method || (*m == Method::GET && method == Method::HEAD)),
        }
    }

    /// Whether this route, placed before `later`, matches every request `later` would.
    pub(super) fn shadows(&self, later: &Route) -> bool {
        let paths = prefix_matches(&self.path, &later.path);
        let methods = match (&self.methods, &later.methods) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(_), Some(theirs)) => theirs.iter().all(|m| self.matches_method(m)),
        };
        paths && methods
    }
}

/// `/api/` matches what starts with it; `/health` matches itself and `/health/...`.
fn prefix_matches(prefix: &str, path: &str) -> bool {
    match path.strip_prefix(prefix) {
        None => false,
        Some(rest) => prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/'),
    }
}

pub(super) fn action<F>(at: &F, value: &Spanned<String>) -> Result<Action, ConfigError>
where
    F: Fn(Range<usize>, String) -> ConfigError,
{
    match value.get_ref().as_str() {
        "protect" => Ok(Action::Protect),
        "open" => Ok(Action::Open),
        "deny" => Ok(Action::Deny),
        other => Err(at(
            value.span(),
            format!("{other:?} is not an action: use \"protect\", \"open\" or \"deny\""),
        )),
    }
}

pub(super) fn method<F>(at: &F, span: Range<usize>, name: &str) -> Result<Method, ConfigError>
where
    F: Fn(Range<usize>, String) -> ConfigError,
{
    if name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(at(
            span,
            format!(
                "methods are case-sensitive: write {:?}, not {name:?}",
                name.to_ascii_uppercase()
            ),
        ));
    }
    Method::from_bytes(name.as_bytes()).map_err(|_| at(span, format!("{name:?} is not a method")))
}

pub(super) fn route_path<F>(at: &F, value: &Spanned<String>) -> Result<String, ConfigError>
where
    F: Fn(Range<usize>, String) -> ConfigError,
{
    let path = value.get_ref();
    let bad = |why: &str| at(value.span(), format!("path = {path:?} {why}"));
    if !path.starts_with('/') {
        return Err(bad("must start with /"));
    }
    if path.contains(['?', '#', '%', '\\', ';']) || path.chars().any(|c| c.is_control() || c == ' ')
    {
        return Err(bad(
            "must be a plain path prefix: no query, fragment, percent-encoding, \\, ; or spaces \
             (requests are matched once decoded)",
        ));
    }
    if path.contains("//")
        || path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
    {
        return Err(bad(
            "can never match: requests are matched once . and .. segments and repeated / are \
             resolved (and those with . or .. are refused)",
        ));
    }
    Ok(path.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str, methods: Option<&[Method]>) -> Route {
        Route {
            line: 1,
            path: path.into(),
            methods: methods.map(<[Method]>::to_vec),
            action: Action::Open,
            binding: None,
            sign: None,
            monitor: false,
        }
    }

    #[test]
    fn a_prefix_without_a_slash_matches_whole_segments_only() {
        let health = route("/health", None);
        assert!(health.matches(&Method::GET, "/health"));
        assert!(health.matches(&Method::GET, "/health/deep"));
        assert!(!health.matches(&Method::GET, "/healthz"));
        let api = route("/api/", None);
        assert!(api.matches(&Method::POST, "/api/orders"));
        assert!(api.matches(&Method::POST, "/api/"));
        assert!(!api.matches(&Method::POST, "/api"));
        assert!(route("/", None).matches(&Method::GET, "/anything"));
    }

    #[test]
    fn get_also_matches_head_and_nothing_else() {
        let get = route("/", Some(&[Method::GET]));
        assert!(get.matches(&Method::HEAD, "/x"));
        assert!(!get.matches(&Method::POST, "/x"));
        let head = route("/", Some(&[Method::HEAD]));
        assert!(!head.matches(&Method::GET, "/x"));
    }

    #[test]
    fn shadowing_needs_the_path_and_every_method() {
        let api = route("/api/", None);
        assert!(api.shadows(&route("/api/orders", Some(&[Method::POST]))));
        assert!(!route("/api/", Some(&[Method::GET])).shadows(&route("/api/orders", None)));
        assert!(
            !route("/api/", Some(&[Method::GET])).shadows(&route("/api/x", Some(&[Method::POST])))
        );
        assert!(
            route("/api/", Some(&[Method::GET])).shadows(&route("/api/x", Some(&[Method::HEAD])))
        );
        assert!(!route("/api/orders", None).shadows(&route("/api/", None)));
        assert!(!route("/health", None).shadows(&route("/healthz", None)));
    }
}
