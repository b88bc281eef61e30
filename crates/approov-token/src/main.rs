//! `approov-token`: a command-line tool for developing against Approov. It mints
//! Approov tokens with any claims, signed HS256 with the secret or by a keyset key
//! (ES256, RS256, PS256, EdDSA), checks a token the way the servers do, generates a
//! secret or a keyset key pair and its JWKS, and for message signing generates an
//! installation key pair or an account key and signs a request (`install`, or
//! `install` and `account` as the 3.8 client does). One module per command;
//! `secret_source` is the secret options the commands share, `account_key_source` the
//! account key's, `env_var` a variable read as the servers read it, `key_file` reading
//! and writing key files, `signing_key` a keyset key's file, `request_url` the URL a
//! request is signed for.
//!
//! ```text
//! approov-token secret > .env            # a new random secret, both encodings
//! approov-token mint --expires-in 60     # a token, read from APPROOV_*_SECRET like the servers
//! approov-token check "$TOKEN"           # its claims, or code=... reason=...
//! approov-token keyset-key --alg ES256 --kid dev --out es256.pem > jwks.json
//! approov-token mint --key es256.pem     # an ES256 token naming kid `dev`
//! approov-token jwks es256.pem           # the JWKS of key files, again
//! approov-token keygen --out key.pem     # an installation key; prints its ipk
//! approov-token sign-request --key key.pem http://127.0.0.1:8002/token-message-signing
//! approov-token account-key --dotenv >> .env   # an account key, as a .env line
//! approov-token sign-request --key key.pem --account http://127.0.0.1:8002/token-message-signing
//! ```
#![forbid(unsafe_code)]

mod account_key;
mod account_key_source;
mod check;
mod env_var;
mod failure;
mod jwks;
mod key_file;
mod keygen;
mod keyset_key;
mod mint;
mod request_url;
mod secret;
mod secret_source;
mod sign_request;
mod signing_key;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::failure::Failure;

const AFTER_HELP: &str = "\
Without a command, approov-token mints: `approov-token --expires-in 60` is
`approov-token mint --expires-in 60`.

The secret is read as the servers read it: APPROOV_BASE64URL_SECRET and/or
APPROOV_BASE64_SECRET, from the environment or else ./.env. `--secret-env VAR`
reads another variable. `check` reads a keyset's public keys as the servers do
too: APPROOV_JWKS, APPROOV_JWKS_FILE, APPROOV_JWKS_URL; `sign-request --account`
the account message signing key: APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY.

Exit status: 0 done (check: the token is valid), 1 check: the token is refused,
2 bad arguments, no usable secret, key or URL.

Examples:
  approov-token secret > .env
  approov-token mint --bind 'Bearer alice'
  approov-token mint | approov-token check -
  approov-token keyset-key --alg ES256 --kid dev --out es256.pem > jwks.json
  approov-token mint --key es256.pem | APPROOV_JWKS_FILE=jwks.json approov-token check -
  approov-token keygen --out key.pem
  approov-token sign-request --key key.pem http://127.0.0.1:8002/token-message-signing
  approov-token account-key --dotenv >> .env
  approov-token sign-request --key key.pem --account http://127.0.0.1:8002/token-message-signing
  approov-token mint --help";

/// Mint Approov tokens, check them, make secrets and sign requests, for developing and
/// testing a backend that checks Approov tokens.
#[derive(Debug, Parser)]
#[command(name = "approov-token", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Mint a token signed with the secret or a keyset key (the default command)
    Mint(mint::MintArgs),
    /// Check a token against the secret and keys: print its claims, or why it is refused
    Check(check::CheckArgs),
    /// Generate a random secret and print it in both encodings, as .env lines
    Secret(secret::SecretArgs),
    /// Generate a keyset key pair that signs tokens; print its public JWKS
    KeysetKey(keyset_key::KeysetKeyArgs),
    /// Print the public JWKS of keyset key files
    Jwks(jwks::JwksArgs),
    /// Generate an installation key pair for message signing; print its ipk
    Keygen(keygen::KeygenArgs),
    /// Sign a request with an installation key, and the account key as the 3.8 client
    /// does, and print it as a curl command
    SignRequest(sign_request::SignRequestArgs),
    /// Generate an account message signing key; print it in base64url
    AccountKey(account_key::AccountKeyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_command(std::env::args_os().collect()));
    let outcome = match &cli.command {
        Command::Mint(args) => mint::run(args),
        Command::Check(args) => check::run(args),
        Command::Secret(args) => secret::run(args),
        Command::KeysetKey(args) => keyset_key::run(args),
        Command::Jwks(args) => jwks::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::SignRequest(args) => sign_request::run(args),
        Command::AccountKey(args) => account_key::run(args),
    };
    outcome.unwrap_or_else(Failure::report)
}

/// Inserts `mint` when no command is named, so that `approov-token --expires-in 60`
/// (the tool's first form, still in scripts) keeps minting. `--help` and `--version`
/// stay the tool's own.
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    let insert = match args.get(1).map(|arg| arg.to_str()) {
        None => true,
        Some(Some("-h" | "--help" | "-V" | "--version")) => false,
        Some(Some(arg)) => arg.starts_with('-'),
        Some(None) => false, // not UTF-8: clap says what is wrong with it
    };
    if insert {
        args.insert(args.len().min(1), "mint".into());
    }
    args
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn args(line: &[&str]) -> Vec<String> {
        with_default_command(line.iter().map(OsString::from).collect())
            .into_iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn mint_is_the_default_command() {
        assert_eq!(args(&["approov-token"]), ["approov-token", "mint"]);
        assert_eq!(
            args(&["approov-token", "--expires-in", "60"]),
            ["approov-token", "mint", "--expires-in", "60"]
        );
        assert_eq!(
            args(&["approov-token", "check", "-"]),
            ["approov-token", "check", "-"]
        );
        assert_eq!(
            args(&["approov-token", "--help"]),
            ["approov-token", "--help"]
        );
        assert_eq!(args(&["approov-token", "-V"]), ["approov-token", "-V"]);
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
