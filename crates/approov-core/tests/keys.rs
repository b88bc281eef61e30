//! Key sets: which key a token is checked against, the algorithm-confusion attack, the
//! keys PEM and JWKS give, and minting with private keys.
#![allow(clippy::expect_used)] // a failed expectation is a failed test

use approov_core::{
    Algorithm, ApproovVerifier, KeyError, KeySet, MintError, SigningKey, TokenMinter,
    TokenRejection,
};
use approov_testkit::{forge, jwks_json, Alg, TestKey, TestKeys, TestSecret};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn claims() -> Value {
    json!({"exp": now() + 300, "did": "device"})
}

fn header(alg: &str, kid: Option<&str>) -> Value {
    match kid {
        Some(kid) => json!({"alg": alg, "typ": "JWT", "kid": kid}),
        None => json!({"alg": alg, "typ": "JWT"}),
    }
}

fn keys() -> &'static TestKeys {
    TestKeys::shared()
}

/// A verifier with only the public keys of the test set (no secret).
fn public_only() -> ApproovVerifier {
    ApproovVerifier::from_keys(keys().key_set().clone())
}

#[test]
fn each_algorithm_passes_with_its_key_and_fails_with_another_of_the_same_kid() {
    let verifier = TestSecret::new().verifier();
    for key in keys().configured() {
        let claims = verifier.verify(&key.token(60, None));
        assert!(claims.is_ok(), "{key:?}: {claims:?}");
    }
    for impostor in [
        &keys().other_es256,
        &keys().other_rs256,
        &keys().other_eddsa,
    ] {
        assert_eq!(
            verifier.verify(&impostor.token(60, None)),
            Err(TokenRejection::BadSignature),
            "{impostor:?}"
        );
    }
}

