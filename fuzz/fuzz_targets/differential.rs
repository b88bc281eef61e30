//! Differential target (issue #14): the fuzzer chooses the JOSE header and the claims
//! as raw JSON bytes, the target signs them with the verifier's own secret (as an
//! attacker holding the key would), and our verdict must agree with a reference
//! decode by jsonwebtoken's own API set to the same rules — modulo the documented
//! differences below, each a precise predicate on the input.
//!
//! Input layout (see `README.md`; `seeds/differential` has examples):
//!
//! | bytes | meaning |
//! |---|---|
//! | 0 | bits 0-3, the token's shape: 0..=9 canonical, 10 `=` after the header segment, 11 `=` after the payload segment, 12 standard (`+/`) alphabet, 13 signed with another secret, 14 one signature bit flipped (which: from the lengths), 15 a fourth segment; bit 4: the header bytes are grammar, bit 5: the claims bytes are grammar (see [`grammar`]) |
//! | 1..3 | header length, u16 little-endian (capped at what is left) |
//! | 3.. | that many header bytes, then the claims bytes (the rest) |
//!
//! Raw bytes find what a JSON parser lets through; the grammar builds members from a
//! vocabulary of names and values (repeats, nulls, every JSON type, arrays for objects)
//! that raw mutation rarely puts together.
//!
//! Our verifier runs at the fixed time [`NOW`]; jsonwebtoken reads the system clock.
//! The comparison is skipped (both still run, for panics) when a top-level numeric
//! `exp` or `nbf` lies between the two clocks, within [`CLOCK_MARGIN`] seconds: every
//! other value is on the same side of both clocks. The seeds use 4102444800 (2100)
//! and 1000000000 (2001).
//!
//! Documented differences (D), each checked as a predicate; inputs for each are in
//! `regressions/differential-probes`. Anything else is a disagreement and stops the run.
//! The bugs in the core this target found (F1-F3, below) are fixed; their reproducers in
//! `regressions/differential` must pass:
//!
//! - D1 we refuse a token longer than `MAX_TOKEN_LEN` (8 KiB); jsonwebtoken has no limit.
//! - D2 we refuse a header segment longer than 512 characters; jsonwebtoken has no limit.
//! - D3 we refuse a header with a non-null `crit`; jsonwebtoken ignores `crit` (it only
//!   types it: a list of strings).
//! - D4 we refuse a claim that appears twice; serde_json's `Value` keeps the last one,
//!   and jsonwebtoken refuses only a repeated `exp`, `nbf`, `sub`, `iss` or `aud`.
//! - D5 the claims must be a JSON object; jsonwebtoken also takes any JSON value for
//!   `Value`, and a 5-element array as its (derived) validation struct:
//!   `[4102444800,0,null,null,null]` passes it.
//! - D6 JOSE members we never read are not typed: jsonwebtoken refuses `typ`, `cty`,
//!   `jku`, `x5u`, `x5t`, `x5t#S256`, `url`, `nonce`, `enc`, `zip` that are not strings,
//!   an `x5c` that is not a list of strings, a `jwk` that is not a JWK; we ignore them.
//! - D7 a repeated JOSE member other than `alg`, `kid`, `crit`: jsonwebtoken's derived
//!   `Header` refuses it (`duplicate field`), we ignore it (we refuse repeated `alg`,
//!   `kid`, `crit`, as jsonwebtoken does).
//! - D8 a `sub` claim that is an array or an object: jsonwebtoken refuses the token
//!   ("expected `,` or `}`"), a bug of its own: its `TryParse` swallows the type error of
//!   a streaming deserializer left before the value, and the struct then fails to parse.
//!   We keep `sub` as JSON. (Also jsonwebtoken 11.1.0's behaviour for `exp`/`nbf`, but we
//!   refuse those as not NumericDates anyway.)
//! - D10 a typed claim (`ip`, `did`, `arc`, `pay`, `ipk`) that is not a string is kept in
//!   `other` as JSON; one that is `null` is dropped (neither typed nor in `other`).
//!   jsonwebtoken's `Value` has it as is.
//! - D11 a NumericDate written as a float (`4102444800.5`, `41024448E2`) is truncated
//!   by us and rounded by jsonwebtoken: the claims compare with `exp == trunc(value)`;
//!   the verdicts differ only within a second of the clock, which the window excludes.
//! - D12 `exp` boundary: we expire at `now >= exp` (RFC 7519 4.1.4), jsonwebtoken at
//!   `exp < now - leeway` (it accepts `exp == now`); `nbf` is the same on both sides
//!   (`now < nbf` refused). Not observable here: the window excludes it.
//! - F1 (fixed) a JOSE header that was a JSON array was accepted (serde's derived
//!   `Deserialize` also takes a sequence, `["HS256",null,null]`).
//! - F2 (fixed) the header members we skipped were not validated as text: invalid UTF-8
//!   and unpaired surrogate escapes passed (RFC 7515 5.2: the header is UTF-8 JSON).
//!   The fix reads them as JSON values, so nesting deeper than 128 and numbers beyond
//!   f64 are refused too, as jsonwebtoken does (formerly difference D9).
//! - F3 (fixed) "a claim appears twice" was not enforced when the earlier occurrences
//!   of a typed claim were `null`: `{"exp":4102444800,"did":null,"did":"x"}` passed.
#![no_main]

