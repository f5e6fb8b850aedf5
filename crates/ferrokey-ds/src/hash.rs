//! Hash values: a field → value map in Valkey's encodings, with Valkey 9.0's per-field expiry.
//!
//! A new hash is a `Listpack`: its pairs in insertion order (a replaced value keeps its field's
//! position, a deleted pair closes the gap), which is the order HGETALL, HKEYS and HSCAN report.
//! Its field and value entries alternate in one exactly sized buffer (`CompactListpack`:
//! listpack entry encodings without the backlens), so like Valkey it stores a field or value
//! that is the canonical decimal of an i64 as an integer; reads therefore hand out `Entry`
//! values (integer or bytes), which give back the very bytes that were written.
//! It becomes a `HashTable` (no defined order) as Valkey 8.1 decides, and never converts back:
//! - before a multi-pair write (`try_conversion`, HSET/HMSET/HSETNX): when the write names more
//!   pairs than `hash-max-listpack-entries` (duplicates included), or any field or value it
//!   carries is longer than `hash-max-listpack-value` bytes;
//! - in `set_field` itself, before storing: a field or value longer than
//!   `hash-max-listpack-value` (the path HINCRBY/HINCRBYFLOAT/HSETEX take, which never call
//!   `try_conversion`), or an expiry time to store (a listpack holds no times);
//! - in `set_field`, after storing: more than `hash-max-listpack-entries` pairs;
//! - when a field of a listpack is given an expiry time (`set_expiry`).
//!
//! A hashtable with at least one field carrying an expiry time is `Volatile` (see
//! `hash_volatile`); it reports `hashtable` like Valkey 9.0 and turns back into a plain
//! `HashTable` when its last expiry time goes, so only hashes that use field TTLs pay for them.
//!
//! Expired fields follow Valkey 9.0: they are logically absent from the moment their time passes
//! (every read takes a `now_ms` and skips them, a write treats them as missing), but they stay
//! stored until `reclaim_expired` (the active expiry cycle) or an overwrite removes them; `len`
//! counts them, which is what HLEN reports.
//!
//! The enum is 24 bytes, the 32-byte allocation class, for every hash key: the listpack is a
//! boxed slice and both hashtable forms are boxed, so the third encoding widens no hash, and the
//! common small (listpack) hash is smaller than with a map stored inline; a hashtable hash pays
//! one more pointer for it.
//!
//! Invariant: fields are unique in every encoding.

use crate::hash_volatile::{is_past, VolatileTable};
use crate::keyed_table::KeyedTable;
use crate::listpack::CompactListpack;
pub use crate::listpack::Entry;

/// One field or value as stored.
pub type Bytes = Box<[u8]>;

/// A field and its value in a hashtable encoding (the field is the key).
pub type Pair = (Bytes, Bytes);

/// The pairs of a hashtable-encoded hash.
pub type PairTable = KeyedTable<Pair>;

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
    /// Insertion-ordered pairs with unique fields: field, value, field, value, ... entries.
    Listpack(CompactListpack),
    /// Boxed so the enum stays 24 bytes: the many small hashes are listpacks, and a map inline
    /// would make every hash value twice as large.
    HashTable(Box<PairTable>),
    /// A hashtable with at least one field that has an expiry time.
    Volatile(Box<VolatileTable>),
}

/// A field and its value as a hash hands them out (see `Entry`).
pub type PairEntries<'a> = (Entry<'a>, Entry<'a>);

fn str_pair((field, value): &Pair) -> PairEntries<'_> {
    (Entry::Str(field), Entry::Str(value))
}

/// The expiry a write gives the field it stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldExpiry {
    /// No expiry time: any previous one is removed (HSET, HSETEX without options).
    Persistent,
    /// This absolute time, in unix milliseconds.
    At(i64),
    /// The field's current time, unless it already expired (HSETEX KEEPTTL).
    Keep,
}

/// What `set_field` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetOutcome {
    /// The field was absent, or present but expired (Valkey counts both as new).
    pub created: bool,
    /// The field was present but expired, and the write replaced it.
    pub expired_overwritten: bool,
}

/// The NX/XX/GT/LT conditions of HEXPIRE and its family; several may be set (XX with GT, for
/// instance), and each must hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpireConditions {
    /// Only when the field has no expiry time.
    pub nx: bool,
    /// Only when the field has an expiry time.
    pub xx: bool,
    /// Only when the new time is later than the current one (no time counts as infinite).
    pub gt: bool,
    /// Only when the new time is earlier than the current one (no time counts as infinite).
    pub lt: bool,
}

