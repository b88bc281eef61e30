//! A JWKS at a URL (the `jwks-url` feature), served by a test server on 127.0.0.1:
//! fetched at start-up, refreshed after the served set changes, refreshed early for
//! an unknown `kid` at most once per cool-down, and a failed refresh keeping the last
//! good set and saying so in the log.
#![cfg(feature = "jwks-url")]
#![allow(clippy::expect_used, clippy::panic)] // a failed expectation is a failed test

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use approov_core::{ApproovVerifier, ConfigError, JwksUrl, KeySet, TokenRejection};
use approov_testkit::{
    jwks_json, JwksRotation, JwksServer, TestKey, TestKeys, TestSecret, JWKS_REFRESH_FAILED,
};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Every event logged by any thread of this process (the refresher is a thread of
/// its own), as `message field=value ...`.
fn logs() -> &'static Mutex<Vec<String>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<String>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(logs.clone()));
        tracing::subscriber::set_global_default(subscriber).expect("the first subscriber");
        logs
    })
}

struct Capture(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut line = Line(String::new());
        event.record(&mut line);
        if let Ok(mut logs) = self.0.lock() {
            logs.push(line.0);
        }
    }
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
}

fn logged(containing: &[&str]) -> bool {
    logs().lock().is_ok_and(|logs| {
        logs.iter()
            .any(|line| containing.iter().all(|part| line.contains(part)))
    })
}

/// Waits up to 10 s for `condition`.
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting until {what}");
}

fn verifier(server: &JwksServer, refresh: Duration, cool_down: Duration) -> ApproovVerifier {
    let url = JwksUrl::new(&server.url())
        .expect("a loopback URL")
        .refresh_every(refresh)
        .cool_down(cool_down);
    ApproovVerifier::from_keys(KeySet::new())
        .with_jwks_url(url)
        .expect("the first fetch")
}

fn passes(verifier: &ApproovVerifier, key: &TestKey) -> bool {
    verifier.verify(&key.token(60, None)).is_ok()
}

const LONG: Duration = Duration::from_secs(3600);

#[test]
fn picked_up_at_start_and_refreshed_after_a_rotation() {
    logs();
    let keys = TestKeys::shared();
    let server = JwksServer::start(&jwks_json([&keys.es256]));
    let verifier = verifier(&server, Duration::from_millis(100), LONG);
    assert!(passes(&verifier, &keys.es256));
    assert_eq!(
        verifier.verify(&keys.eddsa.token(60, None)),
        Err(TokenRejection::UnknownKeyId)
    );
    // The keyset rotates: old and new, then the new alone.
    server.serve(&jwks_json([&keys.es256, &keys.eddsa]));
    eventually("the new key passes", || passes(&verifier, &keys.eddsa));
    assert!(passes(&verifier, &keys.es256), "the old key still passes");
    server.serve(&jwks_json([&keys.eddsa]));
    eventually("the old key fails", || !passes(&verifier, &keys.es256));
    assert!(passes(&verifier, &keys.eddsa));
    assert!(logged(&["the JWKS at the URL changed", "test-eddsa"]));
}

#[test]
fn a_failed_refresh_keeps_the_last_good_set_and_logs_why() {
    logs();
    let keys = TestKeys::shared();
    let server = JwksServer::start(&jwks_json([&keys.eddsa]));
    let url = server.url();
    let verifier = verifier(
        &server,
        Duration::from_millis(50),
        Duration::from_millis(50),
    );
    server.fail_with(500);
    let before = server.requests();
    eventually("two failed refreshes", || server.requests() >= before + 2);
    assert!(passes(&verifier, &keys.eddsa), "kept through a 500");
    assert!(logged(&[
        "JWKS refresh failed; keeping the last good key set",
        &url,
        "500",
        "test-eddsa",
    ]));
    // A document that is not a usable JWKS is a failure too.
    server.serve("{\"keys\":[]}");
    let before = server.requests();
    eventually("a refresh", || server.requests() >= before + 2);
    assert!(passes(&verifier, &keys.eddsa), "kept through an empty set");
    assert!(logged(&["JWKS refresh failed", "not a usable JWKS"]));
    // The server goes away.
    server.stop();
    eventually("a refused connection is logged", || {
        logged(&["JWKS refresh failed", &url, "error sending request"])
    });
    assert!(passes(&verifier, &keys.eddsa), "kept with the server gone");
}

