//! The header rewrites a proxy owes: hop-by-hop headers removed, `X-Forwarded-*`
//! added, Approov's own headers stripped, verified claims forwarded and never forged.

use std::net::IpAddr;

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

/// Removes `Connection`, every header it names, and the other hop-by-hop headers;
/// `keep_upgrade` keeps `Upgrade` (and answers `Connection: upgrade`) for a protocol
/// switch passed through.
pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        if !(keep_upgrade && name == UPGRADE) {
            headers.remove(name);
        }
    }
    headers.remove(CONNECTION);
    headers.remove(TE);
    headers.remove(TRAILER);
    headers.remove(TRANSFER_ENCODING);
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if keep_upgrade {
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    } else {
        headers.remove(UPGRADE);
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

/// Adds the client's address to `X-Forwarded-For` and sets `X-Forwarded-Proto` and
/// `X-Forwarded-Host` to what the gateway saw (a client's own values for those two
/// are replaced, not trusted).
pub(crate) fn add_forwarded(
    headers: &mut HeaderMap,
    peer: IpAddr,
    https: bool,
    host: Option<&HeaderValue>,
) {
    const FOR: &str = "x-forwarded-for";
    let peer = peer.to_string();
    let value = match headers
        .get_all(FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
    {
        earlier if earlier.is_empty() => peer,
        earlier => format!("{}, {peer}", earlier.join(", ")),
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(FOR, value);
    }
    headers.insert(
        "x-forwarded-proto",
        HeaderValue::from_static(if https { "https" } else { "http" }),
    );
    match host {
        Some(host) => {
            headers.insert("x-forwarded-host", host.clone());
        }
        None => {
            headers.remove("x-forwarded-host");
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

/// Sets the configured claim headers from `claims` (or removes them: never a value a
/// client sent).
pub(crate) fn set_claims(
    headers: &mut HeaderMap,
    forward: &[(String, HeaderName)],
    claims: Option<&ApproovClaims>,
) {
    for (claim, header) in forward {
        match claims.and_then(|claims| claim_value(claims, claim)) {
            Some(value) => {
                headers.insert(header, value);
            }
            None => {
                headers.remove(header);
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
        add_forwarded(&mut headers, [127, 0, 0, 1].into(), false, Some(&host));
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
