//! `maxmemory` and its eviction policies.
//!
//! Before a command runs, the dispatcher asks `perform_evictions` whether memory is within
//! `maxmemory`; keys are evicted by `maxmemory-policy` until it is, and a command flagged
//! DENYOOM (or anything queued inside MULTI) is refused with OOM when it cannot be. Memory is
//! jemalloc's allocated bytes, refreshed at most once a millisecond (a refresh merges every
//! arena's statistics) and lowered in between by exactly what evictions freed, measured with
//! jemalloc's per-thread deallocation counter around each drop.
//!
//! Victims are chosen as Valkey does. The LRU, LFU and TTL policies keep an eviction pool
//! (Valkey's `EVPOOL_SIZE` = 16 candidates, ordered by score: idle time, 255 minus the decayed
//! access counter, or the inverted expiry time) that lives across evictions and commands: each
//! eviction first samples `maxmemory-samples` keys (or keys with an expiry, for the volatile
//! policies) from every database that has any, from one random shard of each (a shard stands
//! for Valkey's per-database dictionary), merges them into the pool, which keeps the best 16
//! seen, and then evicts the best candidate that still exists (a "ghost" deleted or, for the
//! volatile policies, made persistent meanwhile is dropped). So a key that was a good victim
//! in an earlier sample keeps competing, and victims come much closer to the true least
//! recently used than the best of one sample. Scores are not refreshed once in the pool, as in
//! Valkey. The random policies pick one random key, visiting the databases in turn.
//!
//! Each eviction is a write like any other: it takes the victim's shard lock, emits `DEL` into
//! the write stream, raises `evicted`, and invalidates WATCH and client-side caches. A pass
//! stops after a time budget set by `maxmemory-eviction-tenacity`; the command then runs, as in
//! Valkey. Lock order: the pool's mutex is never held with a shard lock (samples are taken
//! under the shard lock, then merged under the pool's).

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
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

    fn random(self) -> bool {
        matches!(self, Policy::AllKeysRandom | Policy::VolatileRandom)
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
    /// Candidates of the LRU, LFU and TTL policies, kept between evictions.
    pool: Mutex<EvictionPool>,
    /// The database the random policies try next (Valkey's `next_db`).
    next_db: AtomicUsize,
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
            pool: Mutex::default(),
            next_db: AtomicUsize::new(0),
        }
    }
}

