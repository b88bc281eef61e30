//! The request guards: handler arguments that are there only for a request that passed.

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::OnceLock;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::sentinel::Sentinel;
use rocket::{Ignite, Rocket};

use crate::headers::headers;
use crate::rejection::failure;
use crate::{
    ApproovClaims, ApproovRejection, ApproovVerifier, AuthorizationBinding, BindingHeaders, Mode,
    Verification,
};

/// A request guard: the request's Approov token passed the check.
///
/// Put it in a handler's signature and the route is protected. The
/// [`ApproovVerifier`] is managed state (`.manage(verifier)`); a Rocket with a route
/// that uses this guard and no managed verifier refuses to launch. In enforce mode (the
/// default) a request without a valid token fails with 401, which
/// [`catchers`](crate::catchers) answers with `{}` as JSON, and
/// [`claims`](Verification::claims) is always `Some` in the handler. In monitor mode the
/// handler runs for every request and can ask [`passed`](Verification::passed) and
/// [`rejection`](Verification::rejection) (it derefs to [`Verification`]).
///
/// A route needs one Approov guard. With several, a passing token is checked by each
/// (in enforce mode; see the crate docs), and a failure is refused and logged once.
///
/// ```
/// use approov_rocket::{ApproovToken, ApproovVerifier};
/// use rocket::local::blocking::Client;
///
/// #[rocket::get("/hello")]
/// fn hello(token: ApproovToken) -> String {
///     let device = token.claims().and_then(|claims| claims.did.as_deref());
///     format!("hello, device {}", device.unwrap_or("?"))
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .register("/", approov_rocket::catchers())
///     .mount("/", rocket::routes![hello]);
/// let client = Client::tracked(rocket)?;
/// let response = client.get("/hello").dispatch(); // no token
/// assert_eq!(response.status().code, 401);
/// assert_eq!(response.into_string().as_deref(), Some("{}"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ApproovToken(Verification);

impl ApproovToken {
    /// The token's claims, owned: `None` only in monitor mode, for a request that
    /// failed. (`token.claims()` borrows them, through `Deref` to [`Verification`].)
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

/// As [`ApproovToken`], and the token is bound to the request's headers `H`: its
/// `pay` claim is the hash of their values. `Authorization` by default
/// ([`AuthorizationBinding`]); name other headers with your own [`BindingHeaders`]
/// type.
///
/// The token and its binding are checked as [`ApproovToken`]'s are: a failure is
/// refused and logged once, however many Approov guards the route has.
///
/// ```
/// use approov_rocket::{BindingHeaders, BoundApproovToken};
///
/// /// Bound to `Authorization` then `SessionId`, as the Approov quickstarts' double binding.
/// struct AuthorizationAndSessionId;
/// impl BindingHeaders for AuthorizationAndSessionId {
///     const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
/// }
///
/// #[rocket::get("/account")]
/// fn account(token: BoundApproovToken) -> String {
///     // The token's `pay` claim matched this request's `Authorization` header.
///     format!("token expires at {:?}", token.claims().map(|claims| claims.exp))
/// }
///
/// #[rocket::get("/session")]
/// fn session(_token: BoundApproovToken<AuthorizationAndSessionId>) -> &'static str {
///     "bound to Authorization and SessionId"
/// }
/// ```
pub struct BoundApproovToken<H: BindingHeaders = AuthorizationBinding> {
    verification: Verification,
    binding: PhantomData<fn() -> H>,
}

impl<H: BindingHeaders> BoundApproovToken<H> {
    /// The token's claims, owned: `None` only in monitor mode, for a request that
    /// failed. (`token.claims()` borrows them, through `Deref` to [`Verification`].)
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

impl<H: BindingHeaders> std::fmt::Debug for BoundApproovToken<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundApproovToken")
            .field("headers", &H::HEADERS)
            .field("verification", &self.verification)
            .finish()
    }
}

/// A request guard for routes where the token is optional: `None` when the request
/// has no token header at all (nothing is checked or logged), `Some` when it has a
/// token that passed. A token that is there but does not pass (an empty header too)
/// is still refused with 401 (in enforce mode). The rule is approov-core's
/// ([`ApproovVerifier::check_optional_request`]), the same in every approov-rs adapter.
///
/// Why not `Option<ApproovToken>`: Rocket's `Option<T>` guard turns *every* failure
/// of `T` into `None`, so with it a forged or expired token would reach the handler
/// as if the request had none. This guard fails such a request, as
/// `Option<ApproovToken>` does in approov-axum.
///
/// ```
/// use approov_rocket::{ApproovVerifier, OptionalApproovToken};
/// use rocket::http::Header;
/// use rocket::local::blocking::Client;
///
/// #[rocket::get("/catalogue")]
/// fn catalogue(token: OptionalApproovToken) -> &'static str {
///     match token.0 {
///         Some(_) => "the full catalogue",
///         None => "the public catalogue",
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .register("/", approov_rocket::catchers())
///     .mount("/", rocket::routes![catalogue]);
/// let client = Client::tracked(rocket)?;
/// let anonymous = client.get("/catalogue").dispatch();
/// assert_eq!(anonymous.into_string().as_deref(), Some("the public catalogue"));
/// let forged = client.get("/catalogue").header(Header::new("Approov-Token", "forged")).dispatch();
/// assert_eq!(forged.status().code, 401);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct OptionalApproovToken(pub Option<ApproovToken>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ApproovToken {
    type Error = ApproovRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
        let verification = managed(request).map(|verifier| checked_by(request, verifier));
        admit(request, verification).map(ApproovToken)
    }
}

