//! Hash values: a field → value map in Valkey's two encodings.
//!
//! A new hash is a `Listpack`: its pairs in insertion order (a replaced value keeps its field's
//! position, a deleted pair closes the gap), which is the order HGETALL, HKEYS and HSCAN report.
//! It becomes a `HashTable` (no defined order) as Valkey 8.1 decides, and never converts back:
//! - before a multi-pair write (`try_conversion`, HSET/HMSET/HSETNX): when the write names more
//!   pairs than `hash-max-listpack-entries` (duplicates included), or any field or value it
//!   carries is longer than `hash-max-listpack-value` bytes;
//! - in `set` itself, before storing: a field or value longer than `hash-max-listpack-value`
//!   (the path HINCRBY/HINCRBYFLOAT take, which never call `try_conversion`);
//! - in `set`, after storing: more than `hash-max-listpack-entries` pairs.
//!
//! Invariant: fields are unique in both encodings.

use std::collections::HashMap;

/// One field or value as stored.
pub type Bytes = Box<[u8]>;

/// The conversion thresholds (`hash-max-listpack-entries`, `hash-max-listpack-value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashLimits {
    pub max_listpack_entries: usize,
    pub max_listpack_value: usize,
}

impl Default for HashLimits {
    /// Valkey 8.1's defaults (512 entries, 64 bytes).
    fn default() -> Self {
        HashLimits {
            max_listpack_entries: 512,
            max_listpack_value: 64,
        }
    }
}

#[derive(Clone, Debug)]
pub enum HashValue {
    /// Insertion-ordered pairs with unique fields.
    Listpack(Vec<(Bytes, Bytes)>),
    HashTable(HashMap<Bytes, Bytes>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::new()
    }
}

impl HashValue {
    /// An empty listpack-encoded hash (what a write to a missing key starts from).
    pub fn new() -> HashValue {
        HashValue::Listpack(Vec::new())
    }

    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(pairs) => pairs.len(),
            HashValue::HashTable(table) => table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::HashTable(_) => "hashtable",
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            HashValue::Listpack(pairs) => {
                pairs.iter().find(|(f, _)| &**f == field).map(|(_, v)| &**v)
            }
            HashValue::HashTable(table) => table.get(field).map(|v| &**v),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Moves every pair into the hashtable encoding (a no-op when already there).
    pub fn convert_to_hashtable(&mut self) {
        if let HashValue::Listpack(pairs) = self {
            let table: HashMap<Bytes, Bytes> = std::mem::take(pairs).into_iter().collect();
            *self = HashValue::HashTable(table);
        }
    }

    /// Valkey's `hashTypeTryConversion` over the field/value arguments of one write: converts
    /// when they name more pairs than the entry limit (counted before deduplication) or any of
    /// them is longer than the value limit.
    pub fn try_conversion(&mut self, field_value_args: &[&[u8]], limits: &HashLimits) {
        if !matches!(self, HashValue::Listpack(_)) {
            return;
        }
        let new_pairs = field_value_args.len() / 2;
        let too_long = || {
            field_value_args
                .iter()
                .any(|arg| arg.len() > limits.max_listpack_value)
        };
        if new_pairs > limits.max_listpack_entries || too_long() {
            self.convert_to_hashtable();
        }
    }

