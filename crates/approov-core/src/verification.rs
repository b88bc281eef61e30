//! The outcome of checking one request, as adapters keep it for the handler.

use std::fmt;
use std::sync::Arc;

use crate::binding::Binding;
use crate::clock::unix_now;
use crate::config::Mode;
use crate::message_signing::SignedRequest;
use crate::policy::Policy;
use crate::rejection::TokenRejection;
use crate::token::{ApproovClaims, Dated, PassedClaims};

/// What [`ApproovVerifier::check_request`](crate::ApproovVerifier::check_request) concluded about one request: the claims of
/// a token that passed, or why it failed, and which [`Binding`] was checked.
///
/// Only this crate builds one, so an adapter that finds one in a request's extensions
/// knows the check ran. In the default [`Mode::Enforce`] a failed verification is
/// [`refused`](Self::refused) and the adapter answers 401; in [`Mode::Monitor`] the
/// request goes on, and the handler can still ask [`passed`](Self::passed) and
/// [`rejection`](Self::rejection).
///
/// ```
/// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=")?;
/// let verification = verifier.check_request(|_| std::iter::empty(), None);
/// assert!(!verification.passed());
/// assert!(verification.refused()); // enforce mode: answer 401
/// assert_eq!(verification.rejection().map(|r| r.code()), Some("missing_approov_token"));
/// # Ok::<(), approov_core::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Verification {
    /// The claims are held here, not shared behind an `Arc`: a check allocates only
    /// the payload's copy, and a clone (the extractor behind a layer takes one)
    /// copies that.
    outcome: Result<PassedClaims, TokenRejection>,
    /// The binding checked, when the token passed one.
    binding: Option<Binding>,
    /// Whether the request's installation message signature was checked and holds.
    signed: bool,
    policy: Arc<Policy>,
}

impl Verification {
    pub(crate) fn new(
        outcome: Result<PassedClaims, TokenRejection>,
        binding: Option<&Binding>,
        policy: &Arc<Policy>,
    ) -> Self {
        let binding = if outcome.is_ok() {
            binding.cloned()
        } else {
            None
        };
        Verification {
            outcome,
            binding,
            signed: false,
            policy: Arc::clone(policy),
        }
    }

    /// The claims, when the token passed every check asked of it.
    ///
    /// The check itself reads only what it needs of the payload (`exp`, `nbf`, `pay`)
    /// and keeps the rest; the claims are built on the first call and kept, so a
    /// handler that never asks for them never pays for them.
    pub fn claims(&self) -> Option<&ApproovClaims> {
        self.outcome.as_ref().ok().map(PassedClaims::claims)
    }

    /// The claims, owned, when the token passed: what a middleware hands on as a
    /// request extension. Unlike `claims().cloned()`, it does not also keep a copy
    /// in this verification (which builds its own only if asked).
    ///
    /// ```
    /// # #[cfg(feature = "mint")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use approov_core::{ApproovVerifier, TokenMinter};
    ///
    /// let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=";
    /// let verifier = ApproovVerifier::from_base64_secret(secret)?;
    /// let token = TokenMinter::from_base64_secret(secret)?.approov_token(300, &[])?;
    ///
    /// let verification = verifier.check_request(|_| [token.as_bytes()], None);
    /// let claims = verification.to_claims().ok_or("the token passes")?;
    /// assert_eq!(Some(&claims), verification.claims());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "mint"))]
    /// # fn main() {}
    /// ```
    pub fn to_claims(&self) -> Option<ApproovClaims> {
        self.outcome.as_ref().ok().map(PassedClaims::to_claims)
    }

    /// When the token that passed expires: its `exp`, in seconds since the Unix epoch;
    /// `None` when the check failed. Read without building the claims: what a
    /// connection that outlives its request (a WebSocket, a stream) needs to end
    /// when its proof does.
    ///
    /// ```
    /// # #[cfg(feature = "mint")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::{SystemTime, UNIX_EPOCH};
    ///
    /// use approov_core::{ApproovVerifier, TokenMinter};
    ///
    /// let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=";
    /// let verifier = ApproovVerifier::from_base64_secret(secret)?;
    /// let token = TokenMinter::from_base64_secret(secret)?.approov_token(300, &[])?;
    ///
    /// let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    /// let verification = verifier.check_request(|_| [token.as_bytes()], None);
    /// let expires_at = verification.expires_at().ok_or("the token passes")?;
    /// assert!((now + 299..=now + 301).contains(&expires_at));
    ///
    /// let failed = verifier.check_request(|_| [b"not-a-token".as_slice()], None);
    /// assert_eq!(failed.expires_at(), None);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "mint"))]
    /// # fn main() {}
    /// ```
    pub fn expires_at(&self) -> Option<u64> {
        self.outcome.as_ref().ok().map(Dated::exp)
    }

    /// Why the request failed the check, when it did. [`TokenRejection::status`] is the
    /// status to refuse it with.
    pub fn rejection(&self) -> Option<&TokenRejection> {
        self.outcome.as_ref().err()
    }

    /// The claims, owned, when the token passed every check asked of it: for a
    /// handler that takes the outcome by value.
    pub fn into_claims(self) -> Option<ApproovClaims> {
        self.outcome.ok().map(PassedClaims::into_claims)
    }

