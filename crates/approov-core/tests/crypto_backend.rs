//! jsonwebtoken 11 panics at run time when a build has both or neither of its crypto
//! backends and code asks for its process-wide provider. approov-core never asks: it
//! names the `rust_crypto` backend. This binary proves it by installing a process-wide
//! provider that panics when used, then verifying and minting, with the secret and with
//! every kind of public key (RS256, PS256, ES256, EdDSA). Whatever features a
//! user's dependency graph turns on, the panic is out of reach. (Alone in its test
//! binary, since the provider is process-wide.)

use approov_core::{ApproovVerifier, TokenMinter};
use approov_testkit::TestSecret;
use jsonwebtoken::crypto::{CryptoProvider, KeyUtils};

static TRAP: CryptoProvider = CryptoProvider {
    signer_factory: |_, _| unreachable!("approov-core used jsonwebtoken's process-wide signer"),
    verifier_factory: |_, _| unreachable!("approov-core used jsonwebtoken's process-wide verifier"),
    key_utils: KeyUtils::new_unimplemented(),
};

#[test]
fn verifying_and_minting_never_use_the_process_wide_provider() {
    assert!(
        TRAP.install_default().is_ok(),
        "nothing installed a provider before"
    );
    let live = std::panic::catch_unwind(|| {
        let key = jsonwebtoken::DecodingKey::from_secret(b"key");
        jsonwebtoken::crypto::verify("c2ln", b"message", &key, jsonwebtoken::Algorithm::HS256)
    });
    assert!(live.is_err(), "the trap is installed and springs when used");

    let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=";
    let minter = TokenMinter::from_base64_secret(secret).unwrap_or_else(|e| panic!("{e}"));
    let token = minter
        .approov_token(60, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let verifier = ApproovVerifier::from_base64_secret(secret).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        verifier.verify(&token).is_ok(),
        "minted and verified without the trap"
    );
    assert!(verifier.verify(&format!("{token}x")).is_err());

    let secret = TestSecret::new();
    let verifier = secret.verifier();
    for key in secret.keys().configured() {
        let token = key.token(60, None);
        assert!(verifier.verify(&token).is_ok(), "{key:?}");
        assert!(verifier.verify(&format!("{token}x")).is_err(), "{key:?}");
    }
}
