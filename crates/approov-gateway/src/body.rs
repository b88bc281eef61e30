//! The one body type the gateway answers with: the upstream's, streamed, or its own
//! short JSON.

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Response, StatusCode};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};

/// Any error a body may end with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response or request body, boxed.
pub(crate) type GatewayBody = UnsyncBoxBody<Bytes, BoxError>;

/// `body`, boxed.
pub(crate) fn boxed<B>(body: B) -> GatewayBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// An empty body.
pub(crate) fn empty() -> GatewayBody {
    boxed(Empty::new())
}

/// `status` with `Content-Type: application/json` and the body `{}`: every answer the
/// gateway makes itself (nothing says why; the reason is in the log).
pub(crate) fn json_status(status: StatusCode) -> Response<GatewayBody> {
    full(status, "application/json", Bytes::from_static(b"{}"))
}

/// `status` with `content_type` and `body`.
pub(crate) fn full(
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
) -> Response<GatewayBody> {
    let mut response = Response::new(boxed(Full::new(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