use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use approov_core::{ApproovClaims, ApproovVerifier, TokenRejection, MAX_TOKEN_LEN};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, TokenData, Validation};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::Value;
use sha2::Sha256;

/// The verifier's secret (and jsonwebtoken's key).
const SECRET: &[u8] = b"fuzz-secret-not-guessable-0123456789";
/// What shape 13 signs with instead.
const OTHER_SECRET: &[u8] = b"a-secret-the-verifier-does-not-have";
/// Our verifier's clock: 2026-11-18T09:46:40Z.
const NOW: u64 = 1_795_000_000;
/// Seconds either side of the two clocks where `exp`/`nbf` make the verdicts depend on
/// the second (and on rounding versus truncation, D11).
const CLOCK_MARGIN: f64 = 2.0;
/// Our limit on the header segment (`verifier.rs`, not public).
const MAX_HEADER_SEGMENT: usize = 512;
/// The claims we type when they are strings.
const TYPED: [&str; 5] = ["ip", "did", "arc", "pay", "ipk"];
/// JOSE members jsonwebtoken's `Header` types as an optional string (D6).
const JWT_STRING_MEMBERS: [&str; 10] = [
    "typ", "cty", "jku", "x5u", "x5t", "x5t#S256", "url", "nonce", "enc", "zip",
];
/// Every named field of jsonwebtoken's `Header` (a repeat of one is refused, D7).
const JWT_HEADER_FIELDS: [&str; 15] = [
    "typ", "alg", "cty", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "crit", "enc",
    "zip", "url", "nonce",
];

fn verifier() -> &'static ApproovVerifier {
    static VERIFIER: OnceLock<ApproovVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        ApproovVerifier::from_base64_secret(&STANDARD.encode(SECRET))
            .expect("the fuzz secret is base64")
    })
}

fn reference() -> &'static (DecodingKey, Validation) {
    static REFERENCE: OnceLock<(DecodingKey, Validation)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 0;
        validation.reject_tokens_expiring_in_less_than = 0;
        validation.required_spec_claims = HashSet::from(["exp".to_owned()]);
        validation.validate_aud = false;
        validation.aud = None;
        validation.iss = None;
        validation.sub = None;
        (DecodingKey::from_secret(SECRET), validation)
    })
}

