//! The body rule at the wire, the same in every example: a body an installation
//! signature covers that breaks off while it is read is answered 400 `{}`, logged as
//! `message_signature_body_unreadable` (the check could not be made; the client is
//! told its request was bad, not that it is not the genuine app). Sent raw, since a
//! client library would never send such a body.

use approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, SignatureParams, SignedRequest,
};
use approov_testkit::TestSecret;
use serde_json::json;

use crate::client;
use crate::server::Launch;

/// A POST to `/token-message-signing` whose signature covers its body, with its
/// headers up to the blank line; the caller writes the body (or fails to).
fn signed_post_head(secret: &TestSecret, port: u16, body: &[u8], framing: &str) -> Vec<u8> {
    let key = InstallationKey::generate();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let token = secret.token_with_claims(&json!({"exp": now + 300, "ipk": key.ipk()}));
    let host = format!("127.0.0.1:{port}");
    let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
    let headers = |name: &str| -> Vec<&[u8]> {
        match name {
            "approov-token" => vec![token.as_bytes()],
            "content-digest" => vec![digest.as_bytes()],
            _ => vec![],
        }
    };
    let request = SignedRequest::new("POST", "http", &host, "/token-message-signing", headers)
        .with_body(body);
    let components = ["@method", "@target-uri", "approov-token", "content-digest"];
    let signed = key
        .sign_request(&request, &SignatureParams::new(&components, now))
        .unwrap_or_else(|e| panic!("signing: {e}"));
    format!(
        "POST /token-message-signing HTTP/1.1\r\nHost: {host}\r\nApproov-Token: {token}\r\n\
         Content-Digest: {digest}\r\nSignature-Input: {}\r\nSignature: {}\r\n{framing}\r\n\
         Connection: close\r\n\r\n",
        signed.signature_input, signed.signature
    )
    .into_bytes()
}

pub(crate) fn a_signed_body_that_cannot_be_read_is_400(package: &str) {
    let secret = TestSecret::new();
    let server = Launch::new(package)
        .secret(&secret)
        .log_every_failure()
        .start();
    let body = br#"{"amount":42,"note":"a body of more than 32 bytes"}"#;
    // A chunked body whose second chunk's size is not hexadecimal. (Its first chunk is
    // longer than the bytes Rocket peeks at before any guard runs, which hide a read
    // error; see approov-rocket's docs.)
    let (first, rest) = body.split_at(32);
    let mut request = signed_post_head(&secret, server.port, body, "Transfer-Encoding: chunked");
    request.extend_from_slice(format!("{:x}\r\n", first.len()).as_bytes());
    request.extend_from_slice(first);
    request.extend_from_slice(b"\r\nzz\r\n");
    request.extend_from_slice(rest);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    let seen = server.logged().len();
    let observed = client::send_raw(server.port, &request)
        .unwrap_or_else(|e| panic!("{package}: no answer to a broken chunked body: {e}"));
    assert_eq!(
        (
            observed.status,
            observed.content_type.as_deref(),
            observed.body.as_slice()
        ),
        (400, Some("application/json"), b"{}".as_slice()),
        "{package}: a signed body that cannot be read"
    );
    let logged = server.logged_since(seen, 1);
    assert!(
        logged
            .iter()
            .any(|line| line.code == "message_signature_body_unreadable"),
        "{package}: logged {logged:?}"
    );

    // The same body whole, on a connection of its own: 200, so the 400 above was the
    // broken body's.
    let mut request = signed_post_head(
        &secret,
        server.port,
        body,
        &format!("Content-Length: {}", body.len()),
    );
    request.extend_from_slice(body);
    let observed = client::send_raw(server.port, &request)
        .unwrap_or_else(|e| panic!("{package}: no answer: {e}"));
    assert_eq!(observed.status, 200, "{package}: the same body, whole");
    server.stop();
}
