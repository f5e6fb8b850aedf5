//! The hashtable encoding of a hash in which at least one field has an expiry time (Valkey 9.0's
//! per-field TTL), kept apart from the plain encodings so that hashes without field TTLs pay
//! nothing for the feature.
//!
//! The pairs live in the same `PairTable` a plain hashtable-encoded hash uses; the expiry times are
//! a side index over the volatile fields only: the time of each (`expiry_of`) and the fields in
//! time order (`order`), which is what lets the expiry cycle find the expired fields of a large
//! hash without visiting the others. Entering and leaving this encoding moves the map, it never
//! copies it.
//!
//! Invariants:
//! - every field of `expiry_of` is a field of `table`, and `order` holds exactly the pairs
//!   `(when, field)` of `expiry_of`;
//! - a field whose time is in the past stays stored until someone reclaims it, but is logically
//!   absent (Valkey 9.0 hides it from every read and never deletes it lazily): a field expires at
//!   `now_ms > when`, the rule of Valkey's `timestampIsExpired`.

use std::collections::{BTreeSet, HashMap};

use crate::hash::{Bytes, PairTable};

#[derive(Clone, Debug, Default)]
pub struct VolatileTable {
    table: PairTable,
    expiry_of: HashMap<Bytes, i64>,
    order: BTreeSet<(i64, Bytes)>,
}

/// Whether a field with expiry time `when_ms` is logically gone at `now_ms`.
pub fn is_past(when_ms: i64, now_ms: i64) -> bool {
    now_ms > when_ms
}

impl VolatileTable {
    /// Wraps a plain table; no field has an expiry time yet.
    pub fn from_table(table: PairTable) -> VolatileTable {
        VolatileTable {
            table,
            expiry_of: HashMap::new(),
            order: BTreeSet::new(),
        }
    }

    /// Gives the plain table back, dropping the expiry index.
    pub fn into_table(self) -> PairTable {
        self.table
    }

    /// Stored pairs, expired ones included.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Fields with an expiry time (expired ones included).
    pub fn volatile_len(&self) -> usize {
        self.expiry_of.len()
    }

    pub fn table(&self) -> &PairTable {
        &self.table
    }

    pub fn expiry(&self, field: &[u8]) -> Option<i64> {
        self.expiry_of.get(field).copied()
    }

    /// Whether `field` is stored but its time has passed.
    pub fn is_expired(&self, field: &[u8], now_ms: i64) -> bool {
        self.expiry(field).is_some_and(|when| is_past(when, now_ms))
    }

    /// Whether `field` is stored and not expired.
    pub fn is_live(&self, field: &[u8], now_ms: i64) -> bool {
        self.table.contains(field) && !self.is_expired(field, now_ms)
    }

    /// The earliest expiry time of any field.
    pub fn next_expiry(&self) -> Option<i64> {
        self.order.first().map(|(when, _)| *when)
    }

    /// Stored fields whose time has passed.
    pub fn expired_count(&self, now_ms: i64) -> usize {
        // Fields expire at `now > when`: every pair ordered before `(now, "")` qualifies.
        self.order.range(..(now_ms, Bytes::default())).count()
    }

    /// Stores `value` under `field`; returns whether the field was new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.table.insert((field.into(), value.into())).is_none()
    }

    /// Sets the expiry time of a stored field (a no-op for a field that is not stored).
    pub fn set_expiry(&mut self, field: &[u8], when_ms: i64) {
        if !self.table.contains(field) {
            return;
        }
        self.clear_expiry(field);
        self.expiry_of.insert(field.into(), when_ms);
        self.order.insert((when_ms, field.into()));
    }

    /// Removes the expiry time of `field`, returning it.
    pub fn clear_expiry(&mut self, field: &[u8]) -> Option<i64> {
        let when = self.expiry_of.remove(field)?;
        self.order.remove(&(when, Bytes::from(field)));
        Some(when)
    }

    /// Removes `field` and its expiry time, whether or not it expired; returns whether it was
    /// stored.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        self.clear_expiry(field);
        self.table.remove(field).is_some()
    }

    /// Removes up to `max` expired fields, earliest first, and returns them.
    pub fn pop_expired(&mut self, now_ms: i64, max: usize) -> Vec<Bytes> {
        let mut popped = Vec::new();
        while popped.len() < max {
            match self.order.first() {
                Some((when, _)) if is_past(*when, now_ms) => {}
                _ => break,
            }
            let Some((_, field)) = self.order.pop_first() else {
                break;
            };
            self.expiry_of.remove(&field);
            self.table.remove(&field);
            popped.push(field);
        }
        popped
    }

    /// The pairs that are not expired, in the table's order.
    pub fn iter_live(&self, now_ms: i64) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.table
            .iter()
            .filter(move |(field, _)| !self.is_expired(field, now_ms))
            .map(|(f, v)| (&**f, &**v))
    }

    /// A pair chosen uniformly among those not expired at `now_ms` (see
    /// `KeyedTable::random_entry_matching`): O(1) expected while most fields are live.
    pub fn random_live(
        &self,
        now_ms: i64,
        pick: impl FnMut(usize) -> usize,
    ) -> Option<(&[u8], &[u8])> {
        let live = |(field, _): &(Bytes, Bytes)| !self.is_expired(field, now_ms);
        let live_len = || self.len() - self.expired_count(now_ms);
        self.table
            .random_entry_matching(pick, live, live_len)
            .map(|(f, v)| (&**f, &**v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(fields: &[&str]) -> VolatileTable {
        let pairs = fields
            .iter()
            .map(|f| (Bytes::from(f.as_bytes()), Bytes::from(&b"v"[..])));
        VolatileTable::from_table(pairs.collect())
    }

    #[test]
    fn expiry_index_follows_the_fields() {
        let mut t = table(&["a", "b", "c"]);
        t.set_expiry(b"a", 100);
        t.set_expiry(b"b", 50);
        t.set_expiry(b"missing", 10);
        assert_eq!(t.volatile_len(), 2);
        assert_eq!(t.next_expiry(), Some(50));
        t.set_expiry(b"b", 200);
        assert_eq!(t.next_expiry(), Some(100));
        assert_eq!(t.clear_expiry(b"a"), Some(100));
        assert_eq!(t.next_expiry(), Some(200));
        assert!(t.remove(b"b"));
        assert_eq!(t.volatile_len(), 0);
        assert_eq!(t.next_expiry(), None);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_field_expires_strictly_after_its_time() {
        let mut t = table(&["a"]);
        t.set_expiry(b"a", 100);
        assert!(t.is_live(b"a", 100));
        assert!(!t.is_live(b"a", 101));
        assert_eq!(t.expired_count(100), 0);
        assert_eq!(t.expired_count(101), 1);
        assert!(t.pop_expired(100, 10).is_empty());
        assert_eq!(t.pop_expired(101, 10), vec![Bytes::from(&b"a"[..])]);
        assert!(t.is_empty());
    }

    #[test]
    fn pop_expired_is_bounded_and_ordered() {
        let mut t = table(&["a", "b", "c", "d"]);
        t.set_expiry(b"a", 30);
        t.set_expiry(b"b", 10);
        t.set_expiry(b"c", 20);
        t.set_expiry(b"d", 1000);
        let first = t.pop_expired(500, 2);
        assert_eq!(first, vec![Bytes::from(&b"b"[..]), Bytes::from(&b"c"[..])]);
        assert_eq!(t.pop_expired(500, 2), vec![Bytes::from(&b"a"[..])]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.iter_live(500).count(), 1);
        assert_eq!(t.iter_live(2000).count(), 0);
    }
}
