//! Sending a request through `rocket::local::blocking::Client`.

use rocket::http::{Header, Method};
use rocket::local::blocking::{Client, LocalResponse};

use crate::{Case, Observed};

/// Sends one case of the shared table through `client`: its method, target, headers
/// and body.
pub fn case(client: &Client, case: &Case) -> Observed {
    let method: Method = case
        .method
        .parse()
        .unwrap_or_else(|()| panic!("bad test method {}", case.method));
    let request = case
        .header_pairs()
        .iter()
        .fold(
            client.req(method, case.target()),
            |request, (name, value)| {
                request.header(Header::new(
                    name.to_string(),
                    String::from_utf8_lossy(value).into_owned(),
                ))
            },
        )
        .body(case.body.clone());
    observe(request.dispatch())
}

/// Sends `GET path` with `headers` (names may repeat). Rocket holds header values as
/// text, so bytes that are not UTF-8 are sent lossily.
pub fn get(client: &Client, path: &str, headers: &[(&str, &[u8])]) -> Observed {
    let request = headers
        .iter()
        .fold(client.get(path.to_owned()), |request, (name, value)| {
            request.header(Header::new(
                name.to_string(),
                String::from_utf8_lossy(value).into_owned(),
            ))
        });
    observe(request.dispatch())
}

/// What a response says.
pub fn observe(response: LocalResponse<'_>) -> Observed {
    Observed {
        status: response.status().code,
        content_type: response.content_type().map(|c| c.to_string()),
        body: response.into_bytes().unwrap_or_default(),
    }
}
