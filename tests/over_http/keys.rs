//! Keys that change while a server runs: a JWKS URL refreshed in the background, and
//! `.env` re-read on SIGHUP, with no request seeing a half-updated set.

use std::time::{Duration, Instant};

use approov_testkit::{JwksRotation, TestSecret, JWKS_REFRESH_FAILED};

use crate::client;
use crate::server::{scratch_dir, Launch, Server};

fn status(server: &Server, token: &str) -> u16 {
    client::get(
        server.port,
        "/token-check",
        &[("Approov-Token", token.as_bytes())],
    )
    .map(|observed| observed.status)
    .unwrap_or_else(|e| panic!("no HTTP answer: {e}"))
}

/// A JWKS served on 127.0.0.1: picked up at start-up, a rotation picked up by a
/// refresh, a failing refresh and a vanished server survived with the last good set.
pub(crate) fn a_jwks_url_is_refreshed_and_survives_failures(package: &str) {
    let story = JwksRotation::start();
    let secret = TestSecret::new();
    let server = Launch::new(package)
        .secret(&secret)
        .env("APPROOV_JWKS_URL", &story.url())
        .env("APPROOV_JWKS_REFRESH_SECS", "1")
        .start();
    story.run(|token| status(&server, token));
    let log = server.stop();
    assert!(
        log.contains(JWKS_REFRESH_FAILED),
        "{package}: a failed refresh must be logged:\n{log}"
    );
}

/// SIGHUP re-reads `.env`: a secret added beside the old one verifies at once, the old
/// one until it is removed; a bad `.env` leaves the keys in effect as they were.
pub(crate) fn sighup_rotates_the_secret_from_dotenv(package: &str) {
    let old = TestSecret::new();
    let new = TestSecret::new();
    let dir = scratch_dir();
    let write = |contents: String| {
        std::fs::write(dir.join(".env"), contents).unwrap_or_else(|e| panic!("writing .env: {e}"));
    };
    write(format!("APPROOV_BASE64URL_SECRET={}\n", old.base64url()));
    let server = Launch::new(package).dir(&dir).start();
    let (old_token, new_token) = (old.token(600, None), new.token(600, None));
    assert_eq!(
        status(&server, &old_token),
        200,
        "{package}: before the rotation"
    );
    assert_eq!(
        status(&server, &new_token),
        401,
        "{package}: before the rotation"
    );

    let reloaded = |server: &Server, expect: (u16, u16), what: &str| {
        server.send_sighup();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = (status(server, &old_token), status(server, &new_token));
            if got == expect {
                return;
            }
            assert!(Instant::now() < deadline, "{package}: {what}: got {got:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    write(format!(
        "APPROOV_BASE64URL_SECRET={},{}\n",
        old.base64url(),
        new.base64url()
    ));
    reloaded(
        &server,
        (200, 200),
        "during the rotation both secrets verify",
    );
    write(format!("APPROOV_BASE64URL_SECRET={}\n", new.base64url()));
    reloaded(&server, (401, 200), "after the rotation only the new one");

    write("APPROOV_BASE64URL_SECRET=%%%\n".to_owned());
    server.send_sighup();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        status(&server, &new_token),
        200,
        "{package}: a bad .env keeps the keys"
    );
    let log = server.stop();
    assert!(
        log.contains("NOT reloaded") && log.contains("APPROOV_BASE64URL_SECRET"),
        "{package}: a failed reload is logged, naming the variable:\n{log}"
    );
}