#[rocket::async_trait]
impl<'r, H: BindingHeaders> FromRequest<'r> for BoundApproovToken<H> {
    type Error = ApproovRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
        let verification = managed(request).map(|verifier| {
            kept::<BoundCheck<H>>(request, verifier, || {
                checked_by(request, verifier).bound_to(&H::binding(), headers(request))
            })
        });
        admit(request, verification).map(|verification| BoundApproovToken {
            verification,
            binding: PhantomData,
        })
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OptionalApproovToken {
    type Error = ApproovRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
        let verification = managed(request).map(|verifier| checked_optional(request, verifier));
        match verification.transpose() {
            None => Outcome::Success(OptionalApproovToken(None)),
            Some(verification) => admit(request, verification)
                .map(|verification| OptionalApproovToken(Some(ApproovToken(verification)))),
        }
    }
}

impl Sentinel for ApproovToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

impl<H: BindingHeaders> Sentinel for BoundApproovToken<H> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

impl Sentinel for OptionalApproovToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

pub(crate) fn verifier_missing(rocket: &Rocket<Ignite>) -> bool {
    let missing = rocket.state::<ApproovVerifier>().is_none();
    if missing {
        log::error!(
            "approov-rocket: a route uses an Approov guard but no ApproovVerifier is managed: \
             add `.manage(ApproovVerifier::from_env()?)`"
        );
    }
    missing
}

/// A check's outcome kept in the request's cache under the type `K`, private to this
/// crate (so nothing else can put one there: it is the proof that the check ran).
struct Kept<K>(OnceLock<Verification>, PhantomData<fn() -> K>);

/// The unbound check, as kept.
struct UnboundCheck;

/// The check of the binding to `H`, as kept.
struct BoundCheck<H>(PhantomData<fn() -> H>);

/// Where the check `K` of this request is kept.
fn kept_cell<'r, K: 'static>(request: &'r Request<'_>) -> &'r OnceLock<Verification> {
    &request
        .local_cache(|| Kept::<K>(OnceLock::new(), PhantomData))
        .0
}

/// The outcome of `check` for this request, kept in the request's cache (under `K`)
/// in monitor mode only.
///
/// In monitor mode a failed check lets the request on to the route's other guards,
/// which take the kept outcome, so the failure is logged once. In enforce mode nothing
/// is kept: a failed check ends the request at its guard (and is logged there), and
/// one that passed costs about what keeping it would (a Rocket cache entry is two
/// allocations and a lock, its copy out a third), so a route with two Approov guards
/// checks a passing token twice and a route with one pays for no cache.
pub(crate) fn kept<K: 'static>(
    request: &Request<'_>,
    verifier: &ApproovVerifier,
    check: impl FnOnce() -> Verification,
) -> Verification {
    if verifier.mode() == Mode::Enforce {
        return check();
    }
    kept_cell::<K>(request).get_or_init(check).clone()
}

/// The unbound check of this request's token by `verifier` (see [`kept`]).
pub(crate) fn checked_by(request: &Request<'_>, verifier: &ApproovVerifier) -> Verification {
    kept::<UnboundCheck>(request, verifier, || {
        verifier.check_request(headers(request), None)
    })
}

/// The unbound check of this request's token by `verifier`, on a route where the
/// token is optional: `None` when the request has no token header (the core's rule).
/// In monitor mode a check is kept as [`checked_by`]'s; none is kept for a request
/// without a token, so that a guard beside this one that requires the token checks
/// (and logs) its absence.
fn checked_optional(request: &Request<'_>, verifier: &ApproovVerifier) -> Option<Verification> {
    let check = || verifier.check_optional_request(headers(request), None);
    if verifier.mode() == Mode::Enforce {
        return check();
    }
    let kept = kept_cell::<UnboundCheck>(request);
    match kept.get() {
        Some(verification) => verification.clone().into_optional(),
        None => check().map(|verification| kept.get_or_init(|| verification).clone()),
    }
}

/// The verifier the app manages.
pub(crate) fn managed<'r>(
    request: &'r Request<'_>,
) -> Result<&'r ApproovVerifier, ApproovRejection> {
    request
        .rocket()
        .state::<ApproovVerifier>()
        .ok_or(ApproovRejection::NotConfigured)
}

/// The guard's outcome: success unless the verification is refused (enforce mode).
pub(crate) fn admit(
    request: &Request<'_>,
    verification: Result<Verification, ApproovRejection>,
) -> Outcome<Verification, ApproovRejection> {
    match admitted(request, verification) {
        Ok(verification) => Outcome::Success(verification),
        Err(failure) => Outcome::Error(failure),
    }
}

/// The verification, unless it is refused (enforce mode): then the status and
/// rejection the request fails with.
pub(crate) fn admitted(
    request: &Request<'_>,
    verification: Result<Verification, ApproovRejection>,
) -> Result<Verification, (Status, ApproovRejection)> {
    verification
        .and_then(|verification| verification.enforce().map_err(ApproovRejection::from))
        .map_err(|rejection| failure(request, rejection))
}
