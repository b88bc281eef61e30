//! What one verification costs, next to its floor: one HMAC-SHA256 of the same
//! signing input with the same backend (RustCrypto's `hmac`, which jsonwebtoken's
//! `rust_crypto` provider wraps), measured twice: with the key schedule (a fresh
//! `Hmac::new_from_slice` each time, as a check without a keyed state pays) and
//! without it (a clone of a keyed state, as the verifier does).
//!
//! `APPROOV_BENCH_COUNT=N` runs each HS256 case N times without criterion and exits:
//! for `valgrind --tool=callgrind`, whose instruction counts do not depend on the
//! neighbours. `APPROOV_BENCH_CASE=name` runs that case only (see `CASES`);
//! subtracting a run with N=0 from one with N gives the instructions per iteration
//! (see BENCHMARKING.md).
#![allow(missing_docs)]

use std::hint::black_box;

use approov_core::{ApproovVerifier, Binding, BindingHeader, BindingHeaders, KeySet, Verification};
use approov_testkit::TestSecret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use criterion::{criterion_group, Criterion};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HS256 cases, by name: what the criterion benches and the counting mode share.
struct Hs256 {
    secret: TestSecret,
    keyed: Hmac<Sha256>,
    verifier: ApproovVerifier,
    token: String,
    signing_input: String,
    garbage: String,
    bad_signature: String,
    binding: Binding,
    double_bound: String,
}

const AUTHORIZATION: &[u8] = b"Bearer user-session";
const SESSION_ID: &[u8] = b"session-1";

/// A binding named by a type, as bound extractors take it.
struct AuthorizationAndSessionId;
impl BindingHeaders for AuthorizationAndSessionId {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

impl Hs256 {
    fn new(verifier: impl FnOnce(&TestSecret) -> ApproovVerifier) -> Self {
        let secret = TestSecret::new();
        let verifier = verifier(&secret);
        let token = secret.token(3600, Some("Bearer user-session"));
        let (signing_input, _) = token.rsplit_once('.').unwrap_or_default();
        let signing_input = signing_input.to_owned();
        let garbage = "x".repeat(token.len());
        let double_bound = secret.token_bound_to(3600, &["Bearer user-session", "session-1"]);
        let bad_signature = format!("{signing_input}.{}", "A".repeat(43));
        assert!(
            verifier.verify(&token).is_ok(),
            "the bench token must verify"
        );
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(secret.bytes())
            .unwrap_or_else(|_| unreachable!());
        let hs256 = Hs256 {
            secret,
            keyed,
            verifier,
            token,
            signing_input,
            garbage,
            bad_signature,
            binding: Binding::from(BindingHeader::AUTHORIZATION),
            double_bound,
        };
        assert!(
            hs256.bound_extractor().passed(),
            "the double-bound token must pass"
        );
        hs256
    }

    fn floor_with_key_schedule(&self) -> impl Sized {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(black_box(self.secret.bytes()))
            .unwrap_or_else(|_| unreachable!());
        mac.update(black_box(self.signing_input.as_bytes()));
        mac.finalize().into_bytes()
    }

    fn floor_keyed(&self) -> impl Sized {
        let mut mac = black_box(&self.keyed).clone();
        mac.update(black_box(self.signing_input.as_bytes()));
        mac.finalize().into_bytes()
    }

    fn valid(&self) -> impl Sized {
        self.verifier.verify(black_box(&self.token))
    }

    fn bound(&self) -> impl Sized {
        self.verifier
            .verify_header_values([black_box(self.token.as_bytes())])
            .and_then(|claims| {
                self.binding
                    .check(&claims, |_| [black_box(AUTHORIZATION)])
                    .map(|()| claims)
            })
    }

    /// What a bound extractor does: the binding its type names, then the whole check.
    fn bound_extractor(&self) -> Verification {
        let binding = black_box(AuthorizationAndSessionId::binding());
        let token = black_box(self.double_bound.as_bytes());
        self.verifier.check_request(
            |name| match name {
                "authorization" => [AUTHORIZATION],
                "sessionid" => [SESSION_ID],
                _ => [token],
            },
            Some(&binding),
        )
    }

    /// What an adapter calls: the header, the token, the outcome kept for the handler.
    fn check_request(&self) -> impl Sized {
        let token = black_box(self.token.as_bytes());
        self.verifier.check_request(|_| [token], None)
    }

    fn garbage(&self) -> impl Sized {
        self.verifier.verify(black_box(&self.garbage))
    }

