//! The filters: the claims of a valid token, or an [`ApproovRejection`].

use approov_core::{ApproovClaims, ApproovVerifier, BindingHeader};
use http::{HeaderMap, HeaderValue};
use warp::{Filter, Rejection};

use crate::ApproovRejection;

/// Extracts the claims of the request's valid Approov token, or rejects with
/// [`ApproovRejection`], which [`recover`](crate::recover) turns into 401 `{}`.
///
/// Put it after the route's path and method filters, so that an unknown path stays a
/// 404 and another route's path is never answered 401 (see the crate docs).
///
/// ```
/// use approov_core::ApproovVerifier;
/// use warp::Filter;
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64_SECRET", "c2VjcmV0");
/// let verifier = ApproovVerifier::from_env()?;
/// let hello = warp::path("hello")
///     .and(warp::get())
///     .and(approov_warp::token(verifier))
///     .map(|claims: approov_core::ApproovClaims| format!("device {:?}", claims.did));
/// let routes = hello.recover(approov_warp::recover);
/// # Ok(())
/// # }
/// ```
pub fn token(
    verifier: ApproovVerifier,
) -> impl Filter<Extract = (ApproovClaims,), Error = Rejection> + Clone {
    checked(verifier, None)
}

/// As [`token`], and the token must be bound to `header` (usually `"authorization"`)
/// through its `pay` claim.
///
/// ```
/// # use approov_core::ApproovVerifier;
/// use warp::Filter;
///
/// # let verifier = ApproovVerifier::from_base64_secret("c2VjcmV0").unwrap();
/// let account = warp::path("account")
///     .and(warp::get())
///     .and(approov_warp::bound_token(verifier, "authorization"))
///     .map(|claims: approov_core::ApproovClaims| claims.exp.to_string());
/// ```
pub fn bound_token(
    verifier: ApproovVerifier,
    header: impl Into<BindingHeader>,
) -> impl Filter<Extract = (ApproovClaims,), Error = Rejection> + Clone {
    checked(verifier, Some(header.into()))
}

fn checked(
    verifier: ApproovVerifier,
    binding: Option<BindingHeader>,
) -> impl Filter<Extract = (ApproovClaims,), Error = Rejection> + Clone {
    // warp hands a filter the headers only as a copy; it is the one way to see every
    // value of a repeated header.
    warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let checked = verifier
            .check_request(
                |name| headers.get_all(name).into_iter().map(HeaderValue::as_bytes),
                binding.as_ref(),
            )
            .map_err(|reason| warp::reject::custom(ApproovRejection(reason)));
        std::future::ready(checked)
    })
}
