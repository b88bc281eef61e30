//! [`ApproovVerifier`]: built once, shared by every request; one token header in,
//! a [`Verification`] out. Its constructors from the environment are in `from_env`.

mod from_env;
#[cfg(feature = "jwks-url")]
mod jwks_url;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::binding::Binding;
use crate::client_status::StatusHeaders;
use crate::clock::unix_now;
use crate::config::{ConfigError, Mode, Secret, SecretEncoding};
use crate::headers::RequestHeaders;
use crate::keys::KeySet;
use crate::log::{RejectionLog, DEFAULT_LOG_LINES_PER_SECOND};
use crate::message_signing::MessageSigning;
use crate::policy::Policy;
use crate::rejection::TokenRejection;
use crate::store::KeyStore;
use crate::token::{self, parse_claims, ApproovClaims, Dated, PassedClaims};
use crate::token_header::TokenHeader;
use crate::verification::Verification;

/// Checks Approov tokens. Build it once at start-up and share it: cloning is cheap
/// (the configuration sits behind an `Arc`).
///
/// Tokens are checked against a [`KeySet`]: the account's HS256 secret(s) and/or the
/// public keys of an Approov keyset (RS256, PS256, ES256, EdDSA), each chosen by the
/// token's `kid` and pinned to its algorithm. The set can be replaced while the
/// server runs ([`rotate`](Self::rotate), [`reload_from_env`](Self::reload_from_env));
/// every clone of a verifier shares it. `exp` is required and a token is expired from
/// the second it names (no leeway unless one is set); `nbf`, when present, is
/// honoured. Claims other than these and `pay` are not checked: there is no audience
/// or issuer check.
///
/// ```
/// use approov_core::{ApproovVerifier, TokenRejection};
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// // At start-up, usually `ApproovVerifier::from_env()?`.
/// let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE")?;
///
/// // Per request: the values the request has for `verifier.token_header()`.
/// let rejected = verifier.verify_header_values([b"not-a-token".as_slice()]);
/// assert!(matches!(rejected, Err(TokenRejection::Malformed(_))));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ApproovVerifier {
    /// The keys, shared by every clone (builders that copy the policy share them too).
    /// Secrets are kept as keyed HMAC state, never shown by `Debug`.
    keys: Arc<KeyStore>,
    /// The settings of the checks, shared with each verification made.
    policy: Arc<Policy>,
}

impl fmt::Debug for ApproovVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policy = &self.policy;
        f.debug_struct("ApproovVerifier")
            .field("keys", &*self.keys.load())
            .field("leeway_secs", &policy.leeway)
            .field("token_header", &policy.token_header.name())
            .field("token_prefix", &policy.token_header.prefix())
            .field("status_header", &policy.status_headers.status())
            .field("trace_id_header", &policy.status_headers.trace_id())
            .field(
                "signature_requirement",
                &policy.message_signing.requirement(),
            )
            .field("mode", &policy.mode)
            .field("log_lines_per_second", &policy.log.limit())
            .finish()
    }
}

impl ApproovVerifier {
    /// Uses a secret given as standard base64, as `approov secret -get base64` prints it.
    ///
    /// # Errors
    /// The string is empty or not standard base64.
    pub fn from_base64_secret(secret: &str) -> Result<Self, ConfigError> {
        Secret::decode(
            secret,
            SecretEncoding::Base64,
            "the secret given to from_base64_secret",
        )
        .map(Self::from_decoded)
    }

    /// Uses a secret given as base64url, padded or not, as `approov secret -get
    /// base64url` prints it.
    ///
    /// # Errors
    /// The string is empty or not base64url.
    pub fn from_base64url_secret(secret: &str) -> Result<Self, ConfigError> {
        Secret::decode(
            secret,
            SecretEncoding::Base64Url,
            "the secret given to from_base64url_secret",
        )
        .map(Self::from_decoded)
    }

    /// Uses a secret written in `encoding`; `origin` says where it came from (a
    /// command-line option, a file) in the error when it does not decode.
    ///
    /// ```
    /// use approov_core::{ApproovVerifier, SecretEncoding};
    ///
    /// let err = ApproovVerifier::from_secret("", SecretEncoding::Base64Url, "--secret").unwrap_err();
    /// assert!(err.to_string().starts_with("--secret is empty"));
    /// ```
    ///
    /// # Errors
    /// The string is empty or does not decode.
    pub fn from_secret(
        secret: &str,
        encoding: SecretEncoding,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        Secret::decode(secret, encoding, origin).map(Self::from_decoded)
    }

    fn from_decoded(secret: Secret) -> Self {
        // Decoding refuses every secret the key set would (empty, too short).
        let keys = KeySet::new()
            .with_hs256_secret(secret.bytes())
            .unwrap_or_default();
        Self::from_keys(keys)
    }

