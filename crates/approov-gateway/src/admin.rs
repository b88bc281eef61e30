//! The admin listener: `/healthz` (alive), `/readyz` (keys loaded and upstream
//! reachable) and `/metrics`. Keep it off the clients' network.

use std::sync::Arc;

use approov_tower::ApproovVerifier;
use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{Response, StatusCode};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::body::{full, GatewayBody};
use crate::gateway::Gateway;
use crate::metrics::Metrics;

pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<ArcSwap<Gateway>>,
    verifier: ApproovVerifier,
    metrics: Arc<Metrics>,
) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "an admin connection could not be accepted");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let state = state.clone();
        let verifier = verifier.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let state = state.clone();
                let verifier = verifier.clone();
                let metrics = metrics.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(
                        answer(request.uri().path(), &state, &verifier, &metrics).await,
                    )
                }
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    path: &str,
    state: &ArcSwap<Gateway>,
    verifier: &ApproovVerifier,
    metrics: &Metrics,
) -> Response<GatewayBody> {
    match path {
        "/healthz" => text(
            StatusCode::OK,
            "application/json",
            "{\"alive\":true}".into(),
        ),
        "/readyz" => {
            let keys = !verifier.keys().is_empty();
            let upstream = state.load_full().upstream_reachable().await;
            let status = if keys && upstream {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            text(
                status,
                "application/json",
                format!("{{\"keys\":{keys},\"upstream\":{upstream}}}"),
            )
        }
        "/metrics" => text(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics.encode(),
        ),
        _ => text(StatusCode::NOT_FOUND, "application/json", "{}".into()),
    }
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<GatewayBody> {
    full(status, content_type, Bytes::from(body))
}
