//! `IntSet`: Redis's sorted set of distinct integers, stored contiguously at one width.
//!
//! Every member is stored little-endian at the set's current width (2, 4 or 8 bytes), in
//! strictly ascending order, so membership is a binary search and iteration is a scan. Adding a
//! value that does not fit the current width re-encodes every member at the wider width (the
//! new value is then either the smallest or the largest member, so it goes at one end). Like
//! Redis, the width never shrinks on removal: `width_bytes()` reports the widest value ever held.
//!
//! Invariants: `bytes.len() == len * width`, members strictly ascending, every member fits the
//! width.
//!
//! [`SetValue`] is a set value in any of Redis's three encodings (`intset`, `listpack`,
//! `hashtable`) with Valkey 8.1's conversion rules, verified against the server:
//! - a new key is an intset if the first SADD member is an integer (`string2ll`) and the SADD's
//!   member count is at most `set-max-intset-entries`, else a listpack if the count is at most
//!   `set-max-listpack-entries`, else a hashtable;
//! - an existing intset/listpack becomes a hashtable before a SADD whose member count alone
//!   exceeds that encoding's entry limit (even if every member is already present);
//! - an intset growing past `set-max-intset-entries` becomes a hashtable (never a listpack);
//! - a non-integer added to an intset gives a listpack if the intset has fewer than
//!   `set-max-listpack-entries` members and the new member and the decimal forms of min/max
//!   fit `set-max-listpack-value`, else a hashtable;
//! - a listpack gains a member only below the entry limit and within the value limit, else it
//!   becomes a hashtable. Nothing converts back on removal.
//!
//! The listpack encoding is one exactly sized buffer (`CompactListpack`: listpack entry
//! encodings without the backlens), so a member that is the canonical decimal of an i64 is
//! stored, and handed out, as an integer (`SetMember::Int`) there too, as Valkey stores it.

use ferrokey_util::number::parse_i64_strict;

use crate::keyed_table::KeyedTable;
use crate::listpack::{CompactListpack, Entry};

/// A sorted set of distinct `i64` values in a compact contiguous encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct IntSet {
    /// Bytes per member: 2, 4 or 8.
    width: usize,
    /// `len * width` bytes, little-endian members in ascending order.
    bytes: Vec<u8>,
}

/// Redis's intset header: encoding (4 bytes) and length (4 bytes), counted in `blob_len`.
const HEADER_BYTES: usize = 8;

/// The narrowest width (in bytes) that holds `value`.
fn width_for(value: i64) -> usize {
    if i16::try_from(value).is_ok() {
        2
    } else if i32::try_from(value).is_ok() {
        4
    } else {
        8
    }
}

impl Default for IntSet {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl IntSet {
    /// An empty set at the narrowest width.
    pub fn new() -> Self {
        IntSet {
            width: 2,
            bytes: Vec::new(),
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.width
    }

    /// True when the set has no members.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes per stored member: 2, 4 or 8 (Redis's `INTSET_ENC_INT16/32/64`).
    pub fn width_bytes(&self) -> usize {
        self.width
    }

    /// Size of the equivalent Redis intset blob (header plus members), for memory accounting.
    pub fn blob_len(&self) -> usize {
        HEADER_BYTES + self.bytes.len()
    }

    /// The member at ascending position `index`, if any.
    pub fn get(&self, index: usize) -> Option<i64> {
        let start = index.checked_mul(self.width)?;
        let chunk = self.bytes.get(start..start.checked_add(self.width)?)?;
        Some(Self::decode(chunk))
    }

    /// Smallest member.
    pub fn min(&self) -> Option<i64> {
        self.get(0)
    }

    /// Largest member.
    pub fn max(&self) -> Option<i64> {
        self.len().checked_sub(1).and_then(|last| self.get(last))
    }

    /// True if `value` is a member.
    pub fn contains(&self, value: i64) -> bool {
        width_for(value) <= self.width && self.search(value).is_ok()
    }

    /// Adds `value`; returns false if it was already a member.
    pub fn add(&mut self, value: i64) -> bool {
        let needed = width_for(value);
        if needed > self.width {
            self.upgrade_and_add(value, needed);
            return true;
        }
        match self.search(value) {
            Ok(_) => false,
            Err(position) => {
                let at = position * self.width;
                self.bytes.splice(at..at, Self::encode(value, self.width));
                true
            }
        }
    }

    /// Removes `value`; returns false if it was not a member. The width is kept.
    pub fn remove(&mut self, value: i64) -> bool {
        if width_for(value) > self.width {
            return false;
        }
        match self.search(value) {
            Ok(position) => {
                let at = position * self.width;
                self.bytes.drain(at..at + self.width);
                true
            }
            Err(_) => false,
        }
    }

    /// A member chosen by `pick`, which receives the length (non-zero) and returns an index;
    /// the index is reduced modulo the length so any random `usize` source works.
    pub fn random_member(&self, pick: impl FnOnce(usize) -> usize) -> Option<i64> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        self.get(pick(len) % len)
    }

