//! What one message-signature check costs, next to its floor: one ECDSA P-256 verify of
//! the same signature base by the same backend alone (aws-lc-rs, the key parsed once).
//! `openssl speed ecdsap256` on the same core is the other floor (BENCHMARKING.md).
#![allow(missing_docs)]

use std::hint::black_box;

use approov_core::{
    AccountKey, InstallationKey, MessageSigning, SignatureParams, SignatureRequirement,
    SignedRequest,
};
use approov_testkit::TestSecret;
use aws_lc_rs::signature::{ParsedPublicKey, ECDSA_P256_SHA256_FIXED};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion};

const NOW: u64 = 1_744_292_750;

/// The claims of a token with `ipk` (or without one).
fn claims(ipk: Option<&str>) -> approov_core::ApproovClaims {
    let mut claims = serde_json::json!({ "exp": 4_000_000_000u64 });
    if let Some(ipk) = ipk {
        claims["ipk"] = ipk.into();
    }
    serde_json::from_value(claims).unwrap_or_else(|_| unreachable!("the claims of a token"))
}

fn message_signing(c: &mut Criterion) {
    let key = InstallationKey::generate();
    let ipk = key.ipk();
    let token = TestSecret::new().token(3600, None);
    let unsigned: Vec<(&str, Vec<u8>)> = vec![("approov-token", token.clone().into_bytes())];
    let params = SignatureParams::new(&["@method", "@target-uri", "approov-token"], NOW);
    let signed = {
        let values = |name: &str| -> Vec<&[u8]> {
            unsigned
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_slice())
                .collect()
        };
        let request = SignedRequest::new("GET", "https", "api.example.com", "/shapes?x=1", values);
        key.sign_request(&request, &params)
            .unwrap_or_else(|_| unreachable!("the bench request is signable"))
    };
    let mut headers = unsigned.clone();
    headers.push(("signature", signed.signature.clone().into_bytes()));
    headers.push((
        "signature-input",
        signed.signature_input.clone().into_bytes(),
    ));
    let values = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
            .collect()
    };
    let signing = MessageSigning::default();
    let with_ipk = claims(Some(&ipk));
    let request = SignedRequest::new("GET", "https", "api.example.com", "/shapes?x=1", values);
    assert!(
        signing.verify(&claims(Some(&ipk)), &request, NOW).is_ok(),
        "the bench request must verify"
    );
    let tampered = SignedRequest::new("GET", "https", "api.example.com", "/shapes?x=2", values);
    assert!(signing.verify(&claims(Some(&ipk)), &tampered, NOW).is_err());

    // The floor: the same key, a base of the same length, one verify.
    let base = format!(
        "\"@method\": GET\n\"@target-uri\": https://api.example.com/shapes?x=1\n\"approov-token\": {token}\n\"@signature-params\": {}",
        signed.signature_input.trim_start_matches("install=")
    );
    let floor_signature = key.sign(base.as_bytes());
    let der = STANDARD.decode(&ipk).unwrap_or_default();
    let floor_key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &der)
        .unwrap_or_else(|_| unreachable!("a fresh key is valid"));
    assert!(floor_key
        .verify_sig(base.as_bytes(), &floor_signature)
        .is_ok());

    let garbage_headers = |name: &str| -> Vec<&[u8]> {
        match name {
            "signature" | "signature-input" => vec![b"install=(((".as_slice()],
            _ => vec![token.as_bytes()],
        }
    };
    let garbage = SignedRequest::new(
        "GET",
        "https",
        "api.example.com",
        "/shapes?x=1",
        garbage_headers,
    );

    // The vendor's 3.8 client: the same request with both signatures, checked for the
    // account one alone (HMAC-SHA256) and for both.
    let account = AccountKey::generate();
    let both = {
        let values = |name: &str| -> Vec<&[u8]> {
            unsigned
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_slice())
                .collect()
        };
        let request = SignedRequest::new("GET", "https", "api.example.com", "/shapes?x=1", values);
        let account_signed = account
            .sign_request(&request, &params)
            .unwrap_or_else(|_| unreachable!("the bench request is signable"));
        signed.clone().join(account_signed)
    };
    let mut both_headers = unsigned.clone();
    both_headers.push(("signature", both.signature.into_bytes()));
    both_headers.push(("signature-input", both.signature_input.into_bytes()));
    let both_values = |name: &str| -> Vec<&[u8]> {
        both_headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
            .collect()
    };
    let both_request = SignedRequest::new(
        "GET",
        "https",
        "api.example.com",
        "/shapes?x=1",
        both_values,
    );
    let account_only = MessageSigning::default()
        .with_account_key(account.clone())
        .with_requirement(SignatureRequirement::Account);
    let both_required = MessageSigning::default()
        .with_account_key(account)
        .with_requirement(SignatureRequirement::Both);
    assert!(account_only.verify(&with_ipk, &both_request, NOW).is_ok());
    assert!(both_required.verify(&with_ipk, &both_request, NOW).is_ok());

    let mut group = c.benchmark_group("approov-core message signing");
    group.bench_function("floor: ECDSA P-256 verify of the signature base", |b| {
        b.iter(|| black_box(floor_key.verify_sig(black_box(base.as_bytes()), &floor_signature)))
    });
    group.bench_function("verify: GET over @method @target-uri approov-token", |b| {
        b.iter(|| black_box(signing.verify(black_box(&with_ipk), &request, NOW)))
    });
    group.bench_function(
        "verify: the same GET, account signature (HMAC-SHA256)",
        |b| b.iter(|| black_box(account_only.verify(black_box(&with_ipk), &both_request, NOW))),
    );
    group.bench_function("verify: the same GET, both signatures (3.8 client)", |b| {
        b.iter(|| black_box(both_required.verify(black_box(&with_ipk), &both_request, NOW)))
    });
    // A policy of its own for every check: the installation key parsed each time, as
    // without the cache of parsed keys (what the cache saves).
    group.bench_function("verify: the same, the key parsed every time", |b| {
        b.iter(|| {
            let cold = MessageSigning::default();
            black_box(cold.verify(black_box(&with_ipk), &request, NOW))
        })
    });
    group.bench_function("reject: tampered query (full ECDSA verify)", |b| {
        b.iter(|| black_box(signing.verify(black_box(&with_ipk), &tampered, NOW)))
    });
    // Every parse and check before the ECDSA verify, which an ipk that is not P-256 stops.
    let ed25519 = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
    let with_ed25519 = claims(Some(ed25519));
    group.bench_function(
        "reject: ipk not P-256 (parsing and checks, no ECDSA)",
        |b| b.iter(|| black_box(signing.verify(black_box(&with_ed25519), &request, NOW))),
    );
    group.bench_function("reject: garbage Signature-Input (no ECDSA)", |b| {
        b.iter(|| black_box(signing.verify(black_box(&with_ipk), &garbage, NOW)))
    });
    group.finish();
}

criterion_group!(benches, message_signing);
criterion_main!(benches);
