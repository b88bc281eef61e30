//! The signature base of RFC 9421 §2.5: the exact bytes the client signed.

use sfv::{InnerList, ListSerializer};

use super::input::Component;
use super::request::Address;
use super::{Error, SignedRequest};
use crate::headers::{trim_ows, RequestHeaders};

/// Builds the signature base for `components` (parsed from `input`) over `request`.
///
/// One line per component, `"<name>": <value>`, then `"@signature-params": ` and the
/// inner list re-serialized from its parsed form. Lines end with `\n`; the last has none.
pub(crate) fn signature_base<'h, H: RequestHeaders<'h>>(
    components: &[Component],
    input: &InnerList,
    request: &SignedRequest<'_, H>,
    address: &Address<'_>,
) -> Result<Vec<u8>, Error> {
    let mut base = Vec::with_capacity(512);
    for component in components {
        base.push(b'"');
        base.extend_from_slice(component_name(component).as_bytes());
        base.extend_from_slice(b"\": ");
        let start = base.len();
        write_value(&mut base, component, request, address)?;
        // A line break in a value would forge another line of the base (§2.5).
        if base[start..].iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(Error::Malformed("a covered value holds a line break"));
        }
        base.push(b'\n');
    }
    base.extend_from_slice(b"\"@signature-params\": ");
    base.extend_from_slice(signature_params(input).as_bytes());
    Ok(base)
}

fn component_name(component: &Component) -> &str {
    match component {
        Component::Method => "@method",
        Component::TargetUri => "@target-uri",
        Component::Authority => "@authority",
        Component::Scheme => "@scheme",
        Component::RequestTarget => "@request-target",
        Component::Path => "@path",
        Component::Query => "@query",
        Component::Field(name) => name,
    }
}

/// The value of `@signature-params`: the inner list with its parameters (§2.3).
pub(crate) fn signature_params(input: &InnerList) -> String {
    let mut out = String::with_capacity(128);
    let mut list = ListSerializer::with_buffer(&mut out);
    {
        let mut inner = list.inner_list();
        inner.items(&input.items);
        let _ = inner.finish().parameters(&input.params);
    }
    // A list of one inner list is never empty, so `finish` has output.
    let _ = list.finish();
    out
}

fn write_value<'h, H: RequestHeaders<'h>>(
    base: &mut Vec<u8>,
    component: &Component,
    request: &SignedRequest<'_, H>,
    address: &Address<'_>,
) -> Result<(), Error> {
    match component {
        Component::Method => base.extend_from_slice(request.method.as_bytes()),
        Component::TargetUri => {
            write_scheme(base, address.scheme);
            base.extend_from_slice(b"://");
            write_authority(base, address.scheme, address.authority);
            write_request_target(base, request);
        }
        Component::Authority => write_authority(base, address.scheme, address.authority),
        Component::Scheme => write_scheme(base, address.scheme),
        Component::RequestTarget => write_request_target(base, request),
        Component::Path => write_path(base, request.path),
        Component::Query => {
            // §2.2.7: the leading `?` stays, and an absent query is `?` alone.
            base.push(b'?');
            base.extend_from_slice(request.query.unwrap_or_default().as_bytes());
        }
        Component::Field(name) => write_field(base, request.headers.values(name))?,
    }
    Ok(())
}

fn write_scheme(base: &mut Vec<u8>, scheme: &str) {
    base.extend(scheme.bytes().map(|b| b.to_ascii_lowercase()));
}

/// §2.2.3: the authority normalized as RFC 9110 §4.2.3 says: lower case, and no port
/// when it is the scheme's default.
fn write_authority(base: &mut Vec<u8>, scheme: &str, authority: &str) {
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        Some(":443")
    } else if scheme.eq_ignore_ascii_case("http") {
        Some(":80")
    } else {
        None
    };
    let authority = default_port
        .and_then(|port| authority.strip_suffix(port))
        .unwrap_or(authority);
    base.extend(authority.bytes().map(|b| b.to_ascii_lowercase()));
}

/// §2.2.6: an empty path is `/`.
fn write_path(base: &mut Vec<u8>, path: &str) {
    if path.is_empty() {
        base.push(b'/');
    } else {
        base.extend_from_slice(path.as_bytes());
    }
}

fn write_request_target<F>(base: &mut Vec<u8>, request: &SignedRequest<'_, F>) {
    write_path(base, request.path);
    if let Some(query) = request.query {
        base.push(b'?');
        base.extend_from_slice(query.as_bytes());
    }
}

/// §2.1: every value trimmed of surrounding whitespace, joined with `, `.
fn write_field<'h, I>(base: &mut Vec<u8>, values: I) -> Result<(), Error>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let mut any = false;
    for value in values {
        if any {
            base.extend_from_slice(b", ");
        }
        any = true;
        base.extend_from_slice(trim_ows(value));
    }
    if any {
        Ok(())
    } else {
        Err(Error::CoveredHeaderMissing)
    }
}
