//! Sending a request through an axum `Router` with `tower::ServiceExt::oneshot`.

use axum::body::{to_bytes, Body};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::Router;
use tower::ServiceExt;

use crate::{Case, Observed};

/// Sends one case of the shared table to `app`: its method, target, headers and body.
pub async fn case(app: &Router, case: &Case) -> Observed {
    let method = Method::from_bytes(case.method.as_bytes())
        .unwrap_or_else(|e| panic!("bad test method {}: {e}", case.method));
    let body = Body::from(case.body.clone());
    send_with_body(app, method, &case.target(), &case.header_pairs(), body).await
}

/// Sends `method path` with `headers` (raw values, names may repeat) to `app`.
pub async fn send(app: &Router, method: Method, path: &str, headers: &[(&str, &[u8])]) -> Observed {
    send_with_body(app, method, path, headers, Body::empty()).await
}

async fn send_with_body(
    app: &Router,
    method: Method,
    path: &str,
    headers: &[(&str, &[u8])],
    body: Body,
) -> Observed {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = path
        .parse()
        .unwrap_or_else(|e| panic!("bad test path {path}: {e}"));
    for (name, value) in headers {
        request
            .headers_mut()
            .append(header_name(name), header_value(value));
    }
    let response = match app.clone().oneshot(request).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_else(|e| panic!("reading the body: {e}"))
        .to_vec();
    Observed {
        status,
        content_type,
        body,
    }
}

/// `GET path`.
pub async fn get(app: &Router, path: &str, headers: &[(&str, &[u8])]) -> Observed {
    send(app, Method::GET, path, headers).await
}

fn header_name(name: &str) -> HeaderName {
    HeaderName::from_bytes(name.as_bytes())
        .unwrap_or_else(|e| panic!("bad test header {name}: {e}"))
}

fn header_value(value: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(value).unwrap_or_else(|e| panic!("bad test header value: {e}"))
}
