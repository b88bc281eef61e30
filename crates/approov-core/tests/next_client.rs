//! The vendor's next client: account signatures, the per-token key hook, the token in
//! `Authorization`, `Approov-Status` and `Approov-TraceID`, and every setting from the
//! environment. The one test that sets the process environment is alone in touching
//! it: no other test here reads it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use approov_core::{
    AccountKey, ApproovVerifier, BindingHeader, ConfigError, InstallationKey,
    MessageSignatureError, MessageSigning, SignatureParams, SignatureRequirement, SignedRequest,
    TokenRejection,
};
use approov_testkit::{LogCapture, TestSecret};
use serde_json::json;

const VARS: [&str; 8] = [
    "APPROOV_BASE64_SECRET",
    "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY",
    "APPROOV_MESSAGE_SIGNATURE_REQUIRE",
    "APPROOV_TOKEN_HEADER",
    "APPROOV_TOKEN_PREFIX",
    "APPROOV_STATUS_HEADER",
    "APPROOV_TRACE_ID_HEADER",
    "APPROOV_MODE",
];

fn start(vars: &[(&str, &str)]) -> Result<ApproovVerifier, ConfigError> {
    for var in VARS {
        std::env::remove_var(var);
    }
    for (var, value) in vars {
        std::env::set_var(var, value);
    }
    ApproovVerifier::from_env()
}