/// Says on stderr, once per label (what comes before the first space), that a
/// documented difference or the clock window was met, and where:
/// which rules a run has exercised.
fn note(label: &str, input: &Input) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let key = label.split(' ').next().unwrap_or(label);
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if seen.insert(key.to_owned()) {
        let shown = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(160)]).into_owned();
            if bytes.len() > 160 {
                format!("{text:?}... ({} bytes)", bytes.len())
            } else {
                format!("{text:?}")
            }
        };
        eprintln!(
            "[differential] first {label}: header {} claims {}",
            shown(&input.header),
            shown(&input.claims),
        );
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Canonical,
    PaddedHeader,
    PaddedPayload,
    StandardAlphabet,
    WrongKey,
    FlippedSignatureBit,
    FourSegments,
}

impl Shape {
    fn from_byte(b: u8) -> Shape {
        match b % 16 {
            0..=9 => Shape::Canonical,
            10 => Shape::PaddedHeader,
            11 => Shape::PaddedPayload,
            12 => Shape::StandardAlphabet,
            13 => Shape::WrongKey,
            14 => Shape::FlippedSignatureBit,
            _ => Shape::FourSegments,
        }
    }

    /// Not signed over its own segments with the verifier's key: must never pass.
    fn forged(self) -> bool {
        matches!(self, Shape::WrongKey | Shape::FlippedSignatureBit)
    }
}

struct Input {
    shape: Shape,
    header: Vec<u8>,
    claims: Vec<u8>,
}

impl Input {
    fn parse(data: &[u8]) -> Option<Self> {
        let (&[flags, lo, hi], rest) = data.split_first_chunk::<3>()?;
        let len = usize::from(u16::from_le_bytes([lo, hi])).min(rest.len());
        let (header, claims) = rest.split_at(len);
        Some(Input {
            shape: Shape::from_byte(flags),
            header: if flags & 0x10 != 0 {
                grammar(header, &HEADER_NAMES)
            } else {
                header.to_vec()
            },
            claims: if flags & 0x20 != 0 {
                grammar(claims, &CLAIM_NAMES)
            } else {
                claims.to_vec()
            },
        })
    }

