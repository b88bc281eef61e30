//! What the filters extract: the outcome of the check, for the handler.

use std::ops::Deref;

use crate::{ApproovClaims, Verification};

/// The Approov check of one request, as [`token`](crate::token),
/// [`bound_token`](crate::bound_token), [`optional_token`](crate::optional_token) and
/// [`message_signed_token`](crate::message_signed_token) hand it to the handler.
///
/// In the default [`Mode::Enforce`](crate::Mode::Enforce) a request that fails the
/// check never reaches the handler (it is answered 401 `{}`), so
/// [`claims`](Verification::claims) is always `Some`. In
/// [`Mode::Monitor`](crate::Mode::Monitor) every request reaches the handler, which can
/// ask [`passed`](Verification::passed) and [`rejection`](Verification::rejection).
/// All three come through `Deref` to [`Verification`].
///
/// ```
/// use approov_warp::{ApproovToken, ApproovVerifier};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let secret = approov_testkit::TestSecret::new();
/// # let verifier: ApproovVerifier = secret.verifier();
/// let device = warp::path!("device")
///     .and(warp::get())
///     .and(approov_warp::token(verifier))
///     .map(|token: ApproovToken| token.claims().and_then(|c| c.did.clone()).unwrap_or_default());
///
/// # let token = secret.token(60, None);
/// let response = warp::test::request()
///     .path("/device")
///     .header("approov-token", token)
///     .reply(&device.recover(approov_warp::recover))
///     .await;
/// assert_eq!(response.status(), 200);
/// # assert_eq!(response.body(), "ExampleApproovDeviceID==");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ApproovToken(Verification);

impl ApproovToken {
    pub(crate) fn new(verification: Verification) -> Self {
        ApproovToken(verification)
    }

    /// The claims of the valid token, owned; `None` only in monitor mode, for a
    /// request that failed the check. (`token.claims()` borrows them, through `Deref`
    /// to [`Verification`].)
    pub fn into_claims(self) -> Option<ApproovClaims> {
        self.0.into_claims()
    }
}

impl Deref for ApproovToken {
    type Target = Verification;

    fn deref(&self) -> &Verification {
        &self.0
    }
}
