//! `approov-token mint`: a token signed with the secret, with the claims asked for.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use approov_core::binding_claim;
use clap::Args;
use serde_json::{Map, Value};

use crate::failure::{print_line, Failure};
use crate::key_file::read_key;
use crate::secret_source::SecretOptions;

/// The `did` of a minted token unless `--did` says otherwise, as the core mints it.
const EXAMPLE_DID: &str = "ExampleApproovDeviceID==";

/// A minted token's lifetime unless `--expires-in` says otherwise, in seconds.
const DEFAULT_EXPIRES_IN: i64 = 300;

const EXAMPLES: &str = "\
The token is printed on stdout, alone. Its claims: exp, iat (now), did, pay when
--bind is given, ipk when --ipk or --ipk-from is; then every --claim, which can
replace any of them; then --omit takes claims out.

A --claim value that parses as JSON is that JSON value, anything else is a string:
  --claim ip=1.2.3.4    \"1.2.3.4\"      --claim n=42        42
  --claim ok=true       true           --claim 'n=\"42\"'    \"42\"
  --claim 'aud=[\"a\"]'   [\"a\"]          --claim note=       \"\"

Examples:
  approov-token mint                                    # valid for 300 s
  approov-token mint --expires-in -60                   # expired a minute ago
  approov-token mint --bind 'Bearer alice'              # bound to that Authorization value
  approov-token mint --bind 'Bearer alice' --bind s-42  # bound to two headers, in order
  approov-token mint --claim ip=1.2.3.4 --claim iat=1700000000
  approov-token mint --ipk-from key.pem                 # for requests key.pem signs
  approov-token mint --omit exp                         # refused: token_missing_expiration
  approov-token mint --secret-env STAGING_SECRET --encoding base64url

  curl -H \"Approov-Token: $(approov-token mint)\" http://127.0.0.1:8002/token-check";

/// Mint a token signed with the secret and print it.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct MintArgs {
    /// Seconds until the token expires; negative mints a token that has already expired
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = DEFAULT_EXPIRES_IN,
        allow_negative_numbers = true
    )]
    expires_in: i64,
    /// The `exp` claim itself, in seconds since the Unix epoch, instead of --expires-in
    #[arg(long, value_name = "UNIX", conflicts_with = "expires_in")]
    exp: Option<u64>,
    /// The `did` claim: the device ID
    #[arg(
        long,
        value_name = "DID",
        default_value = EXAMPLE_DID,
        allow_hyphen_values = true
    )]
    did: String,
    /// Bind the token to this header value (usually the Authorization value): sets
    /// `pay`, base64(SHA-256) of the values in order. Repeat for several headers
    #[arg(
        long = "bind",
        value_name = "VALUE",
        alias = "bind-header-value",
        allow_hyphen_values = true
    )]
    bind: Vec<String>,
    /// The `ipk` claim, for message signing: an installation public key, standard base64
    /// of its DER SubjectPublicKeyInfo (any string is taken, to test refusals)
    #[arg(long, value_name = "IPK", allow_hyphen_values = true)]
    ipk: Option<String>,
    /// The `ipk` claim: the public half of this installation key (a PKCS#8 PEM file, as
    /// `approov-token keygen --out FILE` writes)
    #[arg(long, value_name = "FILE", conflicts_with = "ipk")]
    ipk_from: Option<PathBuf>,
    /// Add or replace a claim; VALUE is JSON when it parses as JSON, else a string.
    /// Repeatable
    #[arg(long = "claim", value_name = "NAME=VALUE", value_parser = parse_claim)]
    claims: Vec<(String, Value)>,
    /// Leave this claim out (exp, iat, did...). Repeatable
    #[arg(long = "omit", value_name = "NAME")]
    omit: Vec<String>,
    #[command(flatten)]
    secret: SecretOptions,
}

