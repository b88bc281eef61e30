//! A verifier's JWKS URL: fetched at start-up (or, beside other keys, in the
//! background until it answers) and refreshed.

use crate::config::{ConfigError, EnvKeys, JWKS_URL_VAR};
use crate::keys::shown;
use crate::store::JwksUrl;

use super::ApproovVerifier;

impl ApproovVerifier {
    /// Also checks tokens against the JWKS at `url`: fetched now (this blocks, at most
    /// the URL's timeout), then refreshed in a background thread as [`JwksUrl`](crate::JwksUrl)
    /// says, for as long as a clone of this verifier lives. Replaces a JWKS URL set
    /// before.
    ///
    /// # Errors
    /// The first fetch fails, or the document is not a usable JWKS, or it has a key id
    /// of a key the verifier was given.
    #[cfg(feature = "jwks-url")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks-url")))]
    pub fn with_jwks_url(self, url: JwksUrl) -> Result<Self, ConfigError> {
        let fetched = url.fetch_now()?;
        let given = self.keys.given();
        if let Some(kid) = fetched
            .kids()
            .find(|kid| given.kids().any(|ours| ours == *kid))
        {
            return Err(ConfigError::KeyClash {
                kid: shown(kid),
                first: "the keys given to the verifier".into(),
                second: url.url().to_owned(),
            });
        }
        self.keys.replace(None, Some((url, Some(fetched))))?;
        Ok(self)
    }

    /// The JWKS URL the environment names, fetched now; when that fails and other keys
    /// are configured (or `lazy`), `None` for the set: the refresher fetches it in the
    /// background.
    pub(super) fn fetch_env_url(
        keys: &EnvKeys,
        lazy: bool,
    ) -> Result<Option<(JwksUrl, Option<crate::KeySet>)>, ConfigError> {
        let Some((url, refresh)) = &keys.url else {
            return Ok(None);
        };
        let url = JwksUrl::from_env(url, *refresh)?;
        match url.fetch_now() {
            Ok(fetched) => {
                keys.check_clash(&fetched, JWKS_URL_VAR)?;
                Ok(Some((url, Some(fetched))))
            }
            Err(error) if lazy || !keys.local.is_empty() => {
                tracing::warn!(
                    "{error}: starting with the other keys configured, if any; the JWKS is \
                     fetched again in the background until it answers"
                );
                Ok(Some((url, None)))
            }
            Err(error) => Err(error),
        }
    }
}
