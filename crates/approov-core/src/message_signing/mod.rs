//! Message signing: checking the RFC 9421 HTTP message signatures the Approov SDK adds
//! to each request, `install` (ECDSA P-256, the installation's own key, its public half
//! in the token's `ipk` claim) and `account` (HMAC-SHA256, the account message signing
//! key). The request carries two RFC 9651 dictionaries:
//!
//! ```text
//! Signature-Input: install=("@method" "@target-uri" "approov-token");alg="ecdsa-p256-sha256";created=1744292750, account=(...);alg="hmac-sha256";created=1744292750
//! Signature: install=:<64 bytes of r||s, base64>:, account=:<32 bytes, base64>:
//! ```
//!
//! [`MessageSigning`] rebuilds the signature base of RFC 9421 §2.5 from the request and
//! checks the members its [`SignatureRequirement`] asks for. See
//! [`MessageSigning::verify`] for every rule.

mod account;
mod base;
mod digest;
mod input;
mod key;
mod request;
mod requirement;
#[cfg(feature = "mint")]
mod sign;

use std::time::Duration;

pub use crate::rejection::MessageSignatureError;
pub use account::AccountKey;
pub use request::SignedRequest;
pub use requirement::SignatureRequirement;
#[cfg(feature = "mint")]
pub use sign::{
    content_digest, DigestAlgorithm, DigestForm, InstallationKey, InstallationKeyError,
    SignatureHeaders, SignatureParams,
};

use std::sync::Arc;

use crate::rejection::MessageSignatureError as Error;
use key::KeyCache;
use request::Body;

use crate::headers::RequestHeaders;
use crate::token::ApproovClaims;

/// The label of the installation signature in `Signature` and `Signature-Input`.
pub const SIGNATURE_LABEL: &str = "install";

/// The installation signature's algorithm, as the `alg` parameter names it.
pub const SIGNATURE_ALGORITHM: &str = "ecdsa-p256-sha256";

/// The label of the account signature in `Signature` and `Signature-Input`.
pub const ACCOUNT_SIGNATURE_LABEL: &str = "account";

/// The account signature's algorithm, as the `alg` parameter names it.
pub const ACCOUNT_SIGNATURE_ALGORITHM: &str = "hmac-sha256";

/// The longest `Signature`, `Signature-Input` or `Content-Digest` header looked at, in
/// bytes (all of a header's lines together). Approov's are a few hundred bytes.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 8 * 1024;

const DEFAULT_MAX_AGE: u64 = 300;
const DEFAULT_CLOCK_SKEW: u64 = 60;
const DEFAULT_MAX_BODY_LEN: usize = 1024 * 1024;
use crate::token_header::DEFAULT_TOKEN_HEADER;

/// Checks the RFC 9421 message signatures the Approov SDK adds to each request: the
/// `install` one (ECDSA P-256, the key in the token's `ipk` claim, standard base64 of
/// its DER SubjectPublicKeyInfo) and, given an [`AccountKey`], the `account` one
/// (HMAC-SHA256, the account message signing key). The request carries two RFC 9651
/// dictionaries:
///
/// ```text
/// Signature-Input: install=("@method" "@target-uri" "approov-token");alg="ecdsa-p256-sha256";created=1744292750
/// Signature: install=:<64 bytes of r||s, base64>:
/// ```
///
/// Build it once at start-up; it holds the policy (times, sizes, the account key and
/// the [`SignatureRequirement`]); the installation key comes with each request's
/// token. [`verify`](Self::verify) lists every rule.
///
/// Defaults: the `install` signature required (`either` once an account key is set),
/// signatures up to 300 s old, 60 s of clock skew, signed bodies up to 1 MiB, the
/// token in `approov-token`.
///
/// ```
/// use std::time::Duration;
/// use approov_core::{ApproovClaims, MessageSigning, MessageSignatureError, SignedRequest};
///
/// let signing = MessageSigning::default().with_max_age(Duration::from_secs(120));
///
/// // Per request: the token's claims, the request as the client addressed it, and
/// // its headers.
/// let claims: ApproovClaims = serde_json::from_str(r#"{"exp":1744293000,"ipk":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJSm4DMcivAwvhM+KNce2C/X26cj3oGyUwWVUPuNuZHtd2qyVsM+0g7qX73Qh0Of6fn10AApLnl8vRQsvx94fZQ=="}"#)?;
/// let headers = |_name: &str| -> Vec<&[u8]> { Vec::new() };
/// let request = SignedRequest::new("GET", "https", "api.example.com", "/shapes?x=1", headers);
/// assert_eq!(
///     signing.verify(&claims, &request, 1_744_292_760),
///     Err(MessageSignatureError::MissingSignature)
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MessageSigning {
    max_age: u64,
    clock_skew: u64,
    max_body_len: usize,
    token_header: String,
    scheme: String,
    account_key: Option<AccountKey>,
    /// As set; `None` is the default for the account key there is (or is not).
    requirement: Option<SignatureRequirement>,
    /// The installation keys met, parsed: shared by every clone.
    keys: Arc<KeyCache>,
}