#[test]
fn an_unknown_kid_refreshes_early_at_most_once_per_cool_down() {
    logs();
    let keys = TestKeys::shared();
    let cool_down = Duration::from_millis(500);
    let server = JwksServer::start(&jwks_json([&keys.es256]));
    let verifier = verifier(&server, LONG, cool_down);
    let started = Instant::now();
    assert_eq!(server.requests(), 1);
    server.serve(&jwks_json([&keys.es256, &keys.eddsa]));
    let new = keys.eddsa.token(60, None);
    // Within the cool-down of the start-up fetch: rejected, and no fetch.
    assert_eq!(verifier.verify(&new), Err(TokenRejection::UnknownKeyId));
    std::thread::sleep(Duration::from_millis(100));
    if started.elapsed() < cool_down {
        assert_eq!(server.requests(), 1, "no fetch within the cool-down");
    }
    std::thread::sleep(cool_down);
    // The request is rejected now; it asks for a fetch, and a later one passes.
    assert_eq!(verifier.verify(&new), Err(TokenRejection::UnknownKeyId));
    eventually("the early fetch", || server.requests() == 2);
    eventually("the new key passes", || verifier.verify(&new).is_ok());
    // A flood of made-up kids right after: no fetch.
    let flood_started = Instant::now();
    let made_up = keys.es256.forge(
        &serde_json::json!({"alg": "ES256", "kid": "made-up"}),
        &serde_json::json!({"exp": 9_999_999_999u64}),
    );
    for _ in 0..1000 {
        assert_eq!(verifier.verify(&made_up), Err(TokenRejection::UnknownKeyId));
    }
    std::thread::sleep(Duration::from_millis(50));
    if flood_started.elapsed() < cool_down {
        assert_eq!(server.requests(), 2, "at most one fetch per cool-down");
    }
    std::thread::sleep(cool_down);
    let _ = verifier.verify(&made_up);
    eventually("one more fetch after the cool-down", || {
        server.requests() == 3
    });
}

#[test]
fn the_first_fetch_must_succeed() {
    logs();
    let server = JwksServer::start("{}");
    server.fail_with(500);
    let url = server.url();
    let err = ApproovVerifier::from_keys(KeySet::new())
        .with_jwks_url(JwksUrl::new(&url).expect("URL"))
        .expect_err("500");
    assert!(matches!(err, ConfigError::JwksFetch { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "the JWKS at {url} (the URL given to JwksUrl::new) cannot be fetched: the server answered 500 Internal Server Error"
        )
    );
    server.serve("{\"keys\":[]}");
    let err = ApproovVerifier::from_keys(KeySet::new())
        .with_jwks_url(JwksUrl::new(&url).expect("URL"))
        .expect_err("no keys");
    assert!(err.to_string().contains("not a usable JWKS"), "{err}");
    server.stop();
    let err = ApproovVerifier::from_keys(KeySet::new())
        .with_jwks_url(JwksUrl::new(&url).expect("URL"))
        .expect_err("gone");
    assert!(err.to_string().contains("cannot be fetched"), "{err}");
    for bad in ["ftp://127.0.0.1/jwks", "http://10.0.0.1/jwks", "https//x"] {
        assert!(
            matches!(JwksUrl::new(bad), Err(ConfigError::InvalidJwksUrl { .. })),
            "{bad}"
        );
    }
    for good in [
        "http://localhost:1/j",
        "http://[::1]:1/j",
        "https://example.com/j",
    ] {
        assert!(JwksUrl::new(good).is_ok(), "{good}");
    }
}

#[test]
fn given_keys_stay_beside_the_url_and_dropping_the_verifier_stops_the_refresher() {
    logs();
    let keys = TestKeys::shared();
    let server = JwksServer::start(&jwks_json([&keys.eddsa]));
    let verifier = ApproovVerifier::from_keys(keys.key_set().clone());
    // The URL may not bring a key id the verifier was given.
    let url = JwksUrl::new(&server.url()).expect("URL");
    let err = verifier
        .clone()
        .with_jwks_url(url.clone())
        .expect_err("test-eddsa twice");
    assert!(matches!(err, ConfigError::KeyClash { .. }), "{err}");

    let renamed = keys
        .eddsa
        .renamed(approov_core::Algorithm::EdDSA, "from-the-url");
    server.serve(&jwks_json([&renamed]));
    let verifier = ApproovVerifier::from_keys(KeySet::new())
        .with_jwks_url(url.refresh_every(Duration::from_millis(30)))
        .expect("URL");
    assert!(passes(&verifier, &renamed));
    // A rotation of the given keys keeps the URL's.
    verifier.rotate(keys.key_set().clone());
    assert!(passes(&verifier, &renamed) && passes(&verifier, &keys.es256));
    assert_eq!(verifier.keys().len(), keys.key_set().len() + 1);

    let clone = verifier.clone();
    drop(verifier);
    let before = server.requests();
    eventually("refreshes go on while a clone lives", || {
        server.requests() > before + 1
    });
    drop(clone);
    std::thread::sleep(Duration::from_millis(100));
    let after = server.requests();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.requests(), after, "the refresher stopped");
}

#[test]
fn the_shared_jwks_rotation_story_at_the_core() {
    logs();
    let story = JwksRotation::start();
    let url = JwksUrl::new(&story.url())
        .expect("URL")
        .refresh_every(JwksRotation::REFRESH);
    let verifier = ApproovVerifier::from_keys(TestSecret::new().key_set())
        .with_jwks_url(url)
        .expect("the first fetch");
    story.run(|token| {
        let values = [token.as_bytes()];
        let verification = verifier.check_request(
            |name| match name {
                "approov-token" => values.to_vec(),
                _ => Vec::new(),
            },
            None,
        );
        if verification.refused() {
            401
        } else {
            200
        }
    });
    assert!(logged(&[JWKS_REFRESH_FAILED]));
}
