//! Installation message signing: a request guard for a signature that does not cover
//! the body, and a data guard that reads the body when the signature covers it.

use std::borrow::Cow;
use std::ops::Deref;

use rocket::data::{self, ByteUnit, Data, DataStream, FromData};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::sentinel::Sentinel;
use rocket::{Ignite, Rocket};

use crate::guard::{
    admit, admitted, checked_by, failure, header_values, managed, verifier_missing,
};
use crate::{ApproovClaims, ApproovError, ApproovVerifier, SignedRequest, Verification};

/// A request guard: the request's Approov token passed the check, and the app
/// installation's message signature over the request holds.
///
/// The Approov SDK can sign each request with a key of the app installation, whose
/// public half is in the token's `ipk` claim: an RFC 9421 `install` signature in the
/// `Signature` and `Signature-Input` headers, over the method, the URL, the token and
/// whatever else the app chose. This guard checks the token (as
/// [`ApproovToken`](crate::ApproovToken) does), then that signature (once per
/// request, however many of these guards the route has). A token without `ipk`, a
/// request without a signature or with one that does not verify is refused like a bad
/// token: 401, answered `{}` by
/// [`catchers`](crate::catchers), the reason logged once with its
/// `message_signature_*` code. In monitor mode the handler runs and can ask
/// [`rejection`](Verification::rejection).
///
/// A request guard cannot read the body: a signature that covers `content-digest`
/// (the body's digest) is refused with
/// [`BodyNotProvided`](crate::MessageSignatureError::BodyNotProvided). Use this guard
/// on routes without a body (`GET`, `DELETE`); on routes with one, take a
/// [`SignedBody`] instead, which reads the body and checks it.
///
/// ```
/// use approov_rocket::{ApproovVerifier, MessageSignedToken};
/// use rocket::local::blocking::Client;
///
/// #[rocket::get("/shapes")]
/// fn shapes(_token: MessageSignedToken) -> &'static str {
///     "a request the app installation signed"
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .register("/", approov_rocket::catchers())
///     .mount("/", rocket::routes![shapes]);
/// let client = Client::tracked(rocket)?;
/// let response = client.get("/shapes").dispatch(); // no token, no signature
/// assert_eq!(response.status().code, 401);
/// assert_eq!(response.into_string().as_deref(), Some("{}"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MessageSignedToken(Verification);

impl MessageSignedToken {
    /// The token's claims: `None` only in monitor mode, for a request that failed.
    pub fn claims(&self) -> Option<&ApproovClaims> {
        self.0.claims()
    }

    /// The token's claims, owned: `None` only in monitor mode, for a request that failed.
    pub fn into_claims(self) -> Option<ApproovClaims> {
        self.0.into_result().ok()
    }
}

impl Deref for MessageSignedToken {
    type Target = Verification;

    fn deref(&self) -> &Verification {
        &self.0
    }
}

/// A data guard: the request's Approov token passed the check, the app installation's
/// message signature over the request holds, and the request's body, read once, for
/// the handler.
///
/// As [`MessageSignedToken`], and it reads the body: at most the message-signing
/// body limit ([`MessageSigning::max_body_len`](crate::MessageSigning::max_body_len),
/// 1 MiB by default, `APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES`). When the signature
/// covers `content-digest`, the body must match the digest, and a longer body is
/// refused with 401 and the reason
/// [`BodyTooLarge`](crate::MessageSignatureError::BodyTooLarge). The handler gets the
/// very bytes that were checked, never part of a body: a body over the limit that
/// was not refused (monitor mode, or a signature that does not cover the body) fails
/// the request with 413 ([`ApproovError::PayloadTooLarge`]).
///
/// The token is checked before the body is read: a request without a valid token is
/// refused without reading it. Parse the bytes yourself (with `serde_json`, say):
/// Rocket gives a data guard no way to hand the body on to another one, such as
/// `Json<T>`.
///
/// ```
/// use approov_rocket::{ApproovVerifier, SignedBody};
/// use rocket::local::blocking::Client;
///
/// #[rocket::post("/orders", data = "<order>")]
/// fn create_order(order: SignedBody) -> String {
///     format!("an order of {} signed bytes", order.bytes().len())
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .register("/", approov_rocket::catchers())
///     .mount("/", rocket::routes![create_order]);
/// let client = Client::tracked(rocket)?;
/// let response = client.post("/orders").body(r#"{"amount":42}"#).dispatch(); // not signed
/// assert_eq!(response.status().code, 401);
/// assert_eq!(response.into_string().as_deref(), Some("{}"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SignedBody {
    token: MessageSignedToken,
    body: Vec<u8>,
}

