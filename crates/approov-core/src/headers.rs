//! How the checks read a request's headers, whatever the framework: the one thing an
//! adapter implements for its header map.

/// A request's headers as the checks read them: every value the request has for a
/// header name, in the order received, as raw bytes.
///
/// The checks ask for lower-case names: the token header, the bound headers, and for
/// message signing `signature`, `signature-input`, `content-digest`, `host` and the
/// covered headers. Every value counts: a header that appears twice is seen twice (a
/// second token or a second bound header is refused), so an implementation must not
/// keep only the first. An adapter implements it for its framework's header map; a
/// closure `Fn(&str) -> I` (with `I` yielding `&[u8]`) is one too, and with the
/// `http` feature so is `&http::HeaderMap`.
///
/// ```
/// use approov_core::RequestHeaders;
///
/// let headers = |name: &str| -> Vec<&[u8]> {
///     match name {
///         "authorization" => vec![b"Bearer a".as_slice(), b"Bearer b".as_slice()],
///         _ => vec![],
///     }
/// };
/// assert_eq!(headers.values("authorization").count(), 2);
/// assert_eq!(headers.values("approov-token").next(), None);
/// ```
pub trait RequestHeaders<'h> {
    /// The values of one header.
    type Values: Iterator<Item = &'h [u8]>;

    /// Every value the request has for the header `name` (lower case), in order.
    fn values(&self, name: &str) -> Self::Values;

    /// These headers as the checks take them: a function from a lower-case name to
    /// every value of it (what [`ApproovVerifier::check_request`](crate::ApproovVerifier::check_request),
    /// [`Verification::bound_to`](crate::Verification::bound_to) and
    /// [`SignedRequest`](crate::SignedRequest) are given).
    fn lookup(self) -> impl Fn(&str) -> Self::Values + Copy
    where
        Self: Sized + Copy,
    {
        move |name| self.values(name)
    }
}

impl<'h, F, I> RequestHeaders<'h> for F
where
    F: Fn(&str) -> I,
    I: IntoIterator<Item = &'h [u8]>,
{
    type Values = I::IntoIter;

    fn values(&self, name: &str) -> I::IntoIter {
        self(name).into_iter()
    }
}

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl<'h> RequestHeaders<'h> for &'h http::HeaderMap {
    type Values = HttpHeaderValues<'h>;

    fn values(&self, name: &str) -> HttpHeaderValues<'h> {
        /// The token header, asked for on every request, by its name parsed once.
        const TOKEN_HEADER: http::HeaderName =
            http::HeaderName::from_static(crate::token_header::DEFAULT_TOKEN_HEADER);
        let values = if name == crate::token_header::DEFAULT_TOKEN_HEADER {
            self.get_all(&TOKEN_HEADER)
        } else {
            self.get_all(name)
        };
        HttpHeaderValues(values.into_iter())
    }
}

/// Every value of one header of an [`http::HeaderMap`], as raw bytes, in order.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[derive(Debug)]
pub struct HttpHeaderValues<'h>(http::header::ValueIter<'h, http::HeaderValue>);

#[cfg(feature = "http")]
impl<'h> Iterator for HttpHeaderValues<'h> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        self.0.next().map(http::HeaderValue::as_bytes)
    }
}

/// A field value without its surrounding optional whitespace (RFC 9110 §5.5 and §5.6.3:
/// spaces and tabs), as an HTTP/1.1 parser hands it over and HTTP/2 may not: every
/// value a check reads (the token, a bound header, a covered one) is trimmed alike,
/// whatever the protocol.
pub(crate) fn trim_ows(value: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}
