//! What the app says about its own token fetch, `Approov-Status` and
//! `Approov-TraceID`: read only when a check fails, validated before anything is
//! logged, and counted by status.

use std::borrow::Cow;
use std::fmt;

use crate::headers::{trim_ows, RequestHeaders};

/// The request header that carries the Approov SDK's fetch status by default.
pub const DEFAULT_STATUS_HEADER: &str = "approov-status";

/// The request header that carries the Approov SDK's trace ID by default.
pub const DEFAULT_TRACE_ID_HEADER: &str = "approov-traceid";

/// The statuses the vendor's SDKs send (its fetch status, in lower case), counted each
/// on its own; any other well-formed one is counted as `other`, a malformed one as
/// `invalid`.
pub(crate) const KNOWN_STATUSES: &[&str] = &[
    "success",
    "no_network",
    "poor_network",
    "untrusted_network",
    "mitm_detected",
    "no_approov_service",
    "bad_url",
    "unknown_url",
    "unprotected_url",
    "no_network_permission",
    "missing_lib_dependency",
    "internal_error",
    "rejected",
    "disabled",
    "unknown_key",
    "bad_key",
    "bad_payload",
];

/// The longest status logged, and the longest trace ID.
const MAX_STATUS_LEN: usize = 32;
const MAX_TRACE_ID_LEN: usize = 128;

/// The names of the two headers, in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusHeaders {
    status: Cow<'static, str>,
    trace_id: Cow<'static, str>,
}

impl Default for StatusHeaders {
    fn default() -> Self {
        StatusHeaders {
            status: Cow::Borrowed(DEFAULT_STATUS_HEADER),
            trace_id: Cow::Borrowed(DEFAULT_TRACE_ID_HEADER),
        }
    }
}

impl StatusHeaders {
    pub(crate) fn with_status(self, name: &str) -> Self {
        StatusHeaders {
            status: Cow::Owned(name.to_ascii_lowercase()),
            ..self
        }
    }

    pub(crate) fn with_trace_id(self, name: &str) -> Self {
        StatusHeaders {
            trace_id: Cow::Owned(name.to_ascii_lowercase()),
            ..self
        }
    }

    pub(crate) fn status(&self) -> &str {
        &self.status
    }

    pub(crate) fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// What the request says, validated.
    pub(crate) fn read<'h, H: RequestHeaders<'h>>(&self, headers: &H) -> ClientStatus<'h> {
        ClientStatus {
            status: shown(headers.values(&self.status), is_status),
            trace_id: shown(headers.values(&self.trace_id), is_trace_id),
        }
    }
}

/// A header's value as it may be written to a log: valid, or `invalid` (never raw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown<'h> {
    Valid(&'h str),
    Invalid,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Valid(value) => f.write_str(value),
            Shown::Invalid => f.write_str("invalid"),
        }
    }
}

/// The status and trace ID of one request, each `None` when the request has none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ClientStatus<'h> {
    pub(crate) status: Option<Shown<'h>>,
    pub(crate) trace_id: Option<Shown<'h>>,
}

/// The one value of a header as it may be logged: absent or empty is `None`, two
/// values or one `valid` refuses are `invalid`.
fn shown<'h>(
    mut values: impl Iterator<Item = &'h [u8]>,
    valid: fn(&[u8]) -> bool,
) -> Option<Shown<'h>> {
    let value = trim_ows(values.next()?);
    if values.next().is_some() {
        return Some(Shown::Invalid);
    }
    if value.is_empty() {
        return None;
    }
    match std::str::from_utf8(value) {
        Ok(text) if valid(value) => Some(Shown::Valid(text)),
        _ => Some(Shown::Invalid),
    }
}

/// `[a-z_]{1,32}`.
fn is_status(value: &[u8]) -> bool {
    value.len() <= MAX_STATUS_LEN && value.iter().all(|&b| b.is_ascii_lowercase() || b == b'_')
}

/// base64url, padded or not, up to 128 characters.
fn is_trace_id(value: &[u8]) -> bool {
    let unpadded = value
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    value.len() <= MAX_TRACE_ID_LEN
        && value.len() - unpadded <= 2
        && value[..unpadded]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The index of a status in the counters: a known one's place, then `other`, then
/// `invalid`.
pub(crate) fn status_slot(status: Shown<'_>) -> usize {
    match status {
        Shown::Valid(status) => KNOWN_STATUSES
            .iter()
            .position(|known| *known == status)
            .unwrap_or(KNOWN_STATUSES.len()),
        Shown::Invalid => KNOWN_STATUSES.len() + 1,
    }
}

/// The counters' names, in slot order.
pub(crate) fn status_names() -> impl Iterator<Item = &'static str> {
    KNOWN_STATUSES.iter().copied().chain(["other", "invalid"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(status: &[&[u8]], trace: &[&[u8]]) -> ClientStatus<'static> {
        let status: Vec<&'static [u8]> =
            status.iter().map(|v| v.to_vec().leak() as &[u8]).collect();
        let trace: Vec<&'static [u8]> = trace.iter().map(|v| v.to_vec().leak() as &[u8]).collect();
        let headers = move |name: &str| -> Vec<&'static [u8]> {
            match name {
                "approov-status" => status.clone(),
                "approov-traceid" => trace.clone(),
                _ => Vec::new(),
            }
        };
        StatusHeaders::default().read(&headers)
    }

    #[test]
    fn valid_values_are_shown_and_anything_else_is_invalid() {
        let ok = read(&[b"no_network"], &[b"aB3-_x=="]);
        assert_eq!(ok.status, Some(Shown::Valid("no_network")));
        assert_eq!(ok.trace_id, Some(Shown::Valid("aB3-_x==")));
        assert_eq!(read(&[], &[]), ClientStatus::default());
        assert_eq!(read(&[b"  "], &[b""]), ClientStatus::default());
        for bad in [
            b"No_Network".as_slice(),
            b"no network",
            b"no-network",
            b"\x1b[31mred",
            "statut_\u{e9}".as_bytes(),
            &[b'a'; 33],
        ] {
            assert_eq!(read(&[bad], &[]).status, Some(Shown::Invalid), "{bad:?}");
        }
        for bad in [
            b"a+b".as_slice(),
            b"a/b",
            b"a=b",
            b"ab===",
            b"a\nb",
            &[b'a'; 129],
        ] {
            assert_eq!(read(&[], &[bad]).trace_id, Some(Shown::Invalid), "{bad:?}");
        }
        assert_eq!(
            read(&[b"success", b"success"], &[]).status,
            Some(Shown::Invalid)
        );
        assert_eq!(Shown::Invalid.to_string(), "invalid");
    }

    #[test]
    fn statuses_are_counted_in_their_own_slot() {
        let names: Vec<_> = status_names().collect();
        assert_eq!(names[status_slot(Shown::Valid("no_network"))], "no_network");
        assert_eq!(names[status_slot(Shown::Valid("brand_new"))], "other");
        assert_eq!(names[status_slot(Shown::Invalid)], "invalid");
    }
}
