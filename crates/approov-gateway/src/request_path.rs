//! The path a request is routed by: the path as the upstream will understand it, so
//! no spelling of a protected path matches an open route.
//!
//! Upstream servers decode percent-encoding, drop path parameters (`;jsessionid=...`,
//! in Java servers), collapse repeated slashes and resolve `.` and `..`, each in its
//! own way. The gateway matches routes on the path percent-decoded, with path
//! parameters dropped and repeated slashes collapsed, and refuses (`400 {}`) what it
//! cannot map to one path for certain: a `.` or `..` segment, however spelt, an
//! encoded `/`, `\` or NUL, a raw `\`, bad percent-encoding, or bytes that are not
//! UTF-8 once decoded.

use std::borrow::Cow;

/// `path` (a request target's path, without its query) as routes match it, or `None`
/// when it must be refused.
pub fn normalise(path: &str) -> Option<Cow<'_, str>> {
    if !path.starts_with('/') {
        return None;
    }
    let plain = !path.contains(['%', ';', '\\']) && !path.contains("//") && !path.contains("/.");
    if plain {
        return Some(Cow::Borrowed(path));
    }
    let decoded = decode(path)?;
    let trailing_slash = decoded.ends_with('/');
    let mut out = String::with_capacity(decoded.len());
    for segment in decoded.split('/') {
        let segment = segment.split(';').next().unwrap_or("");
        match segment {
            "" => continue,
            "." | ".." => return None,
            _ => {
                out.push('/');
                out.push_str(segment);
            }
        }
    }
    if trailing_slash || out.is_empty() {
        out.push('/');
    }
    Some(Cow::Owned(out))
}

/// `path` percent-decoded; `None` for bad escapes, an encoded `/`, `\` or NUL, a raw
/// `\`, or a result that is not UTF-8.
fn decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'\\' => return None,
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                let decoded = u8::from_str_radix(hex, 16).ok()?;
                if matches!(decoded, b'/' | b'\\' | 0) {
                    return None;
                }
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn plain_paths_are_borrowed_as_they_are() {
        assert_eq!(normalise("/api/orders").as_deref(), Some("/api/orders"));
        assert_eq!(
            normalise("/.well-known/x").as_deref(),
            Some("/.well-known/x")
        );
        assert_eq!(normalise("/").as_deref(), Some("/"));
    }

    #[test]
    fn every_spelling_of_a_path_routes_as_that_path() {
        for spelt in [
            "/%61pi/orders",
            "//api/orders",
            "/api//orders",
            "/api;jsessionid=1/orders",
            "/api/orders;x",
            "/%2561",
        ] {
            let normal = normalise(spelt);
            assert!(normal.is_some(), "{spelt}");
        }
        assert_eq!(normalise("/%61pi/orders").as_deref(), Some("/api/orders"));
        assert_eq!(normalise("//api//orders/").as_deref(), Some("/api/orders/"));
        assert_eq!(normalise("/api;x=1/orders").as_deref(), Some("/api/orders"));
        // Decoded once, as upstreams do: `%2561` is `%61`, not `a`.
        assert_eq!(normalise("/%2561").as_deref(), Some("/%61"));
    }

    #[test]
    fn what_may_climb_out_of_a_prefix_is_refused() {
        for hostile in [
            "/health/../api/orders",
            "/health/%2e%2e/api/orders",
            "/health/.%2E/api",
            "/health/..;/api",
            "/health/./x",
            "/health%2f..%2fapi",
            "/health%5c..%5capi",
            "/health\\..\\api",
            "/a%00b",
            "/bad%zzescape",
            "/cut%4",
            "/%ff%fe",
            "*",
            "",
            "api/orders",
        ] {
            assert_eq!(normalise(hostile), None, "{hostile:?}");
        }
    }
}
