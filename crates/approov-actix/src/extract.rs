//! The extractors: a handler argument that is only there for a request that passed
//! the check (or, in monitor mode, for every request).

use std::fmt;
use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use approov_core::{
    ApproovClaims, ApproovVerifier, AuthorizationBinding, Binding, BindingHeaders, RequestHeaders,
    Verification,
};

use crate::checked::Checked;
use crate::headers::Headers;
use crate::rejection::{ApproovRejection, NOT_CONFIGURED};

/// The outcome of the request's Approov check, as a handler argument: with it, the
/// handler only runs for a request whose token is valid; any other is answered 401
/// `{}` ([`ApproovRejection`]).
///
/// In the default [`Mode::Enforce`](crate::Mode::Enforce), [`claims`](Verification::claims)
/// is always `Some`. In [`Mode::Monitor`](crate::Mode::Monitor) the handler runs for every
/// request and can ask [`passed`](Verification::passed) and
/// [`rejection`](Verification::rejection) (through `Deref` to [`Verification`]).
///
/// Where the check comes from:
///
/// 1. behind the [`Approov`](crate::Approov) middleware, the middleware's check (not
///    run again);
/// 2. otherwise it checks the request itself, with the [`ApproovVerifier`] in the app
///    data: `.app_data(web::Data::new(verifier))` (a bare `.app_data(verifier)` works
///    too). With neither, the request is answered 500 `{}` and an error is logged.
///
/// Behind [`Approov::message_signed`](crate::Approov::message_signed),
/// [`is_message_signed`](Verification::is_message_signed) says the request's
/// installation message signature was checked and holds.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use approov_actix::{ApproovToken, ApproovVerifier};
///
/// async fn hello(token: ApproovToken) -> HttpResponse {
///     let device = token.claims().and_then(|claims| claims.did.clone());
///     HttpResponse::Ok().body(format!("hello, device {device:?}"))
/// }
///
/// # fn main() -> Result<(), approov_actix::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let verifier = ApproovVerifier::from_env()?;
/// let app = App::new()
///     .app_data(web::Data::new(verifier))
///     .route("/hello", web::get().to(hello));
/// # Ok(())
/// # }
/// ```
///
/// For an optional token take [`OptionalApproovToken`], not `Option<ApproovToken>`:
/// actix-web's `Option<T>` turns every extractor error into `None`, so a request with
/// an invalid, expired or forged token would reach the handler as one without a token.
#[derive(Debug, Clone)]
pub struct ApproovToken(Verification);

impl ApproovToken {
    /// The claims of the valid token, owned; `None` only in monitor mode, for a
    /// request that failed the check. (`token.claims()` borrows them, through `Deref`
    /// to [`Verification`].)
    pub fn into_claims(self) -> Option<ApproovClaims> {
        self.0.into_claims()
    }
}

impl Deref for ApproovToken {
    type Target = Verification;

    fn deref(&self) -> &Verification {
        &self.0
    }
}

impl FromRequest for ApproovToken {
    type Error = ApproovRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(verification(request, None).map(ApproovToken))
    }
}

/// An optional [`ApproovToken`]: `None` when the request has no `Approov-Token` header
/// at all (nothing is checked or logged then); a token that is there but not valid,
/// even an empty one, is still refused with 401 (in the default
/// [`Mode::Enforce`](crate::Mode::Enforce)). approov-core decides what absent means
/// ([`ApproovVerifier::check_optional_request`], [`Verification::into_optional`]), the
/// same for every approov-rs adapter.
///
/// Why not `Option<ApproovToken>`: actix-web's `Option<T>` extractor turns any error
/// of `T` into `None`, so with it an invalid, expired or forged token would reach the
/// handler as "no token" and the handler could not tell the two apart.
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use approov_actix::{ApproovVerifier, OptionalApproovToken};
///
/// async fn catalogue(OptionalApproovToken(token): OptionalApproovToken) -> HttpResponse {
///     match token {
///         Some(_) => HttpResponse::Ok().body("the full catalogue, for the app"),
///         None => HttpResponse::Ok().body("the public catalogue"),
///     }
/// }
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), approov_actix::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let app = test::init_service(
///     App::new()
///         .app_data(web::Data::new(ApproovVerifier::from_env()?))
///         .route("/catalogue", web::get().to(catalogue)),
/// )
/// .await;
/// let request = |token: Option<&str>| {
///     let request = test::TestRequest::get().uri("/catalogue");
///     match token {
///         Some(token) => request.insert_header(("Approov-Token", token)).to_request(),
///         None => request.to_request(),
///     }
/// };
/// let public = test::call_service(&app, request(None)).await;
/// assert_eq!(test::read_body(public).await, "the public catalogue");
/// let refused = test::call_service(&app, request(Some("not-a-token"))).await;
/// assert_eq!(refused.status(), 401);
/// # Ok(())
/// # }
/// ```
///
/// Behind the [`Approov`](crate::Approov) middleware (in monitor mode, the only one
/// that lets a request without a token through) it is `None` when the middleware
/// found no token header.
#[derive(Debug, Clone)]
pub struct OptionalApproovToken(pub Option<ApproovToken>);

impl FromRequest for OptionalApproovToken {
    type Error = ApproovRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(optional(request).map(OptionalApproovToken))
    }
}

