//! Token binding (issue #14): arbitrary values for one to three bound headers and a
//! `pay` claim. `Binding::check` must give exactly what a straightforward reference
//! gives — each bound header present exactly once and not empty once trimmed of ASCII
//! white space, then `pay == base64(SHA-256(the trimmed values concatenated))`,
//! standard alphabet, padded — and `binding_claim` must compute that same `pay`. The
//! same token, minted and checked end to end by `ApproovVerifier::check_request`
//! (and by `Verification::bound_to`), must come to the same verdict (or `TooLong`,
//! when a long `pay` makes the token longer than `MAX_TOKEN_LEN`). Never a panic.
//!
//! Input layout (see `README.md`; `seeds/binding` has examples):
//!
//! | bytes | meaning |
//! |---|---|
//! | 0 | bits 0-1: how many headers are bound (0 checks the fail-closed empty binding); bits 2-4: the `pay` claim (below); bit 5: the binding names its headers in upper case; bit 6: the first header is bound a second time, last; bit 7: one ASCII character of the `pay` claim is changed (`^ 1`), at the position the first byte of the rest picks |
//! | then, per bound header | one byte, `% 4`: 0 absent, 1 once, 2 twice (the same value), 3 once plus an empty value; one byte: the value's length; the value |
//! | the rest | the `pay` claim's text, for `pay` mode 1 |
//!
//! `pay` modes: 0 the reference's hash, 1 the rest of the input (as UTF-8, lossy),
//! 2 no `pay`, 3 a number, 4 the hash of the untrimmed values, 5 the right hash
//! unpadded, 6 the right hash in the URL-safe alphabet, 7 the right hash with a space
//! after it.
#![no_main]

use std::sync::OnceLock;

use approov_core::{
    binding_claim, ApproovClaims, ApproovVerifier, Binding, BindingHeader, TokenMinter,
    TokenRejection, MAX_TOKEN_LEN,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// base64 of `fuzz-secret-not-guessable-0123456789`.
const SECRET: &str = "ZnV6ei1zZWNyZXQtbm90LWd1ZXNzYWJsZS0wMTIzNDU2Nzg5";
/// The headers a binding can name, lower case as requests hand them over.
const NAMES: [&str; 3] = ["authorization", "sessionid", "x-device-id"];
/// 2100-01-01: the minted tokens do not expire during a run.
const EXP: u64 = 4_102_444_800;

fn verifier() -> &'static ApproovVerifier {
    static VERIFIER: OnceLock<ApproovVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| ApproovVerifier::from_base64_secret(SECRET).expect("base64"))
}

fn minter() -> &'static TokenMinter {
    static MINTER: OnceLock<TokenMinter> = OnceLock::new();
    MINTER.get_or_init(|| TokenMinter::from_base64_secret(SECRET).expect("base64"))
}

struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn take(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        taken
    }
}

