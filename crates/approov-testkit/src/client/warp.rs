//! Sending a request through warp filters: `warp::test::request()`, or
//! `warp::service` when a header repeats (the test builder replaces repeated names).

use http_body_util::BodyExt;
use tower::ServiceExt;
use warp::http::header::CONTENT_TYPE;
use warp::http::{HeaderName, HeaderValue, Request, Response};
use warp::{Filter, Reply};

use crate::{Case, Observed};

/// Sends one case of the shared table to `routes`: its method, target, headers and body.
pub async fn case<F>(routes: &F, case: &Case) -> Observed
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
{
    let mut request = Request::builder()
        .method(case.method)
        .uri(case.target())
        .body(String::from_utf8_lossy(&case.body).into_owned())
        .unwrap_or_else(|e| panic!("bad test request {}: {e}", case.target()));
    for (name, value) in case.header_pairs() {
        request
            .headers_mut()
            .append(header_name(name), header_value(value));
    }
    send(routes, request).await
}

/// Sends `GET path` with `headers` (raw values, names may repeat) to `routes`.
pub async fn get<F>(routes: &F, path: &str, headers: &[(&str, &[u8])]) -> Observed
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
{
    let repeated = headers.iter().enumerate().any(|(i, (name, _))| {
        headers[..i]
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    });
    if !repeated {
        let request = headers
            .iter()
            .fold(warp::test::request().path(path), |r, (name, value)| {
                r.header(header_name(name), header_value(value))
            });
        return observe(request.reply(routes).await);
    }
    let mut request = Request::get(path)
        .body(String::new())
        .unwrap_or_else(|e| panic!("bad test path {path}: {e}"));
    for (name, value) in headers {
        request
            .headers_mut()
            .append(header_name(name), header_value(value));
    }
    send(routes, request).await
}

async fn send<F>(routes: &F, request: Request<String>) -> Observed
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
{
    let response = match warp::service(routes.clone()).oneshot(request).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("reading the body: {e}"))
        .to_bytes();
    observe(Response::from_parts(parts, body))
}

fn observe(response: Response<warp::hyper::body::Bytes>) -> Observed {
    Observed {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: response.body().to_vec(),
    }
}

fn header_name(name: &str) -> HeaderName {
    HeaderName::from_bytes(name.as_bytes())
        .unwrap_or_else(|e| panic!("bad test header {name}: {e}"))
}

fn header_value(value: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(value).unwrap_or_else(|e| panic!("bad test header value: {e}"))
}