    /// Checks tokens against `keys`: HS256 secrets and public keys, chosen by the
    /// token's `kid` as [`KeySet`] says. An empty set rejects every token.
    ///
    /// ```
    /// use approov_core::{ApproovVerifier, KeySet};
    ///
    /// # fn main() -> Result<(), approov_core::KeyError> {
    /// let keys = KeySet::new().with_hs256_secret(b"the account secret, 32 bytes or more")?;
    /// let verifier = ApproovVerifier::from_keys(keys);
    /// assert_eq!(verifier.keys().len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_keys(keys: KeySet) -> Self {
        ApproovVerifier {
            keys: Arc::new(KeyStore::new(keys)),
            policy: Arc::new(Policy {
                leeway: 0,
                token_header: TokenHeader::default(),
                mode: Mode::Enforce,
                log: RejectionLog::new(Some(DEFAULT_LOG_LINES_PER_SECOND)),
                message_signing: MessageSigning::default(),
                status_headers: StatusHeaders::default(),
            }),
        }
    }

    /// Replaces the keys, for this verifier and every clone of it, at once: a check
    /// runs wholly with the old set or wholly with the new one, never a mix. Keys
    /// fetched from a JWKS URL stay (and keep being refreshed);
    /// should one have the id of a key in `keys`, the key in `keys` is used.
    ///
    /// A rotation without failed tokens takes two steps: first a set with the old and
    /// the new key, then, once tokens of the old key have expired, the new key alone.
    ///
    /// ```
    /// use approov_core::{ApproovVerifier, KeySet};
    ///
    /// # fn main() -> Result<(), approov_core::KeyError> {
    /// let old = b"the old account secret, 32 bytes or more";
    /// let new = b"the new account secret, 32 bytes or more";
    /// let verifier = ApproovVerifier::from_keys(KeySet::new().with_hs256_secret(old)?);
    /// let serving = verifier.clone(); // as a framework holds it
    ///
    /// verifier.rotate(KeySet::new().with_hs256_secret(old)?.with_hs256_secret(new)?);
    /// assert_eq!(serving.keys().len(), 2);
    /// verifier.rotate(KeySet::new().with_hs256_secret(new)?);
    /// assert_eq!(serving.keys().len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rotate(&self, keys: KeySet) {
        self.keys.rotate(keys);
        tracing::info!(keys = %self.keys.current().summary(), "Approov keys in effect");
    }

    /// The keys in effect now (with those fetched from a JWKS URL): for diagnostics.
    pub fn keys(&self) -> Arc<KeySet> {
        self.keys.current()
    }

    fn policy_mut(&mut self) -> &mut Policy {
        // Builders run at start-up; a clone made before keeps its own settings.
        Arc::make_mut(&mut self.policy)
    }

    /// Accepts tokens up to `leeway` past their `exp` and before their `nbf`
    /// (default: none). Whole seconds.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.policy_mut().leeway = leeway.as_secs();
        self
    }

    /// Reads the token from header `name` instead of `Approov-Token`.
    pub fn with_token_header(mut self, name: &str) -> Self {
        let policy = self.policy_mut();
        policy.token_header = policy.token_header.clone().with_name(name);
        // A message signature must cover the token in whatever header carries it.
        policy.message_signing = policy.message_signing.clone().with_token_header(name);
        self
    }

    /// Expects the token header to start with `prefix` (for example `"Bearer "`,
    /// matched ASCII case-insensitively), for apps that send the token as
    /// `Authorization: Bearer <token>`. Without it, a `Bearer ` prefix is rejected.
    pub fn with_token_prefix(mut self, prefix: &str) -> Self {
        let policy = self.policy_mut();
        policy.token_header = policy.token_header.clone().with_prefix(prefix);
        self
    }

    /// Reads the app's fetch status from header `name` instead of `Approov-Status`: it
    /// is logged (validated, `status=...`) with every failed check, and counted
    /// ([`rejection_status_counts`](Self::rejection_status_counts)). It never changes
    /// an answer.
    pub fn with_status_header(mut self, name: &str) -> Self {
        let policy = self.policy_mut();
        policy.status_headers = policy.status_headers.clone().with_status(name);
        self
    }

    /// Reads the app's trace ID from header `name` instead of `Approov-TraceID`: it is
    /// logged (validated, `trace_id=...`) with every failed check.
    pub fn with_trace_id_header(mut self, name: &str) -> Self {
        let policy = self.policy_mut();
        policy.status_headers = policy.status_headers.clone().with_trace_id(name);
        self
    }

    /// Says whether a route may bind tokens to `binding`: not to the header that
    /// carries the token (its `pay` would have to hash the token itself, which proves
    /// nothing). A route that does refuses every request (code
    /// `binding_misconfigured`). The error is also logged, at `error`: the adapters'
    /// builders that are given a verifier and a binding call this at start-up.
    ///
    /// ```
    /// use approov_core::{ApproovVerifier, BindingHeader};
    ///
    /// let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE")?
    ///     .with_token_header("Authorization")
    ///     .with_token_prefix("Bearer ");
    /// assert!(verifier.check_binding(&BindingHeader::AUTHORIZATION.into()).is_err());
    /// assert!(verifier.check_binding(&BindingHeader::new("SessionId").into()).is_ok());
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::BindsTokenHeader`], naming the header.
    pub fn check_binding(&self, binding: &Binding) -> Result<(), ConfigError> {
        let checked =
            self.policy
                .check_binding(binding)
                .map_err(|_| ConfigError::BindsTokenHeader {
                    header: self.token_header().to_owned(),
                });
        if let Err(e) = &checked {
            tracing::error!("{e}");
        }
        checked
    }

    /// Sets the [`Mode`]. Turning [`Mode::Monitor`] on logs a loud warning: from then
    /// on no request is refused.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        if mode == Mode::Monitor {
            tracing::warn!(
                "APPROOV MONITOR MODE IS ON: requests that fail the Approov check are logged \
                 and let through. Set APPROOV_MODE=enforce (or unset it) to protect the API."
            );
        }
        self.policy_mut().mode = mode;
        self
    }

    /// Logs at most `lines_per_second` failed checks per code and per second (the
    /// default is 5), and past that the first of each distinct reason in the second (so
    /// a flood of one reason cannot hide another of the same code); the rest are
    /// counted and summed up in one line per code once their second is over
    /// (`suppressed N rejections with code X in the last second`), written at the next
    /// check, or within about two seconds when none comes. `None` logs every failure:
    /// for tests, never for an API an attacker can flood. Counts restart.
    pub fn with_log_limit(mut self, lines_per_second: Option<u32>) -> Self {
        self.policy_mut().log = RejectionLog::new(lines_per_second);
        self
    }

    /// How many checks have failed since start-up, by code (every code of
    /// [`TokenRejection::CODES`], in that order): for metrics. Counted whether or not
    /// the rate limit let the line be written.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=")?;
    /// verifier.check_request(|_| std::iter::empty(), None);
    /// let counts = verifier.rejection_counts();
    /// assert!(counts.contains(&("missing_approov_token", 1)));
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    pub fn rejection_counts(&self) -> Vec<(&'static str, u64)> {
        self.policy.log.counts()
    }

    /// How many checks have failed since start-up by the `Approov-Status` the request
    /// carried: each status the vendor's SDKs send (`success`, `no_network`,
    /// `poor_network`, `untrusted_network`, ...), then `other` (a well-formed status
    /// not in that list) and `invalid` (a malformed one). Requests without the header
    /// are not counted here.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=")?;
    /// let headers = |name: &str| -> Vec<&[u8]> {
    ///     if name == "approov-status" { vec![b"no_network"] } else { vec![] }
    /// };
    /// let verification = verifier.check_request(headers, None);
    /// assert_eq!(verification.rejection().map(|r| r.code()), Some("missing_approov_token"));
    /// assert!(verifier.rejection_status_counts().contains(&("no_network", 1)));
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    pub fn rejection_status_counts(&self) -> Vec<(&'static str, u64)> {
        self.policy.log.status_counts()
    }

    /// Sets how routes that require message signing check it (the
    /// [`SignatureRequirement`](crate::SignatureRequirement) and account key, maximum
    /// age of `created`, clock skew, the largest body read for `content-digest`). The
    /// header it requires covered is the verifier's token header.
    pub fn with_message_signing(mut self, signing: MessageSigning) -> Self {
        let policy = self.policy_mut();
        policy.message_signing = signing.with_token_header(policy.token_header.name());
        self
    }

    /// How routes that require message signing check it.
    pub fn message_signing(&self) -> &MessageSigning {
        &self.policy.message_signing
    }

    /// The mode: whether failed checks refuse the request.
    pub fn mode(&self) -> Mode {
        self.policy.mode
    }

    /// The header the token is read from, in lower case (`approov-token` by default).
    pub fn token_header(&self) -> &str {
        self.policy.token_header.name()
    }

    /// The header the app's fetch status is read from, in lower case
    /// (`approov-status` by default).
    pub fn status_header(&self) -> &str {
        self.policy.status_headers.status()
    }

    /// The header the app's trace ID is read from, in lower case (`approov-traceid` by
    /// default).
    pub fn trace_id_header(&self) -> &str {
        self.policy.status_headers.trace_id()
    }

    /// Checks a request: its token header, the token, and — when `binding` is given —
    /// the token's binding to those headers. `headers` returns every value the request
    /// has for a header name (lower case), as raw bytes.
    ///
    /// This is what the framework adapters call. A failure is logged here, once, with
    /// its code and reason and never the token: at `info`, or at `warn` in monitor mode.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=").unwrap();
    /// use std::collections::HashMap;
    ///
    /// let headers: HashMap<&str, Vec<&[u8]>> = HashMap::new();
    /// let get = |name: &str| headers.get(name).cloned().unwrap_or_default();
    /// let verification = verifier.check_request(get, None);
    /// assert_eq!(verification.rejection().map(|r| r.code()), Some("missing_approov_token"));
    /// ```
    pub fn check_request<'h, F, I>(&self, headers: F, binding: Option<&Binding>) -> Verification
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        let policy = &self.policy;
        // The claims are built only if the handler asks for them (see `PassedClaims`).
        let outcome = policy
            .token_header
            .token(headers.values(policy.token_header.name()))
            .and_then(|token| self.verify_with(token, unix_now, PassedClaims::read))
            .and_then(|claims| match binding {
                Some(binding) => policy
                    .check_binding(binding)
                    .and_then(|()| binding.check_pay(claims.pay(), &headers))
                    .map(|()| claims),
                None => Ok(claims),
            });
        match &outcome {
            Err(rejection) => policy.log_failure(rejection, &headers),
            // A passing check sums up a flood's suppressed lines once its second is over.
            Ok(_) => policy.log.flush_due(),
        }
        Verification::new(outcome, binding, policy)
    }

    /// Checks a request on a route where the token is optional: `None` when the
    /// request has no token header at all (nothing is checked, nothing is logged),
    /// else [`check_request`](Self::check_request)'s verification. Absent means no
    /// header: an empty, malformed, expired or forged token is a failed check, refused
    /// like any other (in enforce mode), never taken for an absent one.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE")?;
    /// assert!(verifier.check_optional_request(|_| std::iter::empty(), None).is_none());
    /// let empty = verifier.check_optional_request(|_| [b"".as_slice()], None);
    /// assert!(empty.is_some_and(|empty| empty.refused()));
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    pub fn check_optional_request<'h, F, I>(
        &self,
        headers: F,
        binding: Option<&Binding>,
    ) -> Option<Verification>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        headers.values(self.token_header()).next()?;
        Some(self.check_request(headers, binding))
    }

    /// Checks the values a request has for the token header (there must be exactly one),
    /// then verifies the token in it. Unlike [`check_request`](Self::check_request),
    /// it does not log.
    pub fn verify_header_values<'h, I>(&self, values: I) -> Result<ApproovClaims, TokenRejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let token = self.policy.token_header.token(values.into_iter())?;
        self.verify_with(token, unix_now, parse_claims)
    }

    /// Verifies one bare token (no prefix) at the current time. It does not log.
    pub fn verify(&self, token: &str) -> Result<ApproovClaims, TokenRejection> {
        self.verify_with(token.as_bytes(), unix_now, parse_claims)
    }

    /// Verifies one bare token as if the time were `now` (seconds since the epoch).
    ///
    /// The order is fixed so that the cheap checks come first: length and shape, the
    /// JOSE header's `alg`, the key its `kid` and `alg` choose (see [`KeySet`]), and the
    /// base64url of the signature; then the signature (an HS256 one before the payload
    /// is decoded, as the HMAC is cheap; a public-key one after, as it is not); and only
    /// a token with a valid signature has its claims parsed. The key set is read once per check: a
    /// concurrent [`rotate`](Self::rotate) is seen wholly or not at all. It is expired when
    /// `now >= exp + leeway` (RFC 7519 4.1.4) and not yet valid when
    /// `now + leeway < nbf` (4.1.5).
    pub fn verify_at(&self, token: &str, now: u64) -> Result<ApproovClaims, TokenRejection> {
        self.verify_with(token.as_bytes(), || now, parse_claims)
    }

    /// The check of [`verify_at`](Self::verify_at) with the keys in effect, the
    /// verified payload's claims read by `read`; a `kid` no key has may start an early
    /// refresh of a JWKS URL.
    fn verify_with<C: Dated>(
        &self,
        token: &[u8],
        now: impl FnOnce() -> u64,
        read: impl FnOnce(&[u8]) -> Result<C, TokenRejection>,
    ) -> Result<C, TokenRejection> {
        let keys = self.keys.load();
        let verdict = token::verify(token, &keys, self.policy.leeway, now, read);
        if let Err(TokenRejection::UnknownKeyId) = verdict {
            self.keys.unknown_kid();
        }
        verdict
    }
}
