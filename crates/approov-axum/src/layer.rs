//! The tower layer: protects every route of a router, or a part of it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use approov_core::{ApproovVerifier, BindingHeader};
use axum::response::Response;
use http::{HeaderValue, Request};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::rejection::unauthorized;

/// Rejects, with 401 `{}`, every request without a valid Approov token before the inner
/// service sees it, and puts the token's
/// [`ApproovClaims`](approov_core::ApproovClaims) into the request's extensions (where
/// [`ApproovToken`](crate::ApproovToken) and `Extension<ApproovClaims>` find them).
///
/// Add it with [`Router::route_layer`](axum::Router::route_layer), so that it runs only
/// for routes that match and an unknown path still answers 404:
///
/// ```
/// use approov_axum::ApproovLayer;
/// use approov_core::{ApproovVerifier, BindingHeader};
/// use axum::{routing::get, Router};
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64_SECRET", "c2VjcmV0");
/// let verifier = ApproovVerifier::from_env()?;
///
/// let protected = Router::new()
///     .route("/orders", get(|| async { "orders" }))
///     .route_layer(ApproovLayer::new(verifier.clone()));
/// let bound = Router::new()
///     .route("/account", get(|| async { "account" }))
///     .route_layer(ApproovLayer::new(verifier).bound_to(BindingHeader::AUTHORIZATION));
///
/// let app: Router = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .merge(protected)
///     .merge(bound);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ApproovLayer {
    verifier: ApproovVerifier,
    binding: Option<BindingHeader>,
}

impl ApproovLayer {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        ApproovLayer {
            verifier,
            binding: None,
        }
    }

    /// Also requires each token to be bound to `header` through its `pay` claim.
    pub fn bound_to(mut self, header: BindingHeader) -> Self {
        self.binding = Some(header);
        self
    }
}

impl<S> Layer<S> for ApproovLayer {
    type Service = ApproovService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ApproovService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`ApproovLayer`] builds.
#[derive(Debug, Clone)]
pub struct ApproovService<S> {
    inner: S,
    layer: ApproovLayer,
}

impl<S, B> Service<Request<B>> for ApproovService<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let headers = request.headers();
        let checked = self.layer.verifier.check_request(
            |name| headers.get_all(name).into_iter().map(HeaderValue::as_bytes),
            self.layer.binding.as_ref(),
        );
        match checked {
            Ok(claims) => {
                request.extensions_mut().insert(claims);
                ResponseFuture {
                    kind: Kind::Inner {
                        future: self.inner.call(request),
                    },
                }
            }
            Err(_) => ResponseFuture {
                kind: Kind::Rejected,
            },
        }
    }
}

pin_project! {
    /// The future of [`ApproovService`]: the inner service's, or an immediate 401.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        Rejected,
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Rejected => Poll::Ready(Ok(unauthorized())),
        }
    }
}
