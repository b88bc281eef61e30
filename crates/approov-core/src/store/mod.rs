//! Where a verifier's keys live: one [`KeySet`] behind an atomic pointer, read by
//! every check without a lock and replaced whole, so that no check ever sees half of
//! an update; and the JWKS URL that refreshes part of it in the background.

#[cfg(feature = "jwks-url")]
mod remote;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::{ArcSwap, Guard};

use crate::config::ConfigError;
#[cfg(feature = "jwks-url")]
use crate::keys::shown;
use crate::KeySet;
#[cfg(feature = "jwks-url")]
pub use remote::{JwksUrl, DEFAULT_JWKS_COOL_DOWN, DEFAULT_JWKS_REFRESH, DEFAULT_JWKS_TIMEOUT};

/// The keys of a verifier and of every clone of it.
pub(crate) struct KeyStore {
    /// What checks use: the keys given, with those fetched from a JWKS URL.
    current: ArcSwap<KeySet>,
    /// What `current` is made of. Held while a new `current` is made and stored, so
    /// that a rotation and a refresh never undo each other.
    sources: Mutex<Sources>,
    /// The JWKS URL being refreshed, if any.
    #[cfg(feature = "jwks-url")]
    remote: arc_swap::ArcSwapOption<remote::Remote>,
}

struct Sources {
    /// The keys given to the verifier: at its construction, by `rotate`, or read from
    /// the environment.
    given: Arc<KeySet>,
    /// The last good set fetched from the JWKS URL.
    #[cfg(feature = "jwks-url")]
    fetched: Option<Arc<KeySet>>,
}

impl KeyStore {
    pub(crate) fn new(keys: KeySet) -> Self {
        let keys = Arc::new(keys);
        KeyStore {
            current: ArcSwap::new(keys.clone()),
            sources: Mutex::new(Sources {
                given: keys,
                #[cfg(feature = "jwks-url")]
                fetched: None,
            }),
            #[cfg(feature = "jwks-url")]
            remote: arc_swap::ArcSwapOption::empty(),
        }
    }

    /// The keys in effect, for one check: no lock, no reference count in the common case.
    pub(crate) fn load(&self) -> Guard<Arc<KeySet>> {
        self.current.load()
    }

    /// The keys in effect.
    pub(crate) fn current(&self) -> Arc<KeySet> {
        self.current.load_full()
    }

    /// The keys given to the verifier (without those fetched from a JWKS URL).
    #[cfg(feature = "jwks-url")]
    pub(crate) fn given(&self) -> Arc<KeySet> {
        self.lock().given.clone()
    }

    /// Replaces the keys given to the verifier; keys fetched from a JWKS URL stay.
    pub(crate) fn rotate(&self, keys: KeySet) {
        let mut sources = self.lock();
        sources.given = Arc::new(keys);
        self.publish(&sources);
    }

    /// Stores the set made of `sources` as the one in effect.
    fn publish(&self, sources: &Sources) {
        #[cfg(feature = "jwks-url")]
        if let Some(fetched) = &sources.fetched {
            let (merged, clashes) = (*sources.given).clone().with_keys_preferring_ours(fetched);
            if !clashes.is_empty() {
                let clashes: Vec<String> = clashes.iter().map(|kid| shown(kid)).collect();
                tracing::warn!(
                    kids = %clashes.join(", "),
                    "keys fetched from the JWKS URL have the ids of keys given to the verifier: \
                     the keys given are used"
                );
            }
            self.current.store(Arc::new(merged));
            return;
        }
        self.current.store(sources.given.clone());
    }

    fn lock(&self) -> MutexGuard<'_, Sources> {
        // A panic while holding the lock leaves `Sources` whole: each field is
        // assigned in one step.
        self.sources.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A check met a `kid` no key has: with a JWKS URL, the refresher may fetch early.
    pub(crate) fn unknown_kid(&self) {
        #[cfg(feature = "jwks-url")]
        if let Some(remote) = &*self.remote.load() {
            remote.request_early_refresh();
        }
    }