/// The optional token: the core's rule of what counts as absent, on the middleware's
/// check or on one run now.
fn optional(request: &HttpRequest) -> Result<Option<ApproovToken>, ApproovRejection> {
    let verification = match proof(request) {
        // Only in monitor mode does a request without a token get past the middleware.
        Some(verification) => verification.into_optional(),
        None => {
            verifier(request)?.check_optional_request(Headers(request.headers()).lookup(), None)
        }
    };
    verification
        .map(|verification| accepted(verification).map(ApproovToken))
        .transpose()
}

/// As [`ApproovToken`], and the token must also be bound to the headers `H` names
/// through its `pay` claim: `Authorization` by default ([`AuthorizationBinding`]), any
/// headers with your own [`BindingHeaders`] type.
///
/// Behind the [`Approov`](crate::Approov) middleware it adds the binding check to the
/// middleware's, unless the middleware already checked this very binding (then
/// nothing is hashed, or logged, twice). Without the middleware it checks the request
/// with the [`ApproovVerifier`] in the app data, as [`ApproovToken`] does.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use approov_actix::{ApproovVerifier, BindingHeaders, BoundApproovToken};
///
/// async fn account(token: BoundApproovToken) -> HttpResponse {
///     // The token's `pay` claim matched this request's `Authorization` header.
///     HttpResponse::Ok().body(format!("expires at {:?}", token.claims().map(|claims| claims.exp)))
/// }
///
/// /// The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
/// struct AuthorizationAndSessionId;
/// impl BindingHeaders for AuthorizationAndSessionId {
///     const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
/// }
///
/// async fn session(_: BoundApproovToken<AuthorizationAndSessionId>) -> HttpResponse {
///     HttpResponse::Ok().body("bound to Authorization and SessionId")
/// }
///
/// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=").unwrap();
/// let app = App::new()
///     .app_data(web::Data::new(verifier))
///     .route("/account", web::get().to(account))
///     .route("/session", web::get().to(session));
/// ```
pub struct BoundApproovToken<H: BindingHeaders = AuthorizationBinding> {
    verification: Verification,
    binding: PhantomData<fn() -> H>,
}

impl<H: BindingHeaders> BoundApproovToken<H> {
    /// The claims of the valid, bound token, owned; `None` only in monitor mode, for a
    /// request that failed the check. (`token.claims()` borrows them.)
    pub fn into_claims(self) -> Option<ApproovClaims> {
        self.verification.into_claims()
    }
}

impl<H: BindingHeaders> Deref for BoundApproovToken<H> {
    type Target = Verification;

    fn deref(&self) -> &Verification {
        &self.verification
    }
}

impl<H: BindingHeaders> Clone for BoundApproovToken<H> {
    fn clone(&self) -> Self {
        BoundApproovToken {
            verification: self.verification.clone(),
            binding: PhantomData,
        }
    }
}

impl<H: BindingHeaders> fmt::Debug for BoundApproovToken<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundApproovToken")
            .field("headers", &H::HEADERS)
            .field("verification", &self.verification)
            .finish()
    }
}

impl<H: BindingHeaders> FromRequest for BoundApproovToken<H> {
    type Error = ApproovRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let binding = H::binding();
        ready(
            verification(request, Some(&binding)).map(|verification| BoundApproovToken {
                verification,
                binding: PhantomData,
            }),
        )
    }
}

/// The middleware's check of this request, if it ran.
fn proof(request: &HttpRequest) -> Option<Verification> {
    request
        .extensions()
        .get::<Checked>()
        .map(|Checked(verification)| verification.clone())
}

/// The check of this request, with `binding` too: the middleware's (plus the binding,
/// unless it checked that one), else one run now with the verifier in the app data.
fn verification(
    request: &HttpRequest,
    binding: Option<&Binding>,
) -> Result<Verification, ApproovRejection> {
    let headers = Headers(request.headers()).lookup();
    let verification = match (proof(request), binding) {
        (Some(verification), None) => verification,
        (Some(verification), Some(binding)) => verification.bound_to(binding, headers),
        (None, binding) => verifier(request)?.check_request(headers, binding),
    };
    accepted(verification)
}

/// The verifier in the app data: `web::Data<ApproovVerifier>`, or a bare one.
fn verifier(request: &HttpRequest) -> Result<&ApproovVerifier, ApproovRejection> {
    request
        .app_data::<web::Data<ApproovVerifier>>()
        .map(|data| data.get_ref())
        .or_else(|| request.app_data::<ApproovVerifier>())
        .ok_or_else(|| {
            tracing::error!("{NOT_CONFIGURED}");
            ApproovRejection::NotConfigured
        })
}

/// The verification, unless it refuses the request.
fn accepted(verification: Verification) -> Result<Verification, ApproovRejection> {
    verification.enforce().map_err(ApproovRejection::from)
}
