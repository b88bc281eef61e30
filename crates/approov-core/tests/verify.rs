//! Every way a token can be right or wrong, one test each.
#![allow(clippy::expect_used)] // a failed expectation is a failed test

use approov_core::{
    ApproovVerifier, Binding, BindingHeader, ConfigError, Mode, SecretEncoding, TokenRejection,
};
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
    assert_eq!(claims.ipk.as_deref(), Some("MFkw"));
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
        Err(TokenRejection::MissingPrefix {
            header: "authorization".into()
        })
    );
}

#[test]
fn non_ascii_header() {
    let token = secret().token(300, None);
    assert_eq!(
        header_value(&format!("{token}\u{e9}")),
        Err(TokenRejection::NotVisibleAscii {
            header: "approov-token".into()
        })
    );
    let raw = [token.as_bytes(), &[0xff]].concat();
    assert_eq!(
        secret().verifier().verify_header_values([raw.as_slice()]),
        Err(TokenRejection::NotVisibleAscii {
            header: "approov-token".into()
        })
    );
    // Spaces and tabs around the value are not the value's (RFC 9110 §5.5): trimmed as
    // an HTTP/1.1 parser trims them, so HTTP/2 (which does not) answers alike.
    for padded in [
        format!(" {token}"),
        format!("{token}\t"),
        format!(" \t{token} "),
    ] {
        assert!(header_value(&padded).is_ok(), "{padded:?}");
    }
    assert_eq!(
        header_value(&format!("{}\t{}", &token[..10], &token[10..])),
        Err(TokenRejection::NotVisibleAscii {
            header: "approov-token".into()
        })
    );
}

#[test]
fn too_long_token_is_rejected_before_decoding() {
    let token =
        secret().token_with_claims(&json!({"exp": now() + 300, "pad": "a".repeat(32 * 1024)}));
    assert_eq!(verify(&token), Err(TokenRejection::TooLong));
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

#[test]
fn expiry_is_at_the_second_named_and_leeway_extends_it() {
    let token = secret().token_with_claims(&json!({"exp": 1_000}));
    let verifier = secret().verifier();
    assert!(verifier.verify_at(&token, 999).is_ok());
    assert_eq!(
        verifier.verify_at(&token, 1_000),
        Err(TokenRejection::Expired)
    );
    let lenient = verifier.with_leeway(std::time::Duration::from_secs(30));
    assert!(lenient.verify_at(&token, 1_029).is_ok());
    assert_eq!(
        lenient.verify_at(&token, 1_030),
        Err(TokenRejection::Expired)
    );
}

#[test]
fn nbf_is_honoured_with_the_leeway() {
    let token = secret().token_with_claims(&json!({"exp": 2_000, "nbf": 1_000}));
    let verifier = secret().verifier();
    assert_eq!(
        verifier.verify_at(&token, 999),
        Err(TokenRejection::NotYetValid)
    );
    assert!(verifier.verify_at(&token, 1_000).is_ok());
    let lenient = verifier.with_leeway(std::time::Duration::from_secs(30));
    assert!(lenient.verify_at(&token, 970).is_ok());
    assert_eq!(
        lenient.verify_at(&token, 969),
        Err(TokenRejection::NotYetValid)
    );
}

#[test]
fn iat_is_not_checked() {
    // A server clock behind Approov's sees a fresh token's iat in the future.
    let token = secret().token_with_claims(&json!({"exp": now() + 60, "iat": now() + 3600}));
    assert!(verify(&token).is_ok());
}

#[test]
fn a_kid_with_no_configured_keys_is_ignored_for_hs256() {
    let token = forge(
        Alg::Hs256,
        secret().bytes(),
        &json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}),
        &json!({"exp": now() + 300}),
    );
    assert!(verify(&token).is_ok());
}

#[test]
fn check_request_reads_the_token_and_every_bound_header() {
    let token = secret().token_bound_to(300, &[AUTH, "s-1"]);
    let headers = |name: &str| -> Vec<&[u8]> {
        match name {
            "approov-token" => vec![token.as_bytes()],
            "authorization" => vec![AUTH.as_bytes()],
            "sessionid" => vec![b"s-1".as_slice()],
            _ => vec![],
        }
    };
    let verifier = secret().verifier();
    let double = Binding::from([
        BindingHeader::AUTHORIZATION,
        BindingHeader::new("SessionId"),
    ]);
    let passed = verifier.check_request(headers, Some(&double));
    assert!(passed.passed());
    assert_eq!(passed.binding(), Some(&double));
    let other = Binding::from([BindingHeader::AUTHORIZATION, BindingHeader::new("X-Other")]);
    assert_eq!(
        verifier.check_request(headers, Some(&other)).rejection(),
        Some(&TokenRejection::BindingHeaderMissing {
            header: BindingHeader::new("x-other")
        })
    );
    // The same token under the unbound check, then bound: the binding is checked once.
    let unbound = verifier.check_request(headers, None);
    assert_eq!(unbound.binding(), None);
    let bound = unbound.bound_to(&double, headers);
    assert!(bound.passed());
    assert_eq!(
        bound
            .bound_to(&other, headers)
            .rejection()
            .map(TokenRejection::code),
        Some("missing_binding_header")
    );
}

