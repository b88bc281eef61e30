//! What one verification costs, next to its floor: one HMAC-SHA256 of the same
//! signing input with the same backend (RustCrypto's `hmac`, which jsonwebtoken's
//! `rust_crypto` provider wraps).
#![allow(missing_docs)]

use std::hint::black_box;

use approov_core::{Binding, BindingHeader};
use approov_testkit::TestSecret;
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn verify(c: &mut Criterion) {
    let secret = TestSecret::new();
    let verifier = secret.verifier();
    let token = secret.token(3600, Some("Bearer user-session"));
    let (signing_input, _) = token.rsplit_once('.').unwrap_or_default();
    let garbage = "x".repeat(token.len());
    let bad_signature = format!("{signing_input}.{}", "A".repeat(43));
    assert!(
        verifier.verify(&token).is_ok(),
        "the bench token must verify"
    );

    let mut group = c.benchmark_group("approov-core");
    group.bench_function("floor: HMAC-SHA256 of the signing input", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(black_box(secret.bytes()))
                .unwrap_or_else(|_| unreachable!());
            mac.update(black_box(signing_input.as_bytes()));
            black_box(mac.finalize().into_bytes())
        })
    });
    group.bench_function("verify: valid token", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&token))))
    });
    let binding = Binding::from(BindingHeader::AUTHORIZATION);
    group.bench_function("verify header + binding: valid bound token", |b| {
        b.iter(|| {
            verifier
                .verify_header_values([black_box(token.as_bytes())])
                .and_then(|claims| binding.check(&claims, |_| [b"Bearer user-session".as_slice()]))
        })
    });
    group.bench_function("reject: garbage", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&garbage))))
    });
    group.bench_function("reject: bad signature", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&bad_signature))))
    });
    // Key sets: the verifier above has the test public keys beside the secret.
    for key in secret.keys().configured() {
        let token = key.token(3600, None);
        assert!(
            verifier.verify(&token).is_ok(),
            "the {key:?} token must verify"
        );
        group.bench_function(format!("verify: valid {} token", key.algorithm()), |b| {
            b.iter(|| black_box(verifier.verify(black_box(&token))))
        });
    }
    let unknown_kid = secret
        .keys()
        .es256
        .renamed(approov_core::Algorithm::ES256, "not-configured")
        .token(3600, None);
    group.bench_function("reject: unknown kid", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&unknown_kid))))
    });
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
