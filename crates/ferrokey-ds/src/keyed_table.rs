//! `KeyedTable`: the hash table behind the `hashtable` encodings of sets and hashes. Entries are
//! found by a byte-string key (the set member, the hash field), and one can be picked at random
//! in O(1) expected time, which SPOP, SRANDMEMBER and HRANDFIELD need on large values.
//!
//! A random pick chooses a bucket uniformly and retries while it is empty: every entry occupies
//! exactly one bucket, so the entry found is uniform over the entries, and the expected number
//! of probes is `buckets / len`. To keep that small the table shrinks when a removal leaves it
//! less than 1/8 full (hashbrown never shrinks a table by itself; Valkey 8.1's hashtable shrinks
//! below a similar 13% fill), and is then at least 7/16 full. Fill is otherwise below 1/8 only
//! in a table of at most `SHRINK_FLOOR_BUCKETS` buckets, where a pick is cheap whatever happens,
//! or in one created with room for more entries than it received (SADD sizes a new set for all
//! its arguments, duplicates included) until its first removal. After `RANDOM_PROBES` empty
//! buckets in a row (rare at any fill a removal leaves) a pick falls back to a uniform index into
//! an iteration, O(buckets), so the distribution stays exact.
//!
//! SCAN (`scan`) walks home buckets in reverse-binary order, as Valkey does, which keeps its
//! guarantee through resizes (see `table_scan`); for that the table stores each key at
//! `table_scan::table_hash` of its hash.
//!
//! Invariants: no two entries have equal keys; an entry is stored at `table_hash` of its key's
//! hash under the table's own `hasher` (one seed per table, as the sorted-set index does).

use hashbrown::hash_table::Entry as TableEntry;
use hashbrown::HashTable;

use crate::table_scan::{self, table_hash};

/// Entries whose identity is a byte string.
pub trait Keyed {
    fn key(&self) -> &[u8];
}

impl Keyed for Box<[u8]> {
    fn key(&self) -> &[u8] {
        self
    }
}

/// A hash pair: the field is the key.
impl Keyed for (Box<[u8]>, Box<[u8]>) {
    fn key(&self) -> &[u8] {
        &self.0
    }
}

/// Empty buckets a random pick tries before it falls back to walking the entries. At the lowest
/// fill a large table keeps (1/8) all of them are empty with probability (7/8)^100 ≈ 2e-6.
const RANDOM_PROBES: usize = 100;

/// Tables with at most this many buckets never shrink on removal: a pick there takes at most
/// this many probes on average, and small values that shrink and grow back do not rehash each
/// time.
const SHRINK_FLOOR_BUCKETS: usize = 64;

/// A removal leaving fewer than `buckets / MIN_FILL_DIVISOR` entries shrinks the table.
const MIN_FILL_DIVISOR: usize = 8;

#[derive(Clone, Default)]
pub struct KeyedTable<T> {
    entries: HashTable<T>,
    hasher: ahash::RandomState,
}

impl<T: Keyed + std::fmt::Debug> std::fmt::Debug for KeyedTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.entries.iter()).finish()
    }
}

