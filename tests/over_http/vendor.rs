//! The Approov quickstarts' own test material, through each example as a user
//! following today's Approov docs would configure it.

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