#[test]
fn a_public_key_token_needs_a_kid_that_names_a_key_of_its_algorithm() {
    let verifier = TestSecret::new().verifier();
    let es = &keys().es256;
    let no_kid = es.forge(&header("ES256", None), &claims());
    assert_eq!(
        verifier.verify(&no_kid),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
    let unknown = es.forge(&header("ES256", Some("rotated-away")), &claims());
    assert_eq!(verifier.verify(&unknown), Err(TokenRejection::UnknownKeyId));
    assert_eq!(
        TokenRejection::UnknownKeyId.code(),
        "unknown_key_id",
        "a code of its own, for metrics"
    );
    for (signer, alg, kid) in [
        (es, "ES256", "test-rs256"),
        (&keys().rs256, "RS256", "test-ps256"),
        (&keys().ps256, "PS256", "test-rs256"),
        (&keys().eddsa, "EdDSA", "test-es256"),
        // A header that lies about the algorithm of a key it names.
        (es, "EdDSA", "test-es256"),
        (es, "none", "test-es256"),
    ] {
        let token = signer.forge(&header(alg, Some(kid)), &claims());
        let expected = if alg == "none" {
            TokenRejection::UnsupportedAlgorithm
        } else {
            TokenRejection::KeyAlgorithmMismatch
        };
        assert_eq!(verifier.verify(&token), Err(expected), "{alg} naming {kid}");
    }
    // Unknown kid: never "try them all", even though a key of the set would verify it.
    let renamed = keys().eddsa.renamed(Algorithm::EdDSA, "not-in-the-set");
    assert_eq!(
        verifier.verify(&renamed.token(60, None)),
        Err(TokenRejection::UnknownKeyId)
    );
}

#[test]
fn hs256_tokens_work_with_or_without_a_kid_unless_the_kid_names_a_key() {
    let secret = TestSecret::new();
    let verifier = secret.verifier();
    for kid in [None, Some("key-1"), Some("")] {
        let token = forge(Alg::Hs256, secret.bytes(), &header("HS256", kid), &claims());
        assert!(verifier.verify(&token).is_ok(), "kid {kid:?}");
    }
    let naming_a_public_key = forge(
        Alg::Hs256,
        secret.bytes(),
        &header("HS256", Some("test-es256")),
        &claims(),
    );
    assert_eq!(
        verifier.verify(&naming_a_public_key),
        Err(TokenRejection::KeyAlgorithmMismatch)
    );
    // Without a secret, HS256 is not accepted at all.
    let token = secret.token(60, None);
    assert_eq!(
        public_only().verify(&token),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
    assert_eq!(
        ApproovVerifier::from_keys(KeySet::new()).verify(&token),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
}

#[test]
fn named_secrets_are_chosen_by_kid_and_unnamed_tokens_try_every_secret() {
    let (a, b) = (TestSecret::new(), TestSecret::new());
    let keys = KeySet::new()
        .with_named_hs256_secret("a", a.bytes())
        .and_then(|k| k.with_hs256_secret(b.bytes()))
        .expect("two secrets");
    let verifier = ApproovVerifier::from_keys(keys);
    // No kid (or an unknown one): either secret will do, as during a rotation.
    assert!(verifier.verify(&a.token(60, None)).is_ok());
    assert!(verifier.verify(&b.token(60, None)).is_ok());
    let token = |secret: &TestSecret, kid| {
        forge(
            Alg::Hs256,
            secret.bytes(),
            &header("HS256", Some(kid)),
            &claims(),
        )
    };
    assert!(verifier.verify(&token(&b, "unknown")).is_ok());
    // A kid naming secret a: only a.
    assert!(verifier.verify(&token(&a, "a")).is_ok());
    assert_eq!(
        verifier.verify(&token(&b, "a")),
        Err(TokenRejection::BadSignature)
    );
    // An RS256 token naming an HS256 secret.
    let rs = keys_rs_named("a");
    assert_eq!(
        verifier.verify(&rs.token(60, None)),
        Err(TokenRejection::KeyAlgorithmMismatch)
    );
}

fn keys_rs_named(kid: &str) -> TestKey {
    keys().rs256.renamed(Algorithm::RS256, kid)
}

/// HS256 tokens keyed with every form of a public key an attacker can read.
fn confusion_secrets(key: &TestKey) -> Vec<(String, Vec<u8>)> {
    let signing_key = key.signing_key();
    let jwk = key.jwk();
    let mut secrets = vec![
        (
            "PEM".to_owned(),
            signing_key.public_key_pem().as_bytes().to_vec(),
        ),
        (
            "PEM, trimmed".to_owned(),
            signing_key.public_key_pem().trim().as_bytes().to_vec(),
        ),
        ("DER".to_owned(), signing_key.public_key_der().to_vec()),
        ("JWK".to_owned(), jwk.to_string().into_bytes()),
        ("JWKS".to_owned(), jwks_json([key]).into_bytes()),
    ];
    for member in ["n", "x", "y"] {
        if let Some(text) = jwk[member].as_str() {
            secrets.push((format!("JWK {member}"), text.as_bytes().to_vec()));
            let bytes = URL_SAFE_NO_PAD.decode(text).expect("base64url member");
            secrets.push((format!("JWK {member}, decoded"), bytes));
        }
    }
    secrets
}

#[test]
fn alg_confusion_with_any_form_of_a_public_key_is_rejected() {
    let verifiers = [
        ("secret and keys", TestSecret::new().verifier()),
        ("keys only", public_only()),
    ];
    for key in [&keys().es256, &keys().rs256, &keys().eddsa] {
        for (form, bytes) in confusion_secrets(key) {
            for (name, verifier) in &verifiers {
                let named = forge(
                    Alg::Hs256,
                    &bytes,
                    &header("HS256", Some(key.kid())),
                    &claims(),
                );
                assert_eq!(
                    verifier.verify(&named),
                    Err(TokenRejection::KeyAlgorithmMismatch),
                    "{key:?} {form}, kid naming it, {name}"
                );
                let unnamed = forge(Alg::Hs256, &bytes, &header("HS256", None), &claims());
                let expected = if *name == "keys only" {
                    TokenRejection::UnsupportedAlgorithm
                } else {
                    TokenRejection::BadSignature
                };
                assert_eq!(
                    verifier.verify(&unnamed),
                    Err(expected),
                    "{key:?} {form}, no kid, {name}"
                );
            }
        }
    }
}

#[test]
fn public_keys_from_pem_verify_their_tokens_only() {
    for key in keys().configured() {
        let pem = key.signing_key().public_key_pem();
        let set = KeySet::new()
            .with_public_key_pem(key.kid(), key.algorithm(), pem)
            .expect("a public key PEM");
        let verifier = ApproovVerifier::from_keys(set);
        assert!(verifier.verify(&key.token(60, None)).is_ok(), "{key:?}");
    }
    // PKCS#1 `RSA PUBLIC KEY` for RSA.
    use rsa::pkcs1::EncodeRsaPublicKey as _;
    use rsa::pkcs8::DecodePublicKey as _;
    let rsa = rsa::RsaPublicKey::from_public_key_der(keys().rs256.signing_key().public_key_der())
        .expect("SPKI");
    let pkcs1 = rsa
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .expect("PKCS#1");
    let set = KeySet::new()
        .with_public_key_pem("test-rs256", Algorithm::RS256, &pkcs1)
        .expect("PKCS#1 PEM");
    assert!(ApproovVerifier::from_keys(set)
        .verify(&keys().rs256.token(60, None))
        .is_ok());
}

#[test]
fn pem_keys_that_cannot_be_used_are_refused_saying_why() {
    let es = keys().es256.signing_key();
    let refused = |kid: &str, alg, pem: &str| {
        KeySet::new()
            .with_public_key_pem(kid, alg, pem)
            .expect_err("refused")
    };
    let says = |err: KeyError, what: &str| {
        assert!(err.to_string().contains(what), "{err} / {what}");
    };
    says(
        refused("k", Algorithm::ES256, es.private_key_pem()),
        "this is a private key",
    );
    says(
        refused("k", Algorithm::RS256, es.public_key_pem()),
        "not a RS256 public key",
    );
    says(
        refused("k", Algorithm::EdDSA, es.public_key_pem()),
        "not a EdDSA public key",
    );
    says(refused("k", Algorithm::ES256, "garbage"), "not PEM");
    assert_eq!(
        refused("k", Algorithm::HS256, es.public_key_pem()),
        KeyError::NotPublicKeyAlgorithm
    );
    assert_eq!(
        refused("", Algorithm::ES256, es.public_key_pem()),
        KeyError::EmptyKid
    );
    let twice = KeySet::new()
        .with_public_key_pem("k", Algorithm::ES256, es.public_key_pem())
        .and_then(|set| set.with_public_key_pem("k", Algorithm::ES256, es.public_key_pem()));
    assert_eq!(
        twice,
        Err(KeyError::DuplicateKid {
            kid: "\"k\"".into()
        })
    );
}

/// An RSA JWK whose modulus has `bits` bits.
fn rsa_jwk_of(bits: usize) -> Value {
    let mut n = vec![0xffu8; bits / 8];
    n[bits / 8 - 1] = 0xfd; // odd
    json!({"kty": "RSA", "kid": "short", "alg": "RS256", "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"})
}

fn jwks_of(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

fn refusal(jwks: &str) -> String {
    KeySet::from_jwks_json(jwks)
        .expect_err("refused")
        .to_string()
}

#[test]
fn jwks_keys_used_skipped_and_refused() {
    let es = keys().es256.jwk();
    let ed = keys().eddsa.jwk();
    let with = |jwk: &Value, member: &str, value: Value| {
        let mut jwk = jwk.clone();
        jwk[member] = value;
        jwk
    };
    let without = |jwk: &Value, member: &str| {
        let mut jwk = jwk.clone();
        if let Some(object) = jwk.as_object_mut() {
            object.remove(member);
        }
        jwk
    };

    // Skipped: not for signatures, or not a type, curve or algorithm checked here.
    let skipped = [
        with(&es, "use", json!("enc")),
        with(&es, "key_ops", json!(["encrypt"])),
        json!({"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"}),
        json!({"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": "AA"}),
        json!({"kty": "RSA", "alg": "RS384", "kid": "rs384", "n": "AA", "e": "AQAB"}),
        json!({"kty": "RSA", "alg": "RSA-OAEP", "kid": "enc", "n": "AA", "e": "AQAB"}),
        json!({"kty": "AKP", "kid": "pq"}),
    ];
    let mut document = skipped.to_vec();
    document.push(ed.clone());
    let set = KeySet::from_jwks_json(&jwks_of(&document)).expect("one usable key");
    assert_eq!(set.kids().collect::<Vec<_>>(), ["test-eddsa"]);
    assert_eq!(
        KeySet::from_jwks_json(&jwks_of(&skipped)),
        Err(KeyError::JwksNoUsableKey {
            skipped: skipped.len()
        })
    );

    // `alg` may be left out: the key type says it (RS256 for RSA).
    let rs_no_alg = without(&keys().rs256.jwk(), "alg");
    let set = KeySet::from_jwks_json(&jwks_of(&[without(&es, "alg"), rs_no_alg]))
        .expect("no alg members");
    let verifier = ApproovVerifier::from_keys(set);
    assert!(verifier.verify(&keys().es256.token(60, None)).is_ok());
    assert!(verifier.verify(&keys().rs256.token(60, None)).is_ok());
    let ps = keys().rs256.renamed(Algorithm::PS256, "test-rs256");
    assert_eq!(
        verifier.verify(&ps.token(60, None)),
        Err(TokenRejection::KeyAlgorithmMismatch)
    );

    // Refused, naming the key.
    for (jwk, says) in [
        (without(&es, "kid"), "has no `kid`"),
        (with(&es, "kid", json!("")), "`kid` is empty"),
        (with(&es, "kid", json!(7)), "`kid` is not a string"),
        (
            json!({"kty": "oct", "kid": "s", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE="}),
            "is a secret",
        ),
        (with(&es, "d", json!("AA")), "holds a private key"),
        (with(&es, "alg", json!("RS256")), "does not fit"),
        (with(&es, "alg", json!("HS256")), "for secrets"),
        (with(&es, "crv", json!("P-384")), "does not fit `alg` ES256"),
        (with(&es, "x", json!("AAAA")), "32 bytes"),
        (with(&es, "x", json!("not base64!")), "not base64url"),
        (
            with(&es, "x", json!(URL_SAFE_NO_PAD.encode([1u8; 32]))),
            "not a point on P-256",
        ),
        (with(&ed, "x", json!("AAAA")), "32 bytes"),
        (without(&ed, "x"), "has no `x`"),
        (rsa_jwk_of(1024), "at least 2048"),
        (
            with(&rsa_jwk_of(2048), "e", json!("")),
            "not an RSA public key",
        ),
        (json!("a string"), "not a JSON object"),
    ] {
        let message = refusal(&jwks_of(&[ed.clone(), jwk.clone()]));
        assert!(
            message.contains("key at index 1") && message.contains(says),
            "{jwk}: {message} / {says}"
        );
    }
    assert_eq!(
        KeySet::from_jwks_json(&jwks_of(&[ed.clone(), ed.clone()])),
        Err(KeyError::DuplicateKid {
            kid: "\"test-eddsa\"".into()
        })
    );
    for (document, says) in [
        ("", "not JSON"),
        ("{\"keys\":[", "not JSON"),
        ("[]", "`keys` array"),
        ("{\"keys\":{}}", "`keys` array"),
        ("{\"keys\":[]}", "no key"),
    ] {
        let message = refusal(document);
        assert!(message.contains(says), "{document}: {message}");
    }
    // A kid from a fetched document is quoted and cut in messages.
    let long = with(&es, "d", json!("AA"));
    let long = with(&long, "kid", json!(format!("{}\n", "k".repeat(300))));
    let message = refusal(&jwks_of(&[long]));
    assert!(!message.contains('\n') && message.len() < 300, "{message}");
}

#[test]
fn a_key_set_lists_its_keys_and_compares_by_key_material() {
    let secret = TestSecret::new();
    let set = secret.key_set();
    let listed: Vec<_> = set.keys().map(|k| (k.kid, k.algorithm)).collect();
    assert_eq!(
        listed,
        [
            (None, Algorithm::HS256),
            (Some("test-es256"), Algorithm::ES256),
            (Some("test-rs256"), Algorithm::RS256),
            (Some("test-ps256"), Algorithm::PS256),
            (Some("test-eddsa"), Algorithm::EdDSA),
        ]
    );
    assert_eq!(set.len(), 5);
    assert_eq!(set, secret.key_set());
    assert_ne!(set, TestSecret::new().key_set());
    let impostors = KeySet::from_jwks_json(&jwks_json([&keys().other_es256])).expect("jwks");
    let originals = KeySet::from_jwks_json(&jwks_json([&keys().es256])).expect("jwks");
    assert_ne!(impostors, originals);
    let shown = format!("{set:?}");
    assert!(
        shown.contains("HS256 (no kid) [redacted]") && shown.contains("\"test-es256\" ES256"),
        "{shown}"
    );
    assert!(!shown.contains(secret.base64()));
    let verifier = ApproovVerifier::from_keys(set);
    assert!(format!("{verifier:?}").contains("test-eddsa"));
    assert_eq!(verifier.keys().len(), 5);
}

#[test]
fn signing_keys_round_trip_through_pem_and_mint_with_their_kid() {
    for key in keys().configured() {
        let signing_key = key.signing_key();
        let again = SigningKey::from_pem(
            signing_key.algorithm(),
            signing_key.kid(),
            signing_key.private_key_pem(),
        )
        .expect("its own PEM");
        assert_eq!(again.public_jwk(), signing_key.public_jwk());
        assert_eq!(again.public_key_der(), signing_key.public_key_der());
        let token = TokenMinter::from_signing_key(again)
            .approov_token(60, &[])
            .expect("mint");
        let (header, _) = token.split_once('.').expect("three segments");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64")).expect("json");
        assert_eq!(header["kid"], signing_key.kid());
        assert_eq!(header["alg"], signing_key.algorithm().name());
        assert!(TestSecret::new().verifier().verify(&token).is_ok());
    }
    assert!(matches!(
        SigningKey::generate(Algorithm::HS256, "k"),
        Err(MintError::NotAKeyPair)
    ));
    let es = keys().es256.signing_key();
    let err =
        SigningKey::from_pem(Algorithm::EdDSA, "k", es.private_key_pem()).expect_err("EC key");
    assert!(
        err.to_string().contains("not an Ed25519 private key"),
        "{err}"
    );
    let jwk = es.public_jwk();
    assert_eq!(jwk["use"], "sig");
    assert!(
        jwk.get("d").is_none(),
        "no private member in the public JWK"
    );
    assert!(!SigningKey::jwks([es]).contains(es.private_key_pem().lines().nth(1).unwrap_or("-")));
    assert!(format!("{es:?}").contains("redacted"));
}

#[test]
fn an_hs256_minter_can_name_a_kid() {
    let secret = TestSecret::new();
    let minter = TokenMinter::from_base64_secret(secret.base64())
        .expect("secret")
        .with_kid("account-secret");
    assert_eq!(minter.algorithm(), Algorithm::HS256);
    assert_eq!(minter.kid(), Some("account-secret"));
    let token = minter.approov_token(60, &[]).expect("mint");
    assert!(secret.verifier().verify(&token).is_ok());
    let named = KeySet::new()
        .with_named_hs256_secret("account-secret", secret.bytes())
        .expect("named");
    assert!(ApproovVerifier::from_keys(named).verify(&token).is_ok());
}
