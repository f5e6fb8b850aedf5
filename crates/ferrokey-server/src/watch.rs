//! WATCH: which clients watch which keys, and the invalidation of their transactions.
//!
//! Each client that watches has one `WatchState`, a flag other connections set when they
//! change a watched key. The registry of watchers is kept per shard (`WatchedKeys`, inside the
//! shard, under the shard's lock), so the writer that changes a key finds its watchers with the
//! lock it already holds, and a watch registered under that lock cannot miss a change.
//!
//! What counts as a change: the keys a write command writes (the command table's key specs
//! with RW/OW/RM flags), when it changed something (`dirty > 0`); keys the command names beyond
//! its key specs (MOVE's and COPY's destination database) and whole databases (FLUSHDB,
//! FLUSHALL, SWAPDB: the watched keys that exist) are touched by those commands. A key that
//! carried an expiry time when it was watched and whose time has passed by EXEC also fails the
//! transaction, whether or not anything has deleted it yet. Reads never touch.
//!
//! The flag is the client's Valkey `CLIENT_DIRTY_CAS` (CLIENT LIST `d`), so it lives in the
//! client's handle and is cleared when its watches are released (EXEC, DISCARD, UNWATCH, RESET,
//! disconnection), after they are gone from the shards. Deleting an expired key touches the
//! clients that watched it while it was live, as Valkey's `signalModifiedKey` on expiry does;
//! one that watched it already expired is not touched by that deletion (Valkey's
//! `watchedKey.expired`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The invalidation flag of one client's watched keys.
#[derive(Default)]
pub struct WatchState {
    touched: AtomicBool,
}

impl WatchState {
    pub fn touch(&self) {
        self.touched.store(true, Ordering::Release);
    }

    pub fn is_touched(&self) -> bool {
        self.touched.load(Ordering::Acquire)
    }

    /// Clears the flag: call once the watches it was registered under are removed.
    pub fn clear(&self) {
        self.touched.store(false, Ordering::Release);
    }
}

/// One watcher of a key.
struct Watcher {
    state: Arc<WatchState>,
    /// The key had not expired when it was watched: its deletion by expiry is a change.
    watched_live: bool,
}

/// Server-wide figures for INFO clients, and the fast path's test.
#[derive(Default)]
pub struct WatchStats {
    pub watching_clients: AtomicU64,
    /// Distinct (database, key) pairs watched.
    pub watched_keys: AtomicU64,
}

impl WatchStats {
    /// Whether anyone watches anything: writers skip looking for watchers otherwise.
    pub fn any(&self) -> bool {
        self.watched_keys.load(Ordering::Relaxed) > 0
    }
}

/// The watchers of one shard's keys.
#[derive(Default)]
pub struct WatchedKeys {
    keys: HashMap<Box<[u8]>, Vec<Watcher>, ahash::RandomState>,
}

impl WatchedKeys {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Adds a watcher of `key`; false when it already watched it. `watched_live`: the key had
    /// not expired (it may not exist).
    pub fn add(
        &mut self,
        key: &[u8],
        state: &Arc<WatchState>,
        watched_live: bool,
        stats: &WatchStats,
    ) -> bool {
        let watchers = self.keys.entry(key.into()).or_insert_with(|| {
            stats.watched_keys.fetch_add(1, Ordering::Relaxed);
            Vec::new()
        });
        if watchers.iter().any(|w| Arc::ptr_eq(&w.state, state)) {
            return false;
        }
        watchers.push(Watcher {
            state: state.clone(),
            watched_live,
        });
        true
    }

