//! `approov-token check`: verifies a token as a server does, now, and says why not.

use std::ffi::OsString;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use approov_core::{
    ApproovClaims, ApproovVerifier, Binding, BindingHeader, KeySet, TokenRejection, MAX_TOKEN_LEN,
};
use clap::Args;

use crate::failure::{print_line, Failure};
use crate::key_file::read_text;
use crate::mint::bound_values;
use crate::secret_source::SecretOptions;

/// The largest JWKS file `--jwks` reads, as large as a server fetches.
const MAX_JWKS_FILE_LEN: u64 = 1024 * 1024;

const EXAMPLES: &str = "\
Without key options the keys are the servers': the secret in APPROOV_BASE64URL_SECRET
and/or APPROOV_BASE64_SECRET, and the public keys of a keyset in APPROOV_JWKS (a JWKS
document), APPROOV_JWKS_FILE (its path) and APPROOV_JWKS_URL (fetched), from the
environment or ./.env. A token's key is chosen by its kid and alg as a server
chooses it. --secret-env or --secret gives the secret instead, and then no server
variable is read. --jwks FILE adds the public keys of a JWKS file to those keys (to
none, when none is set).

A valid token: its claims as JSON on stdout, exit status 0. A refused one:
`code=<code> reason=<reason>` on stdout (the code a server logs and counts), exit
status 1. No usable secret or keys: a message on stderr, exit status 2.

Examples:
  approov-token check \"$TOKEN\"
  approov-token mint --expires-in -5 | approov-token check -    # code=token_expired ...
  approov-token check --bind 'Bearer alice' \"$TOKEN\"            # and its binding
  approov-token check --secret-env STAGING_SECRET --encoding base64url \"$TOKEN\"
  approov-token mint --key es256.pem | approov-token check --jwks jwks.json -
  APPROOV_JWKS=\"$(approov-token jwks es256.pem)\" approov-token check \"$TOKEN\"";

/// Check a token against the secret and keyset keys, at the current time, as a server
/// does.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct CheckArgs {
    /// The token; `-` reads it from standard input
    #[arg(value_name = "TOKEN", allow_hyphen_values = true)]
    token: OsString,
    /// Check the token's binding to this header value too (`pay`). Repeat, in the
    /// order the values were bound
    #[arg(long = "bind", value_name = "VALUE", allow_hyphen_values = true)]
    bind: Vec<String>,
    /// Check against the public keys of this JWKS file too, beside the keys of the
    /// Secret options (by default the servers' variables, when any is set). Repeatable
    #[arg(long, value_name = "FILE")]
    jwks: Vec<PathBuf>,
    #[command(flatten)]
    secret: SecretOptions,
}

pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let values = bound_values(&args.bind)?;
    let verifier = verifier(args)?;
    let token = read_token(&args.token)?;
    let outcome = verifier
        .verify(token.trim())
        .and_then(|claims| check_binding(claims, &values));
    match outcome {
        Ok(claims) => {
            let json = serde_json::to_string_pretty(&claims)
                .map_err(|e| Failure::new(format!("the claims do not print as JSON: {e}")))?;
            print_line(&json)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(rejection) => {
            print_line(&format!("code={} reason={rejection}", rejection.code()))?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The verifier for the key options: the secret options' alone, or with `--jwks` the
/// keys they give, if any, and each file's.
fn verifier(args: &CheckArgs) -> Result<ApproovVerifier, Failure> {
    if args.jwks.is_empty() {
        return args.secret.verifier();
    }
    let mut keys = args.secret.keys_if_any()?;
    for path in &args.jwks {
        let shown = path.display();
        keys = keys
            .with_keys(read_jwks(path)?)
            .map_err(|e| Failure::new(format!("--jwks {shown}: {e}")))?;
    }
    Ok(ApproovVerifier::from_keys(keys))
}

/// The public keys of the JWKS file `path`, read as a server reads APPROOV_JWKS_FILE.
fn read_jwks(path: &Path) -> Result<KeySet, Failure> {
    let json = read_text(path, "--jwks", MAX_JWKS_FILE_LEN, "a JWKS (1 MiB at most)")?;
    KeySet::from_jwks_json(&json)
        .map_err(|e| Failure::new(format!("--jwks {}: not a usable JWKS: {e}", path.display())))
}

/// The token argument, or standard input for `-`. Bytes that are not UTF-8 are kept
/// as replacement characters, which the verifier refuses like any other bad byte.
pub(crate) fn read_token(arg: &OsString) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.to_string_lossy().into_owned());
    }
    // Enough for the longest token the verifier reads and white space around it; a
    // longer input is refused as too long without reading it all.
    let limit = u64::try_from(2 * MAX_TOKEN_LEN).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new(format!("cannot read the token from standard input: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The core's binding check, with each `--bind` value standing for one request header.
fn check_binding(claims: ApproovClaims, values: &[&[u8]]) -> Result<ApproovClaims, TokenRejection> {
    if values.is_empty() {
        return Ok(claims);
    }
    let names: Vec<String> = (1..=values.len()).map(|n| format!("bind-{n}")).collect();
    let binding = Binding::new(
        names
            .iter()
            .map(|name| BindingHeader::new(name.clone()))
            .collect::<Vec<_>>(),
    );
    let header = |name: &str| {
        names
            .iter()
            .position(|bound| bound == name)
            .and_then(|index| values.get(index).copied())
    };
    binding.check(&claims, header).map(|()| claims)
}
