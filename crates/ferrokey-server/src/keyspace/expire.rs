//! The active expiry cycle and the other periodic keyspace work (incremental rehashing).
//!
//! Keys also expire lazily when touched, but a key that nobody reads again must still free its
//! memory, so the cron samples each shard's expires table, as Redis does: up to
//! `keys_per_loop` keys per round, another round on the same shard while more than the
//! acceptable share of the sample was stale, all within a CPU budget per cycle that grows with
//! `active-expire-effort`. Each deleted key becomes a `DEL` in the write stream, emitted while
//! its shard is still locked. A shard's lock is held for one round only, so clients wait at
//! most for one round of ~20 deletions.
//!
//! Hash fields with expiry times (Valkey 9.0) are never deleted lazily: reads only skip them. So
//! a second job of the same cycle walks each shard's `VolatileHashes` (the keys whose hash has
//! such fields) the same way and reclaims up to `FIELDS_PER_KEY_FACTOR * keys_per_loop` expired
//! fields per hash and visit, earliest first; a hash that had more is visited again in the next
//! round before the walk moves on. Reclaimed fields become one `HDEL key field...` per hash, and
//! a hash left empty is deleted and followed by `DEL key`; the keyspace events are likewise one
//! `hexpired` per hash and visit, then `del` for an emptied hash. The two jobs share the cycle's
//! budget and take turns going first, as in Valkey, so neither starves the other.
//!
//! `VolatileHashes` may name keys that no longer hold a hash with field times (a key overwritten
//! by another command); the field job drops such names when it meets them, so tracking stays
//! cheap for every command that does not deal in field times.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ahash::RandomState;

use super::dict::{Dict, DictEntry};
use super::value::{SmallBytes, Value};
use crate::notify::{class, notify};
use crate::server::{unix_time_ms, Server, Stats};
use crate::write_stream::EffectBatch;

/// Keys sampled per round at effort 1 (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
const KEYS_PER_LOOP: usize = 20;
/// Percentage of the cron period the cycle may use at effort 1.
const SLOW_TIME_PERCENT: u64 = 25;
/// Stale percentage under which a shard is left alone until the next cycle, at effort 1.
const ACCEPTABLE_STALE_PERCENT: usize = 10;
/// Buckets the scan may visit per round, per key sampled, before the round ends anyway.
const BUCKETS_PER_KEY: usize = 2;
/// Fields reclaimed from one hash per visit, per key of `keys_per_loop` (Valkey's
/// `max_entries = keys_per_loop * 4`).
const FIELDS_PER_KEY_FACTOR: usize = 4;

/// Which job goes first in the next cycle (true: fields).
static FIELDS_FIRST: AtomicBool = AtomicBool::new(false);

/// One hash key with field expiry times, in a shard's `VolatileHashes`.
pub struct VolatileHashKey {
    key: SmallBytes,
}

impl DictEntry for VolatileHashKey {
    fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

/// The keys of a shard whose hash has fields with expiry times, and where the field job resumes
/// its walk over them. Hashes without field times are never listed, so they cost nothing here.
pub struct VolatileHashes {
    keys: Dict<VolatileHashKey>,
    cursor: u64,
}

impl VolatileHashes {
    pub fn new(hasher: &RandomState) -> Self {
        VolatileHashes {
            keys: Dict::new(hasher.clone()),
            cursor: 0,
        }
    }

    /// Lists `key` (`hash` is its keyspace hash); listing it twice is harmless.
    pub fn track(&mut self, hash: u64, key: &[u8]) {
        if self.keys.peek(hash, key).is_none() {
            self.keys.insert_new(
                hash,
                VolatileHashKey {
                    key: SmallBytes::new(key),
                },
            );
        }
    }

    pub fn untrack(&mut self, hash: u64, key: &[u8]) {
        if !self.keys.is_empty() {
            self.keys.remove(hash, key);
        }
    }

