//! Proxy mode: the checked request forwarded to the upstream over a pool of kept-alive
//! connections, its body streamed both ways, a protocol switch (WebSockets) passed
//! through once the upgrade request has been checked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, HOST};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Request, Response, StatusCode, Uri, Version};
use http_body::Body;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::body::{boxed, json_status, BoxError, GatewayBody};
use crate::headers::{
    add_forwarded, asks_upgrade, join_cookies, remove_hop_by_hop, ApproovHeaders, ClaimHeaders,
};
use crate::metrics::{Metrics, Outcome};
use crate::throttle::Throttle;

/// The budget of the lines about the upstream failing: one a second.
static UPSTREAM_LINES: Throttle = Throttle::new();

/// The connection a request came on, put in its extensions by the server.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub(crate) peer: SocketAddr,
    /// The peer's IP address, as `X-Forwarded-For` gets it.
    pub(crate) forwarded_for: HeaderValue,
    pub(crate) https: bool,
}

impl Connection {
    pub(crate) fn new(peer: SocketAddr, https: bool) -> Self {
        let forwarded_for = HeaderValue::from_str(&peer.ip().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
        Connection {
            peer,
            forwarded_for,
            https,
        }
    }
}

/// What the upstream gets, and how.
pub(crate) struct Proxy {
    client: Client<HttpConnector, GatewayBody>,
    upstream: Authority,
    timeout: Duration,
    strip: Option<ApproovHeaders>,
    metrics: Arc<Metrics>,
}

impl Proxy {
    pub(crate) fn new(
        upstream: Authority,
        connect_timeout: Duration,
        timeout: Duration,
        strip: Option<ApproovHeaders>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Proxy {
            client,
            upstream,
            timeout,
            strip,
            metrics,
        }
    }

    /// Sends `request` upstream and answers with what comes back; `claims` (a passed
    /// check's) become the configured headers. The response carries its [`Outcome`]
    /// (`outcome`, or an upstream error) in its extensions.
    pub(crate) async fn forward<B>(
        &self,
        mut request: Request<B>,
        claims: ClaimHeaders,
        outcome: Outcome,
    ) -> Response<GatewayBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let upgrade = request.version() == Version::HTTP_11 && asks_upgrade(request.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));
        let (mut parts, body) = request.into_parts();
        let connection = parts.extensions.remove::<Connection>();
        // The authority of an absolute-form target (or HTTP/2's `:authority`) wins over
        // `Host` (RFC 9112 §3.2.2), as in the signature check.
        let host = parts
            .uri
            .authority()
            .and_then(|authority| HeaderValue::from_str(authority.as_str()).ok())
            .or_else(|| parts.headers.get(HOST).cloned());
        let headers = &mut parts.headers;
        remove_hop_by_hop(headers, upgrade);
        join_cookies(headers);
        if let Some(strip) = &self.strip {
            strip.strip(headers);
        }
        if let Some(connection) = connection {
            add_forwarded(
                headers,
                &connection.forwarded_for,
                connection.https,
                host.as_ref(),
            );
        }
        claims.apply(headers);
        match &host {
            Some(host) => {
                headers.insert(HOST, host.clone());
            }
            None => {
                headers.remove(HOST);
            }
        }
        let target = parts
            .uri
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        let uri = Uri::builder()
            .scheme(Scheme::HTTP)
            .authority(self.upstream.clone())
            .path_and_query(target)
            .build();
        let Ok(uri) = uri else {
            return self.failed("other", StatusCode::BAD_GATEWAY);
        };
        parts.uri = uri;
        parts.version = Version::HTTP_11;
        let request = Request::from_parts(parts, boxed(body));
        let answer = match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => {
                if UPSTREAM_LINES.allow() {
                    tracing::warn!(upstream = %self.upstream, "the upstream did not answer in time");
                }
                return self.failed("timeout", StatusCode::GATEWAY_TIMEOUT);
            }
            Ok(Err(error)) => {
                let kind = if error.is_connect() {
                    "connect"
                } else {
                    "other"
                };
                if UPSTREAM_LINES.allow() {
                    tracing::warn!(upstream = %self.upstream, error = %error, "the upstream could not be reached");
                }
                return self.failed(kind, StatusCode::BAD_GATEWAY);
            }
            Ok(Ok(answer)) => answer,
        };
        let mut answer = answer;
        let switching = answer.status() == StatusCode::SWITCHING_PROTOCOLS;
        if switching {
            match client_upgrade {
                Some(client_upgrade) => {
                    let upstream_upgrade = hyper::upgrade::on(&mut answer);
                    tokio::spawn(async move {
                        match (client_upgrade.await, upstream_upgrade.await) {
                            (Ok(client), Ok(upstream)) => {
                                let _ = tokio::io::copy_bidirectional(
                                    &mut TokioIo::new(client),
                                    &mut TokioIo::new(upstream),
                                )
                                .await;
                            }
                            (Err(error), _) | (_, Err(error)) => {
                                tracing::debug!(%error, "a protocol switch did not complete");
                            }
                        }
                    });
                }
                None => {
                    if UPSTREAM_LINES.allow() {
                        tracing::warn!("the upstream switched protocols unasked");
                    }
                    return self.failed("other", StatusCode::BAD_GATEWAY);
                }
            }
        }
        let (mut parts, body) = answer.into_parts();
        remove_hop_by_hop(&mut parts.headers, switching);
        parts.extensions.insert(outcome);
        Response::from_parts(parts, boxed(body))
    }

    fn failed(&self, kind: &'static str, status: StatusCode) -> Response<GatewayBody> {
        self.metrics.upstream_error(kind);
        let mut response = json_status(status);
        response.extensions_mut().insert(Outcome::UpstreamError);
        response
    }

    /// Whether the upstream takes a connection now (for `/readyz`).
    pub(crate) async fn reachable(&self) -> bool {
        let host = self.upstream.host();
        let port = self.upstream.port_u16().unwrap_or(80);
        matches!(
            tokio::time::timeout(
                Duration::from_secs(1),
                tokio::net::TcpStream::connect((host, port))
            )
            .await,
            Ok(Ok(_))
        )
    }
}
