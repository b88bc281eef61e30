//! `approov-token keygen`: a new installation key pair, as the Approov SDK makes one
//! for each app installation.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use approov_core::InstallationKey;
use clap::Args;

use crate::failure::{print_line, Failure};
use crate::key_file::write_key;

const EXAMPLES: &str = "\
With --out FILE: the private key goes to FILE (mode 0600 on Unix; an existing file
is kept unless --force), and stdout holds the ipk alone. Without: the private key
goes to stdout as PEM, and the ipk to stderr as `ipk: <ipk>`.

The ipk is the public key as a token's `ipk` claim carries it: standard base64 of
its DER SubjectPublicKeyInfo. `approov-token mint --ipk-from FILE` puts it in a
token; `approov-token sign-request --key FILE URL` signs a request with the key.

Examples:
  approov-token keygen --out key.pem           # prints the ipk
  IPK=$(approov-token keygen --out key.pem)
  approov-token keygen --out key.pem --force   # replaces key.pem";

/// Generate a P-256 installation key pair: the private key as PKCS#8 PEM, and its
/// public half as the `ipk` claim carries it.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct KeygenArgs {
    /// Write the private key to this file (mode 0600 on Unix) and print only the ipk
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace FILE if it exists
    #[arg(long, requires = "out")]
    force: bool,
}

pub(crate) fn run(args: &KeygenArgs) -> Result<ExitCode, Failure> {
    let key = InstallationKey::generate();
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| Failure::new(e.to_string()))?;
    match &args.out {
        Some(path) => {
            write_key(path, &pem, args.force)?;
            print_line(&key.ipk())?;
        }
        None => {
            print_line(pem.trim_end())?;
            // Labelled, and apart from the key, so that `> key.pem` keeps only the key.
            let _ = writeln!(io::stderr().lock(), "ipk: {}", key.ipk());
        }
    }
    Ok(ExitCode::SUCCESS)
}
