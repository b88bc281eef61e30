//! Compiles `proto/helloworld.proto` with protox, a protobuf compiler in pure Rust, and
//! generates the tonic server and client from it: no `protoc` to install.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["helloworld.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
