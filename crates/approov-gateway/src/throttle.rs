//! The gateway's own lines about requests (a path it refuses, an upstream that does not
//! answer) are written at most once a second each, so a flood of such requests cannot
//! fill a disk; `/metrics` counts every one. (Failed Approov checks are logged by the
//! core, within its own budget.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// One kind of line's budget: the first in each second.
#[derive(Debug)]
pub(crate) struct Throttle {
    last: AtomicU64,
}

impl Throttle {
    pub(crate) const fn new() -> Self {
        Throttle {
            last: AtomicU64::new(u64::MAX),
        }
    }

    /// Whether a line may be written now.
    pub(crate) fn allow(&self) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let last = self.last.load(Ordering::Relaxed);
        last != now
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Throttle;

    #[test]
    fn one_line_a_second() {
        let throttle = Throttle::new();
        assert!(throttle.allow());
        let more = (0..1000).filter(|_| throttle.allow()).count();
        // At most one more: the second may have turned during the loop.
        assert!(more <= 1, "{more}");
    }
}
