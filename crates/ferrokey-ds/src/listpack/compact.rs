//! `CompactListpack`: the one buffer a small hash or set lives in (the encoding OBJECT ENCODING
//! calls `listpack`), for the keys a keyspace holds by the million, where every byte per
//! element counts.
//!
//! Its entries use the listpack entry encodings of [`super`] (a value that is the canonical
//! decimal of an i64 is stored as an integer in the narrowest width, anything else as a
//! length-prefixed string) but drop what only a list needs: the backlen after each entry
//! (backward iteration; hashes and sets only walk forwards) and the listpack header and
//! terminator (the boxed slice knows its length). That is a byte less per element and seven
//! per key than Valkey's listpack; `to_listpack` rebuilds Valkey's bytes when a payload needs
//! them. The value is a boxed slice (16 bytes, so a `HashValue` stays 24), and every edit
//! reallocates to the exact new size, as Redis's `lpInsert` does; the allocator's size classes
//! absorb most of those reallocations in place. An empty one holds no allocation at all.
//!
//! Lookups are linear scans, as in Valkey, that compare stored bytes with the needle's encoding
//! computed once (see `Needle`): every value has a single encoding, so no entry needs decoding,
//! formatting or allocating to be compared. Each step sizes an entry from its first byte; that
//! load-to-load chain is what a lookup costs (a few ns per entry). Besides plain entries, it
//! serves hashes as a sequence of (field, value) pairs: the pair lookups compare only the even
//! entries.
//!
//! Layout: empty (no entries), or a u16 LE entry count (65535 once there are that many or more,
//! which `len` then counts by walking) followed by the entries, each an encoding byte (plus
//! length or integer bytes) and the payload.
//!
//! Invariants: `buf` is empty or holds the count and well-formed entries built by this module,
//! with nothing after the last entry; the count is exact below 65535.

use super::COUNT_UNKNOWN;
use super::{decode_at, encoded_len_at, splice_entries, write_int, write_str_header, Entry};

/// Bytes of the entry count in front of the entries.
const COUNT_BYTES: usize = 2;

/// Entries in a buffer of bytes sized exactly to them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CompactListpack {
    buf: Box<[u8]>,
}

impl std::fmt::Debug for CompactListpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|entry| entry.to_vec()))
            .finish()
    }
}

/// The byte range of a matching entry.
struct Found {
    start: usize,
    end: usize,
}

/// A value prepared for matching stored entries by their bytes: encodings are canonical (one
/// value, one encoding), so an entry holds the value exactly when it starts with the value's
/// encoding bytes (all of them for an integer, the length header for a string) followed, for a
/// string, by the value's bytes. The first byte fixes an entry's kind and length, so a match
/// never runs into the next entry.
struct Needle<'v> {
    prefix: [u8; 9],
    prefix_len: usize,
    payload: &'v [u8],
    /// The first and last 8 bytes of a payload of 8 to 16 bytes (most fields and members), so
    /// that comparing one takes two word compares rather than a `memcmp` call.
    words: Option<(u64, u64)>,
}

/// The first and last 8 bytes of `bytes` (of at least 8) as words.
#[inline]
fn end_words(bytes: &[u8]) -> (u64, u64) {
    let head = bytes.first_chunk::<8>().copied().unwrap_or_default();
    let tail = bytes.last_chunk::<8>().copied().unwrap_or_default();
    (u64::from_ne_bytes(head), u64::from_ne_bytes(tail))
}

