//! [`SignedRequest`]: a request as its signature covers it, and the one rule every
//! adapter's request is addressed by.

use std::fmt;

use crate::headers::RequestHeaders;
use crate::token_header::single_value;

/// A request as its signature covers it: what the client sent.
///
/// An adapter builds it with [`received`](Self::received) from the request as it came
/// off the wire, and the check decides the rest, the same way for every framework:
///
/// - `method`: as received, before any framework rewrote it (`GET`, not lower-cased);
/// - the scheme and authority the request target carries: an absolute-form target
///   (`GET https://api.example.com/shapes HTTP/1.1`) or HTTP/2's `:scheme` and
///   `:authority`; `None` for an origin-form target (`GET /shapes HTTP/1.1`). When it
///   has them, they are the request's, whatever `Host` says (RFC 9112 §3.2.2). When it
///   has none, `@scheme` is the one configured
///   ([`MessageSigning::with_scheme`](crate::MessageSigning::with_scheme): `http`, or
///   `https` behind a proxy that terminates TLS) and `@authority` is the `Host` header
///   (exactly one; none or two leave it empty, and a signature over it fails). The
///   authority is lower-cased and a default port (`:443` for https, `:80` for http)
///   dropped, as RFC 9421 §2.2.3 says;
/// - `path_and_query`: as in the request line, percent-encoding untouched
///   (`/shapes?x=1`), before any router took a prefix off;
/// - `headers`: every value of every header ([`RequestHeaders`]);
/// - the body, with [`with_body`](Self::with_body), when
///   [`MessageSigning::needs_body`](crate::MessageSigning::needs_body) says so (or
///   [`with_unreadable_body`](Self::with_unreadable_body) when reading it failed).
///
/// [`new`](Self::new) takes a scheme and an authority already decided, for a caller
/// that knows them (a signing tool, a test).
pub struct SignedRequest<'r, H> {
    pub(crate) method: &'r str,
    scheme: Option<&'r str>,
    authority: Option<&'r str>,
    pub(crate) path: &'r str,
    pub(crate) query: Option<&'r str>,
    pub(crate) headers: H,
    pub(crate) body: Body<'r>,
    /// The framework may have rewritten the method before the adapter saw it.
    pub(crate) method_hidden: bool,
    /// The request target may have named another authority than the one handed over.
    pub(crate) authority_hidden: bool,
}

/// What the adapter could give of the body.
#[derive(Clone, Copy)]
pub(crate) enum Body<'r> {
    /// Not read: the signature does not cover it (or the adapter did not read it).
    NotRead,
    /// Read: the whole body, or its first bytes past the limit.
    Read(&'r [u8]),
    /// Reading it failed.
    Unreadable,
}

/// The scheme and authority a request is addressed by, decided.
pub(crate) struct Address<'a> {
    pub(crate) scheme: &'a str,
    pub(crate) authority: &'a str,
}

