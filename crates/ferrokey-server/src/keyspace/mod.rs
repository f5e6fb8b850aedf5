//! The sharded keyspace: databases split into shards, each behind its own lock.
//!
//! A key belongs to the shard chosen by the high bits of its hash; the low bits pick its bucket
//! inside the shard's table, so the two choices are independent. A command locks the shards of
//! its keys (or every shard, for whole-keyspace commands) before it runs and releases them after
//! its reply and its effects are recorded. Locks are always taken in ascending `(db, shard)`
//! order, which is what rules out deadlock between connections; `LockSet` is the only place
//! that takes shard locks for commands, so the order cannot be broken elsewhere. The active
//! expiry cycle takes one shard at a time and holds nothing else.
//!
//! Expiry times live in a second table per shard (`expires`), mirrored by the `HAS_EXPIRE` entry
//! flag, so keys without a TTL pay nothing for the feature. Hashes with per-field expiry times are
//! listed in a third (`volatile_hashes`), kept by `insert`/`remove` and by the hash commands, so
//! the expiry cycle reclaims fields of hashes nobody reads.

pub mod dict;
pub mod expire;
pub mod value;

use ahash::RandomState;
use parking_lot::{Mutex, MutexGuard};
use smallvec::SmallVec;

use crate::blocking::BlockedKeys;
use crate::watch::WatchedKeys;
use dict::{Dict, DictEntry};
use value::{flags, Entry, SmallBytes, Value};

/// A key's expiry time, in the expires table of its shard.
pub struct ExpireEntry {
    pub key: SmallBytes,
    pub when_ms: i64,
}

impl DictEntry for ExpireEntry {
    fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

pub struct Shard {
    pub main: Dict<Entry>,
    pub expires: Dict<ExpireEntry>,
    /// Where the active expiry cycle resumes its scan of `expires`.
    pub expire_cursor: u64,
    /// Clients blocked on keys of this shard. Belongs to the shard's place in the keyspace,
    /// not to its contents: SWAPDB and FLUSH leave it where it is.
    pub blocked: BlockedKeys,
    /// Clients watching keys of this shard (WATCH); like `blocked`, bound to the database.
    pub watched: WatchedKeys,
    /// Keys whose hash has fields with expiry times (see `expire::VolatileHashes`).
    pub volatile_hashes: expire::VolatileHashes,
}

impl Shard {
    fn new(hasher: &RandomState) -> Self {
        Shard {
            main: Dict::new(hasher.clone()),
            expires: Dict::new(hasher.clone()),
            expire_cursor: 0,
            blocked: BlockedKeys::default(),
            watched: WatchedKeys::default(),
            volatile_hashes: expire::VolatileHashes::new(hasher),
        }
    }

    /// Looks a key up without regard to its expiry.
    pub fn get_raw(&mut self, hash: u64, key: &[u8]) -> Option<&mut Entry> {
        self.main.get(hash, key)
    }

    pub fn expire_of(&self, hash: u64, key: &[u8]) -> Option<i64> {
        self.expires.peek(hash, key).map(|e| e.when_ms)
    }

    /// Whether the key exists and its expiry time is in the past.
    pub fn is_expired(&self, hash: u64, key: &[u8], now_ms: i64) -> bool {
        matches!(self.expire_of(hash, key), Some(when) if when <= now_ms)
    }

    pub fn insert(&mut self, hash: u64, key: &[u8], value: Value, flags: u8, lru: u32) {
        if matches!(&value, Value::Hash(h) if h.has_volatile_fields()) {
            self.volatile_hashes.track(hash, key);
        }
        let entry = Entry {
            key: SmallBytes::new(key),
            value,
            lru,
            flags,
            lfu: LFU_INIT,
        };
        self.main.insert_new(hash, entry);
        self.blocked.signal(key);
    }

