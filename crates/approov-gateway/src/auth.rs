//! Forward-auth: the request the proxy in front is asking about, rebuilt from the
//! headers nginx, Traefik and Envoy send, so the check judges it and not the
//! sub-request that carries it.
//!
//! - nginx `auth_request`: `X-Original-Method` and `X-Original-URI` (set in the
//!   shipped `deploy/nginx/approov.conf`), the original `Host`, `X-Forwarded-Proto`;
//! - Traefik `ForwardAuth`: `X-Forwarded-Method`, `-Uri`, `-Host` and `-Proto`;
//! - Envoy `ext_authz` (HTTP): the original method and path on the request itself,
//!   after the `path_prefix` Envoy adds (`auth_path_prefix` here).
//!
//! The proxy in front sets these; the gateway's auth listener must only be reachable
//! by it.

use http::header::{HeaderValue, HOST};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, Method, Request, Uri};

/// Rewrites `request`'s method, target and `Host` into the original request's.
///
/// # Errors
/// A header the proxy sets is there twice, or holds something that is not a method,
/// a request target, a scheme or a host.
pub(crate) fn original_request<B>(
    request: &mut Request<B>,
    path_prefix: Option<&str>,
) -> Result<(), &'static str> {
    let headers = request.headers();
    let method = match one(headers, "x-original-method")?.or(one(headers, "x-forwarded-method")?) {
        Some(method) => Some(
            Method::from_bytes(method.as_bytes()).map_err(|_| "the original method is not one")?,
        ),
        None => None,
    };
    let target = match one(headers, "x-original-uri")?.or(one(headers, "x-forwarded-uri")?) {
        Some(target) => target
            .to_str()
            .map_err(|_| "the original URI is not text")?
            .to_owned(),
        None => {
            let own = request
                .uri()
                .path_and_query()
                .map_or("/", PathAndQuery::as_str);
            strip_prefix(own, path_prefix).to_owned()
        }
    };
    if !target.starts_with('/') {
        return Err("the original URI is not a path");
    }
    let target: PathAndQuery = target
        .parse()
        .map_err(|_| "the original URI is not a request target")?;
    let scheme = match one(headers, "x-forwarded-proto")? {
        Some(proto) if proto.as_bytes().eq_ignore_ascii_case(b"https") => Some(Scheme::HTTPS),
        Some(proto) if proto.as_bytes().eq_ignore_ascii_case(b"http") => Some(Scheme::HTTP),
        Some(_) => return Err("X-Forwarded-Proto is neither http nor https"),
        None => None,
    };
    let forwarded_host = one(headers, "x-forwarded-host")?.cloned();
    let host = match &forwarded_host {
        Some(host) => Some(host.clone()),
        None => one(headers, HOST.as_str())?.cloned(),
    };
    let authority = match &host {
        Some(host) => Some(
            host.to_str()
                .ok()
                .and_then(|host| host.parse::<Authority>().ok())
                .ok_or("the original host is not one")?,
        ),
        None => None,
    };
    let uri = match (scheme, authority) {
        (Some(scheme), Some(authority)) => Uri::builder()
            .scheme(scheme)
            .authority(authority)
            .path_and_query(target)
            .build(),
        _ => Uri::builder().path_and_query(target).build(),
    }
    .map_err(|_| "the original URI is not one")?;
    if let Some(host) = forwarded_host {
        request.headers_mut().insert(HOST, host);
    }
    if let Some(method) = method {
        *request.method_mut() = method;
    }
    *request.uri_mut() = uri;
    Ok(())
}

/// The one value of `name`, if any; two values are refused (which one would the
/// proxy have meant?).
fn one<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h HeaderValue>, &'static str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err("a header the proxy sets is there twice");
    }
    Ok(first)
}

fn strip_prefix<'p>(path: &'p str, prefix: Option<&str>) -> &'p str {
    let Some(prefix) = prefix else { return path };
    match path.strip_prefix(prefix) {
        Some(rest) if rest.starts_with(['/', '?']) => rest,
        Some("") => "/",
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuilt(
        headers: &[(&str, &str)],
        uri: &str,
        prefix: Option<&str>,
    ) -> Result<Request<()>, &'static str> {
        let mut builder = Request::builder().method("GET").uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(()).map_err(|_| "test request")?;
        original_request(&mut request, prefix)?;
        Ok(request)
    }

    #[test]
    fn nginx_sends_the_original_method_and_uri() {
        let request = rebuilt(
            &[
                ("x-original-method", "POST"),
                ("x-original-uri", "/api/orders?id=7"),
                ("x-forwarded-proto", "https"),
                ("host", "api.example.com"),
            ],
            "/auth",
            None,
        )
        .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.uri().to_string(),
            "https://api.example.com/api/orders?id=7"
        );
    }

    #[test]
    fn traefik_sends_x_forwarded_method_uri_and_host() {
        let request = rebuilt(
            &[
                ("x-forwarded-method", "DELETE"),
                ("x-forwarded-uri", "/api/x"),
                ("x-forwarded-host", "api.example.com"),
                ("x-forwarded-proto", "http"),
                ("host", "gateway:8080"),
            ],
            "/",
            None,
        )
        .unwrap();
        assert_eq!(request.method(), Method::DELETE);
        assert_eq!(request.uri().to_string(), "http://api.example.com/api/x");
        assert_eq!(request.headers()[HOST], "api.example.com");
    }

    #[test]
    fn envoy_sends_the_request_itself_after_its_prefix() {
        let request = rebuilt(&[], "/ext_authz/api/x?q=1", Some("/ext_authz")).unwrap();
        assert_eq!(request.uri().to_string(), "/api/x?q=1");
        let request = rebuilt(&[], "/ext_authzz/api", Some("/ext_authz")).unwrap();
        assert_eq!(request.uri().to_string(), "/ext_authzz/api");
    }

    #[test]
    fn what_the_proxy_would_not_send_is_refused() {
        assert!(rebuilt(&[("x-original-uri", "http://evil/")], "/", None).is_err());
        assert!(rebuilt(&[("x-original-method", "GE T")], "/", None).is_err());
        assert!(rebuilt(&[("x-forwarded-proto", "gopher")], "/", None).is_err());
        let mut request = Request::builder().uri("/").body(()).unwrap();
        request
            .headers_mut()
            .append("x-original-uri", HeaderValue::from_static("/a"));
        request
            .headers_mut()
            .append("x-original-uri", HeaderValue::from_static("/b"));
        assert!(original_request(&mut request, None).is_err());
    }
}
