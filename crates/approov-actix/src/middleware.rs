//! The middleware: protects an app, a scope or a resource.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage};
use pin_project_lite::pin_project;

use crate::error::unauthorized;
use crate::extract::header_values;
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
}

impl Approov {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        Approov {
            verifier,
            binding: None,
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
}

impl<S, B> Transform<S, ServiceRequest> for Approov
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ApproovMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ApproovMiddleware {
            service,
            approov: self.clone(),
        }))
    }
}

/// The service [`Approov`] builds around the wrapped one.
#[derive(Debug)]
pub struct ApproovMiddleware<S> {
    service: S,
    approov: Approov,
}

impl<S, B> Service<ServiceRequest> for ApproovMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ApproovFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let verification = self.approov.verifier.check_request(
            header_values(request.headers()),
            self.approov.binding.as_ref(),
        );
        if verification.refused() {
            return ApproovFuture {
                kind: Kind::Rejected {
                    response: ready(Ok(request
                        .into_response(unauthorized())
                        .map_into_right_body())),
                },
            };
        }
        {
            let mut extensions = request.extensions_mut();
            // Only this check's claims: never what other code put there before.
            match verification.claims() {
                Some(claims) => extensions.insert(claims.clone()),
                None => extensions.remove::<ApproovClaims>(),
            };
            extensions.insert(Checked(verification));
        }
        ApproovFuture {
            kind: Kind::Inner {
                future: self.service.call(request),
            },
        }
    }
}

pin_project! {
    /// The future of [`ApproovMiddleware`]: the wrapped service's, or an immediate 401.
    pub struct ApproovFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Inner { #[pin] future: F },
        Rejected { response: Ready<Result<ServiceResponse<EitherBody<B>>, Error>> },
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
        }
    }
}
