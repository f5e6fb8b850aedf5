//! Listpacks: sequences of byte-string/integer entries packed into one contiguous buffer, and
//! the codec of Valkey's listpack layout, whose sizes drive the same encoding conversions as in
//! Valkey and whose bytes DUMP and RDB payloads carry.
//!
//! Valkey's layout: a 6-byte header (total bytes as u32 LE, entry count as u16 LE,
//! saturating at 65535 = "unknown"), the entries, then a 0xFF terminator.
//! Each entry is an encoding byte (plus length or integer bytes), the payload,
//! and a "backlen": the size of encoding+payload written in 7-bit groups that
//! are read right to left, which makes backward iteration O(1) per step.
//! A value whose bytes are the canonical decimal of an i64 (as `string2ll`
//! accepts) is stored as an integer in the smallest fitting width.
//!
//! Neither buffer kept in memory is laid out quite so. [`CompactListpack`] (`listpack/compact.rs`),
//! the small hashes' and sets' buffer, stores the same entry encodings without the backlens and
//! the header, in an allocation of exactly its size. [`Listpack`] (`listpack/tagged.rs`), a
//! list's buffer, walks both ways with one tag per entry instead of a header and a backlen (and
//! no tag at all while every entry has the same one-byte tag). Both convert to Valkey's bytes,
//! and both report the sizes Valkey's listpack would have.

use ferrokey_util::number::parse_i64_strict;

mod compact;
mod tagged;
pub use compact::{CompactListpack, Entries, Pairs};
pub use tagged::{Iter, Listpack};

const HEADER_SIZE: usize = 6;
const EOF_BYTE: u8 = 0xFF;
/// Header value of the entry count once it no longer fits in the u16 field.
const COUNT_UNKNOWN: usize = u16::MAX as usize;
/// An empty listpack's size: header plus terminator (Redis `LP_HDR_SIZE + 1`).
pub const EMPTY_BYTES: usize = HEADER_SIZE + 1;
/// Enough room for the decimal form of any i64.
pub const INT_BUF_LEN: usize = 20;

/// One element as stored: integers come back as integers, the rest as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entry<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl<'a> Entry<'a> {
    /// How a listpack stores `value`: an integer when its bytes are the canonical decimal of an
    /// i64 (`string2ll`), so the integer formats back to exactly the same bytes.
    pub fn from_bytes(value: &'a [u8]) -> Entry<'a> {
        match parse_i64_strict(value) {
            Some(int) => Entry::Int(int),
            None => Entry::Str(value),
        }
    }

    /// The element's bytes, borrowed from the listpack for strings and formatted into `buf`
    /// for integers; unlike `as_bytes`, the result outlives this `Entry` value.
    pub fn into_bytes<'b>(self, buf: &'b mut [u8; INT_BUF_LEN]) -> &'b [u8]
    where
        'a: 'b,
    {
        match self {
            Entry::Str(bytes) => bytes,
            Entry::Int(value) => format_i64(value, buf),
        }
    }

    /// Length of the element's bytes (an integer's decimal form, sign included).
    pub fn byte_len(&self) -> usize {
        match *self {
            Entry::Str(bytes) => bytes.len(),
            Entry::Int(value) => format_i64(value, &mut [0u8; INT_BUF_LEN]).len(),
        }
    }

    /// Bytes of the element's encoding and payload (what a listpack entry holds besides its
    /// backlen).
    pub fn encoded_len(&self) -> usize {
        match *self {
            Entry::Int(int) => int_encoded_len(int),
            Entry::Str(bytes) => str_header_len(bytes.len()) + bytes.len(),
        }
    }

    /// Bytes the element takes in a listpack: encoding, payload and backlen.
    fn stored_size(&self) -> usize {
        let encoded = self.encoded_len();
        encoded + backlen_size(encoded)
    }

    /// The element's bytes; integers are formatted into `buf`.
    pub fn as_bytes<'b>(&'b self, buf: &'b mut [u8; INT_BUF_LEN]) -> &'b [u8] {
        match *self {
            Entry::Str(bytes) => bytes,
            Entry::Int(value) => format_i64(value, buf),
        }
    }

    /// The element's bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; INT_BUF_LEN];
        self.as_bytes(&mut buf).to_vec()
    }

    /// Whether the element's bytes equal `other` (without allocating).
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        let mut buf = [0u8; INT_BUF_LEN];
        self.as_bytes(&mut buf) == other
    }
}

