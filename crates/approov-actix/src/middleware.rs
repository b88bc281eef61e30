//! The middleware: protects an app, a scope or a resource.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage, HttpResponse};
use approov_core::{ApproovClaims, ApproovVerifier, Binding, RequestHeaders, Verification};
use pin_project_lite::pin_project;

use crate::checked::Checked;
use crate::headers::Headers;
use crate::rejection::{json_empty, status_of};
use crate::signed;

/// Checks every request before the wrapped service sees it, and refuses one without a
/// valid Approov token (in the default [`Mode::Enforce`](crate::Mode)): 401,
/// `Content-Type: application/json`, body `{}` (413 or 400 for a body a message
/// signature covers that is over the limit or unreadable, see
/// [`message_signed`](Self::message_signed)). The reason is logged.
///
/// Use it with `.wrap()` on an [`App`](actix_web::App), a [`Scope`](actix_web::Scope)
/// or a [`Resource`](actix_web::Resource). A refusal is a normal response, not an
/// `Err`, so outer middleware (logging, CORS, [`ErrorHandlers`](actix_web::middleware::ErrorHandlers))
/// sees it like any other.
///
/// A path that no resource of the app matches answers 404, with a token or without,
/// also under a wrapped `App` or `Scope`: a request that fails the check, and whose path
/// no resource matches (actix-web's
/// [`ResourceMap::has_resource`](actix_web::dev::ResourceMap::has_resource), asked only
/// for a refused request), is answered actix-web's default 404 (empty body) instead of
/// the refusal; its reason is still logged. The consequence: a `default_service` behind
/// the middleware (a scope's catch-all, or the app's) is only reached by requests that
/// pass the check; one that fails gets that plain 404, never the default service. For
/// a catch-all refused 401 like every other route, register it as a resource
/// (`.route("/{tail:.*}", ...)`). actix-web's resource map does not see guards: where an
/// earlier scope with guards shares the path's prefix (say, one scope per `Host`), a
/// request that fails the check can get that 404 instead of 401 on a known path; it is
/// never let through.
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
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
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
    /// # let verifier = approov_actix::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=").unwrap();
    ///
    /// // The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
    /// let double = Approov::new(verifier)
    ///     .bound_to([BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")]);
    /// ```
    pub fn bound_to(mut self, binding: impl Into<Binding>) -> Self {
        let binding = binding.into();
        // A binding to the token's own header: said now, refused on every request.
        let _ = self.verifier.check_binding(&binding);
        self.binding = Some(binding);
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
    /// (`APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES` or
    /// [`MessageSigning::with_max_body_len`](crate::MessageSigning::with_max_body_len),
    /// default 1 MiB), and hands the same bytes on: the handler reads them with any
    /// extractor (`web::Bytes`, `web::Json`, `web::Payload`, ...). A signed body over
    /// the limit is answered 413 `{}` (`message_signature_body_too_large`), without
    /// reading further; one that cannot be read (the client went away, bad chunked
    /// encoding), 400 `{}` (`message_signature_body_unreadable`). approov-core decides
    /// both, after the signature itself holds. A body the signature does not cover is
    /// never read, whatever its size.
    ///
    /// The request is checked as the client sent it: its method, the path and query
    /// exactly as on the request line (never decoded, and whole under a scope), and the
    /// scheme and authority of the request target when it carries them (an
    /// absolute-form target, HTTP/2's `:scheme` and `:authority`), else the scheme the
    /// verifier's message-signing settings name (`http` unless
    /// `APPROOV_MESSAGE_SIGNATURE_SCHEME=https`, for a server behind a proxy that
    /// terminates TLS) and the `Host` header: approov-core's rule, the same in every
    /// approov-rs adapter.
    /// Middleware that rewrites the URI before this one (`NormalizePath`) changes what
    /// is checked.
    ///
    /// Behind it, [`ApproovToken`](crate::ApproovToken) says
    /// [`is_message_signed`](crate::Verification::is_message_signed). In
    /// [`Mode::Monitor`](crate::Mode::Monitor) a failed signature is logged at `warn`
    /// and the request goes on (with its whole body), the handler can ask
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
    /// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=").unwrap();
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
    type Future = ResponseFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let Approov {
            verifier,
            binding,
            message_signed,
        } = &self.approov;
        let headers = Headers(request.headers()).lookup();
        let mut verification = verifier.check_request(headers, binding.as_ref());
        // A failed token has no signature to check (in monitor mode it goes on as is).
        if *message_signed && verification.passed() {
            let signing = verifier.message_signing();
            if signing.needs_body(headers) {
                let future = check_body_then_call(
                    Rc::clone(&self.service),
                    signing.max_body_len(),
                    request,
                    verification,
                );
                return ResponseFuture {
                    kind: Kind::Buffering {
                        future: Box::pin(future),
                    },
                };
            }
            verification = signed::check(verification, &request);
        }
        match admit(&request, verification) {
            Ok(()) => ResponseFuture {
                kind: Kind::Inner {
                    future: self.service.call(request),
                },
            },
            Err(refusal) => ResponseFuture {
                kind: Kind::Refused {
                    response: ready(Ok(refuse(request, refusal))),
                },
            },
        }
    }
}