impl Eviction {
    pub fn configure(&self, maxmemory_bytes: u64, policy: Policy, samples: u64, tenacity: u64) {
        self.maxmemory_bytes
            .store(maxmemory_bytes, Ordering::Relaxed);
        if self.policy.swap(policy as u8, Ordering::Relaxed) != policy as u8 {
            // Scores of another policy do not compare with the new one's.
            self.pool.lock().clear();
        }
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
    let samples = eviction.samples.load(Ordering::Relaxed);
    while freed < to_free {
        let Some(bytes) = evict_one(server, policy, samples) else {
            outcome = false;
            break;
        };
        freed += bytes;
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

/// Valkey's `EVPOOL_SIZE`.
const EVICTION_POOL_SIZE: usize = 16;
/// Rounds of sampling one eviction tries before it gives up, when every candidate turns out
/// deleted by the time it is evicted (other clients deleting as fast as it samples).
const ATTEMPTS_PER_EVICTION: usize = 16;

/// A key that may be evicted.
struct Victim {
    db: usize,
    key: Vec<u8>,
    /// Higher is a better victim.
    score: u64,
}

/// The best candidates seen so far, in ascending score order (the best last), at most
/// `EVICTION_POOL_SIZE`.
#[derive(Default)]
struct EvictionPool {
    entries: Vec<Victim>,
}

impl EvictionPool {
    /// Valkey's `evictionPoolPopulate` insertion: a candidate worse than every entry of a full
    /// pool is dropped; otherwise it takes its place in order, pushing out the worst entry when
    /// the pool is full. A key already in the pool is replaced, with its new score.
    fn insert(&mut self, candidate: Victim) {
        if let Some(at) = self
            .entries
            .iter()
            .position(|e| e.db == candidate.db && e.key == candidate.key)
        {
            self.entries.remove(at);
        }
        let at = self.entries.partition_point(|e| e.score < candidate.score);
        if self.entries.len() < EVICTION_POOL_SIZE {
            self.entries.insert(at, candidate);
        } else if at > 0 {
            self.entries.remove(0);
            self.entries.insert(at - 1, candidate);
        }
    }

    fn pop_best(&mut self) -> Option<Victim> {
        self.entries.pop()
    }

    fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Evicts one key by `policy`; returns the bytes that freed, or None when there is nothing to
/// evict.
fn evict_one(server: &Server, policy: Policy, samples: u64) -> Option<u64> {
    for _ in 0..ATTEMPTS_PER_EVICTION {
        if policy.random() {
            let victim = random_victim(server, policy)?;
            if let Some(freed) = evict(server, policy, &victim) {
                return Some(freed);
            }
            continue;
        }
        if !populate_pool(server, policy, samples) {
            return None;
        }
        loop {
            let Some(victim) = server.eviction.pool.lock().pop_best() else {
                break;
            };
            if let Some(freed) = evict(server, policy, &victim) {
                return Some(freed);
            }
        }
    }
    None
}

/// Samples every database that has candidates into the pool; false when none has any.
fn populate_pool(server: &Server, policy: Policy, samples: u64) -> bool {
    let keyspace = &server.keyspace;
    let mut rng = rand::thread_rng();
    let lru_clock = server.lru_clock();
    let now_minutes = unix_time_ms() / 60_000;
    let mut any = false;
    for db in 0..keyspace.db_count() {
        let sampled = sample_db(
            server,
            db,
            policy,
            samples,
            &mut rng,
            |shard, key, when_ms| match policy {
                Policy::VolatileTtl => Some(u64::MAX - when_ms.unwrap_or(i64::MAX).max(0) as u64),
                _ => shard
                    .main
                    .peek(keyspace.hash(key), key)
                    .map(|entry| entry_score(entry, policy, lru_clock, now_minutes)),
            },
        );
        let Some(sampled) = sampled else {
            continue;
        };
        any = true;
        let mut pool = server.eviction.pool.lock();
        for victim in sampled {
            pool.insert(victim);
        }
    }
    any
}

/// The random policies' victim: a random key of the next database that has any.
fn random_victim(server: &Server, policy: Policy) -> Option<Victim> {
    let keyspace = &server.keyspace;
    let dbs = keyspace.db_count();
    let mut rng = rand::thread_rng();
    for _ in 0..dbs {
        let db = (server.eviction.next_db.fetch_add(1, Ordering::Relaxed) + 1) % dbs.max(1);
        let sampled = sample_db(server, db, policy, 1, &mut rng, |_, _, _| Some(0));
        if let Some(victim) = sampled.and_then(|mut sampled| sampled.pop()) {
            return Some(victim);
        }
    }
    None
}

/// Draws `draws` random candidates (keys, or keys with an expiry for the volatile policies)
/// from the first shard of `db`, from a random one on, that has any, scored by `score` (None
/// drops a candidate). None when the database has no candidate at all.
fn sample_db(
    server: &Server,
    db: usize,
    policy: Policy,
    draws: u64,
    rng: &mut impl Rng,
    score: impl Fn(&crate::keyspace::Shard, &[u8], Option<i64>) -> Option<u64>,
) -> Option<Vec<Victim>> {
    let keyspace = &server.keyspace;
    let shards = keyspace.shard_count();
    let first_shard = rng.gen_range(0..shards.max(1));
    for shard_index in (0..shards).map(|i| (first_shard + i) % shards) {
        let Some(shard) = keyspace.lock_shard(db, shard_index) else {
            continue;
        };
        let candidates = if policy.volatile() {
            shard.expires.len()
        } else {
            shard.main.len()
        };
        if candidates == 0 {
            continue;
        }
        let mut sampled = Vec::with_capacity(draws as usize);
        for _ in 0..draws {
            let candidate = if policy.volatile() {
                shard
                    .expires
                    .random_entry(rng)
                    .map(|e| (e.key.as_bytes().to_vec(), Some(e.when_ms)))
            } else {
                shard
                    .main
                    .random_entry(rng)
                    .map(|e| (e.key.as_bytes().to_vec(), None))
            };
            let Some((key, when_ms)) = candidate else {
                continue;
            };
            if let Some(score) = score(&shard, &key, when_ms) {
                sampled.push(Victim { db, key, score });
            }
        }
        return Some(sampled);
    }
    None
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

/// Deletes the victim if it is still a candidate (it exists; with an expiry, for the
/// volatile policies); returns the bytes its removal freed, None for a ghost.
fn evict(server: &Server, policy: Policy, victim: &Victim) -> Option<u64> {
    let keyspace = &server.keyspace;
    let hash = keyspace.hash(&victim.key);
    let mut shard = keyspace.lock_shard(victim.db, keyspace.shard_of(hash))?;
    if policy.volatile() && shard.expire_of(hash, &victim.key).is_none() {
        return None;
    }
    let before = thread_deallocated_bytes();
    let entry = shard.remove(hash, &victim.key)?;
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
            commands: vec![vec![b"DEL".to_vec(), victim.key.clone()].into()],
        });
    }
    Some(freed)
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

    fn candidate(key: &str, score: u64) -> Victim {
        Victim {
            db: 0,
            key: key.as_bytes().to_vec(),
            score,
        }
    }

    fn scores(pool: &EvictionPool) -> Vec<u64> {
        pool.entries.iter().map(|e| e.score).collect()
    }

    #[test]
    fn the_pool_keeps_the_best_sixteen_in_order() {
        let mut pool = EvictionPool::default();
        for i in (0..20u64).rev() {
            pool.insert(candidate(&format!("k{i}"), i * 10));
        }
        assert_eq!(scores(&pool), (4..20).map(|i| i * 10).collect::<Vec<_>>());
        // Worse than every entry of a full pool: dropped.
        pool.insert(candidate("low", 5));
        assert!(pool.entries.iter().all(|e| e.key != b"low"));
        // In between: it takes its place and the worst entry goes.
        pool.insert(candidate("mid", 105));
        assert_eq!(pool.entries.len(), EVICTION_POOL_SIZE);
        assert_eq!(pool.entries[0].score, 50);
        assert!(pool.entries.windows(2).all(|w| w[0].score <= w[1].score));
        // A key already there is rescored, not duplicated.
        pool.insert(candidate("k19", 1));
        assert_eq!(pool.entries.len(), EVICTION_POOL_SIZE);
        assert_eq!(pool.entries[0].key, b"k19");
        assert_eq!(pool.pop_best().map(|v| v.key), Some(b"k18".to_vec()));
        pool.clear();
        assert!(pool.pop_best().is_none());
    }

    /// Inserts `key` into database 0 with an idle time of `idle` LRU clock units.
    fn insert_idle(server: &Server, key: &str, idle: u32, expires: bool) {
        let keyspace = &server.keyspace;
        let hash = keyspace.hash(key.as_bytes());
        let mut shard = keyspace
            .lock_shard(0, keyspace.shard_of(hash))
            .expect("shard");
        let lru = server.lru_clock().wrapping_sub(idle) & crate::server::LRU_CLOCK_MAX;
        shard.insert(
            hash,
            key.as_bytes(),
            crate::keyspace::value::Value::from_bytes(b"v"),
            0,
            lru,
        );
        if expires {
            shard.set_expire(hash, key.as_bytes(), i64::MAX / 2);
        }
    }

    fn exists(server: &Server, key: &str) -> bool {
        let keyspace = &server.keyspace;
        let hash = keyspace.hash(key.as_bytes());
        let shard = keyspace
            .lock_shard(0, keyspace.shard_of(hash))
            .expect("shard");
        shard.main.peek(hash, key.as_bytes()).is_some()
    }

    #[test]
    fn each_eviction_takes_the_best_of_the_pool_which_stays_for_the_next() {
        let server = crate::test_support::server();
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        for (i, key) in keys.iter().enumerate() {
            insert_idle(&server, key, 1000 + i as u32, false);
        }
        let mut evicted: Vec<usize> = Vec::new();
        for round in 1..=20 {
            assert!(evict_one(&server, Policy::AllKeysLru, 5).is_some());
            let gone: Vec<usize> = (0..keys.len())
                .filter(|&i| !evicted.contains(&i) && !exists(&server, &keys[i]))
                .collect();
            let [victim] = gone[..] else {
                panic!("round {round}: gone {gone:?}");
            };
            evicted.push(victim);
            // The victim was the best candidate; the others stay for the next eviction.
            let victim_score = 1000 + victim as u64;
            let pool = server.eviction.pool.lock();
            assert!(
                !pool.entries.is_empty(),
                "the pool is kept between evictions"
            );
            assert!(
                pool.entries.iter().all(|e| e.score <= victim_score),
                "round {round}: pool {:?}, victim {victim_score}",
                scores(&pool)
            );
        }
    }

    #[test]
    fn ghosts_are_skipped_and_volatile_policies_keep_persistent_keys() {
        let server = crate::test_support::server();
        insert_idle(&server, "persistent", 5000, false);
        insert_idle(&server, "volatile", 10, true);
        server
            .eviction
            .pool
            .lock()
            .insert(candidate("deleted-meanwhile", u64::MAX));
        server
            .eviction
            .pool
            .lock()
            .insert(candidate("persistent", u64::MAX - 1));
        assert!(evict_one(&server, Policy::VolatileLru, 5).is_some());
        assert!(exists(&server, "persistent"));
        assert!(!exists(&server, "volatile"));
        assert!(server.eviction.pool.lock().entries.is_empty());
        assert_eq!(evict_one(&server, Policy::VolatileLru, 5), None);
        assert!(evict_one(&server, Policy::AllKeysRandom, 5).is_some());
        assert!(!exists(&server, "persistent"));
        assert_eq!(evict_one(&server, Policy::AllKeysLfu, 5), None);
    }

    #[test]
    fn a_new_policy_starts_from_an_empty_pool() {
        let eviction = Eviction::default();
        eviction.configure(1, Policy::AllKeysLru, 5, 10);
        eviction.pool.lock().insert(candidate("k", 1));
        eviction.configure(2, Policy::AllKeysLru, 5, 10);
        assert_eq!(eviction.pool.lock().entries.len(), 1);
        eviction.configure(2, Policy::AllKeysLfu, 5, 10);
        assert!(eviction.pool.lock().entries.is_empty());
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
