//! The vendor's 3.8 client: both message signatures, `install` and `account`, over its
//! default components (with `Approov-Status`, `Approov-TraceID` and `expires`), in
//! either value form; and the token sent in `Authorization` with a `Bearer ` prefix.

use approov_core::{
    AccountKey, DigestAlgorithm, DigestForm, InstallationKey, MessageSignatureError as E,
    SignatureParams, SignatureRequirement, SignedRequest, TokenRejection,
};
use serde_json::json;

use crate::signed::Draft;
use crate::{Case, Expect, Route, TestSecret, SIGNED_HOST};

/// The trace ID every case sends.
pub const TRACE_ID: &str = "dHJhY2UtMzguMC4w";

/// Seconds from `created` to `expires`, as the 3.8 client signs.
const EXPIRES_IN: u64 = 15;

/// How one request is signed.
struct Signing<'k> {
    install: Option<&'k InstallationKey>,
    account: Option<&'k AccountKey>,
    /// Signatures as quoted strings (older clients) instead of byte sequences.
    strings: bool,
    /// The header that carries the token, lower case.
    token_header: &'static str,
    created: u64,
}

/// The components the 3.8 client covers, in its order: `@method`, `@target-uri`, the
/// token's header, then each of its optional headers the request has, and
/// `content-digest` when there is a body.
fn components(draft: &Draft, token_header: &'static str) -> Vec<&'static str> {
    let mut covered = vec!["@method", "@target-uri", token_header];
    for optional in [
        "approov-traceid",
        "approov-status",
        "authorization",
        "content-length",
        "content-type",
        "content-digest",
    ] {
        if optional != token_header && !draft.values(optional).is_empty() {
            covered.push(optional);
        }
    }
    covered
}

impl Draft {
    /// Signs as the 3.8 client: the members `signing` has keys for, `install` first.
    fn signed_38(self, signing: &Signing<'_>) -> Draft {
        let covered = components(&self, signing.token_header);
        let mut params = SignatureParams::new(&covered, signing.created)
            .with_expires(signing.created + EXPIRES_IN);
        if signing.strings {
            params = params.with_string_value();
        }
        let target = format!("{}{}", Route::TokenMessageSigning.path(), self.query);
        let headers = |name: &str| self.values(name);
        let request = SignedRequest::new(self.method, "http", SIGNED_HOST, &target, headers)
            .with_body(&self.body);
        let install = signing
            .install
            .map(|key| key.sign_request(&request, &params));
        let account = signing
            .account
            .map(|key| key.sign_request(&request, &params));
        let signed = match (install, account) {
            (Some(install), Some(account)) => install.and_then(|i| account.map(|a| i.join(a))),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => panic!("a 3.8 request is signed with at least one key"),
        }
        .unwrap_or_else(|e| panic!("signing a test request: {e}"));
        self.header("Signature", &signed.signature)
            .header("Signature-Input", &signed.signature_input)
    }
}

impl Case {
    /// The same case, its rejection logged with the 3.8 request's status and trace ID.
    fn logged_38(self, status: &'static str) -> Case {
        self.logged_with(Some(status), Some(TRACE_ID))
    }
}

fn rejected(error: E) -> Expect {
    Expect::Rejected(TokenRejection::MessageSignature(error))
}

/// The cases of the 3.8 client's requests to `/token-message-signing`, for a server
/// that checks `requirement` with `account` as its account key
/// (`APPROOV_MESSAGE_SIGNATURE_REQUIRE`, `APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY`) and
/// the secret and keys of `secret`: each half missing, forged, made with another key
/// or tampered with after signing, in both value forms.
pub fn next_client_cases(
    secret: &TestSecret,
    account: &AccountKey,
    requirement: SignatureRequirement,
) -> Vec<Case> {
    use SignatureRequirement::{Account, Both, Either, Install};
    let now = crate::cases::now().max(0) as u64;
    let install = InstallationKey::generate();
    let other_install = InstallationKey::generate();
    let other_account = AccountKey::generate();
    let token = secret.token_with_claims(&json!({
        "exp": now + 300, "did": "device-38", "ipk": install.ipk(),
        "iss": "approov.io", "aud": "api.example.test", "sub": "installation", "iat": now,
    }));
    let no_ipk_token = secret.token_with_claims(&json!({"exp": now + 300, "did": "failover"}));
    let get = |token: &str| {
        Draft::new("GET", "?page=2", token)
            .header("Approov-Status", "success")
            .header("Approov-TraceID", TRACE_ID)
    };
    let body = br#"{"order":{"id":7,"items":["a","b"]}}"#;
    let post = || {
        Draft::new("POST", "", &token)
            .header("Approov-Status", "success")
            .header("Approov-TraceID", TRACE_ID)
            .header("Content-Type", "application/json")
            .header("Content-Length", &body.len().to_string())
            .body(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence)
    };
    fn sign<'k>(
        install: Option<&'k InstallationKey>,
        account: Option<&'k AccountKey>,
        created: u64,
    ) -> Signing<'k> {
        Signing {
            install,
            account,
            strings: false,
            token_header: "approov-token",
            created,
        }
    }
    let both = sign(Some(&install), Some(account), now);
    let quoted = Signing {
        strings: true,
        ..sign(Some(&install), Some(account), now)
    };
    // The expectation under this server's requirement.
    let under = |install_only: Expect, account_only: Expect, either: Expect, both: Expect| {
        match requirement {
            Install => install_only,
            Account => account_only,
            Either => either,
            Both => both,
            _ => panic!("a requirement the table does not know"),
        }
    };
    let hello = || Expect::Hello;
    let mut truncated = get(&token).signed_38(&both);
    let signature = String::from_utf8_lossy(truncated.values("signature")[0]).into_owned();
    let (install_part, _) = signature.split_once(", account=").unwrap_or_default();
    truncated = truncated.header(
        "Signature",
        &format!("{install_part}, account=:AAAAAAAAAAAAAAAAAAAAAA==:"),
    );

    vec![
        get(&token)
            .signed_38(&both)
            .case("3.8: both signatures, byte sequences", Expect::Hello),
        get(&token)
            .signed_38(&quoted)
            .case("3.8: both signatures, quoted strings", Expect::Hello),
        post().signed_38(&both).case(
            "3.8: POST, both signatures over its content headers and digest",
            Expect::Hello,
        ),
        get(&token)
            .signed_38(&sign(Some(&install), None, now))
            .case(
                "3.8: the install signature alone",
                under(
                    hello(),
                    rejected(E::NoAccountSignature),
                    hello(),
                    rejected(E::NoAccountSignature),
                ),
            )
            .logged_38("success"),
        get(&token)
            .signed_38(&sign(None, Some(account), now))
            .case(
                "3.8: the account signature alone",
                under(
                    rejected(E::NoInstallSignature),
                    hello(),
                    hello(),
                    rejected(E::NoInstallSignature),
                ),
            )
            .logged_38("success"),
        get(&token)
            .signed_38(&sign(Some(&install), Some(&other_account), now))
            .case(
                "3.8: the account signature made with another account key",
                under(
                    hello(),
                    rejected(E::AccountSignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                ),
            )
            .logged_38("success"),
        get(&token)
            .signed_38(&sign(Some(&other_install), Some(account), now))
            .case(
                "3.8: the install signature made with another installation's key",
                under(
                    rejected(E::SignatureMismatch),
                    hello(),
                    rejected(E::SignatureMismatch),
                    rejected(E::SignatureMismatch),
                ),
            )
            .logged_38("success"),
        truncated
            .case(
                "3.8: the account signature cut to 16 bytes",
                under(
                    hello(),
                    rejected(E::BadSignatureLength),
                    rejected(E::BadSignatureLength),
                    rejected(E::BadSignatureLength),
                ),
            )
            .logged_38("success"),
        get(&token)
            .signed_38(&both)
            .header("Approov-Status", "rejected")
            .case(
                "3.8: Approov-Status changed after signing",
                under(
                    rejected(E::SignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                ),
            )
            .logged_38("rejected"),
        get(&token)
            .signed_38(&both)
            .header("Approov-TraceID", "b3RoZXItdHJhY2U")
            .case(
                "3.8: Approov-TraceID changed after signing",
                under(
                    rejected(E::SignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                    rejected(E::AccountSignatureMismatch),
                ),
            )
            .logged_with(Some("success"), Some("b3RoZXItdHJhY2U")),
        {
            let mut changed = post().signed_38(&both);
            changed.body = br#"{"order":{"id":7,"items":["a","z"]}}"#.to_vec();
            changed
                .case(
                    "3.8: POST, the body changed after signing",
                    rejected(E::DigestMismatch),
                )
                .logged_38("success")
        },
        get(&no_ipk_token)
            .signed_38(&sign(None, Some(account), now))
            .case(
                "3.8: a token without ipk, the account signature alone",
                under(rejected(E::NoIpk), hello(), hello(), rejected(E::NoIpk)),
            )
            .logged_38("success"),
        get(&no_ipk_token)
            .signed_38(&both)
            .case(
                "3.8: a token without ipk, both signatures",
                under(rejected(E::NoIpk), hello(), hello(), rejected(E::NoIpk)),
            )
            .logged_38("success"),
        {
            let draft = get(&token).signed_38(&Signing {
                created: now - 400,
                ..sign(Some(&install), Some(account), now)
            });
            draft
                .case("3.8: both signatures 400 s old", rejected(E::TooOld))
                .logged_38("success")
        },
        Draft::new("GET", "", "")
            .without("Approov-Token")
            .header("Approov-Status", "no_network")
            .case(
                "3.8: no token, Approov-Status no_network",
                Expect::Rejected(TokenRejection::Missing {
                    header: "approov-token".into(),
                }),
            )
            .logged_with(Some("no_network"), None),
    ]
}

/// The cases of a server that reads the token from `Authorization` with a `Bearer `
/// prefix (`APPROOV_TOKEN_HEADER=Authorization`, `APPROOV_TOKEN_PREFIX="Bearer "`) and
/// checks `account` signatures with `account` (`either`): the token read and signed
/// there, `Approov-Token` ignored, and a binding to `Authorization` refused.
pub fn authorization_token_cases(secret: &TestSecret, account: &AccountKey) -> Vec<Case> {
    let now = crate::cases::now().max(0) as u64;
    let install = InstallationKey::generate();
    let token = secret.token_with_claims(&json!({"exp": now + 300, "ipk": install.ipk()}));
    let bearer = format!("Bearer {token}");
    let in_authorization = || {
        Draft::new("GET", "", &token)
            .without("Approov-Token")
            .header("Authorization", &bearer)
            .header("Approov-Status", "success")
            .header("Approov-TraceID", TRACE_ID)
    };
    let signing = Signing {
        install: Some(&install),
        account: Some(account),
        strings: false,
        token_header: "authorization",
        created: now,
    };
    let header = || "authorization".into();
    let mut check = in_authorization().case("token in Authorization: /token-check", Expect::Hello);
    check.route = Route::TokenCheck;
    let mut only_approov_token = Draft::new("GET", "", &token).case(
        "token in Approov-Token, the server reads Authorization",
        Expect::Rejected(TokenRejection::Missing { header: header() }),
    );
    only_approov_token.route = Route::TokenCheck;
    let mut no_prefix = Draft::new("GET", "", &token)
        .without("Approov-Token")
        .header("Authorization", &token)
        .case(
            "token in Authorization without its Bearer prefix",
            Expect::Rejected(TokenRejection::MissingPrefix { header: header() }),
        );
    no_prefix.route = Route::TokenCheck;
    let mut bound = Draft::new("GET", "", &token)
        .without("Approov-Token")
        .header("Authorization", &bearer)
        .case(
            "a route bound to Authorization, which carries the token: refused",
            Expect::Rejected(TokenRejection::BindsTokenHeader {
                header: approov_core::BindingHeader::AUTHORIZATION,
            }),
        );
    bound.route = Route::TokenBinding;
    vec![
        check,
        in_authorization().signed_38(&signing).case(
            "token in Authorization, both signatures cover authorization",
            Expect::Hello,
        ),
        in_authorization()
            .signed_38(&Signing {
                strings: true,
                ..signing
            })
            .case(
                "token in Authorization, both signatures as quoted strings",
                Expect::Hello,
            ),
        only_approov_token,
        no_prefix,
        bound,
    ]
}
