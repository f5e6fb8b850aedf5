//! Per-command latency histograms for INFO latencystats: a lock-free log-linear histogram
//! with HdrHistogram's geometry (1 ns .. 1 s at 2 significant digits), so the percentiles INFO
//! prints fall on the same bucket bounds as Valkey's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// HdrHistogram geometry for 1 ns .. 1 s at 2 significant digits: 256 sub-buckets per
/// power of two (the lower half shared with the previous bucket), 23 buckets.
const HIST_SUB_BUCKET_HALF_MAGNITUDE: u32 = 7;
const HIST_SUB_BUCKET_HALF: u64 = 1 << HIST_SUB_BUCKET_HALF_MAGNITUDE;
const HIST_SUB_BUCKET_MASK: u64 = 2 * HIST_SUB_BUCKET_HALF - 1;
const HIST_BUCKETS: usize = 23;
const HIST_COUNTS: usize = (HIST_BUCKETS + 1) * HIST_SUB_BUCKET_HALF as usize;
const HIST_MIN_NS: u64 = 1;
const HIST_MAX_NS: u64 = 1_000_000_000;

/// A concurrent latency histogram; its counters are allocated on the first record, so
/// commands never called cost one empty cell.
#[derive(Default)]
pub struct LatencyHistogram {
    counts: OnceLock<Box<[AtomicU64]>>,
}

impl LatencyHistogram {
    fn index_of(value: u64) -> usize {
        let bucket =
            (63 - (value | HIST_SUB_BUCKET_MASK).leading_zeros()) - HIST_SUB_BUCKET_HALF_MAGNITUDE;
        let sub = value >> bucket;
        // Bucket 0 uses all 256 sub-buckets; the others only their upper half.
        (((bucket as u64 + 1) << HIST_SUB_BUCKET_HALF_MAGNITUDE) + sub - HIST_SUB_BUCKET_HALF)
            as usize
    }

    /// The lowest value counted at `index`, and the width of its range.
    fn range_at(index: usize) -> (u64, u64) {
        let half = HIST_SUB_BUCKET_HALF as usize;
        let (bucket, sub) = if index < 2 * half {
            (0, index as u64)
        } else {
            let bucket = index / half - 1;
            (bucket as u32, (index % half) as u64 + HIST_SUB_BUCKET_HALF)
        };
        (sub << bucket, 1 << bucket)
    }

    /// Records one duration in nanoseconds, clamped to 1 ns .. 1 s.
    pub fn record(&self, ns: u64) {
        let value = ns.clamp(HIST_MIN_NS, HIST_MAX_NS);
        let counts = self
            .counts
            .get_or_init(|| (0..HIST_COUNTS).map(|_| AtomicU64::new(0)).collect());
        if let Some(cell) = counts.get(Self::index_of(value)) {
            cell.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The number of recorded durations. Summed on demand (INFO) rather than kept in a
    /// counter every command would bump.
    pub fn total_count(&self) -> u64 {
        self.counts.get().map_or(0, |counts| {
            counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
        })
    }

    /// HdrHistogram's `value_at_percentile`: the highest value equivalent to the bucket where
    /// the cumulative count first reaches the percentile.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let Some(counts) = self.counts.get() else {
            return 0;
        };
        let total = self.total_count();
        let wanted = ((percentile.min(100.0) / 100.0 * total as f64) + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0;
        for (index, cell) in counts.iter().enumerate() {
            seen += cell.load(Ordering::Relaxed);
            if seen >= wanted {
                let (lowest, width) = Self::range_at(index);
                return if percentile == 0.0 {
                    lowest
                } else {
                    lowest + width - 1
                };
            }
        }
        0
    }

    pub fn reset(&self) {
        if let Some(counts) = self.counts.get() {
            counts.iter().for_each(|c| c.store(0, Ordering::Relaxed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_reports_hdr_bucket_bounds() {
        // Valkey prints 7.007 for a single 7 µs call and 0.001 for a 0 µs one.
        let h = LatencyHistogram::default();
        h.record(7_000);
        assert_eq!(h.value_at_percentile(50.0), 7_007);
        let h = LatencyHistogram::default();
        h.record(0);
        assert_eq!(h.value_at_percentile(99.9), 1);
        let h = LatencyHistogram::default();
        for us in 1..=100u64 {
            h.record(us * 1000);
        }
        assert_eq!(h.value_at_percentile(50.0), 50_175);
        assert_eq!(h.value_at_percentile(100.0), 100_351);
        h.record(5_000_000_000);
        assert_eq!(h.value_at_percentile(100.0), 1_002_438_655);
        h.reset();
        assert_eq!(h.total_count(), 0);
    }

    #[test]
    fn histogram_index_round_trips() {
        for value in [1u64, 2, 255, 256, 257, 1000, 65_535, 1 << 20, HIST_MAX_NS] {
            let (lowest, width) = LatencyHistogram::range_at(LatencyHistogram::index_of(value));
            assert!(
                lowest <= value && value < lowest + width,
                "{value}: {lowest}+{width}"
            );
        }
        assert!(LatencyHistogram::index_of(HIST_MAX_NS) < HIST_COUNTS);
    }
}
