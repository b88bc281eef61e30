//! Every way a token can be right or wrong, one test each.
#![allow(clippy::expect_used)] // a failed expectation is a failed test

use approov_core::{ApproovVerifier, BindingHeader, ConfigError, TokenRejection};
use approov_testkit::{forge, forge_raw, Alg, TestSecret};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

const AUTH: &str = "Bearer user-session-1";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn hs256() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

fn header_value(token: &str) -> Result<approov_core::ApproovClaims, TokenRejection> {
    let secret = SECRET.with(Clone::clone);
    secret.verifier().verify_header_values([token.as_bytes()])
}

thread_local! {
    static SECRET: TestSecret = TestSecret::new();
}

fn secret() -> TestSecret {
    SECRET.with(Clone::clone)
}

fn verify(token: &str) -> Result<approov_core::ApproovClaims, TokenRejection> {
    secret().verifier().verify(token)
}

fn with_alg(alg: Alg, name: &str) -> String {
    forge(
        alg,
        secret().bytes(),
        &json!({"alg": name, "typ": "JWT"}),
        &json!({"exp": now() + 300}),
    )
}

#[test]
fn valid_token_is_accepted_with_its_claims() {
    let claims = verify(&secret().token(300, None)).expect("valid token");
    assert!(claims.exp as i64 >= now() + 299);
    assert_eq!(claims.did.as_deref(), Some("ExampleApproovDeviceID=="));
    assert!(claims.other.contains_key("iat"));
}

#[test]
fn registered_and_unknown_claims_are_kept_not_checked() {
    let token = secret().token_with_claims(&json!({
        "exp": now() + 60, "aud": "someone", "iss": "approov.io", "sub": "x",
        "ipk": "MFkw", "arc": "ANNO", "ip": "1.2.3.4", "nbf": now() - 10
    }));
    let claims = verify(&token).expect("extra claims are fine");
    assert_eq!(claims.arc.as_deref(), Some("ANNO"));
    assert_eq!(claims.ip.as_deref(), Some("1.2.3.4"));
    assert_eq!(claims.other["aud"], "someone");
    assert_eq!(claims.other["ipk"], "MFkw");
}

#[test]
fn expired_one_second_ago() {
    assert_eq!(
        verify(&secret().token(-1, None)),
        Err(TokenRejection::Expired)
    );
}

#[test]
fn expired_120_seconds_ago() {
    assert_eq!(
        verify(&secret().token(-120, None)),
        Err(TokenRejection::Expired)
    );
}

#[test]
fn exp_is_checked_at_the_second_with_no_leeway() {
    let verifier = secret().verifier();
    let token = secret().token_with_claims(&json!({"exp": 1_000}));
    assert!(verifier.verify_at(&token, 1_000).is_ok());
    assert_eq!(
        verifier.verify_at(&token, 1_001),
        Err(TokenRejection::Expired)
    );
}

#[test]
fn leeway_is_configurable() {
    let verifier = secret()
        .verifier()
        .with_leeway(std::time::Duration::from_secs(30));
    let token = secret().token_with_claims(&json!({"exp": 1_000}));
    assert!(verifier.verify_at(&token, 1_030).is_ok());
    assert_eq!(
        verifier.verify_at(&token, 1_031),
        Err(TokenRejection::Expired)
    );
}

#[test]
fn no_exp() {
    let token = secret().token_with_claims(&json!({"did": "d"}));
    assert!(matches!(
        verify(&token),
        Err(TokenRejection::InvalidClaims(_))
    ));
}

#[test]
fn exp_not_a_number() {
    let token = secret().token_with_claims(&json!({"exp": (now() + 300).to_string()}));
    assert!(matches!(
        verify(&token),
        Err(TokenRejection::InvalidClaims(_))
    ));
}

#[test]
fn exp_negative_or_null() {
    for exp in [json!(-5), json!(null), json!(true), json!([now() + 300])] {
        let token = secret().token_with_claims(&json!({"exp": exp}));
        assert!(
            matches!(verify(&token), Err(TokenRejection::InvalidClaims(_))),
            "exp {exp}"
        );
    }
}

