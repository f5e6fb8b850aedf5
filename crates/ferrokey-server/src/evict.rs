//! `maxmemory` and its eviction policies.
//!
//! Before a command runs, the dispatcher asks `perform_evictions` whether memory is within
//! `maxmemory`; keys are evicted by `maxmemory-policy` until it is, and a command flagged
//! DENYOOM (or anything queued inside MULTI) is refused with OOM when it cannot be. Memory is
//! jemalloc's allocated bytes, refreshed at most once a millisecond (a refresh merges every
//! arena's statistics) and lowered in between by exactly what evictions freed, measured with
//! jemalloc's per-thread deallocation counter around each drop.
//!
//! Victims are chosen as Valkey does, by sampling: `maxmemory-samples` keys (or keys with an
//! expiry, for the volatile policies) from a random shard of each database, the best by idle
//! time (LRU), access frequency (LFU) or nearest expiry (TTL) goes. Each eviction is a write
//! like any other: it takes the victim's shard lock, emits `DEL` into the write stream, raises
//! `evicted`, and invalidates WATCH and client-side caches. A pass stops after a time budget
//! set by `maxmemory-eviction-tenacity`; the command then runs, as in Valkey.

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::keyspace::value::Entry;
use crate::notify::{class, notify};
use crate::server::{unix_time_ms, Server, Stats};
use crate::write_stream::EffectBatch;

/// `maxmemory-policy`, in the config table's numbering.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Policy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllKeysLru,
    AllKeysLfu,
    AllKeysRandom,
    NoEviction,
}

impl Policy {
    pub fn from_name(name: &str) -> Policy {
        match name {
            "volatile-lru" => Policy::VolatileLru,
            "volatile-lfu" => Policy::VolatileLfu,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            "allkeys-lru" => Policy::AllKeysLru,
            "allkeys-lfu" => Policy::AllKeysLfu,
            "allkeys-random" => Policy::AllKeysRandom,
            _ => Policy::NoEviction,
        }
    }

    fn from_u8(n: u8) -> Policy {
        [
            Policy::VolatileLru,
            Policy::VolatileLfu,
            Policy::VolatileRandom,
            Policy::VolatileTtl,
            Policy::AllKeysLru,
            Policy::AllKeysLfu,
            Policy::AllKeysRandom,
        ]
        .get(usize::from(n))
        .copied()
        .unwrap_or(Policy::NoEviction)
    }

    fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllKeysLfu)
    }
}

/// The eviction settings and the memory gauge.
pub struct Eviction {
    maxmemory_bytes: AtomicU64,
    policy: AtomicU8,
    samples: AtomicU64,
    tenacity: AtomicU64,
    /// jemalloc's allocated bytes at the last refresh, less what evictions freed since.
    used_bytes: AtomicU64,
    refreshed_at_ms: AtomicI64,
}

impl Default for Eviction {
    fn default() -> Self {
        Eviction {
            maxmemory_bytes: AtomicU64::new(0),
            policy: AtomicU8::new(Policy::NoEviction as u8),
            samples: AtomicU64::new(5),
            tenacity: AtomicU64::new(10),
            used_bytes: AtomicU64::new(0),
            refreshed_at_ms: AtomicI64::new(i64::MIN),
        }
    }
}

impl Eviction {
    pub fn configure(&self, maxmemory_bytes: u64, policy: Policy, samples: u64, tenacity: u64) {
        self.maxmemory_bytes
            .store(maxmemory_bytes, Ordering::Relaxed);
        self.policy.store(policy as u8, Ordering::Relaxed);
        self.samples.store(samples.clamp(1, 64), Ordering::Relaxed);
        self.tenacity.store(tenacity.min(100), Ordering::Relaxed);
        // A new limit is checked against fresh figures.
        self.refreshed_at_ms.store(i64::MIN, Ordering::Relaxed);
    }

    /// Whether a `maxmemory` limit is set (eviction may then run before commands).
    pub fn is_limited(&self) -> bool {
        self.maxmemory_bytes.load(Ordering::Relaxed) != 0
    }

    pub fn policy(&self) -> Policy {
        Policy::from_u8(self.policy.load(Ordering::Relaxed))
    }

    fn used_bytes(&self, now_ms: i64) -> u64 {
        if now_ms != self.refreshed_at_ms.swap(now_ms, Ordering::Relaxed) {
            use tikv_jemalloc_ctl::{epoch, stats};
            let _ = epoch::advance();
            let allocated = stats::allocated::read().unwrap_or(0) as u64;
            self.used_bytes.store(allocated, Ordering::Relaxed);
        }
        self.used_bytes.load(Ordering::Relaxed)
    }

