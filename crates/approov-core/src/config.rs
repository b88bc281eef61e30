//! Where the keys and the mode come from, and what is wrong when they cannot be had.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use thiserror::Error;

use crate::keys::{shown, KeyError, KeySet};

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

/// The environment variable that selects the [`Mode`]: `enforce` (the default) or
/// `monitor`.
pub const MODE_VAR: &str = "APPROOV_MODE";

/// The environment variable that bounds how many lines each failure code may log
/// per second: a number, or `unlimited`.
pub const LOG_LINES_VAR: &str = "APPROOV_LOG_LINES_PER_SECOND";

/// Reads `APPROOV_LOG_LINES_PER_SECOND`: a positive number, or `unlimited`.
pub(crate) fn parse_log_limit(value: &str) -> Result<Option<u32>, ConfigError> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    match value.parse::<u32>() {
        Ok(lines) if lines > 0 => Ok(Some(lines)),
        _ => Err(ConfigError::InvalidLogLimit {
            value: value.to_owned(),
        }),
    }
}

/// Reads the message-signing settings from the environment over `signing`.
pub(crate) fn message_signing_from_env(
    env: &Env,
    mut signing: crate::MessageSigning,
) -> Result<crate::MessageSigning, ConfigError> {
    let number = |var: &'static str| -> Result<Option<u64>, ConfigError> {
        match env.get(var)? {
            None => Ok(None),
            Some(value) => match value.trim().parse::<u64>() {
                Ok(number) => Ok(Some(number)),
                Err(_) => Err(ConfigError::NotANumber { var, value }),
            },
        }
    };
    if let Some(secs) = number(MESSAGE_SIGNATURE_MAX_AGE_VAR)? {
        signing = signing.with_max_age(std::time::Duration::from_secs(secs));
    }
    if let Some(secs) = number(MESSAGE_SIGNATURE_CLOCK_SKEW_VAR)? {
        signing = signing.with_clock_skew(std::time::Duration::from_secs(secs));
    }
    if let Some(bytes) = number(MESSAGE_SIGNATURE_MAX_BODY_VAR)? {
        signing = signing.with_max_body_len(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    if let Some(scheme) = env.get(MESSAGE_SIGNATURE_SCHEME_VAR)? {
        match scheme.trim().to_ascii_lowercase().as_str() {
            scheme @ ("http" | "https") => signing = signing.with_scheme(scheme),
            _ => {
                return Err(ConfigError::InvalidScheme {
                    value: scheme.clone(),
                })
            }
        }
    }
    Ok(signing)
}

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

/// Secrets shorter than this (256 bits, RFC 7518's minimum for HS256) are accepted
/// with a loud warning at start-up. Approov's own secrets are longer.
pub const MIN_SECRET_LEN: usize = 32;

/// How a secret is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretEncoding {
    /// Standard base64 (`+` and `/`), as `approov secret -get base64` prints it.
    Base64,
    /// base64url (`-` and `_`), padded or not, as `approov secret -get base64url`
    /// prints it.
    Base64Url,
}

impl SecretEncoding {
    fn describe(self) -> &'static str {
        match self {
            SecretEncoding::Base64 => "standard base64",
            SecretEncoding::Base64Url => "base64url",
        }
    }

    /// The variable `from_env` reads for this encoding.
    fn var(self) -> &'static str {
        match self {
            SecretEncoding::Base64 => BASE64_SECRET_VAR,
            SecretEncoding::Base64Url => BASE64URL_SECRET_VAR,
        }
    }

    fn command(self) -> &'static str {
        match self {
            SecretEncoding::Base64 => "approov secret -get base64",
            SecretEncoding::Base64Url => "approov secret -get base64url",
        }
    }

    fn engine(self) -> GeneralPurpose {
        let config = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(false);
        match self {
            SecretEncoding::Base64 => GeneralPurpose::new(&alphabet::STANDARD, config),
            SecretEncoding::Base64Url => GeneralPurpose::new(&alphabet::URL_SAFE, config),
        }
    }
}

