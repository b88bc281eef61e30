//! The one clock every check reads: whole seconds since the Unix epoch.

/// The time the checks compare `exp`, `nbf` and a message signature's `created` with,
/// in whole seconds since the epoch; the rejection log counts its seconds on it too.
///
/// On Linux it is the kernel's coarse wall clock (`CLOCK_REALTIME_COARSE`): the time
/// of the last timer tick, a few milliseconds behind at most, read without the
/// time-stamp counter. Under a hypervisor the fine clock costs about 25 ns a read and
/// the coarse one 5, and a check only needs the second. Being late, it can let a token
/// through for those few milliseconds past its `exp`, and refuse one for as long after
/// its `nbf` has come; a leeway of whole seconds dwarfs both.
pub(crate) fn unix_now() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::time::{clock_gettime_dynamic, ClockId, DynamicClockId};
        // A kernel without the coarse clock gets the system clock, not a panic.
        let coarse = DynamicClockId::Known(ClockId::RealtimeCoarse);
        if let Ok(now) = clock_gettime_dynamic(coarse) {
            // A clock before 1970 expires everything.
            return u64::try_from(now.tv_sec).unwrap_or(u64::MAX);
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(u64::MAX, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::unix_now;

    /// The coarse clock is the wall clock, to the second (a monotonic clock, or one
    /// in other units, would be far off).
    #[test]
    fn the_clock_is_the_wall_clock_to_the_second() {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let ours = unix_now();
        assert!(ours.abs_diff(system) <= 1, "{ours} against {system}");
    }
}