    fn bad_signature(&self) -> impl Sized {
        self.verifier.verify(black_box(&self.bad_signature))
    }
}

/// Every HS256 case: its criterion name, its short name for `APPROOV_BENCH_CASE`.
type Case = (&'static str, &'static str, fn(&Hs256));

const CASES: &[Case] = &[
    (
        "floor: HMAC-SHA256 of the signing input, key schedule included",
        "floor",
        |h| drop(black_box(h.floor_with_key_schedule())),
    ),
    (
        "floor: HMAC-SHA256 of the signing input, keyed state cloned",
        "floor-keyed",
        |h| drop(black_box(h.floor_keyed())),
    ),
    ("verify: valid token", "valid", |h| {
        drop(black_box(h.valid()))
    }),
    ("verify header + binding: valid bound token", "bound", |h| {
        drop(black_box(h.bound()))
    }),
    (
        "check_request: valid token, Verification kept",
        "check-request",
        |h| drop(black_box(h.check_request())),
    ),
    (
        "check_request: bound extractor, binding named by a type",
        "bound-extractor",
        |h| drop(black_box(h.bound_extractor())),
    ),
    ("reject: garbage", "garbage", |h| {
        drop(black_box(h.garbage()))
    }),
    ("reject: bad signature", "bad-signature", |h| {
        drop(black_box(h.bad_signature()))
    }),
];

/// Runs the cases `count` times each, without criterion, for callgrind.
#[inline(never)]
fn count_mode(count: u64, only: Option<&str>) {
    // The secret alone: no key pairs to generate (slow under valgrind).
    let hs256 = Hs256::new(|secret| {
        let keys = KeySet::new().with_hs256_secret(secret.bytes());
        ApproovVerifier::from_keys(keys.unwrap_or_else(|e| unreachable!("{e}")))
    });
    for (_, name, case) in CASES {
        if only.is_some_and(|only| only != *name) {
            continue;
        }
        for _ in 0..count {
            case(&hs256);
        }
    }
}

fn verify(c: &mut Criterion) {
    let hs256 = Hs256::new(TestSecret::verifier);
    let mut group = c.benchmark_group("approov-core");
    for (name, _, case) in CASES {
        group.bench_function(*name, |b| b.iter(|| case(&hs256)));
    }
    // Key sets: the verifier above has the test public keys beside the secret.
    let verifier = &hs256.verifier;
    for key in hs256.secret.keys().configured() {
        let token = key.token(3600, None);
        assert!(
            verifier.verify(&token).is_ok(),
            "the {key:?} token must verify"
        );
        group.bench_function(format!("verify: valid {} token", key.algorithm()), |b| {
            b.iter(|| black_box(verifier.verify(black_box(&token))))
        });
        // Its floor: the backend's own verify of the same signing input and signature,
        // the key parsed once (aws-lc-rs; ed25519-dalek for EdDSA).
        let (input, signature) = token
            .rsplit_once('.')
            .unwrap_or_else(|| unreachable!("a compact JWS"));
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
        let floor = Floor::new(key.algorithm(), key.signing_key().public_key_der());
        assert!(floor.verifies(input.as_bytes(), &signature), "{key:?}");
        group.bench_function(
            format!("floor: {} verify, the backend alone", key.algorithm()),
            |b| b.iter(|| black_box(floor.verifies(black_box(input.as_bytes()), &signature))),
        );
    }
    let unknown_kid = hs256
        .secret
        .keys()
        .es256
        .renamed(approov_core::Algorithm::ES256, "not-configured")
        .token(3600, None);
    group.bench_function("reject: unknown kid", |b| {
        b.iter(|| black_box(verifier.verify(black_box(&unknown_kid))))
    });
    group.finish();
}

/// A public key as its backend holds it, parsed once.
enum Floor {
    AwsLc(aws_lc_rs::signature::ParsedPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl Floor {
    fn new(alg: approov_core::Algorithm, der: &[u8]) -> Floor {
        use aws_lc_rs::signature::{
            ParsedPublicKey, ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256,
            RSA_PSS_2048_8192_SHA256,
        };
        use ed25519_dalek::pkcs8::DecodePublicKey as _;
        let scheme: &'static dyn aws_lc_rs::signature::VerificationAlgorithm = match alg {
            approov_core::Algorithm::ES256 => &ECDSA_P256_SHA256_FIXED,
            approov_core::Algorithm::RS256 => &RSA_PKCS1_2048_8192_SHA256,
            approov_core::Algorithm::PS256 => &RSA_PSS_2048_8192_SHA256,
            _ => {
                return Floor::Ed25519(
                    ed25519_dalek::VerifyingKey::from_public_key_der(der)
                        .unwrap_or_else(|_| unreachable!("an Ed25519 key")),
                )
            }
        };
        Floor::AwsLc(
            ParsedPublicKey::new(scheme, der).unwrap_or_else(|_| unreachable!("a public key")),
        )
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Floor::AwsLc(key) => key.verify_sig(message, signature).is_ok(),
            Floor::Ed25519(key) => {
                use ed25519_dalek::Verifier as _;
                ed25519_dalek::Signature::from_slice(signature)
                    .is_ok_and(|signature| key.verify(message, &signature).is_ok())
            }
        }
    }
}

criterion_group!(benches, verify);

fn main() {
    if let Ok(count) = std::env::var("APPROOV_BENCH_COUNT") {
        let count = count.parse().unwrap_or_else(|_| unreachable!("a count"));
        count_mode(count, std::env::var("APPROOV_BENCH_CASE").ok().as_deref());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