    /// The compact token, signed with HMAC-SHA256 as the shape says.
    fn token(&self) -> String {
        let engine = if self.shape == Shape::StandardAlphabet {
            &STANDARD_NO_PAD
        } else {
            &URL_SAFE_NO_PAD
        };
        let mut header = engine.encode(&self.header);
        let mut payload = engine.encode(&self.claims);
        match self.shape {
            Shape::PaddedHeader => header.push('='),
            Shape::PaddedPayload => payload.push('='),
            Shape::FourSegments => payload = format!("{payload}.{payload}"),
            _ => {}
        }
        let signing_input = format!("{header}.{payload}");
        let key = if self.shape == Shape::WrongKey {
            OTHER_SECRET
        } else {
            SECRET
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(signing_input.as_bytes());
        let mut signature = mac.finalize().into_bytes();
        if self.shape == Shape::FlippedSignatureBit {
            // Every byte of the comparison put to the test, the input picking which.
            let at = (self.header.len() + self.claims.len()) % signature.len();
            signature[at] ^= 1 << (self.claims.len() % 8);
        }
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// JOSE member names the header grammar picks from (JSON, escapes and all).
const HEADER_NAMES: [&str; 16] = [
    r#""alg""#,
    r#""typ""#,
    r#""kid""#,
    r#""crit""#,
    r#""jwk""#,
    r#""x5c""#,
    r#""cty""#,
    r#""enc""#,
    r#""zip""#,
    r#""nonce""#,
    r#""x5t#S256""#,
    r#""b64""#,
    r#""\u0061lg""#,
    r#""ALG""#,
    r#""x""#,
    r#""""#,
];
/// Claim names the claims grammar picks from.
const CLAIM_NAMES: [&str; 16] = [
    r#""exp""#,
    r#""nbf""#,
    r#""iat""#,
    r#""ip""#,
    r#""did""#,
    r#""arc""#,
    r#""pay""#,
    r#""ipk""#,
    r#""sub""#,
    r#""iss""#,
    r#""aud""#,
    r#""jti""#,
    r#""\u0065xp""#,
    r#""EXP""#,
    r#""x""#,
    r#""""#,
];
/// JSON values both grammars pick from: dates far from the clocks, the edges of a
/// NumericDate, every JSON type, algorithm names, escapes.
const VALUES: [&str; 32] = [
    r#""HS256""#,
    r#""hs256""#,
    r#""none""#,
    r#""RS256""#,
    r#""JWT""#,
    "4102444800",
    "1000000000",
    "4102444800.9",
    "1000000000.5",
    "-1",
    "-0.0",
    "0",
    "18446744073709551615",
    "18446744073709551616",
    "1e400",
    "null",
    "true",
    r#""""#,
    r#""a""#,
    r#""\ud800""#,
    "[]",
    r#"["a"]"#,
    "[1]",
    "{}",
    r#"{"kty":"oct","k":"AA"}"#,
    r#""4102444800""#,
    r#""HS\u0032\u0035\u0036""#,
    "[[[]]]",
    r#"{"a":[1,{"b":null}]}"#,
    "1.0e10",
    "2e-5",
    r#""\u00e9\ud83d\ude00""#,
];

/// Builds JSON from bytes: the first picks the form (0 and 1 an object, 2 an array of
/// the values, 3 an object with white space), then each pair of bytes a member: a
/// name from `names`, a value from [`VALUES`]. Structure-aware: repeats, nulls, every
/// type in every place, in few mutations.
fn grammar(bytes: &[u8], names: &[&str]) -> Vec<u8> {
    let (form, rest) = bytes.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let members: Vec<(&str, &str)> = rest
        .chunks(2)
        .map(|pair| {
            let name = names[usize::from(pair[0]) % names.len()];
            let value = VALUES[usize::from(pair.get(1).copied().unwrap_or(0)) % VALUES.len()];
            (name, value)
        })
        .collect();
    let json = match form % 4 {
        2 => {
            let values: Vec<&str> = members.iter().map(|(_, v)| *v).collect();
            format!("[{}]", values.join(","))
        }
        3 => {
            let members: Vec<String> = members.iter().map(|(n, v)| format!("{n} : {v}")).collect();
            format!("{{ {} }}\n", members.join(" ,\t"))
        }
        _ => {
            let members: Vec<String> = members.iter().map(|(n, v)| format!("{n}:{v}")).collect();
            format!("{{{}}}", members.join(","))
        }
    };
    json.into_bytes()
}

/// A JSON object's members in order, repeats kept; `None` unless the bytes are exactly
/// one JSON object, read as serde_json reads a `Value`.
fn members(bytes: &[u8]) -> Option<Vec<(String, Value)>> {
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, Value)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::new();
            while let Some(member) = map.next_entry::<String, Value>()? {
                members.push(member);
            }
            Ok(members)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let members = deserializer.deserialize_map(Members).ok()?;
    deserializer.end().ok()?;
    Some(members)
}

/// The first name that appears twice.
fn repeated(members: &[(String, Value)]) -> Option<&str> {
    let mut seen = HashSet::new();
    members
        .iter()
        .map(|(name, _)| name.as_str())
        .find(|name| !seen.insert(*name))
}

/// What is known about an input, independently of both verifiers.
struct Facts {
    token_len: usize,
    header_segment_len: usize,
    header: Option<Vec<(String, Value)>>,
    claims: Option<Vec<(String, Value)>>,
    claims_value: Result<Value, String>,
}

impl Facts {
    fn of(input: &Input, token: &str) -> Facts {
        let value =
            |bytes: &[u8]| serde_json::from_slice::<Value>(bytes).map_err(|e| without_position(&e));
        Facts {
            token_len: token.len(),
            header_segment_len: token.split('.').next().map_or(0, str::len),
            header: members(&input.header),
            claims: members(&input.claims),
            claims_value: value(&input.claims),
        }
    }

    fn header_member(&self, name: &str) -> Option<&Value> {
        self.header
            .as_ref()?
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Why we may refuse what jsonwebtoken accepts: the difference our rejection is
    /// explained by, if any.
    fn stricter(&self, rejection: &TokenRejection) -> Option<&'static str> {
        match rejection {
            TokenRejection::TooLong if self.token_len > MAX_TOKEN_LEN => Some("D1 token too long"),
            TokenRejection::Malformed("header too long")
                if self.header_segment_len > MAX_HEADER_SEGMENT =>
            {
                Some("D2 header segment too long")
            }
            TokenRejection::Malformed("header has crit extensions")
                if self.header_member("crit").is_some_and(|v| !v.is_null()) =>
            {
                Some("D3 crit")
            }
            TokenRejection::InvalidClaims("a claim appears twice")
                if self.claims.as_deref().and_then(repeated).is_some() =>
            {
                Some("D4 repeated claim")
            }
            TokenRejection::InvalidClaims("not a JSON object")
                if self.claims_value.as_ref().is_ok_and(|v| !v.is_object()) =>
            {
                Some("D5 claims not an object")
            }
            _ => None,
        }
    }

    /// Why we may accept what jsonwebtoken refuses: a documented difference. Each
    /// holds only when jsonwebtoken's error is the one the difference makes.
    fn more_lenient(&self, refusal: &ErrorKind) -> Option<String> {
        let ErrorKind::Json(error) = refusal else {
            return None;
        };
        let theirs = without_position(error);
        if let Some(header) = &self.header {
            for (name, value) in header {
                let untyped = if JWT_STRING_MEMBERS.contains(&name.as_str()) {
                    !(value.is_string() || value.is_null())
                        && theirs.starts_with("invalid type:")
                        && theirs.ends_with("expected a string")
                } else if name == "x5c" {
                    !(value.is_null()
                        || value
                            .as_array()
                            .is_some_and(|items| items.iter().all(Value::is_string)))
                        && theirs.starts_with("invalid type:")
                } else if name == "jwk" {
                    // Whatever the JWK's own parse says.
                    serde_json::from_value::<jsonwebtoken::jwk::Jwk>(value.clone())
                        .is_err_and(|e| without_position(&e) == theirs)
                } else {
                    false
                };
                if untyped {
                    return Some(format!("D6 JOSE member `{name}` of another type"));
                }
            }
            if let Some(name) = repeated(header) {
                if JWT_HEADER_FIELDS.contains(&name)
                    && theirs == format!("duplicate field `{name}`")
                {
                    return Some(format!("D7 JOSE member `{name}` repeated"));
                }
            }
        }
        let sub_not_scalar = self.claims.as_ref().is_some_and(|claims| {
            claims
                .iter()
                .any(|(name, value)| name == "sub" && (value.is_array() || value.is_object()))
        });
        if sub_not_scalar && theirs == "expected `,` or `}`" {
            return Some("D8 `sub` is an array or an object".into());
        }
        None
    }
}

/// serde_json's message without " at line 1 column 5".
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// A top-level `exp`/`nbf` between the two clocks: the verdicts may differ by time alone.
fn near_the_clocks(claims: &[u8], clock_before: u64, clock_after: u64) -> bool {
    let low = NOW.min(clock_before) as f64 - CLOCK_MARGIN;
    let high = NOW.max(clock_after) as f64 + CLOCK_MARGIN;
    members(claims).is_some_and(|members| {
        members.iter().any(|(name, value)| {
            (name == "exp" || name == "nbf")
                && value.as_f64().is_some_and(|t| (low..=high).contains(&t))
        })
    })
}

/// Our NumericDate: a u64, or a non-negative float below 2^64, truncated.
fn numeric_date(value: &Value) -> Option<u64> {
    if let Some(n) = value.as_u64() {
        return Some(n);
    }
    let f = value.as_f64()?;
    (f.is_finite() && f >= 0.0 && f < u64::MAX as f64).then_some(f as u64)
}

fn typed<'c>(claims: &'c ApproovClaims, name: &str) -> Option<&'c String> {
    match name {
        "ip" => claims.ip.as_ref(),
        "did" => claims.did.as_ref(),
        "arc" => claims.arc.as_ref(),
        "pay" => claims.pay.as_ref(),
        _ => claims.ipk.as_ref(),
    }
}

