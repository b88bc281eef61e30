//! Arbitrary bytes as the token header and the bound header, against a verifier with
//! a fixed secret: no panic, and nothing the fuzzer makes without the secret passes.
//!
//! Input: byte 0 is the length of the `Approov-Token` value (capped at what is
//! left); the rest of the input after it is the `Authorization` value.
#![no_main]

use std::sync::OnceLock;

use approov_core::{ApproovVerifier, Binding, BindingHeader};
use libfuzzer_sys::fuzz_target;

/// base64 of `fuzz-secret-not-guessable-0123456789`. The seeds are signed with
/// another secret, so that they reach the signature check and fail it.
const SECRET: &str = "ZnV6ei1zZWNyZXQtbm90LWd1ZXNzYWJsZS0wMTIzNDU2Nzg5";

fn verifier() -> &'static ApproovVerifier {
    static VERIFIER: OnceLock<ApproovVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        ApproovVerifier::from_base64_secret(SECRET).expect("the fuzz secret is base64")
    })
}

fuzz_target!(|data: &[u8]| {
    let verifier = verifier();
    // The first byte splits the input into the token header and an Authorization value.
    let (token, authorization) = match data.split_first() {
        Some((&at, rest)) => rest.split_at((at as usize).min(rest.len())),
        None => (data, &[][..]),
    };
    let headers = |name: &str| -> Vec<&[u8]> {
        match name {
            "approov-token" => vec![token],
            "authorization" => vec![authorization],
            _ => vec![],
        }
    };
    let binding = Binding::from(BindingHeader::AUTHORIZATION);
    let checked = verifier.check_request(headers, Some(&binding));
    assert!(
        !checked.passed(),
        "a token made without the secret was accepted"
    );
    assert!(checked.refused() && checked.rejection().is_some());
    // Without a binding, the header path alone must refuse it too.
    assert!(verifier.verify_header_values([token]).is_err());
    if let Ok(text) = std::str::from_utf8(token) {
        assert!(verifier.verify(text).is_err());
        assert!(verifier.verify_at(text, 0).is_err());
    }
});
