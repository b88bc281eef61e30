//! The one table of requests that every adapter and every example server must answer
//! the same way.

use approov_core::{Binding, BindingHeader, TokenRejection};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::json;

use crate::{forge, forge_raw, Alg, TestSecret};

/// The body of every success.
pub const HELLO_BODY: &str = r#"{"message":"Hello, World!"}"#;
/// The body of every rejection.
pub const REJECTION_BODY: &str = "{}";

/// The routes of the example contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/unprotected`: no check.
    Unprotected,
    /// `/token-check`: a valid token.
    TokenCheck,
    /// `/token-binding`: a valid token bound to `Authorization`.
    TokenBinding,
    /// `/token-double-binding`: a valid token bound to `Authorization` then `SessionId`.
    TokenDoubleBinding,
    /// `/token-message-signing` (GET and POST): a valid token with an `ipk`, and a
    /// valid `install` message signature over the request.
    TokenMessageSigning,
    /// A path no server routes.
    Unknown,
}

impl Route {
    /// The request path.
    pub fn path(self) -> &'static str {
        match self {
            Route::Unprotected => "/unprotected",
            Route::TokenCheck => "/token-check",
            Route::TokenBinding => "/token-binding",
            Route::TokenDoubleBinding => "/token-double-binding",
            Route::TokenMessageSigning => "/token-message-signing",
            Route::Unknown => "/no-such-route",
        }
    }

    /// Whether the route checks a token at all.
    pub fn is_protected(self) -> bool {
        self.checks().is_some()
    }

    /// Whether the route requires an installation message signature.
    pub fn requires_message_signing(self) -> bool {
        self == Route::TokenMessageSigning
    }

    /// What the route checks: `None` for no check, `Some(None)` for a token with no
    /// binding, `Some(Some(binding))` for a bound token.
    pub fn checks(self) -> Option<Option<Binding>> {
        match self {
            Route::Unprotected | Route::Unknown => None,
            Route::TokenCheck | Route::TokenMessageSigning => Some(None),
            Route::TokenBinding => Some(Some(Binding::from(BindingHeader::AUTHORIZATION))),
            Route::TokenDoubleBinding => Some(Some(Binding::from([
                BindingHeader::AUTHORIZATION,
                BindingHeader::new("sessionid"),
            ]))),
        }
    }
}

/// What the server must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// 200, `application/json`, [`HELLO_BODY`].
    Hello,
    /// [`REJECTION_BODY`] as `application/json`, with the status the reason says
    /// ([`TokenRejection::status`]: 401, or 413/400 for a signed body that cannot be
    /// checked), for this reason (which the server logs with its code).
    Rejected(TokenRejection),
    /// 401 as [`Expect::Rejected`]; over real HTTP the server may instead refuse the
    /// oversized header itself with 400 or 431 (never 5xx).
    RejectedOrTooLarge(TokenRejection),
    /// 404.
    NotFound,
}

impl Expect {
    /// The rejection this case expects, if any.
    pub fn rejection(&self) -> Option<&TokenRejection> {
        match self {
            Expect::Rejected(reason) | Expect::RejectedOrTooLarge(reason) => Some(reason),
            Expect::Hello | Expect::NotFound => None,
        }
    }
}

