//! The header rewrites a proxy owes: hop-by-hop headers removed, `X-Forwarded-*`
//! added, Approov's own headers stripped, verified claims forwarded and never forged.

use approov_tower::ApproovClaims;
use http::header::{
    HeaderMap, HeaderName, HeaderValue, CONNECTION, COOKIE, TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
};

/// The headers that hold for one connection only (RFC 9110 §7.6.1), beside those the
/// `Connection` header names.
const HOP_BY_HOP: [&str; 4] = [
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
];

fn is_hop_by_hop(name: &HeaderName) -> bool {
    name == CONNECTION
        || name == TE
        || name == TRAILER
        || name == TRANSFER_ENCODING
        || name == UPGRADE
        || HOP_BY_HOP.contains(&name.as_str())
}

/// Removes `Connection`, every header it names, and the other hop-by-hop headers;
/// `keep_upgrade` keeps `Upgrade` (and answers `Connection: upgrade`) for a protocol
/// switch passed through. One pass over the names finds those to remove (most
/// messages have none, or only `Connection: keep-alive`), without parsing a name.
pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    let listed: Vec<&str> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let doomed: Vec<HeaderName> = headers
        .keys()
        .filter(|name| {
            !(keep_upgrade && *name == UPGRADE)
                && (is_hop_by_hop(name)
                    || listed
                        .iter()
                        .any(|token| token.eq_ignore_ascii_case(name.as_str())))
        })
        .cloned()
        .collect();
    for name in doomed {
        headers.remove(name);
    }
    if keep_upgrade {
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// Whether an HTTP/1.1 request asks to switch protocols (`Connection: upgrade` and an
/// `Upgrade` header): a WebSocket handshake, say.
pub(crate) fn asks_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(UPGRADE)
        && headers
            .get_all(CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
}

/// HTTP/2 may split `Cookie` into several fields; HTTP/1.1 wants one (RFC 9113
/// §8.2.3).
pub(crate) fn join_cookies(headers: &mut HeaderMap) {
    if headers.get_all(COOKIE).iter().nth(1).is_none() {
        return;
    }
    let joined: Vec<u8> = headers
        .get_all(COOKIE)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect::<Vec<_>>()
        .join(&b"; "[..]);
    if let Ok(value) = HeaderValue::from_bytes(&joined) {
        headers.insert(COOKIE, value);
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Adds the client's address (`peer`, as a header value: the same for every request
/// of a connection) to `X-Forwarded-For` and sets `X-Forwarded-Proto` and
/// `X-Forwarded-Host` to what the gateway saw (a client's own values for those two
/// are replaced, not trusted).
pub(crate) fn add_forwarded(
    headers: &mut HeaderMap,
    peer: &HeaderValue,
    https: bool,
    host: Option<&HeaderValue>,
) {
    let earlier: Vec<&[u8]> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    let value = if earlier.is_empty() {
        Some(peer.clone())
    } else {
        let mut joined = earlier.join(&b", "[..]);
        joined.extend_from_slice(b", ");
        joined.extend_from_slice(peer.as_bytes());
        HeaderValue::from_bytes(&joined).ok()
    };
    if let Some(value) = value {
        headers.insert(X_FORWARDED_FOR, value);
    }
    headers.insert(
        X_FORWARDED_PROTO,
        HeaderValue::from_static(if https { "https" } else { "http" }),
    );
    match host {
        Some(host) => {
            headers.insert(X_FORWARDED_HOST, host.clone());
        }
        None => {
            headers.remove(X_FORWARDED_HOST);
        }
    }
}

/// The headers a client's request carries for Approov, which the API never needs.
pub(crate) struct ApproovHeaders {
    names: Vec<HeaderName>,
}

impl ApproovHeaders {
    /// The token header, the signature headers, and the app's status and trace ID
    /// headers, as `verifier` reads them.
    pub(crate) fn of(verifier: &approov_tower::ApproovVerifier) -> Self {
        let names = [
            verifier.token_header(),
            "signature",
            "signature-input",
            verifier.status_header(),
            verifier.trace_id_header(),
        ]
        .into_iter()
        .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
        .collect();
        ApproovHeaders { names }
    }

    pub(crate) fn strip(&self, headers: &mut HeaderMap) {
        for name in &self.names {
            headers.remove(name);
        }
    }
}

/// A claim's value as a header value: strings as they are, numbers in decimal,
/// anything else (or a value that can't be a header) not at all.
pub(crate) fn claim_value(claims: &ApproovClaims, claim: &str) -> Option<HeaderValue> {
    let text = match claim {
        "exp" => Some(claims.exp.to_string()),
        "nbf" => claims.nbf.map(|nbf| nbf.to_string()),
        "ip" => claims.ip.clone(),
        "did" => claims.did.clone(),
        "arc" => claims.arc.clone(),
        "pay" => claims.pay.clone(),
        "ipk" => claims.ipk.clone(),
        other => match claims.other.get(other)? {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            serde_json::Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        },
    }?;
    HeaderValue::from_str(&text).ok()
}

/// The configured claim headers' values from a check's claims (none for a claim the
/// token lacks, or for a request that was not checked or failed): read while the
/// request still holds its claims, set on what goes on.
#[derive(Debug, Default)]
pub(crate) struct ClaimHeaders(Vec<(HeaderName, Option<HeaderValue>)>);

impl ClaimHeaders {
    pub(crate) fn of(forward: &[(String, HeaderName)], claims: Option<&ApproovClaims>) -> Self {
        ClaimHeaders(
            forward
                .iter()
                .map(|(claim, header)| {
                    (
                        header.clone(),
                        claims.and_then(|claims| claim_value(claims, claim)),
                    )
                })
                .collect(),
        )
    }

    /// Sets each header to its claim's value, or removes it: never a value a client
    /// sent.
    pub(crate) fn apply(self, headers: &mut HeaderMap) {
        for (header, value) in self.0 {
            match value {
                Some(value) => {
                    headers.insert(header, value);
                }
                None => {
                    headers.remove(header);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_go() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONNECTION,
            HeaderValue::from_static("keep-alive, x-secret-hop"),
        );
        headers.insert("x-secret-hop", HeaderValue::from_static("1"));
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert("x-end-to-end", HeaderValue::from_static("stays"));
        remove_hop_by_hop(&mut headers, false);
        let left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(left, ["x-end-to-end"]);
    }

    #[test]
    fn an_upgrade_passed_through_keeps_its_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        assert!(asks_upgrade(&headers));
        remove_hop_by_hop(&mut headers, true);
        assert_eq!(headers[UPGRADE], "websocket");
        assert_eq!(headers[CONNECTION], "upgrade");
    }

    #[test]
    fn forwarded_for_is_appended_proto_and_host_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        headers.insert(
            "x-forwarded-host",
            HeaderValue::from_static("forged.example"),
        );
        let host = HeaderValue::from_static("api.example");
        let peer = HeaderValue::from_static("127.0.0.1");
        add_forwarded(&mut headers, &peer, false, Some(&host));
        assert_eq!(headers["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(headers["x-forwarded-proto"], "http");
        assert_eq!(headers["x-forwarded-host"], "api.example");
    }

    #[test]
    fn split_cookies_are_joined() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1"));
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        join_cookies(&mut headers);
        assert_eq!(headers.get_all(COOKIE).iter().count(), 1);
        assert_eq!(headers[COOKIE], "a=1; b=2");
    }
}
