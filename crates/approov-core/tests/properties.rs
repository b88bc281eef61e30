//! Hostile input, generated: no panic, and no acceptance without the secret.

use approov_testkit::TestSecret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use proptest::prelude::*;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn future() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
        + 3600
}

/// A JOSE header an attacker might send.
fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"{"alg":"HS256","typ":"JWT"}"#.to_owned()),
        Just(r#"{"alg":"none"}"#.to_owned()),
        "[A-Za-z0-9]{0,8}".prop_map(|alg| format!(r#"{{"alg":"{alg}"}}"#)),
        ".{0,64}",
    ]
}

/// A payload an attacker might send: mostly a future `exp`, sometimes anything.
fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,8}".prop_map(|did| format!(r#"{{"exp":{},"did":"{did}"}}"#, future())),
        ".{0,64}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_header_bytes_never_panic_nor_pass(values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..3)) {
        let verifier = TestSecret::new().verifier();
        let result = verifier.verify_header_values(values.iter().map(Vec::as_slice));
        prop_assert!(result.is_err());
    }

    #[test]
    fn arbitrary_strings_never_panic_nor_pass(token in ".{0,300}") {
        let verifier = TestSecret::new().verifier();
        prop_assert!(verifier.verify(&token).is_err());
    }

    #[test]
    fn jwt_shaped_tokens_without_the_secret_never_pass(
        header in header(),
        payload in payload(),
        signature in prop::collection::vec(any::<u8>(), 0..80),
        guessed_key in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let secret = TestSecret::new();
        let verifier = secret.verifier();
        let signing_input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
        let random_signature = format!("{signing_input}.{}", b64(&signature));
        prop_assert!(verifier.verify(&random_signature).is_err());
        // Signed, but with a key that is not the secret.
        let forged = approov_testkit::forge_raw(
            approov_testkit::Alg::Hs256, &guessed_key, header.as_bytes(), payload.as_bytes());
        prop_assert!(verifier.verify(&forged).is_err());
        prop_assert!(verifier.verify_header_values([forged.as_bytes()]).is_err());
    }

    #[test]
    fn mutating_one_byte_of_a_valid_token_never_passes(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let secret = TestSecret::new();
        let token = secret.token(300, None);
        let mut bytes = token.clone().into_bytes();
        let at = index.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        let mutated = String::from_utf8_lossy(&bytes);
        // A change that decodes to the same bytes (base64 trailing bits) could be
        // equivalent; everything else must fail.
        if let Ok(claims) = secret.verifier().verify(&mutated) {
            let original = secret.verifier().verify(&token);
            prop_assert_eq!(Ok(claims), original);
        }
    }
}
