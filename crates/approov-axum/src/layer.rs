//! The tower layer: protects every route of a router, or a group of them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{HeaderValue, Request};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::rejection::unauthorized;
use crate::{ApproovClaims, ApproovVerifier, Binding, Verification};

/// The layer's own record that it checked the request, in the request's extensions.
/// Private: no other code can insert one, so an extractor that finds it knows the
/// check ran (a public `ApproovClaims` there proves nothing).
#[derive(Clone)]
pub(crate) struct Checked(pub(crate) Verification);

/// Checks the Approov token of every request before the inner service sees it:
/// a refused request is answered 401 `{}` at once.
///
/// A request that goes on carries the outcome for the handler: its
/// [`ApproovToken`](crate::ApproovToken) argument reads it (without a second check), and
/// when the token passed, the [`ApproovClaims`] are also in the request extensions for
/// `Extension<ApproovClaims>`.
///
/// Add it with [`Router::route_layer`](axum::Router::route_layer), so that it runs
/// only for routes that match and an unknown path still answers 404:
///
/// ```
/// use approov_axum::{ApproovClaims, ApproovLayer, ApproovVerifier, BindingHeader};
/// use axum::{routing::get, Extension, Router};
///
/// async fn orders(Extension(claims): Extension<ApproovClaims>) -> String {
///     format!("orders of device {:?}", claims.did)
/// }
///
/// # fn main() -> Result<(), approov_axum::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
/// let verifier = ApproovVerifier::from_env()?;
///
/// let protected = Router::new()
///     .route("/orders", get(orders))
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
///
/// With a verifier in [`Mode::Monitor`](crate::Mode::Monitor) no request is refused:
/// each failure is logged at `warn` and the handler runs.
#[derive(Debug, Clone)]
pub struct ApproovLayer {
    verifier: ApproovVerifier,
    binding: Option<Binding>,
}

impl ApproovLayer {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        ApproovLayer {
            verifier,
            binding: None,
        }
    }

    /// Also requires each token to be bound to `binding` through its `pay` claim: one
    /// header (`BindingHeader::AUTHORIZATION`) or several, hashed in order
    /// (`[BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]`).
    ///
    /// ```
    /// use approov_axum::{ApproovLayer, ApproovVerifier, BindingHeader};
    ///
    /// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0")?;
    /// let double = ApproovLayer::new(verifier)
    ///     .bound_to([BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]);
    /// # Ok::<(), approov_axum::ConfigError>(())
    /// ```
    pub fn bound_to(mut self, binding: impl Into<Binding>) -> Self {
        self.binding = Some(binding.into());
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

/// The service [`ApproovLayer`] builds around the inner service.
#[derive(Debug, Clone)]
pub struct ApproovService<S> {
    inner: S,
    layer: ApproovLayer,
}

impl<S> ApproovService<S> {
    /// Checks tokens with `verifier` before calling `inner`.
    pub fn new(inner: S, verifier: ApproovVerifier) -> Self {
        ApproovLayer::new(verifier).layer(inner)
    }

    /// The layer that builds this service: the same as [`ApproovLayer::new`].
    pub fn layer(verifier: ApproovVerifier) -> ApproovLayer {
        ApproovLayer::new(verifier)
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, taking this one apart.
    pub fn into_inner(self) -> S {
        self.inner
    }
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
        let verification = self.layer.verifier.check_request(
            |name| headers.get_all(name).into_iter().map(HeaderValue::as_bytes),
            self.layer.binding.as_ref(),
        );
        if verification.refused() {
            return ResponseFuture {
                kind: Kind::Refused,
            };
        }
        let extensions = request.extensions_mut();
        // Claims for `Extension<ApproovClaims>`: this check's, or none at all (never a
        // value some other code put there, when this check failed in monitor mode).
        match verification.claims() {
            Some(claims) => extensions.insert(claims.clone()),
            None => extensions.remove::<ApproovClaims>(),
        };
        extensions.insert(Checked(verification));
        ResponseFuture {
            kind: Kind::Inner {
                future: self.inner.call(request),
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
        Refused,
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            KindProj::Refused => Poll::Ready(Ok(unauthorized())),
        }
    }
}
