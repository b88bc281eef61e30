//! [`ConfigError`]: why a verifier could not be configured, naming the variable.

use std::fmt;

use thiserror::Error;

use super::vars::*;
use crate::KeyError;

/// Why the verifier could not be configured. Every message names where the bad value
/// came from and says what to do; `Debug` reads the same as `Display`, so
/// `fn main() -> Result<(), ConfigError>` prints a useful line.
///
/// ```
/// let err = approov_core::ApproovVerifier::from_base64_secret("").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "the secret given to from_base64_secret is empty: use the secret from `approov secret -get base64`"
/// );
/// ```
#[derive(Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key source is set, in the environment or in `.env`: neither secret
    /// variable and no JWKS variable.
    #[error(
        "no Approov secret or keys: set {BASE64URL_SECRET_VAR} to the output of `approov secret -get base64url` \
         (or {BASE64_SECRET_VAR} to the output of `approov secret -get base64`) for tokens signed with the \
         account secret, and/or {JWKS_VAR} (a JWKS document), {JWKS_FILE_VAR} (the path of one) or \
         {JWKS_URL_VAR} (where to fetch one) for tokens signed with a keyset key (`approov keyset`), \
         in the environment or in a .env file"
    )]
    NoKeySource,
    /// No secret variable is set, in the environment or in `.env` (where only a secret
    /// will do: minting).
    #[error(
        "no Approov secret: set {BASE64URL_SECRET_VAR} to the output of `approov secret -get base64url`, \
         or {BASE64_SECRET_VAR} to the output of `approov secret -get base64`, \
         in the environment or in a .env file"
    )]
    NoSecret,
    /// A variable the caller asked for is set in neither the environment nor `.env`.
    #[error("{var} is not set: set it in the environment or in a .env file")]
    Missing {
        /// The variable's name.
        var: String,
    },
    /// The secret is empty (or only white space).
    #[error("{origin} is empty: use the secret from `{command}`")]
    Empty {
        /// Where the value came from: a variable's name, or the call that was given it.
        origin: String,
        /// The Approov CLI command that prints the secret in the expected encoding.
        command: &'static str,
    },
    /// The secret is written in the other encoding: the error says which variable
    /// takes it.
    #[error(
        "{origin} holds a {found} value, not {expected}: {}",
        wrong_encoding_advice(origin, found, use_var)
    )]
    WrongEncoding {
        /// Where the value came from.
        origin: String,
        /// The encoding found.
        found: &'static str,
        /// The encoding expected here.
        expected: &'static str,
        /// The variable that takes the value as it is.
        use_var: &'static str,
    },
    /// The secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes.
    #[error(
        "{origin} holds a secret of {len} bytes: at least 32 (256 bits, RFC 7518 §3.2) are \
         required; use the secret from `{command}`"
    )]
    SecretTooShort {
        /// Where the value came from: a variable's name, or the call that was given it.
        origin: String,
        /// The decoded secret's length, in bytes.
        len: usize,
        /// The Approov CLI command that prints the secret in the expected encoding.
        command: &'static str,
    },
    /// The secret does not decode.
    #[error(
        "{origin} is not valid {encoding}: {}",
        explain_decode_error(source, encoding)
    )]
    NotBase64 {
        /// Where the value came from.
        origin: String,
        /// The encoding expected.
        encoding: &'static str,
        /// What the decoder found.
        source: base64::DecodeError,
    },
    /// Both secret variables are set, to different secrets.
    #[error(
        "{BASE64_SECRET_VAR} and {BASE64URL_SECRET_VAR} are both set but hold different secrets: \
         set only one of them, or both to the same secret"
    )]
    SecretsDiffer,
    /// A variable holds bytes that are not UTF-8.
    #[error("{var} is not valid text")]
    NotUnicode {
        /// The variable's name.
        var: String,
    },
    /// A `.env` file exists but could not be read.
    #[error("{} could not be read: {reason}", path.display())]
    DotEnv {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong reading it.
        reason: String,
    },
    /// `APPROOV_LOG_LINES_PER_SECOND` is neither a positive number nor `unlimited`.
    #[error("{LOG_LINES_VAR} is {value:?}: set it to a number of lines per second (default 5) or `unlimited`")]
    InvalidLogLimit {
        /// The value found.
        value: String,
    },
    /// A variable that takes a whole number holds something else.
    #[error("{var} is {value:?}: set it to a whole number")]
    NotANumber {
        /// The variable's name.
        var: &'static str,
        /// The value found.
        value: String,
    },
    /// `APPROOV_MESSAGE_SIGNATURE_SCHEME` is neither `http` nor `https`.
    #[error("{MESSAGE_SIGNATURE_SCHEME_VAR} is {value:?}: set it to `http` (the default) or `https` (behind a proxy that terminates TLS)")]
    InvalidScheme {
        /// The value found.
        value: String,
    },
    /// A key variable is set but empty.
    #[error("{var} is empty: set it to {what}, or unset it")]
    EmptyVar {
        /// The variable's name.
        var: &'static str,
        /// What it should hold.
        what: &'static str,
    },
    /// A JWKS cannot be used.
    #[error("{origin} does not hold a usable JWKS: {source}")]
    InvalidJwks {
        /// Where it came from: a variable's name, a file, a URL.
        origin: String,
        /// What is wrong with it.
        source: KeyError,
    },
    /// The keys given to the verifier cannot be used.
    #[error("{origin}: {source}")]
    InvalidKeys {
        /// Where they came from.
        origin: String,
        /// What is wrong with them.
        source: KeyError,
    },
    /// The JWKS file cannot be read.
    #[error("{JWKS_FILE_VAR} names {}, which cannot be read: {reason}", path.display())]
    JwksFile {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong reading it.
        reason: String,
    },
    /// Two key sources have a key with the same id.
    #[error("the key id {kid} is in both {first} and {second}: a `kid` names one key, remove it from one of them")]
    KeyClash {
        /// The key id, quoted.
        kid: String,
        /// The source that has it first.
        first: String,
        /// The other source.
        second: String,
    },
    /// The JWKS URL is not one the verifier fetches.
    #[error("{origin} is {value:?}: {reason}")]
    InvalidJwksUrl {
        /// Where it came from: `APPROOV_JWKS_URL`, or the call that was given it.
        origin: String,
        /// The value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `APPROOV_JWKS_URL` is set in a build without the `jwks-url` feature.
    #[error(
        "{JWKS_URL_VAR} is set, but this server is built without JWKS URL support: turn on the \
         `jwks-url` feature of the Approov crate it depends on (approov-axum, approov-actix, \
         approov-rocket, approov-warp or approov-core; the examples have it on), or give the keys \
         in {JWKS_VAR} or {JWKS_FILE_VAR}"
    )]
    JwksUrlNeedsFeature,
    /// The JWKS URL could not be fetched at start-up (or on a reload): the verifier
    /// does not start without its keys.
    #[error("the JWKS at {url} ({origin}) cannot be fetched: {reason}")]
    JwksFetch {
        /// Where the URL came from.
        origin: String,
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The background refresher of the JWKS URL could not be started.
    #[error("the JWKS refresher thread cannot start: {reason}")]
    JwksRefresher {
        /// What the system said.
        reason: String,
    },
    /// `APPROOV_JWKS_REFRESH_SECS` is not a whole number of seconds of at least 1.
    #[error("{JWKS_REFRESH_VAR} is {value:?}: set it to a whole number of seconds, at least 1 (default {DEFAULT_JWKS_REFRESH_SECS})")]
    InvalidRefreshInterval {
        /// The value found.
        value: String,
    },
    /// The account message signing key cannot be used.
    #[error(
        "{origin} is not an account message signing key: {reason}; copy the value \
         `approov secret -messageSigningKey get-base64url` prints"
    )]
    InvalidAccountKey {
        /// Where it came from: `APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY`, or the call that
        /// was given it.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The signature requirement needs the account key and none is set.
    #[error(
        "{MESSAGE_SIGNATURE_REQUIRE_VAR} is `{requirement}`, which checks account signatures: set \
         {ACCOUNT_MESSAGE_SIGNING_KEY_VAR} to the output of `approov secret -messageSigningKey \
         get-base64url`, or require `install`"
    )]
    AccountKeyRequired {
        /// The requirement set.
        requirement: crate::SignatureRequirement,
    },
    /// A route binds the token to the header that carries it.
    #[error("a route binds the token to `{header}`, the header that carries the token: its `pay` claim cannot bind the token to itself; bind it to another header, or read the token from another one")]
    BindsTokenHeader {
        /// The header, in lower case.
        header: String,
    },
    /// A variable holds a value it does not take.
    #[error("{var} is {value:?}: {expected}")]
    InvalidValue {
        /// The variable's name.
        var: &'static str,
        /// The value found.
        value: String,
        /// What it takes.
        expected: &'static str,
    },
    /// `APPROOV_MODE` is neither `enforce` nor `monitor`.
    #[error("{MODE_VAR} is {value:?}: set it to `enforce` (the default) or `monitor`")]
    InvalidMode {
        /// The value found.
        value: String,
    },
}

