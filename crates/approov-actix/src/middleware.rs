//! The middleware: protects an app, a scope or a resource.

use std::future::{poll_fn, ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::EitherBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::PayloadError;
use actix_web::http::header::HOST;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use approov_core::{MessageSigning, SignedRequest};
use futures_core::Stream;
use pin_project_lite::pin_project;

use crate::error::unauthorized;
use crate::extract::{header_values, Values};
use crate::{ApproovClaims, ApproovVerifier, Binding, Verification};

/// The middleware's record of its check, in the request extensions. Private: no
/// other code can put one there, so an extractor that finds one knows the check ran.
#[derive(Clone)]
pub(crate) struct Checked(pub(crate) Verification);

/// Checks every request before the wrapped service sees it, and answers 401 `{}` to
/// one without a valid Approov token (in the default [`Mode::Enforce`](crate::Mode)).
///
/// Use it with `.wrap()` on an [`App`](actix_web::App), a [`Scope`](actix_web::Scope)
/// or a [`Resource`](actix_web::Resource). A refusal is a normal response, not an
/// `Err`, so outer middleware (logging, CORS, [`ErrorHandlers`](actix_web::middleware::ErrorHandlers))
/// sees an ordinary 401. Wrapping a whole `App` also answers 401 (not 404) to unknown
/// paths without a token: wrap a scope or a resource to keep 404s.
///
/// For the handler, it puts into the request extensions its own private record of the
/// check, which [`ApproovToken`](crate::ApproovToken) and
/// [`BoundApproovToken`](crate::BoundApproovToken) read without checking again, and, for
/// a token that passed, a clone of its [`ApproovClaims`] for `web::ReqData<ApproovClaims>`
/// (no extractor of this crate trusts that public value).
///
/// With [`message_signed`](Self::message_signed) it also checks the request's
/// installation message signature, reading the body first when the signature covers
/// it.
///
/// In [`Mode::Monitor`](crate::Mode) no request is refused: the failure is logged at
/// `warn` and the request goes on, without `ApproovClaims` in its extensions.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use approov_actix::{Approov, ApproovVerifier, BindingHeader};
///
/// # fn main() -> Result<(), approov_actix::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
/// let verifier = ApproovVerifier::from_env()?;
/// let app = App::new()
///     .route("/health", web::get().to(HttpResponse::Ok))
///     // A group of routes.
///     .service(
///         web::scope("/api")
///             .wrap(Approov::new(verifier.clone()))
///             .route("/orders", web::get().to(HttpResponse::Ok)),
///     )
///     // One resource, with its tokens bound to `Authorization`.
///     .service(
///         web::resource("/account")
///             .wrap(Approov::new(verifier).bound_to(BindingHeader::AUTHORIZATION))
///             .route(web::get().to(HttpResponse::Ok)),
///     );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Approov {
    verifier: ApproovVerifier,
    binding: Option<Binding>,
    message_signed: bool,
}