/// Writes the decimal form of `value` at the end of `buf` and returns it.
pub fn format_i64(value: i64, buf: &mut [u8; INT_BUF_LEN]) -> &[u8] {
    let mut magnitude = value.unsigned_abs();
    let mut start = INT_BUF_LEN;
    loop {
        start -= 1;
        buf[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

/// Bytes needed to store `value` as an entry (encoding, payload, backlen);
/// the same figure Redis's listpack would use.
pub fn entry_size(value: &[u8]) -> usize {
    Entry::from_bytes(value).stored_size()
}

fn int_encoded_len(value: i64) -> usize {
    match value {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    }
}

fn str_header_len(len: usize) -> usize {
    if len < 64 {
        1
    } else if len < 4096 {
        2
    } else {
        5
    }
}

fn backlen_size(encoded_len: usize) -> usize {
    match encoded_len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Writes `entry` (encoding, payload, backlen) at the start of `out`, which holds at least
/// `entry.stored_size()` bytes; returns that size.
fn write_entry(entry: Entry<'_>, out: &mut [u8]) -> usize {
    let encoded_len = write_encoded(entry, out);
    encoded_len + write_backlen(encoded_len, &mut out[encoded_len..])
}

/// Writes `entry`'s encoding and payload (no backlen) at the start of `out`, which holds at
/// least `entry.encoded_len()` bytes; returns that size.
fn write_encoded(entry: Entry<'_>, out: &mut [u8]) -> usize {
    match entry {
        Entry::Int(int) => write_int(int, out),
        Entry::Str(value) => {
            let header = write_str_header(value.len(), out);
            out[header..header + value.len()].copy_from_slice(value);
            header + value.len()
        }
    }
}

/// Writes the encoding byte(s) of a string of `len` bytes; returns how many (1, 2 or 5).
fn write_str_header(len: usize, out: &mut [u8]) -> usize {
    if len < 64 {
        out[0] = 0x80 | len as u8;
        1
    } else if len < 4096 {
        out[0] = 0xE0 | (len >> 8) as u8;
        out[1] = (len & 0xFF) as u8;
        2
    } else {
        out[0] = 0xF0;
        // Listpacks cap strings at u32; larger values belong in plain nodes.
        let len32 = u32::try_from(len).unwrap_or(u32::MAX);
        out[1..5].copy_from_slice(&len32.to_le_bytes());
        5
    }
}

/// Writes the encoding byte(s) and payload of an integer; returns how many bytes.
fn write_int(value: i64, out: &mut [u8]) -> usize {
    let bytes = value.to_le_bytes();
    let len = int_encoded_len(value);
    match len {
        1 => out[0] = value as u8,
        2 => {
            // 13-bit two's complement: the top 5 bits ride in the encoding byte.
            let unsigned = (value as u64) & 0x1FFF;
            out[0] = 0xC0 | (unsigned >> 8) as u8;
            out[1] = (unsigned & 0xFF) as u8;
        }
        _ => {
            out[0] = match len {
                3 => 0xF1,
                4 => 0xF2,
                5 => 0xF3,
                _ => 0xF4,
            };
            out[1..len].copy_from_slice(&bytes[..len - 1]);
        }
    }
    len
}

/// Writes `len` in 7-bit groups, most significant first; every byte but the
/// first carries the 0x80 continuation flag so a right-to-left reader knows
/// when to stop.  Returns how many bytes.
fn write_backlen(len: usize, out: &mut [u8]) -> usize {
    let groups = backlen_size(len);
    for (slot, group) in out.iter_mut().zip((0..groups).rev()) {
        let bits = ((len >> (7 * group)) & 0x7F) as u8;
        *slot = if group == groups - 1 {
            bits
        } else {
            bits | 0x80
        };
    }
    groups
}

/// Replaces the bytes `range` of a well-formed compact buffer with the encodings of `entries`
/// (no backlens), moving the tail once and growing to exactly the bytes needed: the allocator's
/// size classes are the only slack. The count in front is left for the caller to update.
fn splice_entries(buf: &mut Vec<u8>, range: std::ops::Range<usize>, entries: &[Entry<'_>]) {
    let added: usize = entries.iter().map(Entry::encoded_len).sum();
    let removed = range.end - range.start;
    let old_len = buf.len();
    if added > removed {
        let extra = added - removed;
        buf.reserve_exact(extra);
        buf.resize(old_len + extra, 0);
        buf.copy_within(range.end..old_len, range.start + added);
    } else if added < removed {
        buf.copy_within(range.end..old_len, range.start + added);
        buf.truncate(old_len - (removed - added));
    }
    let mut at = range.start;
    for &entry in entries {
        at += write_encoded(entry, &mut buf[at..]);
    }
}

/// `entries` in Valkey's listpack layout (header, entries with backlens, terminator): the bytes
/// Valkey's DUMP and RDB carry, and what a compressed quicklist node holds.
fn redis_listpack(entries: &[Entry<'_>]) -> Vec<u8> {
    let size: usize = entries.iter().map(Entry::stored_size).sum();
    let mut out = vec![0; EMPTY_BYTES + size];
    let mut at = HEADER_SIZE;
    for &entry in entries {
        at += write_entry(entry, &mut out[at..]);
    }
    out[at] = EOF_BYTE;
    write_header(&mut out, entries.len());
    out
}

/// Writes the header of a buffer holding `count` entries.
fn write_header(buf: &mut [u8], count: usize) {
    let total = u32::try_from(buf.len()).unwrap_or(u32::MAX);
    buf[..4].copy_from_slice(&total.to_le_bytes());
    let count = count.min(COUNT_UNKNOWN) as u16;
    buf[4..6].copy_from_slice(&count.to_le_bytes());
}

/// A decoded entry: the value plus the size of encoding+payload.
struct Decoded<'a> {
    entry: Entry<'a>,
    encoded_len: usize,
}

impl Decoded<'_> {
    fn total_len(&self) -> usize {
        self.encoded_len + backlen_size(self.encoded_len)
    }
}

fn le_signed(bytes: &[u8]) -> i64 {
    let mut wide = [0u8; 8];
    wide[..bytes.len()].copy_from_slice(bytes);
    let shift = 64 - 8 * bytes.len() as u32;
    // Shift up then arithmetic-shift down to sign-extend the narrow value.
    (i64::from_le_bytes(wide) << shift) >> shift
}

/// Size of the encoding and payload of the entry at `offset` of a well-formed buffer. The
/// 7-bit integer and short string encodings, which small hashes and sets are mostly made of,
/// are sized from their first byte alone.
#[inline]
fn encoded_len_at(buf: &[u8], offset: usize) -> usize {
    let first = buf[offset];
    if first < 0x80 {
        1
    } else if first < 0xC0 {
        usize::from(first & 0x3F) + 1
    } else {
        decode_at(buf, offset).encoded_len
    }
}

/// Decodes the entry starting at `offset` of a well-formed buffer.
fn decode_at(buf: &[u8], offset: usize) -> Decoded<'_> {
    let first = buf[offset];
    let int = |width: usize| Decoded {
        entry: Entry::Int(le_signed(&buf[offset + 1..offset + 1 + width])),
        encoded_len: 1 + width,
    };
    let string = |header: usize, len: usize| Decoded {
        entry: Entry::Str(&buf[offset + header..offset + header + len]),
        encoded_len: header + len,
    };
    match first {
        0x00..=0x7F => Decoded {
            entry: Entry::Int(i64::from(first)),
            encoded_len: 1,
        },
        0x80..=0xBF => string(1, usize::from(first & 0x3F)),
        0xC0..=0xDF => {
            let unsigned = (u16::from(first & 0x1F) << 8) | u16::from(buf[offset + 1]);
            let value = if unsigned >= 1 << 12 {
                i64::from(unsigned) - (1 << 13)
            } else {
                i64::from(unsigned)
            };
            Decoded {
                entry: Entry::Int(value),
                encoded_len: 2,
            }
        }
        0xE0..=0xEF => string(
            2,
            (usize::from(first & 0x0F) << 8) | usize::from(buf[offset + 1]),
        ),
        0xF0 => {
            let mut len = [0u8; 4];
            len.copy_from_slice(&buf[offset + 1..offset + 5]);
            string(5, u32::from_le_bytes(len) as usize)
        }
        0xF1 => int(2),
        0xF2 => int(3),
        0xF3 => int(4),
        _ => int(8),
    }
}

/// A Redis-style index into `count` entries (negative counts from the tail), or `None` when it
/// falls outside them.
pub(crate) fn resolve_index(count: usize, index: i64) -> Option<usize> {
    let len = i64::try_from(count).ok()?;
    let resolved = if index < 0 { len + index } else { index };
    if (0..len).contains(&resolved) {
        usize::try_from(resolved).ok()
    } else {
        None
    }
}

/// The bytes a size-class allocator (jemalloc: four classes per doubling
/// above 128 bytes, 16-byte steps below) really reserves for a request of
/// `n` bytes. Capacity up to it costs nothing more than `n` itself.
pub fn allocation_class(n: usize) -> usize {
    if n <= 16 {
        return n.max(1).next_multiple_of(8);
    }
    if n <= 128 {
        return n.next_multiple_of(16);
    }
    let log2 = (n - 1).ilog2();
    let step = 1usize << (log2 - 2);
    n.next_multiple_of(step)
}

#[cfg(test)]
mod allocation_class_tests {
    use super::allocation_class;

    #[test]
    fn rounds_to_jemalloc_size_classes() {
        let cases = [
            (1, 8),
            (9, 16),
            (17, 32),
            (100, 112),
            (128, 128),
            (129, 160),
            (200, 224),
            (4096, 4096),
            (4097, 5120),
            (5000, 5120),
            (5121, 6144),
            (8191, 8192),
            (8193, 10240),
        ];
        for (n, class) in cases {
            assert_eq!(allocation_class(n), class, "{n}");
        }
        // Classes never shrink a request and grow by at least an eighth.
        for n in 1..100_000 {
            let class = allocation_class(n);
            assert!(class >= n && allocation_class(class) == class);
        }
    }
}