    /// Removes a key and its expiry, returning the entry.
    pub fn remove(&mut self, hash: u64, key: &[u8]) -> Option<Entry> {
        let entry = self.main.remove(hash, key)?;
        if entry.has_expire() {
            self.expires.remove(hash, key);
        }
        if matches!(entry.value, Value::Hash(_)) {
            self.volatile_hashes.untrack(hash, key);
        }
        Some(entry)
    }

    /// Sets or replaces the expiry time of an existing key.
    pub fn set_expire(&mut self, hash: u64, key: &[u8], when_ms: i64) {
        let Some(entry) = self.main.get(hash, key) else {
            return;
        };
        if entry.has_expire() {
            if let Some(e) = self.expires.get(hash, key) {
                e.when_ms = when_ms;
                return;
            }
        }
        entry.set_flag(flags::HAS_EXPIRE, true);
        self.expires.insert_new(
            hash,
            ExpireEntry {
                key: SmallBytes::new(key),
                when_ms,
            },
        );
    }

    /// Removes the expiry time of a key; returns whether it had one.
    pub fn persist(&mut self, hash: u64, key: &[u8]) -> bool {
        match self.main.get(hash, key) {
            Some(entry) if entry.has_expire() => {
                entry.set_flag(flags::HAS_EXPIRE, false);
                self.expires.remove(hash, key);
                true
            }
            _ => false,
        }
    }

    pub fn len(&self) -> usize {
        self.main.len()
    }

    /// Empties the shard, returning the old contents so the caller decides where to free them.
    pub fn take_all(&mut self) -> Shard {
        Shard {
            main: self.main.take_all(),
            expires: self.expires.take_all(),
            expire_cursor: std::mem::take(&mut self.expire_cursor),
            blocked: BlockedKeys::default(),
            watched: WatchedKeys::default(),
            volatile_hashes: self.volatile_hashes.take_all(),
        }
    }
}

/// Redis's initial LFU counter for new keys.
pub const LFU_INIT: u8 = 5;

pub struct Db {
    shards: Box<[Mutex<Shard>]>,
}

/// The keyspace of every database.
pub struct Keyspace {
    dbs: Box<[Db]>,
    shard_count: usize,
    hasher: RandomState,
}

impl Keyspace {
    pub fn new(databases: usize, shard_count: usize) -> Self {
        let hasher = RandomState::new();
        let shard_count = shard_count.max(1);
        let dbs = (0..databases.max(1))
            .map(|_| Db {
                shards: (0..shard_count)
                    .map(|_| Mutex::new(Shard::new(&hasher)))
                    .collect(),
            })
            .collect();
        Keyspace {
            dbs,
            shard_count,
            hasher,
        }
    }

    pub fn db_count(&self) -> usize {
        self.dbs.len()
    }

    pub fn shard_count(&self) -> usize {
        self.shard_count
    }

    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The shard of a key hash: the high 32 bits scaled to the shard count.
    pub fn shard_of(&self, hash: u64) -> usize {
        (((hash >> 32) * self.shard_count as u64) >> 32) as usize
    }

    pub fn lock_shard(&self, db: usize, shard: usize) -> Option<MutexGuard<'_, Shard>> {
        Some(self.dbs.get(db)?.shards.get(shard)?.lock())
    }

    /// Locks a shard unless someone else holds it (periodic work that can wait).
    pub fn try_lock_shard(&self, db: usize, shard: usize) -> Option<MutexGuard<'_, Shard>> {
        self.dbs.get(db)?.shards.get(shard)?.try_lock()
    }

    /// The slots (database and shard) holding `keys` in database `db`, sorted and
    /// deduplicated: the order locks are taken in.
    pub fn slots_for_keys<'k>(&self, db: usize, keys: impl Iterator<Item = &'k [u8]>) -> KeySlots {
        let mut slots: KeySlots = keys
            .map(|k| slot_id(db, self.shard_of(self.hash(k)), self.shard_count))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// (keys, keys with expiry) per database, for INFO keyspace.
    pub fn db_stats(&self, db: usize) -> (usize, usize) {
        let Some(d) = self.dbs.get(db) else {
            return (0, 0);
        };
        d.shards.iter().fold((0, 0), |(k, e), s| {
            let s = s.lock();
            (k + s.main.len(), e + s.expires.len())
        })
    }
}