fn refused(vars: &[(&str, &str)], says: &[&str]) {
    let message = start(vars).expect_err("refused").to_string();
    for part in says {
        assert!(message.contains(part), "{vars:?}: {message} / {part}");
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[test]
fn every_setting_comes_from_the_environment_and_a_bad_one_is_named() {
    let secret = TestSecret::new();
    let base = ("APPROOV_BASE64_SECRET", secret.base64());
    let account = AccountKey::generate();
    let printed = account.to_base64url().unwrap();

    // An account key alone: either signature will do.
    let verifier = start(&[base, ("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", &printed)]).unwrap();
    assert_eq!(
        verifier.message_signing().requirement(),
        SignatureRequirement::Either
    );
    assert_eq!(verifier.message_signing().account_key(), Some(&account));
    // Padded as well, and white space around it.
    let padded = format!(" {printed}=\n");
    let verifier = start(&[
        base,
        ("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", &padded),
        ("APPROOV_MESSAGE_SIGNATURE_REQUIRE", "Both"),
    ])
    .unwrap();
    assert_eq!(
        verifier.message_signing().requirement(),
        SignatureRequirement::Both
    );
    assert_eq!(verifier.message_signing().account_key(), Some(&account));
    // No key: install.
    let verifier = start(&[base]).unwrap();
    assert_eq!(
        verifier.message_signing().requirement(),
        SignatureRequirement::Install
    );

    for requirement in ["account", "both"] {
        refused(
            &[base, ("APPROOV_MESSAGE_SIGNATURE_REQUIRE", requirement)],
            &[
                "APPROOV_MESSAGE_SIGNATURE_REQUIRE",
                requirement,
                "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY",
                "approov secret -messageSigningKey get-base64url",
            ],
        );
    }
    refused(
        &[base, ("APPROOV_MESSAGE_SIGNATURE_REQUIRE", "all")],
        &["APPROOV_MESSAGE_SIGNATURE_REQUIRE", "\"all\"", "`either`"],
    );
    refused(
        &[
            base,
            (
                "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY",
                "++/77/vv++/77/vv++/77/vv++/77/vv++/77/vv++8=",
            ),
        ],
        &["APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", "standard base64"],
    );
    refused(
        &[base, ("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", "abcd*efgh")],
        &["APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", "'*'", "position 5"],
    );
    refused(
        &[base, ("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", "  ")],
        &["APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", "empty"],
    );
    refused(
        &[base, ("APPROOV_TOKEN_HEADER", "Approov Token")],
        &["APPROOV_TOKEN_HEADER", "header name"],
    );
    refused(
        &[base, ("APPROOV_STATUS_HEADER", "")],
        &["APPROOV_STATUS_HEADER"],
    );

    // The token in `Authorization` with `Bearer` (its space added as a .env file
    // may leave it off), the status in another header.
    let verifier = start(&[
        base,
        ("APPROOV_TOKEN_HEADER", "Authorization"),
        ("APPROOV_TOKEN_PREFIX", "Bearer"),
        ("APPROOV_STATUS_HEADER", "X-App-Status"),
    ])
    .unwrap();
    assert_eq!(verifier.token_header(), "authorization");
    let token = secret.token(300, None);
    let bearer = format!("Bearer {token}");
    let in_authorization = |name: &str| -> Vec<&[u8]> {
        match name {
            "authorization" => vec![bearer.as_bytes()],
            "x-app-status" => vec![b"poor_network"],
            _ => vec![],
        }
    };
    assert!(verifier.check_request(in_authorization, None).passed());
    let in_approov_token = |name: &str| -> Vec<&[u8]> {
        match name {
            "approov-token" => vec![token.as_bytes()],
            "x-app-status" => vec![b"poor_network"],
            _ => vec![],
        }
    };
    let ignored = verifier.check_request(in_approov_token, None);
    assert_eq!(
        ignored.rejection(),
        Some(&TokenRejection::Missing {
            header: "authorization".into()
        })
    );
    assert!(verifier
        .rejection_status_counts()
        .contains(&("poor_network", 1)));
    // A binding to the token's own header: an error now, a refusal on every request.
    let binding = BindingHeader::AUTHORIZATION.into();
    assert!(matches!(
        verifier.check_binding(&binding),
        Err(ConfigError::BindsTokenHeader { .. })
    ));
    let bound = verifier.check_request(in_authorization, Some(&binding));
    assert_eq!(
        bound.rejection().map(TokenRejection::code),
        Some("binding_misconfigured")
    );
    for var in VARS {
        std::env::remove_var(var);
    }
}

/// A request to `/orders` signed as the 3.8 client signs, by whichever keys are given.
fn signed(
    token: &str,
    install: Option<&InstallationKey>,
    account: Option<&AccountKey>,
) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("approov-token", token.to_owned()),
        ("approov-status", "success".to_owned()),
    ];
    let created = now();
    let params = SignatureParams::new(
        &["@method", "@target-uri", "approov-token", "approov-status"],
        created,
    )
    .with_expires(created + 15);
    let unsigned = headers.clone();
    let values = |name: &str| -> Vec<&[u8]> {
        unsigned
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes())
            .collect()
    };
    let request = SignedRequest::new("GET", "https", "api.example.com", "/orders", values);
    let install = install.map(|key| key.sign_request(&request, &params).unwrap());
    let account = account.map(|key| key.sign_request(&request, &params).unwrap());
    let both = match (install, account) {
        (Some(i), Some(a)) => i.join(a),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => unreachable!(),
    };
    headers.push(("signature", both.signature));
    headers.push(("signature-input", both.signature_input));
    headers
}

fn verify(
    signing: &MessageSigning,
    claims: &serde_json::Value,
    headers: &[(&'static str, String)],
) -> Result<(), MessageSignatureError> {
    let values = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes())
            .collect()
    };
    let request = SignedRequest::new("GET", "https", "api.example.com", "/orders", values);
    let claims = serde_json::from_value(claims.clone()).unwrap();
    signing.verify(&claims, &request, now())
}

