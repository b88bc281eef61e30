//! [`ApproovLayer`] and [`ApproovService`]: the check in front of any tower service
//! over `http::Request<B>`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use approov_core::{
    ApproovClaims, ApproovVerifier, Binding, HttpHeaderValues, RequestHeaders, SignedRequest,
    Verification,
};
use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response, StatusCode, Uri};
use http_body::Body;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{read_prefix, ApproovBody};
use crate::response::{GrpcRejection, JsonRejection, RejectionResponse};

/// The layer's record that it checked the request, in the request's extensions: only
/// this crate can make one, so code that finds it knows the check ran (a public
/// `ApproovClaims` there proves nothing). Framework adapters built on this layer
/// read it for their extractors.
#[derive(Clone)]
pub struct Checked(Verification);

impl Checked {
    /// What the check concluded.
    pub fn verification(&self) -> &Verification {
        &self.0
    }
}

impl fmt::Debug for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Checked").field(&self.0).finish()
    }
}

/// Where a request's target is read: `&parts.uri` unless a framework moved it.
type TargetOf = for<'a> fn(&'a Parts) -> &'a Uri;

fn request_uri(parts: &Parts) -> &Uri {
    &parts.uri
}

/// Checks the Approov token of every request before the inner service sees it; a
/// refused request is answered at once, by `R` ([`JsonRejection`]: `401 {}`, the
/// default; [`GrpcRejection`]: gRPC `UNAUTHENTICATED`).
///
/// It wraps any tower service over `http::Request<B>` (a hyper service, a tonic
/// server, an axum router) for any body `B` with `Bytes` frames; the inner service gets
/// an [`ApproovBody<B>`](ApproovBody). A request that goes on carries the outcome in
/// its extensions: [`Checked`] (which framework adapters read) and, when the token
/// passed, the [`ApproovClaims`].
///
/// ```
/// use std::convert::Infallible;
/// use approov_tower::{ApproovBody, ApproovLayer, ApproovClaims, ApproovVerifier};
/// use http::{Request, Response};
/// use tower::{Layer, ServiceExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let verifier = ApproovVerifier::from_env()?;
///
/// // Any tower service over `http` requests: here one that names the device.
/// let hello = tower::service_fn(|request: Request<ApproovBody<String>>| async move {
///     let did = request.extensions().get::<ApproovClaims>().and_then(|c| c.did.clone());
///     Ok::<_, Infallible>(Response::new(format!("hello {did:?}")))
/// });
/// let service = ApproovLayer::new(verifier).layer(hello);
///
/// let refused = service.oneshot(Request::new(String::new())).await?;
/// assert_eq!(refused.status(), 401);
/// assert_eq!(refused.into_body(), "{}");
/// # Ok(())
/// # }
/// ```
///
/// With a verifier in [`Mode::Monitor`](crate::Mode::Monitor) no request is
/// refused: each failure is logged at `warn` and the inner service runs.
#[derive(Clone)]
pub struct ApproovLayer<R = JsonRejection> {
    verifier: ApproovVerifier,
    binding: Option<Binding>,
    message_signed: bool,
    optional: bool,
    claims: bool,
    target: TargetOf,
    rejection: R,
}

impl<R: fmt::Debug> fmt::Debug for ApproovLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApproovLayer")
            .field("verifier", &self.verifier)
            .field("binding", &self.binding)
            .field("message_signed", &self.message_signed)
            .field("optional", &self.optional)
            .field("claims", &self.claims)
            .field("rejection", &self.rejection)
            .finish_non_exhaustive()
    }
}

