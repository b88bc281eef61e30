//! Start-up: where the secret and mode come from, and every way a server must refuse
//! to start (one clear line naming the variable, a non-zero exit, never serving).

use approov_testkit::TestSecret;

use crate::client;
use crate::server::{scratch_dir, Launch};

pub(crate) fn refuses_every_bad_configuration(package: &str) {
    let secret = TestSecret::new();
    let other = TestSecret::new();
    let url = secret.base64url();
    // (the environment, what one stderr line must say)
    type Refusal<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let refusals: [Refusal<'_>; 10] = [
        (
            &[],
            &[
                "APPROOV_BASE64URL_SECRET",
                "APPROOV_BASE64_SECRET",
                "approov secret -get base64url",
            ],
        ),
        (
            &[("APPROOV_BASE64_SECRET", "")],
            &["APPROOV_BASE64_SECRET is empty"],
        ),
        (
            &[("APPROOV_BASE64URL_SECRET", " ")],
            &["APPROOV_BASE64URL_SECRET is empty"],
        ),
        (
            &[("APPROOV_BASE64_SECRET", "not base64!")],
            &["APPROOV_BASE64_SECRET is not valid standard base64"],
        ),
        (
            &[("APPROOV_BASE64_SECRET", &url)],
            &[
                "APPROOV_BASE64_SECRET",
                "put it in APPROOV_BASE64URL_SECRET",
            ],
        ),
        (
            &[("APPROOV_BASE64URL_SECRET", secret.base64())],
            &[
                "APPROOV_BASE64URL_SECRET",
                "put it in APPROOV_BASE64_SECRET",
            ],
        ),
        (
            &[
                ("APPROOV_BASE64_SECRET", secret.base64()),
                ("APPROOV_BASE64URL_SECRET", &other.base64url()),
            ],
            &[
                "APPROOV_BASE64_SECRET and APPROOV_BASE64URL_SECRET",
                "different",
            ],
        ),
        (
            &[
                ("APPROOV_BASE64_SECRET", secret.base64()),
                ("APPROOV_MODE", "audit"),
            ],
            &["APPROOV_MODE", "enforce", "monitor"],
        ),
        // A secret under 256 bits (RFC 7518 §3.2): "short-secret", 12 bytes.
        (
            &[("APPROOV_BASE64URL_SECRET", "c2hvcnQtc2VjcmV0")],
            &["APPROOV_BASE64URL_SECRET", "12 bytes", "at least 32"],
        ),
        // A raw decoder message is not enough: the character, where, and what to do.
        (
            &[("APPROOV_BASE64URL_SECRET", "abc def")],
            &[
                "APPROOV_BASE64URL_SECRET",
                "' ' at position 4",
                "approov secret -get base64url",
            ],
        ),
    ];
    for (env, says) in refusals {
        let launch = env
            .iter()
            .fold(Launch::new(package), |launch, (name, value)| {
                launch.env(name, value)
            });
        let output = launch.run_to_exit();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{package} started with {env:?}");
        // Every setting is checked before any is announced.
        assert!(
            !stderr.contains("keys in effect") && !stderr.contains("MONITOR MODE"),
            "{package} with {env:?} announced settings before refusing:\n{stderr}"
        );
        let line = stderr
            .lines()
            .find(|line| says.iter().all(|s| line.contains(s)));
        assert!(
            line.is_some(),
            "{package} with {env:?}: one stderr line must say {says:?}; stderr:\n{stderr}"
        );
        assert!(
            !stdout.contains("listening") && !stderr.contains("listening"),
            "{package} with {env:?} must never serve"
        );
        assert!(
            !stderr.contains(secret.base64()) && !stderr.contains(&url),
            "{package}: an error repeats the secret"
        );
    }
}

/// An `APPROOV_` variable nothing reads (a typo) is pointed out at start-up, with the
/// variable meant; the server still starts.
pub(crate) fn warns_about_a_misspelt_variable(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package)
        .env("APPROOV_BASE64URL_SECRET", &secret.base64url())
        .env("APPROOV_MODEE", "monitor")
        .start();
    let log = server.stop();
    assert!(
        log.lines().any(|line| line.contains("WARN")
            && line.contains("APPROOV_MODEE")
            && line.contains("did you mean APPROOV_MODE?")),
        "{package}: APPROOV_MODEE must be pointed out:\n{log}"
    );
    assert!(
        !log.contains("MONITOR MODE"),
        "{package}: a misspelt mode is not a mode"
    );
}

pub(crate) fn reads_dotenv_and_the_environment_wins(package: &str) {
    let from_file = TestSecret::new();
    let from_env = TestSecret::new();
    let dir = scratch_dir();
    std::fs::write(
        dir.join(".env"),
        format!("APPROOV_BASE64URL_SECRET={}\n", from_file.base64url()),
    )
    .unwrap_or_else(|e| panic!("writing .env: {e}"));

    let server = Launch::new(package).dir(&dir).start();
    let token = from_file.token(60, None);
    assert_eq!(
        status_of(server.port, &token),
        200,
        "{package}: a token signed with the .env secret"
    );
    drop(server);

    // The environment's APPROOV_BASE64URL_SECRET wins over the file's.
    let server = Launch::new(package)
        .dir(&dir)
        .env("APPROOV_BASE64URL_SECRET", &from_env.base64url())
        .start();
    assert_eq!(
        status_of(server.port, &from_env.token(60, None)),
        200,
        "{package}: env secret"
    );
    assert_eq!(
        status_of(server.port, &token),
        401,
        "{package}: the environment must win over .env"
    );
}

fn status_of(port: u16, token: &str) -> u16 {
    client::get(port, "/token-check", &[("Approov-Token", token.as_bytes())])
        .map(|observed| observed.status)
        .unwrap_or_else(|e| panic!("no HTTP answer: {e}"))
}