impl SignedBody {
    /// The token, and how its checks went (in monitor mode the handler runs whatever
    /// the outcome: ask [`rejection`](Verification::rejection)).
    pub fn token(&self) -> &MessageSignedToken {
        &self.token
    }

    /// The token's claims: `None` only in monitor mode, for a request that failed.
    pub fn claims(&self) -> Option<&ApproovClaims> {
        self.token.claims()
    }

    /// The request's body.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The request's body, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.body
    }

    /// The token and the body.
    pub fn into_parts(self) -> (MessageSignedToken, Vec<u8>) {
        (self.token, self.body)
    }
}

impl AsRef<[u8]> for SignedBody {
    fn as_ref(&self) -> &[u8] {
        &self.body
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MessageSignedToken {
    type Error = ApproovError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovError> {
        admit(request, signature_checked(request)).map(MessageSignedToken)
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for SignedBody {
    type Error = ApproovError;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        match signed_body(request, data).await {
            Ok(signed) => data::Outcome::Success(signed),
            Err(failure) => data::Outcome::Error(failure),
        }
    }
}

async fn signed_body(
    request: &Request<'_>,
    data: Data<'_>,
) -> Result<SignedBody, (Status, ApproovError)> {
    let verifier = managed(request).map_err(|error| failure(request, error))?;
    // The token first: a refused one is refused before the body is read.
    let token = admitted(request, Ok(checked_by(request, verifier)))?;
    let signing = verifier.message_signing();
    let limit = signing.max_body_len();
    // One byte over the limit is enough to know that a body is too long.
    let body = data.open(ByteUnit::from(limit.saturating_add(1)));
    let (verification, body) = if signing.needs_body(|name| header_values(request, name)) {
        let body = read(request, body).await?;
        let signed = sign(request, verifier, token, Some(&body));
        (admitted(request, Ok(signed))?, body)
    } else {
        // Shared with a `MessageSignedToken` of the same route: checked and logged once.
        let signed = admitted(request, signature_checked(request))?;
        (signed, read(request, body).await?)
    };
    if body.len() > limit {
        return Err(failure(request, ApproovError::PayloadTooLarge));
    }
    Ok(SignedBody {
        token: MessageSignedToken(verification),
        body,
    })
}

async fn read(
    request: &Request<'_>,
    body: DataStream<'_>,
) -> Result<Vec<u8>, (Status, ApproovError)> {
    match body.into_bytes().await {
        Ok(bytes) => Ok(bytes.into_inner()),
        Err(error) => Err(failure(request, ApproovError::BodyUnreadable(error.kind()))),
    }
}

impl Sentinel for MessageSignedToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

impl Sentinel for SignedBody {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        verifier_missing(rocket)
    }
}

/// The token check with the message signature checked too, without the body, at most
/// once per request, in either mode: a public-key signature costs far more than the
/// cache entry (unlike the token's HMAC, see `guard::kept`). Private: nothing outside
/// this crate can put one in the request's cache.
struct SignatureChecked(Result<Verification, ApproovError>);

fn signature_checked(request: &Request<'_>) -> Result<Verification, ApproovError> {
    request
        .local_cache(|| {
            SignatureChecked(
                managed(request)
                    .map(|verifier| sign(request, verifier, checked_by(request, verifier), None)),
            )
        })
        .0
        .clone()
}

/// `token` with the request's message signature checked (a failure logged), as the
/// client addressed the request: the method Rocket routes with, the configured scheme
/// (Rocket keeps no scheme of the request line), the `Host` header (HTTP/2's
/// `:authority` when there is none), and the path and query as received, not decoded.
fn sign(
    request: &Request<'_>,
    verifier: &ApproovVerifier,
    token: Verification,
    body: Option<&[u8]>,
) -> Verification {
    if !token.passed() {
        return token; // The token's rejection stands; there is no key to check with.
    }
    let authority = match request.headers().get_one("host") {
        Some(host) => Cow::Borrowed(host),
        None => request
            .host()
            .map_or(Cow::Borrowed(""), |host| Cow::Owned(host.to_string())),
    };
    let uri = request.uri();
    let target = match uri.query() {
        Some(query) => Cow::Owned(format!("{}?{}", uri.path().as_str(), query.as_str())),
        None => Cow::Borrowed(uri.path().as_str()),
    };
    let signed = SignedRequest::new(
        request.method().as_str(),
        verifier.message_signing().scheme(),
        &authority,
        &target,
        |name: &str| header_values(request, name),
    );
    match body {
        Some(body) => token.message_signed(&signed.with_body(body)),
        None => token.message_signed(&signed),
    }
}