#[test]
fn a_per_token_key_hook_resolves_the_account_key_from_the_claims() {
    let master = b"a master key only this deployment knows, 32+ bytes".to_vec();
    let derive = move |did: &str| [master.as_slice(), did.as_bytes()].concat();
    let derive_for_hook = derive.clone();
    let hook = AccountKey::per_token(move |claims| claims.did.as_deref().map(&derive_for_hook));
    let signing = MessageSigning::default()
        .with_account_key(hook)
        .with_requirement(SignatureRequirement::Account);
    let device_a = AccountKey::from_bytes(&derive("device-a"));
    let headers = signed("tok", None, Some(&device_a));

    let claims = |did: Option<&str>| match did {
        Some(did) => json!({"exp": now() + 300, "did": did}),
        None => json!({"exp": now() + 300}),
    };
    assert_eq!(
        verify(&signing, &claims(Some("device-a")), &headers),
        Ok(())
    );
    assert_eq!(
        verify(&signing, &claims(Some("device-b")), &headers),
        Err(MessageSignatureError::AccountSignatureMismatch)
    );
    assert_eq!(
        verify(&signing, &claims(None), &headers),
        Err(MessageSignatureError::AccountKeyUnavailable)
    );
    // Signing needs a key, not a hook.
    let hook = AccountKey::per_token(|_| None);
    let none = |_: &str| -> Vec<&[u8]> { Vec::new() };
    let request = SignedRequest::new("GET", "https", "h", "/", none);
    assert_eq!(
        hook.sign_request(&request, &SignatureParams::new(&["@method"], now()))
            .map(|_| ()),
        Err(MessageSignatureError::AccountKeyUnavailable)
    );
}

#[test]
fn a_requirement_that_needs_the_key_without_one_refuses_every_request() {
    let install = InstallationKey::generate();
    let account = AccountKey::generate();
    let claims = json!({"exp": now() + 300, "ipk": install.ipk()});
    let headers = signed("tok", Some(&install), Some(&account));
    let keyless = MessageSigning::default().with_requirement(SignatureRequirement::Both);
    assert_eq!(
        verify(&keyless, &claims, &headers),
        Err(MessageSignatureError::AccountKeyUnavailable)
    );
    let with_key = keyless.with_account_key(account);
    assert_eq!(verify(&with_key, &claims, &headers), Ok(()));
    // `install` with a key set checks only `install`: an account half made with
    // another key is not looked at.
    let install_only = MessageSigning::default()
        .with_account_key(AccountKey::generate())
        .with_requirement(SignatureRequirement::Install);
    assert_eq!(verify(&install_only, &claims, &headers), Ok(()));
}

#[test]
fn status_and_trace_id_are_logged_validated_and_never_raw() {
    let (logs, _guard) = LogCapture::install();
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_log_limit(None);
    let expired = secret.token(-1, None);
    let request = |status: &'static [u8], trace: &'static [u8], token: Option<String>| {
        move |name: &str| -> Vec<Vec<u8>> {
            match name {
                "approov-status" => vec![status.to_vec()],
                "approov-traceid" => vec![trace.to_vec()],
                "approov-token" => token.clone().map(String::into_bytes).into_iter().collect(),
                _ => vec![],
            }
        }
    };
    for (status, trace, token, logged) in [
        (
            b"no_network".as_slice(),
            b"".as_slice(),
            None,
            (Some("no_network"), None),
        ),
        (
            b"success",
            b"aGVsbG8td29ybGQ",
            Some(expired.clone()),
            (Some("success"), Some("aGVsbG8td29ybGQ")),
        ),
        (
            b"NO_NETWORK\x1b[2J",
            "tr\u{e4}ce".as_bytes(),
            None,
            (Some("invalid"), Some("invalid")),
        ),
    ] {
        let headers = request(status, trace, token);
        let owned = |name: &str| headers(name);
        let held: Vec<(String, Vec<Vec<u8>>)> =
            ["approov-status", "approov-traceid", "approov-token"]
                .iter()
                .map(|n| ((*n).to_owned(), owned(n)))
                .collect();
        let lookup = |name: &str| -> Vec<&[u8]> {
            held.iter()
                .filter(|(n, _)| n == name)
                .flat_map(|(_, v)| v.iter().map(Vec::as_slice))
                .collect()
        };
        logs.take();
        let verification = verifier.check_request(lookup, None);
        assert!(!verification.passed());
        let lines = logs.take();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(
            (lines[0].status.as_deref(), lines[0].trace_id.as_deref()),
            logged
        );
    }
    let counts = verifier.rejection_status_counts();
    assert!(counts.contains(&("no_network", 1)), "{counts:?}");
    assert!(counts.contains(&("success", 1)), "{counts:?}");
    assert!(counts.contains(&("invalid", 1)), "{counts:?}");
}
