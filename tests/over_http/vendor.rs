//! The Approov quickstarts' own test material, through each example as a user
//! following today's Approov docs would configure it.

use approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, SignatureParams, SignedRequest,
};
use approov_testkit::vendor;

use crate::client;
use crate::server::Launch;

pub(crate) fn fixture_tokens_with_the_base64url_dummy_secret(package: &str) {
    let server = Launch::new(package)
        .env("APPROOV_BASE64URL_SECRET", vendor::TEST_SECRET_BASE64URL)
        .log_every_failure()
        .start();
    let answer = |path: &str, token: &str, extra: &[(&str, &str)]| {
        let mut headers = vec![("Approov-Token", token.as_bytes())];
        headers.extend(extra.iter().map(|(n, v)| (*n, v.as_bytes())));
        client::get(server.port, path, &headers)
            .map(|observed| observed.status)
            .unwrap_or_else(|e| panic!("{package}: no HTTP answer: {e}"))
    };
    let pair = [
        ("Authorization", vendor::BOUND_AUTHORIZATION),
        ("SessionId", vendor::BOUND_SECOND_VALUE),
    ];
    let swapped = [
        ("Authorization", vendor::BOUND_SECOND_VALUE),
        ("SessionId", vendor::BOUND_AUTHORIZATION),
    ];
    // (path, token, more headers, status, the code logged)
    type Expectation<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        u16,
        Option<&'a str>,
    );
    let expectations: [Expectation<'_>; 9] = [
        ("/token-check", vendor::GOOD_FULL_TOKEN, &[], 200, None),
        ("/token-check", vendor::GOOD_MIN_TOKEN, &[], 200, None),
        ("/token-check", vendor::GOOD_IPK_TOKEN, &[], 200, None),
        (
            "/token-check",
            vendor::BAD_SIGNATURE_TOKEN,
            &[],
            401,
            Some("token_verification_failed"),
        ),
        (
            "/token-check",
            vendor::EXPIRED_TOKEN,
            &[],
            401,
            Some("token_expired"),
        ),
        (
            "/token-check",
            vendor::NO_EXPIRY_TOKEN,
            &[],
            401,
            Some("token_missing_expiration"),
        ),
        (
            "/token-double-binding",
            vendor::GOOD_FULL_TOKEN_WITH_BINDING,
            &pair,
            200,
            None,
        ),
        (
            "/token-double-binding",
            vendor::GOOD_FULL_TOKEN_WITH_BINDING,
            &swapped,
            401,
            Some("binding_mismatch"),
        ),
        (
            "/token-double-binding",
            vendor::GOOD_FULL_TOKEN_WITH_BINDING,
            &pair[..1],
            401,
            Some("missing_binding_header"),
        ),
    ];
    for (path, token, extra, status, code) in expectations {
        let seen = server.logged().len();
        assert_eq!(
            answer(path, token, extra),
            status,
            "{package}: {path} {extra:?}"
        );
        let logged = server.logged_since(seen, usize::from(code.is_some()));
        assert_eq!(
            logged.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(),
            code.into_iter().collect::<Vec<_>>(),
            "{package}: {path} {extra:?}: the code logged"
        );
    }
}

/// The vendor's public test installation key signs, with a fresh `created`, requests
/// carrying its fixture token (whose `ipk` is that key): GET, and POST with the
/// quoted-string `Content-Digest` the vendor's script sends.
pub(crate) fn the_vendors_installation_key_signs_requests_that_pass(package: &str) {
    let server = Launch::new(package)
        .env("APPROOV_BASE64URL_SECRET", vendor::TEST_SECRET_BASE64URL)
        .start();
    let key = InstallationKey::from_pkcs8_pem(vendor::TEST_INSTALL_PRIVATE_KEY_PEM)
        .unwrap_or_else(|e| panic!("the vendor's test key: {e}"));
    let authority = format!("127.0.0.1:{}", server.port);
    let target = "/token-message-signing?param1=value1&param2=value2";
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let body = b"My test message body";
    for (method, body) in [("GET", &b""[..]), ("POST", &body[..])] {
        let mut headers = vec![
            ("Host", authority.clone()),
            ("Approov-Token", vendor::GOOD_IPK_TOKEN.to_owned()),
        ];
        let mut components = vec!["@method", "@target-uri", "approov-token"];
        if !body.is_empty() {
            let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::QuotedString);
            headers.push(("Content-Digest", digest));
            components.push("content-digest");
        }
        let signed = {
            let values = |name: &str| -> Vec<&[u8]> {
                headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_bytes())
                    .collect()
            };
            let request =
                SignedRequest::new(method, "http", &authority, target, values).with_body(body);
            key.sign_request(
                &request,
                &SignatureParams::new(&components, created).with_expires(created + 15),
            )
            .unwrap_or_else(|e| panic!("signing: {e}"))
        };
        headers.push(("Signature", signed.signature));
        headers.push(("Signature-Input", signed.signature_input));
        let pairs: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
        let observed = client::send(server.port, method, target, &pairs, body)
            .unwrap_or_else(|e| panic!("{package}: no HTTP answer: {e}"));
        assert_eq!(
            observed.status,
            200,
            "{package}: {method} signed with the vendor's test key:\n{}",
            server.stderr()
        );
        // The same request to another query is refused.
        let other = client::send(
            server.port,
            method,
            "/token-message-signing?param1=other",
            &pairs,
            body,
        )
        .unwrap_or_else(|e| panic!("{package}: no HTTP answer: {e}"));
        assert_eq!(other.status, 401, "{package}: {method} to another query");
    }
}
