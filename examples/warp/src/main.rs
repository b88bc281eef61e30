//! The warp example server: `cargo run -p example-warp -- --demo`.
//!
//! This file is the whole integration. `demo.rs` runs the example: the command line,
//! `--demo`, `HOST`/`PORT`, logging, the SIGHUP key reload and the shutdown signal.
#![forbid(unsafe_code)]

mod demo;

use approov_warp::{ApproovToken, ApproovVerifier, BindingHeader};
use warp::filters::BoxedFilter;
use warp::reply::{Reply, Response};
use warp::Filter;

/// Path and method first, the Approov filter last (unknown paths stay 404), and
/// `recover` after every `or()`: Approov's rejection becomes 401 `{}`.
pub(crate) fn routes(verifier: ApproovVerifier) -> BoxedFilter<(Response,)> {
    let unprotected = warp::path!("unprotected").and(warp::get()).map(hello);
    let token_check = warp::path!("token-check")
        .and(warp::get())
        .and(approov_warp::token(verifier.clone()))
        .map(|_: ApproovToken| hello());
    let token_binding = warp::path!("token-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier.clone(),
            BindingHeader::AUTHORIZATION,
        ))
        .map(|_: ApproovToken| hello());
    let double = [
        BindingHeader::AUTHORIZATION,
        BindingHeader::new("SessionId"),
    ];
    let token_double_binding = warp::path!("token-double-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(verifier.clone(), double))
        .map(|_: ApproovToken| hello());
    // HEAD too, as the other frameworks route it: checked as HEAD, not turned away 405.
    let get_head_or_post = warp::get()
        .or(warp::head())
        .unify()
        .or(warp::post())
        .unify();
    let token_message_signing = warp::path!("token-message-signing")
        .and(get_head_or_post)
        .and(approov_warp::message_signed_token(verifier))
        .map(|_: ApproovToken, _body| hello());
    unprotected
        .or(token_check)
        .or(token_binding)
        .or(token_double_binding)
        .or(token_message_signing)
        .recover(approov_warp::recover)
        .map(Reply::into_response)
        .boxed()
}

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

fn hello() -> Response {
    warp::reply::with_header(HELLO, "content-type", "application/json").into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The command line (`--demo`), HOST and PORT; logging to stderr.
    let options = demo::Options::from_args("example-warp", 8005);
    let verifier = if options.demo {
        options.demo_verifier()
    } else {
        ApproovVerifier::from_env()?
    };
    options.reload_keys_on_sighup(&verifier); // SIGHUP: re-read the keys, swap them in at once
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| options.cannot_listen(e))?;
    options.listening(listener.local_addr()?);

    // On SIGTERM or Ctrl-C: stop accepting, let the requests in flight finish.
    warp::serve(routes(verifier))
        .incoming(listener)
        .graceful(demo::shutdown_signal())
        .run()
        .await;
    Ok(())
}