/// Shard slots a command locks (see `Keyspace::slots_for_keys`).
pub type KeySlots = SmallVec<[u32; 8]>;

/// The shards one command holds, sorted by `(db, shard)`.
pub struct LockSet<'a> {
    keyspace: &'a Keyspace,
    guards: SmallVec<[(u32, MutexGuard<'a, Shard>); 2]>,
}

/// Identifies one shard of one database, ordered the way locks must be taken.
fn slot_id(db: usize, shard: usize, shard_count: usize) -> u32 {
    (db * shard_count + shard) as u32
}

impl<'a> LockSet<'a> {
    pub fn empty(keyspace: &'a Keyspace) -> Self {
        LockSet {
            keyspace,
            guards: SmallVec::new(),
        }
    }

    /// Locks the given slots (already deduplicated and sorted ascending).
    fn lock_sorted(keyspace: &'a Keyspace, slots: &[u32]) -> Self {
        let mut guards = SmallVec::new();
        for &slot in slots {
            let db = slot as usize / keyspace.shard_count;
            let shard = slot as usize % keyspace.shard_count;
            if let Some(guard) = keyspace.lock_shard(db, shard) {
                guards.push((slot, guard));
            }
        }
        LockSet { keyspace, guards }
    }

    /// Locks the shards holding `keys` in database `db`.
    pub fn for_keys<'k>(
        keyspace: &'a Keyspace,
        db: usize,
        keys: impl Iterator<Item = &'k [u8]>,
    ) -> Self {
        Self::for_slots(keyspace, &keyspace.slots_for_keys(db, keys))
    }

    /// Locks the slots `Keyspace::slots_for_keys` found.
    pub fn for_slots(keyspace: &'a Keyspace, slots: &KeySlots) -> Self {
        Self::lock_sorted(keyspace, slots)
    }

    /// Whether this set holds exactly `slots`, no more and no fewer.
    pub fn holds_exactly(&self, slots: &KeySlots) -> bool {
        self.guards.len() == slots.len()
            && self
                .guards
                .iter()
                .zip(slots.iter())
                .all(|((held, _), slot)| held == slot)
    }

    /// Locks every shard of the given databases (sorted, deduplicated by the caller or not).
    pub fn for_dbs(keyspace: &'a Keyspace, dbs: &[usize]) -> Self {
        let mut dbs: SmallVec<[usize; 4]> = dbs.iter().copied().collect();
        dbs.sort_unstable();
        dbs.dedup();
        let n = keyspace.shard_count;
        let slots: Vec<u32> = dbs
            .iter()
            .filter(|&&db| db < keyspace.db_count())
            .flat_map(|&db| (0..n).map(move |s| slot_id(db, s, n)))
            .collect();
        Self::lock_sorted(keyspace, &slots)
    }

    /// Locks every shard of every database.
    pub fn everything(keyspace: &'a Keyspace) -> Self {
        let all: Vec<usize> = (0..keyspace.db_count()).collect();
        Self::for_dbs(keyspace, &all)
    }

    /// The locked shard for a key hash in `db`, if this set holds it.
    pub fn shard(&mut self, db: usize, hash: u64) -> Option<&mut Shard> {
        let slot = slot_id(db, self.keyspace.shard_of(hash), self.keyspace.shard_count);
        self.guards
            .iter_mut()
            .find(|(s, _)| *s == slot)
            .map(|(_, g)| &mut **g)
    }

    /// Makes sure the shard of a key hash in `db` is held, for work that discovers a key only
    /// while it runs (serving BLMOVE's destination). A shard above every held one is locked in
    /// order; one below is only tried, because waiting for it could deadlock. When the try
    /// fails, everything is released and relocked in order: the caller must re-check what it
    /// read, since others may have run in between; that case returns true.
    pub fn ensure(&mut self, db: usize, hash: u64) -> bool {
        let slot = slot_id(db, self.keyspace.shard_of(hash), self.keyspace.shard_count);
        if self.guards.iter().any(|(s, _)| *s == slot) {
            return false;
        }
        let n = self.keyspace.shard_count;
        let (db_index, shard_index) = (slot as usize / n, slot as usize % n);
        let highest = self.guards.iter().map(|(s, _)| *s).max();
        if highest.is_none_or(|h| h < slot) {
            if let Some(guard) = self.keyspace.lock_shard(db_index, shard_index) {
                self.guards.push((slot, guard));
            }
            return false;
        }
        if let Some(guard) = self.keyspace.try_lock_shard(db_index, shard_index) {
            self.guards.push((slot, guard));
            return false;
        }
        let mut slots: SmallVec<[u32; 8]> = self.guards.iter().map(|(s, _)| *s).collect();
        slots.push(slot);
        slots.sort_unstable();
        self.guards.clear();
        *self = Self::lock_sorted(self.keyspace, &slots);
        true
    }

    /// A key some write made ready for blocked clients, in a held shard.
    pub fn take_ready(&mut self) -> Option<(usize, Box<[u8]>)> {
        let n = self.keyspace.shard_count;
        self.guards.iter_mut().find_map(|(slot, shard)| {
            let key = shard.blocked.take_ready()?;
            Some((*slot as usize / n, key))
        })
    }

    /// Every locked shard of `db`, in shard order.
    pub fn shards_of_db(
        &mut self,
        db: usize,
    ) -> impl Iterator<Item = (usize, &mut Shard)> + use<'_, 'a> {
        let n = self.keyspace.shard_count;
        self.guards
            .iter_mut()
            .filter(move |(s, _)| *s as usize / n == db)
            .map(move |(s, g)| (*s as usize % n, &mut **g))
    }

    /// Whether every shard of `db` is held.
    pub fn holds_db(&self, db: usize) -> bool {
        let n = self.keyspace.shard_count;
        self.guards
            .iter()
            .filter(|(s, _)| *s as usize / n == db)
            .count()
            == n
    }

    /// Swaps the contents of two databases; the set must hold both completely.
    pub fn swap_dbs(&mut self, a: usize, b: usize) -> bool {
        if a == b {
            return true;
        }
        if !self.holds_db(a) || !self.holds_db(b) {
            return false;
        }
        let n = self.keyspace.shard_count;
        for shard in 0..n {
            let sa = slot_id(a, shard, n);
            let sb = slot_id(b, shard, n);
            let ia = self.guards.iter().position(|(s, _)| *s == sa);
            let ib = self.guards.iter().position(|(s, _)| *s == sb);
            if let (Some(ia), Some(ib)) = (ia, ib) {
                let (lo, hi) = (ia.min(ib), ia.max(ib));
                let (left, right) = self.guards.split_at_mut(hi);
                let (x, y) = (&mut *left[lo].1, &mut *right[0].1);
                // Watched keys that exist on either side change value.
                let hasher = &self.keyspace.hasher;
                let in_either = |key: &[u8]| {
                    let hash = hasher.hash_one(key);
                    x.main.peek(hash, key).is_some() || y.main.peek(hash, key).is_some()
                };
                x.watched.touch_existing(in_either);
                y.watched.touch_existing(in_either);
                // The contents move; the clients blocked on each database stay with it, and
                // the keys they wait for may exist now.
                std::mem::swap(x, y);
                std::mem::swap(&mut x.blocked, &mut y.blocked);
                std::mem::swap(&mut x.watched, &mut y.watched);
                for shard in [x, y] {
                    let main = &shard.main;
                    let hasher = &self.keyspace.hasher;
                    shard
                        .blocked
                        .signal_existing(|key| main.peek(hasher.hash_one(key), key).is_some());
                }
            }
        }
        true
    }
}