    /// This verification, or `None` when the request had no token header at all: what
    /// a route where the token is optional gets behind a check that let it through
    /// (monitor mode). Absent means no header; an empty, malformed or forged token is
    /// not absent, and stays the failure it is.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64url_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE")?;
    /// let monitor = verifier.with_mode(approov_core::Mode::Monitor);
    /// let none = monitor.check_request(|_| std::iter::empty(), None);
    /// assert!(none.into_optional().is_none());
    /// let bad = monitor.check_request(|_| [b"x".as_slice()], None);
    /// assert!(bad.into_optional().is_some_and(|bad| !bad.passed()));
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    pub fn into_optional(self) -> Option<Verification> {
        match self.outcome {
            Err(TokenRejection::Missing { .. }) => None,
            _ => Some(self),
        }
    }

    /// Whether the request passed every check asked of it.
    pub fn passed(&self) -> bool {
        self.outcome.is_ok()
    }

    /// Whether the request must be refused: it failed and the verifier enforces.
    pub fn refused(&self) -> bool {
        self.outcome.is_err() && self.policy.mode == Mode::Enforce
    }

    /// The mode of the verifier that made this verification.
    pub fn mode(&self) -> Mode {
        self.policy.mode
    }

    /// The binding this verification checked, when the token passed one.
    pub fn binding(&self) -> Option<&Binding> {
        self.binding.as_ref()
    }

    /// This verification, with the token's binding to `binding` checked too (and the
    /// failure logged), unless that is the binding already checked: a bound extractor
    /// behind a layer with the same binding does not hash twice. `headers` is as for
    /// [`ApproovVerifier::check_request`](crate::ApproovVerifier::check_request).
    pub fn bound_to<'h, F, I>(self, binding: &Binding, headers: F) -> Verification
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        if self.binding.as_ref() == Some(binding) {
            return self;
        }
        let Ok(claims) = &self.outcome else {
            return self;
        };
        let checked = self
            .policy
            .check_binding(binding)
            .and_then(|()| binding.check_pay(claims.pay(), &headers));
        match checked {
            Ok(()) => Verification {
                binding: Some(binding.clone()),
                ..self
            },
            Err(rejection) => {
                self.policy.log_failure(&rejection, &headers);
                Verification {
                    outcome: Err(rejection),
                    binding: None,
                    ..self
                }
            }
        }
    }

    /// Whether the request's installation message signature was checked (by
    /// [`message_signed`](Self::message_signed)) and holds.
    pub fn is_message_signed(&self) -> bool {
        self.signed
    }

    /// This verification, with the request's installation message signature checked
    /// too (and a failure logged), unless it already was: the `install` signature of
    /// RFC 9421 over `request`, with the key in the token's `ipk` claim (a token
    /// without one fails), under the verifier's
    /// [`MessageSigning`](crate::MessageSigning) settings. An adapter builds `request`
    /// with [`SignedRequest::received`] from the request as it came off the wire; when
    /// [`MessageSigning::needs_body`](crate::MessageSigning::needs_body) says so, with
    /// the body (at most [`max_body_len`](crate::MessageSigning::max_body_len) + 1
    /// bytes read for the check, the whole body then given to the handler), or with
    /// [`SignedRequest::with_unreadable_body`] when reading it failed. A refusal is
    /// answered with [`TokenRejection::status`]: 401, or 413 for a signed body over the
    /// limit, 400 for one that could not be read.
    pub fn message_signed<'h, F, I>(self, request: &SignedRequest<'_, F>) -> Verification
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        if self.signed {
            return self;
        }
        let Ok(claims) = &self.outcome else {
            return self;
        };
        let signing = &self.policy.message_signing;
        match signing.verify(claims.claims(), request, unix_now()) {
            Ok(()) => Verification {
                signed: true,
                ..self
            },
            Err(error) => {
                let rejection = TokenRejection::MessageSignature(error);
                self.policy.log_failure(&rejection, &request.headers);
                Verification {
                    outcome: Err(rejection),
                    binding: None,
                    ..self
                }
            }
        }
    }

    /// What the route does with the request: `Ok` with this verification to let it
    /// through (it passed, or it failed in [`Mode::Monitor`]), or the rejection to
    /// refuse it with (it failed in [`Mode::Enforce`]). The rejection is moved out,
    /// not cloned: a flood of bad tokens is refused through here.
    ///
    /// ```
    /// # let verifier = approov_core::ApproovVerifier::from_base64_secret("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE=")?;
    /// let verification = verifier.check_request(|_| std::iter::empty(), None);
    /// match verification.enforce() {
    ///     Ok(_) => unreachable!("no token: refused in enforce mode"),
    ///     Err(rejection) => assert_eq!(rejection.code(), "missing_approov_token"),
    /// }
    /// # Ok::<(), approov_core::ConfigError>(())
    /// ```
    pub fn enforce(self) -> Result<Verification, TokenRejection> {
        match self.outcome {
            Err(rejection) if self.policy.mode == Mode::Enforce => Err(rejection),
            outcome => Ok(Verification { outcome, ..self }),
        }
    }

    /// The claims, or why the request failed.
    pub fn into_result(self) -> Result<ApproovClaims, TokenRejection> {
        self.outcome.map(PassedClaims::into_claims)
    }
}

impl fmt::Debug for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verification")
            .field("outcome", &self.outcome)
            .field("binding", &self.binding)
            .field("message_signed", &self.signed)
            .field("mode", &self.mode())
            .finish()
    }
}