/// Lets the request go on, recording the check in its extensions, unless
/// `verification` refuses it.
fn admit(request: &ServiceRequest, verification: Verification) -> Result<(), Refusal> {
    let verification = match verification.enforce() {
        Ok(verification) => verification,
        Err(_) if !routed(request) => return Err(Refusal::NotFound),
        Err(rejection) => return Err(Refusal::Rejected(status_of(&rejection))),
    };
    let mut extensions = request.extensions_mut();
    // Only this check's claims: never what other code put there before.
    match verification.to_claims() {
        Some(claims) => extensions.insert(claims),
        None => extensions.remove::<ApproovClaims>(),
    };
    extensions.insert(Checked(verification));
    Ok(())
}

/// Whether a resource of the app matches the request's path: the path as actix-web's
/// router matches it (percent-decoded where it decodes), not the raw URI's, so that a
/// protected resource asked for as `/ord%65rs` counts as routed.
///
/// The resource map ignores guards: where an earlier scope with guards shares the
/// path's prefix (one scope per `Host`), it can say "no resource" for a path the router
/// does route. That is why an unrouted refusal is answered 404 here, never handed on
/// to the wrapped service unchecked.
fn routed(request: &ServiceRequest) -> bool {
    request
        .resource_map()
        .has_resource(request.match_info().as_str())
}

/// How a request that failed the check is answered.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// `{}` with the rejection's status.
    Rejected(StatusCode),
    /// No resource to refuse: what actix-web answers an unknown path, whatever its
    /// headers (its default service's 404, empty).
    NotFound,
}

/// `request` refused.
fn refuse<B>(request: ServiceRequest, refusal: Refusal) -> ServiceResponse<EitherBody<B>> {
    let response = match refusal {
        Refusal::Rejected(status) => json_empty(status),
        Refusal::NotFound => HttpResponse::NotFound().finish(),
    };
    request.into_response(response).map_into_right_body()
}

/// For a signature that covers `content-digest`: reads the body (at most one byte
/// over the limit), checks the signature over it, and hands the same bytes on.
async fn check_body_then_call<S, B>(
    service: Rc<S>,
    max_body_len: usize,
    mut request: ServiceRequest,
    verification: Verification,
) -> Answer<B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let verification = signed::check_with_body(max_body_len, verification, &mut request).await;
    match admit(&request, verification) {
        Ok(()) => service
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(refusal) => Ok(refuse(request, refusal)),
    }
}

type Answer<B> = Result<ServiceResponse<EitherBody<B>>, Error>;

pin_project! {
    /// The future of [`ApproovMiddleware`]: the wrapped service's, an immediate
    /// refusal, or (for a message signature over the body) reading the body first.
    pub struct ResponseFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Inner { #[pin] future: F },
        Refused { response: Ready<Answer<B>> },
        // Reading a signed body, then the wrapped service's future: only for a
        // signature that covers `content-digest`.
        Buffering { future: Pin<Box<dyn Future<Output = Answer<B>>>> },
    }
}

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Answer<B>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future
                .poll(cx)
                .map(|result| result.map(ServiceResponse::map_into_left_body)),
            KindProj::Refused { response } => Pin::new(response).poll(cx),
            KindProj::Buffering { future } => future.as_mut().poll(cx),
        }
    }
}
