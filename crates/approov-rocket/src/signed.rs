//! Installation message signing: a request guard for a signature that does not cover
//! the body, and a data guard that also reads the body (for the check when the
//! signature covers it, for the handler either way).

use std::borrow::Cow;
use std::io;
use std::ops::Deref;

use rocket::data::{self, ByteUnit, Capped, Data, DataStream, FromData, Limits};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::sentinel::Sentinel;
use rocket::tokio::io::AsyncReadExt as _;
use rocket::{Ignite, Rocket};

use crate::guard::{admit, admitted, checked_by, managed, verifier_missing};
use crate::headers::headers;
use crate::rejection::failure;
use crate::{ApproovClaims, ApproovRejection, SignedRequest, Verification};

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
/// token: 401, answered `{}` by [`catchers`](crate::catchers), the reason logged once
/// with its `message_signature_*` code. In monitor mode the handler runs and can ask
/// [`rejection`](Verification::rejection). The request is checked as Rocket received
/// it, addressed by approov-core's rule (the configured scheme, the `Host` header),
/// the same in every approov-rs adapter.
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
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
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
    /// The token's claims, owned: `None` only in monitor mode, for a request that
    /// failed. (`token.claims()` borrows them, through `Deref` to [`Verification`].)
    pub fn into_claims(self) -> Option<ApproovClaims> {
        self.0.into_claims()
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
/// As [`MessageSignedToken`], and it reads the body, after the token is checked (a
/// request without a valid token is refused without reading it). The handler gets
/// the whole body, never part of one. What is read, and how far, depends on whether
/// the signature covers the body (its `content-digest`):
///
/// - **Covered**: the body is read for the check, at most to the message-signing body
///   limit ([`MessageSigning::max_body_len`](crate::MessageSigning::max_body_len),
///   1 MiB by default, `APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES`), and must match
///   the digest. A longer body is refused with 413
///   (`message_signature_body_too_large`), one that cannot be read with 400
///   (`message_signature_body_unreadable`), answered `{}` by
///   [`catchers`](crate::catchers). In monitor mode, which lets a failed check
///   through as if the route were unprotected, the body is then read on, up to the
///   larger of that limit and Rocket's `bytes` data limit, and the handler gets it
///   whole (a longer body fails the request with 413,
///   [`ApproovRejection::PayloadTooLarge`]; one that cannot be read with 400,
///   [`ApproovRejection::BodyUnreadable`]): the handler gets no part of a body.
/// - **Not covered**: the check does not read the body. It is read for the handler as
///   Rocket reads a `Vec<u8>` data guard, up to Rocket's `bytes` data limit (8 KiB
///   unless the app raises it: `limits.bytes` in `Rocket.toml`, or
///   `ROCKET_LIMITS={bytes="10MiB"}`); a longer body fails the request with 413
///   ([`ApproovRejection::PayloadTooLarge`]), one that cannot be read with 400
///   ([`ApproovRejection::BodyUnreadable`]), answered `{}` too.
///
/// Parse the bytes yourself (with `serde_json`, say): Rocket gives a data guard no
/// way to hand the body on to another one, such as `Json<T>`.
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
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
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
    type Error = ApproovRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApproovRejection> {
        let verification = managed(request)
            .map(|verifier| signature_checked(request, || checked_by(request, verifier)));
        admit(request, verification).map(MessageSignedToken)
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for SignedBody {
    type Error = ApproovRejection;

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
) -> Result<SignedBody, (Status, ApproovRejection)> {
    let verifier = managed(request).map_err(|rejection| failure(request, rejection))?;
    // The token first: a refused one is refused before the body is read.
    let token = admitted(request, Ok(checked_by(request, verifier)))?;
    let signing = verifier.message_signing();
    // What a handler is given at most, as Rocket's own `Vec<u8>` data guard reads a body.
    let handler_limit = request.limits().get("bytes").unwrap_or(Limits::BYTES);
    let (verification, read) = if signing.needs_body(headers(request)) {
        // One byte over the limit is enough for the core to see a body is too long.
        let checked = signing.max_body_len().saturating_add(1);
        let limit = handler_limit.max(ByteUnit::from(checked));
        let mut stream = data.open(limit);
        let mut bytes = Vec::new();
        let first = (&mut stream)
            .take(u64::try_from(checked).unwrap_or(u64::MAX))
            .read_to_end(&mut bytes)
            .await;
        let body = match &first {
            Ok(_) => Body::Read(&bytes),
            Err(_) => Body::Unreadable,
        };
        let verification = admitted(request, Ok(sign(request, token, body)))?;
        // Let through (it passed, or monitor mode lets a failure on as if the route were
        // unprotected): the handler gets the whole body, read on past the check's limit.
        let read = match first {
            Ok(_) if bytes.len() < checked => {
                let len = bytes.len();
                Ok(Capped::complete(bytes, len))
            }
            Ok(_) => read_on(stream, bytes).await,
            Err(error) => Err(error),
        };
        (verification, read)
    } else {
        // Shared with a `MessageSignedToken` of the same route: checked and logged once.
        let verification = admitted(request, Ok(signature_checked(request, || token)))?;
        // Read as Rocket's own `Vec<u8>` data guard reads a body.
        let limit = request.limits().get("bytes").unwrap_or(Limits::BYTES);
        (verification, data.open(limit).into_bytes().await)
    };
    Ok(SignedBody {
        token: MessageSignedToken(verification),
        body: whole(request, read)?,
    })
}

/// `read` and the rest of `stream`, as much as its limit lets through.
async fn read_on(stream: DataStream<'_>, mut read: Vec<u8>) -> io::Result<Capped<Vec<u8>>> {
    let rest = stream.into_bytes().await?;
    let complete = rest.is_complete();
    read.extend_from_slice(&rest.value);
    let written = u64::try_from(read.len()).unwrap_or(u64::MAX);
    Ok(Capped::new(read, rocket::data::N { written, complete }))
}

/// The body, when all of it was read.
fn whole(
    request: &Request<'_>,
    read: io::Result<Capped<Vec<u8>>>,
) -> Result<Vec<u8>, (Status, ApproovRejection)> {
    match read {
        Ok(body) if body.is_complete() => Ok(body.into_inner()),
        Ok(_) => Err(failure(request, ApproovRejection::PayloadTooLarge)),
        Err(error) => Err(failure(
            request,
            ApproovRejection::BodyUnreadable(error.kind()),
        )),
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
struct SignatureChecked(Verification);

/// The message signature of this request checked (without the body) for the token
/// `checked`, unless it already was.
fn signature_checked(
    request: &Request<'_>,
    checked: impl FnOnce() -> Verification,
) -> Verification {
    request
        .local_cache(|| SignatureChecked(sign(request, checked(), Body::NotRead)))
        .0
        .clone()
}

/// What [`sign`] is given of the body.
enum Body<'b> {
    /// Nothing: the signature does not cover the body.
    NotRead,
    /// What was read of the body the signature covers.
    Read(&'b [u8]),
    /// Reading the body the signature covers failed.
    Unreadable,
}

/// `token` with the request's message signature checked (a failure logged), over the
/// request as Rocket received it; the core addresses it. Rocket keeps no scheme and
/// gives the target in origin form: the core takes the configured scheme and the
/// `Host` header, or without one (HTTP/2) the `:authority` Rocket keeps as its host.
/// The path and query are as received, not decoded.
fn sign(request: &Request<'_>, token: Verification, body: Body<'_>) -> Verification {
    if !token.passed() {
        // The token's rejection stands: nothing to check, no request to build.
        return token;
    }
    let headers = headers(request);
    let authority = match headers("host").next() {
        Some(_) => None,
        None => request.host().map(ToString::to_string),
    };
    let uri = request.uri();
    let target = match uri.query() {
        Some(query) => Cow::Owned(format!("{}?{}", uri.path().as_str(), query.as_str())),
        None => Cow::Borrowed(uri.path().as_str()),
    };
    let received = SignedRequest::received(
        request.method().as_str(),
        None,
        authority.as_deref(),
        &target,
        headers,
    );
    let received = match body {
        Body::NotRead => received,
        Body::Read(body) => received.with_body(body),
        Body::Unreadable => received.with_unreadable_body(),
    };
    let received = if method_may_be_rewritten(request) {
        received.with_method_hidden()
    } else {
        received
    };
    token.message_signed(&received)
}

/// Whether Rocket may have rewritten this request's method before any guard ran: it
/// turns a `POST` whose form body starts with `_method=` into that method, and leaves
/// no trace of it. A request that now has another method than `POST`, a form content
/// type and a body may be one (a genuine `PUT` of a form is refused with it, when its
/// signature covers `@method`: rare, and safe).
fn method_may_be_rewritten(request: &Request<'_>) -> bool {
    let is_form = request.content_type().is_some_and(|ct| ct.is_form());
    let has_body = request
        .headers()
        .get_one("content-length")
        .is_some_and(|length| length.trim() != "0")
        || request.headers().contains("transfer-encoding");
    is_form && has_body && request.method() != rocket::http::Method::Post
}