impl ApproovLayer {
    /// Checks tokens with `verifier`; a refusal is `401 {}`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        ApproovLayer {
            verifier,
            binding: None,
            message_signed: false,
            optional: false,
            claims: true,
            target: request_uri,
            rejection: JsonRejection,
        }
    }

    /// Checks tokens with `verifier`, for a gRPC service (tonic): a refusal is a gRPC
    /// `UNAUTHENTICATED` status, as [`GrpcRejection`] makes it. The token is read from
    /// the `approov-token` metadata entry (a header, to the layer).
    pub fn grpc(verifier: ApproovVerifier) -> ApproovLayer<GrpcRejection> {
        ApproovLayer::new(verifier).with_rejection(GrpcRejection)
    }
}

impl<R> ApproovLayer<R> {
    /// Answers refusals with `rejection` instead.
    pub fn with_rejection<R2>(self, rejection: R2) -> ApproovLayer<R2> {
        ApproovLayer {
            verifier: self.verifier,
            binding: self.binding,
            message_signed: self.message_signed,
            optional: self.optional,
            claims: self.claims,
            target: self.target,
            rejection,
        }
    }

    /// Also requires each token to be bound to `binding` through its `pay` claim: one
    /// header (`BindingHeader::AUTHORIZATION`) or several, hashed in order
    /// (`[BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]`). A binding
    /// to the header that carries the token is logged as an error now and refuses
    /// every request.
    pub fn bound_to(mut self, binding: impl Into<Binding>) -> Self {
        let binding = binding.into();
        let _ = self.verifier.check_binding(&binding);
        self.binding = Some(binding);
        self
    }

    /// Also requires the request's message signatures (RFC 9421: `install`, and
    /// `account` when the verifier has an account key), checked as the client sent the
    /// request: its method, the target as on the request line, the scheme and
    /// authority of an absolute-form target or HTTP/2's pseudo-headers, else the
    /// configured scheme and the `Host` header. When a signature covers
    /// `content-digest`, the body is read first, up to the limit (1 MiB by default),
    /// and handed on byte for byte; a signed body over the limit is refused with 413,
    /// one that cannot be read with 400. Any other body is never read.
    pub fn message_signed(mut self) -> Self {
        self.message_signed = true;
        self
    }

    /// Lets a request with no token header at all through unchecked (nothing is
    /// logged, nothing is put in its extensions); one with a token header is checked
    /// as always, so an empty, malformed or forged token is still refused.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Leaves [`ApproovClaims`] out of the request's extensions (any that other code
    /// put there is still removed): the claims are then read from
    /// [`Checked::verification`]'s `claims()`, built on first use. For a service that
    /// seldom needs them, it saves building them for every request (a proxy
    /// forwarding a claim or two, say).
    pub fn without_claims(mut self) -> Self {
        self.claims = false;
        self
    }

    /// Reads the request target from `target` instead of `parts.uri`: for a framework
    /// that rewrites the URI before the layer runs (approov-axum reads axum's
    /// `OriginalUri`, the target before a `Router::nest` took its prefix off).
    pub fn with_target(mut self, target: for<'a> fn(&'a Parts) -> &'a Uri) -> Self {
        self.target = target;
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &ApproovVerifier {
        &self.verifier
    }
}

impl<S, R: Clone> Layer<S> for ApproovLayer<R> {
    type Service = ApproovService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        ApproovService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`ApproovLayer`] builds around the inner service.
#[derive(Clone)]
pub struct ApproovService<S, R = JsonRejection> {
    inner: S,
    layer: ApproovLayer<R>,
}

impl<S: fmt::Debug, R: fmt::Debug> fmt::Debug for ApproovService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApproovService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
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
}

impl<S, R> ApproovService<S, R> {
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

/// The request's headers, as the core reads them.
fn headers<'r>(parts: &'r Parts) -> impl Fn(&str) -> HttpHeaderValues<'r> + Copy + 'r {
    (&parts.headers).lookup()
}

/// The request as it came off the wire, for the core to address.
fn signed_request<'r>(
    parts: &'r Parts,
    target: TargetOf,
) -> SignedRequest<'r, impl Fn(&str) -> HttpHeaderValues<'r> + Copy + 'r> {
    let uri = target(parts);
    SignedRequest::received(
        parts.method.as_str(),
        uri.scheme_str(),
        uri.authority().map(|authority| authority.as_str()),
        // As on the request line: `Uri` neither decodes nor normalises it.
        uri.path_and_query().map_or("/", |target| target.as_str()),
        headers(parts),
    )
}

