//! The verifier: one token string in, claims or a rejection out.

use std::borrow::Cow;
use std::fmt;
use std::mem::MaybeUninit;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::claims::parse_claims;
use crate::config::{Env, EnvKeys, Secret};
use crate::header::token_from_values;
use crate::keys::{Algorithm, Choice};
use crate::log::{RejectionLog, DEFAULT_LOG_LINES_PER_SECOND};
use crate::passed::PassedClaims;
use crate::segment::{self, decode_payload, decode_signature};
use crate::store::KeyStore;
use crate::{
    ApproovClaims, Binding, ConfigError, KeySet, MessageSigning, Mode, SecretEncoding,
    TokenRejection, Verification, LOG_LINES_VAR, MODE_VAR,
};

/// The longest token, in bytes, that is looked at. Approov tokens are a few hundred
/// bytes; anything past this is rejected before any decoding.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The request header that carries the token by default.
pub const DEFAULT_TOKEN_HEADER: &str = "approov-token";

/// A JOSE header worth reading is small; a bigger one is refused undecoded.
const MAX_HEADER_LEN: usize = 512;

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
/// let verifier = ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ")?;
///
/// // Per request: the values the request has for `verifier.token_header()`.
/// let rejected = verifier.verify_header_values([b"not-a-token".as_slice()]);
/// assert!(matches!(rejected, Err(TokenRejection::Malformed(_))));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ApproovVerifier {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// The keys, shared by every clone (builders that copy `Inner` share them too).
    /// Secrets are kept as keyed HMAC state, never shown by `Debug`.
    keys: Arc<KeyStore>,
    leeway: u64,
    token_header: Cow<'static, str>,
    token_prefix: Option<String>,
    mode: Mode,
    log: Arc<RejectionLog>,
    message_signing: MessageSigning,
}

impl fmt::Debug for ApproovVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApproovVerifier")
            .field("keys", &*self.inner.keys.load())
            .field("leeway_secs", &self.inner.leeway)
            .field("token_header", &self.inner.token_header)
            .field("token_prefix", &self.inner.token_prefix)
            .field("mode", &self.inner.mode)
            .field("log_lines_per_second", &self.inner.log.limit())
            .finish()
    }
}

