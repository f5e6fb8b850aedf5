//! The monotonic clock commands are timed with, as plain nanoseconds.
//!
//! Every command reads the clock once (its end is the next command's start) and derives from
//! that reading both its duration (command statistics, slowlog, latency) and the Unix time it
//! runs at. `std::time::Instant` makes the two subtractions that needs cost more than the read
//! itself (about 130 instructions per command, in normalising `Duration`s); here a reading is
//! one `u64` and a difference one subtraction.
//!
//! Invariant: readings come from `CLOCK_MONOTONIC` only, so they never go backwards within
//! the process and differences are elapsed time.

/// A reading of `CLOCK_MONOTONIC`, in nanoseconds since an arbitrary origin (boot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonotonicNs(u64);

impl MonotonicNs {
    pub fn now() -> MonotonicNs {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes only the timespec passed, which is a valid, initialised
        // local that outlives the call; CLOCK_MONOTONIC exists on every Linux, and on failure
        // the zeroed value is left (readings then saturate rather than wrap).
        unsafe {
            libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now);
        }
        let secs = u64::try_from(now.tv_sec).unwrap_or(0);
        let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
        MonotonicNs(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
    }

    /// Nanoseconds from `earlier` to this reading; 0 if `earlier` is later.
    pub fn nanos_since(self, earlier: MonotonicNs) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    pub fn micros_since(self, earlier: MonotonicNs) -> u64 {
        self.nanos_since(earlier) / 1_000
    }

    pub fn millis_since(self, earlier: MonotonicNs) -> u64 {
        self.nanos_since(earlier) / 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Readings advance with real time, as `Instant` measures it, and never go back.
    #[test]
    fn readings_track_elapsed_time() {
        // Instant's interval is read just outside ours: its start first, its end last.
        let instant = Instant::now();
        let start = MonotonicNs::now();
        std::thread::sleep(Duration::from_millis(20));
        let end = MonotonicNs::now();
        let measured_ns = instant.elapsed().as_nanos() as u64;
        assert!(end.nanos_since(start) >= 20_000_000);
        assert!(end.nanos_since(start) <= measured_ns);
        assert_eq!(end.millis_since(start), end.nanos_since(start) / 1_000_000);
        assert_eq!(start.nanos_since(end), 0);
        assert!(MonotonicNs::now() >= end);
    }
}
