//! The names of the environment variables every setting is read from.

/// The environment variable that holds the Approov secret in standard base64, as
/// `approov secret -get base64` prints it.
pub const BASE64_SECRET_VAR: &str = "APPROOV_BASE64_SECRET";

/// The environment variable that holds the Approov secret in base64url, padded or
/// not, as `approov secret -get base64url` prints it.
pub const BASE64URL_SECRET_VAR: &str = "APPROOV_BASE64URL_SECRET";

/// The environment variable that holds a JWKS document inline (`{"keys":[...]}`): the
/// public keys of an Approov keyset.
pub const JWKS_VAR: &str = "APPROOV_JWKS";

/// The environment variable that holds the path of a JWKS file.
pub const JWKS_FILE_VAR: &str = "APPROOV_JWKS_FILE";

/// The environment variable that holds an `https` URL (or `http` to a loopback
/// address) of a JWKS, fetched at start-up and refreshed in the background. Needs the
/// `jwks-url` feature.
pub const JWKS_URL_VAR: &str = "APPROOV_JWKS_URL";

/// The environment variable that sets how often, in seconds, the JWKS at
/// `APPROOV_JWKS_URL` is fetched again (default [`DEFAULT_JWKS_REFRESH_SECS`]).
pub const JWKS_REFRESH_VAR: &str = "APPROOV_JWKS_REFRESH_SECS";

/// How often, in seconds, the JWKS at `APPROOV_JWKS_URL` is fetched again by default.
pub const DEFAULT_JWKS_REFRESH_SECS: u64 = 300;

/// The environment variable that selects the [`Mode`](crate::Mode): `enforce` (the default) or
/// `monitor`.
pub const MODE_VAR: &str = "APPROOV_MODE";

/// The environment variable that bounds how many lines each failure code may log
/// per second: a number, or `unlimited`.
pub const LOG_LINES_VAR: &str = "APPROOV_LOG_LINES_PER_SECOND";

/// The oldest a message signature's `created` may be, in seconds (default 300).
pub const MESSAGE_SIGNATURE_MAX_AGE_VAR: &str = "APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS";
/// How far a message signature's `created` may be in the future, and its `expires` in
/// the past, in seconds (default 60).
pub const MESSAGE_SIGNATURE_CLOCK_SKEW_VAR: &str = "APPROOV_MESSAGE_SIGNATURE_CLOCK_SKEW_SECS";
/// The largest body read to check a message signature's `content-digest`, in bytes
/// (default 1 MiB).
pub const MESSAGE_SIGNATURE_MAX_BODY_VAR: &str = "APPROOV_MESSAGE_SIGNATURE_MAX_BODY_BYTES";

/// The scheme clients address the API with, for message signatures: `http`
/// (default) or `https` (behind a proxy that terminates TLS).
pub const MESSAGE_SIGNATURE_SCHEME_VAR: &str = "APPROOV_MESSAGE_SIGNATURE_SCHEME";

/// The account message signing key, base64url (padded or not), as `approov secret
/// -messageSigningKey get-base64url` prints it: checks `account` signatures.
pub const ACCOUNT_MESSAGE_SIGNING_KEY_VAR: &str = "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY";

/// Which message signatures a request must carry: `install`, `account`, `either` or
/// `both` (default `install` without an account key, `either` with one).
pub const MESSAGE_SIGNATURE_REQUIRE_VAR: &str = "APPROOV_MESSAGE_SIGNATURE_REQUIRE";

/// The request header that carries the token (default `Approov-Token`).
pub const TOKEN_HEADER_VAR: &str = "APPROOV_TOKEN_HEADER";

/// A prefix the token header's value starts with (`Bearer `); none by default.
pub const TOKEN_PREFIX_VAR: &str = "APPROOV_TOKEN_PREFIX";

/// The request header that carries the SDK's fetch status (default `Approov-Status`).
pub const STATUS_HEADER_VAR: &str = "APPROOV_STATUS_HEADER";

/// The request header that carries the SDK's trace ID (default `Approov-TraceID`).
pub const TRACE_ID_HEADER_VAR: &str = "APPROOV_TRACE_ID_HEADER";

/// Every `APPROOV_` variable read, so that a misspelt one is pointed out at start-up.
pub(crate) const KNOWN_VARS: &[&str] = &[
    BASE64_SECRET_VAR,
    BASE64URL_SECRET_VAR,
    JWKS_VAR,
    JWKS_FILE_VAR,
    JWKS_URL_VAR,
    JWKS_REFRESH_VAR,
    MODE_VAR,
    LOG_LINES_VAR,
    MESSAGE_SIGNATURE_MAX_AGE_VAR,
    MESSAGE_SIGNATURE_CLOCK_SKEW_VAR,
    MESSAGE_SIGNATURE_MAX_BODY_VAR,
    MESSAGE_SIGNATURE_SCHEME_VAR,
    ACCOUNT_MESSAGE_SIGNING_KEY_VAR,
    MESSAGE_SIGNATURE_REQUIRE_VAR,
    TOKEN_HEADER_VAR,
    TOKEN_PREFIX_VAR,
    STATUS_HEADER_VAR,
    TRACE_ID_HEADER_VAR,
];

/// The known variable closest to `name` (an `APPROOV_` variable that is not one), if
/// one is close enough to be a slip of the keyboard.
pub(crate) fn closest_known(name: &str) -> Option<&'static str> {
    KNOWN_VARS
        .iter()
        .map(|known| (strsim::levenshtein(name, known), *known))
        .filter(|(distance, known)| *distance <= (known.len() / 4).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_variable_is_matched_to_the_one_meant() {
        assert_eq!(closest_known("APPROOV_MODEE"), Some(MODE_VAR));
        assert_eq!(
            closest_known("APPROOV_BASE64_URL_SECRET"),
            Some(BASE64URL_SECRET_VAR)
        );
        assert_eq!(closest_known("APPROOV_JWKS_FIEL"), Some(JWKS_FILE_VAR));
        assert_eq!(closest_known("APPROOV_SOMETHING_ELSE_ENTIRELY"), None);
    }
}
