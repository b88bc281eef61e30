//! Installation message signing in the layer: the request as the client signed it,
//! and its body read once, checked, and handed on to the handler byte for byte.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use approov_core::{HttpHeaderValues, SignedRequest};
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::OriginalUri;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};

use crate::headers::headers;
use http_body::{Frame, SizeHint};

use crate::{ApproovVerifier, Verification};

/// Checks the message signature of a request whose signature does not cover its
/// body: the body is not touched.
pub(crate) fn check(verification: Verification, parts: &Parts) -> Verification {
    verification.message_signed(&signed_request(parts))
}

/// Reads the body up to the limit (and no further than the frame that crosses it),
/// checks the message signature over it, and gives back the verification and a body
/// that replays every byte read, then the rest.
pub(crate) async fn check_with_body(
    verifier: &ApproovVerifier,
    verification: Verification,
    parts: &Parts,
    body: Body,
) -> (Verification, Body) {
    let max = verifier.message_signing().max_body_len();
    let read = read_prefix(body, max).await;
    let request = signed_request(parts);
    let verification = match &read.rest {
        Rest::Failed(error) => {
            if let Some(error) = error {
                tracing::debug!("reading the body of a signed request failed: {error}");
            }
            verification.message_signed(&request.with_unreadable_body())
        }
        // At most one byte over the limit: enough for the core to see it is too long.
        Rest::Done | Rest::More(_) => {
            let shown = read.data.get(..=max).unwrap_or(&read.data);
            verification.message_signed(&request.with_body(shown))
        }
    };
    (verification, Body::new(read))
}

/// The request target as the client sent it, before a `Router::nest` took its prefix
/// off.
fn target(parts: &Parts) -> &Uri {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |OriginalUri(uri)| uri)
}

/// The request as it came off the wire, for the core to address.
fn signed_request<'r>(
    parts: &'r Parts,
) -> SignedRequest<'r, impl Fn(&str) -> HttpHeaderValues<'r> + Copy + 'r> {
    let uri = target(parts);
    SignedRequest::received(
        parts.method.as_str(),
        uri.scheme_str(),
        uri.authority().map(|authority| authority.as_str()),
        // As on the request line: `Uri` neither decodes nor normalises it.
        uri.path_and_query().map_or("/", |target| target.as_str()),
        headers(parts),
    )
}

/// Reads `body` until it ends, fails, or has given more than `max` bytes.
async fn read_prefix(mut body: Body, max: usize) -> Replay {
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0usize;
    let mut trailers = None;
    let rest = loop {
        if len > max {
            break Rest::More(body);
        }
        match poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            None => break Rest::Done,
            Some(Err(error)) => break Rest::Failed(Some(error)),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => {
                    len = len.saturating_add(data.len());
                    chunks.push(data);
                }
                // Trailers come last.
                Err(frame) => {
                    trailers = frame.into_trailers().ok();
                    break Rest::Done;
                }
            },
        }
    };
    let data = match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => Bytes::from(chunks.concat()),
    };
    Replay {
        data,
        trailers,
        rest,
    }
}

/// The body the handler gets: what was read for the check, then whatever was not read
/// (a body over the limit, in monitor mode), or the error that stopped the reading.
struct Replay {
    data: Bytes,
    trailers: Option<HeaderMap>,
    rest: Rest,
}

enum Rest {
    /// The whole body was read.
    Done,
    /// More than the limit was read; this is the rest.
    More(Body),
    /// Reading failed; the handler gets the error after the bytes read before it.
    Failed(Option<axum::Error>),
}

impl HttpBody for Replay {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if !this.data.is_empty() {
            return Poll::Ready(Some(Ok(Frame::data(std::mem::take(&mut this.data)))));
        }
        match &mut this.rest {
            Rest::Done => Poll::Ready(this.trailers.take().map(|map| Ok(Frame::trailers(map)))),
            Rest::More(body) => Pin::new(body).poll_frame(cx),
            Rest::Failed(error) => Poll::Ready(error.take().map(Err)),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
            && match &self.rest {
                Rest::Done => self.trailers.is_none(),
                Rest::More(body) => body.is_end_stream(),
                Rest::Failed(error) => error.is_none(),
            }
    }

    fn size_hint(&self) -> SizeHint {
        let read = self.data.len() as u64;
        match &self.rest {
            Rest::Done => SizeHint::with_exact(read),
            Rest::More(body) => {
                let rest = body.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower().saturating_add(read));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(read));
                }
                hint
            }
            Rest::Failed(_) => {
                let mut hint = SizeHint::new();
                hint.set_lower(read);
                hint
            }
        }
    }
}
