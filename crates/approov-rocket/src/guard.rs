//! The request guards: a handler argument that is only there for a valid token.

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::OnceLock;

use approov_core::{
    ApproovClaims, ApproovVerifier, Authorization, BindingHeaderName, TokenRejection,
};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::sentinel::Sentinel;
use rocket::{Ignite, Rocket};

use crate::ApproovError;

/// The claims of the request's valid Approov token. Without one the request fails
/// with 401, which [`catchers`](crate::catchers) answers with `{}` as JSON.
///
/// The [`ApproovVerifier`] is managed state (`rocket.manage(verifier)`); a Rocket
/// with a route that uses this guard and no verifier refuses to launch. The check
/// runs once per request, however many Approov guards the route has.
///
/// ```
/// use approov_rocket::{ApproovToken, ApproovVerifier};
/// use rocket::{get, routes};
///
/// #[get("/hello")]
/// fn hello(token: ApproovToken) -> String {
///     format!("hello, device {:?}", token.0.did)
/// }
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64_SECRET", "c2VjcmV0");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .register("/", approov_rocket::catchers())
///     .mount("/", routes![hello]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ApproovToken(pub ApproovClaims);

/// As [`ApproovToken`], and the token must be bound to header `H` through its `pay`
/// claim: `Authorization` by default, any header with your own [`BindingHeaderName`].
///
/// ```
/// use approov_rocket::BoundApproovToken;
///
/// #[rocket::get("/account")]
/// fn account(token: BoundApproovToken) -> String {
///     format!("expires at {}", token.exp)
/// }
/// ```
pub struct BoundApproovToken<H: BindingHeaderName = Authorization> {
    claims: ApproovClaims,
    header: PhantomData<fn() -> H>,
}

impl<H: BindingHeaderName> BoundApproovToken<H> {
    /// The token's claims.
    pub fn into_claims(self) -> ApproovClaims {
        self.claims
    }
}

impl<H: BindingHeaderName> Deref for BoundApproovToken<H> {
    type Target = ApproovClaims;

    fn deref(&self) -> &ApproovClaims {
        &self.claims
    }
}

impl<H: BindingHeaderName> std::fmt::Debug for BoundApproovToken<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundApproovToken")
            .field("header", &H::NAME)
            .field("claims", &self.claims)
            .finish()
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ApproovToken {
    type Error = ApproovError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovError> {
        match checked(request) {
            Ok(claims) => Outcome::Success(ApproovToken(claims.clone())),
            Err(error) => fail(request, error),
        }
    }
}

#[rocket::async_trait]
impl<'r, H: BindingHeaderName> FromRequest<'r> for BoundApproovToken<H> {
    type Error = ApproovError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovError> {
        let bound = checked(request).and_then(|claims| {
            H::binding_header()
                .check(claims, |name| {
                    request.headers().get(name).map(str::as_bytes)
                })
                .map_err(ApproovError::Rejected)?;
            Ok(claims)
        });
        match bound {
            Ok(claims) => Outcome::Success(BoundApproovToken {
                claims: claims.clone(),
                header: PhantomData,
            }),
            Err(error) => fail(request, error),
        }
    }
}

impl Sentinel for ApproovToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

impl<H: BindingHeaderName> Sentinel for BoundApproovToken<H> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

fn verifier_missing(rocket: &Rocket<Ignite>) -> bool {
    let missing = rocket.state::<ApproovVerifier>().is_none();
    if missing {
        log::error!(
            "approov-rocket: a route uses an Approov guard but no ApproovVerifier is managed: \
             add `.manage(ApproovVerifier::from_env()?)`"
        );
    }
    missing
}

/// The unbound check of this request, run at most once per request.
struct CachedCheck(Result<ApproovClaims, ApproovError>);

fn checked<'r>(request: &'r Request<'_>) -> Result<&'r ApproovClaims, ApproovError> {
    request
        .local_cache(|| {
            CachedCheck(match request.rocket().state::<ApproovVerifier>() {
                Some(verifier) => verifier
                    .check_request(|name| request.headers().get(name).map(str::as_bytes), None)
                    .map_err(ApproovError::Rejected),
                None => Err(ApproovError::NotConfigured),
            })
        })
        .0
        .as_ref()
        .map_err(|error| *error)
}

/// Marks the request as refused by an Approov guard, for [`crate::catchers`].
struct Refused(OnceLock<TokenRejection>);

pub(crate) fn refused_by_approov(request: &Request<'_>) -> bool {
    request
        .local_cache(|| Refused(OnceLock::new()))
        .0
        .get()
        .is_some()
}

fn fail<S>(request: &Request<'_>, error: ApproovError) -> Outcome<S, ApproovError> {
    match error {
        ApproovError::Rejected(reason) => {
            let _ = request
                .local_cache(|| Refused(OnceLock::new()))
                .0
                .set(reason);
            Outcome::Error((Status::Unauthorized, error))
        }
        ApproovError::NotConfigured => Outcome::Error((Status::InternalServerError, error)),
    }
}