impl<'v> Needle<'v> {
    fn new(value: &'v [u8]) -> Needle<'v> {
        let mut prefix = [0u8; 9];
        let (prefix_len, payload) = match Entry::from_bytes(value) {
            Entry::Int(int) => (write_int(int, &mut prefix), &[][..]),
            Entry::Str(bytes) => (write_str_header(bytes.len(), &mut prefix), bytes),
        };
        Needle {
            prefix,
            prefix_len,
            payload,
            words: (8..=16)
                .contains(&payload.len())
                .then(|| end_words(payload)),
        }
    }

    #[inline]
    fn matches(&self, bytes: &[u8], offset: usize) -> bool {
        // The first byte alone turns away entries of another kind or length.
        bytes.get(offset) == Some(&self.prefix[0]) && self.matches_after_first(bytes, offset)
    }

    #[inline]
    fn matches_after_first(&self, bytes: &[u8], offset: usize) -> bool {
        let payload_start = offset + self.prefix_len;
        if self.prefix_len > 1
            && bytes.get(offset + 1..payload_start) != self.prefix.get(1..self.prefix_len)
        {
            return false;
        }
        let Some(stored) = bytes.get(payload_start..payload_start + self.payload.len()) else {
            return false;
        };
        match self.words {
            Some(words) => end_words(stored) == words,
            None if stored.len() < 8 => stored.iter().zip(self.payload).all(|(a, b)| a == b),
            None => stored == self.payload,
        }
    }
}

impl CompactListpack {
    /// No entries (no allocation).
    pub fn new() -> CompactListpack {
        CompactListpack::default()
    }

    /// `entries`, in order, allocated once at their exact size.
    pub fn from_entries<'e>(entries: impl IntoIterator<Item = Entry<'e>>) -> CompactListpack {
        let entries: Vec<Entry<'e>> = entries.into_iter().collect();
        let mut compact = CompactListpack::new();
        compact.edit(COUNT_BYTES..COUNT_BYTES, &entries, 0);
        compact
    }

    /// The same entries as a Valkey listpack (header, entries with backlens, terminator): the
    /// bytes Valkey's DUMP and RDB carry for a listpack-encoded hash or set.
    pub fn to_listpack(&self) -> Vec<u8> {
        let entries: Vec<Entry<'_>> = self.iter().collect();
        super::redis_listpack(&entries)
    }

    /// Bytes held on the heap: the count and the entries (the allocator may round them up to
    /// its size class).
    pub fn allocated_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Number of entries (a walk only past 65534 entries, where the count saturates).
    pub fn len(&self) -> usize {
        let Some(&[low, high]) = self.buf.first_chunk::<COUNT_BYTES>() else {
            return 0;
        };
        let count = usize::from(u16::from_le_bytes([low, high]));
        if count < COUNT_UNKNOWN {
            return count;
        }
        let mut offset = COUNT_BYTES;
        let mut walked = 0;
        while offset < self.buf.len() {
            offset += encoded_len_at(&self.buf, offset);
            walked += 1;
        }
        walked
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Iterates over all entries, first to last.
    pub fn iter(&self) -> Entries<'_> {
        Entries {
            buf: &self.buf,
            offset: COUNT_BYTES,
            remaining: self.len(),
        }
    }

