//! The tower layer: protects every route of a router, or a group of them. It is
//! approov-tower's layer, reading the target axum kept before a `Router::nest` and
//! handing the inner service axum's `Body`.

use std::task::{Context, Poll};

use approov_tower::ApproovBody;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::OriginalUri;
use axum::http::request::Parts;
use axum::http::{Request, Uri};
use axum::response::Response;
use axum::BoxError;
use tower_layer::Layer;
use tower_service::Service;

use crate::{ApproovVerifier, Binding};

pub(crate) use approov_tower::Checked;
pub use approov_tower::ResponseFuture;

/// Checks the Approov token of every request before the inner service sees it:
/// a refused request is answered 401 `{}` at once.
///
/// A request that goes on carries the outcome for the handler: its
/// [`ApproovToken`](crate::ApproovToken) argument reads it (without a second check), and
/// when the token passed, the [`ApproovClaims`](crate::ApproovClaims) are also in the request extensions for
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
pub struct ApproovLayer(approov_tower::ApproovLayer);

/// The request target as the client sent it, before a `Router::nest` took its prefix
/// off.
fn original_uri(parts: &Parts) -> &Uri {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |OriginalUri(uri)| uri)
}

impl ApproovLayer {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        ApproovLayer(approov_tower::ApproovLayer::new(verifier).with_target(original_uri))
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
    pub fn bound_to(self, binding: impl Into<Binding>) -> Self {
        ApproovLayer(self.0.bound_to(binding))
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
    /// [`is_message_signed`](crate::Verification::is_message_signed).
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
    pub fn message_signed(self) -> Self {
        ApproovLayer(self.0.message_signed())
    }

    /// Lets a request with no token header at all through unchecked, for routes where
    /// the token is optional: an `Option<ApproovToken>` argument then gets `None`. A
    /// request with a token header is checked as always (an empty, malformed or forged
    /// token is still refused).
    pub fn optional(self) -> Self {
        ApproovLayer(self.0.optional())
    }
}

impl<S> Layer<S> for ApproovLayer {
    type Service = ApproovService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ApproovService(self.0.layer(IntoAxumBody(inner)))
    }
}

/// The service [`ApproovLayer`] builds around the inner service.
#[derive(Debug, Clone)]
pub struct ApproovService<S>(approov_tower::ApproovService<IntoAxumBody<S>>);

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
        &self.0.get_ref().0
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.0.get_mut().0
    }

    /// The inner service, taking this one apart.
    pub fn into_inner(self) -> S {
        self.0.into_inner().0
    }
}

/// Takes a request with any body axum takes (as [`Body::new`] does) and hands the
/// inner service a [`Body`], as `axum::middleware::from_fn` does: the body as it came,
/// or replayed after a message signature's check read it.
impl<S, B> Service<Request<B>> for ApproovService<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError> + Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        <approov_tower::ApproovService<IntoAxumBody<S>> as Service<Request<B>>>::poll_ready(
            &mut self.0,
            cx,
        )
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        self.0.call(request)
    }
}

/// The inner service, handed axum's `Body`.
#[derive(Debug, Clone)]
pub(crate) struct IntoAxumBody<S>(S);

impl<S, B> Service<Request<ApproovBody<B>>> for IntoAxumBody<S>
where
    S: Service<Request<Body>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError> + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ApproovBody<B>>) -> Self::Future {
        // A body the layer did not read goes on as it came: `Body::new` does not box
        // an axum `Body` again.
        self.0.call(request.map(|body| match body.into_untouched() {
            Ok(body) => Body::new(body),
            Err(replayed) => Body::new(replayed),
        }))
    }
}
