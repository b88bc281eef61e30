//! What turns an Approov 401 into `{}` as JSON.

use rocket::catcher::{BoxFuture, Catcher};
use rocket::http::{ContentType, Status};
use std::io::Cursor;

use rocket::response::Response;
use rocket::Request;

use crate::guard::refused_by_approov;

/// The catcher that answers a 401 from an Approov guard with status 401,
/// `Content-Type: application/json` and the body `{}`. Register it with
/// `.register("/", approov_rocket::catchers())`.
///
/// It is scoped to Approov's own refusals: a 401 that another guard of your app
/// produces gets Rocket's default 401 answer, as if this catcher were not there. To
/// answer Approov's refusals differently, register your own `#[catch(401)]` instead
/// (every refusal is a 401), or take `Result<ApproovToken, ApproovError>` in a handler.
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
/// # std::env::set_var("APPROOV_BASE64URL_SECRET", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ");
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
    let mut catcher = Catcher::new(401, approov_unauthorized);
    catcher.name = Some("approov_rocket::catchers".into());
    vec![catcher]
}

fn approov_unauthorized<'r>(status: Status, request: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        if refused_by_approov(request) {
            // Built directly: the same answer as `(ContentType::JSON, "{}")`, without
            // a responder's response merged into another (a flood is answered here).
            Response::build()
                .status(Status::Unauthorized)
                .header(ContentType::JSON)
                .sized_body(EMPTY_JSON.len(), Cursor::new(EMPTY_JSON))
                .ok()
        } else {
            Catcher::default().handler.handle(status, request).await
        }
    })
}

const EMPTY_JSON: &str = "{}";
