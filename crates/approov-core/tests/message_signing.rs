//! Installation message signing (RFC 9421): every way a signed request can be right or
//! wrong, one test each, with the exact rejection asserted.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, MessageSignatureError as E,
    MessageSigning, SignatureParams, SignedRequest, MAX_SIGNATURE_HEADER_LEN,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use proptest::prelude::*;
use std::time::Duration;

/// "Now" for every test: times are passed in, never read from the clock.
const NOW: u64 = 1_744_292_750;
const TOKEN: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE5OTk5OTk5OTl9.signature-of-token-1";
const OTHER_TOKEN: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE5OTk5OTk5OTh9.signature-of-token-2";
const METHOD_AND_TOKEN: &[&str] = &["@method", "approov-token"];

/// RFC 9421 Appendix B.1.4 `test-key-ed25519`, public half: not a P-256 key.
const ED25519_SPKI: &str = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
/// A P-384 key (id-ecPublicKey, secp384r1).
const P384_SPKI: &str = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE3Yh2kviAyB04pXhCa9SukDCGM7FBbOC+AcOAhH9M0LYQkcRKti0eyp8mLR5LPQibzCURWKsq4I5dCoC2SfuOhLgB9kQ1KydDyjMyU72FjbjXoetvvo7VJ4MT1KUNTVqe";
/// A secp256k1 key: the same algorithm OID as P-256, another curve.
const SECP256K1_SPKI: &str = "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEPIBGsWoEHUDOoA4fpTO4sS0s3Mowt3cIYUCRVn+53Ipw4Nck+m3PvxWacYIlV10A5Jed21NeyTd5C4Lp/Y51ug==";

/// A request as a test builds it: owned parts, headers in arrival order.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    scheme: String,
    authority: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<Vec<u8>>,
}

/// The claims of a token with `ipk` (or without one).
fn claims(ipk: Option<&str>) -> approov_core::ApproovClaims {
    let mut claims = serde_json::json!({ "exp": 4_000_000_000u64 });
    if let Some(ipk) = ipk {
        claims["ipk"] = ipk.into();
    }
    serde_json::from_value(claims).expect("the claims of a token")
}

fn values<'a>(headers: &'a [(String, Vec<u8>)], name: &str) -> Vec<&'a [u8]> {
    headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
        .collect()
}

impl Request {
    fn new(method: &str, target: &str) -> Self {
        Request {
            method: method.into(),
            scheme: "https".into(),
            authority: "api.example.com".into(),
            target: target.into(),
            headers: vec![("approov-token".into(), TOKEN.into())],
            body: None,
        }
    }

    fn get(target: &str) -> Self {
        Self::new("GET", target)
    }

    /// A POST with `body` and its `Content-Digest`.
    fn post(target: &str, body: &[u8], digest: String) -> Self {
        let mut request = Self::new("POST", target).header("content-digest", &digest);
        request.body = Some(body.to_vec());
        request
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.as_bytes().to_vec()));
        self
    }

    fn set(&mut self, name: &str, value: &str) {
        self.remove(name);
        self.headers.push((name.into(), value.as_bytes().to_vec()));
    }

    fn remove(&mut self, name: &str) {
        self.headers.retain(|(n, _)| n != name);
    }

    fn get_header(&self, name: &str) -> String {
        String::from_utf8(values(&self.headers, name).concat()).expect("ASCII header")
    }

    /// Signs the request as it is now and adds `Signature` and `Signature-Input`.
    fn signed_with(mut self, key: &InstallationKey, params: &SignatureParams<'_>) -> Self {
        let headers = |name: &str| values(&self.headers, name);
        let request = SignedRequest::new(
            &self.method,
            &self.scheme,
            &self.authority,
            &self.target,
            headers,
        );
        let signed = key
            .sign_request(&request, params)
            .expect("signable request");
        self.headers
            .push(("signature".into(), signed.signature.into_bytes()));
        self.headers.push((
            "signature-input".into(),
            signed.signature_input.into_bytes(),
        ));
        self
    }

    fn signed(self, key: &InstallationKey, components: &[&str]) -> Self {
        self.signed_with(key, &SignatureParams::new(components, NOW))
    }

    fn check(&self, signing: &MessageSigning, ipk: Option<&str>, now: u64) -> Result<(), E> {
        let headers = |name: &str| values(&self.headers, name);
        let mut request = SignedRequest::new(
            &self.method,
            &self.scheme,
            &self.authority,
            &self.target,
            headers,
        );
        if let Some(body) = &self.body {
            request = request.with_body(body);
        }
        signing.verify(&claims(ipk), &request, now)
    }

    fn verify(&self, key: &InstallationKey) -> Result<(), E> {
        self.check(&MessageSigning::default(), Some(&key.ipk()), NOW)
    }

    fn needs_body(&self) -> bool {
        MessageSigning::default().needs_body(|name: &str| values(&self.headers, name))
    }
}

fn key() -> InstallationKey {
    InstallationKey::generate()
}

// ---------------------------------------------------------------- accepted

#[test]
fn get_over_method_and_token_verifies() {
    let key = key();
    let request = Request::get("/shapes").signed(&key, METHOD_AND_TOKEN);
    assert_eq!(request.verify(&key), Ok(()));
    assert!(!request.needs_body());
}

#[test]
fn target_uri_with_query_verifies() {
    let key = key();
    let request = Request::get("/shapes?colour=red&size=2%20cm")
        .signed(&key, &["@method", "@target-uri", "approov-token"]);
    assert_eq!(request.verify(&key), Ok(()));
}

