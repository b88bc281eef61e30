//! A JWKS fetched from a URL at start-up and refreshed in the background (the
//! `jwks-url` feature).
//!
//! The refresher is a plain thread with reqwest's blocking client: it needs no async
//! runtime, so it works the same under every framework (actix runs a runtime per
//! worker thread, the others one runtime). A check never waits on it: it reads the
//! last good set, and at most asks for an early refresh.

use std::borrow::Cow;
use std::io::Read as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::Url;

use crate::config::{ConfigError, DEFAULT_JWKS_REFRESH_SECS, JWKS_URL_VAR};
use crate::KeySet;

/// How often the JWKS at a URL is fetched again, by default.
pub const DEFAULT_JWKS_REFRESH: Duration = Duration::from_secs(DEFAULT_JWKS_REFRESH_SECS);

/// How long after a fetch a token with an unknown `kid` may start another one, by
/// default.
pub const DEFAULT_JWKS_COOL_DOWN: Duration = Duration::from_secs(30);

/// How long one fetch may take, by default.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest JWKS document read.
const MAX_JWKS_BYTES: u64 = 1024 * 1024;

/// Redirects followed, at most.
const MAX_REDIRECTS: usize = 3;

/// Where a verifier fetches a JWKS, and how often (the `jwks-url` feature).
///
/// The document is fetched once when the verifier is configured, then again every
/// [`refresh_every`](Self::refresh_every) in a background thread. A token whose
/// `kid` is unknown is rejected at once, and starts an early fetch unless one started
/// less than [`cool_down`](Self::cool_down) ago, so a new key is picked up within
/// seconds while a flood of made-up `kid`s causes at most one fetch per cool-down. A
/// failed refresh keeps the last good set and logs why at `warn`.
///
/// When that first fetch fails, [`ApproovVerifier::with_jwks_url`](crate::ApproovVerifier::with_jwks_url)
/// fails: a server does not start without keys. From the environment
/// (`APPROOV_JWKS_URL`) it fails only when no other key source is set; with a secret or
/// another JWKS beside it, the server starts with those, warns, and keeps fetching in
/// the background (after each failure, again after the cool-down) until the document
/// arrives.
///
/// Only `https` is fetched, or `http` to a loopback address (`127.0.0.1`, `[::1]`,
/// `localhost`): keys fetched in the clear could be replaced on the way.
///
/// ```no_run
/// use std::time::Duration;
/// use approov_core::{ApproovVerifier, JwksUrl, KeySet};
///
/// # fn main() -> Result<(), approov_core::ConfigError> {
/// let url = JwksUrl::new("https://keys.example.com/.well-known/jwks.json")?
///     .refresh_every(Duration::from_secs(120));
/// let verifier = ApproovVerifier::from_keys(KeySet::new()).with_jwks_url(url)?;
/// # let _ = verifier;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksUrl {
    url: Url,
    refresh: Duration,
    cool_down: Duration,
    timeout: Duration,
    origin: Cow<'static, str>,
}

impl JwksUrl {
    /// The JWKS at `url`, refreshed every [`DEFAULT_JWKS_REFRESH`], with a cool-down
    /// of [`DEFAULT_JWKS_COOL_DOWN`] and a timeout of [`DEFAULT_JWKS_TIMEOUT`].
    ///
    /// ```
    /// use approov_core::JwksUrl;
    ///
    /// assert!(JwksUrl::new("https://keys.example.com/jwks.json").is_ok());
    /// assert!(JwksUrl::new("http://127.0.0.1:8080/jwks.json").is_ok());
    /// let err = JwksUrl::new("http://keys.example.com/jwks.json").unwrap_err();
    /// assert!(err.to_string().contains("https"));
    /// ```
    ///
    /// # Errors
    /// `url` is not a URL, or not `https` (nor `http` to a loopback address).
    pub fn new(url: &str) -> Result<Self, ConfigError> {
        Self::parse(url, Cow::Borrowed("the URL given to JwksUrl::new"))
    }

    pub(crate) fn from_env(url: &str, refresh: Duration) -> Result<Self, ConfigError> {
        Self::parse(url, Cow::Borrowed(JWKS_URL_VAR)).map(|url| url.refresh_every(refresh))
    }

