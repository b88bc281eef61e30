//! A request's headers as approov-core reads them: the one thing this crate gives the
//! core of a request besides its method and target.

use std::borrow::Cow;

use approov_core::RequestHeaders;
use rocket::http::{Header, HeaderMap};
use rocket::Request;

/// A request's headers, for the checks: every value of a name, in order, whatever
/// the name's case.
#[derive(Clone, Copy)]
pub(crate) struct Headers<'r>(&'r HeaderMap<'r>);

impl<'r> RequestHeaders<'r> for Headers<'r> {
    type Values = HeaderValues<'r>;

    /// Found by comparing names, not with [`HeaderMap::get`]: Rocket's map hashes a
    /// name with SipHash one byte at a time, which costs more than comparing it with
    /// the few names a request has. A name with more than one value (rare, and
    /// refused for the token) is left to Rocket's own lookup.
    fn values(&self, name: &str) -> HeaderValues<'r> {
        let map = self.0;
        let mut matching = map.iter().filter(|header| header.name() == name);
        match (matching.next(), matching.next()) {
            (None, _) => HeaderValues::One(None),
            (
                Some(Header {
                    value: Cow::Borrowed(value),
                    ..
                }),
                None,
            ) => HeaderValues::One(Some(value)),
            _ => HeaderValues::Several(map.get(name).collect::<Vec<_>>().into_iter()),
        }
    }
}

/// Every value of one header, as raw bytes.
pub(crate) enum HeaderValues<'r> {
    /// None, or the only one.
    One(Option<&'r str>),
    /// More than one.
    Several(std::vec::IntoIter<&'r str>),
}

impl<'r> Iterator for HeaderValues<'r> {
    type Item = &'r [u8];

    fn next(&mut self) -> Option<&'r [u8]> {
        match self {
            HeaderValues::One(value) => value.take(),
            HeaderValues::Several(values) => values.next(),
        }
        .map(str::as_bytes)
    }
}

/// The request's headers as the core takes them (see [`RequestHeaders::lookup`]).
pub(crate) fn headers<'r>(
    request: &'r Request<'_>,
) -> impl Fn(&str) -> HeaderValues<'r> + Copy + 'r {
    Headers(request.headers()).lookup()
}

#[cfg(test)]
mod tests {
    use super::headers;
    use rocket::http::Header;
    use rocket::local::blocking::Client;

    #[test]
    fn every_value_of_a_name_in_any_case_in_order() {
        let client = Client::untracked(rocket::build()).unwrap();
        let request = client
            .get("/")
            .header(Header::new("Authorization", "first"))
            .header(Header::new("Approov-Token", "token"))
            .header(Header::new("authorization", "second"))
            .header(Header::new("X-Other", "other"));
        let values = |name| headers(request.inner())(name).collect::<Vec<&[u8]>>();
        assert_eq!(values("approov-token"), [b"token"]);
        assert_eq!(values("APPROOV-TOKEN"), [b"token"]);
        assert_eq!(values("Authorization"), [&b"first"[..], b"second"]);
        assert!(values("approov-tokens").is_empty());
        assert!(values("approov").is_empty());
    }
}
