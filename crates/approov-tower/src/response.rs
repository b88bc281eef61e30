//! How a refused request is answered: [`JsonRejection`] (HTTP `401 {}`, the default)
//! or [`GrpcRejection`] (gRPC `UNAUTHENTICATED`), or your own [`RejectionResponse`].

use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Response, StatusCode};

/// Makes the response to a refused request. The status is the core's
/// ([`TokenRejection::status`](crate::TokenRejection::status)): 401, or 413 / 400
/// for a signed body that is too large or cannot be read. Nothing says why: the reason
/// is in the server's log.
pub trait RejectionResponse<B>: Clone + Send + Sync + 'static {
    /// The response for a refusal with `status`.
    fn respond(&self, status: StatusCode) -> Response<B>;
}

/// HTTP: `status`, `Content-Type: application/json`, body `{}`: what every approov-rs
/// adapter answers. For any response body that can be made from a `&'static str`
/// (axum's `Body`, `http_body_util::Full<Bytes>`, `String`, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRejection;

impl<B: From<&'static str>> RejectionResponse<B> for JsonRejection {
    fn respond(&self, status: StatusCode) -> Response<B> {
        let mut response = Response::new(B::from("{}"));
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// gRPC: HTTP `200`, `Content-Type: application/grpc`, `grpc-status: 16`
/// (`UNAUTHENTICATED`) with no message and no body, a "trailers-only" response that a
/// tonic client reads as `Status::unauthenticated`. A signed body over the limit is
/// `grpc-status: 8` (`RESOURCE_EXHAUSTED`), one that cannot be read `3`
/// (`INVALID_ARGUMENT`). For any response body with a `Default` (an empty body:
/// tonic's `Body`, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcRejection;

impl<B: Default> RejectionResponse<B> for GrpcRejection {
    fn respond(&self, status: StatusCode) -> Response<B> {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "8",
            StatusCode::BAD_REQUEST => "3",
            _ => "16",
        };
        let mut response = Response::new(B::default());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        headers.insert("grpc-status", HeaderValue::from_static(code));
        response
    }
}