impl ApproovVerifier {
    /// Reads the whole configuration from the process environment, else from a
    /// `.env` file in the working directory (the environment wins, variable by
    /// variable):
    ///
    /// - the secret, from `APPROOV_BASE64URL_SECRET` (as `approov secret -get
    ///   base64url` prints it, padded or not) and/or `APPROOV_BASE64_SECRET` (as
    ///   `approov secret -get base64` prints it); when both are set they must hold
    ///   the same secret. During a rotation a variable may hold two secrets (or more),
    ///   separated by a comma: tokens signed with either pass;
    /// - the public keys of an Approov keyset, as a JWKS document in `APPROOV_JWKS`,
    ///   in the file `APPROOV_JWKS_FILE` names, and/or at the URL `APPROOV_JWKS_URL`
    ///   (the `jwks-url` feature: fetched now, and again every
    ///   `APPROOV_JWKS_REFRESH_SECS` seconds, default 300; see `JwksUrl`);
    ///   see [`KeySet::with_jwks_json`] for which keys are used;
    /// - `APPROOV_MODE`: `enforce` (the default) or `monitor` (see [`Mode`]);
    /// - `APPROOV_LOG_LINES_PER_SECOND`: how many lines each failure code may write per
    ///   second (default 5; `unlimited` to log every failure; see
    ///   [`with_log_limit`](Self::with_log_limit));
    /// - for routes that require installation message signing (see
    ///   [`MessageSigning`]): `APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS` (default 300),
    ///   `APPROOV_MESSAGE_SIGNATURE_CLOCK_SKEW_SECS` (default 60),
    ///   `APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES` (default 1 MiB) and
    ///   `APPROOV_MESSAGE_SIGNATURE_SCHEME` (`http`, the default, or `https` behind a
    ///   proxy that terminates TLS).
    ///
    /// Any key source may be set alone or with others; a `kid` in two sources is
    /// refused. The keys in effect are logged at `info`.
    ///
    /// # Errors
    /// No key source is set; a secret is empty or does not decode (a base64url value
    /// in `APPROOV_BASE64_SECRET` is recognised as such), or the two secret variables
    /// differ; a JWKS is not usable, its file cannot be read, its URL is not `https`
    /// or cannot be fetched (or is set in a build without `jwks-url`); or
    /// `APPROOV_MODE`, `APPROOV_LOG_LINES_PER_SECOND` or `APPROOV_JWKS_REFRESH_SECS`
    /// has another value. The error names the variable and says what to do.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env = Env::process();
        let mut verifier = Self::from_keys(KeySet::new());
        verifier.load_keys_from(&env)?;
        if let Some(mode) = env.get(MODE_VAR)? {
            verifier = verifier.with_mode(mode.parse()?);
        }
        if let Some(limit) = env.get(LOG_LINES_VAR)? {
            verifier = verifier.with_log_limit(crate::config::parse_log_limit(&limit)?);
        }
        let signing = crate::config::message_signing_from_env(&env, MessageSigning::default())?;
        Ok(verifier.with_message_signing(signing))
    }

    /// Reads the keys again as [`from_env`](Self::from_env) does — the secret
    /// variables, `APPROOV_JWKS`, the file `APPROOV_JWKS_FILE` names and the document
    /// at `APPROOV_JWKS_URL` (fetched once now, then refreshed) — and swaps them in
    /// at once, for this verifier and every clone of it: for a server's `SIGHUP`
    /// handler. A check runs wholly with the old keys or wholly with the new ones.
    /// `.env` is read afresh; the process environment still wins over it.
    /// `APPROOV_MODE` and `APPROOV_LOG_LINES_PER_SECOND` are not read again.
    ///
    /// To rotate a key without a window where tokens fail: add the new key beside the
    /// old one and reload; once no token signed with the old key can still be valid
    /// (Approov tokens live minutes), remove it and reload again.
    ///
    /// It blocks while the JWKS URL is fetched (at most its timeout): from async code,
    /// call it in `spawn_blocking`.
    ///
    /// # Errors
    /// As `from_env`; the keys in effect then stay as they were.
    pub fn reload_from_env(&self) -> Result<(), ConfigError> {
        self.load_keys_from(&Env::process())
    }

    /// Reads the keys `env` configures, fetches the JWKS URL, and swaps them in.
    fn load_keys_from(&self, env: &Env) -> Result<(), ConfigError> {
        let keys = EnvKeys::read(env)?;
        #[cfg(feature = "jwks-url")]
        let remote = match &keys.url {
            Some((url, refresh)) => {
                let url = crate::JwksUrl::from_env(url, *refresh)?;
                let fetched = url.fetch_now()?;
                keys.check_clash(&fetched, crate::JWKS_URL_VAR)?;
                Some((url, fetched))
            }
            None => None,
        };
        #[cfg(not(feature = "jwks-url"))]
        let remote = None;
        self.inner.keys.replace(Some(keys.local), remote)?;
        tracing::info!(keys = %self.inner.keys.current().summary(), "Approov keys in effect");
        Ok(())
    }

    /// Reads the secret from the variable `var` (the environment, else `./.env`),
    /// written in `encoding`. It does not read `APPROOV_MODE`.
    ///
    /// # Errors
    /// The variable is missing, empty or does not decode; the error names it.
    pub fn from_env_var(var: &str, encoding: SecretEncoding) -> Result<Self, ConfigError> {
        Secret::from_env_var(&Env::process(), var, encoding).map(Self::from_decoded)
    }

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
        // Only an empty secret is refused, and decoding refuses it first.
        let keys = KeySet::new().with_secret(&secret).unwrap_or_default();
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
            inner: Arc::new(Inner {
                keys: Arc::new(KeyStore::new(keys)),
                leeway: 0,
                token_header: Cow::Borrowed(DEFAULT_TOKEN_HEADER),
                token_prefix: None,
                mode: Mode::Enforce,
                log: Arc::new(RejectionLog::new(Some(DEFAULT_LOG_LINES_PER_SECOND))),
                message_signing: MessageSigning::default(),
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
        self.inner.keys.rotate(keys);
        tracing::info!(keys = %self.inner.keys.current().summary(), "Approov keys in effect");
    }

    /// The keys in effect now (with those fetched from a JWKS URL): for diagnostics.
    pub fn keys(&self) -> Arc<KeySet> {
        self.inner.keys.current()
    }

    /// Also checks tokens against the JWKS at `url`: fetched now (this blocks, at most
    /// the URL's timeout), then refreshed in a background thread as [`JwksUrl`](crate::JwksUrl)
    /// says, for as long as a clone of this verifier lives. Replaces a JWKS URL set
    /// before.
    ///
    /// # Errors
    /// The first fetch fails, or the document is not a usable JWKS, or it has a key id
    /// of a key the verifier was given.
    #[cfg(feature = "jwks-url")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
    pub fn with_jwks_url(self, url: crate::JwksUrl) -> Result<Self, ConfigError> {
        let fetched = url.fetch_now()?;
        let given = self.inner.keys.given();
        if let Some(kid) = fetched
            .kids()
            .find(|kid| given.kids().any(|ours| ours == *kid))
        {
            return Err(ConfigError::KeyClash {
                kid: crate::keys::shown(kid),
                first: "the keys given to the verifier".into(),
                second: url.url().to_owned(),
            });
        }
        self.inner.keys.replace(None, Some((url, fetched)))?;
        Ok(self)
    }

    fn inner_mut(&mut self) -> &mut Inner {
        // Builders run at start-up; a clone made before keeps its own settings.
        Arc::make_mut(&mut self.inner)
    }

    /// Accepts tokens up to `leeway` past their `exp` and before their `nbf`
    /// (default: none). Whole seconds.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.inner_mut().leeway = leeway.as_secs();
        self
    }

    /// Reads the token from header `name` instead of `Approov-Token`.
    pub fn with_token_header(mut self, name: &str) -> Self {
        let inner = self.inner_mut();
        inner.token_header = Cow::Owned(name.to_ascii_lowercase());
        // A message signature must cover the token in whatever header carries it.
        inner.message_signing = inner.message_signing.clone().with_token_header(name);
        self
    }

    /// Expects the token header to start with `prefix` (for example `"Bearer "`,
    /// matched ASCII case-insensitively), for apps that send the token as
    /// `Authorization: Bearer <token>`. Without it, a `Bearer ` prefix is rejected.
    pub fn with_token_prefix(mut self, prefix: &str) -> Self {
        self.inner_mut().token_prefix = Some(prefix.to_owned());
        self
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
        self.inner_mut().mode = mode;
        self
    }

    /// Logs at most `lines_per_second` failed checks per code and per second (the
    /// default is 5); the rest are counted and summed up in one line per code once
    /// their second is over (`suppressed N rejections with code X in the last
    /// second`), written with the next failure of that code. `None` logs every
    /// failure: for tests, never for an API an attacker can flood. Counts restart.
    pub fn with_log_limit(mut self, lines_per_second: Option<u32>) -> Self {
        self.inner_mut().log = Arc::new(RejectionLog::new(lines_per_second));
        self
    }

    /// How many checks have failed since start-up, by code (every code of
    /// [`TokenRejection::CODES`], in that order): for metrics. Counted whether or not
    /// the rate limit let the line be written.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0")?;
    /// verifier.check_request(|_| std::iter::empty(), None);
    /// let counts = verifier.rejection_counts();
    /// assert!(counts.contains(&("missing_approov_token", 1)));
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    pub fn rejection_counts(&self) -> Vec<(&'static str, u64)> {
        self.inner.log.counts()
    }

    /// Sets how routes that require installation message signing check it (maximum
    /// age of `created`, clock skew, the largest body read for `content-digest`).
    pub fn with_message_signing(mut self, signing: MessageSigning) -> Self {
        self.inner_mut().message_signing = signing.with_token_header(&self.inner.token_header);
        self
    }

    /// How routes that require installation message signing check it.
    pub fn message_signing(&self) -> &MessageSigning {
        &self.inner.message_signing
    }

    /// The mode: whether failed checks refuse the request.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// The header the token is read from, in lower case (`approov-token` by default).
    pub fn token_header(&self) -> &str {
        &self.inner.token_header
    }

    /// Checks a request: its token header, the token, and — when `binding` is given —
    /// the token's binding to those headers. `headers` returns every value the request
    /// has for a header name (lower case), as raw bytes.
    ///
    /// This is what the framework adapters call. A failure is logged here, once, with
    /// its code and reason and never the token: at `info`, or at `warn` in monitor mode.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0").unwrap();
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
        // The claims are built only if the handler asks for them (see `PassedClaims`).
        let outcome = self
            .token(headers(self.token_header()))
            .and_then(|token| self.verify_with(token, unix_now, PassedClaims::read))
            .and_then(|claims| match binding {
                Some(binding) => binding.check_pay(claims.pay(), &headers).map(|()| claims),
                None => Ok(claims),
            });
        if let Err(rejection) = &outcome {
            self.log_failure(rejection);
        }
        Verification::new(outcome, binding, self)
    }

    pub(crate) fn log_failure(&self, rejection: &TokenRejection) {
        self.inner.log.failed_check(rejection, self.inner.mode);
    }

    /// Checks the values a request has for the token header (there must be exactly one),
    /// then verifies the token in it. Unlike [`check_request`](Self::check_request),
    /// it does not log.
    pub fn verify_header_values<'h, I>(&self, values: I) -> Result<ApproovClaims, TokenRejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        self.verify_with(self.token(values)?, unix_now, parse_claims)
    }

    /// The token in the values a request has for the token header.
    fn token<'h, I>(&self, values: I) -> Result<&'h [u8], TokenRejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let inner = &self.inner;
        token_from_values(values, &inner.token_header, inner.token_prefix.as_deref())
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

    /// The check of [`verify_at`](Self::verify_at), the verified payload's claims
    /// read by `read`. The time is asked of `now` only once the signature holds and
    /// the claims are read: a flood of malformed or forged tokens does not read the
    /// clock for them.
    fn verify_with<C: Dated>(
        &self,
        token: &[u8],
        now: impl FnOnce() -> u64,
        read: impl FnOnce(&[u8]) -> Result<C, TokenRejection>,
    ) -> Result<C, TokenRejection> {
        let parts = split_compact(token)?;
        let header = read_header(parts.header)?;
        // The decoded payload: on the stack for the usual sizes, on the heap beyond.
        let mut stack = segment::payload_buffer();
        let mut heap = Vec::new();
        let payload = {
            let keys = self.inner.keys.load();
            match keys.choose(header.alg, header.kid.as_deref()) {
                Ok(Choice::Secrets(secrets)) => {
                    let signature = decode_signature(parts.signature)?;
                    // The HMAC covers the encoded payload, and is cheap: it runs first, so
                    // that a forged token, whatever its payload, costs one HMAC and no
                    // decoding. Only a signed payload is decoded, then parsed. (The
                    // signature is decoded, not the MAC encoded: an encoder's table
                    // lookups would be indexed by the MAC's secret-derived bits.)
                    let input = parts.signing_input;
                    if !secrets
                        .iter()
                        .any(|secret| secret.key.verifies(input, &signature))
                    {
                        return Err(TokenRejection::BadSignature);
                    }
                    decode_payload(parts.payload, &mut stack, &mut heap)?
                }
                Ok(Choice::Public(key)) => {
                    let signature = segment::decode_to_vec(parts.signature)
                        .ok_or(TokenRejection::Malformed("signature is not base64url"))?;
                    // Decoded before the signature check, which costs far more than it.
                    let payload = decode_payload(parts.payload, &mut stack, &mut heap)?;
                    if !key.verifies(parts.signing_input, &signature) {
                        return Err(TokenRejection::BadSignature);
                    }
                    payload
                }
                Err(rejection) => {
                    if rejection == TokenRejection::UnknownKeyId {
                        self.inner.keys.unknown_kid();
                    }
                    return Err(rejection);
                }
            }
        };
        let claims = read(payload)?;
        let now = now();
        let leeway = self.inner.leeway;
        if now >= claims.exp().saturating_add(leeway) {
            return Err(TokenRejection::Expired);
        }
        if claims
            .nbf()
            .is_some_and(|nbf| now.saturating_add(leeway) < nbf)
        {
            return Err(TokenRejection::NotYetValid);
        }
        Ok(claims)
    }
}