    pub fn remove(&mut self, key: &[u8], state: &Arc<WatchState>, stats: &WatchStats) {
        let Some(watchers) = self.keys.get_mut(key) else {
            return;
        };
        watchers.retain(|w| !Arc::ptr_eq(&w.state, state));
        if watchers.is_empty() {
            self.keys.remove(key);
            stats.watched_keys.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Invalidates the transactions of everyone watching `key`.
    pub fn touch(&self, key: &[u8]) {
        if self.keys.is_empty() {
            return;
        }
        if let Some(watchers) = self.keys.get(key) {
            watchers.iter().for_each(|w| w.state.touch());
        }
    }

    /// Invalidates the transactions of the clients that watched `key` while it was live, now
    /// that its expiry deleted it.
    pub fn touch_expired(&self, key: &[u8]) {
        if self.keys.is_empty() {
            return;
        }
        if let Some(watchers) = self.keys.get(key) {
            watchers
                .iter()
                .filter(|w| w.watched_live)
                .for_each(|w| w.state.touch());
        }
    }

    /// Invalidates the watchers of every watched key `exists` accepts (flushes, SWAPDB).
    pub fn touch_existing(&self, exists: impl Fn(&[u8]) -> bool) {
        for (key, watchers) in &self.keys {
            if exists(key) {
                watchers.iter().for_each(|w| w.state.touch());
            }
        }
    }
}

/// One key a client watches.
pub struct WatchedKey {
    pub db: usize,
    pub key: Vec<u8>,
    /// The key's expiry time when it was watched, if it had one that had not passed.
    pub expires_at_ms: Option<i64>,
}

/// A client's watches: its flag (shared with its handle) and the keys it registered it under.
#[derive(Default)]
pub struct ClientWatch {
    pub state: Arc<WatchState>,
    pub keys: Vec<WatchedKey>,
}

impl ClientWatch {
    /// Whether EXEC must fail: a watched key changed, or expired since it was watched.
    pub fn is_invalidated(&self, now_ms: i64) -> bool {
        self.state.is_touched()
            || self
                .keys
                .iter()
                .any(|k| k.expires_at_ms.is_some_and(|at| at <= now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touching_a_key_invalidates_only_its_watchers() {
        let stats = WatchStats::default();
        let mut keys = WatchedKeys::default();
        let (a, b) = (
            Arc::new(WatchState::default()),
            Arc::new(WatchState::default()),
        );
        assert!(keys.add(b"k", &a, true, &stats));
        assert!(
            !keys.add(b"k", &a, true, &stats),
            "one watch per client and key"
        );
        assert!(keys.add(b"k", &b, true, &stats));
        assert!(keys.add(b"other", &b, true, &stats));
        assert_eq!(stats.watched_keys.load(Ordering::Relaxed), 2);
        keys.touch(b"unwatched");
        assert!(!a.is_touched() && !b.is_touched());
        keys.remove(b"k", &b, &stats);
        keys.touch(b"k");
        assert!(a.is_touched() && !b.is_touched());
        keys.touch_existing(|key| key == b"other");
        assert!(b.is_touched());
        keys.remove(b"k", &a, &stats);
        keys.remove(b"other", &b, &stats);
        assert!(keys.is_empty());
        assert_eq!(stats.watched_keys.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn expiry_deletion_touches_only_who_watched_the_key_live() {
        let stats = WatchStats::default();
        let mut keys = WatchedKeys::default();
        let (live, late) = (
            Arc::new(WatchState::default()),
            Arc::new(WatchState::default()),
        );
        keys.add(b"k", &live, true, &stats);
        keys.add(b"k", &late, false, &stats);
        keys.touch_expired(b"k");
        assert!(live.is_touched() && !late.is_touched());
        live.clear();
        assert!(!live.is_touched());
        keys.touch(b"k");
        assert!(
            live.is_touched() && late.is_touched(),
            "writes touch everyone"
        );
    }

    #[test]
    fn a_watched_expiry_that_passes_invalidates() {
        let watch = ClientWatch {
            state: Arc::default(),
            keys: vec![WatchedKey {
                db: 0,
                key: b"k".to_vec(),
                expires_at_ms: Some(1_000),
            }],
        };
        assert!(!watch.is_invalidated(999));
        assert!(watch.is_invalidated(1_000));
    }
}
