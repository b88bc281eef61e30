//! The URL `sign-request` signs for: the parts of it a signature covers, read as the
//! server will see them when curl sends the request.

use std::fmt;

/// An `http` or `https` URL, split as a signature covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestUrl {
    /// `http` or `https`, lower case.
    pub(crate) scheme: String,
    /// `host[:port]`: the `Host` header curl sends.
    pub(crate) authority: String,
    /// The request line's target: `/` when the URL has no path.
    pub(crate) path_and_query: String,
    /// The URL to give curl: as written, without a fragment (which curl never sends).
    pub(crate) url: String,
}

/// Why a URL is refused; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlError(String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn refuse(message: impl Into<String>) -> UrlError {
    UrlError(message.into())
}

impl RequestUrl {
    /// Parses `url`, refusing what curl would send otherwise than it is written (a
    /// space, a quote, non-ASCII: percent-encode them) and what a signature cannot
    /// cover (user information).
    pub(crate) fn parse(url: &str) -> Result<Self, UrlError> {
        let url = url.split_once('#').map_or(url, |(url, _fragment)| url);
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| refuse("is not a URL: write it as http://host[:port]/path"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(refuse("is not http:// or https://"));
        }
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        check_authority(authority)?;
        if let Some(bad) = target.chars().find(|&c| !is_target_char(c)) {
            return Err(refuse(format!(
                "holds {}, which curl may not send as written: percent-encode it",
                describe(bad)
            )));
        }
        let path_and_query = if target.starts_with('/') {
            target.to_owned()
        } else {
            // No path: curl asks for `/` (and `/?q` for `?q`).
            format!("/{target}")
        };
        Ok(RequestUrl {
            scheme,
            authority: authority.to_owned(),
            path_and_query,
            url: url.to_owned(),
        })
    }

    /// Whether curl would read `[` or `]` as a glob: `-g` turns that off.
    pub(crate) fn needs_globoff(&self) -> bool {
        self.url.contains(['[', ']'])
    }

    /// Whether the path has `.` or `..` segments, which curl removes unless
    /// `--path-as-is`: the signature is over the path as written.
    pub(crate) fn has_dot_segments(&self) -> bool {
        let path = self
            .path_and_query
            .split_once('?')
            .map_or(self.path_and_query.as_str(), |(path, _query)| path);
        path.split('/')
            .any(|segment| segment == "." || segment == "..")
    }
}

/// `host[:port]`: a name or IPv4 address, or an IPv6 address in brackets.
fn check_authority(authority: &str) -> Result<(), UrlError> {
    if authority.is_empty() {
        return Err(refuse("has no host: write it as http://host[:port]/path"));
    }
    if authority.contains('@') {
        return Err(refuse(
            "holds user information (user@host), which a signature cannot cover: \
             send credentials with --header 'Authorization: ...'",
        ));
    }
    let port = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or_else(|| refuse("has an IPv6 address without its closing `]`"))?;
        if address.is_empty()
            || !address
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(refuse("has a host in brackets that is not an IPv6 address"));
        }
        match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| {
                refuse("has something after its IPv6 address that is not a port")
            })?),
        }
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err(refuse("has no host: write it as http://host[:port]/path"));
        }
        if let Some(bad) = host.chars().find(|&c| !is_host_char(c)) {
            return Err(refuse(format!(
                "has {} in its host: write an international name in its ASCII (xn--) form",
                describe(bad)
            )));
        }
        port
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|port| port != 0);
        if !valid {
            return Err(refuse(format!(
                "has a port `{port}` that is not 1 to 65535"
            )));
        }
    }
    Ok(())
}

/// RFC 3986 `reg-name` characters (unreserved, sub-delims, `%`).
fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=".contains(c)
}

/// What may follow the authority: RFC 3986 path and query characters, and `[` `]`,
/// which queries use (`a[]=1`) and curl sends as written with `-g`.
fn is_target_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=:@/?[]".contains(c)
}

/// A character as an error names it.
fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_ascii_graphic() => format!("`{c}`"),
        c => format!("{c:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> Result<(String, String, String), UrlError> {
        RequestUrl::parse(url).map(|u| (u.scheme, u.authority, u.path_and_query))
    }

    fn ok(
        scheme: &str,
        authority: &str,
        target: &str,
    ) -> Result<(String, String, String), UrlError> {
        Ok((scheme.into(), authority.into(), target.into()))
    }

    #[test]
    fn urls_split_as_curl_sends_them() {
        assert_eq!(
            parts("http://127.0.0.1:8002/token-message-signing"),
            ok("http", "127.0.0.1:8002", "/token-message-signing")
        );
        assert_eq!(
            parts("HTTPS://API.example.com?x=1&y=%20"),
            ok("https", "API.example.com", "/?x=1&y=%20")
        );
        assert_eq!(parts("https://h"), ok("https", "h", "/"));
        assert_eq!(parts("http://h/a?"), ok("http", "h", "/a?"));
        assert_eq!(parts("http://[::1]:8002/a"), ok("http", "[::1]:8002", "/a"));
        assert_eq!(parts("http://h/a#frag?x"), ok("http", "h", "/a"));
        let url = RequestUrl::parse("http://h/a/../b?c[]=1#x");
        assert_eq!(
            url.as_ref().map(|u| u.url.as_str()),
            Ok("http://h/a/../b?c[]=1")
        );
        assert_eq!(url.as_ref().map(RequestUrl::has_dot_segments), Ok(true));
        assert_eq!(url.as_ref().map(RequestUrl::needs_globoff), Ok(true));
        let plain = RequestUrl::parse("http://h/a.b/c?x=..");
        assert_eq!(plain.as_ref().map(RequestUrl::has_dot_segments), Ok(false));
        assert_eq!(plain.as_ref().map(RequestUrl::needs_globoff), Ok(false));
    }

    #[test]
    fn urls_curl_would_change_or_a_signature_cannot_cover_are_refused() {
        for url in [
            "",
            "127.0.0.1:8002/x",
            "ftp://h/x",
            "http://",
            "http:///x",
            "http://user:pw@h/x",
            "http://h:/x",
            "http://h:0/x",
            "http://h:65536/x",
            "http://h:8o/x",
            "http://[::1/x",
            "http://[zz]/x",
            "http://[::1]x/",
            "http://hö.st/x",
            "http://h/a b",
            "http://h/a\"b",
            "http://h/a\nb",
            "http://h/a{b}",
            "http://h/é",
        ] {
            assert!(RequestUrl::parse(url).is_err(), "{url:?}");
        }
    }
}
