//! TLS termination: `tls_cert` and `tls_key` set, clients speak HTTPS (HTTP/2 by ALPN,
//! or HTTP/1.1) and the upstream is told the request came over HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use approov_testkit::TestSecret;
use common::*;

/// A self-signed certificate for `localhost`, and a gateway that terminates TLS with
/// it in front of a recording upstream.
fn setup() -> (
    Upstream,
    TestSecret,
    Gateway,
    reqwest::Certificate,
    tempfile::TempDir,
) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let files = tempfile::tempdir().unwrap();
    let cert_path = files.path().join("cert.pem");
    let key_path = files.path().join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    let upstream = Upstream::start();
    let secret = TestSecret::new();
    let tls = format!(
        "tls_cert = {:?}\ntls_key = {:?}\n",
        cert_path.display().to_string(),
        key_path.display().to_string()
    );
    let gateway = Gateway::start(&proxy_config(upstream.addr, &tls), &secret);
    let root = reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap();
    (upstream, secret, gateway, root, files)
}

fn https_client(
    root: &reqwest::Certificate,
    gateway: &Gateway,
    http1_only: bool,
) -> reqwest::blocking::Client {
    let builder = reqwest::blocking::Client::builder()
        .add_root_certificate(root.clone())
        .resolve("localhost", gateway.addr);
    let builder = if http1_only {
        builder.http1_only()
    } else {
        builder
    };
    builder.build().unwrap()
}

#[test]
fn over_tls_a_valid_token_passes_by_http2_and_the_upstream_hears_https() {
    let (upstream, secret, gateway, root, _files) = setup();
    let url = format!("https://localhost:{}/api/x", gateway.addr.port());
    let answer = https_client(&root, &gateway, false)
        .get(&url)
        .header("Approov-Token", token(&secret))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.version(), reqwest::Version::HTTP_2, "ALPN offers h2");
    let seen = upstream.only();
    assert_eq!(seen.header("x-forwarded-proto"), Some("https"));
    assert_eq!(seen.header("x-approov-did"), Some(DID));
    assert!(!seen.has("approov-token"));
}

#[test]
fn over_tls_a_request_without_a_token_is_401_by_http1_too() {
    let (upstream, _secret, gateway, root, _files) = setup();
    let url = format!("https://localhost:{}/api/x", gateway.addr.port());
    let answer = https_client(&root, &gateway, true)
        .get(&url)
        .send()
        .unwrap();
    assert_eq!(answer.version(), reqwest::Version::HTTP_11);
    assert_eq!(answer.status(), 401);
    assert_eq!(answer.text().unwrap(), "{}");
    assert_eq!(upstream.count(), 0);
}

#[test]
fn a_plain_http_request_to_the_tls_listener_gets_no_answer() {
    let (upstream, _secret, gateway, _root, _files) = setup();
    let plain = reqwest::blocking::Client::new()
        .get(format!("http://127.0.0.1:{}/health", gateway.addr.port()))
        .timeout(std::time::Duration::from_secs(5))
        .send();
    assert!(plain.is_err(), "{plain:?}");
    assert_eq!(upstream.count(), 0);
}

#[test]
fn a_tls_file_that_is_missing_stops_the_start_with_its_name() {
    let checked = check(
        "listen = \"127.0.0.1:0\"\nupstream = \"http://127.0.0.1:9\"\ntls_cert = \"nowhere.pem\"\ntls_key = \"nowhere-key.pem\"\n",
    );
    assert!(!checked.status.success(), "{checked:?}");
    assert!(
        checked.stderr.contains("TLS") && checked.stderr.contains("nowhere.pem"),
        "{checked:?}"
    );
}
