//! The message-signing filter: the token, then the request's installation message
//! signature, and the body handed on to the handler.

use std::future::{poll_fn, ready};

use approov_core::{HttpHeaderValues, RequestHeaders, SignedRequest};
use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use http::header::HOST;
use http::{HeaderMap, Method};
use warp::filters::path::FullPath;
use warp::host::Authority;
use warp::{Filter, Rejection};

use crate::rejection::{enforce, BodyRejection};
use crate::{ApproovToken, ApproovVerifier, Verification};

/// Checks the request's Approov token, then its installation message signature, and
/// extracts the [`ApproovToken`] and the request's body, or rejects with
/// [`ApproovRejection`](crate::ApproovRejection), which [`recover`](crate::recover)
/// answers with `{}` and its status (401; 413 or 400 for a signed body over the limit
/// or unreadable).
///
/// The signature is the `install` signature of RFC 9421 that the Approov SDK adds to
/// each request, checked with the public key in the token's `ipk` claim (a token
/// without one is refused). The check covers the request as the client sent it: the
/// method, the target exactly as on the request line (never decoded), the covered
/// headers, and the scheme and authority as approov-core decides them for every
/// adapter: the `Host` header as the authority (HTTP/2's `:authority` when there is
/// no `Host`), and the scheme configured for message signing (`http` unless
/// `APPROOV_MESSAGE_SIGNATURE_SCHEME` says `https`). warp shows a filter no scheme, so
/// an absolute-form target's own scheme (`GET https://host/path HTTP/1.1`) is not seen
/// and the configured one is used.
///
/// The filter takes the body and hands it to the handler as `Bytes` (so add no
/// `warp::body` filter after it), only once the token has passed:
///
/// - When the signature covers `content-digest`, the handler gets the very bytes the
///   digest was checked against. At most the message-signing body limit
///   (`APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES`, 1 MiB by default) is read, with or
///   without a `Content-Length`: a longer body is refused (413 `{}`, logged as
///   `message_signature_body_too_large`), a body that cannot be read too (400 `{}`,
///   `message_signature_body_unreadable`).
/// - When it does not, the signature is checked first (a refused request's body is
///   never read), then the body is read whole for the handler, with no Approov limit:
///   bound it as for `warp::body::bytes()`, with `warp::body::content_length_limit`
///   before this filter. A body that cannot be read is 400 `{}`.
///
/// Put it after the route's path and method filters, as [`token`](crate::token). In
/// monitor mode a failed token or signature is logged and the handler runs: it can ask
/// [`rejection`](crate::Verification::rejection), and
/// [`is_message_signed`](crate::Verification::is_message_signed) tells whether the
/// signature held; a signed body over the limit is then read on, and the handler gets
/// it whole, as on an unprotected route (a body that cannot be read is 400 `{}`).
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE").unwrap();
/// let orders = warp::path!("orders")
///     .and(warp::post())
///     // The bound of a body the signature does not cover.
///     .and(warp::body::content_length_limit(4 * 1024 * 1024))
///     .and(approov_warp::message_signed_token(verifier))
///     .map(|token: ApproovToken, body: bytes::Bytes| {
///         assert!(token.is_message_signed());
///         format!("{} bytes", body.len())
///     })
///     .recover(approov_warp::recover);
///
/// let unsigned = warp::test::request().method("POST").path("/orders").body("{}").reply(&orders).await;
/// assert_eq!((unsigned.status().as_u16(), unsigned.body().as_ref()), (401, b"{}".as_ref()));
/// # }
/// ```
pub fn message_signed_token(
    verifier: ApproovVerifier,
) -> impl Filter<Extract = (ApproovToken, Bytes), Error = Rejection> + Clone {
    warp::header::headers_cloned()
        .and(warp::method())
        .and(warp::path::full())
        .and(optional_query())
        .and(optional_authority())
        .and_then(
            move |headers: HeaderMap,
                  method: Method,
                  path: FullPath,
                  query: Option<String>,
                  authority: Result<Option<Authority>, HiddenAuthority>| {
                // The token first: a request refused for it is answered before its
                // body is read.
                let verification = verifier.check_request((&headers).lookup(), None);
                ready(enforce(verification).map(|verification| Signed {
                    verifier: verifier.clone(),
                    verification,
                    request: Received::new(headers, method, &path, query, authority),
                }))
            },
        )
        .and(warp::body::stream())
        .and_then(Signed::check)
        .untuple_one()
}

/// The query as on the request line (`Some("")` for a bare `?`), or `None`.
fn optional_query(
) -> impl Filter<Extract = (Option<String>,), Error = std::convert::Infallible> + Clone {
    warp::query::raw()
        .map(Some)
        .or(warp::any().map(|| None))
        .unify()
}

/// The request URI's authority (HTTP/2's `:authority`), for a request without `Host`;
/// `Err` when `Host` does not parse or differs from the URI's authority (an
/// absolute-form target naming another authority): warp shows which only as that.
fn optional_authority() -> impl Filter<
    Extract = (Result<Option<Authority>, HiddenAuthority>,),
    Error = std::convert::Infallible,
