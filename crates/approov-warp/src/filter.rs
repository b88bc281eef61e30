//! The filters: the check of a request's Approov token, or an
//! [`ApproovRejection`](crate::ApproovRejection).

use std::future::{ready, Ready};

use approov_core::RequestHeaders;
use http::HeaderMap;
use warp::{Filter, Rejection};

use crate::rejection::enforce;
use crate::{ApproovToken, ApproovVerifier, Binding};

/// Checks the request's Approov token and extracts the [`ApproovToken`], or rejects
/// with [`ApproovRejection`](crate::ApproovRejection), which [`recover`](crate::recover)
/// answers with 401 `{}`.
///
/// Put it after the route's path and method filters, so that an unknown path stays a
/// 404 and a sibling route's request is never answered 401 (see the crate docs). In
/// monitor mode it never rejects: the handler gets the token and can ask
/// [`passed`](crate::Verification::passed).
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), approov_warp::ConfigError> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let verifier = ApproovVerifier::from_env()?;
/// let hello = warp::path!("hello")
///     .and(warp::get())
///     .and(approov_warp::token(verifier))
///     .map(|_token: ApproovToken| "hello");
/// let routes = hello.recover(approov_warp::recover);
///
/// let response = warp::test::request().path("/hello").reply(&routes).await;
/// assert_eq!((response.status().as_u16(), response.body().as_ref()), (401, b"{}".as_ref()));
/// # Ok(())
/// # }
/// ```
pub fn token(
    verifier: ApproovVerifier,
) -> impl Filter<Extract = (ApproovToken,), Error = Rejection> + Clone {
    with_headers(move |headers| check(&verifier, None, headers))
}

/// As [`token`], and the token must be bound to `binding`: its `pay` claim is the hash
/// of those headers' values, in order. One header (usually
/// [`BindingHeader::AUTHORIZATION`](crate::BindingHeader::AUTHORIZATION)), or several
/// for the Approov quickstarts' double binding.
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier, BindingHeader};
/// use warp::Filter;
///
/// # let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE").unwrap();
/// let account = warp::path!("account")
///     .and(warp::get())
///     .and(approov_warp::bound_token(verifier.clone(), BindingHeader::AUTHORIZATION))
///     .map(|_token: ApproovToken| "account");
/// let session = warp::path!("session")
///     .and(warp::get())
///     .and(approov_warp::bound_token(
///         verifier,
///         [BindingHeader::AUTHORIZATION, BindingHeader::new("SessionId")],
///     ))
///     .map(|_token: ApproovToken| "session");
/// let routes = account.or(session).recover(approov_warp::recover);
/// ```
pub fn bound_token(
    verifier: ApproovVerifier,
    binding: impl Into<Binding>,
) -> impl Filter<Extract = (ApproovToken,), Error = Rejection> + Clone {
    let binding = binding.into();
    // A binding to the token's own header: said now, refused on every request.
    let _ = verifier.check_binding(&binding);
    with_headers(move |headers| check(&verifier, Some(&binding), headers))
}

/// As [`token`], for routes where the token is optional: `None` when the request has
/// no token header at all (nothing is checked or logged), and the same check as
/// [`token`] when it has one, so a token that is present but empty, malformed or not
/// valid is still rejected (401 `{}`). approov-core decides what counts as absent, the
/// same way for every adapter.
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE").unwrap();
/// let news = warp::path!("news")
///     .and(warp::get())
///     .and(approov_warp::optional_token(verifier))
///     .map(|token: Option<ApproovToken>| match token {
///         Some(_) => "news for the app",
///         None => "news for everyone",
///     })
///     .recover(approov_warp::recover);
///
/// let anonymous = warp::test::request().path("/news").reply(&news).await;
/// assert_eq!(anonymous.body(), "news for everyone");
/// let bad = warp::test::request().path("/news").header("approov-token", "garbage").reply(&news).await;
/// assert_eq!(bad.status(), 401);
/// # }
/// ```
pub fn optional_token(
    verifier: ApproovVerifier,
) -> impl Filter<Extract = (Option<ApproovToken>,), Error = Rejection> + Clone {
    with_headers(move |headers| {
        verifier
            .check_optional_request(headers.lookup(), None)
            .map(|verification| enforce(verification).map(ApproovToken::new))
            .transpose()
    })
}

/// Runs `check` on the request's headers.
fn with_headers<T, F>(check: F) -> impl Filter<Extract = (T,), Error = Rejection> + Clone
where
    T: Send + 'static,
    F: Fn(&HeaderMap) -> Result<T, Rejection> + Clone + Send + Sync + 'static,
{
    // warp 0.4 gives a filter no borrowed view of the request's headers (its
    // `Filter` trait is sealed; the open issue is seanmonstar/warp#7), and
    // `header::value`/`header::optional` read only the first value of a name, so
    // a repeated token or bound header would go unseen. `headers_cloned` is the one
    // way to see every value. The copy allocates the map's own tables; the values
    // are reference-counted `Bytes`, not copied.
    warp::header::headers_cloned().and_then(
        move |headers: HeaderMap| -> Ready<Result<T, Rejection>> { ready(check(&headers)) },
    )
}

/// The check itself. No request extension is read: a warp filter is the check, not
/// the reader of a proof left by middleware, so nothing another filter inserts can
/// skip it.
fn check(
    verifier: &ApproovVerifier,
    binding: Option<&Binding>,
    headers: &HeaderMap,
) -> Result<ApproovToken, Rejection> {
    enforce(verifier.check_request(headers.lookup(), binding)).map(ApproovToken::new)
}
