//! The extractors: a handler argument that is only there for a request that passed
//! the check (or, in monitor mode, for every request).

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use crate::headers::headers;
use crate::layer::Checked;
use crate::rejection::NOT_CONFIGURED;
use crate::{
    ApproovClaims, ApproovRejection, ApproovVerifier, AuthorizationBinding, BindingHeaders,
    Verification,
};

/// The outcome of the request's Approov check, as a handler argument: with it, the
/// handler only runs for a request whose token is valid; any other is answered 401
/// `{}`.
///
/// In the default [`Mode::Enforce`](crate::Mode::Enforce), [`claims`](Verification::claims) is
/// always `Some`. In [`Mode::Monitor`](crate::Mode::Monitor) the handler runs for every
/// request and can ask [`passed`](Verification::passed) and
/// [`rejection`](Verification::rejection) (through `Deref` to [`Verification`]).
///
/// Where the check comes from:
///
/// 1. behind an [`ApproovLayer`](crate::ApproovLayer), the layer's check (not run
///    again), whatever the router's state;
/// 2. otherwise it checks the request itself, with the [`ApproovVerifier`] that is the
///    router's state (`.with_state(verifier)`), or else one in the request extensions
///    (`.layer(Extension(verifier))`, for a router with a state of your own).
///
/// ```
/// use approov_axum::{ApproovToken, ApproovVerifier};
/// use axum::{routing::get, Router};
///
/// async fn hello(token: ApproovToken) -> String {
///     let device = token.claims().and_then(|claims| claims.did.clone());
///     format!("hello, device {device:?}")
/// }
///
/// # fn main() -> Result<(), approov_axum::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let verifier = ApproovVerifier::from_env()?;
/// let app: Router = Router::new()
///     .route("/hello", get(hello))
///     .with_state(verifier);
/// # Ok(())
/// # }
/// ```
///
/// `Option<ApproovToken>` makes the token optional: `None` when the request has no
/// token header, and still a 401 when it has one that is not valid.
#[derive(Debug, Clone)]
pub struct ApproovToken(Verification);

impl ApproovToken {
    /// The claims of the valid token, owned; `None` only in monitor mode, for a
    /// request that failed the check. (`token.claims()` borrows them, through
    /// `Deref` to [`Verification`].)
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

impl<S> FromRequestParts<S> for ApproovToken
where
    S: Send + Sync + 'static,
{
    type Rejection = ApproovRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verification = match parts.extensions.get::<Checked>() {
            Some(checked) => checked.verification().clone(),
            None => verifier(parts, state)?.check_request(headers(parts), None),
        };
        accepted(verification).map(ApproovToken)
    }
}

impl<S> OptionalFromRequestParts<S> for ApproovToken
where
    S: Send + Sync + 'static,
{
    type Rejection = ApproovRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let verification = match parts.extensions.get::<Checked>() {
            // Only in monitor mode does a request without a token get past the layer.
            Some(checked) => checked.verification().clone().into_optional(),
            None => verifier(parts, state)?.check_optional_request(headers(parts), None),
        };
        verification
            .map(|verification| accepted(verification).map(ApproovToken))
            .transpose()
    }
}

/// As [`ApproovToken`], and the token must also be bound to the headers `H` names
/// through its `pay` claim: `Authorization` by default ([`AuthorizationBinding`]), any
/// headers with your own [`BindingHeaders`] type.
///
/// Behind an [`ApproovLayer`](crate::ApproovLayer) it adds the binding check to the
/// layer's, unless the layer already checked this very binding (then nothing is hashed
/// twice).
///
/// ```
/// use approov_axum::{BindingHeaders, BoundApproovToken};
///
/// async fn account(token: BoundApproovToken) -> String {
///     // The token's `pay` claim matched this request's `Authorization` header.
///     format!("expires at {:?}", token.claims().map(|claims| claims.exp))
/// }
///
/// /// The Approov quickstarts' double binding: `Authorization`, then `SessionId`.
/// struct AuthorizationAndSessionId;
/// impl BindingHeaders for AuthorizationAndSessionId {
///     const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
/// }
///
/// async fn session(token: BoundApproovToken<AuthorizationAndSessionId>) -> &'static str {
///     "bound to Authorization and SessionId"
/// }
/// # let verifier = approov_axum::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=").unwrap();
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/account", axum::routing::get(account))
/// #     .route("/session", axum::routing::get(session))
/// #     .with_state(verifier);
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

impl<S, H> FromRequestParts<S> for BoundApproovToken<H>
where
    S: Send + Sync + 'static,
    H: BindingHeaders,
{
    type Rejection = ApproovRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let binding = H::binding();
        let verification = match parts.extensions.get::<Checked>() {
            Some(checked) => checked
                .verification()
                .clone()
                .bound_to(&binding, headers(parts)),
            None => verifier(parts, state)?.check_request(headers(parts), Some(&binding)),
        };
        accepted(verification).map(|verification| BoundApproovToken {
            verification,
            binding: PhantomData,
        })
    }
}

/// The verifier for a route without a layer: the router's state when it is one, else
/// one in the request extensions.
fn verifier<'r, S: Any>(
    parts: &'r Parts,
    state: &'r S,
) -> Result<&'r ApproovVerifier, ApproovRejection> {
    let state: &dyn Any = state;
    state
        .downcast_ref::<ApproovVerifier>()
        .or_else(|| parts.extensions.get::<ApproovVerifier>())
        .ok_or_else(|| {
            tracing::error!("{NOT_CONFIGURED}");
            ApproovRejection::NotConfigured
        })
}

/// The verification, unless it refuses the request.
fn accepted(verification: Verification) -> Result<Verification, ApproovRejection> {
    verification.enforce().map_err(ApproovRejection::from)
}
