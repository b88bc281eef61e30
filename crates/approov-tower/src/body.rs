//! [`ApproovBody`]: the body the inner service gets. Untouched, unless a message
//! signature covers it: then what was read for the check, replayed byte for byte, then
//! whatever was not read.

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

pin_project! {
    /// The request body the inner service gets from
    /// [`ApproovService`](crate::ApproovService): the client's body as it came, or,
    /// when a message signature covers it and the layer read it for the check, the
    /// bytes read (replayed first) and then the rest, unread. The inner service reads
    /// it as it would the original.
    pub struct ApproovBody<B: Body> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B: Body> {
        Untouched { #[pin] body: B },
        Replayed {
            read: VecDeque<Bytes>,
            trailers: Option<HeaderMap>,
            rest: Rest<B>,
        },
    }
}

/// What follows the bytes read.
enum Rest<B: Body> {
    /// The whole body was read.
    Done,
    /// More than the limit was read; this is the rest, not read.
    More(Pin<Box<B>>),
    /// Reading failed; the inner service gets the error after the bytes read before it.
    Failed(Option<B::Error>),
}

impl<B: Body> ApproovBody<B> {
    /// The body as it came.
    pub(crate) fn untouched(body: B) -> Self {
        ApproovBody {
            kind: Kind::Untouched { body },
        }
    }
}

impl<B: Body> ApproovBody<B> {
    /// The client's body as it came, when the layer did not read it (`Err` gives this
    /// body back when it did): for an adapter that hands its framework's own body type
    /// on without wrapping it again.
    // As `Arc::try_unwrap`: the body back, whole, is not an error value to box.
    #[allow(clippy::result_large_err)]
    pub fn into_untouched(self) -> Result<B, Self> {
        match self.kind {
            Kind::Untouched { body } => Ok(body),
            kind => Err(ApproovBody { kind }),
        }
    }
}

impl<B: Body> fmt::Debug for ApproovBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Untouched { .. } => "untouched",
            Kind::Replayed { .. } => "replayed",
        };
        f.debug_struct("ApproovBody").field("kind", &kind).finish()
    }
}

/// A body read up to the limit for a message-signature check.
pub(crate) struct Read<B: Body> {
    /// Every byte read, in one piece: at most the limit plus one frame.
    pub(crate) data: Bytes,
    /// Whether reading failed (the check then refuses the request with 400).
    pub(crate) failed: bool,
    /// The body to hand on.
    pub(crate) body: ApproovBody<B>,
}

/// Reads `body` until it ends, fails, or has given more than `max` bytes.
pub(crate) async fn read_prefix<B>(body: B, max: usize) -> Read<B>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Send + 'static,
{
    let mut body = Box::pin(body);
    let mut chunks: VecDeque<Bytes> = VecDeque::new();
    let mut len = 0usize;
    let mut trailers = None;
    let rest = loop {
        if len > max {
            break Rest::More(body);
        }
        match poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            None => break Rest::Done,
            Some(Err(error)) => break Rest::Failed(Some(error)),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => {
                    len = len.saturating_add(data.len());
                    chunks.push_back(data);
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
        1 => chunks.front().cloned().unwrap_or_default(),
        _ => Bytes::from(
            chunks
                .iter()
                .flat_map(|c| c.iter().copied())
                .collect::<Vec<u8>>(),
        ),
    };
    let failed = matches!(rest, Rest::Failed(_));
    Read {
        data,
        failed,
        body: ApproovBody {
            kind: Kind::Replayed {
                read: chunks,
                trailers,
                rest,
            },
        },
    }
}

impl<B> Body for ApproovBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            KindProj::Untouched { body } => body.poll_frame(cx),
            KindProj::Replayed {
                read,
                trailers,
                rest,
            } => {
                if let Some(data) = read.pop_front() {
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                match rest {
                    Rest::Done => Poll::Ready(trailers.take().map(|map| Ok(Frame::trailers(map)))),
                    Rest::More(body) => body.as_mut().poll_frame(cx),
                    Rest::Failed(error) => Poll::Ready(error.take().map(Err)),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Untouched { body } => body.is_end_stream(),
            Kind::Replayed {
                read,
                trailers,
                rest,
            } => {
                read.is_empty()
                    && match rest {
                        Rest::Done => trailers.is_none(),
                        Rest::More(body) => body.is_end_stream(),
                        Rest::Failed(error) => error.is_none(),
                    }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Untouched { body } => body.size_hint(),
            Kind::Replayed { read, rest, .. } => {
                let read = read.iter().map(|chunk| chunk.len() as u64).sum::<u64>();
                match rest {
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
    }
}