/// Two policies are equal when their settings are: the keys met are not a setting.
impl PartialEq for MessageSigning {
    fn eq(&self, other: &Self) -> bool {
        (
            self.max_age,
            self.clock_skew,
            self.max_body_len,
            &self.token_header,
            &self.scheme,
            &self.account_key,
            self.requirement(),
        ) == (
            other.max_age,
            other.clock_skew,
            other.max_body_len,
            &other.token_header,
            &other.scheme,
            &other.account_key,
            other.requirement(),
        )
    }
}

impl Eq for MessageSigning {}

impl Default for MessageSigning {
    fn default() -> Self {
        MessageSigning {
            max_age: DEFAULT_MAX_AGE,
            clock_skew: DEFAULT_CLOCK_SKEW,
            max_body_len: DEFAULT_MAX_BODY_LEN,
            token_header: DEFAULT_TOKEN_HEADER.to_owned(),
            scheme: "http".to_owned(),
            account_key: None,
            requirement: None,
            keys: Arc::default(),
        }
    }
}

impl MessageSigning {
    /// The default policy (see the type's docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Rejects signatures whose `created` is more than `max_age` ago (default 300 s).
    /// Whole seconds.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age.as_secs();
        self
    }

    /// Tolerates a client clock up to `skew` ahead of the server's for `created`, and
    /// accepts a signature up to `skew` past its `expires` (default 60 s). Whole seconds.
    /// The server's clock is the one the token checks read: on Linux the coarse wall
    /// clock, a few milliseconds late at most, so keep `skew` of a second or more.
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew.as_secs();
        self
    }

    /// The longest body, in bytes, checked against a signed `Content-Digest`
    /// (default 1 MiB). A longer one is rejected with
    /// [`BodyTooLarge`](MessageSignatureError::BodyTooLarge).
    pub fn with_max_body_len(mut self, max_body_len: usize) -> Self {
        self.max_body_len = max_body_len;
        self
    }

    /// The header that must be covered, as the one carrying the token (default
    /// `approov-token`); set it as for
    /// `ApproovVerifier::with_token_header`, which does this too.
    pub fn with_token_header(mut self, name: &str) -> Self {
        self.token_header = name.to_ascii_lowercase();
        self
    }

    /// The scheme clients address the API with, for `@target-uri` and `@scheme`
    /// (default `http`, what a server without TLS sees). Behind a proxy or load
    /// balancer that terminates TLS, set `https`: the app signed the URL it called.
    pub fn with_scheme(mut self, scheme: &str) -> Self {
        self.scheme = scheme.to_ascii_lowercase();
        self
    }

    /// Checks `account` signatures with `key`. Unless a requirement is set, either
    /// signature then does ([`SignatureRequirement::Either`]).
    pub fn with_account_key(mut self, key: AccountKey) -> Self {
        self.account_key = Some(key);
        self
    }

    /// Which signatures a request must carry (see [`SignatureRequirement`]). One that
    /// needs the account key, without one, refuses every request
    /// ([`AccountKeyUnavailable`](MessageSignatureError::AccountKeyUnavailable));
    /// `from_env` refuses to start instead.
    pub fn with_requirement(mut self, requirement: SignatureRequirement) -> Self {
        self.requirement = Some(requirement);
        self
    }

    /// Which signatures a request must carry: as set, else `install` without an
    /// account key and `either` with one.
    pub fn requirement(&self) -> SignatureRequirement {
        self.requirement.unwrap_or(match self.account_key {
            Some(_) => SignatureRequirement::Either,
            None => SignatureRequirement::Install,
        })
    }

    /// The account key, when one is set.
    pub fn account_key(&self) -> Option<&AccountKey> {
        self.account_key.as_ref()
    }

    /// The scheme of a request whose target does not carry one (see [`SignedRequest`]).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The longest body checked, in bytes. An adapter reads at most one byte more than
    /// this for the check (enough to see a longer body is too long), then hands the
    /// body on whole.
    pub fn max_body_len(&self) -> usize {
        self.max_body_len
    }

    /// The labels checked: `install` unless only `account` is, and `account` when
    /// required or an account key is set.
    fn labels(&self) -> &'static [&'static str] {
        let requirement = self.requirement();
        let account = requirement.checks_account()
            && (self.account_key.is_some() || requirement.needs_account_key());
        match (requirement.checks_install(), account) {
            (true, true) => &[SIGNATURE_LABEL, ACCOUNT_SIGNATURE_LABEL],
            (true, false) => &[SIGNATURE_LABEL],
            (false, _) => &[ACCOUNT_SIGNATURE_LABEL],
        }
    }

    /// Whether a signature this policy checks covers `content-digest`, so that the
    /// adapter must buffer the body and pass it with [`SignedRequest::with_body`].
    ///
    /// `false` when there is no signature or it does not parse: [`verify`](Self::verify)
    /// then rejects the request without looking at the body.
    ///
    /// ```
    /// let headers = |name: &str| -> Vec<&[u8]> {
    ///     match name {
    ///         "signature-input" => vec![br#"install=("@method" "approov-token" "content-digest");created=1"#.as_slice()],
    ///         _ => vec![],
    ///     }
    /// };
    /// assert!(approov_core::MessageSigning::default().needs_body(headers));
    /// ```
    pub fn needs_body<'h, F, I>(&self, headers: F) -> bool
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        input::input_covers(
            headers.values("signature-input"),
            self.labels(),
            "content-digest",
        )
    }

    /// Checks a request's message signatures for the token whose claims are `claims`,
    /// as if the time were `now` (seconds since the epoch). It does not log.
    ///
    /// In this order, so that the cheap checks come first:
    ///
    /// 1. Under `install` and `both`, `ipk` is present and not empty.
    /// 2. `Signature` and `Signature-Input` are present, each at most
    ///    [`MAX_SIGNATURE_HEADER_LEN`] bytes, and parse as RFC 9651 dictionaries (all of
    ///    a header's lines joined with `, `), with the same labels. The members the
    ///    [`requirement`](Self::requirement) checks are taken (`install`, `account`);
    ///    other labels are ignored. Under `install` the `install` member must be there,
    ///    under `account` the `account` one, under `both` both, under `either` one of
    ///    them (an `install` member is left aside, under `either`, when the token has
    ///    no `ipk` and an `account` member is there).
    /// 3. Each member taken must hold; the first one that fails refuses the request:
    ///    - its signature is a byte sequence (`:BASE64:`, RFC 9421, Approov's iOS SDK
    ///      and newer clients) or a string of standard base64 (`"BASE64"`, older
    ///      Android clients), 64 bytes (raw `r || s`; a DER-encoded signature is
    ///      refused) for `install` and 32 for `account`; its input is an inner list
    ///      of at most 64 distinct strings without parameters, each a lower-case header
    ///      name or one of `@method`, `@target-uri`, `@authority`, `@scheme`,
    ///      `@request-target`, `@path`, `@query`. Signature parameters other than
    ///      `alg`, `created`, `expires`, `keyid`, `nonce`, `tag` are refused;
    ///    - `alg` is `ecdsa-p256-sha256` for `install`, `hmac-sha256` for `account`,
    ///      and the token's header (`approov-token`, or the one configured) is covered;
    ///    - `created` is present, not later than `now` plus the clock skew and not more
    ///      than the maximum age before `now`; `expires`, when present, is not before
    ///      `created` and not more than the clock skew before `now`;
    ///    - the signature base is rebuilt (RFC 9421 §2.5) over the request as
    ///      [`SignedRequest`] addresses it (every covered header must be present) and
    ///      the signature verifies over it: the `account` one first (HMAC-SHA256 with
    ///      the account key, compared in constant time), then the `install` one
    ///      (ECDSA P-256 SHA-256 with the key `ipk` decodes to, parsed once per
    ///      installation key and kept, at most 1,024 of them, shared by every clone).
    /// 4. When a member checked covers `content-digest`, the body was read
    ///    ([`BodyNotProvided`](MessageSignatureError::BodyNotProvided) otherwise;
    ///    [`BodyUnreadable`](MessageSignatureError::BodyUnreadable), answered 400,
    ///    when reading it failed), is at most [`max_body_len`](Self::max_body_len)
    ///    bytes ([`BodyTooLarge`](MessageSignatureError::BodyTooLarge), answered 413),
    ///    and matches the `sha-256` and `sha-512` members of `Content-Digest` (at least
    ///    one must be there). These come after the signatures: only a request the app
    ///    signed is told its body is too large.
    ///
    /// # Errors
    /// The first rule broken, as a [`MessageSignatureError`].
    pub fn verify<'h, F, I>(
        &self,
        claims: &ApproovClaims,
        request: &SignedRequest<'_, F>,
        now: u64,
    ) -> Result<(), MessageSignatureError>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        let requirement = self.requirement();
        let ipk = claims.ipk.as_deref().filter(|ipk| !ipk.is_empty());
        if ipk.is_none()
            && matches!(
                requirement,
                SignatureRequirement::Install | SignatureRequirement::Both
            )
        {
            return Err(Error::NoIpk);
        }
        let mut members = input::Signatures::parse(
            request.headers.values("signature"),
            request.headers.values("signature-input"),
        )?;
        let labels = self.labels();
        let mut install = None;
        let mut account = None;
        for label in labels {
            match *label {
                SIGNATURE_LABEL => install = members.take(label),
                _ => account = members.take(label),
            }
        }
        match requirement {
            SignatureRequirement::Install if install.is_none() => {
                return Err(Error::NoInstallSignature)
            }
            SignatureRequirement::Account if account.is_none() => {
                return Err(Error::NoAccountSignature)
            }
            SignatureRequirement::Both if install.is_none() => {
                return Err(Error::NoInstallSignature)
            }
            SignatureRequirement::Both if account.is_none() => {
                return Err(Error::NoAccountSignature)
            }
            SignatureRequirement::Either if install.is_none() && account.is_none() => {
                return Err(Error::NoSignature)
            }
            _ => {}
        }
        // Under `either`, a token without `ipk` (the failover service's) cannot check
        // an `install` signature: the `account` one decides.
        if ipk.is_none() && account.is_some() {
            install = None;
        }
        let install = install.transpose()?;
        let account = account.transpose()?;
        for (member, alg) in [
            (&account, ACCOUNT_SIGNATURE_ALGORITHM),
            (&install, SIGNATURE_ALGORITHM),
        ] {
            if let Some(member) = member {
                self.check_member(member, alg, request, now)?;
            }
        }

        let address = request.address(&self.scheme);
        if let Some(member) = &account {
            let key = self
                .account_key
                .as_ref()
                .and_then(|key| key.keyed(claims))
                .ok_or(Error::AccountKeyUnavailable)?;
            let base = base::signature_base(&member.components, &member.input, request, &address)?;
            if member.signature.len() != 32 {
                return Err(Error::BadSignatureLength);
            }
            if !key.verifies(&base, &member.signature) {
                return Err(Error::AccountSignatureMismatch);
            }
        }
        if let Some(member) = &install {
            let ipk = ipk.ok_or(Error::NoIpk)?;
            if member.signature.len() != 64 {
                return Err(Error::BadSignatureLength);
            }
            let key = self.keys.key(ipk)?;
            let base = base::signature_base(&member.components, &member.input, request, &address)?;
            key::verify(&key, &base, &member.signature)?;
        }

        // Only now is the digest header known to be the signer's; the body waits for it.
        let covers_digest = |member: &Option<input::MemberSignature>| {
            member
                .as_ref()
                .is_some_and(|member| member.covers_field("content-digest"))
        };
        if covers_digest(&install) || covers_digest(&account) {
            let body = match request.body {
                Body::NotRead => return Err(Error::BodyNotProvided),
                Body::Unreadable => return Err(Error::BodyUnreadable),
                Body::Read(body) => body,
            };
            if body.len() > self.max_body_len {
                return Err(Error::BodyTooLarge);
            }
            digest::check_content_digest(request.headers.values("content-digest"), body)?;
        }
        Ok(())
    }

    /// The checks of one member that need no key: its algorithm, the token's header
    /// covered, its times, and nothing covered that the framework may have rewritten.
    fn check_member<'h, F, I>(
        &self,
        member: &input::MemberSignature,
        alg: &str,
        request: &SignedRequest<'_, F>,
        now: u64,
    ) -> Result<(), Error>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        match member.alg.as_deref() {
            None => return Err(Error::MissingAlgorithm),
            Some(found) if found == alg => {}
            Some(_) => return Err(Error::UnsupportedAlgorithm),
        }
        if !member.covers_field(&self.token_header) {
            return Err(Error::TokenNotCovered);
        }
        self.check_times(member.created, member.expires, now)?;
        if request.method_hidden && member.covers_method() {
            return Err(Error::HiddenByFramework("@method"));
        }
        if request.authority_hidden && member.covers_authority() {
            return Err(Error::HiddenByFramework("the authority"));
        }
        Ok(())
    }

    fn check_times(
        &self,
        created: Option<u64>,
        expires: Option<u64>,
        now: u64,
    ) -> Result<(), Error> {
        let created = created.ok_or(Error::MissingCreated)?;
        if created > now.saturating_add(self.clock_skew) {
            return Err(Error::CreatedInFuture);
        }
        if now.saturating_sub(created) > self.max_age {
            return Err(Error::TooOld);
        }
        if let Some(expires) = expires {
            if expires < created {
                return Err(Error::Malformed("expires is before created"));
            }
            if expires.saturating_add(self.clock_skew) < now {
                return Err(Error::Expired);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use sfv::{Dictionary, ListEntry, Parser};

    use super::*;

    /// The signature base of `request`, addressed as a default server would.
    fn base_of<'h, F, I>(
        components: &[input::Component],
        input: &sfv::InnerList,
        request: &SignedRequest<'_, F>,
    ) -> Result<Vec<u8>, MessageSignatureError>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        base::signature_base(components, input, request, &request.address("http"))
    }

    /// RFC 9421 Appendix B.1.3, `test-key-ecc-p256`, public half.
    const RFC_P256_IPK: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==";
    /// RFC 9421 Appendix B.2.4: its `Signature-Input` and `Signature` members.
    const RFC_B24_INPUT: &str = r#"sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256""#;
    const RFC_B24_SIGNATURE: &str =
        "wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==";
    /// RFC 9421 Appendix B.2 `test-response` digest of `{"message": "good dog"}`.
    const RFC_RESPONSE_DIGEST: &str = "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:";

    // B.2.4 signs a response (`@status`), which a request check never derives; the
    // parts it shares with one are checked here: the re-serialized `@signature-params`,
    // the raw r||s ECDSA check against an SPKI key, and the sha-512 digest.
    #[test]
    fn rfc_9421_b_2_4_ecdsa_p256_signature_verifies() {
        let inputs = Parser::new(RFC_B24_INPUT).parse::<Dictionary>();
        let Ok(Some(ListEntry::InnerList(input))) = inputs.map(|mut d| d.swap_remove("sig-b24"))
        else {
            unreachable!("the RFC's Signature-Input parses")
        };
        let params = base::signature_params(&input);
        assert_eq!(
            params,
            r#"("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256""#
        );
        let base = format!(
            "\"@status\": 200\n\"content-type\": application/json\n\"content-digest\": {RFC_RESPONSE_DIGEST}\n\"content-length\": 23\n\"@signature-params\": {params}"
        );
        let signature = STANDARD.decode(RFC_B24_SIGNATURE).unwrap_or_default();
        let key = key::installation_key(RFC_P256_IPK);
        assert!(key.is_ok());
        let verified = key.and_then(|key| key::verify(&key, base.as_bytes(), &signature));
        assert_eq!(verified, Ok(()));

        let tampered = base.replace("200", "201");
        let key = key::installation_key(RFC_P256_IPK);
        let verified = key.and_then(|key| key::verify(&key, tampered.as_bytes(), &signature));
        assert_eq!(verified, Err(MessageSignatureError::SignatureMismatch));
    }

    #[test]
    fn rfc_9421_test_response_digest_matches_its_body() {
        let digest = [RFC_RESPONSE_DIGEST.as_bytes()];
        assert_eq!(
            digest::check_content_digest(digest, br#"{"message": "good dog"}"#),
            Ok(())
        );
        assert_eq!(
            digest::check_content_digest(digest, br#"{"message": "bad dog"}"#),
            Err(MessageSignatureError::DigestMismatch)
        );
    }

    #[test]
    fn query_keeps_its_question_mark_and_empty_path_is_slash() {
        let none = |_: &str| -> Vec<&[u8]> { Vec::new() };
        let components = [
            input::Component::Path,
            input::Component::Query,
            input::Component::Authority,
            input::Component::TargetUri,
            input::Component::RequestTarget,
            input::Component::Scheme,
        ];
        let input = sfv::InnerList::new(Vec::new());
        let request = SignedRequest::new("GET", "HTTPS", "API.Example.com:443", "", none);
        let base = base_of(&components, &input, &request).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&base),
            "\"@path\": /\n\"@query\": ?\n\"@authority\": api.example.com\n\"@target-uri\": https://api.example.com/\n\"@request-target\": /\n\"@scheme\": https\n\"@signature-params\": ()"
        );
        let request = SignedRequest::new("GET", "http", "h:8080", "/a/b?", none);
        let base = base_of(&components, &input, &request).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&base),
            "\"@path\": /a/b\n\"@query\": ?\n\"@authority\": h:8080\n\"@target-uri\": http://h:8080/a/b?\n\"@request-target\": /a/b?\n\"@scheme\": http\n\"@signature-params\": ()"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let headers = |name: &str| -> Vec<&[u8]> {
            match name {
                "x-list" => vec![b"  a, b \t".as_slice(), b"\tc".as_slice()],
                "x-empty" => vec![b"".as_slice()],
                "x-bad" => vec![b"a\nb".as_slice()],
                _ => vec![],
            }
        };
        let request = SignedRequest::new("GET", "https", "h", "/", headers);
        let input = sfv::InnerList::new(Vec::new());
        let fields = [
            input::Component::Field("x-list".into()),
            input::Component::Field("x-empty".into()),
        ];
        let base = base_of(&fields, &input, &request).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&base),
            "\"x-list\": a, b, c\n\"x-empty\": \n\"@signature-params\": ()"
        );
        let bad = [input::Component::Field("x-bad".into())];
        assert!(matches!(
            base_of(&bad, &input, &request),
            Err(MessageSignatureError::Malformed(_))
        ));
        let absent = [input::Component::Field("x-absent".into())];
        assert_eq!(
            base_of(&absent, &input, &request),
            Err(MessageSignatureError::CoveredHeaderMissing)
        );
    }
}
