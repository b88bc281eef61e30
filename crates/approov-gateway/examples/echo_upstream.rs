//! A tiny upstream for scripts and manual tests of the gateway: it answers every
//! request `200 application/json` with what it received, so a script can see what the
//! gateway (or the proxy in front of it) let through and which headers it added or
//! removed:
//!
//! ```json
//! {"method":"GET","path":"/api/x?q=1","headers":{"host":"127.0.0.1:9000","x-approov-did":"..."}}
//! ```
//!
//! `path` is the request target's path and query as received; `headers` maps each
//! lower-case header name to its value, or to an array of its values when it came more
//! than once (values that are not UTF-8 are shown lossily). A request body is read and
//! discarded. HTTP/1.1 and HTTP/2 (prior knowledge), plain TCP only.
//!
//! ```sh
//! cargo run -p approov-gateway --example echo_upstream -- 127.0.0.1:9000
//! ```
//!
//! Not for production: it echoes every header, credentials included, to whoever asks.

#![forbid(unsafe_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use serde_json::{Map, Value};
use tokio::net::TcpListener;

const USAGE: &str = "usage: echo_upstream ADDRESS   (for example 127.0.0.1:9000)";

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("echo_upstream: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Listens on the address of the command line and answers until Ctrl-C.
async fn serve() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let address: SocketAddr = match (args.next(), args.next()) {
        (Some(address), None) if address != "-h" && address != "--help" => address
            .parse()
            .map_err(|err| format!("{address:?} is not an address ({err}); {USAGE}"))?,
        _ => return Err(USAGE.to_owned()),
    };
    let listener = TcpListener::bind(address)
        .await
        .map_err(|err| format!("cannot listen on {address}: {err}"))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    eprintln!("echo_upstream listening on {address}");

    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    eprintln!("echo_upstream: accept failed: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(echo);
            if let Err(err) = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("echo_upstream: connection error: {err}");
            }
        });
    }
}

/// The answer to every request: what it was, as JSON.
async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, mut body) = request.into_parts();

    let mut headers = Map::new();
    for name in parts.headers.keys() {
        let mut values: Vec<Value> = parts.headers.get_all(name).iter().map(text).collect();
        let value = if values.len() == 1 {
            values.swap_remove(0)
        } else {
            Value::Array(values)
        };
        headers.insert(name.as_str().to_owned(), value);
    }
    let path = parts.uri.path_and_query().map_or_else(
        || parts.uri.to_string(),
        |target| target.as_str().to_owned(),
    );

    let mut answer = Map::new();
    answer.insert(
        "method".to_owned(),
        Value::String(parts.method.as_str().to_owned()),
    );
    answer.insert("path".to_owned(), Value::String(path));
    answer.insert("headers".to_owned(), Value::Object(headers));
    let json = Value::Object(answer).to_string();

    // Read the body to its end (frame by frame, nothing kept) so the connection stays
    // usable; a body that fails half-way changes nothing in the answer.
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            break;
        }
    }

    let mut response = Response::new(Full::new(Bytes::from(json)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

fn text(value: &HeaderValue) -> Value {
    Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned())
}
