//! The message-signing filter: the token, then the request's installation message
//! signature, and the body handed on to the handler.

use std::future::{poll_fn, ready};

use approov_core::SignedRequest;
use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use http::{HeaderMap, Method};
use warp::filters::path::FullPath;
use warp::host::Authority;
use warp::{Filter, Rejection};

use crate::filter::{header_values, refuse};
use crate::rejection::BodyRejection;
use crate::{ApproovToken, ApproovVerifier, Verification};

/// Checks the request's Approov token, then its installation message signature, and
/// extracts the [`ApproovToken`] and the request's body, or rejects with
/// [`ApproovRejection`](crate::ApproovRejection) (401 `{}` from
/// [`recover`](crate::recover)).
///
/// The signature is the `install` signature of RFC 9421 that the Approov SDK adds to
/// each request, checked with the public key in the token's `ipk` claim (a token
/// without one is refused). The check covers what the client sent: the method, the
/// target exactly as on the request line, the `Host` header as the authority, the
/// scheme configured for message signing (`http` unless
/// `APPROOV_MESSAGE_SIGNATURE_SCHEME` says `https`: warp does not show the filter a
/// scheme), and the covered headers.
///
/// The filter takes the body and hands it to the handler as `Bytes`, the same bytes
/// the signature's `content-digest` was checked against when it covers one (so add no
/// `warp::body` filter after it). It reads at most the message-signing body limit
/// (`APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES`, 1 MiB by default), with or without a
/// `Content-Length`, and only once the token has passed. A longer body never reaches
/// the handler: when the signature covers `content-digest` it is a failed signature
/// (`BodyTooLarge`: 401 `{}` in enforce mode); otherwise, and in monitor mode,
/// [`recover`](crate::recover) answers 413 `{}`. A body that cannot be read is 400 `{}`.
///
/// Put it after the route's path and method filters, as [`token`](crate::token). In
/// monitor mode a failed token or signature is logged and the handler runs: it can ask
/// [`rejection`](crate::Verification::rejection), and
/// [`is_message_signed`](crate::Verification::is_message_signed) tells whether the
/// signature held.
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ").unwrap();
/// let orders = warp::path!("orders")
///     .and(warp::post())
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
        .and_then(move |headers: HeaderMap, method, path, query, authority| {
            // The token first: a request refused for it is answered before its
            // body is read.
            let verification = verifier.check_request(header_values(&headers), None);
            ready(refuse(verification).map(|verification| Signed {
                verifier: verifier.clone(),
                verification,
                headers,
                method,
                path,
                query,
                authority,
            }))
        })
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

/// The request URI's authority (HTTP/2's `:authority`), for a request without `Host`.
fn optional_authority(
) -> impl Filter<Extract = (Option<Authority>,), Error = std::convert::Infallible> + Clone {
    // `host::optional` rejects a `Host` that does not parse or that differs from the
    // URI's: the `Host` header itself is read first, as received, and such a request
    // is then judged by its signature, not answered 400 here.
    warp::host::optional().or(warp::any().map(|| None)).unify()
}

/// A request whose token passed, waiting for its signature check.
struct Signed {
    verifier: ApproovVerifier,
    verification: Verification,
    headers: HeaderMap,
    method: Method,
    path: FullPath,
    query: Option<String>,
    authority: Option<Authority>,
}

impl Signed {
    async fn check<S, B>(self, body: S) -> Result<(ApproovToken, Bytes), Rejection>
    where
        S: Stream<Item = Result<B, warp::Error>>,
        B: Buf,
    {
        let signing = self.verifier.message_signing();
        let limit = signing.max_body_len();
        let headers = header_values(&self.headers);
        let target = match &self.query {
            Some(query) => format!("{}?{query}", self.path.as_str()),
            None => self.path.as_str().to_owned(),
        };
        let authority = match self.headers.get(http::header::HOST) {
            Some(host) => host.to_str().unwrap_or_default(),
            None => self.authority.as_ref().map_or("", Authority::as_str),
        };
        let request = SignedRequest::new(
            self.method.as_str(),
            signing.scheme(),
            authority,
            &target,
            headers,
        );
        let (verification, body) = if signing.needs_body(headers) {
            // One byte more than the limit, so that the core sees a longer body as
            // too long.
            let body = read_at_most(body, limit.saturating_add(1)).await?;
            let verification = self.verification.message_signed(&request.with_body(&body));
            (refuse(verification)?, body)
        } else {
            // The signature does not cover the body: check it before reading any.
            let verification = refuse(self.verification.message_signed(&request))?;
            (
                verification,
                read_at_most(body, limit.saturating_add(1)).await?,
            )
        };
        if body.len() > limit {
            // Not refused (monitor mode, or a body the signature does not cover), but
            // it cannot reach the handler whole.
            return Err(warp::reject::custom(BodyRejection::TooLarge));
        }
        Ok((ApproovToken::new(verification), body))
    }
}

/// Reads the body up to `limit` bytes, and no further: a longer body is cut at
/// `limit`, which the caller then sees as too long.
async fn read_at_most<S, B>(body: S, limit: usize) -> Result<Bytes, Rejection>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0;
    while len < limit {
        match poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            None => break,
            Some(Err(_)) => return Err(warp::reject::custom(BodyRejection::Unreadable)),
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
