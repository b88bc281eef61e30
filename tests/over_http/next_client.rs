//! The vendor's next client as each example meets it, configured only by environment
//! variables: both message signatures under each `APPROOV_MESSAGE_SIGNATURE_REQUIRE`,
//! `Approov-Status` and `Approov-TraceID` in the log, the token in `Authorization`.

use approov_core::{AccountKey, SignatureRequirement};
use approov_testkit::{authorization_token_cases, next_client_cases, Report, TestSecret};

use crate::server::Launch;
use crate::table;

/// Each requirement, with the account key as the CLI prints it (padded for one, not for
/// the others: both are taken).
pub(crate) fn both_signatures_under_each_requirement(package: &str) {
    let secret = TestSecret::new();
    let account = AccountKey::generate();
    let printed = account.to_base64url().unwrap_or_default();
    for (requirement, key) in [
        (SignatureRequirement::Install, printed.clone()),
        (SignatureRequirement::Account, format!("{printed}=")),
        (SignatureRequirement::Either, printed.clone()),
        (SignatureRequirement::Both, printed.clone()),
    ] {
        let server = Launch::new(package)
            .secret(&secret)
            .log_every_failure()
            .env("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY", &key)
            .env(
                "APPROOV_MESSAGE_SIGNATURE_REQUIRE",
                &requirement.to_string(),
            )
            .start();
        let mut report = Report::new(format!("{package} (3.8 client, require {requirement})"));
        let cases = next_client_cases(&secret, &account, requirement);
        table::run(package, &server, &cases, &mut report);
        report.finish();
        let log = server.stop();
        assert!(
            !log.contains(&printed),
            "{package}: the account key is in the log"
        );
    }
}

/// `either` is the default with an account key; the token read from `Authorization`
/// with its `Bearer ` prefix, covered there, `Approov-Token` ignored; a route bound to
/// `Authorization` refuses every request and says why at start-up or on the request.
pub(crate) fn the_token_in_authorization(package: &str) {
    let secret = TestSecret::new();
    let account = AccountKey::generate();
    let server = Launch::new(package)
        .secret(&secret)
        .log_every_failure()
        .env(
            "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY",
            &account.to_base64url().unwrap_or_default(),
        )
        .env("APPROOV_TOKEN_HEADER", "Authorization")
        .env("APPROOV_TOKEN_PREFIX", "Bearer ")
        .start();
    let mut report = Report::new(format!("{package} (token in Authorization)"));
    table::run(
        package,
        &server,
        &authorization_token_cases(&secret, &account),
        &mut report,
    );
    report.finish();
    server.stop();
}

/// A requirement that needs the account key, without one, refuses to start naming both
/// variables; a key in standard base64 is named as such.
pub(crate) fn refuses_a_requirement_without_its_key(package: &str) {
    let secret = TestSecret::new();
    for requirement in ["account", "both"] {
        let output = Launch::new(package)
            .secret(&secret)
            .env("APPROOV_MESSAGE_SIGNATURE_REQUIRE", requirement)
            .run_to_exit();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        assert!(
            !output.status.success(),
            "{package}: started without the key"
        );
        assert!(
            stderr.contains("APPROOV_MESSAGE_SIGNATURE_REQUIRE")
                && stderr.contains("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY"),
            "{package}: the refusal names both variables:\n{stderr}"
        );
    }
    let output = Launch::new(package)
        .secret(&secret)
        .env(
            "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY",
            "++/77/vv++/77/vv++/77/vv++/77/vv++/77/vv++8=",
        )
        .run_to_exit();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "{package}: started with a standard base64 key"
    );
    assert!(
        stderr.contains("standard base64")
            && stderr.contains("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY"),
        "{package}: the wrong encoding is named:\n{stderr}"
    );
    let output = Launch::new(package)
        .secret(&secret)
        .env("APPROOV_MESSAGE_SIGNATURE_REQUIRE", "all")
        .run_to_exit();
    assert!(
        !output.status.success(),
        "{package}: started with require=all"
    );
}
