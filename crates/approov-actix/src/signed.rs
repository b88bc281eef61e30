//! Installation message signing in the middleware: the request as the client sent it,
//! and a covered body read once, checked, and handed on to the handler byte for byte.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpMessage;
use approov_core::{RequestHeaders, SignedRequest, Verification};
use futures_core::Stream;

use crate::headers::{HeaderValues, Headers};

/// Checks the message signature of a request whose signature does not cover its
/// body: the body is not touched.
pub(crate) fn check(verification: Verification, request: &ServiceRequest) -> Verification {
    verification.message_signed(&signed_request(request))
}

/// Reads the body up to `max_body_len` + 1 bytes (no further than the chunk that
/// crosses it), checks the message signature over it, and puts back a body that
/// replays every byte read, then the rest (or the error that stopped the reading).
pub(crate) async fn check_with_body(
    max_body_len: usize,
    verification: Verification,
    request: &mut ServiceRequest,
) -> Verification {
    let mut payload = request.take_payload();
    // One byte over the limit is enough for the core to see the body is too long.
    let read = Read::from(&mut payload, max_body_len.saturating_add(1)).await;
    let signed = signed_request(request);
    let verification = match &read.error {
        Some(error) => {
            tracing::debug!("reading the body of a signed request failed: {error}");
            verification.message_signed(&signed.with_unreadable_body())
        }
        None => verification.message_signed(&signed.with_body(&read.data)),
    };
    request.set_payload(read.into_payload(payload));
    verification
}

/// The request as it came off the wire, for the core to address: the URI's scheme and
/// authority only when the request target carried them (absolute-form, HTTP/2).
fn signed_request<'r>(
    request: &'r ServiceRequest,
) -> SignedRequest<'r, impl Fn(&str) -> HeaderValues<'r> + Copy + 'r> {
    let uri = request.uri();
    SignedRequest::received(
        request.method().as_str(),
        uri.scheme_str(),
        uri.authority().map(|authority| authority.as_str()),
        // As on the request line: neither decoded nor normalised, and whole under a
        // scope (actix-web's scopes match a prefix, they do not take it off the URI).
        uri.path_and_query().map_or("/", |target| target.as_str()),
        Headers(request.headers()).lookup(),
    )
}

/// The start of a request body, read for its signature.
struct Read {
    /// The bytes the signature is checked over: the whole body, or, when it is longer
    /// than the limit, its first `limit` bytes (one more than the core takes), or what
    /// came before an error.
    data: Bytes,
    /// When the body is longer: the rest of the chunk that crossed the limit (the
    /// payload may hold more).
    over: Option<Bytes>,
    /// The error that stopped the reading, when one did.
    error: Option<PayloadError>,
}

impl Read {
    /// Reads `payload` until it ends, fails, or `limit` bytes are read.
    async fn from(payload: &mut Payload, limit: usize) -> Read {
        let mut data = BytesMut::new();
        while let Some(chunk) = poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await {
            let mut chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => {
                    return Read {
                        data: data.freeze(),
                        over: None,
                        error: Some(error),
                    }
                }
            };
            // `data` is shorter than `limit`: each chunk that reaches it ends the loop.
            let room = limit.saturating_sub(data.len());
            if chunk.len() >= room {
                let over = chunk.split_off(room);
                data.extend_from_slice(&chunk);
                return Read {
                    data: data.freeze(),
                    over: Some(over),
                    error: None,
                };
            }
            data.extend_from_slice(&chunk);
        }
        Read {
            data: data.freeze(),
            over: None,
            error: None,
        }
    }

    /// The whole body again, for the handler: the bytes read, then what is left of
    /// `rest`, or the error that stopped the reading (what an unprotected handler
    /// would have got).
    fn into_payload(self, rest: Payload) -> Payload {
        let rest = match (self.over, self.error) {
            (None, None) => return Payload::from(self.data),
            (_, Some(error)) => Rest::Failed(Some(error)),
            (over, None) => Rest::More(over, rest),
        };
        Payload::Stream {
            payload: Box::pin(Replay {
                data: Some(self.data),
                rest,
            }),
        }
    }
}

/// A body whose start was read: those bytes again, then the rest.
struct Replay {
    data: Option<Bytes>,
    rest: Rest,
}

enum Rest {
    /// Longer than the limit: the rest of the chunk that crossed it, then the payload.
    More(Option<Bytes>, Payload),
    /// Reading failed; the handler gets the error after the bytes read before it.
    Failed(Option<PayloadError>),
}

impl Stream for Replay {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take().filter(|data| !data.is_empty()) {
            return Poll::Ready(Some(Ok(data)));
        }
        match &mut this.rest {
            Rest::More(over, rest) => match over.take().filter(|over| !over.is_empty()) {
                Some(over) => Poll::Ready(Some(Ok(over))),
                None => Pin::new(rest).poll_next(cx),
            },
            Rest::Failed(error) => Poll::Ready(error.take().map(Err)),
        }
    }
}