/// The per-field result of HEXPIRE and its family, with Valkey's reply codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpireOutcome {
    /// The field (or the hash) does not exist.
    NoField = -2,
    /// An NX/XX/GT/LT condition did not hold.
    ConditionNotMet = 0,
    /// The expiry time was set.
    Set = 1,
    /// The time was not in the future, so the field was deleted.
    Deleted = 2,
}

/// The per-field result of HPERSIST, with Valkey's reply codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersistOutcome {
    NoField = -2,
    /// The field exists but has no expiry time.
    NoExpiry = -1,
    Removed = 1,
}

/// A field's expiry as HTTL and its family see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldTtl {
    Missing,
    Persistent,
    At(i64),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::new()
    }
}

impl HashValue {
    /// An empty listpack-encoded hash (what a write to a missing key starts from).
    pub fn new() -> HashValue {
        HashValue::Listpack(CompactListpack::new())
    }

    /// Stored pairs, expired fields not yet reclaimed included (Valkey 9.0's HLEN).
    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(pairs) => pairs.len() / 2,
            HashValue::HashTable(table) => table.len(),
            HashValue::Volatile(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pairs that are not expired at `now_ms`.
    pub fn live_len(&self, now_ms: i64) -> usize {
        match self {
            HashValue::Volatile(v) => v.len() - v.expired_count(now_ms),
            _ => self.len(),
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::HashTable(_) | HashValue::Volatile(_) => "hashtable",
        }
    }

    /// Whether some field has an expiry time (what the active expiry cycle tracks).
    pub fn has_volatile_fields(&self) -> bool {
        matches!(self, HashValue::Volatile(_))
    }

    /// The earliest expiry time of any field.
    pub fn next_expiry(&self) -> Option<i64> {
        match self {
            HashValue::Volatile(v) => v.next_expiry(),
            _ => None,
        }
    }

    /// The value of `field`, unless it is missing or expired at `now_ms`.
    pub fn get(&self, field: &[u8], now_ms: i64) -> Option<Entry<'_>> {
        self.get_with_expiry(field, now_ms).map(|(value, _)| value)
    }

    /// The value of a live field and its expiry time.
    pub fn get_with_expiry(&self, field: &[u8], now_ms: i64) -> Option<(Entry<'_>, Option<i64>)> {
        match self {
            HashValue::Listpack(pairs) => pairs.pair_value(field).map(|v| (v, None)),
            HashValue::HashTable(table) => table.get(field).map(|(_, v)| (Entry::Str(v), None)),
            HashValue::Volatile(v) => {
                let when = v.expiry(field);
                if when.is_some_and(|when| is_past(when, now_ms)) {
                    return None;
                }
                v.table()
                    .get(field)
                    .map(|(_, value)| (Entry::Str(value), when))
            }
        }
    }

    pub fn contains(&self, field: &[u8], now_ms: i64) -> bool {
        self.get(field, now_ms).is_some()
    }

    /// The expiry of a field as HTTL reports it.
    pub fn ttl(&self, field: &[u8], now_ms: i64) -> FieldTtl {
        match self.get_with_expiry(field, now_ms) {
            None => FieldTtl::Missing,
            Some((_, None)) => FieldTtl::Persistent,
            Some((_, Some(when))) => FieldTtl::At(when),
        }
    }

