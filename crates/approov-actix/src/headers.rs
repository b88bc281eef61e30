//! A request's headers as approov-core reads them: the one place the adapter touches
//! actix-web's header map for a check.

use actix_web::http::header::{HeaderMap, HeaderValue};
use approov_core::RequestHeaders;

/// An actix-web [`HeaderMap`] as the checks read it: every value of a header, in the
/// order received. `.lookup()` gives the function the core's entry points take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Headers<'h>(pub(crate) &'h HeaderMap);

impl<'h> RequestHeaders<'h> for Headers<'h> {
    type Values = HeaderValues<'h>;

    fn values(&self, name: &str) -> HeaderValues<'h> {
        HeaderValues(self.0.get_all(name))
    }
}

/// Every value of one header of a [`HeaderMap`], as raw bytes, in order.
#[derive(Debug)]
pub(crate) struct HeaderValues<'h>(std::slice::Iter<'h, HeaderValue>);

impl<'h> Iterator for HeaderValues<'h> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        self.0.next().map(HeaderValue::as_bytes)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}
