//! The key variables: `APPROOV_JWKS`, `APPROOV_JWKS_FILE`, `APPROOV_JWKS_URL` beside
//! the secret variables, their start-up errors, and `reload_from_env`. One test: it
//! sets the process environment, which every test of a binary shares. The crate's
//! directory, where tests run, has no .env.
#![allow(clippy::expect_used)] // a failed expectation is a failed test

use approov_core::{ApproovVerifier, ConfigError, TokenRejection};
use approov_testkit::{jwks_json, TestKeys, TestSecret};

const VARS: [&str; 6] = [
    "APPROOV_BASE64_SECRET",
    "APPROOV_BASE64URL_SECRET",
    "APPROOV_JWKS",
    "APPROOV_JWKS_FILE",
    "APPROOV_JWKS_URL",
    "APPROOV_JWKS_REFRESH_SECS",
];

fn set(vars: &[(&str, &str)]) {
    for var in VARS {
        std::env::remove_var(var);
    }
    for (var, value) in vars {
        std::env::set_var(var, value);
    }
}

fn start(vars: &[(&str, &str)]) -> Result<ApproovVerifier, ConfigError> {
    set(vars);
    ApproovVerifier::from_env()
}

fn refused(vars: &[(&str, &str)], says: &[&str]) {
    let err = start(vars).expect_err("refused");
    let message = err.to_string();
    for part in says {
        assert!(message.contains(part), "{vars:?}: {message} / {part}");
    }
    assert_eq!(format!("{err:?}"), message, "Debug reads as Display");
    assert!(!message.contains('\n'), "one line: {message}");
}

fn file_with(contents: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "approov-core-keys-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("jwks.json");
    std::fs::write(&path, contents).expect("jwks file");
    path
}

