//! Keys, values and the entries of the main table, laid out for memory per key.
//!
//! An entry is one allocation of 64 bytes: the chain link, a key of up to 22 bytes stored inline
//! (longer keys on the heap), a value of 24 bytes (integers and strings of up to 22 bytes inline),
//! and the access clock and flags. The size is asserted in tests because memory per key is a
//! product goal: a change that grows it must be deliberate.

use crate::keyspace::dict::DictEntry;

/// Bytes a `SmallBytes` keeps inline.
pub const INLINE_CAPACITY_BYTES: usize = 22;

/// A byte string stored inline when short, on the heap otherwise. 24 bytes.
#[derive(Clone)]
pub enum SmallBytes {
    Inline {
        len: u8,
        buf: [u8; INLINE_CAPACITY_BYTES],
    },
    Heap(Box<[u8]>),
}

impl SmallBytes {
    pub fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAPACITY_BYTES {
            let mut buf = [0u8; INLINE_CAPACITY_BYTES];
            buf[..bytes.len()].copy_from_slice(bytes);
            SmallBytes::Inline {
                len: bytes.len() as u8,
                buf,
            }
        } else {
            SmallBytes::Heap(bytes.into())
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, buf } => &buf[..*len as usize],
            SmallBytes::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// The value of a key. String values have three storage forms; which encoding Redis would
/// report (int, embstr, raw) is tracked separately in the entry flags, because it depends on
/// how the value was made, not only on its bytes.
#[derive(Clone, Debug)]
pub enum Value {
    /// A string that is the canonical decimal form of an i64.
    Int(i64),
    /// A string of up to 22 bytes.
    Short(SmallBytes),
    /// A longer or growable string. The Vec is boxed so the enum stays 24 bytes (a bare Vec
    /// would make every value 32): one more allocation for long strings, 8 bytes less per key.
    #[allow(clippy::box_collection)]
    Long(Box<Vec<u8>>),
    /// A list (listpack or quicklist encoded).
    List(Box<ferrokey_ds::list::List>),
    /// A set (intset, listpack or hashtable encoded).
    Set(Box<ferrokey_ds::intset::SetValue>),
    /// A sorted set (listpack or skiplist encoded).
    ZSet(Box<ferrokey_ds::zset::ZSet>),
    /// A hash (listpack or hashtable encoded).
    Hash(Box<ferrokey_ds::hash::HashValue>),
}

/// The type names TYPE and SCAN TYPE use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    String,
    List,
    Set,
    ZSet,
    Hash,
    Stream,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Hash => "hash",
            ValueType::Stream => "stream",
        }
    }

    pub fn from_name(name: &[u8]) -> Option<ValueType> {
        let all = [
            ValueType::String,
            ValueType::List,
            ValueType::Set,
            ValueType::ZSet,
            ValueType::Hash,
            ValueType::Stream,
        ];
        all.into_iter()
            .find(|t| t.name().as_bytes().eq_ignore_ascii_case(name))
    }
}

impl Value {
    /// A string value from bytes, stored in the most compact form.
    pub fn from_bytes(bytes: &[u8]) -> Value {
        // The int encoding holds exactly the strings string2ll accepts.
        if let Some(n) = ferrokey_util::number::parse_i64_strict(bytes) {
            return Value::Int(n);
        }
        Value::from_bytes_verbatim(bytes)
    }

    /// A string value from bytes that must keep their exact byte form (no integer sharing).
    pub fn from_bytes_verbatim(bytes: &[u8]) -> Value {
        if bytes.len() <= INLINE_CAPACITY_BYTES {
            Value::Short(SmallBytes::new(bytes))
        } else {
            Value::Long(Box::new(bytes.to_vec()))
        }
    }

    pub fn from_vec(bytes: Vec<u8>) -> Value {
        if bytes.len() <= INLINE_CAPACITY_BYTES {
            Value::Short(SmallBytes::new(&bytes))
        } else {
            Value::Long(Box::new(bytes))
        }
    }

    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Int(_) | Value::Short(_) | Value::Long(_) => ValueType::String,
            Value::List(_) => ValueType::List,
            Value::Set(_) => ValueType::Set,
            Value::ZSet(_) => ValueType::ZSet,
            Value::Hash(_) => ValueType::Hash,
        }
    }

    pub fn is_string(&self) -> bool {
        self.value_type() == ValueType::String
    }

    /// The bytes of a string value; integers are formatted into `tmp`.
    pub fn string_bytes<'a>(&'a self, tmp: &'a mut [u8; 20]) -> Option<&'a [u8]> {
        match self {
            Value::Int(n) => Some(ferrokey_resp::fmt_i64(tmp, *n)),
            Value::Short(s) => Some(s.as_bytes()),
            Value::Long(v) => Some(v),
            Value::List(_) | Value::Set(_) | Value::ZSet(_) | Value::Hash(_) => None,
        }
    }

    /// A string value's bytes as an owned vector (for mutation in place: APPEND, SETRANGE).
    pub fn into_string_vec(self) -> Option<Vec<u8>> {
        match self {
            Value::Int(n) => Some(n.to_string().into_bytes()),
            Value::Short(s) => Some(s.as_bytes().to_vec()),
            Value::Long(v) => Some(*v),
            Value::List(_) | Value::Set(_) | Value::ZSet(_) | Value::Hash(_) => None,
        }
    }

    pub fn string_len(&self) -> Option<usize> {
        let mut tmp = [0u8; 20];
        self.string_bytes(&mut tmp).map(|b| b.len())
    }
}

/// The entry flags.
pub mod flags {
    /// The key has an expiry time in the shard's expires table.
    pub const HAS_EXPIRE: u8 = 1;
    /// A string that Redis would report as `raw` rather than `embstr`.
    pub const RAW: u8 = 2;
}

/// One key of the main table.
pub struct Entry {
    pub key: SmallBytes,
    pub value: Value,
    /// The LRU clock (seconds resolution, 24 bits as Redis) of the last access.
    pub lru: u32,
    pub flags: u8,
    /// The LFU counter (OBJECT FREQ).
    pub lfu: u8,
}

impl DictEntry for Entry {
    fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

impl Entry {
    pub fn has_expire(&self) -> bool {
        self.flags & flags::HAS_EXPIRE != 0
    }

    pub fn set_flag(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// The encoding name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match &self.value {
            Value::Int(_) => "int",
            Value::Short(_) | Value::Long(_) => {
                if self.flags & flags::RAW != 0 {
                    "raw"
                } else {
                    "embstr"
                }
            }
            Value::List(list) => list.encoding_name(),
            Value::Set(set) => set.encoding_name(),
            Value::ZSet(zset) => zset.encoding_name(),
            Value::Hash(hash) => hash.encoding_name(),
        }
    }
}

/// Valkey 8.1 embeds a string value with its key in one 64-byte allocation when they fit, and
/// reports that as `embstr`. The space left for key and value is 41 bytes, 8 fewer when the key
/// was created with an expiry.
pub fn embstr_fits(key_len: usize, value_len: usize, created_with_expire: bool) -> bool {
    let budget = if created_with_expire { 33 } else { 41 };
    key_len + value_len <= budget
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_stays_within_a_64_byte_allocation() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
        // The dict node adds an 8-byte link.
        assert!(
            std::mem::size_of::<Entry>() <= 56,
            "{}",
            std::mem::size_of::<Entry>()
        );
    }
}