    /// Sets `field` to `value`; returns true when the field is new. Applies the per-write
    /// conversion rules of `hashTypeSet` (see the module docs).
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: &HashLimits) -> bool {
        if field.len() > limits.max_listpack_value || value.len() > limits.max_listpack_value {
            self.convert_to_hashtable();
        }
        let created = match self {
            HashValue::Listpack(pairs) => match pairs.iter_mut().find(|(f, _)| &**f == field) {
                Some((_, stored)) => {
                    *stored = value.into();
                    false
                }
                None => {
                    pairs.push((field.into(), value.into()));
                    true
                }
            },
            HashValue::HashTable(table) => table.insert(field.into(), value.into()).is_none(),
        };
        if let HashValue::Listpack(pairs) = self {
            if pairs.len() > limits.max_listpack_entries {
                self.convert_to_hashtable();
            }
        }
        created
    }

    /// Removes `field`; returns whether it was present. Never changes the encoding.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Listpack(pairs) => match pairs.iter().position(|(f, _)| &**f == field) {
                Some(index) => {
                    pairs.remove(index);
                    true
                }
                None => false,
            },
            HashValue::HashTable(table) => table.remove(field).is_some(),
        }
    }

    /// Every pair: insertion order for a listpack, the table's own order otherwise.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            HashValue::Listpack(pairs) => Box::new(pairs.iter().map(|(f, v)| (&**f, &**v))),
            HashValue::HashTable(table) => Box::new(table.iter().map(|(f, v)| (&**f, &**v))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{HashLimits, HashValue};
    use std::collections::HashMap;

    fn limits(entries: usize, value: usize) -> HashLimits {
        HashLimits {
            max_listpack_entries: entries,
            max_listpack_value: value,
        }
    }

    #[test]
    fn listpack_keeps_insertion_order_and_replaces_in_place() {
        let l = HashLimits::default();
        let mut hash = HashValue::new();
        assert!(hash.set(b"b", b"1", &l));
        assert!(hash.set(b"a", b"2", &l));
        assert!(!hash.set(b"b", b"3", &l));
        let pairs: Vec<_> = hash.iter().collect();
        assert_eq!(pairs, vec![(&b"b"[..], &b"3"[..]), (&b"a"[..], &b"2"[..])]);
        assert!(hash.remove(b"b"));
        assert!(!hash.remove(b"b"));
        assert_eq!(hash.get(b"a"), Some(&b"2"[..]));
        assert_eq!(hash.encoding_name(), "listpack");
    }

    #[test]
    fn conversions_follow_valkey() {
        let l = limits(2, 4);
        let mut hash = HashValue::new();
        hash.set(b"f", b"1234", &l);
        assert_eq!(hash.encoding_name(), "listpack");
        hash.set(b"g", b"12345", &l);
        assert_eq!(hash.encoding_name(), "hashtable");

        let mut hash = HashValue::new();
        hash.set(b"f1", b"v", &l);
        hash.set(b"f2", b"v", &l);
        assert_eq!(hash.encoding_name(), "listpack");
        hash.set(b"f3", b"v", &l);
        assert_eq!(hash.encoding_name(), "hashtable");
        hash.remove(b"f3");
        hash.remove(b"f2");
        assert_eq!(hash.encoding_name(), "hashtable", "never converts back");

        // Three pairs named (all the same field) exceed two entries before deduplication.
        let mut hash = HashValue::new();
        hash.try_conversion(&[b"f", b"v", b"f", b"v", b"f", b"v"], &l);
        assert_eq!(hash.encoding_name(), "hashtable");
        let mut hash = HashValue::new();
        hash.try_conversion(&[b"f", b"v", b"f", b"v"], &l);
        assert_eq!(hash.encoding_name(), "listpack");
        hash.try_conversion(&[b"field", b"v"], &l);
        assert_eq!(hash.encoding_name(), "hashtable");
    }

    #[test]
    fn zero_entry_limit_converts_on_first_write() {
        let mut hash = HashValue::new();
        hash.set(b"f", b"v", &limits(0, 64));
        assert_eq!(hash.encoding_name(), "hashtable");
        assert_eq!(hash.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn hash_agrees_with_hashmap(
            ops in proptest::collection::vec(
                (0u8..3, 0u8..12, proptest::collection::vec(proptest::num::u8::ANY, 0..8)),
                0..200,
            ),
            entries in 0usize..10,
            value_limit in 0usize..8,
        ) {
            let l = limits(entries, value_limit);
            let mut hash = HashValue::new();
            let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
            let mut was_hashtable = false;
            for (op, field, value) in ops {
                let field = vec![b'f', field];
                match op {
                    0 | 1 => {
                        let created = hash.set(&field, &value, &l);
                        proptest::prop_assert_eq!(created, model.insert(field.clone(), value.clone()).is_none());
                    }
                    _ => {
                        proptest::prop_assert_eq!(hash.remove(&field), model.remove(&field).is_some());
                    }
                }
                proptest::prop_assert_eq!(hash.get(&field), model.get(&field).map(|v| &v[..]));
                proptest::prop_assert_eq!(hash.len(), model.len());
                let is_hashtable = hash.encoding_name() == "hashtable";
                proptest::prop_assert!(!was_hashtable || is_hashtable);
                was_hashtable = is_hashtable;
                if !is_hashtable {
                    proptest::prop_assert!(hash.len() <= entries);
                    proptest::prop_assert!(hash.iter().all(|(f, v)| f.len() <= value_limit && v.len() <= value_limit));
                }
            }
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
                hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            pairs.sort();
            let mut expected: Vec<(Vec<u8>, Vec<u8>)> = model.into_iter().collect();
            expected.sort();
            proptest::prop_assert_eq!(pairs, expected);
        }
    }
}