impl<'r, H> SignedRequest<'r, H> {
    /// A request as received: `scheme` and `authority` are what the request target
    /// carries (absolute-form, or HTTP/2's pseudo-headers), `None` when it carries
    /// none; the check fills them in as the type's documentation says.
    /// `path_and_query` is split at its first `?`: `/a?` has an empty query, `/a` none.
    ///
    /// ```
    /// use approov_core::SignedRequest;
    ///
    /// let headers = |name: &str| -> Vec<&[u8]> {
    ///     if name == "host" { vec![b"api.example.com"] } else { vec![] }
    /// };
    /// // `GET /shapes?x=1 HTTP/1.1` with `Host: api.example.com`.
    /// let request = SignedRequest::received("GET", None, None, "/shapes?x=1", headers);
    /// # let _ = request;
    /// ```
    pub fn received(
        method: &'r str,
        scheme: Option<&'r str>,
        authority: Option<&'r str>,
        path_and_query: &'r str,
        headers: H,
    ) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        SignedRequest {
            method,
            scheme: scheme.filter(|scheme| !scheme.is_empty()),
            authority: authority.filter(|authority| !authority.is_empty()),
            path,
            query,
            headers,
            body: Body::NotRead,
            method_hidden: false,
            authority_hidden: false,
        }
    }

    /// A request whose scheme and authority are already decided, as the client
    /// addressed it (behind a proxy that terminates TLS the scheme is `https` though
    /// the server sees `http`).
    pub fn new(
        method: &'r str,
        scheme: &'r str,
        authority: &'r str,
        path_and_query: &'r str,
        headers: H,
    ) -> Self {
        SignedRequest {
            scheme: Some(scheme),
            authority: Some(authority),
            ..Self::received(method, None, None, path_and_query, headers)
        }
    }

    /// Adds the request's body, for a signature that covers `content-digest`: the
    /// whole body, or (when it is longer than the limit) at least its first
    /// [`max_body_len`](crate::MessageSigning::max_body_len) + 1 bytes.
    pub fn with_body(mut self, body: &'r [u8]) -> Self {
        self.body = Body::Read(body);
        self
    }

    /// Says that the body, which the signature covers, could not be read: the check
    /// refuses such a request with 400 (when its signature holds) instead of
    /// checking the digest.
    pub fn with_unreadable_body(mut self) -> Self {
        self.body = Body::Unreadable;
        self
    }

    /// Says that the method may not be the one on the wire: the framework can rewrite
    /// it before any adapter code runs and leaves no trace of having done so (Rocket's
    /// `_method` form field). A signature that covers `@method` is then refused
    /// ([`HiddenByFramework`](crate::MessageSignatureError::HiddenByFramework))
    /// rather than checked against a method the client may not have sent.
    pub fn with_method_hidden(mut self) -> Self {
        self.method_hidden = true;
        self
    }

    /// Says that the request target may have named another authority than the one the
    /// adapter could hand over (warp, given an absolute-form target whose authority
    /// differs from `Host`, shows only that they differ). A signature that covers
    /// `@authority` or `@target-uri` is then refused rather than checked against an
    /// authority the client may not have addressed.
    pub fn with_authority_hidden(mut self) -> Self {
        self.authority_hidden = true;
        self
    }

    /// The scheme and authority the request is addressed by (see the type's docs).
    pub(crate) fn address<'a, 'h: 'a>(&'a self, configured_scheme: &'a str) -> Address<'a>
    where
        H: RequestHeaders<'h>,
        'r: 'a,
    {
        let authority = match self.authority {
            Some(authority) => authority,
            None => single_value(self.headers.values("host"), || (), || ())
                .ok()
                .and_then(|host| std::str::from_utf8(host).ok())
                .map(str::trim)
                .unwrap_or_default(),
        };
        Address {
            scheme: self.scheme.unwrap_or(configured_scheme),
            authority,
        }
    }
}

impl<H> fmt::Debug for SignedRequest<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match self.body {
            Body::NotRead => "not read".to_owned(),
            Body::Read(body) => format!("{} bytes", body.len()),
            Body::Unreadable => "unreadable".to_owned(),
        };
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &body)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addressed(
        scheme: Option<&str>,
        authority: Option<&str>,
        hosts: &[&'static str],
    ) -> (String, String) {
        let hosts: Vec<&[u8]> = hosts.iter().map(|host| host.as_bytes()).collect();
        let headers = |name: &str| -> Vec<&[u8]> {
            if name == "host" {
                hosts.clone()
            } else {
                Vec::new()
            }
        };
        let request = SignedRequest::received("GET", scheme, authority, "/p?q", headers);
        let address = request.address("https");
        (address.scheme.to_owned(), address.authority.to_owned())
    }

    #[test]
    fn an_origin_form_target_is_addressed_by_the_configured_scheme_and_host() {
        let both = |scheme: &str, authority: &str| (scheme.to_owned(), authority.to_owned());
        assert_eq!(
            addressed(None, None, &["api.example.com"]),
            both("https", "api.example.com")
        );
        assert_eq!(
            addressed(None, None, &[" h:8080\t"]),
            both("https", "h:8080")
        );
        // No `Host`, or two: no authority, so a signature over it cannot hold.
        assert_eq!(addressed(None, None, &[]), both("https", ""));
        assert_eq!(addressed(None, None, &["a", "b"]), both("https", ""));
    }

    #[test]
    fn the_target_s_own_scheme_and_authority_win_over_host_and_configuration() {
        let both = |scheme: &str, authority: &str| (scheme.to_owned(), authority.to_owned());
        assert_eq!(
            addressed(Some("http"), Some("target.example"), &["host.example"]),
            both("http", "target.example")
        );
        assert_eq!(addressed(Some("http"), None, &["h"]), both("http", "h"));
        assert_eq!(addressed(None, Some("t"), &["h"]), both("https", "t"));
        // Empty is none.
        assert_eq!(addressed(Some(""), Some(""), &["h"]), both("https", "h"));
    }
}