/// One request and the answer it must get.
#[derive(Debug, Clone)]
pub struct Case {
    /// What the case is about; test output names it.
    pub name: &'static str,
    /// The request method: `GET`, or `POST` for some message-signing cases.
    pub method: &'static str,
    /// Where the request goes.
    pub route: Route,
    /// The query, with its `?` (or empty).
    pub query: &'static str,
    /// The request's headers, in order; a name may repeat. A `Host` header here is
    /// sent instead of the client's own.
    pub headers: Vec<(&'static str, Vec<u8>)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// The answer.
    pub expect: Expect,
    /// The `status=` the rejection's log line carries (`None`: no such field).
    pub logged_status: Option<&'static str>,
    /// The `trace_id=` the rejection's log line carries (`None`: no such field).
    pub logged_trace_id: Option<&'static str>,
}

impl Case {
    /// A `GET` of `route` with `headers` and no body.
    pub fn get(
        name: &'static str,
        route: Route,
        headers: Vec<(&'static str, Vec<u8>)>,
        expect: Expect,
    ) -> Case {
        Case {
            name,
            method: "GET",
            route,
            query: "",
            headers,
            body: Vec::new(),
            expect,
            logged_status: None,
            logged_trace_id: None,
        }
    }

    /// The same case, its rejection logged with these `status=` and `trace_id=`.
    pub fn logged_with(
        mut self,
        status: Option<&'static str>,
        trace_id: Option<&'static str>,
    ) -> Case {
        self.logged_status = status;
        self.logged_trace_id = trace_id;
        self
    }

    /// The request target: the route's path and the query.
    pub fn target(&self) -> String {
        format!("{}{}", self.route.path(), self.query)
    }

    /// The headers as `(name, raw value)` pairs, the shape the test clients take.
    pub fn header_pairs(&self) -> Vec<(&str, &[u8])> {
        self.headers
            .iter()
            .map(|(name, value)| (*name, value.as_slice()))
            .collect()
    }
}

/// The `Authorization` value bound tokens are bound to.
pub const AUTHORIZATION: &str = "Bearer user-session-7f3a9c";
/// The `SessionId` value double-bound tokens are bound to, after [`AUTHORIZATION`].
pub const SESSION_ID: &str = "session-42b8e1";

/// The rejection for `header`'s absence, as the verifier names it.
fn token_header(header: fn(std::borrow::Cow<'static, str>) -> TokenRejection) -> TokenRejection {
    header("approov-token".into())
}

/// Every case but message signing's: tokens signed with the secret or the public
/// keys, and forgeries.
pub fn token_cases(secret: &TestSecret) -> Vec<Case> {
    let mut all = secret_cases(secret);
    all.extend(key_cases(secret));
    all.extend(status_cases(secret));
    all
}

/// The app's `Approov-Status` and `Approov-TraceID`: logged with a rejection (validated,
/// never raw), never changing an answer.
fn status_cases(secret: &TestSecret) -> Vec<Case> {
    let valid = secret.token(300, None);
    let expired = secret.token(-1, None);
    let with = |token: Option<&str>, status: Option<&str>, trace: Option<&str>| {
        let mut headers = Vec::new();
        if let Some(token) = token {
            headers.push(("Approov-Token", token.as_bytes().to_vec()));
        }
        if let Some(status) = status {
            headers.push(("Approov-Status", status.as_bytes().to_vec()));
        }
        if let Some(trace) = trace {
            headers.push(("Approov-TraceID", trace.as_bytes().to_vec()));
        }
        headers
    };
    let long = "a".repeat(200);
    let missing = Expect::Rejected(token_header(|header| TokenRejection::Missing { header }));
    use Route::TokenCheck;
    vec![
        Case::get(
            "no token, Approov-Status no_network: refused, the status logged",
            TokenCheck,
            with(None, Some("no_network"), None),
            missing.clone(),
        )
        .logged_with(Some("no_network"), None),
        Case::get(
            "no token, Approov-Status untrusted_network: refused, the status logged",
            TokenCheck,
            with(None, Some("untrusted_network"), None),
            missing.clone(),
        )
        .logged_with(Some("untrusted_network"), None),
        Case::get(
            "valid token with Approov-Status success and a trace ID",
            TokenCheck,
            with(Some(&valid), Some("success"), Some("dGVzdC10cmFjZS0xMjM")),
            Expect::Hello,
        ),
        Case::get(
            "expired token with a trace ID: both logged",
            TokenCheck,
            with(Some(&expired), Some("success"), Some("dGVzdC10cmFjZS0xMjM")),
            Expect::Rejected(TokenRejection::Expired),
        )
        .logged_with(Some("success"), Some("dGVzdC10cmFjZS0xMjM")),
        Case::get(
            "garbage token, a status that is not one and a trace ID that is not base64url",
            TokenCheck,
            with(
                Some("garbage"),
                Some("No Network; x=1"),
                Some("trace id/with+spaces"),
            ),
            Expect::Rejected(TokenRejection::Malformed("not three segments")),
        )
        .logged_with(Some("invalid"), Some("invalid")),
        Case::get(
            "no token, a 200-character status and trace ID: logged as invalid",
            TokenCheck,
            with(None, Some(&long), Some(&long)),
            missing,
        )
        .logged_with(Some("invalid"), Some("invalid")),
    ]
}

/// The cases of tokens signed with the public keys' private halves, and of forgeries
/// that try to pass one key off as another.
fn key_cases(secret: &TestSecret) -> Vec<Case> {
    let keys = secret.keys();
    let exp = now() + 300;
    let claims = json!({"exp": exp, "did": "device", "ip": "1.2.3.4"});
    let tok = |value: &str| vec![("Approov-Token", value.as_bytes().to_vec())];
    let header = |alg: &str, kid: Option<&str>| match kid {
        Some(kid) => json!({"alg": alg, "typ": "JWT", "kid": kid}),
        None => json!({"alg": alg, "typ": "JWT"}),
    };
    // The algorithm-confusion attack: HS256 with a public key's bytes as the secret.
    let confused = |public_key: &[u8], kid: Option<&str>| {
        forge(Alg::Hs256, public_key, &header("HS256", kid), &claims)
    };
    let case = Case::get;
    use Expect::*;
    use Route::*;

    vec![
        case(
            "ES256 token, its key in the set",
            TokenCheck,
            tok(&keys.es256.token(300, None)),
            Hello,
        ),
        case(
            "RS256 token, its key in the set",
            TokenCheck,
            tok(&keys.rs256.token(300, None)),
            Hello,
        ),
        case(
            "PS256 token, its key in the set",
            TokenCheck,
            tok(&keys.ps256.token(300, None)),
            Hello,
        ),
        case(
            "EdDSA token, its key in the set",
            TokenCheck,
            tok(&keys.eddsa.token(300, None)),
            Hello,
        ),
        case(
            "bound ES256 token, matching Authorization",
            TokenBinding,
            vec![
                (
                    "Approov-Token",
                    keys.es256.token(300, Some(AUTHORIZATION)).into_bytes(),
                ),
                ("Authorization", AUTHORIZATION.as_bytes().to_vec()),
            ],
            Hello,
        ),
        case(
            "bound EdDSA token, another Authorization",
            TokenBinding,
            vec![
                (
                    "Approov-Token",
                    keys.eddsa.token(300, Some(AUTHORIZATION)).into_bytes(),
                ),
                ("Authorization", b"Bearer someone-else".to_vec()),
            ],
            Rejected(TokenRejection::BindingMismatch),
        ),
        case(
            "expired EdDSA token",
            TokenCheck,
            tok(&keys.eddsa.token(-1, None)),
            Rejected(TokenRejection::Expired),
        ),
        case(
            "ES256 token signed by another key with the same kid",
            TokenCheck,
            tok(&keys.other_es256.token(300, None)),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "RS256 token signed by another key with the same kid",
            TokenCheck,
            tok(&keys.other_rs256.token(300, None)),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "EdDSA token signed by another key with the same kid",
            TokenCheck,
            tok(&keys.other_eddsa.token(300, None)),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "alg confusion: HS256 keyed with the ES256 public key PEM, kid naming it",
            TokenCheck,
            tok(&confused(
                keys.es256.signing_key().public_key_pem().as_bytes(),
                Some(keys.es256.kid()),
            )),
            Rejected(TokenRejection::KeyAlgorithmMismatch),
        ),
        case(
            "alg confusion: HS256 keyed with the RS256 public key DER, kid naming it",
            TokenCheck,
            tok(&confused(
                keys.rs256.signing_key().public_key_der(),
                Some(keys.rs256.kid()),
            )),
            Rejected(TokenRejection::KeyAlgorithmMismatch),
        ),
        case(
            "alg confusion: HS256 keyed with the RS256 public key PEM, no kid",
            TokenCheck,
            tok(&confused(
                keys.rs256.signing_key().public_key_pem().as_bytes(),
                None,
            )),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "alg confusion: HS256 keyed with the EdDSA public key DER, no kid",
            TokenCheck,
            tok(&confused(keys.eddsa.signing_key().public_key_der(), None)),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "HS256 token signed with the secret, kid naming a public key",
            TokenCheck,
            tok(&forge(
                Alg::Hs256,
                secret.bytes(),
                &header("HS256", Some(keys.eddsa.kid())),
                &claims,
            )),
            Rejected(TokenRejection::KeyAlgorithmMismatch),
        ),
        case(
            "ES256 token with a kid no key has",
            TokenCheck,
            tok(&keys
                .es256
                .forge(&header("ES256", Some("test-no-such-key")), &claims)),
            Rejected(TokenRejection::UnknownKeyId),
        ),
        case(
            "ES256 token naming the RS256 key",
            TokenCheck,
            tok(&keys
                .es256
                .forge(&header("ES256", Some(keys.rs256.kid())), &claims)),
            Rejected(TokenRejection::KeyAlgorithmMismatch),
        ),
        case(
            "PS256 header naming the RS256 key",
            TokenCheck,
            tok(&keys
                .ps256
                .forge(&header("PS256", Some(keys.rs256.kid())), &claims)),
            Rejected(TokenRejection::KeyAlgorithmMismatch),
        ),
        case(
            "EdDSA token naming the ES256 key",
            TokenCheck,
            tok(&keys
                .eddsa
                .forge(&header("EdDSA", Some(keys.es256.kid())), &claims)),
            Rejected(TokenRejection::KeyAlgorithmMismatch),
        ),
        case(
            "RS256 token without a kid",
            TokenCheck,
            tok(&keys.rs256.forge(&header("RS256", None), &claims)),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
        case(
            "ES384 header naming the ES256 key",
            TokenCheck,
            tok(&keys
                .es256
                .forge(&header("ES384", Some(keys.es256.kid())), &claims)),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
    ]
}

/// The cases of the HS256 secret, and of everything that is not about keys.
fn secret_cases(secret: &TestSecret) -> Vec<Case> {
    let valid = secret.token(300, None);
    let bound = secret.token(300, Some(AUTHORIZATION));
    let double_bound = secret.token_bound_to(300, &[AUTHORIZATION, SESSION_ID]);
    let key = secret.bytes();
    let hs256 = r#"{"alg":"HS256","typ":"JWT"}"#;
    let exp = now() + 300;
    let claims = json!({"exp": exp, "did": "device", "ip": "1.2.3.4"});
    let other_secret = TestSecret::new();

    let (signing_input, signature) = valid.rsplit_once('.').unwrap_or_default();
    let (header_part, _) = signing_input.split_once('.').unwrap_or_default();
    let swapped_payload = format!(
        "{header_part}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(json!({"exp": exp + 100_000, "did": "attacker"}).to_string())
    );
    let standard_alphabet_signature = format!(
        "{signing_input}.{}",
        STANDARD.encode(URL_SAFE_NO_PAD.decode(signature).unwrap_or_default())
    );
    let big_token = secret.token_with_claims(&json!({"exp": exp, "pad": "a".repeat(32 * 1024)}));

    let tok = |value: &str| vec![("Approov-Token", value.as_bytes().to_vec())];
    let tok_auth = |value: &str, auth: &str| {
        vec![
            ("Approov-Token", value.as_bytes().to_vec()),
            ("Authorization", auth.as_bytes().to_vec()),
        ]
    };
    let tok_auth_session = |value: &str, auth: &str, session: &str| {
        vec![
            ("Approov-Token", value.as_bytes().to_vec()),
            ("Authorization", auth.as_bytes().to_vec()),
            ("SessionId", session.as_bytes().to_vec()),
        ]
    };
    let missing = |header: &'static str| TokenRejection::BindingHeaderMissing {
        header: BindingHeader::new(header),
    };
    let case = Case::get;
    use Expect::*;
    use Route::*;

    let cases = vec![
        case("unprotected without a token", Unprotected, vec![], Hello),
        case(
            "unprotected ignores a bad token",
            Unprotected,
            tok("garbage"),
            Hello,
        ),
        case("valid token", TokenCheck, tok(&valid), Hello),
        case(
            "valid token with every real Approov claim",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({
                "exp": exp, "iat": exp - 600, "aud": "approov.io", "iss": "approov.io",
                "sub": "app", "ip": "203.0.113.7", "did": "ZGV2aWNl", "arc": "AAAA",
                "ipk": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", "anno": ["x"], "mcp": 1
            }))),
            Hello,
        ),
        case(
            "a kid in the JOSE header",
            TokenCheck,
            tok(&forge(
                Alg::Hs256,
                key,
                &json!({"alg":"HS256","typ":"JWT","kid":"key-1"}),
                &claims,
            )),
            Hello,
        ),
        case(
            "lower-case header name",
            TokenCheck,
            vec![("approov-token", valid.as_bytes().to_vec())],
            Hello,
        ),
        case(
            "upper-case header name",
            TokenCheck,
            vec![("APPROOV-TOKEN", valid.as_bytes().to_vec())],
            Hello,
        ),
        case(
            "no token",
            TokenCheck,
            vec![],
            Rejected(token_header(|header| TokenRejection::Missing { header })),
        ),
        case(
            "empty token",
            TokenCheck,
            tok(""),
            Rejected(token_header(|header| TokenRejection::Empty { header })),
        ),
        case(
            "two valid tokens in two headers",
            TokenCheck,
            vec![
                ("Approov-Token", valid.as_bytes().to_vec()),
                ("Approov-Token", valid.as_bytes().to_vec()),
            ],
            Rejected(token_header(|header| TokenRejection::Duplicate { header })),
        ),
        case(
            "a valid and a bad token",
            TokenCheck,
            vec![
                ("Approov-Token", b"garbage".to_vec()),
                ("Approov-Token", valid.as_bytes().to_vec()),
            ],
            Rejected(token_header(|header| TokenRejection::Duplicate { header })),
        ),
        case(
            "non-ASCII token",
            TokenCheck,
            vec![("Approov-Token", format!("{valid}\u{e9}").into_bytes())],
            Rejected(token_header(|header| TokenRejection::NotVisibleAscii {
                header,
            })),
        ),
        // Spaces and tabs around a value are not the value's (RFC 9110 §5.5): an
        // HTTP/1.1 parser trims them, HTTP/2 does not, the check does whatever came.
        case(
            "a valid token with spaces and a tab around it",
            TokenCheck,
            vec![("Approov-Token", format!("  {valid} \t").into_bytes())],
            Expect::Hello,
        ),
        case(
            "token with an inner tab",
            TokenCheck,
            vec![(
                "Approov-Token",
                format!("{signing_input}\t.{signature}").into_bytes(),
            )],
            Rejected(token_header(|header| TokenRejection::NotVisibleAscii {
                header,
            })),
        ),
        case(
            "Bearer prefix",
            TokenCheck,
            tok(&format!("Bearer {valid}")),
            Rejected(token_header(|header| TokenRejection::UnexpectedPrefix {
                header,
            })),
        ),
        case(
            "lower-case bearer prefix",
            TokenCheck,
            tok(&format!("bearer {valid}")),
            Rejected(token_header(|header| TokenRejection::UnexpectedPrefix {
                header,
            })),
        ),
        case(
            "expired 1 s ago",
            TokenCheck,
            tok(&secret.token(-1, None)),
            Rejected(TokenRejection::Expired),
        ),
        case(
            "expired 120 s ago",
            TokenCheck,
            tok(&secret.token(-120, None)),
            Rejected(TokenRejection::Expired),
        ),
        case(
            "no exp",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({"did": "device"}))),
            Rejected(TokenRejection::MissingExpiry),
        ),
        case(
            "exp is a string",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({"exp": exp.to_string()}))),
            Rejected(TokenRejection::InvalidClaims("exp is not a NumericDate")),
        ),
        case(
            "exp is negative",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({"exp": -1}))),
            Rejected(TokenRejection::InvalidClaims("exp is not a NumericDate")),
        ),
        case(
            "alg none, unsigned",
            TokenCheck,
            tok(&forge(
                Alg::Unsigned,
                key,
                &json!({"alg":"none","typ":"JWT"}),
                &claims,
            )),
            Rejected(TokenRejection::Malformed("empty segment")),
        ),
        case(
            "alg none with an HS256 signature",
            TokenCheck,
            tok(&forge(
                Alg::Hs256,
                key,
                &json!({"alg":"none","typ":"JWT"}),
                &claims,
            )),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
        case(
            "alg HS384",
            TokenCheck,
            tok(&forge(
                Alg::Hs384,
                key,
                &json!({"alg":"HS384","typ":"JWT"}),
                &claims,
            )),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
        case(
            "alg HS512",
            TokenCheck,
            tok(&forge(
                Alg::Hs512,
                key,
                &json!({"alg":"HS512","typ":"JWT"}),
                &claims,
            )),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
        case(
            "alg RS256 header over an HMAC signature",
            TokenCheck,
            tok(&forge(
                Alg::Hs256,
                key,
                &json!({"alg":"RS256","typ":"JWT"}),
                &claims,
            )),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
        case(
            "alg hs256 in lower case",
            TokenCheck,
            tok(&forge(
                Alg::Hs256,
                key,
                &json!({"alg":"hs256","typ":"JWT"}),
                &claims,
            )),
            Rejected(TokenRejection::UnsupportedAlgorithm),
        ),
        case(
            "crit header extension",
            TokenCheck,
            tok(&forge(
                Alg::Hs256,
                key,
                &json!({"alg":"HS256","crit":["exp"]}),
                &claims,
            )),
            Rejected(TokenRejection::Malformed("header has crit extensions")),
        ),
        case(
            "wrong secret",
            TokenCheck,
            tok(&other_secret.token(300, None)),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "payload swapped under a valid signature",
            TokenCheck,
            tok(&swapped_payload),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "signature stripped",
            TokenCheck,
            tok(&format!("{signing_input}.")),
            Rejected(TokenRejection::Malformed("empty segment")),
        ),
        case(
            "two segments",
            TokenCheck,
            tok(signing_input),
            Rejected(TokenRejection::Malformed("not three segments")),
        ),
        case(
            "four segments",
            TokenCheck,
            tok(&format!("{valid}.{signature}")),
            Rejected(TokenRejection::Malformed("not three segments")),
        ),
        case(
            "signature in the standard base64 alphabet",
            TokenCheck,
            tok(&standard_alphabet_signature),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "payload not JSON",
            TokenCheck,
            tok(&format!(
                "{}.{}.{signature}",
                header_part,
                URL_SAFE_NO_PAD.encode("not json")
            )),
            Rejected(TokenRejection::BadSignature),
        ),
        case(
            "payload not JSON, validly signed",
            TokenCheck,
            tok(&forge_raw(Alg::Hs256, key, hs256.as_bytes(), b"exp=1")),
            Rejected(TokenRejection::InvalidClaims("payload is not JSON")),
        ),
        case(
            "payload a JSON array, validly signed",
            TokenCheck,
            tok(&forge_raw(
                Alg::Hs256,
                key,
                hs256.as_bytes(),
                format!("[{{\"exp\":{exp}}}]").as_bytes(),
            )),
            Rejected(TokenRejection::InvalidClaims("not a JSON object")),
        ),
        case(
            "a 32 KB token",
            TokenCheck,
            tok(&big_token),
            RejectedOrTooLarge(TokenRejection::TooLong),
        ),
        case(
            "garbage",
            TokenCheck,
            tok("garbage"),
            Rejected(TokenRejection::Malformed("not three segments")),
        ),
        case(
            "bound token, matching Authorization",
            TokenBinding,
            tok_auth(&bound, AUTHORIZATION),
            Hello,
        ),
        case(
            "bound token on an unbound route",
            TokenCheck,
            tok_auth(&bound, "Bearer someone-else"),
            Hello,
        ),
        case(
            "binding mismatch",
            TokenBinding,
            tok_auth(&bound, "Bearer someone-else"),
            Rejected(TokenRejection::BindingMismatch),
        ),
        case(
            "binding without Authorization",
            TokenBinding,
            tok(&bound),
            Rejected(missing("authorization")),
        ),
        case(
            "binding with two Authorization headers",
            TokenBinding,
            vec![
                ("Approov-Token", bound.as_bytes().to_vec()),
                ("Authorization", AUTHORIZATION.as_bytes().to_vec()),
                ("Authorization", AUTHORIZATION.as_bytes().to_vec()),
            ],
            Rejected(TokenRejection::BindingHeaderDuplicate {
                header: BindingHeader::AUTHORIZATION,
            }),
        ),
        case(
            "binding with no pay claim",
            TokenBinding,
            tok_auth(&valid, AUTHORIZATION),
            Rejected(TokenRejection::BindingClaimMissing),
        ),
        case(
            "binding with no token",
            TokenBinding,
            vec![("Authorization", AUTHORIZATION.as_bytes().to_vec())],
            Rejected(token_header(|header| TokenRejection::Missing { header })),
        ),
        case(
            "binding with an expired bound token",
            TokenBinding,
            tok_auth(&secret.token(-1, Some(AUTHORIZATION)), AUTHORIZATION),
            Rejected(TokenRejection::Expired),
        ),
        case(
            "expired at this very second (exp == now)",
            TokenCheck,
            tok(&secret.token(0, None)),
            Rejected(TokenRejection::Expired),
        ),
        case(
            "nbf an hour ahead",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({"exp": exp, "nbf": exp + 3600}))),
            Rejected(TokenRejection::NotYetValid),
        ),
        case(
            "nbf a minute ago",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({"exp": exp, "nbf": exp - 360}))),
            Hello,
        ),
        case(
            "nbf is not a NumericDate",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({"exp": exp, "nbf": "soon"}))),
            Rejected(TokenRejection::InvalidClaims("nbf is not a NumericDate")),
        ),
        case(
            "claims we do not use, of other JSON types",
            TokenCheck,
            tok(&secret.token_with_claims(&json!({
                "exp": exp, "did": 5, "ip": ["1.2.3.4"], "arc": {"a": 1}, "pay": 7, "iat": "x"
            }))),
            Hello,
        ),
        case(
            "binding with a pay claim that is not a string",
            TokenBinding,
            tok_auth(
                &secret.token_with_claims(&json!({"exp": exp, "pay": 7})),
                AUTHORIZATION,
            ),
            Rejected(TokenRejection::BindingClaimMissing),
        ),
        case(
            "double binding, both headers right",
            TokenDoubleBinding,
            tok_auth_session(&double_bound, AUTHORIZATION, SESSION_ID),
            Hello,
        ),
        case(
            "double binding, headers in the other order",
            TokenDoubleBinding,
            tok_auth_session(
                &secret.token_bound_to(300, &[SESSION_ID, AUTHORIZATION]),
                AUTHORIZATION,
                SESSION_ID,
            ),
            Rejected(TokenRejection::BindingMismatch),
        ),
        case(
            "double binding, another session",
            TokenDoubleBinding,
            tok_auth_session(&double_bound, AUTHORIZATION, "session-other"),
            Rejected(TokenRejection::BindingMismatch),
        ),
        case(
            "double binding hashes the concatenation, no separator (as the vendor does)",
            TokenDoubleBinding,
            tok_auth_session(
                &double_bound,
                &AUTHORIZATION[..AUTHORIZATION.len() - 1],
                &format!("{}{SESSION_ID}", &AUTHORIZATION[AUTHORIZATION.len() - 1..]),
            ),
            Hello,
        ),
        case(
            "double binding without SessionId",
            TokenDoubleBinding,
            tok_auth(&double_bound, AUTHORIZATION),
            Rejected(missing("sessionid")),
        ),
        case(
            "double binding with an empty SessionId",
            TokenDoubleBinding,
            tok_auth_session(&double_bound, AUTHORIZATION, ""),
            Rejected(missing("sessionid")),
        ),
        case(
            "double binding without Authorization",
            TokenDoubleBinding,
            vec![
                ("Approov-Token", double_bound.as_bytes().to_vec()),
                ("SessionId", SESSION_ID.as_bytes().to_vec()),
            ],
            Rejected(missing("authorization")),
        ),
        case(
            "double binding with a token bound to Authorization only",
            TokenDoubleBinding,
            tok_auth_session(&bound, AUTHORIZATION, SESSION_ID),
            Rejected(TokenRejection::BindingMismatch),
        ),
        case(
            "a double-bound token on the single-binding route",
            TokenBinding,
            tok_auth_session(&double_bound, AUTHORIZATION, SESSION_ID),
            Rejected(TokenRejection::BindingMismatch),
        ),
        case("unknown route without a token", Unknown, vec![], NotFound),
        case(
            "unknown route with a valid token",
            Unknown,
            tok(&valid),
            NotFound,
        ),
        case(
            "unknown route with a bad token",
            Unknown,
            tok("garbage"),
            NotFound,
        ),
    ];
    cases
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
