//! Sending a request through an actix-web service from `actix_web::test::init_service`.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use actix_web::test::{self, TestRequest};

use crate::{Case, Observed};

/// A `GET path` request with `headers` (raw values, names may repeat).
pub fn request(path: &str, headers: &[(&str, &[u8])]) -> TestRequest {
    headers
        .iter()
        .fold(TestRequest::get().uri(path), |request, (name, value)| {
            let name = HeaderName::from_bytes(name.as_bytes())
                .unwrap_or_else(|e| panic!("bad test header {name}: {e}"));
            let value = HeaderValue::from_bytes(value)
                .unwrap_or_else(|e| panic!("bad test header value: {e}"));
            request.append_header((name, value))
        })
}

/// What a response says.
pub async fn observe<B: MessageBody>(response: ServiceResponse<B>) -> Observed {
    Observed {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: test::read_body(response).await.to_vec(),
    }
}

/// Sends one case of the shared table to `app`: its method, target, headers and body.
pub async fn case<S, B>(app: &S, case: &Case) -> Observed
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let method = actix_web::http::Method::from_bytes(case.method.as_bytes())
        .unwrap_or_else(|e| panic!("bad test method {}: {e}", case.method));
    let request = request(&case.target(), &case.header_pairs())
        .method(method)
        .set_payload(case.body.clone());
    observe(test::call_service(app, request.to_request()).await).await
}

/// Sends `GET path` with `headers` to `app`.
pub async fn get<S, B>(app: &S, path: &str, headers: &[(&str, &[u8])]) -> Observed
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    observe(test::call_service(app, request(path, headers).to_request()).await).await
}
