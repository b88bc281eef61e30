//! [`Mode`]: whether a failed check refuses the request.

use super::error::ConfigError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