    /// Replaces every key source at once: the given keys (unless `given` is `None`)
    /// and, when `remote` is set, the JWKS URL whose refresher starts now, with the set
    /// fetched from it (or `None` when that fetch failed: the refresher fetches at
    /// once, and again after each failure); the JWKS URL refreshed until now, if any,
    /// is dropped.
    #[cfg(feature = "jwks-url")]
    pub(crate) fn replace(
        self: &Arc<Self>,
        given: Option<KeySet>,
        remote: Option<(JwksUrl, Option<KeySet>)>,
    ) -> Result<(), ConfigError> {
        let mut sources = self.lock();
        let (remote, fetched) = match remote {
            Some((url, fetched)) => {
                let store = Arc::downgrade(self);
                let on_fetch: remote::OnFetch = Box::new(move |remote, fetched| {
                    let Some(store) = store.upgrade() else {
                        return false;
                    };
                    match fetched {
                        Ok(keys) => store.fetched(remote, keys),
                        Err(error) => store.fetch_failed(remote, &error),
                    }
                });
                // Not fetched now, but fetched from this very URL before (a reload while it
                // is down): its last good set stays until the refresher fetches anew.
                let same_url = self
                    .remote
                    .load()
                    .as_ref()
                    .is_some_and(|current| current.url() == url.url());
                let fetched = match fetched {
                    Some(fetched) => Some(Arc::new(fetched)),
                    None if same_url => sources.fetched.clone(),
                    None => None,
                };
                let remote =
                    remote::Remote::start(url, fetched.is_none(), on_fetch).map_err(|e| {
                        ConfigError::JwksRefresher {
                            reason: e.to_string(),
                        }
                    })?;
                (Some(remote), fetched)
            }
            None => (None, None),
        };
        if let Some(given) = given {
            sources.given = Arc::new(given);
        }
        sources.fetched = fetched;
        self.publish(&sources);
        if let Some(old) = self.remote.swap(remote) {
            old.stop();
        }
        Ok(())
    }

    /// Replaces the given keys; there is no JWKS URL in a build without the feature.
    #[cfg(not(feature = "jwks-url"))]
    pub(crate) fn replace(
        self: &Arc<Self>,
        given: Option<KeySet>,
        remote: Option<std::convert::Infallible>,
    ) -> Result<(), ConfigError> {
        if let Some(never) = remote {
            match never {}
        }
        if let Some(given) = given {
            self.rotate(given);
        }
        Ok(())
    }

    /// The refresher of `remote` fetched `keys`. Returns false when `remote` is no
    /// longer this store's JWKS URL: its refresher stops.
    #[cfg(feature = "jwks-url")]
    pub(crate) fn fetched(&self, remote: &Arc<remote::Remote>, keys: KeySet) -> bool {
        let mut sources = self.lock();
        if !self.is_current(remote) {
            return false;
        }
        let changed = sources.fetched.as_deref() != Some(&keys);
        if changed {
            tracing::info!(
                url = %remote.url(),
                keys = %keys.summary(),
                "the JWKS at the URL changed: its new keys are in effect"
            );
            sources.fetched = Some(Arc::new(keys));
            self.publish(&sources);
        } else {
            tracing::debug!(url = %remote.url(), "the JWKS at the URL is unchanged");
        }
        true
    }

    /// The refresher of `remote` failed to fetch: the last good set stays. Returns
    /// false when `remote` is no longer this store's JWKS URL.
    #[cfg(feature = "jwks-url")]
    pub(crate) fn fetch_failed(&self, remote: &Arc<remote::Remote>, error: &str) -> bool {
        let sources = self.lock();
        if !self.is_current(remote) {
            return false;
        }
        match sources.fetched.as_deref() {
            Some(kept) => tracing::warn!(
                url = %remote.url(),
                error = %error,
                kept = %kept.summary(),
                "JWKS refresh failed; keeping the last good key set"
            ),
            None => tracing::warn!(
                url = %remote.url(),
                error = %error,
                "JWKS fetch failed; the other keys configured stay in effect, and it is \
                 fetched again after the cool-down"
            ),
        }
        true
    }

    #[cfg(feature = "jwks-url")]
    fn is_current(&self, remote: &Arc<remote::Remote>) -> bool {
        self.remote
            .load()
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, remote))
    }
}

impl Drop for KeyStore {
    fn drop(&mut self) {
        #[cfg(feature = "jwks-url")]
        if let Some(remote) = self.remote.swap(None) {
            remote.stop();
        }
    }
}
