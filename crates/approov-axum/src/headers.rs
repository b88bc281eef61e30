//! How the adapter hands a request's headers to approov-core: as an `http::HeaderMap`,
//! which the core reads itself (its `http` feature).

use approov_core::{HttpHeaderValues, RequestHeaders};
use axum::http::request::Parts;

/// The request's headers, as the core reads them.
pub(crate) fn headers<'r>(parts: &'r Parts) -> impl Fn(&str) -> HttpHeaderValues<'r> + Copy + 'r {
    (&parts.headers).lookup()
}