    /// Members in ascending order (reverse with `.rev()`).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        self.bytes.chunks_exact(self.width).map(Self::decode)
    }

    /// Releases spare capacity, keeping the storage at exactly `len * width` bytes.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// Binary search: `Ok(index)` of `value` or `Err(insertion index)`.
    fn search(&self, value: i64) -> Result<usize, usize> {
        let (mut low, mut high) = (0usize, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let current = self.get(mid).unwrap_or(i64::MAX);
            match current.cmp(&value) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    /// Re-encodes at `new_width` and adds `value`, which is out of the old width's range and
    /// therefore below every member (negative) or above every member (positive).
    fn upgrade_and_add(&mut self, value: i64, new_width: usize) {
        let mut widened = Vec::with_capacity((self.len() + 1) * new_width);
        if value < 0 {
            widened.extend(Self::encode(value, new_width));
        }
        for member in self.iter() {
            widened.extend(Self::encode(member, new_width));
        }
        if value >= 0 {
            widened.extend(Self::encode(value, new_width));
        }
        self.bytes = widened;
        self.width = new_width;
    }

    /// The low `width` bytes of `value`, little-endian.
    fn encode(value: i64, width: usize) -> impl Iterator<Item = u8> {
        value.to_le_bytes().into_iter().take(width)
    }

    /// Sign-extends a little-endian chunk of 2, 4 or 8 bytes.
    fn decode(chunk: &[u8]) -> i64 {
        let fill = if chunk.last().is_some_and(|&top| top & 0x80 != 0) {
            0xff
        } else {
            0
        };
        let mut full = [fill; 8];
        for (slot, byte) in full.iter_mut().zip(chunk) {
            *slot = *byte;
        }
        i64::from_le_bytes(full)
    }
}

/// The set conversion thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetLimits {
    /// `set-max-intset-entries` (default 512).
    pub max_intset_entries: usize,
    /// `set-max-listpack-entries` (default 128).
    pub max_listpack_entries: usize,
    /// `set-max-listpack-value` (default 64).
    pub max_listpack_value: usize,
}

impl Default for SetLimits {
    fn default() -> Self {
        SetLimits {
            max_intset_entries: 512,
            max_listpack_entries: 128,
            max_listpack_value: 64,
        }
    }
}

/// The server caps intsets at 2^30 members whatever the configuration says.
const INTSET_HARD_MAX_ENTRIES: usize = 1 << 30;

/// A set value in one of Redis's three encodings.
#[derive(Clone, Debug)]
pub enum SetValue {
    IntSet(IntSet),
    /// Members in insertion order (a listpack appends).
    Listpack(CompactListpack),
    /// Boxed so the enum is 32 bytes (a table inline would make it 72): every set key's value
    /// box is then in the 32-byte allocation class rather than the 80-byte one.
    HashTable(Box<KeyedTable<Box<[u8]>>>),
}

/// A member as stored: intset members are integers, the others byte strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetMember<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl<'a> From<Entry<'a>> for SetMember<'a> {
    fn from(entry: Entry<'a>) -> SetMember<'a> {
        match entry {
            Entry::Int(value) => SetMember::Int(value),
            Entry::Str(bytes) => SetMember::Bytes(bytes),
        }
    }
}

impl SetMember<'_> {
    /// The member's bytes (integers in canonical decimal).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            SetMember::Int(value) => value.to_string().into_bytes(),
            SetMember::Bytes(bytes) => bytes.to_vec(),
        }
    }
}

/// Length of `value` in decimal, sign included (the server's `sdigits10`).
fn decimal_len(value: i64) -> usize {
    value.to_string().len()
}

impl SetValue {
    /// A new key's value for a SADD whose first member is `first_member` and which carries
    /// `member_count` members (the server's `setTypeCreate`). The value is empty.
    pub fn with_hint(first_member: &[u8], member_count: usize, limits: &SetLimits) -> Self {
        if parse_i64_strict(first_member).is_some() && member_count <= limits.max_intset_entries {
            SetValue::IntSet(IntSet::new())
        } else if member_count <= limits.max_listpack_entries {
            SetValue::Listpack(CompactListpack::new())
        } else {
            SetValue::HashTable(Box::new(KeyedTable::with_capacity(member_count)))
        }
    }

    /// Before a SADD of `member_count` members to an existing key (`setTypeMaybeConvert`).
    pub fn convert_for_hint(&mut self, member_count: usize, limits: &SetLimits) {
        let too_many = match self {
            SetValue::IntSet(_) => member_count > limits.max_intset_entries,
            SetValue::Listpack(_) => member_count > limits.max_listpack_entries,
            SetValue::HashTable(_) => false,
        };
        if too_many {
            self.convert_to_hashtable(member_count);
        }
    }