#[test]
fn an_empty_binding_fails_closed() {
    let claims = verify(&secret().token(300, Some(AUTH))).expect("valid");
    assert_eq!(
        Binding::new(Vec::new()).check(&claims, |_| [AUTH.as_bytes()]),
        Err(TokenRejection::BindingMismatch)
    );
}

#[test]
fn monitor_mode_passes_a_failed_check_on_and_says_why() {
    let verifier = secret().verifier().with_mode(Mode::Monitor);
    let verification = verifier.check_request(|_| [b"garbage".as_slice()], None);
    assert!(!verification.refused());
    assert!(!verification.passed());
    assert_eq!(verification.claims(), None);
    assert_eq!(
        verification.rejection(),
        Some(&TokenRejection::Malformed("not three segments"))
    );
    let let_through = verification
        .enforce()
        .expect("monitor mode lets it through");
    assert_eq!(
        let_through.rejection(),
        Some(&TokenRejection::Malformed("not three segments")),
        "and the handler can still ask why"
    );
}

#[test]
fn enforce_refuses_a_failed_check_with_its_reason_and_lets_a_passed_one_through() {
    let secret = secret();
    let verifier = secret.verifier();
    let expired = secret.token(-60, None);
    let refused = verifier.check_request(|_| [expired.as_bytes()], None);
    assert_eq!(refused.enforce().err(), Some(TokenRejection::Expired));
    let valid = secret.token(60, None);
    let passed = verifier
        .check_request(|_| [valid.as_bytes()], None)
        .enforce()
        .expect("a valid token passes");
    assert!(passed.passed());
    assert_eq!(
        passed.claims().map(|c| c.exp),
        verify(&valid).ok().map(|c| c.exp)
    );
}

/// The one test of this binary that touches the secret variables; the crate's
/// directory, where tests run, has no .env.
#[test]
fn from_env_reads_either_encoding_and_refuses_what_is_wrong() {
    let secret = secret();
    let set = |b64: Option<&str>, b64url: Option<&str>, mode: Option<&str>| {
        for (var, value) in [
            ("APPROOV_BASE64_SECRET", b64),
            ("APPROOV_BASE64URL_SECRET", b64url),
            ("APPROOV_MODE", mode),
        ] {
            match value {
                Some(value) => std::env::set_var(var, value),
                None => std::env::remove_var(var),
            }
        }
        ApproovVerifier::from_env()
    };
    let token = secret.token(60, None);
    let url = secret.base64url();
    for (b64, b64url) in [
        (Some(secret.base64()), None),
        (None, Some(url.as_str())),
        (None, Some(format!("{url}==").as_str())),
        (Some(secret.base64()), Some(url.as_str())),
    ] {
        let verifier = set(b64, b64url, None).expect("a good secret");
        assert!(verifier.verify(&token).is_ok());
        assert_eq!(verifier.mode(), Mode::Enforce);
    }
    let monitor = set(Some(secret.base64()), None, Some("monitor")).expect("monitor");
    assert_eq!(monitor.mode(), Mode::Monitor);

    let other = TestSecret::new();
    let refusals = [
        (set(None, None, None), "no Approov secret or keys: set APPROOV_BASE64URL_SECRET"),
        (set(Some(""), None, None), "APPROOV_BASE64_SECRET is empty"),
        (set(None, Some(" "), None), "APPROOV_BASE64URL_SECRET is empty"),
        (set(Some("not base64!"), None, None), "APPROOV_BASE64_SECRET is not valid standard base64"),
        (
            set(Some("TEST-SECRET_TEST-SECRET_TEST-SECRET_AA"), None, None),
            "APPROOV_BASE64_SECRET holds a base64url value, not standard base64: put it in APPROOV_BASE64URL_SECRET instead",
        ),
        (
            set(Some(secret.base64()), Some(&other.base64url()), None),
            "APPROOV_BASE64_SECRET and APPROOV_BASE64URL_SECRET are both set but hold different secrets",
        ),
        (set(Some(secret.base64()), None, Some("off")), "APPROOV_MODE is \"off\""),
    ];
    for (result, start) in refusals {
        let err = result.expect_err(start);
        assert!(err.to_string().starts_with(start), "{err}");
        assert_eq!(
            format!("{err:?}"),
            err.to_string(),
            "Debug reads as Display"
        );
    }
    set(None, None, None).expect_err("cleaned up");

    // Message-signing settings.
    std::env::set_var("APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS", "10");
    let verifier = set(Some(secret.base64()), None, None).expect("a good secret");
    assert_eq!(
        verifier.message_signing(),
        &approov_core::MessageSigning::default().with_max_age(std::time::Duration::from_secs(10))
    );
    std::env::set_var("APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS", "ten");
    let err = set(Some(secret.base64()), None, None).expect_err("not a number");
    assert_eq!(
        err.to_string(),
        "APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS is \"ten\": set it to a whole number"
    );
    std::env::remove_var("APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS");
}

