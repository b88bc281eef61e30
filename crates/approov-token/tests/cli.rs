//! The dev-token tool, run as a user runs it.
#![allow(clippy::panic)] // a test helper fails its test by panicking

use std::process::{Command, Output};

use approov_core::{ApproovVerifier, TokenRejection};

const SECRET: &str = "dG9rZW4tdG9vbC10ZXN0LXNlY3JldC0rLysvKy8rLys=";

fn run(args: &[&str], env_secret: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_approov-token"));
    command
        .args(args)
        .env_remove("APPROOV_BASE64_SECRET")
        .current_dir(std::env::temp_dir());
    if let Some(secret) = env_secret {
        command.env("APPROOV_BASE64_SECRET", secret);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("running approov-token: {e}"))
}

fn token(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn verifier() -> ApproovVerifier {
    ApproovVerifier::from_base64_secret(SECRET).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn mints_a_valid_token_from_the_environment() {
    let token = token(&run(
        &["--secret-env", "APPROOV_BASE64_SECRET"],
        Some(SECRET),
    ));
    let claims = verifier().verify(&token).unwrap_or_else(|e| panic!("{e}"));
    assert!(claims.pay.is_none());
}

#[test]
fn mints_expired_and_bound_tokens_from_a_given_secret() {
    let expired = token(&run(&["--secret", SECRET, "--expires-in", "-10"], None));
    assert_eq!(verifier().verify(&expired), Err(TokenRejection::Expired));
    let bound = token(&run(
        &["--secret", SECRET, "--bind-header-value", "Bearer me"],
        None,
    ));
    let claims = verifier().verify(&bound).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claims.check_binding([b"Bearer me".as_slice()]), Ok(()));
}

#[test]
fn without_a_secret_it_fails_naming_the_variable() {
    let output = run(&[], None);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("APPROOV_BASE64_SECRET is not set"),
        "{stderr}"
    );
    let output = run(&["--secret", "%%%"], None);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not valid standard base64"));
}