pub(crate) fn run(args: &MintArgs) -> Result<ExitCode, Failure> {
    let ipk = match (&args.ipk, &args.ipk_from) {
        (Some(ipk), _) => Some(ipk.clone()),
        (None, Some(path)) => Some(read_key(path, "--ipk-from")?.ipk()),
        (None, None) => None,
    };
    let claims = claims(args, ipk, unix_now())?;
    let token = mint(&args.secret, &claims)?;
    print_line(&token)?;
    Ok(ExitCode::SUCCESS)
}

/// A token as `mint` makes it without options, plus `ipk`: for `sign-request`.
pub(crate) fn token_with_ipk(secret: &SecretOptions, ipk: String) -> Result<String, Failure> {
    let now = unix_now();
    let mut claims = standard_claims(expiry(now, DEFAULT_EXPIRES_IN), now, EXAMPLE_DID);
    claims.insert("ipk".into(), ipk.into());
    mint(secret, &claims)
}

fn mint(secret: &SecretOptions, claims: &Map<String, Value>) -> Result<String, Failure> {
    secret
        .minter()?
        .mint(claims)
        .map_err(|e| Failure::new(e.to_string()))
}

/// The claims asked for, at time `now`.
fn claims(args: &MintArgs, ipk: Option<String>, now: i64) -> Result<Map<String, Value>, Failure> {
    let exp = args.exp.unwrap_or_else(|| expiry(now, args.expires_in));
    let mut claims = standard_claims(exp, now, &args.did);
    if !args.bind.is_empty() {
        let values = bound_values(&args.bind)?;
        claims.insert("pay".into(), binding_claim(values).into());
    }
    if let Some(ipk) = ipk {
        claims.insert("ipk".into(), ipk.into());
    }
    for (name, value) in &args.claims {
        if args.omit.contains(name) {
            return Err(Failure::new(format!(
                "--claim {name}=... and --omit {name} contradict each other"
            )));
        }
        claims.insert(name.clone(), value.clone());
    }
    for name in &args.omit {
        claims.remove(name);
    }
    Ok(claims)
}

/// The claims every minted token starts with.
fn standard_claims(exp: u64, now: i64, did: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("exp".into(), exp.into());
    claims.insert("iat".into(), now.into());
    claims.insert("did".into(), did.into());
    claims
}

/// `exp` for a token that expires `expires_in` seconds after `now`; never negative.
fn expiry(now: i64, expires_in: i64) -> u64 {
    u64::try_from(now.saturating_add(expires_in)).unwrap_or(0)
}

/// The `--bind` values as the servers hash a header: without surrounding white space,
/// and never empty (a server refuses an empty bound header before hashing).
pub(crate) fn bound_values(values: &[String]) -> Result<Vec<&[u8]>, Failure> {
    values
        .iter()
        .map(|value| match value.trim() {
            "" => Err(Failure::new(
                "--bind is empty: a server refuses an empty bound header (missing_binding_header)",
            )),
            value => Ok(value.as_bytes()),
        })
        .collect()
}

/// `NAME=VALUE`: VALUE as JSON when it parses, else as a string.
fn parse_claim(arg: &str) -> Result<(String, Value), String> {
    let (name, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not NAME=VALUE"))?;
    if name.is_empty() {
        return Err(format!("`{arg}` has no claim name before `=`"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((name.to_owned(), value))
}

/// The time, in seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claim_values_are_json_when_they_parse() {
        let parse = |arg| parse_claim(arg).map(|(_, value)| value);
        assert_eq!(parse("ip=1.2.3.4"), Ok(json!("1.2.3.4")));
        assert_eq!(parse("iat=1700000000"), Ok(json!(1_700_000_000)));
        assert_eq!(parse("ok=true"), Ok(json!(true)));
        assert_eq!(parse("n=\"42\""), Ok(json!("42")));
        assert_eq!(parse("aud=[\"a\"]"), Ok(json!(["a"])));
        assert_eq!(parse("note="), Ok(json!("")));
        assert_eq!(parse("eq=a=b"), Ok(json!("a=b")));
        assert!(parse("no-equals").is_err());
        assert!(parse("=value").is_err());
    }
}