    /// `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            SetValue::IntSet(_) => "intset",
            SetValue::Listpack(_) => "listpack",
            SetValue::HashTable(_) => "hashtable",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            SetValue::IntSet(set) => set.len(),
            SetValue::Listpack(members) => members.len(),
            SetValue::HashTable(members) => members.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            SetValue::IntSet(set) => parse_i64_strict(member).is_some_and(|v| set.contains(v)),
            SetValue::Listpack(members) => members.contains(member),
            SetValue::HashTable(members) => members.contains(member),
        }
    }

    /// Adds `member`, converting the encoding as the server does; returns false if present.
    pub fn add(&mut self, member: &[u8], limits: &SetLimits) -> bool {
        match self {
            SetValue::IntSet(set) => {
                if let Some(value) = parse_i64_strict(member) {
                    let added = set.add(value);
                    if set.len() > limits.max_intset_entries.min(INTSET_HARD_MAX_ENTRIES) {
                        self.convert_to_hashtable(0);
                    }
                    return added;
                }
                let widest = match (set.min(), set.max()) {
                    (Some(min), Some(max)) => decimal_len(min).max(decimal_len(max)),
                    _ => 0,
                };
                let fits_listpack = set.len() < limits.max_listpack_entries
                    && member.len() <= limits.max_listpack_value
                    && widest <= limits.max_listpack_value;
                let len = set.len();
                if fits_listpack {
                    let integers = set.iter().map(Entry::Int);
                    let entries = integers.chain(std::iter::once(Entry::from_bytes(member)));
                    *self = SetValue::Listpack(CompactListpack::from_entries(entries));
                } else {
                    self.convert_to_hashtable(len + 1);
                    self.add(member, limits);
                }
                true
            }
            SetValue::Listpack(members) => {
                if members.contains(member) {
                    return false;
                }
                if members.len() < limits.max_listpack_entries
                    && member.len() <= limits.max_listpack_value
                {
                    members.push_back(member);
                } else {
                    let len = members.len();
                    self.convert_to_hashtable(len + 1);
                    self.add(member, limits);
                }
                true
            }
            SetValue::HashTable(members) => members.get_or_insert_with(member, || member.into()).1,
        }
    }

    /// Removes `member`; returns whether it was present. Encodings never convert back.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            SetValue::IntSet(set) => parse_i64_strict(member).is_some_and(|v| set.remove(v)),
            SetValue::Listpack(members) => members.remove(member),
            SetValue::HashTable(members) => members.remove(member).is_some(),
        }
    }

    /// Members in storage order: ascending for intsets, insertion order for listpacks,
    /// arbitrary for hashtables.
    pub fn iter(&self) -> Box<dyn Iterator<Item = SetMember<'_>> + '_> {
        match self {
            SetValue::IntSet(set) => Box::new(set.iter().map(SetMember::Int)),
            SetValue::Listpack(members) => Box::new(members.iter().map(SetMember::from)),
            SetValue::HashTable(members) => Box::new(members.iter().map(|m| SetMember::Bytes(m))),
        }
    }

    /// One SSCAN step (see `KeyedTable::scan`): a hashtable passes `visit` about `count`
    /// members and returns the next cursor; the small encodings pass every member and return
    /// 0, whatever the cursor, as Valkey does.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(SetMember<'a>),
    ) -> u64 {
        match self {
            SetValue::HashTable(members) => {
                members.scan(cursor, count, |m| visit(SetMember::Bytes(m)))
            }
            _ => {
                self.iter().for_each(visit);
                0
            }
        }
    }

    /// A uniformly chosen member. `pick` receives a non-zero bound and returns an index below
    /// it (reduced modulo the bound anyway): the length for intset and listpack, called once;
    /// a bucket count for hashtable, called once per probe (see `KeyedTable::random_entry`).
    /// O(1) for intset, O(n) for listpack (a walk, as Redis's `lpSeek`), O(1) expected for
    /// hashtable.
    pub fn random_member(&self, mut pick: impl FnMut(usize) -> usize) -> Option<SetMember<'_>> {
        if let SetValue::HashTable(members) = self {
            return members.random_entry(pick).map(|m| SetMember::Bytes(m));
        }
        let len = self.len();
        if len == 0 {
            return None;
        }
        let index = pick(len) % len;
        match self {
            SetValue::IntSet(set) => set.get(index).map(SetMember::Int),
            SetValue::Listpack(members) => members.get(index).map(SetMember::from),
            SetValue::HashTable(_) => None,
        }
    }

    fn convert_to_hashtable(&mut self, capacity: usize) {
        let members: KeyedTable<Box<[u8]>> = match self {
            SetValue::HashTable(_) => return,
            SetValue::IntSet(set) => {
                let mut table = KeyedTable::with_capacity(capacity.max(set.len()));
                for value in set.iter() {
                    table.insert(value.to_string().into_bytes().into());
                }
                table
            }
            SetValue::Listpack(members) => {
                let mut table = KeyedTable::with_capacity(capacity.max(members.len()));
                for member in members.iter() {
                    table.insert(member.to_vec().into_boxed_slice());
                }
                table
            }
        };
        *self = SetValue::HashTable(Box::new(members));
    }
}

#[cfg(test)]
#[path = "intset_tests.rs"]
mod tests;