/// Whether failed checks refuse the request or only log.
///
/// ```
/// use approov_core::Mode;
///
/// assert_eq!("monitor".parse::<Mode>().ok(), Some(Mode::Monitor));
/// assert_eq!(Mode::default(), Mode::Enforce);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// A request that fails the check is answered 401 `{}` (the default).
    #[default]
    Enforce,
    /// Every request goes on to the handler as if the route were unprotected; each
    /// failure is logged at `warn` with its code, and the handler can still ask
    /// whether the request passed. For rolling the check out on a live API before
    /// every installed app sends tokens.
    Monitor,
}

impl std::str::FromStr for Mode {
    type Err = ConfigError;

    /// `enforce` or `monitor`, ASCII case-insensitively, surrounding white space ignored.
    fn from_str(value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "enforce" => Ok(Mode::Enforce),
            "monitor" => Ok(Mode::Monitor),
            _ => Err(ConfigError::InvalidMode {
                value: value.to_owned(),
            }),
        }
    }
}

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
    /// The secret does not decode.
    #[error("{origin} is not valid {encoding}: {source}")]
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
        "{JWKS_URL_VAR} is set, but approov-core is built without its `jwks-url` feature: turn the \
         feature on (the examples have it on by default), or give the keys in {JWKS_VAR} or {JWKS_FILE_VAR}"
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
    /// `APPROOV_MODE` is neither `enforce` nor `monitor`.
    #[error("{MODE_VAR} is {value:?}: set it to `enforce` (the default) or `monitor`")]
    InvalidMode {
        /// The value found.
        value: String,
    },
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

/// The HMAC secret, decoded. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    /// Decodes a secret written in `encoding`; `origin` names where it came from, for
    /// errors. Surrounding white space (a pasted newline) is ignored.
    pub(crate) fn decode(
        value: &str,
        encoding: SecretEncoding,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ConfigError::Empty {
                origin: origin.into(),
                command: encoding.command(),
            });
        }
        let (ours, theirs) = match encoding {
            SecretEncoding::Base64 => ([b'+', b'/'], [b'-', b'_']),
            SecretEncoding::Base64Url => ([b'-', b'_'], [b'+', b'/']),
        };
        let has = |set: [u8; 2]| value.bytes().any(|b| set.contains(&b));
        if has(theirs) && !has(ours) {
            let other = match encoding {
                SecretEncoding::Base64 => SecretEncoding::Base64Url,
                SecretEncoding::Base64Url => SecretEncoding::Base64,
            };
            if other.engine().decode(value).is_ok() {
                return Err(ConfigError::WrongEncoding {
                    origin: origin.into(),
                    found: other.describe(),
                    expected: encoding.describe(),
                    use_var: other.var(),
                });
            }
        }
        encoding
            .engine()
            .decode(value)
            .map(Secret)
            .map_err(|source| ConfigError::NotBase64 {
                origin: origin.into(),
                encoding: encoding.describe(),
                source,
            })
    }

    /// The first secret from `APPROOV_BASE64_SECRET` and/or `APPROOV_BASE64URL_SECRET`.
    #[cfg(feature = "mint")]
    pub(crate) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Secret::all_from_env(env)?
            .into_iter()
            .next()
            .ok_or(ConfigError::NoSecret)
    }

    /// Every secret from `APPROOV_BASE64_SECRET` and/or `APPROOV_BASE64URL_SECRET`
    /// (none when neither is set). Each holds one secret, or several separated by
    /// commas during a rotation; when both are set they must hold the same secrets.
    pub(crate) fn all_from_env(env: &Env) -> Result<Vec<Self>, ConfigError> {
        let mut found = None::<Vec<Secret>>;
        for encoding in [SecretEncoding::Base64, SecretEncoding::Base64Url] {
            let var = encoding.var();
            let Some(value) = env.get(var)? else { continue };
            let secrets = Secret::decode_list(&value, encoding, var)?;
            fn sorted(secrets: &[Secret]) -> Vec<&[u8]> {
                let mut bytes: Vec<&[u8]> = secrets.iter().map(|s| s.0.as_slice()).collect();
                bytes.sort_unstable();
                bytes.dedup();
                bytes
            }
            match &found {
                Some(first) if sorted(first) != sorted(&secrets) => {
                    return Err(ConfigError::SecretsDiffer)
                }
                _ => found = Some(secrets),
            }
        }
        Ok(found.unwrap_or_default())
    }

    /// One secret, or several separated by commas (no base64 alphabet has a comma).
    fn decode_list(
        value: &str,
        encoding: SecretEncoding,
        var: &str,
    ) -> Result<Vec<Self>, ConfigError> {
        if !value.contains(',') {
            return Secret::decode(value, encoding, var).map(|secret| vec![secret]);
        }
        let count = value.split(',').count();
        value
            .split(',')
            .enumerate()
            .map(|(i, item)| {
                Secret::decode(
                    item,
                    encoding,
                    &format!("{var} (secret {} of {count})", i + 1),
                )
            })
            .collect()
    }

    /// The secret from `var`, written in `encoding`.
    pub(crate) fn from_env_var(
        env: &Env,
        var: &str,
        encoding: SecretEncoding,
    ) -> Result<Self, ConfigError> {
        match env.get(var)? {
            Some(value) => Secret::decode(&value, encoding, var),
            None => Err(ConfigError::Missing { var: var.into() }),
        }
    }

    /// Warns, loudly, about a secret too short for HS256.
    pub(crate) fn warn_if_short(&self) {
        if self.0.len() < MIN_SECRET_LEN {
            tracing::warn!(
                bytes = self.0.len(),
                "the Approov secret is shorter than {MIN_SECRET_LEN} bytes (256 bits, the minimum RFC 7518 \
                 sets for HS256): use the secret `approov secret -get base64url` prints"
            );
        }
    }
}