#[test]
fn path_query_authority_scheme_and_request_target_verify() {
    let key = key();
    let components = [
        "@method",
        "@path",
        "@query",
        "@authority",
        "@scheme",
        "@request-target",
        "approov-token",
    ];
    for target in ["/v1/shapes?x=1", "/v1/shapes", "/v1/shapes?"] {
        let request = Request::get(target).signed(&key, &components);
        assert_eq!(request.verify(&key), Ok(()), "{target}");
    }
}

#[test]
fn post_with_content_digest_in_every_form_verifies() {
    let key = key();
    let body = br#"{"shape":"circle","radius":2}"#;
    let digests = [
        content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence),
        content_digest(body, DigestAlgorithm::Sha256, DigestForm::QuotedString),
        content_digest(body, DigestAlgorithm::Sha512, DigestForm::ByteSequence),
        content_digest(body, DigestAlgorithm::Sha512, DigestForm::QuotedString),
        format!(
            "{}, {}",
            content_digest(body, DigestAlgorithm::Sha512, DigestForm::ByteSequence),
            content_digest(body, DigestAlgorithm::Sha256, DigestForm::QuotedString)
        ),
        // Algorithms it does not know are ignored while a known one is there.
        format!(
            "md5=:AAAA:, {}",
            content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence)
        ),
    ];
    for digest in digests {
        let request = Request::post("/shapes", body, digest.clone()).signed(
            &key,
            &["@method", "@target-uri", "approov-token", "content-digest"],
        );
        assert!(request.needs_body());
        assert_eq!(request.verify(&key), Ok(()), "{digest}");
    }
}

#[test]
fn empty_body_with_its_digest_verifies() {
    let key = key();
    let digest = content_digest(b"", DigestAlgorithm::Sha256, DigestForm::ByteSequence);
    let request = Request::post("/", b"", digest)
        .signed(&key, &["@method", "approov-token", "content-digest"]);
    assert_eq!(request.verify(&key), Ok(()));
}

