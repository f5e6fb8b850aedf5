//! The active expiry cycle and the other periodic keyspace work (incremental rehashing).
//!
//! Keys also expire lazily when touched, but a key that nobody reads again must still free its
//! memory, so the cron samples each shard's expires table, as Redis does: up to
//! `keys_per_loop` keys per round, another round on the same shard while more than the
//! acceptable share of the sample was stale, all within a CPU budget per cycle that grows with
//! `active-expire-effort`. Each deleted key becomes a `DEL` in the write stream, emitted while
//! its shard is still locked. A shard's lock is held for one round only, so clients wait at
//! most for one round of ~20 deletions.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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

/// Runs one active expiry cycle over every database. Returns the number of keys expired.
pub fn active_expire_cycle(server: &Server) -> u64 {
    let effort = server
        .settings
        .active_expire_effort
        .load(Ordering::Relaxed)
        .clamp(1, 10) as usize;
    let hz = server.settings.hz.load(Ordering::Relaxed).max(1) as u64;
    let keys_per_loop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * (effort - 1);
    let time_percent = SLOW_TIME_PERCENT + 2 * (effort as u64 - 1);
    let acceptable_stale = ACCEPTABLE_STALE_PERCENT.saturating_sub(effort - 1);
    let budget = Duration::from_micros(1_000_000 * time_percent / hz / 100);
    let started = Instant::now();
    let keyspace = &server.keyspace;
    let mut expired_total = 0;
    'dbs: for db in 0..keyspace.db_count() {
        for shard_index in 0..keyspace.shard_count() {
            loop {
                if started.elapsed() > budget {
                    Stats::add(&server.stats.expired_time_cap_reached_count, 1);
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
                        expired += 1;
                        if stream_active {
                            effects.push(vec![b"DEL".to_vec(), key.clone()]);
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
                if stale_percent <= acceptable_stale || cursor == 0 {
                    break;
                }
            }
        }
    }
    expired_total
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
                assert_eq!(command[0], b"DEL");
                deleted.push(command[1].clone());
            }
        }
        deleted.sort();
        let mut expected: Vec<Vec<u8>> = (0..50).map(|i| format!("k{i}").into_bytes()).collect();
        expected.sort();
        assert_eq!(deleted, expected);
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
            vec![vec![b"DEL".to_vec(), b"gone".to_vec()]]
        );
        assert_eq!(server.stats.expired_keys.load(Ordering::Relaxed), 1);
    }
}