#[test]
fn alg_none_is_rejected() {
    let unsigned = forge(
        Alg::Unsigned,
        secret().bytes(),
        &json!({"alg": "none"}),
        &json!({"exp": now() + 300}),
    );
    assert!(verify(&unsigned).is_err());
    assert_eq!(
        verify(&with_alg(Alg::Hs256, "none")),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
}

#[test]
fn alg_hs384_is_rejected() {
    assert_eq!(
        verify(&with_alg(Alg::Hs384, "HS384")),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
}

#[test]
fn alg_hs512_is_rejected() {
    assert_eq!(
        verify(&with_alg(Alg::Hs512, "HS512")),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
}

#[test]
fn alg_rs256_header_is_rejected() {
    assert_eq!(
        verify(&with_alg(Alg::Hs256, "RS256")),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
}

#[test]
fn alg_in_another_case_is_rejected() {
    assert_eq!(
        verify(&with_alg(Alg::Hs256, "hs256")),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
}

#[test]
fn header_without_alg_or_not_json_is_rejected() {
    let no_alg = forge(
        Alg::Hs256,
        secret().bytes(),
        &json!({"typ": "JWT"}),
        &json!({"exp": now() + 9}),
    );
    assert!(matches!(verify(&no_alg), Err(TokenRejection::Malformed(_))));
    let not_json = forge_raw(Alg::Hs256, secret().bytes(), b"HS256", b"{}");
    assert!(matches!(
        verify(&not_json),
        Err(TokenRejection::Malformed(_))
    ));
}

#[test]
fn crit_header_is_rejected() {
    let token = forge(
        Alg::Hs256,
        secret().bytes(),
        &json!({"alg": "HS256", "crit": ["exp"], "exp": 1}),
        &json!({"exp": now() + 300}),
    );
    assert!(matches!(verify(&token), Err(TokenRejection::Malformed(_))));
}

#[test]
fn kid_header_is_accepted() {
    let token = forge(
        Alg::Hs256,
        secret().bytes(),
        &json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}),
        &json!({"exp": now() + 300}),
    );
    assert!(verify(&token).is_ok());
}

#[test]
fn wrong_secret() {
    let other = TestSecret::new();
    assert_eq!(
        verify(&other.token(300, None)),
        Err(TokenRejection::BadSignature)
    );
}

#[test]
fn payload_swapped_under_a_valid_signature() {
    let token = secret().token(300, None);
    let parts: Vec<&str> = token.split('.').collect();
    let forged_payload = URL_SAFE_NO_PAD.encode(json!({"exp": now() + 99_999}).to_string());
    let swapped = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_eq!(verify(&swapped), Err(TokenRejection::BadSignature));
}

#[test]
fn signature_stripped() {
    let token = secret().token(300, None);
    let (signing_input, _) = token.rsplit_once('.').expect("three parts");
    assert!(matches!(
        verify(&format!("{signing_input}.")),
        Err(TokenRejection::Malformed(_))
    ));
}

#[test]
fn signature_bit_flipped() {
    let token = secret().token(300, None);
    let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    bytes[0] ^= 1;
    let flipped = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(bytes));
    assert_eq!(verify(&flipped), Err(TokenRejection::BadSignature));
}

#[test]
fn signature_in_standard_alphabet_or_padded() {
    // Mint until the signature has a character where the two alphabets differ.
    let (token, signature) = std::iter::repeat_with(|| secret().token(300, None))
        .map(|token| {
            let signature = token.rsplit_once('.').expect("three parts").1.to_owned();
            (token, signature)
        })
        .find(|(_, signature)| signature.contains(['-', '_']))
        .expect("a signature with - or _");
    let signing_input = token.strip_suffix(&signature).expect("suffix");
    let raw = URL_SAFE_NO_PAD.decode(&signature).expect("base64url");
    let padded = format!("{signing_input}{}", STANDARD.encode(&raw));
    assert_eq!(verify(&padded), Err(TokenRejection::BadSignature));
    let standard = format!(
        "{signing_input}{}",
        STANDARD.encode(&raw).trim_end_matches('=')
    );
    assert!(matches!(
        verify(&standard),
        Err(TokenRejection::Malformed(_))
    ));
    let url_padded = format!("{signing_input}{signature}=");
    assert!(verify(&url_padded).is_err());
}

#[test]
fn two_segments() {
    let token = secret().token(300, None);
    let (signing_input, _) = token.rsplit_once('.').expect("three parts");
    assert!(matches!(
        verify(signing_input),
        Err(TokenRejection::Malformed(_))
    ));
}

#[test]
fn four_segments() {
    let token = secret().token(300, None);
    assert!(matches!(
        verify(&format!("{token}.e30")),
        Err(TokenRejection::Malformed(_))
    ));
    let (head, rest) = token.split_once('.').expect("three parts");
    assert!(matches!(
        verify(&format!("{head}.e30.{rest}")),
        Err(TokenRejection::Malformed(_))
    ));
}

#[test]
fn bearer_prefix_is_rejected_by_default() {
    let token = secret().token(300, None);
    assert_eq!(
        header_value(&format!("Bearer {token}")),
        Err(TokenRejection::UnexpectedPrefix)
    );
    assert_eq!(
        header_value(&format!("bEARER {token}")),
        Err(TokenRejection::UnexpectedPrefix)
    );
}

#[test]
fn configured_prefix_and_header_are_used() {
    let token = secret().token(300, None);
    let verifier = secret()
        .verifier()
        .with_token_header("Authorization")
        .with_token_prefix("Bearer ");
    assert_eq!(verifier.token_header(), "authorization");
    let value = format!("Bearer {token}");
    assert!(verifier.verify_header_values([value.as_bytes()]).is_ok());
    assert_eq!(
        verifier.verify_header_values([token.as_bytes()]),
        Err(TokenRejection::MissingPrefix)
    );
}

#[test]
fn payload_not_json() {
    let token = forge_raw(
        Alg::Hs256,
        secret().bytes(),
        hs256().to_string().as_bytes(),
        b"exp=9",
    );
    assert!(matches!(
        verify(&token),
        Err(TokenRejection::InvalidClaims(_))
    ));
}

#[test]
fn payload_a_json_array() {
    let payload = format!("[{{\"exp\":{}}}]", now() + 300);
    let token = forge_raw(
        Alg::Hs256,
        secret().bytes(),
        hs256().to_string().as_bytes(),
        payload.as_bytes(),
    );
    assert!(matches!(
        verify(&token),
        Err(TokenRejection::InvalidClaims(_))
    ));
}

#[test]
fn no_header() {
    let none: [&[u8]; 0] = [];
    assert_eq!(
        secret().verifier().verify_header_values(none),
        Err(TokenRejection::Missing)
    );
}

#[test]
fn empty_header() {
    assert_eq!(header_value(""), Err(TokenRejection::Empty));
}

#[test]
fn duplicate_header() {
    let token = secret().token(300, None);
    let got = secret()
        .verifier()
        .verify_header_values([token.as_bytes(), token.as_bytes()]);
    assert_eq!(got, Err(TokenRejection::Duplicate));
}

#[test]
fn non_ascii_header() {
    let token = secret().token(300, None);
    assert_eq!(
        header_value(&format!("{token}\u{e9}")),
        Err(TokenRejection::NotVisibleAscii)
    );
    let raw = [token.as_bytes(), &[0xff]].concat();
    assert_eq!(
        secret().verifier().verify_header_values([raw.as_slice()]),
        Err(TokenRejection::NotVisibleAscii)
    );
    assert_eq!(
        header_value(&format!(" {token}")),
        Err(TokenRejection::NotVisibleAscii)
    );
    assert_eq!(
        header_value(&format!("{token}\t")),
        Err(TokenRejection::NotVisibleAscii)
    );
}

#[test]
fn too_long_token_is_rejected_before_decoding() {
    let token =
        secret().token_with_claims(&json!({"exp": now() + 300, "pad": "a".repeat(32 * 1024)}));
    assert_eq!(verify(&token), Err(TokenRejection::TooLong));
}

fn bound_claims() -> approov_core::ApproovClaims {
    verify(&secret().token(300, Some(AUTH))).expect("valid bound token")
}

#[test]
fn binding_ok() {
    assert_eq!(bound_claims().check_binding([AUTH.as_bytes()]), Ok(()));
}

#[test]
fn binding_mismatch() {
    assert_eq!(
        bound_claims().check_binding([b"Bearer someone-else".as_slice()]),
        Err(TokenRejection::BindingMismatch)
    );
}

#[test]
fn binding_header_missing_empty_or_duplicate() {
    let none: [&[u8]; 0] = [];
    assert_eq!(
        bound_claims().check_binding(none),
        Err(TokenRejection::BindingHeaderMissing)
    );
    assert_eq!(
        bound_claims().check_binding([b"".as_slice()]),
        Err(TokenRejection::BindingHeaderMissing)
    );
    assert_eq!(
        bound_claims().check_binding([AUTH.as_bytes(), AUTH.as_bytes()]),
        Err(TokenRejection::BindingHeaderDuplicate)
    );
}

#[test]
fn binding_pay_missing() {
    let claims = verify(&secret().token(300, None)).expect("valid");
    assert_eq!(
        claims.check_binding([AUTH.as_bytes()]),
        Err(TokenRejection::BindingClaimMissing)
    );
}

#[test]
fn check_request_reads_the_token_and_binding_headers() {
    let token = secret().token(300, Some(AUTH));
    let headers = |name: &str| -> Vec<&[u8]> {
        match name {
            "approov-token" => vec![token.as_bytes()],
            "authorization" => vec![AUTH.as_bytes()],
            _ => vec![],
        }
    };
    let verifier = secret().verifier();
    assert!(verifier
        .check_request(headers, Some(&BindingHeader::default()))
        .is_ok());
    assert_eq!(
        verifier.check_request(headers, Some(&BindingHeader::new("X-Other"))),
        Err(TokenRejection::BindingHeaderMissing)
    );
}

#[test]
fn config_missing() {
    // The only test in this binary that touches the variable; the crate's directory,
    // where tests run, has no .env.
    std::env::remove_var("APPROOV_BASE64_SECRET");
    let err = ApproovVerifier::from_env().expect_err("no secret");
    assert!(matches!(err, ConfigError::Missing { .. }));
    assert!(err.to_string().contains("APPROOV_BASE64_SECRET"), "{err}");
}

#[test]
fn config_empty() {
    for empty in ["", "   ", "\n"] {
        let err = ApproovVerifier::from_base64_secret(empty).expect_err("empty");
        assert!(matches!(err, ConfigError::Empty { .. }));
        assert!(err.to_string().contains("APPROOV_BASE64_SECRET"), "{err}");
    }
}

#[test]
fn config_not_base64() {
    for bad in ["not base64!", "abc", "YWJj=", "c2VjcmV0_-"] {
        let err = ApproovVerifier::from_base64_secret(bad).expect_err("not base64");
        assert!(matches!(err, ConfigError::NotBase64 { .. }), "{bad}: {err}");
        assert!(err.to_string().contains("APPROOV_BASE64_SECRET"), "{err}");
    }
}

#[test]
fn secret_with_plus_and_slash() {
    let secret = secret();
    assert!(secret.base64().contains('+') && secret.base64().contains('/'));
    let verifier =
        ApproovVerifier::from_base64_secret(&format!("{}\n", secret.base64())).expect("valid");
    assert!(verifier.verify(&secret.token(60, None)).is_ok());
}

#[test]
fn debug_never_shows_the_secret() {
    let secret = secret();
    let shown = format!("{:?}", secret.verifier());
    assert!(shown.contains("redacted"), "{shown}");
    assert!(!shown.contains(secret.base64()));
    let bytes_shown = format!("{:?}", secret.bytes());
    assert!(!shown.contains(&bytes_shown[1..bytes_shown.len() - 1]));
}

#[test]
fn rejection_reasons_never_repeat_the_token() {
    let token = secret().token(-5, None);
    let reason = verify(&token).expect_err("expired").to_string();
    assert!(!reason.contains(&token[..20]), "{reason}");
}

#[test]
fn a_claim_twice_or_a_known_claim_of_the_wrong_type_is_rejected() {
    let exp = now() + 300;
    for payload in [
        format!(r#"{{"exp":{exp},"exp":{exp}}}"#),
        format!(r#"{{"exp":{exp},"pay":"a","pay":"b"}}"#),
        format!(r#"{{"exp":{exp},"iss":"a","iss":"b"}}"#),
        format!(r#"{{"exp":{exp},"did":5}}"#),
        format!(r#"{{"exp":{exp},"pay":["x"]}}"#),
    ] {
        let token = forge_raw(
            Alg::Hs256,
            secret().bytes(),
            hs256().to_string().as_bytes(),
            payload.as_bytes(),
        );
        assert!(
            matches!(verify(&token), Err(TokenRejection::InvalidClaims(_))),
            "{payload}"
        );
    }
}

#[test]
fn numeric_date_may_have_a_fraction_and_null_claims_are_absent() {
    let exp = now() + 300;
    let payload = format!(r#"{{"exp":{exp}.75,"pay":null,"did":"d"}}"#);
    let token = forge_raw(
        Alg::Hs256,
        secret().bytes(),
        hs256().to_string().as_bytes(),
        payload.as_bytes(),
    );
    let claims = verify(&token).expect("valid");
    assert_eq!(claims.exp as i64, exp);
    assert_eq!(claims.pay, None);
    assert_eq!(claims.did.as_deref(), Some("d"));
}
