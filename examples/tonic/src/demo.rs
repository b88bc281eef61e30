//! What runs the example but is not the integration: the command line (`--demo`,
//! `--help`), `HOST`/`PORT`, logging, the demo secret and the grpcurl commands printed
//! with it, the SIGHUP key reload and the shutdown signal.
//!
//! In your own server, the line that matters is `ApproovVerifier::from_env()?` in
//! `main.rs`; keep what you need of this file, or do it your own way.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::process::exit;
use std::time::Duration;

use approov_tower::approov_core::TokenMinter;
use approov_tower::ApproovVerifier;

/// A publicly known secret, for `--demo` only: never accepted without that flag.
const DEMO_SECRET: &str = "ZGVtby1vbmx5LW5vdC1hLXNlY3JldC1hcHByb292LXJzLWRlbW8tc2VjcmV0ISE=";

/// Where `helloworld.proto` is, for grpcurl (the server has no reflection service).
const PROTO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/proto");

/// What is logged when `RUST_LOG` is not set.
const DEFAULT_LOG: &str = "info";

/// How long requests in flight may take to finish once the server is asked to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How the server was asked to start.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    package: &'static str,
    /// `--demo`: use the built-in demo secret instead of the environment.
    pub(crate) demo: bool,
    /// Where to listen: `HOST` (default 127.0.0.1) and `PORT` (default: `default_port`).
    pub(crate) addr: SocketAddr,
}

impl Options {
    /// Reads the command line, `HOST` and `PORT`, and starts logging (`RUST_LOG`,
    /// default [`DEFAULT_LOG`], to stderr). A bad argument or address prints one line to
    /// stderr and exits with status 2.
    pub(crate) fn from_args(package: &'static str, default_port: u16) -> Options {
        init_logging();
        let mut demo = false;
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--demo" => demo = true,
                "-h" | "--help" => {
                    println!(
                        "usage: {package} [--demo]\n\n\
                         The secret: APPROOV_BASE64URL_SECRET or APPROOV_BASE64_SECRET (environment or .env).\n\
                         APPROOV_MODE=enforce|monitor; HOST and PORT (default 127.0.0.1:{default_port}).\n\
                         --demo uses a built-in demo secret and prints grpcurl commands to try."
                    );
                    exit(0);
                }
                other => usage_error(package, format!("unknown argument {other:?} (try --help)")),
            }
        }
        match address(default_port) {
            Ok(addr) => Options {
                package,
                demo,
                addr,
            },
            Err(message) => usage_error(package, message),
        }
    }

    /// The demo verifier, with the built-in secret, after a loud warning that it is one.
    pub(crate) fn demo_verifier(&self) -> ApproovVerifier {
        eprintln!(
            "\n\
             ************************************************************************\n\
             * WARNING: {} is running with --demo: a BUILT-IN, PUBLICLY KNOWN\n\
             * secret. Anyone can mint tokens it accepts. Never use it beyond local\n\
             * testing; set APPROOV_BASE64URL_SECRET instead.\n\
             ************************************************************************\n",
            self.package
        );
        match ApproovVerifier::from_base64_secret(DEMO_SECRET) {
            Ok(verifier) => verifier,
            Err(e) => unreachable!("the demo secret is valid base64: {e}"),
        }
    }

    /// Says where the server listens (`addr` is the bound address: `PORT=0` picks a
    /// free port) and, with `--demo`, prints grpcurl commands that work against it.
    pub(crate) fn listening(&self, addr: SocketAddr) {
        tracing::info!("{} listening on http://{addr}", self.package);
        if self.demo {
            print_demo(addr);
        }
    }

    /// On SIGHUP, reads the keys again as `from_env` does (`.env`, the secret
    /// variables, `APPROOV_JWKS`, `APPROOV_JWKS_FILE`, `APPROOV_JWKS_URL`) and swaps
    /// them in at once with [`ApproovVerifier::reload_from_env`]; a bad new
    /// configuration is logged and the keys in effect stay. Not with `--demo`, whose
    /// secret comes from no variable. Call it from within the server's runtime.
    pub(crate) fn reload_keys_on_sighup(&self, verifier: &ApproovVerifier) {
        if self.demo {
            return;
        }
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let verifier = verifier.clone();
            tokio::spawn(async move {
                let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                    tracing::warn!("cannot listen for SIGHUP: keys reload only on restart");
                    return;
                };
                while hangups.recv().await.is_some() {
                    let verifier = verifier.clone();
                    match tokio::task::spawn_blocking(move || verifier.reload_from_env()).await {
                        Ok(Ok(())) => tracing::info!("SIGHUP: Approov keys reloaded"),
                        Ok(Err(e)) => {
                            tracing::error!(
                                "SIGHUP: Approov keys NOT reloaded, the old ones stay: {e}"
                            )
                        }
                        Err(e) => tracing::error!("SIGHUP: the reload did not finish: {e}"),
                    }
                }
            });
        }
        #[cfg(not(unix))]
        let _ = verifier;
    }

    /// The error for an address the server cannot listen on, naming it.
    pub(crate) fn cannot_listen(&self, error: impl std::fmt::Display) -> StartError {
        StartError(format!("cannot listen on {}: {error}", self.addr))
    }
}

/// Why the server could not start, printed the same by `Display` and `Debug` (so
/// `main` returning it prints one readable line).
pub(crate) struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

fn usage_error(package: &str, message: impl std::fmt::Display) -> ! {
    eprintln!("{package}: error: {message}");
    exit(2)
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
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn print_demo(addr: SocketAddr) {
    let minter = match TokenMinter::from_base64_secret(DEMO_SECRET) {
        Ok(minter) => minter,
        Err(e) => unreachable!("the demo secret is valid base64: {e}"),
    };
    let valid = minter
        .approov_token(3600, &[])
        .unwrap_or_else(|e| unreachable!("minting JSON claims cannot fail: {e}"));
    let grpcurl = format!("grpcurl -plaintext -import-path {PROTO_DIR} -proto helloworld.proto");
    let call = format!("{addr} helloworld.Greeter/SayHello");
    println!(
        "Try it with grpcurl (the token is valid for one hour):\n\n\
         {grpcurl} -H 'approov-token: {valid}' -d '{{\"name\":\"World\"}}' {call}\n\n\
         Without a token, or with a bad one, the answer is Code: Unauthenticated:\n\n\
         {grpcurl} -d '{{\"name\":\"World\"}}' {call}\n\
         {grpcurl} -H 'approov-token: not-a-token' -d '{{\"name\":\"World\"}}' {call}\n\n\
         The health service needs no token (grpc-health-probe):\n\n\
         grpc-health-probe -addr={addr} -service=helloworld.Greeter\n"
    );
}

/// Resolves when the process is asked to stop (SIGTERM, or Ctrl-C / SIGINT), after
/// logging it: for the server's graceful shutdown, which stops accepting and lets the
/// requests in flight finish. The wait is bounded: [`SHUTDOWN_GRACE`] later the
/// process exits (status 0) whatever is still running.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
    tokio::spawn(async {
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}: exiting");
        exit(0)
    });
}
