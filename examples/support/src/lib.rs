//! What the example servers share, so each `main.rs` shows only its framework:
//! reading the secret (or `--demo`), `HOST`/`PORT`, and logging.
//!
//! In your own server, the one line that matters is
//! `let verifier = ApproovVerifier::from_env()?;`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::process::exit;

use approov_core::{ApproovVerifier, TokenMinter};

/// The body of every success.
pub const HELLO: &str = r#"{"message":"Hello, World!"}"#;

/// A publicly known secret, for `--demo` only: never accepted without that flag.
const DEMO_SECRET: &str = "ZGVtby1vbmx5LW5vdC1hLXNlY3JldC1hcHByb292LXJzLWRlbW8tc2VjcmV0ISE=";

/// The `Authorization` value the demo's bound token is bound to.
const DEMO_AUTHORIZATION: &str = "Bearer demo-user-session";

/// An example server's start-up configuration.
#[derive(Debug)]
pub struct Example {
    /// The verifier, from `APPROOV_BASE64_SECRET` or the demo secret.
    pub verifier: ApproovVerifier,
    /// Where to listen: `HOST` (default 127.0.0.1) and `PORT`.
    pub addr: SocketAddr,
}

impl Example {
    /// Reads the command line and environment. On any problem it prints one line to
    /// stderr and exits with status 1: a server without a valid secret never serves.
    pub fn from_env(package: &str, default_port: u16) -> Example {
        init_logging();
        match Self::try_from_env(package, default_port) {
            Ok(example) => example,
            Err(message) => fail(package, message),
        }
    }

    fn try_from_env(package: &str, default_port: u16) -> Result<Example, String> {
        let mut demo = false;
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--demo" => demo = true,
                "-h" | "--help" => {
                    println!("usage: {package} [--demo]\n\nAPPROOV_BASE64_SECRET (environment or .env) is the secret; HOST and PORT the address.\n--demo uses a built-in demo secret and prints curl commands to try.");
                    exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        let addr = address(default_port)?;
        let verifier = if demo {
            ApproovVerifier::from_base64_secret(DEMO_SECRET)
        } else {
            ApproovVerifier::from_env()
        }
        .map_err(|e| e.to_string())?;
        if demo {
            print_demo(package, addr)?;
        }
        Ok(Example { verifier, addr })
    }
}

fn address(default_port: u16) -> Result<SocketAddr, String> {
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse::<u16>()
            .map_err(|_| format!("PORT {port:?} is not a port number"))?,
        Err(_) => default_port,
    };
    let Ok(host) = std::env::var("HOST") else {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    };
    // An IP address, or a name such as `localhost`.
    (host.as_str(), port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| format!("HOST {host:?} is not an IP address or a name that resolves"))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn print_demo(package: &str, addr: SocketAddr) -> Result<(), String> {
    let minter = TokenMinter::from_base64_secret(DEMO_SECRET).map_err(|e| e.to_string())?;
    let valid = minter
        .approov_token(3600, None)
        .map_err(|e| e.to_string())?;
    let bound = minter
        .approov_token(3600, Some(DEMO_AUTHORIZATION.as_bytes()))
        .map_err(|e| e.to_string())?;
    let url = format!("http://{addr}");
    eprintln!(
        "\n\
         ************************************************************************\n\
         * WARNING: {package} is running with --demo: a BUILT-IN, PUBLICLY KNOWN\n\
         * secret. Anyone can mint tokens it accepts. Never use it beyond local\n\
         * testing; set APPROOV_BASE64_SECRET instead.\n\
         ************************************************************************\n"
    );
    println!(
        "Try it (tokens valid for one hour):\n\n\
         curl -i {url}/unprotected\n\
         curl -i -H 'Approov-Token: {valid}' {url}/token-check\n\
         curl -i -H 'Approov-Token: {bound}' -H 'Authorization: {DEMO_AUTHORIZATION}' {url}/token-binding\n\n\
         Without a token, or with the wrong Authorization, the answer is 401 {{}}:\n\n\
         curl -i {url}/token-check\n\
         curl -i -H 'Approov-Token: {bound}' -H 'Authorization: Bearer someone-else' {url}/token-binding\n"
    );
    Ok(())
}

/// Prints `message` as the one line on stderr and exits with status 1.
pub fn fail(package: &str, message: impl std::fmt::Display) -> ! {
    eprintln!("{package}: error: {message}");
    exit(1)
}
