//! A chained hash table with incremental rehashing and a resize-proof scan cursor.
//!
//! This is the main table of every keyspace shard. It follows the design Redis's `dict` proved:
//! power-of-two bucket arrays, chaining, and two tables while a resize is in progress, with each
//! operation moving one bucket from the old table to the new one. That layout is what makes the
//! SCAN guarantee possible: the cursor walks bucket indexes in reverse-binary order, so every
//! bucket of the smaller table maps onto a contiguous run of cursor values in the larger one, and a
//! key present for the whole scan is returned at least once whatever resizes happen in between.
//!
//! Invariants:
//! - `tables[1]` is non-empty only while rehashing; then buckets `< rehash_index` of `tables[0]`
//!   are empty and every entry lives in exactly one table.
//! - Each entry sits in the bucket `hash & mask` of its table; the hash is recomputed from the key
//!   when it moves, so entries carry no hash.
//! - Keys are unique: callers look a key up before inserting it.

use ahash::RandomState;

/// What an entry must expose to be stored: the key it is found by.
pub trait DictEntry {
    fn key(&self) -> &[u8];
}

struct Node<E> {
    next: Option<Box<Node<E>>>,
    entry: E,
}

type Slot<E> = Option<Box<Node<E>>>;

struct Table<E> {
    buckets: Vec<Slot<E>>,
    used: usize,
}

impl<E> Table<E> {
    fn empty() -> Self {
        Table {
            buckets: Vec::new(),
            used: 0,
        }
    }

    fn with_size(size: usize) -> Self {
        let mut buckets = Vec::with_capacity(size);
        buckets.resize_with(size, || None);
        Table { buckets, used: 0 }
    }

    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }
}

impl<E> Drop for Table<E> {
    fn drop(&mut self) {
        // Unlink chains iteratively so a long chain cannot overflow the stack through recursive
        // Box drops.
        for slot in self.buckets.iter_mut() {
            let mut cur = slot.take();
            while let Some(mut node) = cur {
                cur = node.next.take();
            }
        }
    }
}

/// The smallest table a non-empty dict has.
const INITIAL_SIZE: usize = 4;
/// Shrink when fewer than this percentage of buckets is used (Redis's HASHTABLE_MIN_FILL).
const MIN_FILL_PERCENT: usize = 10;
/// Empty buckets one rehash step may skip before giving up, per bucket asked for.
const EMPTY_VISITS_PER_STEP: usize = 10;

pub struct Dict<E> {
    tables: [Table<E>; 2],
    rehash_index: Option<usize>,
    hasher: RandomState,
}

impl<E: DictEntry> Dict<E> {
    pub fn new(hasher: RandomState) -> Self {
        Dict {
            tables: [Table::empty(), Table::empty()],
            rehash_index: None,
            hasher,
        }
    }

    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total buckets allocated (both tables).
    #[cfg(test)]
    pub fn bucket_count(&self) -> usize {
        self.tables[0].buckets.len() + self.tables[1].buckets.len()
    }

    /// Removes every entry, returning the old contents as a detached dict (to free elsewhere).
    pub fn take_all(&mut self) -> Dict<E> {
        let hasher = self.hasher.clone();
        std::mem::replace(self, Dict::new(hasher))
    }

    pub fn get(&mut self, hash: u64, key: &[u8]) -> Option<&mut E> {
        self.rehash_step();
        // Outside a rehash (the common case) the key can only be in table 0: one walk.
        let table = if self.rehash_index.is_none() {
            0
        } else {
            self.locate(hash, key)?.0
        };
        let t = &mut self.tables[table];
        if t.buckets.is_empty() {
            return None;
        }
        let mut cur = Self::bucket_mut(t, hash).as_deref_mut();
        while let Some(node) = cur {
            if node.entry.key() == key {
                return Some(&mut node.entry);
            }
            cur = node.next.as_deref_mut();
        }
        None
    }

    /// The table holding `key` and the key's position in its bucket chain. During a rehash a
    /// key may be in either table: in the old one if its bucket was not moved yet, in the new
    /// one if it was moved or inserted since the rehash started.
    fn locate(&self, hash: u64, key: &[u8]) -> Option<(usize, usize)> {
        for (index, table) in self.tables.iter().enumerate() {
            if table.buckets.is_empty() {
                continue;
            }
            let bucket = (hash as usize) & table.mask();
            if index == 0 && self.rehash_index.is_some_and(|r| bucket < r) {
                continue;
            }
            let mut position = 0;
            let mut cur = table.buckets.get(bucket).and_then(|s| s.as_deref());
            while let Some(node) = cur {
                if node.entry.key() == key {
                    return Some((index, position));
                }
                cur = node.next.as_deref();
                position += 1;
            }
        }
        None
    }