    /// Valkey's time budget of one eviction pass: 50 µs at tenacity 10 and below, scaled
    /// up 15% per step above; 100 means no limit.
    fn time_budget(&self) -> Option<Duration> {
        let tenacity = self.tenacity.load(Ordering::Relaxed);
        if tenacity >= 100 {
            return None;
        }
        let micros = if tenacity <= 10 {
            50.0 * tenacity as f64
        } else {
            500.0 * 1.15f64.powi(tenacity as i32 - 10)
        };
        Some(Duration::from_micros(micros as u64))
    }
}

/// Evicts keys until memory is within `maxmemory`. Returns false when it is over the limit
/// and nothing (more) can be evicted: the caller then refuses DENYOOM commands. Call while
/// holding no shard lock.
pub fn perform_evictions(server: &Server) -> bool {
    let eviction = &server.eviction;
    let maxmemory = eviction.maxmemory_bytes.load(Ordering::Relaxed);
    if maxmemory == 0 {
        return true;
    }
    let used = eviction.used_bytes(unix_time_ms());
    if used <= maxmemory {
        return true;
    }
    let policy = eviction.policy();
    if policy == Policy::NoEviction {
        return false;
    }
    let to_free = used - maxmemory;
    let started = Instant::now();
    let budget = eviction.time_budget();
    let mut freed = 0u64;
    let mut outcome = true;
    while freed < to_free {
        let Some(victim) = choose_victim(server, policy, eviction.samples.load(Ordering::Relaxed))
        else {
            outcome = false;
            break;
        };
        freed += evict(server, &victim);
        if budget.is_some_and(|budget| started.elapsed() > budget) {
            break;
        }
    }
    let _ = eviction
        .used_bytes
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
            Some(used.saturating_sub(freed))
        });
    outcome
}

struct Victim {
    db: usize,
    key: Vec<u8>,
    /// Higher is a better victim.
    score: u64,
}

fn choose_victim(server: &Server, policy: Policy, samples: u64) -> Option<Victim> {
    let keyspace = &server.keyspace;
    let mut rng = rand::thread_rng();
    let lru_clock = server.lru_clock();
    let now_minutes = unix_time_ms() / 60_000;
    let random = matches!(policy, Policy::AllKeysRandom | Policy::VolatileRandom);
    let mut best: Option<Victim> = None;
    // Databases in a random rotation, so random policies do not always drain db 0 first.
    let dbs = keyspace.db_count();
    let first_db = rng.gen_range(0..dbs.max(1));
    for db in (0..dbs).map(|i| (first_db + i) % dbs) {
        let shards = keyspace.shard_count();
        let first_shard = rng.gen_range(0..shards.max(1));
        // The first shard of this database with candidates.
        for shard_index in (0..shards).map(|i| (first_shard + i) % shards) {
            let Some(shard) = keyspace.lock_shard(db, shard_index) else {
                continue;
            };
            let pool = if policy.volatile() {
                shard.expires.len()
            } else {
                shard.main.len()
            };
            if pool == 0 {
                continue;
            }
            let draws = if random { 1 } else { samples };
            for _ in 0..draws {
                let candidate = if policy.volatile() {
                    shard
                        .expires
                        .random_entry(&mut rng)
                        .map(|e| (e.key.as_bytes().to_vec(), Some(e.when_ms)))
                } else {
                    shard
                        .main
                        .random_entry(&mut rng)
                        .map(|e| (e.key.as_bytes().to_vec(), None))
                };
                let Some((key, when_ms)) = candidate else {
                    continue;
                };
                let score = match policy {
                    Policy::VolatileTtl => u64::MAX - when_ms.unwrap_or(i64::MAX).max(0) as u64,
                    Policy::AllKeysRandom | Policy::VolatileRandom => rng.gen(),
                    _ => {
                        let hash = keyspace.hash(&key);
                        match shard.main.peek(hash, &key) {
                            Some(entry) => entry_score(entry, policy, lru_clock, now_minutes),
                            None => continue,
                        }
                    }
                };
                if best.as_ref().is_none_or(|b| score > b.score) {
                    best = Some(Victim { db, key, score });
                }
            }
            break;
        }
        if random && best.is_some() {
            break;
        }
    }
    best
}

fn entry_score(entry: &Entry, policy: Policy, lru_clock: u32, now_minutes: i64) -> u64 {
    if policy.is_lfu() {
        255 - u64::from(lfu_decayed_counter(entry, now_minutes))
    } else {
        u64::from(idle_clock_units(entry.lru, lru_clock))
    }
}

fn idle_clock_units(lru: u32, clock: u32) -> u32 {
    if clock >= lru {
        clock - lru
    } else {
        clock + (crate::server::LRU_CLOCK_MAX - lru)
    }
}

