//! A listpack: a sequence of byte-string/integer entries packed into one
//! contiguous buffer, laid out exactly as Redis's listpack so that its size
//! (`total_bytes`) drives the same encoding-conversion thresholds as the real
//! server and the buffer can later be written to RDB/DUMP payloads as is.
//!
//! Layout: a 6-byte header (total bytes as u32 LE, entry count as u16 LE,
//! saturating at 65535 = "unknown"), the entries, then a 0xFF terminator.
//! Each entry is an encoding byte (plus length or integer bytes), the payload,
//! and a "backlen": the size of encoding+payload written in 7-bit groups that
//! are read right to left, which makes backward iteration O(1) per step.
//! A value whose bytes are the canonical decimal of an i64 (as `string2ll`
//! accepts) is stored as an integer in the smallest fitting width.
//!
//! [`CompactListpack`] (in `listpack/compact.rs`), the small hashes' and sets' buffer, stores
//! the same entry encodings without the backlens and the listpack header, in an allocation of
//! exactly its size; both share this module's codec.
//!
//! Invariants: `buf` always holds a well-formed listpack built by this module,
//! `count` is the exact number of entries, and the header mirrors both.  Byte
//! offsets computed here are derived only from that layout, never from callers;
//! caller-supplied indices are bounds-checked.

use ferrokey_util::number::parse_i64_strict;

mod compact;
pub use compact::{CompactListpack, Entries, Pairs};

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

/// Appends one complete entry (encoding, payload, backlen) for `value`.
fn encode_entry(value: &[u8], out: &mut Vec<u8>) {
    let entry = Entry::from_bytes(value);
    let start = out.len();
    out.resize(start + entry.stored_size(), 0);
    write_entry(entry, &mut out[start..]);
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

/// How a splice lays entries out and makes room for them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Listpack entries (with backlens) and modest headroom (an eighth), for list nodes that
    /// keep growing at their ends.
    ListNode,
    /// Entries without backlens in exactly the bytes they need (`CompactListpack`): the
    /// allocator's size classes are the only slack.
    Compact,
}

