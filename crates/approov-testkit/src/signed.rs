//! The message-signing cases of the shared table: requests to `/token-message-signing`
//! signed (or mis-signed) with a fresh installation key whose public half is the
//! token's `ipk`.

use approov_core::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, MessageSignatureError as E,
    SignatureParams, SignedRequest, TokenRejection,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use crate::{Case, Expect, Route, TestSecret};

/// The authority every message-signing case addresses: its `Host` header.
pub const SIGNED_HOST: &str = "api.example.test";

/// A request being built: what is signed, then what is sent (which a case may change).
#[derive(Clone)]
pub(crate) struct Draft {
    pub(crate) method: &'static str,
    pub(crate) query: &'static str,
    pub(crate) headers: Vec<(&'static str, Vec<u8>)>,
    pub(crate) body: Vec<u8>,
}

impl Draft {
    pub(crate) fn new(method: &'static str, query: &'static str, token: &str) -> Draft {
        Draft {
            method,
            query,
            headers: vec![
                ("Host", SIGNED_HOST.as_bytes().to_vec()),
                ("Approov-Token", token.as_bytes().to_vec()),
            ],
            body: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Draft {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name, value.as_bytes().to_vec()));
        self
    }

    pub(crate) fn without(mut self, name: &str) -> Draft {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub(crate) fn body(
        mut self,
        body: &[u8],
        algorithm: DigestAlgorithm,
        form: DigestForm,
    ) -> Draft {
        self.body = body.to_vec();
        let digest = content_digest(body, algorithm, form);
        self.header("Content-Digest", &digest)
    }

    pub(crate) fn values(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// Signs this request with `key` (label `install` unless `label` says otherwise).
    pub(crate) fn signed(self, key: &InstallationKey, params: &SignatureParams<'_>) -> Draft {
        let target = format!("{}{}", Route::TokenMessageSigning.path(), self.query);
        let headers = |name: &str| self.values(name);
        let request = SignedRequest::new(self.method, "http", SIGNED_HOST, &target, headers)
            .with_body(&self.body);
        let signed = key
            .sign_request(&request, params)
            .unwrap_or_else(|e| panic!("signing a test request: {e}"));
        self.header("Signature", &signed.signature)
            .header("Signature-Input", &signed.signature_input)
    }

    pub(crate) fn case(self, name: &'static str, expect: Expect) -> Case {
        Case {
            name,
            method: self.method,
            route: Route::TokenMessageSigning,
            query: self.query,
            headers: self.headers,
            body: self.body,
            expect,
            logged_status: None,
            logged_trace_id: None,
        }
    }
}

/// Every message-signing case, with tokens minted for `secret`.
pub(crate) fn message_signing_cases(secret: &TestSecret) -> Vec<Case> {
    let now = crate::cases::now().max(0) as u64;
    let key = InstallationKey::generate();
    let with_ipk = |ipk: &str, did: &str| {
        secret.token_with_claims(&json!({"exp": now + 300, "did": did, "ipk": ipk}))
    };
    let token = with_ipk(&key.ipk(), "device-a");
    let other_token = with_ipk(&key.ipk(), "device-b");
    let no_ipk_token = secret.token(300, None);
    // An Ed25519 SubjectPublicKeyInfo: a real key, of the wrong kind.
    let ed25519_ipk = STANDARD.encode(
        [
            &[
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
            ][..],
            &[7u8; 32][..],
        ]
        .concat(),
    );
    let ed25519_token = with_ipk(&ed25519_ipk, "device-c");

    let basic = ["@method", "approov-token"];
    let params = |components: &[&'static str]| SignatureParams::new(components, now);
    let get = || Draft::new("GET", "", &token);
    let post = || Draft::new("POST", "?order=7", &token);
    let body = br#"{"amount":42}"#;
    let rejected = |error: E| Expect::Rejected(TokenRejection::MessageSignature(error));
    use DigestAlgorithm::{Sha256, Sha512};
    use DigestForm::{ByteSequence, QuotedString};

    let digest_params = params(&["@method", "@target-uri", "approov-token", "content-digest"]);
    let der_signature = {
        let signed = get().signed(&key, &params(&basic));
        let (_, signature) = signed
            .headers
            .iter()
            .find(|(n, _)| *n == "Signature")
            .cloned()
            .unwrap_or_default();
        let raw = String::from_utf8_lossy(&signature)
            .trim_start_matches("install=:")
            .trim_end_matches(':')
            .to_owned();
        let raw = STANDARD.decode(raw).unwrap_or_default();
        // r || s as an ASN.1 SEQUENCE of two positive INTEGERs.
        let int = |half: &[u8]| {
            let mut der = vec![0x02, 0x21, 0x00];
            der.extend_from_slice(half);
            der
        };
        let (r, s) = raw.split_at(32.min(raw.len()));
        let mut seq = [int(r), int(s)].concat();
        seq.splice(0..0, [0x30, 0x46]);
        signed.header("Signature", &format!("install=:{}:", STANDARD.encode(seq)))
    };

    vec![
        get()
            .signed(&key, &params(&basic))
            .case("signed GET over @method and approov-token", Expect::Hello),
        Draft::new("GET", "?page=2&sort=asc", &token)
            .signed(&key, &params(&["@method", "@target-uri", "approov-token"]))
            .case("signed GET over @target-uri with a query", Expect::Hello),
        Draft::new("GET", "?page=2", &token)
            .signed(
                &key,
                &params(&["@method", "@authority", "@path", "@query", "approov-token"]),
            )
            .case(
                "signed GET over @path, @query and @authority",
                Expect::Hello,
            ),
        post()
            .body(body, Sha256, ByteSequence)
            .signed(&key, &digest_params)
            .case(
                "signed POST with a sha-256 content-digest (RFC form)",
                Expect::Hello,
            ),
        post()
            .body(body, Sha256, QuotedString)
            .signed(&key, &digest_params)
            .case(
                "signed POST with a sha-256 content-digest (quoted, as the vendor's script)",
                Expect::Hello,
            ),
        post()
            .body(body, Sha512, ByteSequence)
            .signed(&key, &digest_params)
            .case("signed POST with a sha-512 content-digest", Expect::Hello),
        Draft::new("POST", "", &token)
            .signed(&key, &params(&basic))
            .case("signed as POST, sent as GET", Expect::Hello)
            .sent_as("GET", rejected(E::SignatureMismatch)),
        Draft::new("GET", "?page=2", &token)
            .signed(&key, &params(&["@method", "@target-uri", "approov-token"]))
            .sent_with_query("?page=3")
            .case("signed for another query", rejected(E::SignatureMismatch)),
        post()
            .body(b"another body", Sha256, ByteSequence)
            .signed(&key, &digest_params)
            .body(body, Sha256, ByteSequence)
            .case("signed for another body", rejected(E::SignatureMismatch)),
        {
            let mut draft = post()
                .body(body, Sha256, ByteSequence)
                .signed(&key, &digest_params);
            draft.body = b"a body the digest is not of".to_vec();
            draft.case(
                "content-digest does not match the body",
                rejected(E::DigestMismatch),
            )
        },
        get()
            .signed(&key, &params(&basic).with_label("account"))
            .case(
                "a label other than install",
                rejected(E::NoInstallSignature),
            ),
        {
            let draft = get().signed(&key, &params(&basic));
            let input = String::from_utf8_lossy(&draft.values("signature-input").concat())
                .replacen("install=", "other=", 1);
            draft.header("Signature-Input", &input).case(
                "labels that differ between the two headers",
                rejected(E::LabelMismatch),
            )
        },
        {
            let draft = get().signed(&key, &params(&basic));
            let input = String::from_utf8_lossy(&draft.values("signature-input").concat())
                .replace("ecdsa-p256-sha256", "ed25519");
            draft
                .header("Signature-Input", &input)
                .case("another alg", rejected(E::UnsupportedAlgorithm))
        },
        get()
            .signed(&key, &SignatureParams::new(&basic, now + 600))
            .case(
                "created in the future beyond the skew",
                rejected(E::CreatedInFuture),
            ),
        get()
            .signed(
                &key,
                &SignatureParams::new(&basic, now - 100).with_expires(now - 90),
            )
            .case("expires in the past", rejected(E::Expired)),
        get()
            .signed(&key, &SignatureParams::new(&basic, now - 3_600))
            .case("created too long ago", rejected(E::TooOld)),
        Draft::new("GET", "", &no_ipk_token)
            .signed(&key, &params(&basic))
            .case("a token without ipk", rejected(E::NoIpk)),
        Draft::new("GET", "", &ed25519_token)
            .signed(&key, &params(&basic))
            .case(
                "an ipk that is not a P-256 key",
                rejected(E::InvalidIpk(
                    "not the DER SubjectPublicKeyInfo of a P-256 key",
                )),
            ),
        der_signature.case("a DER-encoded signature", rejected(E::BadSignatureLength)),
        get()
            .signed(&key, &params(&basic))
            .without("Signature")
            .case("no Signature header", rejected(E::MissingSignature)),
        get()
            .signed(&key, &params(&basic))
            .without("Signature-Input")
            .case(
                "no Signature-Input header",
                rejected(E::MissingSignatureInput),
            ),
        get()
            .header("X-Request-Id", "r-1")
            .signed(&key, &params(&["@method", "approov-token", "x-request-id"]))
            .without("X-Request-Id")
            .case(
                "a covered header that is absent",
                rejected(E::CoveredHeaderMissing),
            ),
        get()
            .header("X-Request-Id", "r-1")
            .signed(&key, &params(&["@method", "approov-token", "x-request-id"]))
            .header("X-Request-Id", "r-2")
            .case(
                "a covered header whose value differs",
                rejected(E::SignatureMismatch),
            ),
        get()
            .signed(&key, &params(&["@method", "@path"]))
            .case("approov-token not covered", rejected(E::TokenNotCovered)),
        get()
            .signed(&key, &params(&basic))
            .header("Approov-Token", &other_token)
            .case(
                "a signature over another token",
                rejected(E::SignatureMismatch),
            ),
        Draft::new("GET", "", &token).case(
            "a valid token and no signature",
            rejected(E::MissingSignature),
        ),
        // The body rule, the same for every adapter: a body the signature does not
        // cover is never read by the check, whatever its size; a covered body over the
        // limit (1 MiB by default) cannot be checked: 413, not "unauthorised".
        {
            let mut draft = post().signed(&key, &params(&basic));
            draft.body = big_body();
            draft.case("a 2 MiB body the signature does not cover", Expect::Hello)
        },
        post()
            .body(&big_body(), Sha256, ByteSequence)
            .signed(&key, &digest_params)
            .case(
                "a 2 MiB body the signature covers, over the limit",
                rejected(E::BodyTooLarge),
            ),
    ]
}

/// A body twice the default message-signing limit (1 MiB).
fn big_body() -> Vec<u8> {
    vec![b'x'; 2 * 1024 * 1024]
}

impl Draft {
    fn sent_with_query(mut self, query: &'static str) -> Draft {
        self.query = query;
        self
    }
}

impl Case {
    /// This case, sent with another method than the one signed.
    fn sent_as(mut self, method: &'static str, expect: Expect) -> Case {
        self.method = method;
        self.expect = expect;
        self
    }
}