struct Case<'a> {
    input: &'a Input,
    token: &'a str,
    ours: &'a Result<ApproovClaims, TokenRejection>,
    theirs: &'a Result<TokenData<Value>, jsonwebtoken::errors::Error>,
}

impl Case<'_> {
    fn disagree(&self, what: &str) -> ! {
        panic!(
            "DISAGREEMENT: {what}\n  header: {:?}\n  claims: {:?}\n  shape: {:?}\n  token: {}\n  \
             ours (at {NOW}): {:?}\n  jsonwebtoken: {:?}",
            String::from_utf8_lossy(&self.input.header),
            String::from_utf8_lossy(&self.input.claims),
            self.input.shape,
            self.token,
            self.ours,
            self.theirs.as_ref().map(|data| &data.claims),
        )
    }

    /// Our own rules on an accepted token, whatever jsonwebtoken says.
    fn our_rules(&self, claims: &ApproovClaims) {
        if self.input.shape.forged() {
            self.disagree("a token not signed with the verifier's key was accepted");
        }
        if NOW >= claims.exp {
            self.disagree("accepted at or after its exp");
        }
        if claims.nbf.is_some_and(|nbf| NOW < nbf) {
            self.disagree("accepted before its nbf");
        }
        if claims.other.contains_key("exp") || claims.other.contains_key("nbf") {
            self.disagree("exp/nbf in other");
        }
        match serde_json::from_slice::<ApproovClaims>(&self.input.claims) {
            Ok(parsed) if parsed == *claims => {}
            other => self.disagree(&format!(
                "ApproovClaims' Deserialize reads the accepted claims otherwise: {other:?}"
            )),
        }
        let Some(members) = members(&self.input.claims) else {
            self.disagree("accepted claims that are not a JSON object");
        };
        if let Some(name) = repeated(&members) {
            self.disagree(&format!("accepted with the claim `{name}` twice"));
        }
    }

    /// Both accepted: our claims are the reference's `Value`, modulo D10 and D11.
    fn same_claims(&self, ours: &ApproovClaims, theirs: &Value) {
        let Some(theirs) = theirs.as_object() else {
            self.disagree("both accepted, the reference's claims are not an object");
        };
        for (name, value) in theirs {
            if TYPED.contains(&name.as_str()) && !value.is_string() {
                note("D10 a typed claim that is not a string", self.input);
            }
            if (name == "exp" || name == "nbf") && value.is_f64() {
                note("D11 a NumericDate written as a float", self.input);
            }
            let same = match name.as_str() {
                "exp" => numeric_date(value) == Some(ours.exp),
                "nbf" => ours.nbf.is_some() && numeric_date(value) == ours.nbf,
                typed_name if TYPED.contains(&typed_name) => {
                    let kept = ours.other.get(typed_name);
                    match value {
                        Value::String(text) => {
                            typed(ours, typed_name) == Some(text) && kept.is_none()
                        }
                        Value::Null => typed(ours, typed_name).is_none() && kept.is_none(),
                        _ => typed(ours, typed_name).is_none() && kept == Some(value),
                    }
                }
                _ => ours.other.get(name) == Some(value),
            };
            if !same {
                self.disagree(&format!("claim `{name}` differs"));
            }
        }
        for name in ours.other.keys() {
            if !theirs.contains_key(name) {
                self.disagree(&format!("we have a claim `{name}` the reference does not"));
            }
        }
        for name in TYPED {
            if typed(ours, name).is_some() && !theirs.contains_key(name) {
                self.disagree(&format!("we have `{name}`, the reference does not"));
            }
        }
        if ours.nbf.is_some() && !theirs.contains_key("nbf") {
            self.disagree("we have an nbf, the reference does not");
        }
    }

    fn compare(&self, facts: &Facts) {
        match (self.ours, self.theirs) {
            (Ok(ours), Ok(theirs)) => self.same_claims(ours, &theirs.claims),
            (Err(rejection), Ok(_)) => match facts.stricter(rejection) {
                Some(difference) => note(difference, self.input),
                None => self.disagree("we refused what jsonwebtoken accepted"),
            },
            (Ok(_), Err(refusal)) => match facts.more_lenient(refusal.kind()) {
                Some(difference) => note(&difference, self.input),
                None => self.disagree("we accepted what jsonwebtoken refused"),
            },
            (Err(rejection), Err(refusal)) => {
                // jsonwebtoken got through everything but the time or claim checks: we
                // must refuse for the same reason, or an earlier stricter one.
                let same_reason = match refusal.kind() {
                    ErrorKind::ExpiredSignature => *rejection == TokenRejection::Expired,
                    ErrorKind::ImmatureSignature => *rejection == TokenRejection::NotYetValid,
                    ErrorKind::MissingRequiredClaim(_) => matches!(
                        rejection,
                        TokenRejection::MissingExpiry | TokenRejection::InvalidClaims(_)
                    ),
                    ErrorKind::InvalidClaimFormat(_) => {
                        matches!(rejection, TokenRejection::InvalidClaims(_))
                    }
                    _ => true,
                };
                if !same_reason && facts.stricter(rejection).is_none() {
                    self.disagree("both refused, for unrelated reasons");
                }
            }
        }
    }
}