#[test]
fn key_variables_alone_or_together_and_every_way_they_are_refused() {
    let keys = TestKeys::shared();
    let secret = TestSecret::new();
    let jwks = jwks_json([&keys.es256, &keys.eddsa]);
    let file = file_with(&jwks_json([&keys.rs256]));
    let file = file.to_str().expect("UTF-8 path");

    // Each source alone, and together.
    let verifier = start(&[("APPROOV_JWKS", &jwks)]).expect("JWKS alone");
    assert!(verifier.verify(&keys.es256.token(60, None)).is_ok());
    assert_eq!(
        verifier.verify(&secret.token(60, None)),
        Err(TokenRejection::UnsupportedAlgorithm)
    );
    let verifier = start(&[("APPROOV_JWKS_FILE", file)]).expect("file alone");
    assert!(verifier.verify(&keys.rs256.token(60, None)).is_ok());
    let verifier = start(&[
        ("APPROOV_BASE64_SECRET", secret.base64()),
        ("APPROOV_JWKS", &jwks),
        ("APPROOV_JWKS_FILE", file),
    ])
    .expect("all three");
    for token in [
        secret.token(60, None),
        keys.es256.token(60, None),
        keys.eddsa.token(60, None),
        keys.rs256.token(60, None),
    ] {
        assert!(verifier.verify(&token).is_ok());
    }
    assert_eq!(verifier.keys().len(), 4);

    // A rotation of the secret: two of them, comma-separated, in either variable.
    let new = TestSecret::new();
    let both = format!("{},{}", secret.base64(), new.base64());
    let verifier = start(&[("APPROOV_BASE64_SECRET", &both)]).expect("two secrets");
    assert!(verifier.verify(&secret.token(60, None)).is_ok());
    assert!(verifier.verify(&new.token(60, None)).is_ok());
    let reversed = format!("{},{}", new.base64url(), secret.base64url());
    start(&[
        ("APPROOV_BASE64_SECRET", &both),
        ("APPROOV_BASE64URL_SECRET", &reversed),
    ])
    .expect("the same two secrets, in the other variable and order");
    refused(
        &[
            ("APPROOV_BASE64_SECRET", &both),
            ("APPROOV_BASE64URL_SECRET", &secret.base64url()),
        ],
        &["hold different secrets"],
    );
    refused(
        &[("APPROOV_BASE64_SECRET", &format!("{},", secret.base64()))],
        &["APPROOV_BASE64_SECRET (secret 2 of 2) is empty"],
    );

    // Nothing set: one line naming every source and the commands.
    refused(
        &[],
        &[
            "APPROOV_BASE64URL_SECRET",
            "APPROOV_BASE64_SECRET",
            "APPROOV_JWKS",
            "APPROOV_JWKS_FILE",
            "APPROOV_JWKS_URL",
            "approov secret -get base64url",
            "approov keyset",
        ],
    );
    assert!(matches!(start(&[]), Err(ConfigError::NoKeySource)));

    // Bad values name their variable.
    refused(&[("APPROOV_JWKS", " ")], &["APPROOV_JWKS is empty"]);
    refused(
        &[("APPROOV_JWKS", "{\"keys\":[]}")],
        &["APPROOV_JWKS does not hold a usable JWKS", "no key"],
    );
    refused(
        &[("APPROOV_JWKS", "not json")],
        &["APPROOV_JWKS does not hold a usable JWKS", "not JSON"],
    );
    refused(
        &[("APPROOV_JWKS_FILE", "/nonexistent/approov/jwks.json")],
        &[
            "APPROOV_JWKS_FILE names /nonexistent/approov/jwks.json",
            "cannot be read",
        ],
    );
    let bad_file = file_with("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\",\"kid\":\"s\"}]}");
    refused(
        &[("APPROOV_JWKS_FILE", bad_file.to_str().expect("UTF-8"))],
        &["APPROOV_JWKS_FILE (", "is a secret"],
    );
    refused(
        &[
            ("APPROOV_JWKS", &jwks_json([&keys.rs256])),
            ("APPROOV_JWKS_FILE", file),
        ],
        &[
            "\"test-rs256\"",
            "in both APPROOV_JWKS and APPROOV_JWKS_FILE",
        ],
    );
    refused(
        &[("APPROOV_JWKS", &jwks), ("APPROOV_JWKS_REFRESH_SECS", "0")],
        &["APPROOV_JWKS_REFRESH_SECS is \"0\""],
    );
    refused(
        &[("APPROOV_JWKS", &jwks), ("APPROOV_JWKS_URL", "")],
        &["APPROOV_JWKS_URL is empty"],
    );
    if cfg!(feature = "jwks-url") {
        refused(
            &[("APPROOV_JWKS_URL", "http://keys.example.com/jwks.json")],
            &[
                "APPROOV_JWKS_URL is \"http://keys.example.com/jwks.json\"",
                "https",
            ],
        );
        refused(
            &[("APPROOV_JWKS_URL", "not a url")],
            &["APPROOV_JWKS_URL is \"not a url\"", "not a URL"],
        );
    } else {
        refused(
            &[("APPROOV_JWKS_URL", "https://keys.example.com/jwks.json")],
            &["APPROOV_JWKS_URL is set", "`jwks-url` feature"],
        );
    }

    // A reload swaps the new keys in; a bad one keeps the old.
    let verifier = start(&[("APPROOV_JWKS", &jwks_json([&keys.es256]))]).expect("es256");
    let serving = verifier.clone();
    set(&[("APPROOV_JWKS", &jwks_json([&keys.es256, &keys.eddsa]))]);
    verifier.reload_from_env().expect("old and new");
    assert!(serving.verify(&keys.es256.token(60, None)).is_ok());
    assert!(serving.verify(&keys.eddsa.token(60, None)).is_ok());
    set(&[("APPROOV_JWKS", &jwks_json([&keys.eddsa]))]);
    verifier.reload_from_env().expect("new only");
    assert_eq!(
        serving.verify(&keys.es256.token(60, None)),
        Err(TokenRejection::UnknownKeyId)
    );
    set(&[("APPROOV_JWKS", "{")]);
    let err = verifier.reload_from_env().expect_err("bad JWKS");
    assert!(
        err.to_string().starts_with("APPROOV_JWKS does not hold"),
        "{err}"
    );
    set(&[]);
    assert!(matches!(
        verifier.reload_from_env(),
        Err(ConfigError::NoKeySource)
    ));
    assert!(serving.verify(&keys.eddsa.token(60, None)).is_ok(), "kept");

    #[cfg(feature = "jwks-url")]
    {
        let server = approov_testkit::JwksServer::start(&jwks_json([&keys.rs256]));
        let verifier = start(&[
            ("APPROOV_BASE64URL_SECRET", &secret.base64url()),
            ("APPROOV_JWKS_URL", &server.url()),
            ("APPROOV_JWKS_REFRESH_SECS", "3600"),
        ])
        .expect("secret and URL");
        assert_eq!(server.requests(), 1, "fetched once at start-up");
        assert!(verifier.verify(&keys.rs256.token(60, None)).is_ok());
        assert!(verifier.verify(&secret.token(60, None)).is_ok());
        // SIGHUP after the keyset changed: the URL is fetched again.
        server.serve(&jwks_json([&keys.eddsa]));
        verifier.reload_from_env().expect("reload");
        assert!(verifier.verify(&keys.eddsa.token(60, None)).is_ok());
        assert_eq!(
            verifier.verify(&keys.rs256.token(60, None)),
            Err(TokenRejection::UnknownKeyId)
        );
        // A reload while the URL is down keeps its last good set, beside the secret.
        server.fail_with(503);
        verifier
            .reload_from_env()
            .expect("the secret is there: reloaded");
        assert!(verifier.verify(&keys.eddsa.token(60, None)).is_ok(), "kept");
        assert!(verifier.verify(&secret.token(60, None)).is_ok());
        // A URL that fails at start-up stops the start when it is the only key source.
        refused(
            &[("APPROOV_JWKS_URL", &server.url())],
            &[&server.url(), "503"],
        );
        // Beside a secret, the server starts with the secret and keeps fetching the
        // URL in the background (every refresh interval, here 1 s) until it answers.
        let verifier = start(&[
            ("APPROOV_BASE64URL_SECRET", &secret.base64url()),
            ("APPROOV_JWKS_URL", &server.url()),
            ("APPROOV_JWKS_REFRESH_SECS", "1"),
        ])
        .expect("a secret, and a URL that is down");
        assert!(verifier.verify(&secret.token(60, None)).is_ok());
        assert_eq!(
            verifier.verify(&keys.rs256.token(60, None)),
            Err(TokenRejection::UnknownKeyId)
        );
        server.serve(&jwks_json([&keys.rs256]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while verifier.verify(&keys.rs256.token(60, None)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the URL's keys never arrived"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        drop(verifier);
        // The URL's keys and APPROOV_JWKS's may not share a kid.
        server.serve(&jwks_json([&keys.eddsa]));
        refused(
            &[
                ("APPROOV_JWKS", &jwks_json([&keys.eddsa])),
                ("APPROOV_JWKS_URL", &server.url()),
            ],
            &[
                "\"test-eddsa\"",
                "in both APPROOV_JWKS and APPROOV_JWKS_URL",
            ],
        );
    }
    set(&[]);
}