/// What is wrong with a value that does not decode, in words: the character and its
/// position (from 1), and what the value should look like.
fn explain_decode_error(error: &base64::DecodeError, encoding: &str) -> String {
    let command = if encoding == "base64url" {
        "approov secret -get base64url"
    } else {
        "approov secret -get base64"
    };
    format!(
        "{}: copy the value exactly as `{command}` prints it",
        describe_decode_error(error, encoding)
    )
}

/// The character and position (from 1) where `error` found a value is not `encoding`.
pub(crate) fn describe_decode_error(error: &base64::DecodeError, encoding: &str) -> String {
    let alphabet = if encoding == "base64url" {
        "A-Z, a-z, 0-9, '-' and '_', and '=' only at the end"
    } else {
        "A-Z, a-z, 0-9, '+' and '/', and '=' only at the end"
    };
    match error {
        base64::DecodeError::InvalidByte(offset, byte) => format!(
            "the character {} at position {} is not one of {encoding}'s ({alphabet})",
            shown_byte(*byte),
            offset + 1
        ),
        base64::DecodeError::InvalidLength(len) => {
            format!("it is {len} characters long, which no {encoding} value is (cut short?)")
        }
        base64::DecodeError::InvalidLastSymbol(offset, byte) => format!(
            "its last character {} (position {}) leaves bits over (cut short, or altered?)",
            shown_byte(*byte),
            offset + 1
        ),
        base64::DecodeError::InvalidPadding => "its '=' padding is wrong".to_owned(),
    }
}

/// A byte of a value, quoted as a character when it is printable ASCII.
fn shown_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() || byte == b' ' {
        format!("'{}'", char::from(byte))
    } else {
        format!("0x{byte:02x}")
    }
}

/// What to do with a secret in the other encoding: move it to the variable for it,
/// or (when it came from code or a command line) give it in that encoding.
fn wrong_encoding_advice(origin: &str, found: &str, use_var: &str) -> String {
    if origin == BASE64_SECRET_VAR || origin == BASE64URL_SECRET_VAR {
        format!("put it in {use_var} instead")
    } else {
        format!("give it as {found} (as {use_var} holds it)")
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