/// A request's check (`check_request`: the payload checked whole and kept, the claims
/// built only when asked for) must conclude what the eager `verify_header_values`
/// concludes at the same second: compared when the eager check gives the same answer
/// just before and just after it (no second boundary in between).
fn the_request_check_agrees(token: &str) {
    let verifier = verifier();
    let value = [token.as_bytes()];
    let before = verifier.verify_header_values(value);
    let verification = verifier.check_request(|_| value, None);
    let after = verifier.verify_header_values(value);
    if before != after {
        return;
    }
    // `to_claims` first, so that it builds from the kept payload.
    let owned = verification.to_claims();
    let lazy = match verification.rejection() {
        Some(rejection) => Err(rejection.clone()),
        None => match owned.clone() {
            Some(claims) => Ok(claims),
            None => panic!("a passed verification without claims, for {token:?}"),
        },
    };
    assert_eq!(lazy, before, "check_request and verify_header_values disagree on {token:?}");
    assert_eq!(verification.claims(), owned.as_ref(), "claims() and to_claims() differ");
    assert_eq!(verification.into_result(), before, "into_result() differs");
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::parse(data) else {
        return;
    };
    let token = input.token();
    the_request_check_agrees(&token);
    let ours = verifier().verify_at(&token, NOW);
    let (key, validation) = reference();
    let clock_before = jsonwebtoken::get_current_timestamp();
    let theirs = jsonwebtoken::decode::<Value>(&token, key, validation);
    let clock_after = jsonwebtoken::get_current_timestamp();

    let case = Case {
        input: &input,
        token: &token,
        ours: &ours,
        theirs: &theirs,
    };
    if let Ok(claims) = &ours {
        case.our_rules(claims);
    }
    if input.shape.forged() && theirs.is_ok() {
        case.disagree("jsonwebtoken accepted a forged token (the harness is wrong)");
    }
    if near_the_clocks(&input.claims, clock_before, clock_after) {
        note("window (exp/nbf between the clocks, not compared)", &input);
        return;
    }
    case.compare(&Facts::of(&input, &token));
});
