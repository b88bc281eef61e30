//! `approov-token jwks`: the public JWKS of keyset key files, one or several.

use std::path::PathBuf;
use std::process::ExitCode;

use approov_core::{Algorithm, SigningKey};
use clap::Args;

use crate::failure::{print_line, Failure};
use crate::signing_key::{parse_key_alg, KeyFile};

const EXAMPLES: &str = "\
The JWKS is printed on stdout as one line, `{\"keys\":[...]}`, the keys in the order
of the files: what a server is given in APPROOV_JWKS or APPROOV_JWKS_FILE. Each key
carries its kid and alg from its file, as `approov-token keyset-key` writes it. For a
PEM key from elsewhere, give one FILE with --kid (and --alg for PS256: an RSA key is
RS256 unless --alg says).

Examples:
  approov-token jwks es256.pem                          # the JWKS keyset-key printed
  approov-token jwks old.pem new.pem > jwks.json        # two keys, for a rotation
  approov-token jwks --kid ext-1 --alg PS256 openssl-rsa.pem";

/// Print the public JWKS of keyset key files, as `keyset-key` writes them.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct JwksArgs {
    /// The private key files
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The key id of a file without a `kid:` line (one FILE only)
    #[arg(long, value_name = "KID", allow_hyphen_values = true)]
    kid: Option<String>,
    /// The algorithm of a file without an `alg:` line (one FILE only) [default: ES256
    /// for EC P-256, EdDSA for Ed25519, RS256 for RSA]
    #[arg(long, value_name = "ALG", value_parser = parse_key_alg)]
    alg: Option<Algorithm>,
}

pub(crate) fn run(args: &JwksArgs) -> Result<ExitCode, Failure> {
    if args.files.len() > 1 && (args.kid.is_some() || args.alg.is_some()) {
        return Err(Failure::new(
            "--kid and --alg describe one key: give them with one FILE (a file from \
             keyset-key carries its own)",
        ));
    }
    let mut keys: Vec<(SigningKey, String)> = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let file = KeyFile::read(path, "")?;
        let kid = match (&args.kid, file.kid()) {
            (Some(kid), _) => kid.as_str(),
            (None, Some(kid)) => kid,
            (None, None) => return Err(file.no_kid()),
        };
        if kid.is_empty() {
            return Err(Failure::new("--kid is empty: a key id names the key"));
        }
        let shown = path.display().to_string();
        if let Some((_, first)) = keys.iter().find(|(key, _)| key.kid() == kid) {
            return Err(Failure::new(format!(
                "{first} and {shown} have the same kid, {}: a kid names one key of a JWKS",
                serde_json::Value::from(kid)
            )));
        }
        keys.push((file.signing_key(args.alg, kid)?, shown));
    }
    print_line(&SigningKey::jwks(keys.iter().map(|(key, _)| key)))?;
    Ok(ExitCode::SUCCESS)
}