    /// Read-only lookup that performs no rehash step (for commands that only peek).
    pub fn peek(&self, hash: u64, key: &[u8]) -> Option<&E> {
        let (table, position) = self.locate(hash, key)?;
        let t = &self.tables[table];
        let mut cur = t
            .buckets
            .get((hash as usize) & t.mask())
            .and_then(|s| s.as_deref());
        for _ in 0..position {
            cur = cur?.next.as_deref();
        }
        cur.map(|node| &node.entry)
    }

    /// Inserts an entry whose key the caller knows is absent.
    pub fn insert_new(&mut self, hash: u64, entry: E) {
        self.rehash_step();
        self.expand_if_needed();
        let table = if self.rehash_index.is_some() { 1 } else { 0 };
        let t = &mut self.tables[table];
        let bucket = (hash as usize) & t.mask();
        if let Some(slot) = t.buckets.get_mut(bucket) {
            let next = slot.take();
            *slot = Some(Box::new(Node { next, entry }));
            t.used += 1;
        }
    }

    pub fn remove(&mut self, hash: u64, key: &[u8]) -> Option<E> {
        self.rehash_step();
        let (table, position) = self.locate(hash, key)?;
        let t = &mut self.tables[table];
        let bucket = (hash as usize) & t.mask();
        // Walk the links mutably to the node `locate` found, then unlink it.
        let mut link = t.buckets.get_mut(bucket)?;
        for _ in 0..position {
            link = &mut link.as_mut()?.next;
        }
        let mut node = link.take()?;
        *link = node.next.take();
        t.used -= 1;
        let entry = node.entry;
        self.shrink_if_needed();
        Some(entry)
    }

    fn bucket_mut(table: &mut Table<E>, hash: u64) -> &mut Slot<E> {
        let mask = table.mask();
        // The caller checked the table is non-empty; the mask keeps the index in range.
        &mut table.buckets[(hash as usize) & mask]
    }

    fn expand_if_needed(&mut self) {
        if self.rehash_index.is_some() {
            return;
        }
        let size = self.tables[0].buckets.len();
        if size == 0 {
            self.tables[0] = Table::with_size(INITIAL_SIZE);
        } else if self.tables[0].used >= size {
            self.start_resize((self.tables[0].used + 1).next_power_of_two());
        }
    }

    fn shrink_if_needed(&mut self) {
        if self.rehash_index.is_some() {
            return;
        }
        let size = self.tables[0].buckets.len();
        let used = self.tables[0].used;
        if size > INITIAL_SIZE && used * 100 < size * MIN_FILL_PERCENT {
            self.start_resize(used.max(INITIAL_SIZE).next_power_of_two());
        }
    }

    fn start_resize(&mut self, new_size: usize) {
        if new_size == self.tables[0].buckets.len() {
            return;
        }
        self.tables[1] = Table::with_size(new_size);
        self.rehash_index = Some(0);
    }

    fn rehash_step(&mut self) {
        if self.rehash_index.is_some() {
            self.rehash(1);
        }
    }

