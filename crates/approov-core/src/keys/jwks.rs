//! Reading a JWKS document (RFC 7517) into public keys: which keys are used, which
//! are skipped and which refuse the whole document is documented on
//! [`KeySet::with_jwks_json`](crate::KeySet::with_jwks_json).

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::algorithm::Algorithm;
use super::error::{shown, KeyError};
use super::public::PublicKey;

/// JWK members are base64url without padding (RFC 7515 §2); padding is tolerated.
const JWK_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The members that only a private key has.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// What to do with one key of the document.
enum Read {
    Use(PublicKey),
    Skip(String),
    Refuse(String),
}

/// The public keys of a JWKS document, in its order.
pub(crate) fn parse(json: &str) -> Result<Vec<PublicKey>, KeyError> {
    let document: Value = serde_json::from_str(json).map_err(|e| KeyError::JwksNotJson {
        reason: e.to_string(),
    })?;
    let keys = document
        .as_object()
        .and_then(|object| object.get("keys"))
        .and_then(Value::as_array)
        .ok_or(KeyError::JwksShape)?;
    let mut used: Vec<PublicKey> = Vec::new();
    let mut skipped = 0;
    for (index, jwk) in keys.iter().enumerate() {
        let kid = jwk.get("kid").and_then(Value::as_str).map(shown);
        let read = match jwk.as_object() {
            Some(jwk) => read(jwk),
            None => Read::Refuse("not a JSON object".into()),
        };
        match read {
            Read::Use(key) => used.push(key),
            Read::Skip(why) => {
                skipped += 1;
                tracing::debug!(index, kid = kid.as_deref().unwrap_or("none"), why = %why, "JWKS key skipped");
            }
            Read::Refuse(reason) => return Err(KeyError::Jwk { index, kid, reason }),
        }
    }
    if used.is_empty() {
        return Err(KeyError::JwksNoUsableKey { skipped });
    }
    Ok(used)
}

/// A string member, `None` when absent.
fn text<'j>(jwk: &'j Map<String, Value>, name: &str) -> Result<Option<&'j str>, String> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(format!("`{name}` is not a string")),
    }
}

/// A base64url member, required.
fn bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let value = text(jwk, name)?.ok_or_else(|| format!("has no `{name}`"))?;
    JWK_BASE64
        .decode(value)
        .map_err(|_| format!("`{name}` is not base64url"))
}

fn read(jwk: &Map<String, Value>) -> Read {
    match classify(jwk) {
        Ok(Ok((kid, alg, kty))) => match build(jwk, kid, alg, kty) {
            Ok(key) => Read::Use(key),
            Err(reason) => Read::Refuse(reason),
        },
        Ok(Err(skip)) => Read::Skip(skip),
        Err(reason) => Read::Refuse(reason),
    }
}

/// The key's id, algorithm and type when it is one to use; `Ok(Err(why))` when it is
/// skipped; `Err(why)` when it refuses the document.
#[allow(clippy::type_complexity)]
fn classify(jwk: &Map<String, Value>) -> Result<Result<(&str, Algorithm, &str), String>, String> {
    if let Some(usage) = text(jwk, "use")? {
        if usage != "sig" {
            return Ok(Err(format!("`use` is {}", shown(usage))));
        }
    }
    if let Some(ops) = jwk.get("key_ops") {
        let ops = ops.as_array().ok_or("`key_ops` is not an array")?;
        if !ops.iter().any(|op| op == "verify") {
            return Ok(Err("`key_ops` lacks `verify`".into()));
        }
    }
    let kty = text(jwk, "kty")?.ok_or("has no `kty`")?;
    if kty == "oct" {
        return Err(
            "is a secret (`kty` oct): a JWKS holds public keys; give an HS256 secret \
                    in APPROOV_BASE64URL_SECRET or with KeySet::with_hs256_secret"
                .into(),
        );
    }
    if !matches!(kty, "RSA" | "EC" | "OKP") {
        return Ok(Err(format!("`kty` {} is not checked here", shown(kty))));
    }
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
        return Err(format!(
            "holds a private key (`{member}`): a JWKS must hold public keys only"
        ));
    }
    let alg = match text(jwk, "alg")? {
        None => None,
        Some(name) => match Algorithm::from_jose(name) {
            Some(Algorithm::HS256) => return Err("`alg` HS256 is for secrets, not keys".into()),
            Some(alg) => Some(alg),
            None => return Ok(Err(format!("`alg` {} is not checked here", shown(name)))),
        },
    };
    let alg = match kty {
        "RSA" => alg.unwrap_or(Algorithm::RS256),
        "EC" => {
            let crv = text(jwk, "crv")?.ok_or("has no `crv`")?;
            if crv != "P-256" {
                if alg.is_some() {
                    return Err(format!("`crv` {} does not fit `alg` ES256", shown(crv)));
                }
                return Ok(Err(format!("`crv` {} is not checked here", shown(crv))));
            }
            alg.unwrap_or(Algorithm::ES256)
        }
        _ => {
            let crv = text(jwk, "crv")?.ok_or("has no `crv`")?;
            if crv != "Ed25519" {
                return Ok(Err(format!("`crv` {} is not checked here", shown(crv))));
            }
            alg.unwrap_or(Algorithm::EdDSA)
        }
    };
    let fits = match kty {
        "RSA" => matches!(alg, Algorithm::RS256 | Algorithm::PS256),
        "EC" => alg == Algorithm::ES256,
        _ => alg == Algorithm::EdDSA,
    };
    if !fits {
        return Err(format!("`alg` {alg} does not fit a `kty` {kty} key"));
    }
    let kid = match text(jwk, "kid")? {
        Some("") => return Err("`kid` is empty".into()),
        Some(kid) => kid,
        None => {
            return Err(
                "has no `kid`: a token names its public key by `kid`, so each key needs one".into(),
            )
        }
    };
    Ok(Ok((kid, alg, kty)))
}

fn build(
    jwk: &Map<String, Value>,
    kid: &str,
    alg: Algorithm,
    kty: &str,
) -> Result<PublicKey, String> {
    match kty {
        "RSA" => PublicKey::rsa(kid, alg, &bytes(jwk, "n")?, &bytes(jwk, "e")?),
        "EC" => {
            let (x, y) = (bytes(jwk, "x")?, bytes(jwk, "y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err("`x` and `y` of a P-256 key are 32 bytes each".into());
            }
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            PublicKey::p256(kid, &point)
        }
        _ => PublicKey::ed25519(kid, &bytes(jwk, "x")?),
    }
}
