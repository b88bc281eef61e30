//! `approov-token mint`: a token signed with the secret or a keyset key, with the
//! claims asked for.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use approov_core::{binding_claim, Algorithm, TokenMinter};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::Args;
use serde_json::{json, Map, Value};

use crate::failure::{print_line, Failure};
use crate::key_file::read_key;
use crate::secret_source::SecretOptions;
use crate::signing_key::{parse_key_alg, KeyFile};

/// The `did` of a minted token unless `--did` says otherwise, as the core mints it.
const EXAMPLE_DID: &str = "ExampleApproovDeviceID==";

/// A minted token's lifetime unless `--expires-in` says otherwise, in seconds.
const DEFAULT_EXPIRES_IN: i64 = 300;

const EXAMPLES: &str = "\
The token is printed on stdout, alone. Its claims: exp, iat (now), did, pay when
--bind is given, ipk when --ipk or --ipk-from is; then every --claim, which can
replace any of them; then --omit takes claims out.

It is signed HS256 with the secret, or with --key by a keyset key (ES256, RS256,
PS256, EdDSA) as `approov-token keyset-key --out FILE` writes it: its header then
names the key's kid, and its alg is the key's (the file's `alg:` line, else ES256
for EC P-256, EdDSA for Ed25519, RS256 for RSA). --kid and --alg say otherwise;
with the secret, --kid puts a kid in the HS256 header.

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

  approov-token mint --key es256.pem                    # ES256, kid from the file
  approov-token mint --key rsa.pem --alg PS256 --kid k  # a PEM key from elsewhere
  approov-token mint --key es256.pem --kid nobody       # refused: unknown_key_id
  approov-token mint --kid es-1                         # HS256 naming es-1: refused

  curl -H \"Approov-Token: $(approov-token mint)\" http://127.0.0.1:8002/token-check";

/// Mint a token signed with the secret, or a keyset key, and print it.
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
    /// Sign with this keyset key instead of the secret: a PEM private key file, as
    /// `approov-token keyset-key --out FILE` writes (with its kid and alg)
    #[arg(long, value_name = "FILE", conflicts_with = "secret_source")]
    key: Option<PathBuf>,
    /// The algorithm the --key signs with: ES256, RS256, PS256 or EdDSA [default: the
    /// file's `alg:` line, else by key type: ES256, EdDSA, or RS256 for RSA]
    #[arg(long, value_name = "ALG", requires = "key", value_parser = parse_key_alg)]
    alg: Option<Algorithm>,
    /// The `kid` in the token's header: with --key, the key's id [default: the file's
    /// `kid:` line]; with the secret, an HS256 token that names a kid
    #[arg(long, value_name = "KID", allow_hyphen_values = true)]
    kid: Option<String>,
    /// With --key, leave the kid out of the header (a server refuses such a token:
    /// its algorithm is not accepted without a kid)
    #[arg(long, requires = "key", conflicts_with = "kid")]
    no_kid: bool,
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
    let token = match &args.key {
        Some(path) => mint_with_key(args, path, &claims)?,
        None => {
            let minter = args.secret.minter()?;
            let minter = match &args.kid {
                Some(kid) => minter.with_kid(kid),
                None => minter,
            };
            sign(&minter, &claims)?
        }
    };
    print_line(&token)?;
    Ok(ExitCode::SUCCESS)
}

/// A token signed by the keyset key in `path`, named by `--kid` or the file's kid.
fn mint_with_key(
    args: &MintArgs,
    path: &Path,
    claims: &Map<String, Value>,
) -> Result<String, Failure> {
    let file = KeyFile::read(path, "--key")?;
    let kid = match (&args.kid, file.kid()) {
        _ if args.no_kid => None,
        (Some(kid), _) => Some(kid.as_str()),
        (None, Some(kid)) => Some(kid),
        (None, None) => return Err(file.no_kid()),
    };
    let key = file.signing_key(args.alg, kid.unwrap_or_default())?;
    let minter = TokenMinter::from_signing_key(key);
    match kid {
        Some(_) => sign(&minter, claims),
        None => sign_without_kid(&minter, claims),
    }
}

fn sign(minter: &TokenMinter, claims: &Map<String, Value>) -> Result<String, Failure> {
    minter.mint(claims).map_err(|e| Failure::new(e.to_string()))
}

/// A token whose header, `{"alg":...,"typ":"JWT"}`, names no key: the core's minter
/// always names one, so the header is written here and only signed by it.
fn sign_without_kid(minter: &TokenMinter, claims: &Map<String, Value>) -> Result<String, Failure> {
    let header = json!({ "alg": minter.algorithm().name(), "typ": "JWT" });
    let payload = serde_json::to_vec(claims)
        .map_err(|e| Failure::new(format!("the claims are not serializable to JSON: {e}")))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = minter
        .sign(signing_input.as_bytes())
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok(format!("{signing_input}.{signature}"))
}

/// A token as `mint` makes it without options, plus `ipk` when given: for
/// `sign-request`.
pub(crate) fn token_with_ipk(
    secret: &SecretOptions,
    ipk: Option<String>,
) -> Result<String, Failure> {
    let now = unix_now();
    let mut claims = standard_claims(expiry(now, DEFAULT_EXPIRES_IN), now, EXAMPLE_DID);
    if let Some(ipk) = ipk {
        claims.insert("ipk".into(), ipk.into());
    }
    mint(secret, &claims)
}

fn mint(secret: &SecretOptions, claims: &Map<String, Value>) -> Result<String, Failure> {
    sign(&secret.minter()?, claims)
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
