//! The code generated from `proto/helloworld.proto` (by `build.rs`): the messages, the
//! `Greeter` server trait the example implements in `main.rs`, and the client a caller
//! uses (the conformance tests call the example with it).
#![forbid(unsafe_code)]

/// The `helloworld` package: `Greeter.SayHello(HelloRequest) returns (HelloReply)`.
pub mod helloworld {
    tonic::include_proto!("helloworld");
}
