//! `approov-token keyset-key`: a new key pair for signing tokens, as a key of an
//! Approov keyset, and the JWKS a server checks its tokens with.

use std::path::PathBuf;
use std::process::ExitCode;

use approov_core::{Algorithm, SigningKey};
use clap::Args;

use crate::failure::{print_line, Failure};
use crate::key_file::write_key;
use crate::signing_key::{key_file_text, parse_key_alg};

const EXAMPLES: &str = "\
The private key goes to FILE (mode 0600 on Unix; an existing file is kept unless
--force), as PKCS#8 PEM after two lines, `kid: \"KID\"` and `alg: ALG`, that
`approov-token mint --key FILE` reads (openssl skips them). stdout holds the public
key alone, as a one-line JWKS document: give it to a server in APPROOV_JWKS, or in a
file named by APPROOV_JWKS_FILE. `approov-token jwks FILE...` prints it again, and
the JWKS of several keys.

Examples:
  approov-token keyset-key --alg ES256 --kid dev-es256 --out es256.pem > jwks.json
  APPROOV_JWKS=\"$(approov-token keyset-key --alg EdDSA --kid dev-ed --out ed.pem)\"
  approov-token keyset-key --alg PS256 --kid dev-ps256 --out ps256.pem --force

  approov-token mint --key es256.pem | APPROOV_JWKS_FILE=jwks.json approov-token check -";

/// Generate a key pair that signs tokens, as an Approov keyset key: the private key to
/// a file, the public key as a JWKS on stdout.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct KeysetKeyArgs {
    /// The algorithm: ES256 (EC P-256), EdDSA (Ed25519), RS256 or PS256 (RSA, 2048
    /// bits)
    #[arg(long, value_name = "ALG", value_parser = parse_key_alg)]
    alg: Algorithm,
    /// The key id: tokens name the key by it (their `kid`), the JWKS and the file carry it
    #[arg(long, value_name = "KID", value_parser = parse_kid, allow_hyphen_values = true)]
    kid: String,
    /// Where to write the private key
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &KeysetKeyArgs) -> Result<ExitCode, Failure> {
    let key = SigningKey::generate(args.alg, &args.kid)
        .map_err(|e| Failure::new(format!("cannot generate the key: {e}")))?;
    write_key(&args.out, &key_file_text(&key), args.force)?;
    print_line(&SigningKey::jwks([&key]))?;
    Ok(ExitCode::SUCCESS)
}

/// A key id: any text but none (a JWKS key with an empty `kid` is refused).
fn parse_kid(kid: &str) -> Result<String, String> {
    if kid.is_empty() {
        return Err("a key id cannot be empty".into());
    }
    Ok(kid.to_owned())
}