/// ASCII white space as `u8::is_ascii_whitespace` has it: space, tab, LF, FF, CR
/// (not VT), written out rather than borrowed from the code under test.
fn trimmed(value: &[u8]) -> &[u8] {
    let white = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r');
    let start = value.iter().position(|b| !white(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !white(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

fn sha256_base64(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    STANDARD.encode(hasher.finalize())
}

/// The reference: the verdict for a binding to `names` (in order), the request's
/// values per header, and the `pay` claim when it is a string.
fn reference<'v>(
    names: &[&str],
    values: &dyn Fn(&str) -> Vec<&'v [u8]>,
    pay: Option<&str>,
) -> Result<(), TokenRejection> {
    if names.is_empty() {
        return Err(TokenRejection::BindingMismatch);
    }
    let mut concatenated = Vec::new();
    for name in names {
        let header = BindingHeader::new(name.to_string());
        match values(name).as_slice() {
            [] => return Err(TokenRejection::BindingHeaderMissing { header }),
            [value] if trimmed(value).is_empty() => {
                return Err(TokenRejection::BindingHeaderMissing { header })
            }
            [value] => concatenated.extend_from_slice(trimmed(value)),
            _ => return Err(TokenRejection::BindingHeaderDuplicate { header }),
        }
    }
    let pay = pay.ok_or(TokenRejection::BindingClaimMissing)?;
    if pay == sha256_base64(&[&concatenated]) {
        Ok(())
    } else {
        Err(TokenRejection::BindingMismatch)
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let flags = input.byte();
    let count = usize::from(flags & 3);
    let pay_mode = (flags >> 2) & 7;
    let upper_case = flags & 0x20 != 0;
    let bound_twice = flags & 0x40 != 0;

    let mut request: [Vec<&[u8]>; 3] = Default::default();
    for slot in request.iter_mut().take(count) {
        let presence = input.byte() % 4;
        let len = usize::from(input.byte());
        let value = input.take(len);
        *slot = match presence {
            0 => vec![],
            1 => vec![value],
            2 => vec![value, value],
            _ => vec![value, b""],
        };
    }
    let rest = input.0;

    let mut names: Vec<&str> = NAMES[..count].to_vec();
    if bound_twice && count > 0 {
        names.push(NAMES[0]);
    }
    let binding = Binding::new(
        names
            .iter()
            .map(|name| {
                BindingHeader::new(if upper_case {
                    name.to_ascii_uppercase()
                } else {
                    name.to_string()
                })
            })
            .collect::<Vec<_>>(),
    );
    let values = |name: &str| -> Vec<&[u8]> {
        NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| request[i].clone())
            .unwrap_or_default()
    };

    // The first value of each bound header, as the hash would take them.
    let firsts: Vec<&[u8]> = names
        .iter()
        .map(|name| values(name).first().copied().unwrap_or_default())
        .collect();
    let right = sha256_base64(&firsts.iter().map(|v| trimmed(v)).collect::<Vec<_>>());
    let pay: Option<Value> = match pay_mode {
        0 => Some(right.clone().into()),
        1 => Some(String::from_utf8_lossy(rest).into_owned().into()),
        2 => None,
        3 => Some(json!(rest.len())),
        4 => Some(sha256_base64(&firsts).into()),
        5 => Some(right.trim_end_matches('=').to_owned().into()),
        6 => Some(
            URL_SAFE
                .encode(STANDARD.decode(&right).expect("base64"))
                .into(),
        ),
        _ => Some(format!("{right} ").into()),
    };
    // Bit 7: one ASCII character of the claim changed (position from the rest), so
    // that every byte of the comparison is put to the test.
    let pay = match pay {
        Some(Value::String(text)) if flags & 0x80 != 0 && !text.is_empty() => {
            let mut bytes = text.into_bytes();
            let at = usize::from(rest.first().copied().unwrap_or(0)) % bytes.len();
            if bytes[at].is_ascii() {
                bytes[at] ^= 1;
            }
            Some(Value::String(
                String::from_utf8(bytes).expect("an ASCII byte changed for another"),
            ))
        }
        pay => pay,
    };
    let mut claims_json = json!({ "exp": EXP });
    if let Some(pay) = &pay {
        claims_json["pay"] = pay.clone();
    }
    let claims: ApproovClaims =
        serde_json::from_value(claims_json.clone()).expect("exp and a pay are valid claims");
    assert_eq!(
        claims.pay.as_ref(),
        pay.as_ref()
            .and_then(Value::as_str)
            .map(str::to_owned)
            .as_ref()
    );

    let expected = reference(&names, &values, claims.pay.as_deref());
    let ours = binding.check(&claims, values);
    assert_eq!(
        ours, expected,
        "Binding::check disagrees with the reference: binding {binding:?}, request {request:?}, pay {pay:?}"
    );

    // `binding_claim` hashes what `check` hashes, whenever every header is usable.
    let usable = !names.is_empty()
        && names
            .iter()
            .all(|name| matches!(values(name).as_slice(), [v] if !trimmed(v).is_empty()));
    if usable {
        assert_eq!(
            binding_claim(firsts.iter().copied()),
            right,
            "binding_claim differs"
        );
        // The right claim with a pay mode that spoils it never passes.
        let spoilt = matches!(pay_mode, 5 | 7) || pay_mode == 6 && right.contains(['+', '/']);
        if spoilt {
            assert!(ours.is_err(), "a spoilt pay claim passed");
        }
    } else {
        assert!(
            ours.is_err(),
            "passed with a bound header missing, repeated or empty"
        );
    }

    // End to end: a token carrying these claims, through the verifier.
    let token = minter().mint(&claims_json).expect("minting with a secret");
    let request_headers = |name: &str| -> Vec<&[u8]> {
        if name == verifier().token_header() {
            vec![token.as_bytes()]
        } else {
            values(name)
        }
    };
    // A long `pay` (mode 1) can make the token longer than the verifier reads.
    let end_to_end = if token.len() > MAX_TOKEN_LEN {
        Err(TokenRejection::TooLong)
    } else {
        expected.clone()
    };
    let checked = verifier().check_request(request_headers, Some(&binding));
    assert_eq!(
        checked.rejection(),
        end_to_end.as_ref().err(),
        "check_request disagrees with Binding::check"
    );
    assert_eq!(checked.passed(), end_to_end.is_ok());
    if let Some(passed) = checked.claims() {
        assert_eq!(passed, &claims);
        assert_eq!(checked.binding(), Some(&binding));
    }
    let bound_later = verifier()
        .check_request(request_headers, None)
        .bound_to(&binding, request_headers);
    assert_eq!(
        bound_later.rejection(),
        end_to_end.as_ref().err(),
        "bound_to disagrees"
    );
});
