//! What runs the example but is not the integration: the command line (`--demo`,
//! `--help`), `HOST`/`PORT` (over Rocket's own address settings), logging, the demo
//! secret and the curl commands printed with it, the SIGHUP key reload, and the lines
//! logged once Rocket listens and when it stops.
//!
//! In your own server, the line that matters is `ApproovVerifier::from_env()?` in
//! `main.rs`; keep what you need of this file, or do it your own way.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::process::exit;

use approov_rocket::approov_core::TokenMinter;
use approov_rocket::ApproovVerifier;
use rocket::fairing::AdHoc;
use rocket::figment::Figment;

/// A publicly known secret, for `--demo` only: never accepted without that flag.
const DEMO_SECRET: &str = "ZGVtby1vbmx5LW5vdC1hLXNlY3JldC1hcHByb292LXJzLWRlbW8tc2VjcmV0ISE=";

/// The `Authorization` value the demo's bound tokens are bound to.
const DEMO_AUTHORIZATION: &str = "Bearer demo-user-session";
/// The `SessionId` value the demo's double-bound token is bound to.
const DEMO_SESSION_ID: &str = "demo-session-1";

/// What is logged when `RUST_LOG` is not set: `info`, but none of Rocket's own lines
/// about each request (`rocket::server`, its 404 line with the whole path among them,
/// and the `example_rocket::_` lines its route macros write when a guard fails).
/// Rocket writes them through `log` for every request, 4 to 7 lines each, with no
/// limit: they cost about as much CPU as Rocket itself, and a flood of bad tokens or
/// of 60 KB unknown paths would fill a disk (60 KB of log per request). approov-rs' own
/// rejection lines (`info`, rate-limited) are kept. `RUST_LOG=info` shows Rocket's
/// lines again, at that cost.
const DEFAULT_LOG: &str = "info,rocket=warn,rocket::server=off,example_rocket::_=off";

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
                         --demo uses a built-in demo secret and prints curl commands to try."
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
    /// free port) and, with `--demo`, prints curl commands that work against it.
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
            use rocket::tokio;
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

    /// Rocket's configuration (`Rocket.toml`, `ROCKET_*`), with `HOST` and `PORT`
    /// winning over `ROCKET_ADDRESS` and `ROCKET_PORT`.
    pub(crate) fn rocket_config(&self) -> Figment {
        rocket::Config::figment()
            .merge(("address", self.addr.ip()))
            .merge(("port", self.addr.port()))
    }

    /// A fairing that calls [`Options::listening`] once Rocket listens, with the
    /// address it bound (`PORT=0` picks a free port).
    pub(crate) fn on_liftoff(&self) -> AdHoc {
        let options = self.clone();
        AdHoc::on_liftoff("listening", move |rocket| {
            let bound = rocket.config();
            options.listening((bound.address, bound.port).into());
            Box::pin(async {})
        })
    }

    /// What `main` returns when Rocket does not launch: for an address it cannot bind,
    /// one line naming it; otherwise Rocket's summary (its details are logged).
    pub(crate) fn launch_error(&self, error: rocket::Error) -> Box<dyn std::error::Error> {
        match error.kind() {
            rocket::error::ErrorKind::Bind(e) => self.cannot_listen(e).into(),
            _ => error.pretty_print().into(),
        }
    }

    /// The error for an address the server cannot listen on, naming it.
    fn cannot_listen(&self, error: impl std::fmt::Display) -> StartError {
        StartError(format!("cannot listen on {}: {error}", self.addr))
    }
}

/// A fairing that logs that the server stops accepting and finishes the requests in
/// flight: Rocket catches SIGTERM and Ctrl-C itself and drains them for its `shutdown`
/// grace (2 s, then 3 s of mercy, by default).
pub(crate) fn on_shutdown() -> AdHoc {
    AdHoc::on_shutdown("stopping", |_| {
        Box::pin(async { tracing::info!("shutting down: finishing the requests in flight") })
    })
}

/// Why the server could not start, printed the same by `Display` and `Debug` (so
/// `main` returning it prints one readable line).
struct StartError(String);

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
    let mint = |bound: &[&str]| {
        let values: Vec<&[u8]> = bound.iter().map(|v| v.as_bytes()).collect();
        minter
            .approov_token(3600, &values)
            .unwrap_or_else(|e| unreachable!("minting JSON claims cannot fail: {e}"))
    };
    let valid = mint(&[]);
    let bound = mint(&[DEMO_AUTHORIZATION]);
    let double = mint(&[DEMO_AUTHORIZATION, DEMO_SESSION_ID]);
    let url = format!("http://{addr}");
    println!(
        "Try it (tokens valid for one hour):\n\n\
         curl -i {url}/unprotected\n\
         curl -i -H 'Approov-Token: {valid}' {url}/token-check\n\
         curl -i -H 'Approov-Token: {bound}' -H 'Authorization: {DEMO_AUTHORIZATION}' {url}/token-binding\n\
         curl -i -H 'Approov-Token: {double}' -H 'Authorization: {DEMO_AUTHORIZATION}' -H 'SessionId: {DEMO_SESSION_ID}' {url}/token-double-binding\n\n\
         Without a token, or with the wrong Authorization, the answer is 401 {{}}:\n\n\
         curl -i {url}/token-check\n\
         curl -i -H 'Approov-Token: {bound}' -H 'Authorization: Bearer someone-else' {url}/token-binding\n"
    );
}