impl Approov {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        Approov {
            verifier,
            binding: None,
            message_signed: false,
        }
    }

    /// Also requires each token to be bound to `binding` through its `pay` claim: one
    /// header ([`BindingHeader::AUTHORIZATION`](crate::BindingHeader::AUTHORIZATION)),
    /// or several, hashed in order:
    ///
    /// ```
    /// use approov_actix::{Approov, BindingHeader};
    /// # let verifier = approov_actix::ApproovVerifier::from_base64_secret("c2VjcmV0").unwrap();
    ///
    /// // The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
    /// let double = Approov::new(verifier)
    ///     .bound_to([BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]);
    /// ```
    pub fn bound_to(mut self, binding: impl Into<Binding>) -> Self {
        self.binding = Some(binding.into());
        self
    }

    /// Also requires an installation message signature: the `install` signature
    /// (RFC 9421) that the Approov SDK adds to each request with the app
    /// installation's own key, checked with the public key in the token's `ipk` claim.
    /// A token without `ipk`, a missing signature, or one that does not match the
    /// request is refused: 401 `{}`, its reason logged with a `message_signature_...`
    /// code. The token (and its binding, if any) is checked first.
    ///
    /// When the signature covers `content-digest`, the middleware reads the body before
    /// the handler runs, at most the verifier's limit plus one byte
    /// (`APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES`, default 1 MiB): a longer body is
    /// refused as `message_signature_body_too_large` (a 401, not a 413). The handler
    /// then reads the very bytes that were checked, with any extractor (`web::Bytes`,
    /// `web::Json`, `web::Payload`, ...). Otherwise the body is not touched. A body
    /// that breaks off while it is read (the client went away, bad chunked encoding)
    /// is answered as actix-web answers that error to a handler (400).
    ///
    /// The request is checked as the client sent it: the method, the `Host` header
    /// (else the URI's authority, as in HTTP/2), the target as on the request line,
    /// never decoded, and the scheme the verifier's message-signing settings name
    /// (`APPROOV_MESSAGE_SIGNATURE_SCHEME`, default `http`; `https` behind a proxy that
    /// terminates TLS) unless the request line carries one. Middleware that rewrites
    /// the URI before this one (`NormalizePath`) changes what is checked.
    ///
    /// Behind it, [`ApproovToken`](crate::ApproovToken) says
    /// [`is_message_signed`](crate::Verification::is_message_signed). In
    /// [`Mode::Monitor`](crate::Mode::Monitor) a failed signature is logged at `warn`
    /// and the request goes on (with its body), the handler can ask
    /// [`rejection`](crate::Verification::rejection).
    ///
    /// ```
    /// use actix_web::{web, App, HttpResponse};
    /// use approov_actix::{Approov, ApproovVerifier};
    ///
    /// async fn pay(order: web::Json<serde_json::Value>) -> HttpResponse {
    ///     // The body the app signed, byte for byte.
    ///     HttpResponse::Ok().json(order.into_inner())
    /// }
    ///
    /// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0").unwrap();
    /// let app = App::new().service(
    ///     web::resource("/pay")
    ///         .wrap(Approov::new(verifier).message_signed())
    ///         .route(web::post().to(pay)),
    /// );
    /// ```
    pub fn message_signed(mut self) -> Self {
        self.message_signed = true;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for Approov
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ApproovMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ApproovMiddleware {
            service: Rc::new(service),
            approov: self.clone(),
        }))
    }
}

/// The service [`Approov`] builds around the wrapped one.
#[derive(Debug)]
pub struct ApproovMiddleware<S> {
    /// Shared with the future that reads a signed body before calling it.
    service: Rc<S>,
    approov: Approov,
}

impl<S, B> Service<ServiceRequest> for ApproovMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ApproovFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let Approov {
            verifier,
            binding,
            message_signed,
        } = &self.approov;
        let mut verification =
            verifier.check_request(header_values(request.headers()), binding.as_ref());
        // A failed token has no signature to check (in monitor mode it goes on as is).
        if *message_signed && verification.passed() {
            let signing = verifier.message_signing();
            if signing.needs_body(header_values(request.headers())) {
                let future = read_body_then_call(
                    Rc::clone(&self.service),
                    verifier.clone(),
                    request,
                    verification,
                );
                return ApproovFuture {
                    kind: Kind::Buffering {
                        future: Box::pin(future),
                    },
                };
            }
            verification = verification.message_signed(&signed_request(&request, signing));
        }
        if verification.refused() {
            return ApproovFuture {
                kind: Kind::Rejected {
                    response: ready(Ok(refuse(request))),
                },
            };
        }
        admit(&request, verification);
        ApproovFuture {
            kind: Kind::Inner {
                future: self.service.call(request),
            },
        }
    }
}

/// The 401 answer to `request`.
fn refuse<B>(request: ServiceRequest) -> ServiceResponse<EitherBody<B>> {
    request.into_response(unauthorized()).map_into_right_body()
}

/// Records the check in the extensions of a request that goes on.
fn admit(request: &ServiceRequest, verification: Verification) {
    let mut extensions = request.extensions_mut();
    // Only this check's claims: never what other code put there before.
    match verification.to_claims() {
        Some(claims) => extensions.insert(claims),
        None => extensions.remove::<ApproovClaims>(),
    };
    extensions.insert(Checked(verification));
}