    /// Moves up to `buckets` non-empty buckets to the new table. Returns true while work remains.
    pub fn rehash(&mut self, buckets: usize) -> bool {
        let Some(mut index) = self.rehash_index else {
            return false;
        };
        let mut empty_visits = buckets * EMPTY_VISITS_PER_STEP;
        let mut moved = 0;
        let [old, new] = &mut self.tables;
        while moved < buckets && old.used > 0 && index < old.buckets.len() {
            let mut chain = old.buckets[index].take();
            if chain.is_none() {
                index += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    break;
                }
                continue;
            }
            let mask = new.mask();
            while let Some(mut node) = chain {
                chain = node.next.take();
                let bucket = (self.hasher.hash_one(node.entry.key()) as usize) & mask;
                node.next = new.buckets[bucket].take();
                new.buckets[bucket] = Some(node);
                old.used -= 1;
                new.used += 1;
            }
            index += 1;
            moved += 1;
        }
        if old.used == 0 {
            self.tables.swap(0, 1);
            let freed_bytes = self.tables[1].buckets.len() * std::mem::size_of::<Slot<E>>();
            self.tables[1] = Table::empty();
            self.rehash_index = None;
            if freed_bytes >= crate::memory::PURGE_THRESHOLD_BYTES {
                // A large bucket array would otherwise stay resident as dirty pages.
                crate::memory::purge_dirty_pages();
            }
            false
        } else {
            self.rehash_index = Some(index);
            true
        }
    }

    /// Visits every entry (the caller holds the shard, so nothing changes meanwhile).
    pub fn for_each(&self, mut f: impl FnMut(&E)) {
        for table in &self.tables {
            for slot in &table.buckets {
                let mut cur = slot.as_deref();
                while let Some(node) = cur {
                    f(&node.entry);
                    cur = node.next.as_deref();
                }
            }
        }
    }

    /// Visits the entries of one bucket of `table`, in chain order.
    fn visit_bucket(table: &Table<E>, index: usize, f: &mut impl FnMut(&E)) {
        let mut cur = table.buckets.get(index).and_then(|s| s.as_deref());
        while let Some(node) = cur {
            f(&node.entry);
            cur = node.next.as_deref();
        }
    }

    /// One SCAN step: visits the entries of the bucket(s) at `cursor` and returns the next
    /// cursor, 0 when the scan is complete. See the module comment for the guarantee.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&E)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor as usize;
        if self.rehash_index.is_none() {
            let t = &self.tables[0];
            let mask = t.mask();
            Self::visit_bucket(t, v & mask, &mut f);
            v = next_cursor(v, mask);
        } else {
            let (small, large) = if self.tables[0].buckets.len() <= self.tables[1].buckets.len() {
                (&self.tables[0], &self.tables[1])
            } else {
                (&self.tables[1], &self.tables[0])
            };
            let small_mask = small.mask();
            let large_mask = large.mask();
            Self::visit_bucket(small, v & small_mask, &mut f);
            // Visit every bucket of the larger table that the small bucket expands to.
            loop {
                Self::visit_bucket(large, v & large_mask, &mut f);
                v = next_cursor(v, large_mask);
                if v & (small_mask ^ large_mask) == 0 {
                    break;
                }
            }
        }
        v as u64
    }

    /// A uniformly chosen non-empty bucket's random entry (RANDOMKEY, sampling), or None.
    pub fn random_entry(&self, rng: &mut impl rand::Rng) -> Option<&E> {
        if self.is_empty() {
            return None;
        }
        let start0 = self.rehash_index.unwrap_or(0);
        let len0 = self.tables[0].buckets.len();
        let len1 = self.tables[1].buckets.len();
        let span = len0 - start0.min(len0) + len1;
        // A non-empty dict has at least one non-empty bucket; bound the probing anyway.
        for _ in 0..span.saturating_mul(4).max(64) {
            let pick = rng.gen_range(0..span);
            let slot = if pick < len0 - start0 {
                &self.tables[0].buckets[start0 + pick]
            } else {
                &self.tables[1].buckets[pick - (len0 - start0)]
            };
            if let Some(head) = slot.as_deref() {
                let mut chain_len = 0;
                let mut cur = Some(head);
                while let Some(node) = cur {
                    chain_len += 1;
                    cur = node.next.as_deref();
                }
                let mut nth = rng.gen_range(0..chain_len);
                let mut cur = head;
                while nth > 0 {
                    nth -= 1;
                    match cur.next.as_deref() {
                        Some(next) => cur = next,
                        None => break,
                    }
                }
                return Some(&cur.entry);
            }
        }
        // Unlucky probing on a sparse table: fall back to the first entry.
        self.first_entry()
    }

    fn first_entry(&self) -> Option<&E> {
        for table in &self.tables {
            for slot in &table.buckets {
                if let Some(node) = slot.as_deref() {
                    return Some(&node.entry);
                }
            }
        }
        None
    }
}

