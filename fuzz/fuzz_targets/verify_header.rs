//! Arbitrary bytes as the token header and the bound header, against a verifier with
//! a fixed secret: no panic, and nothing the fuzzer makes without the secret passes.
#![no_main]

use approov_core::{ApproovVerifier, BindingHeader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(verifier) =
        ApproovVerifier::from_base64_secret("ZnV6ei1zZWNyZXQtbm90LWd1ZXNzYWJsZS0wMTIzNDU2Nzg5")
    else {
        return;
    };
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
    let checked = verifier.check_request(headers, Some(&BindingHeader::AUTHORIZATION));
    assert!(
        checked.is_err(),
        "a token made without the secret was accepted"
    );
    if let Ok(text) = std::str::from_utf8(token) {
        assert!(verifier.verify(text).is_err());
    }
});
