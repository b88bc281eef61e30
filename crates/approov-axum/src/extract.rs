//! The extractors: a handler argument that is only there for a valid token.

use std::marker::PhantomData;
use std::ops::Deref;

use approov_core::{
    ApproovClaims, ApproovVerifier, Authorization, BindingHeader, BindingHeaderName,
};
use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use http::HeaderValue;

use crate::ApproovRejection;

/// The claims of the request's valid Approov token; the request is rejected with 401
/// `{}` when there is none.
///
/// The [`ApproovVerifier`] comes from the router's state: make it the state, or a field
/// of your state with `FromRef` (`#[derive(FromRef)]` with axum's `macros` feature, or
/// by hand as below). When an [`ApproovLayer`](crate::ApproovLayer) already checked
/// the request, the extractor takes its result instead of verifying again.
///
/// ```
/// use approov_axum::ApproovToken;
/// use approov_core::ApproovVerifier;
/// use axum::{extract::FromRef, routing::get, Json, Router};
///
/// #[derive(Clone)]
/// struct AppState {
///     approov: ApproovVerifier,
/// }
///
/// impl FromRef<AppState> for ApproovVerifier {
///     fn from_ref(state: &AppState) -> Self {
///         state.approov.clone()
///     }
/// }
///
/// async fn hello(ApproovToken(claims): ApproovToken) -> Json<Option<String>> {
///     Json(claims.did)
/// }
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64_SECRET", "c2VjcmV0");
/// let state = AppState { approov: ApproovVerifier::from_env()? };
/// let app: Router = Router::new().route("/hello", get(hello)).with_state(state);
/// # Ok(())
/// # }
/// ```
///
/// `Option<ApproovToken>` makes the token optional: `None` when the request has no
/// token header, and still a 401 when it has one that is not valid.
#[derive(Debug, Clone)]
pub struct ApproovToken(pub ApproovClaims);

impl<S> FromRequestParts<S> for ApproovToken
where
    ApproovVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApproovRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        checked_claims(parts, &ApproovVerifier::from_ref(state), None).map(ApproovToken)
    }
}

impl<S> OptionalFromRequestParts<S> for ApproovToken
where
    ApproovVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApproovRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let verifier = ApproovVerifier::from_ref(state);
        if parts.extensions.get::<ApproovClaims>().is_none()
            && !parts.headers.contains_key(verifier.token_header())
        {
            return Ok(None);
        }
        checked_claims(parts, &verifier, None).map(|claims| Some(ApproovToken(claims)))
    }
}

/// As [`ApproovToken`], and the token must be bound to header `H` through its `pay`
/// claim: `Authorization` by default, any header with your own
/// [`BindingHeaderName`].
///
/// ```
/// use approov_axum::BoundApproovToken;
/// use approov_core::BindingHeaderName;
///
/// async fn account(token: BoundApproovToken) -> String {
///     format!("device {:?}", token.did)
/// }
///
/// struct DeviceId;
/// impl BindingHeaderName for DeviceId {
///     const NAME: &'static str = "x-device-id";
/// }
///
/// async fn device(token: BoundApproovToken<DeviceId>) -> String {
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

impl<S, H> FromRequestParts<S> for BoundApproovToken<H>
where
    ApproovVerifier: FromRef<S>,
    S: Send + Sync,
    H: BindingHeaderName,
{
    type Rejection = ApproovRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = ApproovVerifier::from_ref(state);
        let claims = checked_claims(parts, &verifier, Some(&H::binding_header()))?;
        Ok(BoundApproovToken {
            claims,
            header: PhantomData,
        })
    }
}

/// The claims the layer left in the extensions, else a fresh check.
fn checked_claims(
    parts: &Parts,
    verifier: &ApproovVerifier,
    binding: Option<&BindingHeader>,
) -> Result<ApproovClaims, ApproovRejection> {
    let headers = |name: &str| {
        parts
            .headers
            .get_all(name)
            .into_iter()
            .map(HeaderValue::as_bytes)
    };
    match parts.extensions.get::<ApproovClaims>() {
        Some(claims) => {
            if let Some(binding) = binding {
                binding.check(claims, headers)?;
            }
            Ok(claims.clone())
        }
        None => Ok(verifier.check_request(headers, binding)?),
    }
}
