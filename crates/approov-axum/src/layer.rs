//! The tower layer: protects every route of a router, or a group of them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::BoxError;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::headers::headers;
use crate::rejection::{json_empty, status_of};
use crate::signed;
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
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
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
///
/// [`message_signed`](Self::message_signed) also checks the installation message
/// signature of every request.
#[derive(Debug, Clone)]
pub struct ApproovLayer {
    verifier: ApproovVerifier,
    binding: Option<Binding>,
    message_signed: bool,
}

impl ApproovLayer {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        ApproovLayer {
            verifier,
            binding: None,
            message_signed: false,
        }
    }

    /// Also requires each token to be bound to `binding` through its `pay` claim: one
    /// header (`BindingHeader::AUTHORIZATION`) or several, hashed in order
    /// (`[BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]`).
    ///
    /// ```
    /// use approov_axum::{ApproovLayer, ApproovVerifier, BindingHeader};
    ///
    /// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=")?;
    /// let double = ApproovLayer::new(verifier)
    ///     .bound_to([BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]);
    /// # Ok::<(), approov_axum::ConfigError>(())
    /// ```
    pub fn bound_to(mut self, binding: impl Into<Binding>) -> Self {
        let binding = binding.into();
        // A binding to the token's own header: said now, refused on every request.
        let _ = self.verifier.check_binding(&binding);
        self.binding = Some(binding);
        self
    }

    /// Also requires each request to carry a valid installation message signature:
    /// the RFC 9421 `install` signature the Approov SDK adds with the app
    /// installation's own key, checked with the public key in the token's `ipk` claim
    /// (a token without one is refused). It is checked after the token (and its
    /// binding, with [`bound_to`](Self::bound_to)); a failure is a rejection like any
    /// other: 401 `{}`, its reason logged (codes `message_signature_*`), and let through
    /// in monitor mode.
    ///
    /// The request is checked as the client sent it: its method, the path and query
    /// exactly as sent (before any `Router::nest` took a prefix off), and the scheme
    /// and authority of the request target when it carries them (an absolute-form
    /// target, HTTP/2's `:scheme` and `:authority`), else the scheme the verifier's
    /// message-signing settings name (`http` unless
    /// `APPROOV_MESSAGE_SIGNATURE_SCHEME=https`, for a server behind a proxy that
    /// terminates TLS) and the `Host` header: the same rule in every approov-rs adapter,
    /// decided by approov-core.
    ///
    /// When the signature covers `content-digest`, the layer reads the body before the
    /// handler runs, up to the limit (`APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES` or
    /// [`MessageSigning::with_max_body_len`](crate::MessageSigning::with_max_body_len),
    /// default 1 MiB), and hands the same bytes on: the handler reads its body as
    /// usual. A signed body over the limit is answered 413 `{}`
    /// (`message_signature_body_too_large`), without reading further; one that cannot
    /// be read, 400 `{}` (`message_signature_body_unreadable`). In monitor mode the
    /// handler still gets the whole body. Any other request's body is not touched: a
    /// body the signature does not cover is never read, whatever its size.
    ///
    /// A handler behind it sees the outcome through its
    /// [`ApproovToken`](crate::ApproovToken) argument:
    /// [`is_message_signed`](Verification::is_message_signed).
    ///
    /// ```
    /// use approov_axum::{ApproovLayer, ApproovToken, ApproovVerifier};
    /// use axum::{body::Bytes, routing::get, Router};
    ///
    /// async fn order(token: ApproovToken, body: Bytes) -> String {
    ///     // In enforce mode, only reached for a signed request.
    ///     format!("{} signed bytes: {}", body.len(), token.is_message_signed())
    /// }
    ///
    /// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=")?;
    /// let app: Router = Router::new()
    ///     .route("/orders", get(order).post(order))
    ///     .route_layer(ApproovLayer::new(verifier).message_signed());
    /// # Ok::<(), approov_axum::ConfigError>(())
    /// ```
    pub fn message_signed(mut self) -> Self {
        self.message_signed = true;
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

/// Takes a request with any body axum takes (as [`Body::new`] does) and hands the
/// inner service a [`Body`], as `axum::middleware::from_fn` does. Without
/// [`message_signed`](ApproovLayer::message_signed), or when the signature does not
/// cover the body, the body is passed on untouched (a `Body` as it came, not boxed
/// again); the inner service is cloned, and the future boxed, only for a request whose
/// body must be read before the inner service is called.
impl<S, B> Service<Request<B>> for ApproovService<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let verifier = &self.layer.verifier;
        let (mut parts, body) = request.into_parts();
        let mut verification = verifier.check_request(headers(&parts), self.layer.binding.as_ref());
        // The signature, for a token that passed (a failed one already says why).
        if self.layer.message_signed && verification.passed() {
            let signing = verifier.message_signing();
            if signing.needs_body(headers(&parts)) {
                // The body must be read first: call the inner service that is ready
                // later, leave a clone in its place.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let verifier = verifier.clone();
                let future = async move {
                    let (verification, body) =
                        signed::check_with_body(&verifier, verification, &parts, Body::new(body))
                            .await;
                    match admit(verification, &mut parts) {
                        Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                        Err(status) => Ok(json_empty(status)),
                    }
                };
                return ResponseFuture {
                    kind: Kind::Buffering {
                        future: Box::pin(future),
                    },
                };
            }
            verification = signed::check(verification, &parts);
        }
        if let Err(status) = admit(verification, &mut parts) {
            return ResponseFuture {
                kind: Kind::Refused { status },
            };
        }
        let request = Request::from_parts(parts, Body::new(body));
        ResponseFuture {
            kind: Kind::Inner {
                future: self.inner.call(request),
            },
        }
    }
}

/// Lets the request go on unless `verification` refuses it (then the status to
/// answer): with the layer's proof of the check, and the claims (when it passed) for
/// `Extension<ApproovClaims>`.
fn admit(verification: Verification, parts: &mut Parts) -> Result<(), StatusCode> {
    let verification = verification
        .enforce()
        .map_err(|rejection| status_of(&rejection))?;
    let extensions = &mut parts.extensions;
    // Claims for `Extension<ApproovClaims>`: this check's, or none at all (never a
    // value some other code put there, when this check failed in monitor mode).
    match verification.to_claims() {
        Some(claims) => extensions.insert(claims),
        None => extensions.remove::<ApproovClaims>(),
    };
    extensions.insert(Checked(verification));
    Ok(())
}

/// A boxed future, for the requests whose body is read before the inner service runs.
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pin_project! {
    /// The future of [`ApproovService`]: the inner service's, an immediate refusal, or
    /// (for a message-signed request whose body is signed) reading the body first.
    pub struct ResponseFuture<F>
    where
        F: Future,
    {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F>
    where
        F: Future,
    {
        Inner { #[pin] future: F },
        Refused { status: StatusCode },
        Buffering { future: BoxFuture<F::Output> },
    }
}

impl<F: Future> fmt::Debug for ResponseFuture<F> {
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
            KindProj::Refused { status } => Poll::Ready(Ok(json_empty(*status))),
            KindProj::Buffering { future } => future.as_mut().poll(cx),
        }
    }
}