/// The keys the environment configures: the secrets and the JWKS in the variables
/// and the file, and the JWKS URL (not fetched yet).
pub(crate) struct EnvKeys {
    pub(crate) local: KeySet,
    /// `APPROOV_JWKS_URL`, trimmed, and how often to fetch it.
    pub(crate) url: Option<(String, Duration)>,
    /// Which source each key id came from, to name both sides of a clash.
    origins: Vec<(String, String)>,
}

impl EnvKeys {
    /// Reads every key variable. With none set, [`ConfigError::NoKeySource`].
    pub(crate) fn read(env: &Env) -> Result<EnvKeys, ConfigError> {
        let mut keys = EnvKeys {
            local: KeySet::new(),
            url: None,
            origins: Vec::new(),
        };
        for secret in Secret::all_from_env(env)? {
            keys.local =
                keys.local
                    .with_secret(&secret)
                    .map_err(|source| ConfigError::InvalidKeys {
                        origin: "the secret".into(),
                        source,
                    })?;
        }
        if let Some(json) = env.get(JWKS_VAR)? {
            if json.trim().is_empty() {
                return Err(ConfigError::EmptyVar {
                    var: JWKS_VAR,
                    what: "a JWKS document (`{\"keys\":[...]}`)",
                });
            }
            let set = KeySet::from_jwks_json(&json).map_err(|source| ConfigError::InvalidJwks {
                origin: JWKS_VAR.into(),
                source,
            })?;
            keys.add(set, JWKS_VAR)?;
        }
        if let Some(path) = env.get(JWKS_FILE_VAR)? {
            let path = path.trim();
            if path.is_empty() {
                return Err(ConfigError::EmptyVar {
                    var: JWKS_FILE_VAR,
                    what: "the path of a JWKS file",
                });
            }
            let json = std::fs::read_to_string(path).map_err(|e| ConfigError::JwksFile {
                path: path.into(),
                reason: e.to_string(),
            })?;
            let origin = format!("{JWKS_FILE_VAR} ({path})");
            let set = KeySet::from_jwks_json(&json).map_err(|source| ConfigError::InvalidJwks {
                origin: origin.clone(),
                source,
            })?;
            keys.add(set, &origin)?;
        }
        let refresh = match env.get(JWKS_REFRESH_VAR)? {
            None => DEFAULT_JWKS_REFRESH_SECS,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => secs,
                _ => return Err(ConfigError::InvalidRefreshInterval { value }),
            },
        };
        if let Some(url) = env.get(JWKS_URL_VAR)? {
            let url = url.trim();
            if url.is_empty() {
                return Err(ConfigError::EmptyVar {
                    var: JWKS_URL_VAR,
                    what: "the https URL of a JWKS",
                });
            }
            if !cfg!(feature = "jwks-url") {
                return Err(ConfigError::JwksUrlNeedsFeature);
            }
            keys.url = Some((url.to_owned(), Duration::from_secs(refresh)));
        }
        if keys.local.is_empty() && keys.url.is_none() {
            return Err(ConfigError::NoKeySource);
        }
        Ok(keys)
    }

    /// Adds `set`, from `origin`, refusing a key id another source has.
    pub(crate) fn add(&mut self, set: KeySet, origin: &str) -> Result<(), ConfigError> {
        self.check_clash(&set, origin)?;
        self.origins
            .extend(set.kids().map(|kid| (kid.to_owned(), origin.to_owned())));
        self.local = std::mem::take(&mut self.local)
            .with_keys(set)
            .map_err(|source| ConfigError::InvalidKeys {
                origin: origin.into(),
                source,
            })?;
        Ok(())
    }

    /// Refuses a key id of `set` (from `origin`) that the keys read so far have.
    pub(crate) fn check_clash(&self, set: &KeySet, origin: &str) -> Result<(), ConfigError> {
        for kid in set.kids() {
            if let Some((_, first)) = self.origins.iter().find(|(known, _)| known == kid) {
                return Err(ConfigError::KeyClash {
                    kid: shown(kid),
                    first: first.clone(),
                    second: origin.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// The process environment, backed by a `.env` file: the environment wins, and the
/// file is read (at most once), never loaded into the environment.
pub(crate) struct Env {
    dotenv: std::path::PathBuf,
    file: std::sync::OnceLock<Result<HashMap<String, String>, String>>,
}

impl Env {
    /// The environment, backed by `./.env`.
    pub(crate) fn process() -> Self {
        Env::with_dotenv(Path::new(".env"))
    }

    pub(crate) fn with_dotenv(path: &Path) -> Self {
        Env {
            dotenv: path.to_owned(),
            file: std::sync::OnceLock::new(),
        }
    }

    /// The value of `var`, `None` when it is set nowhere.
    pub(crate) fn get(&self, var: &str) -> Result<Option<String>, ConfigError> {
        match std::env::var(var) {
            Ok(value) => return Ok(Some(value)),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(ConfigError::NotUnicode { var: var.into() })
            }
            Err(std::env::VarError::NotPresent) => {}
        }
        match self.file.get_or_init(|| read_dotenv(&self.dotenv)) {
            Ok(entries) => Ok(entries.get(var).cloned()),
            Err(reason) => Err(ConfigError::DotEnv {
                path: self.dotenv.clone(),
                reason: reason.clone(),
            }),
        }
    }
}

/// Every entry of a `.env` file; none when there is no file.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, String> {
    let entries = match dotenvy::from_path_iter(path) {
        Ok(entries) => entries,
        Err(e) if e.not_found() => return Ok(HashMap::new()),
        Err(e) => return Err(e.to_string()),
    };
    let mut map = HashMap::new();
    for entry in entries {
        let (key, value) = entry.map_err(|e| e.to_string())?;
        // The first definition wins, as when dotenvy loads a file.
        map.entry(key).or_insert(value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.env` with `contents` in a directory of its own: tests run in parallel.
    fn dotenv_with(contents: &str) -> Env {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "approov-core-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, contents).unwrap();
        Env::with_dotenv(&path)
    }

    #[test]
    fn dotenv_file_is_read_when_the_environment_has_nothing() {
        let env = dotenv_with("OTHER=1\nAPPROOV_TEST_FILE_ONLY=c2VjcmV0\n");
        let secret =
            Secret::from_env_var(&env, "APPROOV_TEST_FILE_ONLY", SecretEncoding::Base64).unwrap();
        assert_eq!(secret.0, b"secret");
    }

    #[test]
    fn environment_wins_over_dotenv() {
        let env = dotenv_with("APPROOV_TEST_ENV_WINS=ZmlsZQ==\n");
        std::env::set_var("APPROOV_TEST_ENV_WINS", "ZW52");
        let secret =
            Secret::from_env_var(&env, "APPROOV_TEST_ENV_WINS", SecretEncoding::Base64).unwrap();
        assert_eq!(secret.0, b"env");
    }

    #[test]
    fn missing_everywhere_names_the_variable() {
        let env = dotenv_with("SOMETHING_ELSE=1\n\n\n");
        let err =
            Secret::from_env_var(&env, "APPROOV_TEST_NOWHERE", SecretEncoding::Base64).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(err
            .to_string()
            .starts_with("APPROOV_TEST_NOWHERE is not set"));
        let no_file = Env::with_dotenv(Path::new("/nonexistent/approov/.env"));
        let err = Secret::from_env_var(&no_file, "APPROOV_TEST_NOWHERE", SecretEncoding::Base64)
            .unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
    }

    #[test]
    fn bad_value_in_dotenv_is_reported() {
        let env = dotenv_with("APPROOV_TEST_BAD_FILE=%%%\n");
        let err = Secret::from_env_var(&env, "APPROOV_TEST_BAD_FILE", SecretEncoding::Base64)
            .unwrap_err();
        assert!(matches!(err, ConfigError::NotBase64 { .. }));
        assert!(err
            .to_string()
            .starts_with("APPROOV_TEST_BAD_FILE is not valid standard base64"));
    }

    #[test]
    fn both_encodings_padded_or_not() {
        let secret = |value, encoding| Secret::decode(value, encoding, "test").map(|s| s.0);
        // 0xfb 0xff 0xbf: `+/+/` in standard base64, `-_-_` in base64url.
        let bytes = vec![0xfb, 0xff, 0xbf, 0xfb, 0xff];
        assert_eq!(
            secret("+/+/+/8=", SecretEncoding::Base64).ok(),
            Some(bytes.clone())
        );
        assert_eq!(
            secret("+/+/+/8", SecretEncoding::Base64).ok(),
            Some(bytes.clone())
        );
        assert_eq!(
            secret("-_-_-_8", SecretEncoding::Base64Url).ok(),
            Some(bytes.clone())
        );
        assert_eq!(
            secret("-_-_-_8=", SecretEncoding::Base64Url).ok(),
            Some(bytes)
        );
    }

    #[test]
    fn the_other_encoding_is_recognised() {
        let err = Secret::decode(
            "TEST-SECRET_TEST",
            SecretEncoding::Base64,
            BASE64_SECRET_VAR,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "APPROOV_BASE64_SECRET holds a base64url value, not standard base64: \
             put it in APPROOV_BASE64URL_SECRET instead"
        );
        let err = Secret::decode("TEST+SECRET/TEST", SecretEncoding::Base64Url, "X").unwrap_err();
        assert!(matches!(
            err,
            ConfigError::WrongEncoding {
                use_var: BASE64_SECRET_VAR,
                ..
            }
        ));
        // Both alphabets at once is simply not base64.
        let err = Secret::decode("TEST+SECRET_TEST", SecretEncoding::Base64, "X").unwrap_err();
        assert!(matches!(err, ConfigError::NotBase64 { .. }));
    }

    #[test]
    fn mode_parses_or_names_the_variable() {
        assert_eq!(" Monitor\n".parse::<Mode>().ok(), Some(Mode::Monitor));
        let err = "off".parse::<Mode>().unwrap_err();
        assert_eq!(
            format!("{err:?}"),
            "APPROOV_MODE is \"off\": set it to `enforce` (the default) or `monitor`"
        );
    }
}
