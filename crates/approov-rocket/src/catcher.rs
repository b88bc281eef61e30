//! What turns an Approov 401 into `{}` as JSON.

use rocket::catcher::{BoxFuture, Catcher};
use rocket::http::{ContentType, Status};
use rocket::response::{Responder, Response};
use rocket::Request;

use crate::guard::refused_by_approov;

/// The catcher that answers a 401 from an Approov guard with
/// `Content-Type: application/json` and the body `{}`. Register it with
/// `rocket.register("/", approov_rocket::catchers())`.
///
/// It is scoped to Approov's own rejections: a 401 that another guard of your app
/// produces gets Rocket's default 401 answer (or your own catcher, registered at a
/// more specific base), as if this one were not there.
pub fn catchers() -> Vec<Catcher> {
    let mut catcher = Catcher::new(401, approov_unauthorized);
    catcher.name = Some("approov_rocket::catchers".into());
    vec![catcher]
}

fn approov_unauthorized<'r>(status: Status, request: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        if refused_by_approov(request) {
            Response::build_from((ContentType::JSON, "{}").respond_to(request)?)
                .status(Status::Unauthorized)
                .ok()
        } else {
            Catcher::default().handler.handle(status, request).await
        }
    })
}