    #[cfg(test)]
    pub fn contains(&self, hash: u64, key: &[u8]) -> bool {
        self.keys.peek(hash, key).is_some()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Empties the list, returning the old one (FLUSHDB detaches whole shards).
    pub fn take_all(&mut self) -> VolatileHashes {
        VolatileHashes {
            keys: self.keys.take_all(),
            cursor: std::mem::take(&mut self.cursor),
        }
    }

    fn rehash(&mut self, buckets: usize) {
        self.keys.rehash(buckets);
    }
}

/// The cycle's parameters, derived from `active-expire-effort` and `hz`.
struct CycleParams {
    keys_per_loop: usize,
    acceptable_stale: usize,
    started: Instant,
    budget: Duration,
}

impl CycleParams {
    fn out_of_time(&self, server: &Server) -> bool {
        if self.started.elapsed() > self.budget {
            Stats::add(&server.stats.expired_time_cap_reached_count, 1);
            return true;
        }
        false
    }
}

/// Runs one active expiry cycle over every database: expired keys, then expired hash fields
/// (or the other way round, alternating). Returns the number of keys expired.
pub fn active_expire_cycle(server: &Server) -> u64 {
    if server.pause.writes_paused() {
        return 0;
    }
    let effort = server
        .settings
        .active_expire_effort
        .load(Ordering::Relaxed)
        .clamp(1, 10) as usize;
    let hz = server.settings.hz.load(Ordering::Relaxed).max(1) as u64;
    let time_percent = SLOW_TIME_PERCENT + 2 * (effort as u64 - 1);
    let params = CycleParams {
        keys_per_loop: KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * (effort - 1),
        acceptable_stale: ACCEPTABLE_STALE_PERCENT.saturating_sub(effort - 1),
        started: Instant::now(),
        budget: Duration::from_micros(1_000_000 * time_percent / hz / 100),
    };
    if FIELDS_FIRST.fetch_xor(true, Ordering::Relaxed) {
        reclaim_expired_fields(server, &params);
        expire_keys(server, &params)
    } else {
        let expired = expire_keys(server, &params);
        reclaim_expired_fields(server, &params);
        expired
    }
}

/// The key job: samples each shard's expires table and deletes the keys whose time passed.
fn expire_keys(server: &Server, params: &CycleParams) -> u64 {
    let keys_per_loop = params.keys_per_loop;
    let keyspace = &server.keyspace;
    let mut expired_total = 0;
    'dbs: for db in 0..keyspace.db_count() {
        for shard_index in 0..keyspace.shard_count() {
            loop {
                if params.out_of_time(server) {
                    break 'dbs;
                }
                let Some(mut shard) = keyspace.lock_shard(db, shard_index) else {
                    continue 'dbs;
                };
                if shard.expires.is_empty() {
                    break;
                }
                let now = unix_time_ms();
                let mut sampled = Vec::with_capacity(keys_per_loop);
                let mut cursor = shard.expire_cursor;
                let mut buckets = 0;
                loop {
                    cursor = shard.expires.scan(cursor, |e| {
                        sampled.push((e.key.as_bytes().to_vec(), e.when_ms));
                    });
                    buckets += 1;
                    if cursor == 0
                        || sampled.len() >= keys_per_loop
                        || buckets >= keys_per_loop * BUCKETS_PER_KEY
                    {
                        break;
                    }
                }
                shard.expire_cursor = cursor;
                let mut effects = Vec::new();
                let stream_active = server.write_stream.is_active();
                let mut expired = 0;
                for (key, when) in &sampled {
                    if *when <= now {
                        let hash = keyspace.hash(key);
                        shard.remove(hash, key);
                        shard.watched.touch_expired(key);
                        expired += 1;
                        notify(server, db, class::EXPIRED, "expired", key, None);
                        if server.tracking.any() {
                            crate::tracking::key_expired(server, key, None);
                        }
                        if stream_active {
                            effects.push(vec![b"DEL".to_vec(), key.clone()].into());
                        }
                    }
                }
                if !effects.is_empty() {
                    server.write_stream.emit(EffectBatch {
                        db,
                        commands: effects,
                    });
                }
                drop(shard);
                expired_total += expired as u64;
                Stats::add(&server.stats.expired_keys, expired as u64);
                let stale_percent = if sampled.is_empty() {
                    0
                } else {
                    expired * 100 / sampled.len()
                };
                if stale_percent <= params.acceptable_stale || cursor == 0 {
                    break;
                }
            }
        }
    }
    expired_total
}

/// What one round of the field job did on one shard.
#[derive(Default)]
struct FieldRound {
    /// Hashes looked at.
    sampled: usize,
    /// Hashes that lost at least one field.
    reclaimed_from: usize,
    /// Fields reclaimed.
    fields: u64,
    /// The shard's walk is complete.
    done: bool,
}

/// The field job: walks each shard's `VolatileHashes` and reclaims expired fields.
/// Returns the number of fields reclaimed.
fn reclaim_expired_fields(server: &Server, params: &CycleParams) -> u64 {
    let keyspace = &server.keyspace;
    let mut reclaimed = 0;
    for db in 0..keyspace.db_count() {
        for shard_index in 0..keyspace.shard_count() {
            loop {
                if params.out_of_time(server) {
                    return reclaimed;
                }
                let round = reclaim_round(server, params, db, shard_index);
                reclaimed += round.fields;
                if round.done || round.sampled == 0 {
                    break;
                }
                let stale_percent = round.reclaimed_from * 100 / round.sampled;
                if stale_percent <= params.acceptable_stale {
                    break;
                }
            }
        }
    }
    reclaimed
}

/// One round of the field job on one shard, under its lock.
fn reclaim_round(
    server: &Server,
    params: &CycleParams,
    db: usize,
    shard_index: usize,
) -> FieldRound {
    let keyspace = &server.keyspace;
    let mut round = FieldRound::default();
    let Some(mut shard) = keyspace.lock_shard(db, shard_index) else {
        round.done = true;
        return round;
    };
    if shard.volatile_hashes.is_empty() {
        round.done = true;
        return round;
    }
    let now = unix_time_ms();
    // Keys of whole buckets, with the cursor each bucket was reached by, so a hash with more
    // expired fields than one visit reclaims can be revisited from its bucket.
    let mut sampled: Vec<(u64, Vec<u8>)> = Vec::with_capacity(params.keys_per_loop);
    let mut cursor = shard.volatile_hashes.cursor;
    let mut buckets = 0;
    loop {
        let bucket_cursor = cursor;
        cursor = shard.volatile_hashes.keys.scan(cursor, |e| {
            sampled.push((bucket_cursor, e.key.as_bytes().to_vec()));
        });
        buckets += 1;
        if cursor == 0
            || sampled.len() >= params.keys_per_loop
            || buckets >= params.keys_per_loop * BUCKETS_PER_KEY
        {
            break;
        }
    }
    let max_fields = params.keys_per_loop * FIELDS_PER_KEY_FACTOR;
    let stream_active = server.write_stream.is_active();
    let mut effects = Vec::new();
    let mut resume = None;
    for (bucket_cursor, key) in &sampled {
        round.sampled += 1;
        let hash = keyspace.hash(key);
        // A key whose own time passed is the key job's: it goes whole, as one DEL.
        if shard.is_expired(hash, key, now) {
            continue;
        }
        let fields = match shard.main.get(hash, key).map(|e| &mut e.value) {
            Some(Value::Hash(value)) if value.has_volatile_fields() => {
                let fields = value.reclaim_expired(now, max_fields);
                let state = (value.is_empty(), value.has_volatile_fields());
                (fields, state)
            }
            _ => (Vec::new(), (false, false)),
        };
        let (fields, (emptied, still_volatile)) = fields;
        if !fields.is_empty() {
            round.reclaimed_from += 1;
            if server.tracking.any() {
                crate::tracking::key_expired(server, key, None);
            }
            round.fields += fields.len() as u64;
            notify(server, db, class::HASH, "hexpired", key, None);
            if stream_active {
                let mut hdel = Vec::with_capacity(fields.len() + 2);
                hdel.push(b"HDEL".to_vec());
                hdel.push(key.clone());
                hdel.extend(fields.iter().map(|f| f.to_vec()));
                effects.push(hdel.into());
            }
        }
        if emptied {
            shard.remove(hash, key);
            notify(server, db, class::GENERIC, "del", key, None);
            if stream_active {
                effects.push(vec![b"DEL".to_vec(), key.clone()].into());
            }
        } else if !still_volatile {
            shard.volatile_hashes.untrack(hash, key);
        }
        if fields.len() == max_fields && !emptied && still_volatile {
            // More may be due: revisit this bucket next round instead of moving on.
            resume = Some(*bucket_cursor);
            break;
        }
    }
    let next = resume.unwrap_or(cursor);
    shard.volatile_hashes.cursor = next;
    round.done = next == 0 && resume.is_none();
    if !effects.is_empty() {
        server.write_stream.emit(EffectBatch {
            db,
            commands: effects,
        });
    }
    round
}

/// Advances the incremental rehashing of tables that clients leave idle, one shard at a time
/// and without waiting for a lock a client holds.
pub fn rehash_idle_tables(server: &Server) {
    let keyspace = &server.keyspace;
    for db in 0..keyspace.db_count() {
        for shard_index in 0..keyspace.shard_count() {
            if let Some(mut shard) = keyspace.try_lock_shard(db, shard_index) {
                shard.main.rehash(100);
                shard.expires.rehash(100);
                shard.volatile_hashes.rehash(100);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::value::Value;
    use crate::test_support::{client, server};
    use ferrokey_resp::{Protocol, ReplyBuf};

    /// Stores `key` in db 0 with an expiry time already in the past.
    fn insert_expired(server: &Server, key: &[u8]) {
        let hash = server.keyspace.hash(key);
        let shard_index = server.keyspace.shard_of(hash);
        let mut shard = server.keyspace.lock_shard(0, shard_index).expect("shard");
        shard.insert(hash, key, Value::from_bytes(b"v"), 0, 0);
        shard.set_expire(hash, key, 1);
    }

    #[test]
    fn active_expiry_deletes_and_emits_del() {
        let server = server();
        let mut stream = server.write_stream.subscribe();
        for i in 0..50 {
            insert_expired(&server, format!("k{i}").as_bytes());
        }
        let mut expired = 0;
        while expired < 50 {
            let n = active_expire_cycle(&server);
            assert!(n > 0, "a cycle with stale keys must expire some");
            expired += n;
        }
        assert_eq!(server.keyspace.db_stats(0), (0, 0));
        let mut deleted = Vec::new();
        while let Ok(batch) = stream.try_recv() {
            assert_eq!(batch.db, 0);
            for command in &batch.commands {
                assert_eq!(command.args[0], b"DEL");
                deleted.push(command.args[1].clone());
            }
        }
        deleted.sort();
        let mut expected: Vec<Vec<u8>> = (0..50).map(|i| format!("k{i}").into_bytes()).collect();
        expected.sort();
        assert_eq!(deleted, expected);
    }

    /// Stores a hash in db 0 whose fields `f0..` expire at time 1 (long past), plus the given
    /// fields without a time; the shard's insert lists it as volatile.
    fn insert_hash_with_expired_fields(server: &Server, key: &[u8], expired: usize, kept: &[&str]) {
        let limits = ferrokey_ds::hash::HashLimits::default();
        let mut hash = ferrokey_ds::hash::HashValue::new();
        for i in 0..expired {
            let field = format!("f{i}");
            let at = ferrokey_ds::hash::FieldExpiry::At(1);
            hash.set_field(field.as_bytes(), b"v", at, &limits, 0);
        }
        for field in kept {
            hash.set(field.as_bytes(), b"v", &limits, 0);
        }
        let h = server.keyspace.hash(key);
        let shard_index = server.keyspace.shard_of(h);
        let mut shard = server.keyspace.lock_shard(0, shard_index).expect("shard");
        shard.insert(h, key, Value::Hash(Box::new(hash)), 0, 0);
        assert!(shard.volatile_hashes.contains(h, key));
    }

    fn drain(
        stream: &mut tokio::sync::mpsc::UnboundedReceiver<std::sync::Arc<EffectBatch>>,
    ) -> Vec<Vec<String>> {
        let mut all = Vec::new();
        while let Ok(batch) = stream.try_recv() {
            for command in &batch.commands {
                all.push(
                    command
                        .args
                        .iter()
                        .map(|w| String::from_utf8_lossy(w).into())
                        .collect(),
                );
            }
        }
        all
    }

    fn volatile_count(server: &Server) -> usize {
        (0..server.keyspace.shard_count())
            .map(|i| {
                server
                    .keyspace
                    .lock_shard(0, i)
                    .map_or(0, |s| s.volatile_hashes.len())
            })
            .sum()
    }

    #[test]
    fn active_expiry_reclaims_fields_as_hdel_and_the_emptied_key_as_del() {
        let server = server();
        let mut stream = server.write_stream.subscribe();
        insert_hash_with_expired_fields(&server, b"mixed", 3, &["keep"]);
        insert_hash_with_expired_fields(&server, b"gone", 2, &[]);
        active_expire_cycle(&server);
        let mut effects = drain(&mut stream);
        for effect in &mut effects {
            effect[2..].sort();
        }
        effects.sort();
        assert_eq!(
            effects,
            vec![
                vec!["DEL", "gone"],
                vec!["HDEL", "gone", "f0", "f1"],
                vec!["HDEL", "mixed", "f0", "f1", "f2"],
            ]
        );
        assert_eq!(server.keyspace.db_stats(0), (1, 0));
        assert_eq!(
            volatile_count(&server),
            0,
            "neither key has field times left"
        );
    }

    #[test]
    fn a_large_hash_is_reclaimed_in_bounded_batches() {
        let server = server();
        let mut stream = server.write_stream.subscribe();
        insert_hash_with_expired_fields(&server, b"big", 1000, &["keep"]);
        let mut reclaimed = 0;
        for _ in 0..100 {
            active_expire_cycle(&server);
            for effect in drain(&mut stream) {
                assert_eq!(effect[0], "HDEL");
                let fields = effect.len() - 2;
                assert!(fields <= KEYS_PER_LOOP * FIELDS_PER_KEY_FACTOR, "{fields}");
                reclaimed += fields;
            }
            if reclaimed == 1000 {
                break;
            }
        }
        assert_eq!(reclaimed, 1000);
        assert_eq!(server.keyspace.db_stats(0), (1, 0));
        assert_eq!(volatile_count(&server), 0);
    }

    #[test]
    fn stale_listings_are_dropped_and_future_fields_kept() {
        let server = server();
        let limits = ferrokey_ds::hash::HashLimits::default();
        let key = b"later";
        let mut hash = ferrokey_ds::hash::HashValue::new();
        let far = ferrokey_ds::hash::FieldExpiry::At(i64::MAX / 2);
        hash.set_field(b"f", b"v", far, &limits, 0);
        let h = server.keyspace.hash(key);
        let shard_index = server.keyspace.shard_of(h);
        {
            let mut shard = server.keyspace.lock_shard(0, shard_index).expect("shard");
            shard.insert(h, key, Value::Hash(Box::new(hash)), 0, 0);
            // A listed key that no longer holds a hash with field times.
            shard.insert(
                server.keyspace.hash(b"x"),
                b"x",
                Value::from_bytes(b"1"),
                0,
                0,
            );
        }
        let hx = server.keyspace.hash(b"x");
        let mut shard_x = server
            .keyspace
            .lock_shard(0, server.keyspace.shard_of(hx))
            .expect("shard");
        shard_x.volatile_hashes.track(hx, b"x");
        drop(shard_x);
        assert_eq!(volatile_count(&server), 2);
        active_expire_cycle(&server);
        assert_eq!(
            volatile_count(&server),
            1,
            "only the hash with a future field stays"
        );
        assert_eq!(server.keyspace.db_stats(0), (2, 0));
    }

    #[test]
    fn lazy_expiry_on_read_emits_del_before_the_reply() {
        let server = server();
        let mut stream = server.write_stream.subscribe();
        insert_expired(&server, b"gone");
        let mut client = client(&server);
        let mut out = ReplyBuf::new(Protocol::Resp2);
        crate::dispatch::execute(&server, &mut client, &[b"GET", b"gone"], &mut out);
        assert_eq!(out.as_bytes(), b"$-1\r\n");
        let batch = stream.try_recv().expect("an effect");
        assert_eq!(
            batch.commands,
            vec![vec![b"DEL".to_vec(), b"gone".to_vec()].into()]
        );
        assert_eq!(server.stats.expired_keys.load(Ordering::Relaxed), 1);
    }
}
