//! What turns an Approov refusal into `{}` as JSON.

use std::io::Cursor;

use rocket::catcher::{BoxFuture, Catcher};
use rocket::http::{ContentType, Status};
use rocket::response::Response;
use rocket::Request;

use crate::rejection::refused_by_approov;

/// The catchers that answer an Approov guard's refusal with its status,
/// `Content-Type: application/json` and the body `{}`: 401 for a refused token, 413
/// and 400 for a signed body over the limit or unreadable (see
/// [`ApproovRejection::status`](crate::ApproovRejection::status)). Register them with
/// `.register("/", approov_rocket::catchers())`.
///
/// They are scoped to Approov's own refusals: a 401, 400 or 413 that anything else
/// produces (another guard of your app, Rocket's own data limits) gets Rocket's default
/// answer, as if these catchers were not there. To answer Approov's refusals
/// differently, register your own `#[catch(401)]` (and 413, 400) instead, or take
/// `Result<ApproovToken, ApproovRejection>` in a handler.
///
/// ```
/// use approov_rocket::{ApproovToken, ApproovVerifier};
/// use rocket::http::ContentType;
/// use rocket::local::blocking::Client;
///
/// #[rocket::get("/hello")]
/// fn hello(_token: ApproovToken) -> &'static str {
///     "hello"
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE");
/// let rocket = rocket::build()
///     .manage(ApproovVerifier::from_env()?)
///     .register("/", approov_rocket::catchers())
///     .mount("/", rocket::routes![hello]);
/// let client = Client::tracked(rocket)?;
/// let response = client.get("/hello").dispatch();
/// assert_eq!(response.status().code, 401);
/// assert_eq!(response.content_type(), Some(ContentType::JSON));
/// assert_eq!(response.into_string().as_deref(), Some("{}"));
/// # Ok(())
/// # }
/// ```
pub fn catchers() -> Vec<Catcher> {
    [401, 413, 400]
        .into_iter()
        .map(|code| {
            let mut catcher = Catcher::new(code, approov_refusal);
            catcher.name = Some("approov_rocket::catchers".into());
            catcher
        })
        .collect()
}

fn approov_refusal<'r>(status: Status, request: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        if refused_by_approov(request) {
            // Built directly: the same answer as `(status, (ContentType::JSON, "{}"))`,
            // without a responder's response merged into another (a flood is answered
            // here).
            Response::build()
                .status(status)
                .header(ContentType::JSON)
                .sized_body(EMPTY_JSON.len(), Cursor::new(EMPTY_JSON))
                .ok()
        } else {
            Catcher::default().handler.handle(status, request).await
        }
    })
}

const EMPTY_JSON: &str = "{}";