/// Redis's reverse-binary cursor increment: set the bits above the mask, reverse, add one,
/// reverse back. Iterating this way visits buckets so that a table resize never makes the
/// cursor skip a bucket that existed when the scan started.
fn next_cursor(v: usize, mask: usize) -> usize {
    let mut v = v | !mask;
    v = v.reverse_bits();
    v = v.wrapping_add(1);
    v.reverse_bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    struct E(Vec<u8>);
    impl DictEntry for E {
        fn key(&self) -> &[u8] {
            &self.0
        }
    }

    fn dict() -> Dict<E> {
        Dict::new(RandomState::with_seeds(1, 2, 3, 4))
    }

    #[test]
    fn insert_get_remove_through_resizes() {
        let mut d = dict();
        for i in 0..10_000u32 {
            let k = i.to_string().into_bytes();
            let h = d.hash(&k);
            d.insert_new(h, E(k));
        }
        assert_eq!(d.len(), 10_000);
        for i in 0..10_000u32 {
            let k = i.to_string().into_bytes();
            let h = d.hash(&k);
            assert!(d.get(h, &k).is_some());
            assert!(d.peek(h, &k).is_some());
        }
        for i in 0..9_990u32 {
            let k = i.to_string().into_bytes();
            let h = d.hash(&k);
            assert!(d.remove(h, &k).is_some());
            assert!(d.remove(h, &k).is_none());
        }
        assert_eq!(d.len(), 10);
        while d.rehash(100) {}
        assert!(
            d.bucket_count() <= 128,
            "table shrank: {}",
            d.bucket_count()
        );
    }

    #[test]
    fn scan_returns_every_stable_key_across_growth_and_shrink() {
        let mut d = dict();
        for i in 0..500u32 {
            let k = format!("stable{i}").into_bytes();
            let h = d.hash(&k);
            d.insert_new(h, E(k));
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0u32;
        loop {
            cursor = d.scan(cursor, |e| {
                seen.insert(e.0.clone());
            });
            // Grow, then shrink, the table between scan calls.
            step += 1;
            if step < 40 {
                for j in 0..200u32 {
                    let k = format!("churn{step}-{j}").into_bytes();
                    let h = d.hash(&k);
                    d.insert_new(h, E(k));
                }
            } else {
                for s in 0..40u32 {
                    for j in 0..200u32 {
                        let k = format!("churn{s}-{j}").into_bytes();
                        let h = d.hash(&k);
                        d.remove(h, &k);
                    }
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..500u32 {
            assert!(
                seen.contains(format!("stable{i}").as_bytes()),
                "missed stable{i}"
            );
        }
    }

    #[test]
    fn keys_inserted_during_rehash_are_found() {
        let mut d = dict();
        for i in 0..200u32 {
            let k = i.to_string().into_bytes();
            let h = d.hash(&k);
            d.insert_new(h, E(k));
            // Look every key up after each insert, while resizes are in flight.
            for j in 0..=i {
                let k = j.to_string().into_bytes();
                let h = d.hash(&k);
                assert!(d.peek(h, &k).is_some(), "peek lost {j} after inserting {i}");
                assert!(d.get(h, &k).is_some(), "get lost {j} after inserting {i}");
            }
        }
        for i in 0..200u32 {
            let k = i.to_string().into_bytes();
            let h = d.hash(&k);
            assert!(d.remove(h, &k).is_some(), "remove lost {i}");
        }
        assert!(d.is_empty());
    }

    #[test]
    fn random_entry_finds_entries() {
        let mut d = dict();
        let mut rng = rand::thread_rng();
        assert!(d.random_entry(&mut rng).is_none());
        for i in 0..100u32 {
            let k = i.to_string().into_bytes();
            let h = d.hash(&k);
            d.insert_new(h, E(k));
        }
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            if let Some(e) = d.random_entry(&mut rng) {
                seen.insert(e.0.clone());
            }
        }
        assert!(seen.len() > 80);
    }

    proptest::proptest! {
        /// Random inserts, removals and lookups agree with a HashSet model, through every
        /// resize, and a full scan afterwards returns each key at least once and nothing else.
        #[test]
        fn behaves_like_a_set(ops in proptest::collection::vec((0u8..3, 0u16..300), 1..600)) {
            let mut d = dict();
            let mut model = HashSet::new();
            for (op, key) in ops {
                let k = key.to_string().into_bytes();
                let h = d.hash(&k);
                match op {
                    0 => {
                        if model.insert(k.clone()) {
                            d.insert_new(h, E(k));
                        }
                    }
                    1 => proptest::prop_assert_eq!(d.remove(h, &k).is_some(), model.remove(&k)),
                    _ => proptest::prop_assert_eq!(d.get(h, &k).is_some(), model.contains(&k)),
                }
                proptest::prop_assert_eq!(d.len(), model.len());
            }
            let mut seen = HashSet::new();
            let mut cursor = 0;
            loop {
                cursor = d.scan(cursor, |e| {
                    seen.insert(e.0.clone());
                });
                if cursor == 0 {
                    break;
                }
            }
            proptest::prop_assert_eq!(seen, model);
        }
    }
}