#[test]
fn errors_name_where_a_given_secret_came_from() {
    let err = ApproovVerifier::from_base64_secret("not base64!").expect_err("bad");
    assert!(
        err.to_string()
            .starts_with("the secret given to from_base64_secret is not valid"),
        "{err}"
    );
    let err = ApproovVerifier::from_base64url_secret("").expect_err("empty");
    assert!(
        err.to_string().contains("`approov secret -get base64url`"),
        "{err}"
    );
    let err = ApproovVerifier::from_env_var("APPROOV_TEST_UNSET_VAR", SecretEncoding::Base64)
        .expect_err("unset");
    assert!(matches!(err, ConfigError::Missing { .. }));
}

#[test]
fn the_vendors_fixture_tokens_with_its_base64url_dummy_secret() {
    use approov_testkit::vendor;
    let verifier =
        ApproovVerifier::from_base64url_secret(vendor::TEST_SECRET_BASE64URL).expect("secret");
    let same = ApproovVerifier::from_base64_secret(vendor::TEST_SECRET_BASE64).expect("secret");
    for token in [
        vendor::GOOD_FULL_TOKEN,
        vendor::GOOD_MIN_TOKEN,
        vendor::GOOD_IPK_TOKEN,
        vendor::GOOD_FULL_TOKEN_WITH_BINDING,
    ] {
        assert!(verifier.verify(token).is_ok());
        assert!(same.verify(token).is_ok());
    }
    let code = |token| verifier.verify(token).err().map(|r| r.code());
    assert_eq!(
        code(vendor::BAD_SIGNATURE_TOKEN),
        Some("token_verification_failed")
    );
    assert_eq!(code(vendor::EXPIRED_TOKEN), Some("token_expired"));
    assert_eq!(
        code(vendor::NO_EXPIRY_TOKEN),
        Some("token_missing_expiration")
    );
    assert_eq!(
        code(vendor::NO_ALG_TOKEN),
        Some("token_verification_failed")
    );
    let claims = verifier
        .verify(vendor::GOOD_FULL_TOKEN_WITH_BINDING)
        .expect("valid");
    let double = Binding::from([
        BindingHeader::AUTHORIZATION,
        BindingHeader::new("SessionId"),
    ]);
    let headers = |name: &str| match name {
        "authorization" => [vendor::BOUND_AUTHORIZATION.as_bytes()],
        _ => [vendor::BOUND_SECOND_VALUE.as_bytes()],
    };
    assert_eq!(double.check(&claims, headers), Ok(()));
    let wrong = verifier.verify(vendor::WRONG_BINDING_TOKEN).expect("valid");
    assert_eq!(
        double.check(&wrong, headers),
        Err(TokenRejection::BindingMismatch)
    );
}

#[test]
fn the_vendors_installation_key_signs_a_request_the_verification_accepts() {
    use approov_core::{InstallationKey, SignatureParams, SignedRequest};
    use approov_testkit::vendor;
    let verifier = ApproovVerifier::from_base64url_secret(vendor::TEST_SECRET_BASE64URL)
        .expect("secret")
        .with_log_limit(None);
    let key = InstallationKey::from_pkcs8_pem(vendor::TEST_INSTALL_PRIVATE_KEY_PEM).expect("pem");
    assert_eq!(key.ipk(), vendor::TEST_INSTALL_PUBLIC_KEY);
    let mut headers: Vec<(&str, String)> = vec![("approov-token", vendor::GOOD_IPK_TOKEN.into())];
    let created = u64::try_from(now()).expect("after 1970");
    let signed = {
        let get = |name: &str| -> Vec<&[u8]> {
            headers
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_bytes())
                .collect()
        };
        let request = SignedRequest::new("GET", "https", "api.example.com", "/orders?id=7", get);
        key.sign_request(
            &request,
            &SignatureParams::new(&["@method", "@target-uri", "approov-token"], created),
        )
        .expect("signed")
    };
    headers.push(("signature", signed.signature));
    headers.push(("signature-input", signed.signature_input));
    let get = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes())
            .collect()
    };
    let request = SignedRequest::new("GET", "https", "api.example.com", "/orders?id=7", get);
    let verification = verifier.check_request(get, None).message_signed(&request);
    assert!(verification.passed() && verification.is_message_signed());
    // Checked once: a second call does not verify again.
    let again = verification.clone().message_signed(&request);
    assert!(again.is_message_signed());

    let elsewhere = SignedRequest::new("GET", "https", "api.example.com", "/orders?id=8", get);
    let forged = verifier.check_request(get, None).message_signed(&elsewhere);
    assert_eq!(
        forged.rejection().map(TokenRejection::code),
        Some("message_signature_invalid")
    );
    assert!(forged.refused());
    // A token without ipk cannot pass a signed route.
    let no_ipk = |name: &str| -> Vec<&[u8]> {
        match name {
            "approov-token" => vec![vendor::GOOD_MIN_TOKEN.as_bytes()],
            _ => get(name),
        }
    };
    let unsigned = verifier
        .check_request(no_ipk, None)
        .message_signed(&request);
    assert_eq!(
        unsigned.rejection().map(TokenRejection::code),
        Some("message_signature_no_ipk")
    );
}