/// Only a request whose signed body must be read before the inner service is called
/// clones the inner service and boxes its future; every other one is passed on with
/// its body untouched.
impl<S, B, ResBody, R> Service<Request<B>> for ApproovService<S, R>
where
    S: Service<Request<ApproovBody<B>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Send + 'static,
    ResBody: Send + 'static,
    R: RejectionResponse<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let layer = &self.layer;
        let verifier = &layer.verifier;
        let (mut parts, body) = request.into_parts();
        let binding = layer.binding.as_ref();
        let verification = if layer.optional {
            verifier.check_optional_request(headers(&parts), binding)
        } else {
            Some(verifier.check_request(headers(&parts), binding))
        };
        let Some(mut verification) = verification else {
            // Optional, and no token header: nothing to check.
            let request = Request::from_parts(parts, ApproovBody::untouched(body));
            return ResponseFuture::inner(self.inner.call(request));
        };
        // The signatures, for a token that passed (a failed one already says why).
        if layer.message_signed && verification.passed() {
            let signing = verifier.message_signing();
            if signing.needs_body(headers(&parts)) {
                // The body must be read first: call the inner service that is ready
                // later, leave a clone in its place.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let max = signing.max_body_len();
                let target = layer.target;
                let claims = layer.claims;
                let rejection = layer.rejection.clone();
                let future = async move {
                    let read = read_prefix(body, max).await;
                    let request = signed_request(&parts, target);
                    let request = if read.failed {
                        request.with_unreadable_body()
                    } else {
                        // At most one byte over the limit: enough to see it is too long.
                        request.with_body(read.data.get(..=max).unwrap_or(&read.data))
                    };
                    let verification = verification.message_signed(&request);
                    match admit(verification, &mut parts, claims) {
                        Ok(()) => inner.call(Request::from_parts(parts, read.body)).await,
                        Err(status) => Ok(rejection.respond(status)),
                    }
                };
                return ResponseFuture {
                    kind: Kind::Buffering {
                        future: Box::pin(future),
                    },
                };
            }
            verification = verification.message_signed(&signed_request(&parts, layer.target));
        }
        if let Err(status) = admit(verification, &mut parts, layer.claims) {
            return ResponseFuture {
                kind: Kind::Ready {
                    output: Some(Ok(layer.rejection.respond(status))),
                },
            };
        }
        let request = Request::from_parts(parts, ApproovBody::untouched(body));
        ResponseFuture::inner(self.inner.call(request))
    }
}

/// Lets the request go on unless `verification` refuses it (then the status to
/// answer): with the layer's proof of the check, and the claims (when it passed).
fn admit(verification: Verification, parts: &mut Parts, claims: bool) -> Result<(), StatusCode> {
    let verification = verification.enforce().map_err(|rejection| {
        StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::UNAUTHORIZED)
    })?;
    let extensions = &mut parts.extensions;
    // Claims for the handler: this check's, or none at all (never a value some other
    // code put there, when this check failed in monitor mode).
    let claims = if claims {
        verification.to_claims()
    } else {
        None
    };
    match claims {
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
        Ready { output: Option<F::Output> },
        Buffering { future: BoxFuture<F::Output> },
    }
}

impl<F: Future> ResponseFuture<F> {
    fn inner(future: F) -> Self {
        ResponseFuture {
            kind: Kind::Inner { future },
        }
    }
}

impl<F: Future> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F: Future> Future for ResponseFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Ready { output } => match output.take() {
                Some(output) => Poll::Ready(output),
                None => Poll::Pending,
            },
            KindProj::Buffering { future } => future.as_mut().poll(cx),
        }
    }
}