/// Replaces the bytes `range` of a well-formed buffer with the encodings of `entries`, moving
/// the tail once.  The header is left for the caller to update.
fn splice_entries(
    buf: &mut Vec<u8>,
    range: std::ops::Range<usize>,
    entries: &[Entry<'_>],
    layout: Layout,
) {
    let size = match layout {
        Layout::ListNode => Entry::stored_size,
        Layout::Compact => Entry::encoded_len,
    };
    let added: usize = entries.iter().map(size).sum();
    let removed = range.end - range.start;
    let old_len = buf.len();
    if added > removed {
        let extra = added - removed;
        if buf.capacity() - old_len < extra {
            match layout {
                Layout::ListNode => buf.reserve_exact(allocation_class(old_len + extra) - old_len),
                Layout::Compact => buf.reserve_exact(extra),
            }
        }
        buf.resize(old_len + extra, 0);
        buf.copy_within(range.end..old_len, range.start + added);
    } else if added < removed {
        buf.copy_within(range.end..old_len, range.start + added);
        buf.truncate(old_len - (removed - added));
    }
    let write = match layout {
        Layout::ListNode => write_entry,
        Layout::Compact => write_encoded,
    };
    let mut at = range.start;
    for &entry in entries {
        at += write(entry, &mut buf[at..]);
    }
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

/// Reads the backlen that ends just before `end`; returns (encoded_len, backlen bytes).
fn decode_backlen(buf: &[u8], end: usize) -> (usize, usize) {
    let mut value = 0usize;
    let mut used = 0;
    loop {
        let byte = buf[end - 1 - used];
        value |= usize::from(byte & 0x7F) << (7 * used);
        used += 1;
        if byte & 0x80 == 0 {
            return (value, used);
        }
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

/// A Redis-layout listpack.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|entry| entry.to_vec()))
            .finish()
    }
}

impl Listpack {
    pub fn new() -> Listpack {
        let mut listpack = Listpack {
            buf: vec![0; HEADER_SIZE],
            count: 0,
        };
        listpack.buf.push(EOF_BYTE);
        listpack.sync_header();
        listpack
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The serialized size, what Redis's `lpBytes` reports.
    pub fn total_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Bytes held on the heap, including spare capacity.
    pub fn allocated_bytes(&self) -> usize {
        self.buf.capacity()
    }

    /// The serialized listpack (header, entries, terminator).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Rebuilds a listpack from bytes `as_bytes` returned and its entry count (the quicklist
    /// uses it after an LZF round trip).  Only the header and terminator are checked, so this
    /// is not for untrusted bytes.
    pub(crate) fn from_trusted_parts(buf: Vec<u8>, count: usize) -> Option<Listpack> {
        let header_total = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?);
        let header_count = u16::from_le_bytes(buf.get(4..6)?.try_into().ok()?);
        let consistent = usize::try_from(header_total).ok() == Some(buf.len())
            && usize::from(header_count) == count.min(COUNT_UNKNOWN)
            && buf.last() == Some(&EOF_BYTE);
        consistent.then_some(Listpack { buf, count })
    }

    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    fn sync_header(&mut self) {
        write_header(&mut self.buf, self.count);
    }

    /// Offset of the terminator byte.
    fn end_offset(&self) -> usize {
        self.buf.len() - 1
    }

    /// Byte offset of entry `index` (< len), walking from the nearer end.
    fn offset_of(&self, index: usize) -> usize {
        if index <= self.count / 2 {
            let mut offset = HEADER_SIZE;
            for _ in 0..index {
                offset += decode_at(&self.buf, offset).total_len();
            }
            offset
        } else {
            let mut offset = self.end_offset();
            for _ in index..self.count {
                offset = self.prev_offset(offset);
            }
            offset
        }
    }

    /// Start of the entry that ends at `end`.
    fn prev_offset(&self, end: usize) -> usize {
        let (encoded_len, backlen_len) = decode_backlen(&self.buf, end);
        end - backlen_len - encoded_len
    }

    /// Makes room for `extra` bytes, growing to the allocator's size class
    /// (`allocation_class`): nodes then hold no more than Redis's exactly
    /// reallocated listpacks, yet grow by a whole class at a time.
    fn reserve_for(&mut self, extra: usize) {
        let len = self.buf.len();
        if self.buf.capacity() - len < extra {
            self.buf.reserve_exact(allocation_class(len + extra) - len);
        }
    }

    /// Resolves a Redis-style index (negative counts from the tail).
    pub fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = i64::try_from(self.count).ok()?;
        let resolved = if index < 0 { len + index } else { index };
        if (0..len).contains(&resolved) {
            usize::try_from(resolved).ok()
        } else {
            None
        }
    }

    /// The entry at `index`; negative indices count from the tail.
    pub fn get(&self, index: i64) -> Option<Entry<'_>> {
        let index = self.resolve_index(index)?;
        Some(decode_at(&self.buf, self.offset_of(index)).entry)
    }

    pub fn first(&self) -> Option<Entry<'_>> {
        self.get(0)
    }

    pub fn last(&self) -> Option<Entry<'_>> {
        self.get(-1)
    }

    pub fn push_back(&mut self, value: &[u8]) {
        self.reserve_for(entry_size(value));
        self.buf.pop();
        encode_entry(value, &mut self.buf);
        self.buf.push(EOF_BYTE);
        self.count += 1;
        self.sync_header();
    }

    pub fn push_front(&mut self, value: &[u8]) {
        self.insert_at_offset(HEADER_SIZE, value);
    }

    fn insert_at_offset(&mut self, offset: usize, value: &[u8]) {
        let entry = [Entry::from_bytes(value)];
        splice_entries(&mut self.buf, offset..offset, &entry, Layout::ListNode);
        self.count += 1;
        self.sync_header();
    }

    /// Inserts `value` so that it becomes entry `index` (`index <= len`).
    /// Returns false when `index` is out of range.
    pub fn insert(&mut self, index: usize, value: &[u8]) -> bool {
        if index > self.count {
            return false;
        }
        if index == self.count {
            self.push_back(value);
        } else {
            let offset = self.offset_of(index);
            self.insert_at_offset(offset, value);
        }
        true
    }

    /// Inserts before the entry at `index` (negative counts from the tail).
    pub fn insert_before(&mut self, index: i64, value: &[u8]) -> bool {
        match self.resolve_index(index) {
            Some(resolved) => self.insert(resolved, value),
            None => false,
        }
    }

    /// Inserts after the entry at `index` (negative counts from the tail).
    pub fn insert_after(&mut self, index: i64, value: &[u8]) -> bool {
        match self.resolve_index(index) {
            Some(resolved) => self.insert(resolved + 1, value),
            None => false,
        }
    }

    /// Replaces the entry at `index` (negative counts from the tail).
    pub fn replace(&mut self, index: i64, value: &[u8]) -> bool {
        let Some(index) = self.resolve_index(index) else {
            return false;
        };
        let offset = self.offset_of(index);
        let old_len = decode_at(&self.buf, offset).total_len();
        let entry = [Entry::from_bytes(value)];
        splice_entries(
            &mut self.buf,
            offset..offset + old_len,
            &entry,
            Layout::ListNode,
        );
        self.sync_header();
        true
    }

    /// Removes up to `count` entries starting at `start`; returns how many went.
    pub fn remove_range(&mut self, start: usize, count: usize) -> usize {
        if start >= self.count || count == 0 {
            return 0;
        }
        let count = count.min(self.count - start);
        let from = self.offset_of(start);
        let to = if start + count == self.count {
            self.end_offset()
        } else {
            let mut offset = from;
            for _ in 0..count {
                offset += decode_at(&self.buf, offset).total_len();
            }
            offset
        };
        self.buf.drain(from..to);
        self.count -= count;
        self.sync_header();
        count
    }

    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let value = self.first()?.to_vec();
        self.remove_range(0, 1);
        Some(value)
    }

    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let value = self.last()?.to_vec();
        let start = self.prev_offset(self.end_offset());
        let end = self.end_offset();
        self.buf.drain(start..end);
        self.count -= 1;
        self.sync_header();
        Some(value)
    }

    /// Moves entries `at..` into a new listpack (entries copy as raw bytes:
    /// each is self-describing, so no re-encoding is needed).
    pub fn split_off(&mut self, at: usize) -> Listpack {
        let mut tail = Listpack::new();
        if at >= self.count {
            return tail;
        }
        let from = self.offset_of(at);
        let end = self.end_offset();
        tail.buf.pop();
        tail.buf.extend_from_slice(&self.buf[from..end]);
        tail.buf.push(EOF_BYTE);
        tail.count = self.count - at;
        tail.sync_header();
        self.buf.truncate(from);
        self.buf.push(EOF_BYTE);
        self.buf.shrink_to_fit();
        self.count = at;
        self.sync_header();
        tail
    }

    /// Appends all of `other`'s entries after this one's.
    pub fn append(&mut self, other: &Listpack) {
        let entries = &other.buf[HEADER_SIZE..other.end_offset()];
        self.reserve_for(entries.len());
        self.buf.pop();
        self.buf.extend_from_slice(entries);
        self.buf.push(EOF_BYTE);
        self.count += other.count;
        self.sync_header();
    }

    /// Removes entries equal to `value`, at most `limit` of them (`None`:
    /// all), scanning from the tail when `from_tail`.  Returns how many went.
    pub fn remove_matching(
        &mut self,
        value: &[u8],
        limit: Option<usize>,
        from_tail: bool,
    ) -> usize {
        let mut doomed: Vec<(usize, usize)> = Vec::new();
        let reached = |doomed: &Vec<(usize, usize)>| limit.is_some_and(|max| doomed.len() >= max);
        if from_tail {
            let mut end = self.end_offset();
            while end > HEADER_SIZE && !reached(&doomed) {
                let start = self.prev_offset(end);
                if decode_at(&self.buf, start).entry.eq_bytes(value) {
                    doomed.push((start, end));
                }
                end = start;
            }
            doomed.reverse();
        } else {
            let mut offset = HEADER_SIZE;
            let end = self.end_offset();
            while offset < end && !reached(&doomed) {
                let decoded = decode_at(&self.buf, offset);
                let next = offset + decoded.total_len();
                if decoded.entry.eq_bytes(value) {
                    doomed.push((offset, next));
                }
                offset = next;
            }
        }
        if doomed.is_empty() {
            return 0;
        }
        // Rebuild once rather than shifting the tail per removal.
        let mut kept = Vec::with_capacity(self.buf.len());
        let mut cursor = 0;
        for &(start, end) in &doomed {
            kept.extend_from_slice(&self.buf[cursor..start]);
            cursor = end;
        }
        kept.extend_from_slice(&self.buf[cursor..]);
        self.buf = kept;
        self.count -= doomed.len();
        self.sync_header();
        doomed.len()
    }

    /// Iterates over all entries; double-ended.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.buf,
            front: HEADER_SIZE,
            back: self.end_offset(),
            remaining: self.count,
        }
    }

    /// Entries from `index` to the tail (forward) or from `index` down to the
    /// head (`next_back` then yields entry `index` first).
    pub fn iter_split(&self, index: usize) -> (Iter<'_>, Iter<'_>) {
        let index = index.min(self.count);
        let offset = if index == self.count {
            self.end_offset()
        } else {
            self.offset_of(index)
        };
        let before = Iter {
            buf: &self.buf,
            front: HEADER_SIZE,
            back: offset,
            remaining: index,
        };
        let after = Iter {
            buf: &self.buf,
            front: offset,
            back: self.end_offset(),
            remaining: self.count - index,
        };
        (before, after)
    }
}

/// Iterator over a listpack's entries, from either end.
#[derive(Clone)]
pub struct Iter<'a> {
    buf: &'a [u8],
    front: usize,
    back: usize,
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let decoded = decode_at(self.buf, self.front);
        self.front += decoded.total_len();
        self.remaining -= 1;
        Some(decoded.entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<Entry<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let (encoded_len, backlen_len) = decode_backlen(self.buf, self.back);
        self.back -= encoded_len + backlen_len;
        self.remaining -= 1;
        Some(decode_at(self.buf, self.back).entry)
    }
}

impl ExactSizeIterator for Iter<'_> {}

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
