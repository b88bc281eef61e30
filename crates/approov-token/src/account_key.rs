//! `approov-token account-key`: a new account message signing key, for local
//! development, as `approov secret -messageSigningKey get-base64url` prints a real one.

use std::process::ExitCode;

use approov_core::{AccountKey, ACCOUNT_MESSAGE_SIGNING_KEY_VAR};
use clap::Args;

use crate::failure::{print_line, Failure};
use crate::key_file::write_key;

const EXAMPLES: &str = "\
The key is 32 random bytes from the operating system's generator, written in
base64url without padding. The servers read it from
APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY (the environment, else ./.env) and check the
`account` signature with it; `approov-token sign-request --account` reads the same
variable and adds that signature. --dotenv prints it as that .env line.

With --out FILE: the key goes to FILE (mode 0600 on Unix; an existing file is kept
unless --force), and nothing to stdout. Keep it out of version control.

Examples:
  approov-token account-key --dotenv >> .env   # for the servers and sign-request --account
  KEY=$(approov-token account-key)
  approov-token account-key --out account.key
  APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY=$(cat account.key) approov-token sign-request \\
      --account --key key.pem http://127.0.0.1:8002/token-message-signing";

/// Generate a random account message signing key (32 bytes) and print it in base64url,
/// as `approov secret -messageSigningKey get-base64url` prints the account's.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct AccountKeyArgs {
    /// Write it as the .env line `APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY=<key>`
    #[arg(long)]
    dotenv: bool,
    /// Write the key to this file (mode 0600 on Unix) instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
    /// Replace FILE if it exists
    #[arg(long, requires = "out")]
    force: bool,
}

pub(crate) fn run(args: &AccountKeyArgs) -> Result<ExitCode, Failure> {
    let key = AccountKey::generate()
        .to_base64url()
        .ok_or_else(|| Failure::new("the generated key cannot be written"))?;
    let text = if args.dotenv {
        format!("{ACCOUNT_MESSAGE_SIGNING_KEY_VAR}={key}")
    } else {
        key
    };
    match &args.out {
        Some(path) => write_key(path, &format!("{text}\n"), args.force)?,
        None => print_line(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}