    fn parse(value: &str, origin: Cow<'static, str>) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidJwksUrl {
            origin: origin.to_string(),
            value: value.to_owned(),
            reason,
        };
        let url = Url::parse(value.trim()).map_err(|e| invalid(format!("not a URL: {e}")))?;
        if !allowed(&url) {
            return Err(invalid(
                "give an https URL (http is only fetched from a loopback address: keys fetched \
                 in the clear could be replaced on the way)"
                    .into(),
            ));
        }
        Ok(JwksUrl {
            url,
            refresh: DEFAULT_JWKS_REFRESH,
            cool_down: DEFAULT_JWKS_COOL_DOWN,
            timeout: DEFAULT_JWKS_TIMEOUT,
            origin,
        })
    }

    /// Fetches the JWKS again every `every` (default 5 minutes; at least 10 ms).
    pub fn refresh_every(mut self, every: Duration) -> Self {
        self.refresh = every.max(Duration::from_millis(10));
        self
    }

    /// Lets a token with an unknown `kid` start an early fetch only when the last
    /// fetch started at least `cool_down` ago (default 30 s). After a failed fetch the
    /// next one is tried after the cool-down too, if that is sooner than the refresh.
    pub fn cool_down(mut self, cool_down: Duration) -> Self {
        self.cool_down = cool_down;
        self
    }

    /// Gives up on a fetch after `timeout` (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The URL.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Fetches and reads the JWKS, on a thread of its own (reqwest's blocking client
    /// must not run on an async runtime's thread, and this may be called from one).
    pub(crate) fn fetch_now(&self) -> Result<KeySet, ConfigError> {
        let fetched = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("approov-jwks-fetch".into())
                .spawn_scoped(scope, || self.fetch())
                .map_err(|e| format!("cannot start a thread to fetch it: {e}"))?
                .join()
                .map_err(|_| "the fetch panicked".to_owned())?
        });
        fetched.map_err(|reason| ConfigError::JwksFetch {
            origin: self.origin.to_string(),
            url: self.url.to_string(),
            reason,
        })
    }

    /// Fetches and reads the JWKS on this thread, which must not be an async
    /// runtime's.
    fn fetch(&self) -> Result<KeySet, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if allowed(attempt.url()) {
                    attempt.follow()
                } else {
                    attempt.error("a redirect to a URL that is not https")
                }
            }))
            .user_agent(concat!("approov-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| describe(&e))?;
        let response = client
            .get(self.url.clone())
            .header(
                reqwest::header::ACCEPT,
                "application/jwk-set+json, application/json",
            )
            .send()
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let mut body = Vec::new();
        response
            .take(MAX_JWKS_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| format!("reading the answer: {}", describe(&e)))?;
        if body.len() as u64 > MAX_JWKS_BYTES {
            return Err(format!("the answer is over {MAX_JWKS_BYTES} bytes"));
        }
        let json = String::from_utf8(body).map_err(|_| "the answer is not UTF-8".to_owned())?;
        KeySet::from_jwks_json(&json).map_err(|e| format!("the answer is not a usable JWKS: {e}"))
    }
}

/// `https`, or `http` to a loopback address.
fn allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url.host_str().is_some_and(|host| {
            let ip = host.trim_start_matches('[').trim_end_matches(']');
            host.eq_ignore_ascii_case("localhost")
                || ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }),
        _ => false,
    }
}

/// An error and its causes, on one line.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// What the refresher does with each fetch's outcome: `false` when the URL is no
/// longer in use (its refresher then stops). Given by the key store, so that this
/// module knows nothing of it.
pub(crate) type OnFetch = Box<dyn Fn(&Arc<Remote>, Result<KeySet, String>) -> bool + Send + Sync>;

/// A JWKS URL being refreshed, shared by its refresher thread and the key store.
pub(crate) struct Remote {
    config: JwksUrl,
    started: Instant,
    /// When the last fetch started, in milliseconds since `started`.
    last_fetch_ms: AtomicU64,
    /// A check asked for an early fetch.
    early: AtomicBool,
    /// The store dropped this URL: the thread ends.
    stop: AtomicBool,
    thread: OnceLock<std::thread::Thread>,
}

impl Remote {
    /// Starts the refresher of `config`: its first fetch at once when `fetch_first`
    /// (the document could not be fetched yet), else after the refresh interval.
    pub(crate) fn start(
        config: JwksUrl,
        fetch_first: bool,
        on_fetch: OnFetch,
    ) -> std::io::Result<Arc<Remote>> {
        let remote = Arc::new(Remote {
            config,
            started: Instant::now(),
            last_fetch_ms: AtomicU64::new(0),
            early: AtomicBool::new(fetch_first),
            stop: AtomicBool::new(false),
            thread: OnceLock::new(),
        });
        let thread = std::thread::Builder::new()
            .name("approov-jwks-refresh".into())
            .spawn({
                let remote = remote.clone();
                move || remote.run(&on_fetch)
            })?;
        let _ = remote.thread.set(thread.thread().clone());
        Ok(remote)
    }
    pub(crate) fn url(&self) -> &str {
        self.config.url()
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Wakes the refresher for an early fetch, unless the last one started less than
    /// the cool-down ago. Never blocks.
    pub(crate) fn request_early_refresh(&self) {
        let since = self
            .now_ms()
            .saturating_sub(self.last_fetch_ms.load(Ordering::Acquire));
        if u128::from(since) < self.config.cool_down.as_millis() {
            return;
        }
        if !self.early.swap(true, Ordering::AcqRel) {
            if let Some(thread) = self.thread.get() {
                thread.unpark();
            }
        }
    }

    /// Ends the refresher.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }

    fn run(self: &Arc<Self>, on_fetch: &OnFetch) {
        let mut next = Instant::now() + self.config.refresh;
        loop {
            loop {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                if self.early.load(Ordering::Acquire) {
                    break;
                }
                let now = Instant::now();
                if now >= next {
                    break;
                }
                std::thread::park_timeout(next - now);
            }
            self.last_fetch_ms.store(self.now_ms(), Ordering::Release);
            let fetched = self.config.fetch();
            self.early.store(false, Ordering::Release);
            let ok = fetched.is_ok();
            if !on_fetch(self, fetched) {
                return;
            }
            let wait = if ok {
                self.config.refresh
            } else {
                self.config
                    .refresh
                    .min(self.config.cool_down.max(Duration::from_millis(10)))
            };
            next = Instant::now() + wait;
        }
    }
}
