//! The middleware: protects an app, a scope or a resource.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderValue;
use actix_web::{Error, HttpMessage};
use approov_core::{ApproovVerifier, BindingHeader};
use pin_project_lite::pin_project;

use crate::error::unauthorized;

/// Answers 401 `{}` to every request without a valid Approov token, before the
/// wrapped service sees it, and puts the token's
/// [`ApproovClaims`](approov_core::ApproovClaims) into the request extensions (where
/// [`ApproovToken`](crate::ApproovToken) finds them).
///
/// A rejection is a normal response, not an `Err`, so outer middleware (logging,
/// CORS) sees an ordinary 401.
///
/// Wrap a [`Scope`](actix_web::Scope) or a [`Resource`](actix_web::Resource) to
/// protect part of an app; wrapping the whole `App` also answers 401 (not 404) to
/// unknown paths without a token.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use approov_actix::{Approov, ApproovVerifier, BindingHeader};
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64_SECRET", "c2VjcmV0");
/// let verifier = ApproovVerifier::from_env()?;
/// let app = App::new()
///     .route("/health", web::get().to(HttpResponse::Ok))
///     .service(
///         web::scope("/api")
///             .wrap(Approov::new(verifier.clone()))
///             .route("/orders", web::get().to(HttpResponse::Ok)),
///     )
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
    binding: Option<BindingHeader>,
}

impl Approov {
    /// Checks tokens with `verifier`.
    pub fn new(verifier: ApproovVerifier) -> Self {
        Approov {
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
        let headers = request.headers();
        let checked = self.approov.verifier.check_request(
            |name| headers.get_all(name).map(HeaderValue::as_bytes),
            self.approov.binding.as_ref(),
        );
        match checked {
            Ok(claims) => {
                request.extensions_mut().insert(claims);
                ApproovFuture {
                    kind: Kind::Inner {
                        future: self.service.call(request),
                    },
                }
            }
            Err(_) => ApproovFuture {
                kind: Kind::Rejected {
                    response: ready(Ok(request
                        .into_response(unauthorized())
                        .map_into_right_body())),
                },
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
