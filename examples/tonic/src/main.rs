//! The approov-rs example server for tonic (gRPC): `cargo run -p example-tonic -- --demo`.
//!
//! This file is the whole integration. `lib.rs` holds the code generated from
//! `proto/helloworld.proto`; `demo.rs` runs the example: the command line, `--demo`,
//! `HOST`/`PORT`, logging, the SIGHUP key reload and the shutdown signal.
#![forbid(unsafe_code)]

mod demo;

use approov_tower::{ApproovClaims, ApproovLayer, ApproovVerifier};
use example_tonic::helloworld::greeter_server::{Greeter, GreeterServer};
use example_tonic::helloworld::{HelloReply, HelloRequest};
use tonic::service::{LayerExt, Routes};
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic::{Request, Response, Status};

/// The greeter. Behind the Approov layer, so every call it sees came with a valid
/// token (or, in monitor mode, was let through and logged).
#[derive(Debug, Default)]
pub(crate) struct HelloWorld;

#[tonic::async_trait]
impl Greeter for HelloWorld {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        // The claims of the token that passed, should the method need them (absent
        // when monitor mode let a failed call through).
        let device = request
            .extensions()
            .get::<ApproovClaims>()
            .and_then(|claims| claims.did.as_deref());
        tracing::debug!(device, "SayHello");
        let name = match request.get_ref().name.as_str() {
            "" => "World",
            name => name,
        };
        Ok(Response::new(HelloReply {
            message: format!("Hello, {name}!"),
        }))
    }
}

/// The services: `helloworld.Greeter` behind the Approov layer, the standard gRPC
/// health service (`grpc.health.v1.Health`) open, as load balancers and probes call
/// it without a token.
pub(crate) async fn routes(verifier: ApproovVerifier) -> Routes {
    // The token is read from the `approov-token` metadata entry; every refusal is
    // `Code::Unauthenticated`, with no message. `named_layer` keeps the service's name
    // (`helloworld.Greeter`), so tonic routes only this service's calls through the
    // layer.
    let greeter = ApproovLayer::grpc(verifier).named_layer(GreeterServer::new(HelloWorld));
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<GreeterServer<HelloWorld>>().await;
    Routes::new(health_service).add_service(greeter)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The command line (`--demo`), HOST and PORT; logging to stderr.
    let options = demo::Options::from_args("example-tonic", 8006);
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

    // On SIGTERM or Ctrl-C: stop accepting, let the calls in flight finish.
    Server::builder()
        .add_routes(routes(verifier).await)
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), demo::shutdown_signal())
        .await?;
    Ok(())
}