impl<T: Keyed> KeyedTable<T> {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty table with room for `capacity` entries before it grows.
    pub fn with_capacity(capacity: usize) -> Self {
        KeyedTable {
            entries: HashTable::with_capacity(capacity),
            hasher: ahash::RandomState::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Buckets of the underlying table (occupied or not): what a random pick chooses among.
    pub fn num_buckets(&self) -> usize {
        self.entries.num_buckets()
    }

    fn hash_of(&self, key: &[u8]) -> u64 {
        table_hash(self.hasher.hash_one(key))
    }

    pub fn get(&self, key: &[u8]) -> Option<&T> {
        self.entries.find(self.hash_of(key), |e| e.key() == key)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut T> {
        let hash = self.hash_of(key);
        self.entries.find_mut(hash, |e| e.key() == key)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// The entry under `key`, stored first from `make()` if there is none (so nothing is built
    /// for a key already present); true with it when the entry is new.
    pub fn get_or_insert_with(&mut self, key: &[u8], make: impl FnOnce() -> T) -> (&mut T, bool) {
        let hash = self.hash_of(key);
        let hasher = &self.hasher;
        let rehash = |e: &T| table_hash(hasher.hash_one(e.key()));
        match self.entries.entry(hash, |e| e.key() == key, rehash) {
            TableEntry::Occupied(entry) => (entry.into_mut(), false),
            TableEntry::Vacant(entry) => (entry.insert(make()).into_mut(), true),
        }
    }

    /// Stores `entry`, replacing and returning any entry with the same key.
    pub fn insert(&mut self, entry: T) -> Option<T> {
        let hash = self.hash_of(entry.key());
        let hasher = &self.hasher;
        let rehash = |e: &T| table_hash(hasher.hash_one(e.key()));
        match self.entries.entry(hash, |e| e.key() == entry.key(), rehash) {
            TableEntry::Occupied(mut slot) => Some(std::mem::replace(slot.get_mut(), entry)),
            TableEntry::Vacant(slot) => {
                slot.insert(entry);
                None
            }
        }
    }

    /// Removes the entry under `key` and returns it, shrinking the table if that leaves it
    /// sparse (see the module docs).
    pub fn remove(&mut self, key: &[u8]) -> Option<T> {
        let hash = self.hash_of(key);
        let removed = match self.entries.find_entry(hash, |e| e.key() == key) {
            Ok(entry) => entry.remove().0,
            Err(_) => return None,
        };
        let buckets = self.entries.num_buckets();
        if buckets > SHRINK_FLOOR_BUCKETS && self.entries.len() * MIN_FILL_DIVISOR < buckets {
            let hasher = &self.hasher;
            let len = self.entries.len();
            self.entries
                .shrink_to(len, |e| table_hash(hasher.hash_one(e.key())));
        }
        Some(removed)
    }

    /// Entries in table order (arbitrary, and changed by growing or shrinking).
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.entries.iter()
    }

    /// One SCAN step (see `table_scan::scan`): passes `visit` the entries of the home buckets
    /// from the one `cursor` designates on, until at least `count` entries were visited or
    /// `count * 10` homes looked at, and returns the next cursor, 0 at the end. Start with 0;
    /// any number is accepted. An entry present from the first step to the last is visited at
    /// least once and a scan always ends, whatever happens to the table in between; without
    /// changes, every entry is visited exactly once. O(count) expected.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, visit: impl FnMut(&'a T)) -> u64 {
        let hash_of = |entry: &T| self.hash_of(entry.key());
        table_scan::scan(&self.entries, cursor, count, hash_of, visit)
    }

    /// A uniformly chosen entry, in O(1) expected time. `pick` receives a non-zero bound and
    /// returns an index below it (it is reduced modulo the bound anyway); it is called once per
    /// probe.
    pub fn random_entry(&self, pick: impl FnMut(usize) -> usize) -> Option<&T> {
        self.random_entry_matching(pick, |_| true, || self.len())
    }

    /// An entry chosen uniformly among those `accept` admits, of which there are
    /// `matching_len()` (asked only when probing gives up). O(1) expected time while a fair
    /// share of the entries is admitted; O(n) when few or none are.
    pub fn random_entry_matching(
        &self,
        mut pick: impl FnMut(usize) -> usize,
        accept: impl Fn(&T) -> bool,
        matching_len: impl FnOnce() -> usize,
    ) -> Option<&T> {
        if self.entries.is_empty() {
            return None;
        }
        let buckets = self.entries.num_buckets();
        for _ in 0..RANDOM_PROBES {
            match self.entries.get_bucket(pick(buckets) % buckets) {
                Some(entry) if accept(entry) => return Some(entry),
                _ => {}
            }
        }
        let matching = matching_len();
        if matching == 0 {
            return None;
        }
        let index = pick(matching) % matching;
        self.entries.iter().filter(|e| accept(e)).nth(index)
    }
}

impl<T: Keyed> FromIterator<T> for KeyedTable<T> {
    /// Later entries replace earlier ones with the same key.
    fn from_iter<I: IntoIterator<Item = T>>(entries: I) -> Self {
        let entries = entries.into_iter();
        let mut table = KeyedTable::with_capacity(entries.size_hint().0);
        for entry in entries {
            table.insert(entry);
        }
        table
    }
}

#[cfg(test)]
#[path = "keyed_table_tests.rs"]
mod tests;