/// The request as its signature covers it, as the client addressed it.
fn signed_request<'r>(
    request: &'r ServiceRequest,
    signing: &'r MessageSigning,
) -> SignedRequest<'r, impl Fn(&str) -> Values<'r> + 'r> {
    let uri = request.uri();
    let authority = request
        .headers()
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| uri.authority().map(|authority| authority.as_str()))
        .unwrap_or_default();
    SignedRequest::new(
        request.method().as_str(),
        uri.scheme_str().unwrap_or(signing.scheme()),
        authority,
        uri.path_and_query().map_or("", |target| target.as_str()),
        header_values(request.headers()),
    )
}

/// For a signature that covers `content-digest`: reads the body (at most one byte
/// over the limit), checks the signature over it, and hands the same bytes on.
async fn read_body_then_call<S, B>(
    service: Rc<S>,
    verifier: ApproovVerifier,
    mut request: ServiceRequest,
    verification: Verification,
) -> Result<ServiceResponse<EitherBody<B>>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let signing = verifier.message_signing();
    let mut payload = request.take_payload();
    // One byte over the limit is enough for the core to see the body is too long.
    let limit = signing.max_body_len().saturating_add(1);
    let body = match Body::read(&mut payload, limit).await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error).map_into_right_body()),
    };
    let verification =
        verification.message_signed(&signed_request(&request, signing).with_body(&body.read));
    if verification.refused() {
        return Ok(refuse(request));
    }
    request.set_payload(body.into_payload(payload));
    admit(&request, verification);
    service
        .call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The start of a request body, read for its signature.
struct Body {
    /// The bytes the signature is checked over: the whole body, or, when it is longer
    /// than the limit, its first `limit` bytes (one more than the verifier takes).
    read: Bytes,
    /// When the body is longer: the rest of the chunk that went over the limit (the
    /// payload may hold more).
    over: Option<Bytes>,
}

impl Body {
    /// Reads `payload` until it ends or `limit` bytes are read.
    async fn read(payload: &mut Payload, limit: usize) -> Result<Body, PayloadError> {
        let mut read = BytesMut::new();
        while let Some(chunk) = poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await {
            let mut chunk = chunk?;
            let room = limit - read.len();
            if chunk.len() >= room {
                let over = chunk.split_off(room);
                read.extend_from_slice(&chunk);
                return Ok(Body {
                    read: read.freeze(),
                    over: Some(over),
                });
            }
            read.extend_from_slice(&chunk);
        }
        Ok(Body {
            read: read.freeze(),
            over: None,
        })
    }

    /// The whole body again, for the handler: the bytes read, then what is left.
    fn into_payload(self, rest: Payload) -> Payload {
        match self.over {
            None => Payload::from(self.read),
            Some(over) => Payload::Stream {
                payload: Box::pin(Replay {
                    read: [Some(self.read), Some(over)],
                    rest,
                }),
            },
        }
    }
}

/// A body whose start was read: those bytes again, then the rest of the payload.
struct Replay {
    read: [Option<Bytes>; 2],
    rest: Payload,
}

impl Stream for Replay {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        for read in &mut this.read {
            if let Some(bytes) = read.take().filter(|bytes| !bytes.is_empty()) {
                return Poll::Ready(Some(Ok(bytes)));
            }
        }
        Pin::new(&mut this.rest).poll_next(cx)
    }
}

pin_project! {
    /// The future of [`ApproovMiddleware`]: the wrapped service's, or an immediate 401
    /// (or, for a message signature over the body, reading the body first).
    pub struct ApproovFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

type Answer<B> = Result<ServiceResponse<EitherBody<B>>, Error>;

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Inner { #[pin] future: F },
        Rejected { response: Ready<Answer<B>> },
        // Reading a signed body, then the wrapped service's future: only for a
        // signature that covers `content-digest`.
        Buffering { future: Pin<Box<dyn Future<Output = Answer<B>>>> },
    }
}

impl<F, B> std::fmt::Debug for ApproovFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApproovFuture").finish_non_exhaustive()
    }
}

impl<F, B> Future for ApproovFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future
                .poll(cx)
                .map(|result| result.map(ServiceResponse::map_into_left_body)),
            KindProj::Rejected { response } => Pin::new(response).poll(cx),
            KindProj::Buffering { future } => future.as_mut().poll(cx),
        }
    }
}
