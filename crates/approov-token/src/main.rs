//! `approov-token`: mints Approov tokens for development and tests.
//!
//! ```text
//! cargo run -p approov-token -- --secret-env APPROOV_BASE64_SECRET
//! cargo run -p approov-token -- --secret "$SECRET" --expires-in -60
//! cargo run -p approov-token -- --secret "$SECRET" --bind-header-value "Bearer abc"
//! ```
#![forbid(unsafe_code)]

use std::process::ExitCode;

use approov_core::TokenMinter;
use clap::Parser;

/// Mint an HS256 Approov token, shaped like the ones the Approov service issues.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The secret, in standard base64 (as `approov secret -get base64` prints it).
    #[arg(long, conflicts_with = "secret_env")]
    secret: Option<String>,
    /// The environment variable (or `.env` entry) that holds the secret.
    #[arg(long, value_name = "VAR", default_value = approov_core::SECRET_ENV_VAR)]
    secret_env: String,
    /// Seconds until the token expires; negative mints an expired token.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 300,
        allow_negative_numbers = true
    )]
    expires_in: i64,
    /// Bind the token to this header value (usually the `Authorization` value): sets `pay`.
    #[arg(long, value_name = "VALUE")]
    bind_header_value: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let minter = match &args.secret {
        Some(secret) => TokenMinter::from_base64_secret(secret),
        None => TokenMinter::from_env_var(&args.secret_env),
    };
    let token = minter.map_err(|e| e.to_string()).and_then(|minter| {
        minter
            .approov_token(
                args.expires_in,
                args.bind_header_value.as_deref().map(str::as_bytes),
            )
            .map_err(|e| e.to_string())
    });
    match token {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("approov-token: {e}");
            ExitCode::FAILURE
        }
    }
}