    /// The entries taken two at a time, as (field, value) pairs.
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs {
            entries: self.iter(),
        }
    }

    /// The entry at `index` (a walk from the first).
    pub fn get(&self, index: usize) -> Option<Entry<'_>> {
        self.iter().nth(index)
    }

    /// The first entry equal to `value` among the entries at indices 0, `STRIDE`, 2 *
    /// `STRIDE`, ... (`STRIDE` is 1 or 2: every entry, or the fields of a pair sequence).
    fn find<const STRIDE: usize>(&self, value: &[u8]) -> Option<Found> {
        let needle = Needle::new(value);
        let bytes = &self.buf[..];
        let end = bytes.len();
        let mut offset = COUNT_BYTES;
        while offset < end {
            let next = offset + encoded_len_at(bytes, offset);
            if needle.matches(bytes, offset) {
                return Some(Found {
                    start: offset,
                    end: next,
                });
            }
            offset = next;
            if STRIDE == 2 && offset < end {
                offset += encoded_len_at(bytes, offset);
            }
        }
        None
    }

    /// Whether some entry equals `value`.
    pub fn contains(&self, value: &[u8]) -> bool {
        self.find::<1>(value).is_some()
    }

    /// Appends `value` as the last entry.
    pub fn push_back(&mut self, value: &[u8]) {
        let end = self.end();
        self.edit(end..end, &[Entry::from_bytes(value)], 0);
    }

    /// Removes the first entry equal to `value`; returns whether there was one.
    pub fn remove(&mut self, value: &[u8]) -> bool {
        match self.find::<1>(value) {
            Some(found) => {
                self.edit(found.start..found.end, &[], 1);
                true
            }
            None => false,
        }
    }

    /// The value of the pair whose field is `field`.
    pub fn pair_value(&self, field: &[u8]) -> Option<Entry<'_>> {
        let found = self.find::<2>(field)?;
        // A pair sequence has a value after every field.
        (found.end < self.buf.len()).then(|| decode_at(&self.buf, found.end).entry)
    }

    /// Sets the value of `field`'s pair in place, or appends a new pair; returns whether the
    /// field is new.
    pub fn set_pair(&mut self, field: &[u8], value: &[u8]) -> bool {
        let new_value = Entry::from_bytes(value);
        match self.find::<2>(field) {
            Some(found) if found.end < self.buf.len() => {
                let old_end = found.end + encoded_len_at(&self.buf, found.end);
                self.edit(found.end..old_end, &[new_value], 1);
                false
            }
            _ => {
                let end = self.end();
                self.edit(end..end, &[Entry::from_bytes(field), new_value], 0);
                true
            }
        }
    }

    /// Removes the pair whose field is `field`; returns whether there was one.
    pub fn remove_pair(&mut self, field: &[u8]) -> bool {
        let Some(found) = self.find::<2>(field) else {
            return false;
        };
        let (end, removed) = if found.end < self.buf.len() {
            (found.end + encoded_len_at(&self.buf, found.end), 2)
        } else {
            (found.end, 1)
        };
        self.edit(found.start..end, &[], removed);
        true
    }

    /// Where an appended entry goes.
    fn end(&self) -> usize {
        self.buf.len().max(COUNT_BYTES)
    }

    /// Replaces the bytes `range` (whole entries, `removed` of them) with `entries`, then
    /// reallocates to the exact new size. The emptied sequence frees its allocation.
    fn edit(&mut self, range: std::ops::Range<usize>, entries: &[Entry<'_>], removed: usize) {
        let count = self.len() + entries.len() - removed;
        if count == 0 {
            self.buf = Box::default();
            return;
        }
        let mut buf = std::mem::take(&mut self.buf).into_vec();
        if buf.is_empty() {
            let added: usize = entries.iter().map(Entry::encoded_len).sum();
            buf = Vec::with_capacity(COUNT_BYTES + added);
            buf.resize(COUNT_BYTES, 0);
        }
        splice_entries(&mut buf, range, entries);
        let saturated = count.min(COUNT_UNKNOWN) as u16;
        buf[..COUNT_BYTES].copy_from_slice(&saturated.to_le_bytes());
        self.buf = buf.into_boxed_slice();
    }
}

/// Iterator over the entries of a `CompactListpack`, first to last.
#[derive(Clone)]
pub struct Entries<'a> {
    buf: &'a [u8],
    offset: usize,
    remaining: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let decoded = decode_at(self.buf, self.offset);
        self.offset += decoded.encoded_len;
        self.remaining -= 1;
        Some(decoded.entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Entries<'_> {}

/// Iterator over the (field, value) pairs of a pair sequence.
#[derive(Clone)]
pub struct Pairs<'a> {
    entries: Entries<'a>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (Entry<'a>, Entry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let field = self.entries.next()?;
        let value = self.entries.next()?;
        Some((field, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let pairs = self.entries.len() / 2;
        (pairs, Some(pairs))
    }
}

impl ExactSizeIterator for Pairs<'_> {}
