//! `approov-gateway`: see the crate's README.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use approov_gateway::server::{self, Options};
use clap::Parser;

/// Protects any HTTP API with the Approov check: a reverse proxy or a forward-auth
/// endpoint, configured by a TOML file and the APPROOV_* variables (environment or
/// .env).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The configuration file.
    #[arg(long, env = "APPROOV_GATEWAY_CONFIG", value_name = "FILE")]
    config: PathBuf,
    /// Check the configuration and the keys, print the routes, and exit.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let options = Options {
        config: args.config,
    };
    if args.check {
        return match server::check(&options) {
            Ok(config) => {
                println!(
                    "{}: good, {} route(s), default {}",
                    config.file.display(),
                    config.routes.len(),
                    config.default
                );
                for route in &config.routes {
                    let mut extras = Vec::new();
                    if let Some(binding) = &route.binding {
                        let names: Vec<&str> = binding.headers().iter().map(|h| h.name()).collect();
                        extras.push(format!("bound to {}", names.join(" + ")));
                    }
                    if let Some(sign) = route.sign {
                        extras.push(format!("signed ({sign})"));
                    }
                    if route.monitor {
                        extras.push("monitor".to_owned());
                    }
                    let extras = if extras.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", extras.join(", "))
                    };
                    println!(
                        "  line {}: {} -> {}{extras}",
                        route.line,
                        route.label(),
                        route.action
                    );
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("approov-gateway: {error}");
                ExitCode::FAILURE
            }
        };
    }
    // One thread per core the process may run on; on one core (a container limited
    // to one CPU, or `taskset`), a scheduler that never moves tasks between threads.
    let one_core = std::thread::available_parallelism().is_ok_and(|cores| cores.get() == 1);
    let mut builder = if one_core {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("approov-gateway: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("approov-gateway: {error}");
            ExitCode::FAILURE
        }
    }
}