/// Deletes the victim if it is still there; returns the bytes its removal freed.
fn evict(server: &Server, victim: &Victim) -> u64 {
    let keyspace = &server.keyspace;
    let hash = keyspace.hash(&victim.key);
    let Some(mut shard) = keyspace.lock_shard(victim.db, keyspace.shard_of(hash)) else {
        return 0;
    };
    let before = thread_deallocated_bytes();
    let Some(entry) = shard.remove(hash, &victim.key) else {
        return 0;
    };
    drop(entry);
    let freed = thread_deallocated_bytes().saturating_sub(before);
    shard.watched.touch(&victim.key);
    if server.tracking.any() {
        crate::tracking::key_modified(server, &victim.key, None);
    }
    Stats::add(&server.stats.evicted_keys, 1);
    notify(
        server,
        victim.db,
        class::EVICTED,
        "evicted",
        &victim.key,
        None,
    );
    if server.write_stream.is_active() {
        server.write_stream.emit(EffectBatch {
            db: victim.db,
            commands: vec![vec![b"DEL".to_vec(), victim.key.clone()]],
        });
    }
    freed
}

/// Bytes this thread has freed since it started (jemalloc's `thread.deallocated`).
fn thread_deallocated_bytes() -> u64 {
    tikv_jemalloc_ctl::thread::deallocatedp::read()
        .map(|counter| counter.get())
        .unwrap_or(0)
}

// --- LFU: Valkey's logarithmic access counter with time decay ---------------------------------

/// The counter after the decay its idle minutes call for (`lfu-decay-time` minutes per step).
/// In LFU mode `Entry::lru` holds the minute of the last decrement (16 bits), as Valkey's
/// 24-bit field does in its upper bits.
pub fn lfu_decayed_counter(entry: &Entry, now_minutes: i64) -> u8 {
    lfu_decay(
        entry.lfu,
        entry.lru,
        now_minutes,
        LFU_DECAY_MINUTES.load(Ordering::Relaxed),
    )
}

fn lfu_decay(counter: u8, ldt: u32, now_minutes: i64, decay_minutes: u64) -> u8 {
    let now = (now_minutes & 0xFFFF) as u32;
    let ldt = ldt & 0xFFFF;
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        0xFFFF - ldt + now
    };
    let periods = u64::from(elapsed).checked_div(decay_minutes).unwrap_or(0);
    counter.saturating_sub(periods.min(255) as u8)
}

/// `lfu-log-factor` and `lfu-decay-time`, read on every access in LFU mode.
static LFU_LOG_FACTOR: AtomicU64 = AtomicU64::new(10);
static LFU_DECAY_MINUTES: AtomicU64 = AtomicU64::new(1);

pub fn configure_lfu(log_factor: u64, decay_minutes: u64) {
    LFU_LOG_FACTOR.store(log_factor, Ordering::Relaxed);
    LFU_DECAY_MINUTES.store(decay_minutes, Ordering::Relaxed);
}

/// Records an access in LFU mode: decay, then a logarithmic increment (the counter grows
/// with probability 1 / ((counter - 5) * log_factor + 1), as in Valkey).
pub fn lfu_touch(entry: &mut Entry, now_minutes: i64) {
    let counter = lfu_decayed_counter(entry, now_minutes);
    let counter = lfu_log_increment(counter, rand::thread_rng().gen::<f64>());
    entry.lfu = counter;
    entry.lru = (now_minutes & 0xFFFF) as u32;
}

fn lfu_log_increment(counter: u8, draw: f64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * LFU_LOG_FACTOR.load(Ordering::Relaxed) as f64 + 1.0);
    if draw < p {
        counter + 1
    } else {
        counter
    }
}

const LFU_INIT_VAL: u8 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_like_the_config_table() {
        assert_eq!(Policy::from_name("allkeys-lru"), Policy::AllKeysLru);
        assert_eq!(Policy::from_name("volatile-ttl"), Policy::VolatileTtl);
        assert_eq!(Policy::from_name("noeviction"), Policy::NoEviction);
        for n in 0..8u8 {
            assert_eq!(Policy::from_u8(n) as u8, n);
        }
    }

    #[test]
    fn lfu_counter_grows_logarithmically_and_decays() {
        assert_eq!(
            lfu_log_increment(5, 0.99),
            6,
            "at the initial value it always grows"
        );
        assert_eq!(lfu_log_increment(100, 0.5), 100);
        assert_eq!(lfu_log_increment(255, 0.0), 255);
        assert_eq!(lfu_decay(10, 100, 103, 1), 7);
        assert_eq!(lfu_decay(10, 100, 103, 2), 9);
        assert_eq!(lfu_decay(2, 100, 200, 1), 0);
        assert_eq!(lfu_decay(10, 100, 200, 0), 10, "decay-time 0 never decays");
    }

    #[test]
    fn tenacity_sets_the_time_budget() {
        let eviction = Eviction::default();
        eviction.configure(1, Policy::AllKeysLru, 5, 10);
        assert_eq!(eviction.time_budget(), Some(Duration::from_micros(500)));
        eviction.configure(1, Policy::AllKeysLru, 5, 100);
        assert_eq!(eviction.time_budget(), None);
    }
}