    /// Moves every pair into the hashtable encoding (a no-op when already there).
    pub fn convert_to_hashtable(&mut self) {
        if let HashValue::Listpack(pairs) = self {
            let mut table = PairTable::with_capacity(pairs.len() / 2);
            for (field, value) in pairs.pairs() {
                table.insert((field.to_vec().into(), value.to_vec().into()));
            }
            *self = HashValue::HashTable(Box::new(table));
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

    /// Sets `field` to `value` without an expiry time (removing any it had); returns whether
    /// the field counts as new (see `SetOutcome::created`).
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: &HashLimits, now_ms: i64) -> bool {
        self.set_field(field, value, FieldExpiry::Persistent, limits, now_ms)
            .created
    }

    /// Valkey's `hashTypeSet`: stores `value` under `field` with the given expiry, applying the
    /// per-write conversion rules (see the module docs). An expired field is overwritten as if
    /// it were missing.
    pub fn set_field(
        &mut self,
        field: &[u8],
        value: &[u8],
        expiry: FieldExpiry,
        limits: &HashLimits,
        now_ms: i64,
    ) -> SetOutcome {
        let too_long =
            field.len() > limits.max_listpack_value || value.len() > limits.max_listpack_value;
        if too_long || matches!(expiry, FieldExpiry::At(_)) {
            self.convert_to_hashtable();
        }
        if let (HashValue::HashTable(table), FieldExpiry::At(_)) = (&mut *self, expiry) {
            let table = std::mem::take(&mut **table);
            *self = HashValue::Volatile(Box::new(VolatileTable::from_table(table)));
        }
        let outcome = match self {
            HashValue::Listpack(pairs) => SetOutcome {
                created: pairs.set_pair(field, value),
                expired_overwritten: false,
            },
            HashValue::HashTable(table) => SetOutcome {
                created: table.insert((field.into(), value.into())).is_none(),
                expired_overwritten: false,
            },
            HashValue::Volatile(v) => {
                let previous = v.expiry(field);
                let expired = previous.is_some_and(|when| is_past(when, now_ms));
                let created = v.insert(field, value) || expired;
                let new_time = match expiry {
                    FieldExpiry::Persistent => None,
                    FieldExpiry::At(when) => Some(when),
                    FieldExpiry::Keep if expired => None,
                    FieldExpiry::Keep => previous,
                };
                match new_time {
                    Some(when) => v.set_expiry(field, when),
                    None => {
                        v.clear_expiry(field);
                    }
                }
                SetOutcome {
                    created,
                    expired_overwritten: expired,
                }
            }
        };
        if let HashValue::Listpack(pairs) = self {
            if pairs.len() / 2 > limits.max_listpack_entries {
                self.convert_to_hashtable();
            }
        }
        self.settle();
        outcome
    }

    /// Removes a live `field`; returns whether it was there. An expired field is not found
    /// (Valkey 9.0's HDEL leaves it to the expiry cycle). Never changes the encoding kind.
    pub fn remove(&mut self, field: &[u8], now_ms: i64) -> bool {
        if let HashValue::Volatile(v) = self {
            if v.is_expired(field, now_ms) {
                return false;
            }
        }
        self.remove_ignoring_expiry(field)
    }

    /// Removes `field` whether or not it expired (HSETEX with a past time).
    pub fn remove_ignoring_expiry(&mut self, field: &[u8]) -> bool {
        let removed = match self {
            HashValue::Listpack(pairs) => pairs.remove_pair(field),
            HashValue::HashTable(table) => table.remove(field).is_some(),
            HashValue::Volatile(v) => v.remove(field),
        };
        self.settle();
        removed
    }

    /// Valkey's `hashTypeSetExpire`: gives a live field the expiry time `when_ms` if the
    /// conditions hold, or deletes it when that time is not in the future (`when_ms <= now_ms`).
    /// A listpack holds no times, so there XX and GT never hold (no time counts as infinite).
    pub fn set_expiry(
        &mut self,
        field: &[u8],
        when_ms: i64,
        conditions: ExpireConditions,
        now_ms: i64,
    ) -> ExpireOutcome {
        let due = when_ms <= now_ms;
        if let HashValue::Listpack(pairs) = self {
            if pairs.pair_value(field).is_none() {
                return ExpireOutcome::NoField;
            }
            if conditions.xx || conditions.gt {
                return ExpireOutcome::ConditionNotMet;
            }
            if due {
                self.remove_ignoring_expiry(field);
                return ExpireOutcome::Deleted;
            }
            self.convert_to_hashtable();
        }
        let Some((_, current)) = self.get_with_expiry(field, now_ms) else {
            return ExpireOutcome::NoField;
        };
        let held = !((conditions.nx && current.is_some())
            || (conditions.xx && current.is_none())
            || (conditions.gt && current.is_none_or(|c| when_ms <= c))
            || (conditions.lt && current.is_some_and(|c| when_ms >= c)));
        if !held {
            return ExpireOutcome::ConditionNotMet;
        }
        if due {
            self.remove_ignoring_expiry(field);
            return ExpireOutcome::Deleted;
        }
        if let HashValue::HashTable(table) = self {
            let table = std::mem::take(&mut **table);
            *self = HashValue::Volatile(Box::new(VolatileTable::from_table(table)));
        }
        if let HashValue::Volatile(v) = self {
            v.set_expiry(field, when_ms);
        }
        ExpireOutcome::Set
    }

    /// Valkey's `hashTypePersist`: removes the expiry time of a live field.
    pub fn persist(&mut self, field: &[u8], now_ms: i64) -> PersistOutcome {
        let outcome = match self.get_with_expiry(field, now_ms) {
            None => return PersistOutcome::NoField,
            Some((_, None)) => return PersistOutcome::NoExpiry,
            Some((_, Some(_))) => PersistOutcome::Removed,
        };
        if let HashValue::Volatile(v) = self {
            v.clear_expiry(field);
        }
        self.settle();
        outcome
    }

    /// Deletes up to `max` fields whose time has passed at `now_ms`, earliest first, and returns
    /// them (the active expiry cycle turns them into HDEL).
    pub fn reclaim_expired(&mut self, now_ms: i64, max: usize) -> Vec<Bytes> {
        let reclaimed = match self {
            HashValue::Volatile(v) => v.pop_expired(now_ms, max),
            _ => Vec::new(),
        };
        self.settle();
        reclaimed
    }

    /// Every stored pair, expired ones included: insertion order for a listpack, the table's own
    /// order otherwise. Commands use `iter_live`.
    pub fn iter(&self) -> Box<dyn Iterator<Item = PairEntries<'_>> + '_> {
        match self {
            HashValue::Listpack(pairs) => Box::new(pairs.pairs()),
            HashValue::HashTable(table) => Box::new(table.iter().map(str_pair)),
            HashValue::Volatile(v) => Box::new(v.table().iter().map(str_pair)),
        }
    }

    /// The pairs that are not expired at `now_ms`, in `iter`'s order.
    pub fn iter_live(&self, now_ms: i64) -> Box<dyn Iterator<Item = PairEntries<'_>> + '_> {
        match self {
            HashValue::Volatile(v) => Box::new(
                v.iter_live(now_ms)
                    .map(|(f, v)| (Entry::Str(f), Entry::Str(v))),
            ),
            _ => self.iter(),
        }
    }

    /// One HSCAN step over the pairs not expired at `now_ms` (see `KeyedTable::scan`): a
    /// hashtable passes `visit` the live pairs among about `count` stored ones and returns the
    /// next cursor (expired fields take their share of the step's work, as pairs MATCH rejects
    /// do); a listpack passes every live pair and returns 0, whatever the cursor.
    pub fn scan_live<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        now_ms: i64,
        mut visit: impl FnMut(PairEntries<'a>),
    ) -> u64 {
        match self {
            HashValue::Listpack(_) => {
                self.iter_live(now_ms).for_each(visit);
                0
            }
            HashValue::HashTable(table) => table.scan(cursor, count, |pair| visit(str_pair(pair))),
            HashValue::Volatile(v) => v.table().scan(cursor, count, |pair| {
                if !v.is_expired(&pair.0, now_ms) {
                    visit(str_pair(pair));
                }
            }),
        }
    }

    /// A pair chosen uniformly among those not expired at `now_ms`. `pick` receives a non-zero
    /// bound and returns an index below it (reduced modulo the bound anyway); a hashtable calls
    /// it once per probe (see `KeyedTable::random_entry`). O(n) for a listpack (a walk), O(1)
    /// expected for a hashtable, as long as most fields are live for a volatile one.
    pub fn random_live_pair(
        &self,
        now_ms: i64,
        mut pick: impl FnMut(usize) -> usize,
    ) -> Option<PairEntries<'_>> {
        match self {
            HashValue::Listpack(pairs) => {
                let len = pairs.len() / 2;
                if len == 0 {
                    return None;
                }
                pairs.pairs().nth(pick(len) % len)
            }
            HashValue::HashTable(table) => table.random_entry(pick).map(str_pair),
            HashValue::Volatile(v) => v
                .random_live(now_ms, pick)
                .map(|(f, v)| (Entry::Str(f), Entry::Str(v))),
        }
    }

    /// Keeps the invariant that a `Volatile` hash has a field with an expiry time.
    fn settle(&mut self) {
        if let HashValue::Volatile(v) = self {
            if v.volatile_len() == 0 {
                let table = std::mem::take(&mut **v).into_table();
                *self = HashValue::HashTable(Box::new(table));
            }
        }
    }
}

#[cfg(test)]
#[path = "hash_tests.rs"]
mod tests;
