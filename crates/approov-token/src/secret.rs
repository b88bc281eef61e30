//! `approov-token secret`: a new random secret, in both encodings.

use std::process::ExitCode;

use approov_core::{BASE64URL_SECRET_VAR, BASE64_SECRET_VAR, MIN_SECRET_LEN};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use clap::Args;
use rand::rngs::OsRng;
use rand::RngCore as _;

use crate::failure::{print_line, warn, Failure};

const EXAMPLES: &str = "\
Both lines hold the same key, which the servers accept: keep either or both.
`> .env` replaces the file; in a .env that already sets a secret, the first
definition wins. Keep the file out of version control.

Examples:
  approov-token secret > .env                 # then approov-token mint, or a server, reads it
  approov-token secret --bytes 32
  export $(approov-token secret | head -n 1)  # this shell only";

/// Generate a random secret from the operating system's generator and print it as
/// `APPROOV_BASE64URL_SECRET=...` and `APPROOV_BASE64_SECRET=...` lines.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct SecretArgs {
    /// How many random bytes
    #[arg(
        long,
        value_name = "N",
        default_value_t = 64,
        value_parser = clap::value_parser!(u16).range(1..=1024)
    )]
    bytes: u16,
}

pub(crate) fn run(args: &SecretArgs) -> Result<ExitCode, Failure> {
    let mut key = vec![0u8; usize::from(args.bytes)];
    OsRng.try_fill_bytes(&mut key).map_err(|e| {
        Failure::new(format!(
            "the operating system's random generator failed: {e}"
        ))
    })?;
    if key.len() < MIN_SECRET_LEN {
        warn(&format!(
            "{} bytes is shorter than {MIN_SECRET_LEN} (256 bits, the minimum RFC 7518 sets \
             for HS256); the servers will warn at start-up",
            key.len()
        ));
    }
    print_line(&format!(
        "{BASE64URL_SECRET_VAR}={}\n{BASE64_SECRET_VAR}={}",
        URL_SAFE_NO_PAD.encode(&key),
        STANDARD.encode(&key)
    ))?;
    Ok(ExitCode::SUCCESS)
}