#[test]
fn authority_is_compared_lower_case_without_a_default_port() {
    let key = key();
    let request = Request::get("/a").signed(&key, &["@authority", "@target-uri", "approov-token"]);
    for host in ["API.Example.COM", "api.example.com:443"] {
        let mut request = request.clone();
        request.authority = host.into();
        assert_eq!(request.verify(&key), Ok(()), "{host}");
    }
    let mut other_port = request.clone();
    other_port.authority = "api.example.com:8443".into();
    assert_eq!(other_port.verify(&key), Err(E::SignatureMismatch));
    let mut other_scheme = request;
    other_scheme.scheme = "http".into();
    assert_eq!(other_scheme.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn header_lines_are_joined_and_trimmed() {
    let key = key();
    let request = Request::get("/")
        .header("x-list", " a ")
        .header("x-list", "b\t")
        .signed(&key, &["approov-token", "x-list"]);
    assert_eq!(request.verify(&key), Ok(()));
    // One line with the joined value is the same field.
    let mut joined = request.clone();
    joined.set("x-list", "a, b");
    assert_eq!(joined.verify(&key), Ok(()));
    let mut reordered = request;
    reordered.set("x-list", "b, a");
    assert_eq!(reordered.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn other_labels_that_agree_are_ignored_and_headers_may_span_lines() {
    let key = key();
    let mut request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    request
        .headers
        .push(("signature".into(), b"theirs=:AAAA:".to_vec()));
    request.headers.push((
        "signature-input".into(),
        br#"theirs=("@method");created=1"#.to_vec(),
    ));
    assert_eq!(request.verify(&key), Ok(()));
}

#[test]
fn keyid_nonce_and_tag_are_accepted() {
    let key = key();
    let request = Request::get("/");
    let input = r#"("@method" "approov-token");alg="ecdsa-p256-sha256";created=1744292750;keyid="k";nonce="n";tag="t""#;
    let base =
        format!("\"@method\": GET\n\"approov-token\": {TOKEN}\n\"@signature-params\": {input}");
    let request = with_raw_signature(request, input, &key.sign(base.as_bytes()));
    assert_eq!(request.verify(&key), Ok(()));
}

// ---------------------------------------------------------------- the request changed

#[test]
fn signature_for_another_method_is_rejected() {
    let key = key();
    let mut request = Request::get("/shapes").signed(&key, METHOD_AND_TOKEN);
    request.method = "DELETE".into();
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
    // @method is as sent: case matters.
    request.method = "get".into();
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn signature_for_another_query_is_rejected() {
    let key = key();
    for components in [
        &["@target-uri", "approov-token"][..],
        &["@query", "approov-token"][..],
        &["@request-target", "approov-token"][..],
    ] {
        let mut request = Request::get("/pay?amount=1").signed(&key, components);
        request.target = "/pay?amount=1000".into();
        assert_eq!(
            request.verify(&key),
            Err(E::SignatureMismatch),
            "{components:?}"
        );
        request.target = "/pay".into();
        assert_eq!(
            request.verify(&key),
            Err(E::SignatureMismatch),
            "{components:?}"
        );
    }
}

#[test]
fn signature_for_another_path_is_rejected() {
    let key = key();
    let mut request = Request::get("/a").signed(&key, &["@path", "approov-token"]);
    request.target = "/b".into();
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn another_body_under_the_signed_digest_is_rejected() {
    let key = key();
    let body = b"amount=1";
    let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
    let mut request = Request::post("/pay", body, digest)
        .signed(&key, &["@method", "approov-token", "content-digest"]);
    request.body = Some(b"amount=1000".to_vec());
    assert_eq!(request.verify(&key), Err(E::DigestMismatch));
}

#[test]
fn another_body_with_its_own_digest_is_rejected() {
    let key = key();
    let body = b"amount=1";
    let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
    let mut request = Request::post("/pay", body, digest)
        .signed(&key, &["@method", "approov-token", "content-digest"]);
    // The attacker swaps the body and recomputes the digest: the signature covers the
    // old digest.
    let other = b"amount=1000";
    request.body = Some(other.to_vec());
    request.set(
        "content-digest",
        &content_digest(other, DigestAlgorithm::Sha256, DigestForm::ByteSequence),
    );
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn a_digest_that_does_not_match_the_body_is_rejected() {
    let key = key();
    let body = b"amount=1";
    for digest in [
        content_digest(
            b"amount=2",
            DigestAlgorithm::Sha256,
            DigestForm::ByteSequence,
        ),
        content_digest(
            b"amount=2",
            DigestAlgorithm::Sha512,
            DigestForm::QuotedString,
        ),
        // One right, one wrong: every supported member must match.
        format!(
            "{}, {}",
            content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence),
            content_digest(
                b"amount=2",
                DigestAlgorithm::Sha512,
                DigestForm::ByteSequence
            )
        ),
    ] {
        let request = Request::post("/pay", body, digest.clone())
            .signed(&key, &["approov-token", "content-digest"]);
        assert_eq!(request.verify(&key), Err(E::DigestMismatch), "{digest}");
    }
}

#[test]
fn a_digest_without_sha_256_or_sha_512_is_rejected() {
    let key = key();
    let request = Request::post("/pay", b"x", "md5=:AAAA:, sha-384=:AAAA:".into())
        .signed(&key, &["approov-token", "content-digest"]);
    assert_eq!(request.verify(&key), Err(E::UnsupportedDigest));
}

#[test]
fn a_malformed_digest_is_rejected() {
    let key = key();
    for digest in ["sha-256=\"not base64!\"", "sha-256=1", "sha-256=(a b)"] {
        let request = Request::post("/pay", b"x", digest.into())
            .signed(&key, &["approov-token", "content-digest"]);
        assert!(
            matches!(request.verify(&key), Err(E::Malformed(_))),
            "{digest}: {:?}",
            request.verify(&key)
        );
    }
}

#[test]
fn a_covered_digest_needs_the_body() {
    let key = key();
    let body = b"amount=1";
    let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
    let mut request =
        Request::post("/pay", body, digest).signed(&key, &["approov-token", "content-digest"]);
    let small = MessageSigning::default().with_max_body_len(body.len() - 1);
    assert_eq!(
        request.check(&small, Some(&key.ipk()), NOW),
        Err(E::BodyTooLarge)
    );
    let exact = MessageSigning::default().with_max_body_len(body.len());
    assert_eq!(request.check(&exact, Some(&key.ipk()), NOW), Ok(()));
    request.body = None;
    assert_eq!(request.verify(&key), Err(E::BodyNotProvided));
}

#[test]
fn an_uncovered_digest_is_not_checked() {
    let key = key();
    let mut request =
        Request::post("/pay", b"x", "sha-256=:AAAA:".into()).signed(&key, METHOD_AND_TOKEN);
    assert!(!request.needs_body());
    request.body = None;
    assert_eq!(request.verify(&key), Ok(()));
}

#[test]
fn a_covered_header_that_is_absent_is_rejected() {
    let key = key();
    let mut request = Request::get("/")
        .header("x-device", "pixel")
        .signed(&key, &["approov-token", "x-device"]);
    request.remove("x-device");
    assert_eq!(request.verify(&key), Err(E::CoveredHeaderMissing));

    let mut request = Request::post("/", b"x", "sha-256=:AAAA:".into())
        .signed(&key, &["approov-token", "content-digest"]);
    request.remove("content-digest");
    assert_eq!(request.verify(&key), Err(E::CoveredHeaderMissing));
}

#[test]
fn a_covered_header_whose_value_differs_is_rejected() {
    let key = key();
    let mut request = Request::get("/")
        .header("x-device", "pixel")
        .signed(&key, &["approov-token", "x-device"]);
    request.set("x-device", "iphone");
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
    // A second line is a different value too.
    request.set("x-device", "pixel");
    request.headers.push(("x-device".into(), b"pixel".to_vec()));
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn a_signature_over_another_token_is_rejected() {
    let key = key();
    let mut request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    request.set("approov-token", OTHER_TOKEN);
    assert_eq!(request.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn a_signature_by_another_key_is_rejected() {
    let request = Request::get("/").signed(&key(), METHOD_AND_TOKEN);
    assert_eq!(request.verify(&key()), Err(E::SignatureMismatch));
}

// ---------------------------------------------------------------- the signature's shape

/// Replaces the signature headers with `install=<input>` and `install=:<signature>:`.
fn with_raw_signature(mut request: Request, input: &str, signature: &[u8]) -> Request {
    request.set("signature-input", &format!("install={input}"));
    request.set(
        "signature",
        &format!("install=:{}:", STANDARD.encode(signature)),
    );
    request
}

#[test]
fn a_label_other_than_install_is_rejected() {
    let key = key();
    let request = Request::get("/").signed_with(
        &key,
        &SignatureParams::new(METHOD_AND_TOKEN, NOW).with_label("sig1"),
    );
    assert_eq!(request.verify(&key), Err(E::NoInstallSignature));
}

#[test]
fn labels_that_differ_between_the_headers_are_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);

    let mut renamed = request.clone();
    let input = renamed
        .get_header("signature-input")
        .replacen("install", "other", 1);
    renamed.set("signature-input", &input);
    assert_eq!(renamed.verify(&key), Err(E::LabelMismatch));

    let mut extra = request.clone();
    extra
        .headers
        .push(("signature".into(), b"theirs=:AAAA:".to_vec()));
    assert_eq!(extra.verify(&key), Err(E::LabelMismatch));

    let mut extra_input = request;
    extra_input
        .headers
        .push(("signature-input".into(), br#"theirs=("@method")"#.to_vec()));
    assert_eq!(extra_input.verify(&key), Err(E::LabelMismatch));
}

#[test]
fn another_algorithm_is_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    for (alg, expected) in [
        (r#"alg="ed25519""#, E::UnsupportedAlgorithm),
        (r#"alg="ECDSA-P256-SHA256""#, E::UnsupportedAlgorithm),
        (r#"alg="hmac-sha256""#, E::UnsupportedAlgorithm),
    ] {
        let mut changed = request.clone();
        let input = changed
            .get_header("signature-input")
            .replace(r#"alg="ecdsa-p256-sha256""#, alg);
        changed.set("signature-input", &input);
        assert_eq!(changed.verify(&key), Err(expected), "{alg}");
    }
    let mut no_alg = request;
    let input = no_alg
        .get_header("signature-input")
        .replace(r#";alg="ecdsa-p256-sha256""#, "");
    no_alg.set("signature-input", &input);
    assert_eq!(no_alg.verify(&key), Err(E::MissingAlgorithm));
}

#[test]
fn approov_token_not_covered_is_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, &["@method", "@target-uri"]);
    assert_eq!(request.verify(&key), Err(E::TokenNotCovered));
    // Unless the token travels in a header that is configured and covered.
    let request = Request::get("/")
        .header("authorization", "Bearer t")
        .signed(&key, &["@method", "authorization"]);
    let signing = MessageSigning::default().with_token_header("Authorization");
    assert_eq!(request.check(&signing, Some(&key.ipk()), NOW), Ok(()));
}

#[test]
fn a_der_encoded_signature_is_rejected() {
    let key = key();
    let mut request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    let signature = request.get_header("signature");
    let raw = STANDARD
        .decode(
            signature
                .trim_start_matches("install=:")
                .trim_end_matches(':'),
        )
        .unwrap();
    let der = Signature::from_slice(&raw).unwrap().to_der();
    assert_ne!(der.as_bytes().len(), 64);
    request.set(
        "signature",
        &format!("install=:{}:", STANDARD.encode(der.as_bytes())),
    );
    assert_eq!(request.verify(&key), Err(E::BadSignatureLength));
}

#[test]
fn a_signature_as_a_base64_string_verifies_like_the_android_sdk_sends_it() {
    let key = key();
    let mut request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    let signature = request.get_header("signature");
    let base64 = signature
        .trim_start_matches("install=:")
        .trim_end_matches(':');
    request.set("signature", &format!("install=\"{base64}\""));
    assert_eq!(request.verify(&key), Ok(()));
    let mut der = request.clone();
    let raw = STANDARD.decode(base64).unwrap();
    let der_bytes = Signature::from_slice(&raw).unwrap().to_der();
    der.set(
        "signature",
        &format!("install=\"{}\"", STANDARD.encode(der_bytes.as_bytes())),
    );
    assert_eq!(der.verify(&key), Err(E::BadSignatureLength));
}

#[test]
fn a_signature_that_is_neither_bytes_nor_base64_is_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    for value in [
        r#"install="not base64!""#,
        "install=1",
        "install=(a b)",
        "install",
        "install=?1",
    ] {
        let mut changed = request.clone();
        changed.set("signature", value);
        assert!(
            matches!(changed.verify(&key), Err(E::Malformed(_))),
            "{value}"
        );
    }
    for value in [
        "install=:AAAA:",
        "install=::",
        r#"install="AAAA""#,
        r#"install="""#,
    ] {
        let mut changed = request.clone();
        changed.set("signature", value);
        assert_eq!(changed.verify(&key), Err(E::BadSignatureLength), "{value}");
    }
    let mut zeros = request;
    zeros.set(
        "signature",
        &format!("install=:{}:", STANDARD.encode([0u8; 64])),
    );
    assert_eq!(zeros.verify(&key), Err(E::SignatureMismatch));
}

#[test]
fn missing_signature_headers_are_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    let mut no_signature = request.clone();
    no_signature.remove("signature");
    assert_eq!(no_signature.verify(&key), Err(E::MissingSignature));
    let mut no_input = request.clone();
    no_input.remove("signature-input");
    assert_eq!(no_input.verify(&key), Err(E::MissingSignatureInput));
    let mut neither = request;
    neither.remove("signature");
    neither.remove("signature-input");
    assert_eq!(neither.verify(&key), Err(E::MissingSignature));
    assert_eq!(E::MissingSignature.code(), "message_signature_missing");
}

#[test]
fn component_parameters_are_rejected() {
    let key = key();
    let request = Request::get("/").header("x-dict", "a=1");
    for input in [
        r#"("@method" "approov-token" "x-dict";sf);alg="ecdsa-p256-sha256";created=1744292750"#,
        r#"("@method" "approov-token" "x-dict";key="a");alg="ecdsa-p256-sha256";created=1744292750"#,
        r#"("@method" "approov-token" "x-dict";bs);alg="ecdsa-p256-sha256";created=1744292750"#,
        r#"("@method";req "approov-token");alg="ecdsa-p256-sha256";created=1744292750"#,
        r#"("@method" "approov-token" "x-dict";tr);alg="ecdsa-p256-sha256";created=1744292750"#,
    ] {
        let changed = with_raw_signature(request.clone(), input, &[1; 64]);
        assert_eq!(
            changed.verify(&key),
            Err(E::UnsupportedComponentParameter),
            "{input}"
        );
    }
}

#[test]
fn unsupported_derived_components_are_rejected() {
    let key = key();
    let request = Request::get("/?a=1");
    for (component, expected) in [
        (r#""@status""#, E::UnsupportedComponent),
        (r#""@request-response""#, E::UnsupportedComponent),
        (r#""@query-param""#, E::UnsupportedComponent),
        (r#""@nope""#, E::UnsupportedComponent),
        // @query-param always has a `name` parameter: refused for it first.
        (
            r#""@query-param";name="a""#,
            E::UnsupportedComponentParameter,
        ),
    ] {
        let input =
            format!(r#"("approov-token" {component});alg="ecdsa-p256-sha256";created=1744292750"#);
        let changed = with_raw_signature(request.clone(), &input, &[1; 64]);
        assert_eq!(changed.verify(&key), Err(expected), "{component}");
    }
}

#[test]
fn malformed_inputs_are_rejected_with_a_reason() {
    let key = key();
    let request = Request::get("/");
    let alg = r#"alg="ecdsa-p256-sha256";created=1744292750"#;
    for input in [
        format!(r#"("approov-token" "approov-token");{alg}"#),
        format!(r#"("approov-token" "@method" "@method");{alg}"#),
        format!(r#"("Approov-Token");{alg}"#),
        format!(r#"("approov-token" "");{alg}"#),
        format!(r#"("approov-token" "bad name");{alg}"#),
        format!(r#"("approov-token" @method);{alg}"#),
        format!(r#"("approov-token" "@signature-params");{alg}"#),
        format!(r#"("approov-token");{alg};unknown=1"#),
        format!(r#"("approov-token");{alg};keyid=1"#),
        r#"("approov-token");alg=ecdsa;created=1744292750"#.to_owned(),
        r#"("approov-token");alg="ecdsa-p256-sha256";created=-1"#.to_owned(),
        r#"("approov-token");alg="ecdsa-p256-sha256";created=1.5"#.to_owned(),
        r#"("approov-token");alg="ecdsa-p256-sha256";created="1744292750""#.to_owned(),
        r#"("approov-token");alg="ecdsa-p256-sha256";created=1744292750;expires=1744292749"#
            .to_owned(),
        format!(
            "({});{alg}",
            (0..65)
                .map(|i| format!("\"x-h{i}\""))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ] {
        let changed = with_raw_signature(request.clone(), &input, &[1; 64]);
        let result = changed.verify(&key);
        assert!(
            matches!(result, Err(E::Malformed(_))),
            "{input}: {result:?}"
        );
        assert_eq!(result.unwrap_err().code(), "message_signature_invalid");
    }
    let mut not_a_list = request;
    not_a_list.set("signature-input", "install=1");
    not_a_list.set(
        "signature",
        &format!("install=:{}:", STANDARD.encode([1; 64])),
    );
    assert!(matches!(not_a_list.verify(&key), Err(E::Malformed(_))));
}

#[test]
fn a_line_break_in_a_covered_value_is_rejected() {
    let key = key();
    let request = Request::get("/").header("x-note", "a\r\n\"@method\": POST");
    let input = r#"("approov-token" "x-note");alg="ecdsa-p256-sha256";created=1744292750"#;
    let changed = with_raw_signature(request, input, &[1; 64]);
    assert!(matches!(changed.verify(&key), Err(E::Malformed(_))));
}

// ---------------------------------------------------------------- time

#[test]
fn created_in_the_future_beyond_the_skew_is_rejected() {
    let key = key();
    let params = SignatureParams::new(METHOD_AND_TOKEN, NOW + 61);
    let request = Request::get("/").signed_with(&key, &params);
    assert_eq!(request.verify(&key), Err(E::CreatedInFuture));
    assert_eq!(E::CreatedInFuture.code(), "message_signature_not_yet_valid");
    // Within the skew it passes.
    let params = SignatureParams::new(METHOD_AND_TOKEN, NOW + 60);
    let request = Request::get("/").signed_with(&key, &params);
    assert_eq!(request.verify(&key), Ok(()));
    let strict = MessageSigning::default().with_clock_skew(Duration::ZERO);
    assert_eq!(
        request.check(&strict, Some(&key.ipk()), NOW),
        Err(E::CreatedInFuture)
    );
}

#[test]
fn a_past_expires_is_rejected() {
    let key = key();
    let params = SignatureParams::new(METHOD_AND_TOKEN, NOW - 200).with_expires(NOW - 61);
    let request = Request::get("/").signed_with(&key, &params);
    assert_eq!(request.verify(&key), Err(E::Expired));
    assert_eq!(E::Expired.code(), "message_signature_expired");
    // The skew applies to expires too.
    let params = SignatureParams::new(METHOD_AND_TOKEN, NOW - 200).with_expires(NOW - 60);
    let request = Request::get("/").signed_with(&key, &params);
    assert_eq!(request.verify(&key), Ok(()));
}

#[test]
fn a_signature_older_than_the_max_age_is_rejected() {
    let key = key();
    let params = SignatureParams::new(METHOD_AND_TOKEN, NOW - 301).with_expires(NOW + 3600);
    let request = Request::get("/").signed_with(&key, &params);
    assert_eq!(request.verify(&key), Err(E::TooOld));
    let params = SignatureParams::new(METHOD_AND_TOKEN, NOW - 300);
    let request = Request::get("/").signed_with(&key, &params);
    assert_eq!(request.verify(&key), Ok(()));
    let short = MessageSigning::default().with_max_age(Duration::from_secs(10));
    assert_eq!(request.check(&short, Some(&key.ipk()), NOW), Err(E::TooOld));
}

#[test]
fn a_signature_without_created_is_rejected() {
    let key = key();
    let request = Request::get("/");
    let input = r#"("@method" "approov-token");alg="ecdsa-p256-sha256""#;
    let base =
        format!("\"@method\": GET\n\"approov-token\": {TOKEN}\n\"@signature-params\": {input}");
    let request = with_raw_signature(request, input, &key.sign(base.as_bytes()));
    assert_eq!(request.verify(&key), Err(E::MissingCreated));
}

// ---------------------------------------------------------------- the ipk claim

#[test]
fn no_ipk_is_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    let signing = MessageSigning::default();
    assert_eq!(request.check(&signing, None, NOW), Err(E::NoIpk));
    assert_eq!(request.check(&signing, Some(""), NOW), Err(E::NoIpk));
    assert_eq!(E::NoIpk.code(), "message_signature_no_ipk");
}

#[test]
fn an_ipk_that_is_not_a_p256_key_is_rejected() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    let signing = MessageSigning::default();
    let url_safe = URL_SAFE_NO_PAD.encode(STANDARD.decode(key.ipk()).unwrap());
    let long = "A".repeat(4096);
    for ipk in [
        ED25519_SPKI,
        P384_SPKI,
        SECP256K1_SPKI,
        "not base64 at all!",
        "AAAA",
        &url_safe,
        &long,
    ] {
        let result = request.check(&signing, Some(ipk), NOW);
        assert!(matches!(result, Err(E::InvalidIpk(_))), "{ipk}: {result:?}");
        assert_eq!(result.unwrap_err().code(), "message_signature_invalid_ipk");
    }
}

// ---------------------------------------------------------------- the vendor's test script

/// The key pair of Approov's ASP.NET quickstart test script
/// (`test-scripts/request_tests_approov_msg.sh`): its private key as SEC1 DER, and the
/// `ipk` claim of its `GOOD_IPK_TOKEN`.
const VENDOR_PRIVATE_KEY: &str = "MHcCAQEEIHWZ2Ueq6odQNG+aaYmEbp7C6nujYNGr7nYKK2jqQ2asoAoGCCqGSM49AwEHoUQDQgAEJSm4DMcivAwvhM+KNce2C/X26cj3oGyUwWVUPuNuZHtd2qyVsM+0g7qX73Qh0Of6fn10AApLnl8vRQsvx94fZQ==";
const VENDOR_IPK: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJSm4DMcivAwvhM+KNce2C/X26cj3oGyUwWVUPuNuZHtd2qyVsM+0g7qX73Qh0Of6fn10AApLnl8vRQsvx94fZQ==";
const VENDOR_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiZXhwIjoxOTk5OTk5OTk5LCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IkFwcHJvb3ZBY2NvdW50SUQuYXBwcm9vdi5pbyIsInN1YiI6ImFwcHJvb3Z8RXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwiaXAiOiIxLjIuMy40IiwiaXBrIjoiTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFSlNtNERNY2l2QXd2aE0rS05jZTJDL1gyNmNqM29HeVV3V1ZVUHVOdVpIdGQycXlWc00rMGc3cVg3M1FoME9mNmZuMTBBQXBMbmw4dlJRc3Z4OTRmWlE9PSIsImRpZCI6IkV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSJ9.hV6xTkGsp9uWwrD-yKkIGTBJawbofJEsuRLw9Qa5YXY";

/// Signs as the script does: the base written out by hand, one `"name": value` line per
/// component and `"@signature-params"` copied from the input text, no final newline,
/// ECDSA P-256 SHA-256, raw r||s.
fn vendor_signed(
    method: &str,
    target: &str,
    input: &str,
    lines: &[String],
    body: Option<&[u8]>,
) -> Request {
    let der = STANDARD.decode(VENDOR_PRIVATE_KEY).unwrap();
    let key = SigningKey::from(p256::SecretKey::from_sec1_der(&der).unwrap());
    let base = format!("{}\n\"@signature-params\": {input}", lines.join("\n"));
    let signature: Signature = key.sign(base.as_bytes());
    let mut request = Request::new(method, target);
    request.scheme = "http".into();
    request.authority = "0.0.0.0:8111".into();
    request.set("approov-token", VENDOR_TOKEN);
    request.body = body.map(<[u8]>::to_vec);
    with_raw_signature(request, input, &signature.to_bytes())
}

#[test]
fn the_vendor_token_carries_the_vendor_key() {
    let payload = VENDOR_TOKEN.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["ipk"], VENDOR_IPK);
}

#[test]
fn requests_signed_like_the_vendor_script_verify() {
    let uri = "http://0.0.0.0:8111/token?param1=value1&param2=value2";
    let target = "/token?param1=value1&param2=value2";
    let created = NOW - 5;
    let signing = MessageSigning::default();
    let token_line = format!("\"approov-token\": {VENDOR_TOKEN}");

    // Test 1: the method and the token.
    let input = format!(
        r#"("@method" "approov-token");alg="ecdsa-p256-sha256";created={created};expires=1999999999"#
    );
    let lines = ["\"@method\": GET".to_owned(), token_line.clone()];
    let request = vendor_signed("GET", target, &input, &lines, None);
    assert_eq!(request.check(&signing, Some(VENDOR_IPK), NOW), Ok(()));

    // Test 2: and the target URI.
    let input = format!(
        r#"("@method" "@target-uri" "approov-token");alg="ecdsa-p256-sha256";created={created};expires=1999999999"#
    );
    let lines = [
        "\"@method\": GET".to_owned(),
        format!("\"@target-uri\": {uri}"),
        token_line.clone(),
    ];
    let request = vendor_signed("GET", target, &input, &lines, None);
    assert_eq!(request.check(&signing, Some(VENDOR_IPK), NOW), Ok(()));

    // Tests 3 and 4: a POST whose body is covered by content-digest, quoted and not.
    let body = b"My test message body";
    for form in [DigestForm::QuotedString, DigestForm::ByteSequence] {
        let digest = content_digest(body, DigestAlgorithm::Sha256, form);
        let input = format!(
            r#"("@method" "@target-uri" "approov-token" "content-digest");alg="ecdsa-p256-sha256";created={created};expires=1999999999"#
        );
        let lines = [
            "\"@method\": POST".to_owned(),
            format!("\"@target-uri\": {uri}"),
            token_line.clone(),
            format!("\"content-digest\": {digest}"),
        ];
        let mut request = vendor_signed("POST", target, &input, &lines, Some(body));
        request.set("content-digest", &digest);
        assert!(request.needs_body());
        assert_eq!(
            request.check(&signing, Some(VENDOR_IPK), NOW),
            Ok(()),
            "{digest}"
        );

        request.body = Some(b"My test message body!".to_vec());
        assert_eq!(
            request.check(&signing, Some(VENDOR_IPK), NOW),
            Err(E::DigestMismatch)
        );
    }

    // The vendor's own verifier drops the `?` of @query; RFC 9421 §2.2.7 keeps it, and
    // so does this one.
    let input = format!(r#"("@query" "approov-token");alg="ecdsa-p256-sha256";created={created}"#);
    let vendor_query = [
        "\"@query\": param1=value1&param2=value2".to_owned(),
        token_line.clone(),
    ];
    let request = vendor_signed("GET", target, &input, &vendor_query, None);
    assert_eq!(
        request.check(&signing, Some(VENDOR_IPK), NOW),
        Err(E::SignatureMismatch)
    );
    let rfc_query = [
        "\"@query\": ?param1=value1&param2=value2".to_owned(),
        token_line,
    ];
    let request = vendor_signed("GET", target, &input, &rfc_query, None);
    assert_eq!(request.check(&signing, Some(VENDOR_IPK), NOW), Ok(()));
}

/// Deterministic (RFC 6979) signatures with the vendor key over the vendor script's four
/// requests, made outside Rust from a signature base that hashes the same as the one the
/// script builds: `(Signature-Input, Content-Digest, signature)`.
const VENDOR_VECTORS: [(&str, Option<&str>, &str); 4] = [
    (
        r#"install=("@method" "approov-token");alg="ecdsa-p256-sha256";created=1744292750;expires=1999999999"#,
        None,
        "lSlr3UKtqghyM2Qi/pTKn7SXbZ8Xz/uI5D8hnkjJGNxy0ZY7qlhgP7LMvo8spJIEBlvak9DAriHTpm20u2jwvw==",
    ),
    (
        r#"install=("@method" "@target-uri" "approov-token");alg="ecdsa-p256-sha256";created=1744292750;expires=1999999999"#,
        None,
        "L0Tu5J7CS3Tn+eyDX3jm75o+5t8Is1zdFB9sUBtFo7fxHSml9hvpgDB0aPKWKX5cp3HZehDci0GD2kQwCkZfZQ==",
    ),
    (
        r#"install=("@method" "@target-uri" "approov-token" "content-digest");alg="ecdsa-p256-sha256";created=1744292750;expires=1999999999"#,
        Some(r#"sha-256="GxReGBeVF8yUIjhFWTQcu0WFWAc+ynqbj1vWOA9SRaE=""#),
        "pWqPkgiX1PLHHk4hgHU/Ol+SiAKpu7kue6dA9okqhYhrKmduB1uXn2Fj3pnmyZz4aX3Ickq+NJx0trM3t5uuYA==",
    ),
    (
        r#"install=("@method" "@target-uri" "approov-token" "content-digest");alg="ecdsa-p256-sha256";created=1744292750;expires=1999999999"#,
        Some("sha-256=:GxReGBeVF8yUIjhFWTQcu0WFWAc+ynqbj1vWOA9SRaE=:"),
        "Ik5FPtsUnDIaVmRQ33QRoQrmNTz6inYmrtK59IcYnW+9cOlsrMG38JmPcBlRwEuTGMVIX66dQbvrD54vt+NPFA==",
    ),
];

#[test]
fn the_vendor_script_vectors_verify_in_both_signature_forms() {
    let signing = MessageSigning::default();
    let now = 1_744_292_750 + 10;
    for (input, digest, signature) in VENDOR_VECTORS {
        // iOS sends a byte sequence, Android a string.
        for signature in [
            format!("install=:{signature}:"),
            format!("install=\"{signature}\""),
        ] {
            let mut request = Request::new(
                if digest.is_some() { "POST" } else { "GET" },
                "/token?param1=value1&param2=value2",
            );
            request.scheme = "http".into();
            request.authority = "0.0.0.0:8111".into();
            request.set("approov-token", VENDOR_TOKEN);
            request.set("signature-input", input);
            request.set("signature", &signature);
            if let Some(digest) = digest {
                request.set("content-digest", digest);
                request.body = Some(b"My test message body".to_vec());
            }
            assert_eq!(
                request.check(&signing, Some(VENDOR_IPK), now),
                Ok(()),
                "{input} {signature}"
            );

            let mut tampered = request.clone();
            tampered.method = "PUT".into();
            assert_eq!(
                tampered.check(&signing, Some(VENDOR_IPK), now),
                Err(E::SignatureMismatch)
            );
        }
    }
}

// ---------------------------------------------------------------- hostile input

#[test]
fn huge_headers_are_refused_before_parsing() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    let mut huge = request.clone();
    huge.set("signature", &format!("install=:{}:", "A".repeat(1 << 20)));
    assert_eq!(huge.verify(&key), Err(E::HeaderTooLong));
    let mut many = request.clone();
    for _ in 0..2000 {
        many.headers
            .push(("signature-input".into(), b"a=1".to_vec()));
    }
    assert_eq!(many.verify(&key), Err(E::HeaderTooLong));
    let mut at_limit = request;
    at_limit.set("signature", &"a".repeat(MAX_SIGNATURE_HEADER_LEN + 1));
    assert_eq!(at_limit.verify(&key), Err(E::HeaderTooLong));
}

#[test]
fn garbage_dictionaries_are_malformed() {
    let key = key();
    let request = Request::get("/").signed(&key, METHOD_AND_TOKEN);
    for garbage in [
        "install=:",
        "install=(",
        "=",
        ",",
        "install=:AA==:,",
        "ä",
        "install=(\"a\"",
        "install=?2",
    ] {
        let mut changed = request.clone();
        changed.set("signature-input", garbage);
        assert!(
            matches!(changed.verify(&key), Err(E::Malformed(_))),
            "{garbage}"
        );
        let mut changed = request.clone();
        changed.set("signature", garbage);
        assert!(
            matches!(changed.verify(&key), Err(E::Malformed(_))),
            "{garbage}"
        );
    }
}

fn sf_ish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        r#"[a-z@"();=:, ?*0-9A-Za-z+/-]{0,200}"#.prop_map(String::into_bytes),
        r#"install=\("[@a-z-]{0,12}"( "[@a-z-]{0,12}"){0,5}\)(;[a-z]{1,8}=("[a-z0-9-]{0,20}"|-?[0-9]{1,16}|\?[01]|:[A-Za-z0-9+/=]{0,90}:))*"#
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    // Each case makes a key and signs: 256 cases keep the suite quick in debug builds.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn hostile_headers_never_panic_nor_pass(
        signature in sf_ish(),
        input in sf_ish(),
        digest in sf_ish(),
        method in "[A-Za-z]{0,8}",
        target in "[ -~]{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let key = InstallationKey::generate();
        let headers = vec![
            ("approov-token".to_owned(), TOKEN.as_bytes().to_vec()),
            ("signature".to_owned(), signature),
            ("signature-input".to_owned(), input),
            ("content-digest".to_owned(), digest),
        ];
        let lookup = |name: &str| values(&headers, name);
        let signing = MessageSigning::default();
        let _ = signing.needs_body(lookup);
        let request = SignedRequest::new(&method, "https", "h", &target, lookup).with_body(&body);
        prop_assert!(signing.verify(&claims(Some(&key.ipk())), &request, NOW).is_err());
    }

    #[test]
    fn hostile_ipk_never_panics(ipk in "[ -~]{0,200}") {
        let request = Request::get("/").signed(&InstallationKey::generate(), METHOD_AND_TOKEN);
        prop_assert!(request.check(&MessageSigning::default(), Some(&ipk), NOW).is_err());
    }

    #[test]
    fn changing_one_byte_of_the_signature_input_never_passes(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let key = InstallationKey::generate();
        let mut request = Request::get("/a?b=c").signed(&key, &["@method", "@target-uri", "approov-token"]);
        let original = request.get_header("signature-input").into_bytes();
        let mut input = original.clone();
        let at = index.index(input.len());
        prop_assume!(input[at] != byte);
        input[at] = byte;
        request.remove("signature-input");
        request.headers.push(("signature-input".into(), input.clone()));
        // A change that parses to the same structured value (such as whitespace) still
        // verifies; every other change must fail.
        if request.verify(&key).is_ok() {
            let parse = |raw: &[u8]| sfv::Parser::new(raw).parse::<sfv::Dictionary>().ok();
            prop_assert_eq!(parse(&input), parse(&original));
        }
    }
}

#[test]
fn a_method_the_framework_may_have_rewritten_fails_a_signature_that_covers_it() {
    let key = key();
    let check = |request: &Request, hidden: bool| {
        let headers = |name: &str| values(&request.headers, name);
        let mut signed = SignedRequest::new(
            &request.method,
            &request.scheme,
            &request.authority,
            &request.target,
            headers,
        );
        if hidden {
            signed = signed.with_method_hidden();
        }
        MessageSigning::default().verify(&claims(Some(&key.ipk())), &signed, NOW)
    };
    let over_method = Request::get("/shapes").signed(&key, &["@method", "approov-token"]);
    assert_eq!(check(&over_method, false), Ok(()));
    assert_eq!(
        check(&over_method, true),
        Err(E::HiddenByFramework("@method"))
    );
    assert_eq!(
        E::HiddenByFramework("@method").code(),
        "message_signature_invalid"
    );
    // Not covered: the method is none of the signature's business.
    let without = Request::get("/shapes").signed(&key, &["@path", "approov-token"]);
    assert_eq!(check(&without, true), Ok(()));
}