> + Clone {
    warp::host::optional()
        .map(Ok)
        .or(warp::any().map(|| Err(HiddenAuthority)))
        .unify()
}

/// The request target's authority differs from `Host`, and warp shows neither apart.
#[derive(Debug, Clone, Copy)]
struct HiddenAuthority;

/// A request whose token passed, waiting for its signature check.
struct Signed {
    verifier: ApproovVerifier,
    verification: Verification,
    request: Received,
}

impl Signed {
    async fn check<S, B>(self, body: S) -> Result<(ApproovToken, Bytes), Rejection>
    where
        S: Stream<Item = Result<B, warp::Error>>,
        B: Buf,
    {
        let Signed {
            verifier,
            verification,
            request,
        } = self;
        let signing = verifier.message_signing();
        let mut body = std::pin::pin!(body);
        let unreadable = |_| warp::reject::custom(BodyRejection::Unreadable);
        if !signing.needs_body((&request.headers).lookup()) {
            // The signature does not cover the body: checked before any is read, then
            // the body is the handler's, whole.
            let verification = enforce(verification.message_signed(&request.as_signed()))?;
            let body = read_at_most(&mut body, usize::MAX)
                .await
                .map_err(unreadable)?;
            return Ok((ApproovToken::new(verification), body));
        }
        // One byte more than the limit, so that the core sees a longer body as too long.
        let max = signing.max_body_len();
        let read = read_at_most(&mut body, max.saturating_add(1)).await;
        let signed = request.as_signed();
        let verification = enforce(match &read {
            Ok(body) => verification.message_signed(&signed.with_body(body)),
            Err(_) => verification.message_signed(&signed.with_unreadable_body()),
        })?;
        // Let through: it passed, or monitor mode lets a failure on as if the route were
        // unprotected, so the handler gets the whole body (what was read, then the rest).
        let read = read.map_err(unreadable)?;
        if read.len() <= max {
            return Ok((ApproovToken::new(verification), read));
        }
        let rest = read_at_most(&mut body, usize::MAX)
            .await
            .map_err(unreadable)?;
        let mut whole = BytesMut::with_capacity(read.len() + rest.len());
        whole.extend_from_slice(&read);
        whole.extend_from_slice(&rest);
        Ok((ApproovToken::new(verification), whole.freeze()))
    }
}

/// The request as it came off the wire, as far as warp shows it to a filter.
struct Received {
    headers: HeaderMap,
    method: Method,
    /// The path and query, as on the request line.
    target: String,
    /// The request target's authority, when there is no `Host` header.
    authority: Option<Authority>,
    /// The target named another authority than `Host` (warp shows only that).
    authority_hidden: bool,
}

impl Received {
    fn new(
        headers: HeaderMap,
        method: Method,
        path: &FullPath,
        query: Option<String>,
        authority: Result<Option<Authority>, HiddenAuthority>,
    ) -> Self {
        let target = match query {
            Some(query) => format!("{}?{query}", path.as_str()),
            None => path.as_str().to_owned(),
        };
        // `host::optional` gives the `Host` header when there is one, else the URI's
        // authority: the core reads `Host` itself, as received.
        let authority_hidden = authority.is_err();
        let authority = authority
            .ok()
            .flatten()
            .filter(|_| !headers.contains_key(HOST));
        Received {
            headers,
            method,
            target,
            authority,
            authority_hidden,
        }
    }

    /// The request for the core to address. warp shows a filter no scheme: the core
    /// uses the configured one.
    fn as_signed<'r>(
        &'r self,
    ) -> SignedRequest<'r, impl Fn(&str) -> HttpHeaderValues<'r> + Copy + 'r> {
        let received = SignedRequest::received(
            self.method.as_str(),
            None,
            self.authority.as_ref().map(Authority::as_str),
            &self.target,
            (&self.headers).lookup(),
        );
        if self.authority_hidden {
            // Refused rather than checked against `Host` when the target said otherwise.
            received.with_authority_hidden()
        } else {
            received
        }
    }
}

/// Reads the body up to `limit` bytes, and no further: a longer body is cut at
/// `limit`.
async fn read_at_most<S, B>(
    body: &mut std::pin::Pin<&mut S>,
    limit: usize,
) -> Result<Bytes, warp::Error>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0;
    while len < limit {
        match poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            None => break,
            Some(Err(error)) => return Err(error),
            Some(Ok(mut chunk)) => {
                let take = chunk.remaining().min(limit - len);
                len += take;
                // A `Bytes` chunk hands its bytes over without copying them.
                chunks.push(chunk.copy_to_bytes(take));
            }
        }
    }
    Ok(match chunks.as_slice() {
        [] => Bytes::new(),
        [one] => one.clone(),
        _ => {
            let mut whole = BytesMut::with_capacity(len);
            for chunk in chunks {
                whole.extend_from_slice(&chunk);
            }
            whole.freeze()
        }
    })
}