/// Claims as read from a verified payload: what the time checks need of them.
pub(crate) trait Dated {
    fn exp(&self) -> u64;
    fn nbf(&self) -> Option<u64>;
}

impl Dated for ApproovClaims {
    fn exp(&self) -> u64 {
        self.exp
    }

    fn nbf(&self) -> Option<u64> {
        self.nbf
    }
}

/// The three segments of a compact JWS, borrowed from the token.
struct CompactParts<'t> {
    header: &'t [u8],
    payload: &'t [u8],
    signature: &'t [u8],
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'t [u8],
}

fn split_compact(token: &[u8]) -> Result<CompactParts<'_>, TokenRejection> {
    const NOT_THREE_SEGMENTS: TokenRejection = TokenRejection::Malformed("not three segments");
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenRejection::TooLong);
    }
    // The two dots found from either end, then none in between (memchr's search, as
    // `str::split_once` uses on text; the token is bytes here).
    let (Some(first), Some(last)) = (memchr::memchr(b'.', token), memchr::memrchr(b'.', token))
    else {
        return Err(NOT_THREE_SEGMENTS);
    };
    let (Some(header), Some(payload), Some(signature), Some(signing_input)) = (
        token.get(..first),
        token.get(first + 1..last),
        token.get(last + 1..),
        token.get(..last),
    ) else {
        return Err(NOT_THREE_SEGMENTS);
    };
    if memchr::memchr(b'.', payload).is_some() {
        return Err(NOT_THREE_SEGMENTS);
    }
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(TokenRejection::Malformed("empty segment"));
    }
    if header.len() > MAX_HEADER_LEN {
        return Err(TokenRejection::Malformed("header too long"));
    }
    Ok(CompactParts {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// The only JOSE header members that matter here.
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    /// The key id; it comes from the request, so it only selects a configured key and
    /// is never logged.
    kid: Option<String>,
    /// Critical extensions this verifier cannot honour (RFC 7515 §4.1.11).
    crit: Option<serde::de::IgnoredAny>,
    /// Every other member, read only so that the whole header is checked to be JSON
    /// text (RFC 7515 §5.2: UTF-8, no unpaired surrogate escapes); being flattened, it
    /// also makes the header readable only from a JSON object, never from an array.
    #[serde(flatten)]
    _rest: serde_json::Map<String, serde_json::Value>,
}

/// What the JOSE header says about the key.
struct TokenHeader {
    alg: Algorithm,
    kid: Option<String>,
}

/// The JOSE headers HS256 tokens usually carry, `{"alg":"HS256","typ":"JWT"}` and
/// `{"typ":"JWT","alg":"HS256"}`, base64url: known good without decoding them.
const COMMON_HS256_HEADERS: [&[u8]; 2] = [
    b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    b"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
];

fn read_header(encoded: &[u8]) -> Result<TokenHeader, TokenRejection> {
    if COMMON_HS256_HEADERS.contains(&encoded) {
        return Ok(TokenHeader {
            alg: Algorithm::HS256,
            kid: None,
        });
    }
    let mut buf = [MaybeUninit::uninit(); MAX_HEADER_LEN];
    let decoded = segment::decode_into(encoded, &mut buf)
        .ok_or(TokenRejection::Malformed("header is not base64url"))?;
    let header: JoseHeader<'_> = serde_json::from_slice(decoded)
        .map_err(|_| TokenRejection::Malformed("header is not a JSON object with alg"))?;
    let alg = Algorithm::from_jose(&header.alg).ok_or(TokenRejection::UnsupportedAlgorithm)?;
    if header.crit.is_some() {
        return Err(TokenRejection::Malformed("header has crit extensions"));
    }
    Ok(TokenHeader {
        alg,
        kid: header.kid,
    })
}

/// The time the checks compare `exp` and `nbf` with, in whole seconds since the epoch.
///
/// On Linux it is the kernel's coarse wall clock (`CLOCK_REALTIME_COARSE`): the time
/// of the last timer tick, a few milliseconds behind at most, read without the
/// time-stamp counter. Under a hypervisor the fine clock costs about 25 ns a read and
/// the coarse one 5 (BENCHMARKING.md), and a check only needs the second. Being late,
/// it can let a token through for those few milliseconds past its `exp`, and refuse
/// one for as long after its `nbf` has come; a leeway of whole seconds dwarfs both.
pub(crate) fn unix_now() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::time::{clock_gettime_dynamic, ClockId, DynamicClockId};
        // A kernel without the coarse clock gets the system clock, not a panic.
        let coarse = DynamicClockId::Known(ClockId::RealtimeCoarse);
        if let Ok(now) = clock_gettime_dynamic(coarse) {
            // A clock before 1970 expires everything.
            return u64::try_from(now.tv_sec).unwrap_or(u64::MAX);
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(u64::MAX, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;
    use crate::segment::STACK_PAYLOAD_LEN;

    /// The coarse clock is the wall clock, to the second (a monotonic clock, or one
    /// in other units, would be far off).
    #[test]
    fn the_clock_is_the_wall_clock_to_the_second() {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let ours = unix_now();
        assert!(ours.abs_diff(system) <= 1, "{ours} against {system}");
    }

    /// An HS256 token with the JOSE header `header` (any bytes) over `claims`.
    fn with_header(secret: &[u8], header: &[u8], claims: &str) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        with_raw_payload(secret, &input)
    }

    /// `signing_input` (header and payload segments, as given) signed with `secret`.
    fn with_raw_payload(secret: &[u8], signing_input: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// An HS256 token with the usual header over `claims`, signed with `secret`.
    fn hs256(secret: &[u8], claims: &str) -> String {
        with_header(secret, br#"{"alg":"HS256","typ":"JWT"}"#, claims)
    }

    #[test]
    fn only_the_canonical_base64url_of_the_mac_is_its_signature() {
        let secret = b"a secret of thirty-two bytes, or more";
        let verifier =
            ApproovVerifier::from_keys(KeySet::new().with_hs256_secret(secret).unwrap_or_default());
        let token = hs256(secret, r#"{"exp":2}"#);
        assert!(verifier.verify_at(&token, 1).is_ok());
        let (input, signature) = token.rsplit_once('.').unwrap_or_default();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = signature.bytes().last().unwrap_or_default();
        let value = alphabet.iter().position(|&c| c == last).unwrap_or_default();
        // The last of 43 characters carries 4 bits of the MAC and 2 that must be zero:
        // the same MAC written with those bits set is not its signature.
        for padding in 1..4 {
            let odd = char::from(alphabet[value | padding]);
            let forged = format!("{input}.{}{odd}", &signature[..42]);
            assert_eq!(
                verifier.verify_at(&forged, 1),
                Err(TokenRejection::Malformed("signature is not base64url")),
                "{forged}"
            );
        }
        for (odd, rejection) in [
            ('=', TokenRejection::Malformed("signature is not base64url")),
            ('+', TokenRejection::Malformed("signature is not base64url")),
            (
                char::from(alphabet[(value + 4) % 64]),
                TokenRejection::BadSignature,
            ),
        ] {
            let forged = format!("{input}.{odd}{}", &signature[1..]);
            assert_eq!(verifier.verify_at(&forged, 1), Err(rejection), "{forged}");
        }
    }

    #[test]
    fn payloads_past_the_stack_buffer_are_decoded_on_the_heap() {
        let secret = b"a secret of thirty-two bytes, or more";
        let verifier =
            ApproovVerifier::from_keys(KeySet::new().with_hs256_secret(secret).unwrap_or_default());
        for len in [
            0,
            STACK_PAYLOAD_LEN - 40,
            STACK_PAYLOAD_LEN,
            4 * STACK_PAYLOAD_LEN,
        ] {
            let note = "n".repeat(len);
            let token = hs256(secret, &format!(r#"{{"exp":2000000000,"note":"{note}"}}"#));
            let claims = verifier.verify_at(&token, 1_000_000_000);
            assert_eq!(
                claims.map(|c| c.other["note"].as_str().map(str::len)),
                Ok(Some(len)),
                "{len}"
            );
            // One character outside the alphabet, at the end of a signed payload.
            let (input, _) = token.rsplit_once('.').unwrap_or_default();
            let broken = with_raw_payload(secret, &format!("{}*", &input[..input.len() - 1]));
            assert_eq!(
                verifier.verify_at(&broken, 1_000_000_000),
                Err(TokenRejection::Malformed("payload is not base64url")),
                "{len}"
            );
        }
    }

    #[test]
    fn an_hs256_signature_is_checked_before_the_payload_is_decoded() {
        let secret = b"a secret of thirty-two bytes, or more";
        let verifier =
            ApproovVerifier::from_keys(KeySet::new().with_hs256_secret(secret).unwrap_or_default());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        for payload in ["e30*", "e30=", "e3+/", "e"] {
            let signed = with_raw_payload(secret, &format!("{header}.{payload}"));
            let (input, _) = signed.rsplit_once('.').unwrap_or_default();
            let forged = format!("{input}.{}", "A".repeat(43));
            // Signed: the payload's own fault. Forged: the signature's, whatever the payload.
            assert_eq!(
                verifier.verify_at(&signed, 1),
                Err(TokenRejection::Malformed("payload is not base64url")),
                "{payload}"
            );
            assert_eq!(
                verifier.verify_at(&forged, 1),
                Err(TokenRejection::BadSignature),
                "{payload}"
            );
        }
    }

    #[test]
    fn a_signed_header_must_be_a_json_object_of_text() {
        let secret = b"a secret of thirty-two bytes, or more";
        let verifier =
            ApproovVerifier::from_keys(KeySet::new().with_hs256_secret(secret).unwrap_or_default());
        let claims = r#"{"exp":2000000000}"#;
        let verdict = |header: &[u8]| verifier.verify_at(&with_header(secret, header, claims), 1);
        // Held against what must pass, so that the rejections below are the header's.
        for header in [
            br#"{"alg":"HS256"}"#.as_slice(),
            br#" {"alg":"HS256","typ":"JWT","x":"\u00e9\ud83d\ude00","crit":null}"#,
            "{\"alg\":\"HS256\",\"x\":[\"é\",{\"y\":1}]}".as_bytes(),
        ] {
            assert!(
                verdict(header).is_ok(),
                "{}",
                String::from_utf8_lossy(header)
            );
        }
        for header in [
            br#"["HS256",null,null]"#.as_slice(),
            br#"["HS256"]"#,
            br#"{"alg":"HS256","x":"\ud800"}"#,
            br#"{"alg":"HS256","x":["\udc00"]}"#,
            b"{\"alg\":\"HS256\",\"x\":\"\xff\"}",
            b"{\"alg\":\"HS256\",\"\xc3\":1}",
            br#"{"alg":"HS256","alg":"HS256"}"#,
            br#"{"alg":"HS256","x":1,"#,
        ] {
            assert_eq!(
                verdict(header),
                Err(TokenRejection::Malformed(
                    "header is not a JSON object with alg"
                )),
                "{}",
                String::from_utf8_lossy(header)
            );
        }
    }

    #[test]
    fn a_token_splits_at_its_two_dots_and_nowhere_else() {
        let split = |token: &str| {
            split_compact(token.as_bytes()).map(|p| {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                [p.header, p.payload, p.signature, p.signing_input].map(text)
            })
        };
        assert_eq!(
            split("hh.ppp.s"),
            Ok(["hh", "ppp", "s", "hh.ppp"].map(String::from))
        );
        let three = TokenRejection::Malformed("not three segments");
        for token in ["hps", "h.ps", "h.p.s.x", "h.p..s", "...", "h.p.s."] {
            assert_eq!(split(token).err(), Some(three.clone()), "{token}");
        }
        let empty = TokenRejection::Malformed("empty segment");
        for token in [".p.s", "h..s", "h.p.", ".."] {
            assert_eq!(split(token).err(), Some(empty.clone()), "{token}");
        }
        let too_long = format!("h.{}.s", "p".repeat(MAX_TOKEN_LEN));
        assert_eq!(split(&too_long).err(), Some(TokenRejection::TooLong));
    }

    #[test]
    fn the_common_headers_are_what_they_claim() {
        let decoded: Vec<String> = COMMON_HS256_HEADERS
            .iter()
            .map(|h| {
                String::from_utf8(URL_SAFE_NO_PAD.decode(h).unwrap_or_default()).unwrap_or_default()
            })
            .collect();
        assert_eq!(
            decoded,
            [
                r#"{"alg":"HS256","typ":"JWT"}"#,
                r#"{"typ":"JWT","alg":"HS256"}"#
            ]
        );
        // And the slow path agrees with the fast one.
        for header in decoded {
            let encoded = URL_SAFE_NO_PAD.encode(header.replace(':', " : "));
            let read = read_header(encoded.as_bytes()).map(|h| (h.alg, h.kid));
            assert_eq!(read, Ok((Algorithm::HS256, None)));
        }
    }
}
