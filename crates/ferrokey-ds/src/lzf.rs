//! LZF, the byte-oriented LZ77 variant Redis and Valkey use for compressed quicklist nodes and
//! for compressed strings in RDB files.  Written from the format description; the compressor
//! follows liblzf's matching strategy with Redis's build settings (a 2^16-slot hash table of
//! 3-byte prefixes, "very fast" re-hashing after a match), so for the same input and output
//! limit it emits the same bytes and gives up in the same cases as `lzf_compress`.
//!
//! Format: a sequence of items, each opened by a control byte `c`.
//! - `c < 32`: a literal run; the next `c + 1` bytes are copied to the output.
//! - otherwise a back reference: `len = c >> 5` (7 means "7 plus the next byte"), then one more
//!   byte `o`; the output repeats `len + 2` bytes starting `((c & 31) << 8 | o) + 1` bytes back
//!   (the source may overlap the bytes being written, which makes runs).
//!
//! The decoder faces untrusted bytes (RDB files, DUMP payloads): every read and every back
//! reference is bounds-checked, the output never grows past the length the caller expects, and
//! malformed input is an error, never a panic.

use std::cell::RefCell;

/// Slots in the compressor's hash table (liblzf `HLOG` 16, as Redis builds it).
const HASH_SLOTS: usize = 1 << 16;
/// Longest literal run one control byte can announce.
const MAX_LITERAL: usize = 1 << 5;
/// Farthest a back reference can reach (distance minus one must fit in 13 bits).
const MAX_OFFSET: usize = 1 << 13;
/// Longest back reference: 7 + 255 from the length fields, plus the implicit 2.
const MAX_REFERENCE: usize = (1 << 8) + (1 << 3);
/// Most output bytes one input byte can produce (a 3-byte back reference of 264 bytes), used to
/// bound how much memory a claimed decompressed length may reserve up front.
const MAX_EXPANSION: usize = MAX_REFERENCE / 3 + 1;

/// Why a compressed stream was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LzfError {
    /// The stream ends inside an item.
    Truncated,
    /// A back reference points before the start of the output.
    BadReference,
    /// The stream decodes to more bytes than expected.
    TooLong,
    /// The stream decodes to fewer bytes than expected.
    TooShort,
}

impl std::fmt::Display for LzfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LzfError::Truncated => "LZF stream truncated",
            LzfError::BadReference => "LZF back reference before start of output",
            LzfError::TooLong => "LZF stream longer than expected",
            LzfError::TooShort => "LZF stream shorter than expected",
        })
    }
}

impl std::error::Error for LzfError {}

/// Decompresses `input`, which must decode to exactly `expected_len` bytes (Redis stores the
/// original length next to every LZF blob and rejects a mismatch).
pub fn decompress(input: &[u8], expected_len: usize) -> Result<Vec<u8>, LzfError> {
    let mut out = Vec::with_capacity(expected_len.min(input.len().saturating_mul(MAX_EXPANSION)));
    let mut pos = 0;
    while let Some(&control) = input.get(pos) {
        pos += 1;
        let control = usize::from(control);
        if control < MAX_LITERAL {
            let run = control + 1;
            if out.len() + run > expected_len {
                return Err(LzfError::TooLong);
            }
            let literal = input.get(pos..pos + run).ok_or(LzfError::Truncated)?;
            out.extend_from_slice(literal);
            pos += run;
            continue;
        }
        let mut len = control >> 5;
        if len == 7 {
            len += usize::from(*input.get(pos).ok_or(LzfError::Truncated)?);
            pos += 1;
        }
        let low = usize::from(*input.get(pos).ok_or(LzfError::Truncated)?);
        pos += 1;
        let distance = ((control & 0x1f) << 8 | low) + 1;
        let len = len + 2;
        if out.len() + len > expected_len {
            return Err(LzfError::TooLong);
        }
        let start = out
            .len()
            .checked_sub(distance)
            .ok_or(LzfError::BadReference)?;
        if distance >= len {
            out.extend_from_within(start..start + len);
        } else {
            // Overlapping: each copied byte may be one this reference just wrote.
            for index in start..start + len {
                let byte = out[index];
                out.push(byte);
            }
        }
    }
    if out.len() == expected_len {
        Ok(out)
    } else {
        Err(LzfError::TooShort)
    }
}

/// The compressor's table of where each 3-byte prefix was last seen.  Entries are stamped with
/// a per-call base so a table can be reused without clearing it: an entry is live only if it is
/// above the current base.
struct PrefixTable {
    slots: Box<[u64]>,
    base: u64,
}

impl PrefixTable {
    fn new() -> PrefixTable {
        PrefixTable {
            slots: vec![0; HASH_SLOTS].into_boxed_slice(),
            base: 0,
        }
    }

    /// liblzf's "very fast" hash of the three bytes at a position.
    fn slot(bytes: &[u8]) -> usize {
        let value = u32::from(bytes[0]) << 16 | u32::from(bytes[1]) << 8 | u32::from(bytes[2]);
        ((value >> 8).wrapping_sub(value.wrapping_mul(5)) as usize) & (HASH_SLOTS - 1)
    }

    /// Records `pos` for the prefix at `input[pos..pos + 3]`, returning the previous position.
    fn swap(&mut self, input: &[u8], pos: usize) -> Option<usize> {
        let slot = &mut self.slots[Self::slot(&input[pos..pos + 3])];
        let previous = (*slot > self.base).then(|| (*slot - self.base - 1) as usize);
        *slot = self.base + pos as u64 + 1;
        previous
    }

    fn record(&mut self, input: &[u8], pos: usize) {
        self.swap(input, pos);
    }

    /// Retires every entry of the call that used `input_len` bytes.
    fn finish(&mut self, input_len: usize) {
        self.base += input_len as u64 + 1;
    }
}

thread_local! {
    static PREFIX_TABLE: RefCell<Option<PrefixTable>> = const { RefCell::new(None) };
}

/// Compresses `input` into at most `max_len` bytes; None when the result would not fit (or the
/// input is empty), exactly when `lzf_compress(input, len, out, max_len)` returns 0.
pub fn compress(input: &[u8], max_len: usize) -> Option<Vec<u8>> {
    if input.is_empty() || max_len == 0 {
        return None;
    }
    PREFIX_TABLE
        .try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut guard) => {
                let table = guard.get_or_insert_with(PrefixTable::new);
                let result = compress_with(input, max_len, table);
                table.finish(input.len());
                result
            }
            Err(_) => compress_with(input, max_len, &mut PrefixTable::new()),
        })
        .unwrap_or_else(|_| compress_with(input, max_len, &mut PrefixTable::new()))
}

/// The output under construction: a literal run is open at all times, its control byte
/// reserved at `run_start` and filled in when the run closes.
struct Output {
    bytes: Vec<u8>,
    run_start: usize,
    max_len: usize,
}

impl Output {
    fn literal_len(&self) -> usize {
        self.bytes.len() - self.run_start - 1
    }

    fn open_run(&mut self) {
        self.run_start = self.bytes.len();
        self.bytes.push(0);
    }

    /// Writes the open run's control byte, or drops the reserved byte if the run is empty.
    fn close_run(&mut self) {
        match self.literal_len() {
            0 => {
                self.bytes.pop();
            }
            len => self.bytes[self.run_start] = (len - 1) as u8,
        }
    }

    fn push_literal(&mut self, byte: u8) {
        self.bytes.push(byte);
        if self.literal_len() == MAX_LITERAL {
            self.close_run();
            self.open_run();
        }
    }
}

fn compress_with(input: &[u8], max_len: usize, table: &mut PrefixTable) -> Option<Vec<u8>> {
    let in_len = input.len();
    let mut out = Output {
        bytes: Vec::with_capacity(max_len.min(in_len + in_len / MAX_LITERAL + 2)),
        run_start: 0,
        max_len,
    };
    out.bytes.push(0);
    let mut pos = 0;
    while pos + 2 < in_len {
        let candidate = table.swap(input, pos);
        let matched = candidate.filter(|&earlier| {
            // liblzf never refers back to the very first byte (`ref > in_data`).
            earlier > 0
                && pos - earlier - 1 < MAX_OFFSET
                && input[earlier..earlier + 3] == input[pos..pos + 3]
        });
        let Some(earlier) = matched else {
            if out.bytes.len() >= out.max_len {
                return None;
            }
            out.push_literal(input[pos]);
            pos += 1;
            continue;
        };
        // Room for the reference (up to 3 bytes) and the next run's control byte.
        let pending_empty = usize::from(out.literal_len() == 0);
        if out.bytes.len() + 4 >= out.max_len && out.bytes.len() - pending_empty + 4 >= out.max_len
        {
            return None;
        }
        out.close_run();
        let len = match_len(input, earlier, pos);
        let distance = pos - earlier - 1;
        let stored_len = len - 2;
        if stored_len < 7 {
            out.bytes.push(((distance >> 8) + (stored_len << 5)) as u8);
        } else {
            out.bytes.push(((distance >> 8) + (7 << 5)) as u8);
            out.bytes.push((stored_len - 7) as u8);
        }
        out.bytes.push(distance as u8);
        out.open_run();
        pos += len;
        if pos + 2 >= in_len {
            break;
        }
        // Re-hash only the last two positions the match covered.
        table.record(input, pos - 2);
        table.record(input, pos - 1);
    }
    if out.bytes.len() + 3 > out.max_len {
        return None;
    }
    for &byte in &input[pos..] {
        out.push_literal(byte);
    }
    out.close_run();
    Some(out.bytes)
}

/// Length of the match between the 3-byte-equal prefixes at `earlier` and `pos`.  A match
/// normally stops two bytes short of the end, but liblzf first compares 16 more bytes without
/// looking at that cap, so a match reaching that far may end one byte later; reproduced because
/// it changes the output.
fn match_len(input: &[u8], earlier: usize, pos: usize) -> usize {
    let capped = (input.len() - pos - 2).min(MAX_REFERENCE);
    let limit = if capped > 16 {
        capped.max(19)
    } else {
        capped.max(3)
    };
    let mut len = 3;
    while len < limit && input[earlier + len] == input[pos + len] {
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_only_stream() {
        let compressed = compress(b"abc", 16).unwrap();
        assert_eq!(compressed, b"\x02abc");
        assert_eq!(decompress(&compressed, 3).unwrap(), b"abc");
    }

    #[test]
    fn runs_become_back_references() {
        let input = vec![b'x'; 300];
        let compressed = compress(&input, 300).unwrap();
        assert!(compressed.len() < 16, "{compressed:?}");
        assert_eq!(decompress(&compressed, 300).unwrap(), input);
    }

    #[test]
    fn gives_up_when_output_does_not_fit() {
        assert_eq!(compress(b"", 10), None);
        assert_eq!(compress(b"a", 0), None);
        // One literal needs 2 bytes, but liblzf insists on 3 spare at the end.
        assert_eq!(compress(b"a", 3), None);
        assert!(compress(b"a", 4).is_some());
        let noise: Vec<u8> = (0..=255u8).collect();
        assert_eq!(compress(&noise, 256), None);
    }

    #[test]
    fn malformed_streams_are_errors() {
        assert_eq!(decompress(b"\x05ab", 6), Err(LzfError::Truncated));
        assert_eq!(decompress(b"\x00a\x20", 10), Err(LzfError::Truncated));
        assert_eq!(decompress(b"\x00a\xe0", 10), Err(LzfError::Truncated));
        assert_eq!(
            decompress(b"\x00a\x20\x05", 10),
            Err(LzfError::BadReference)
        );
        assert_eq!(decompress(b"\x00a\x20\x00", 2), Err(LzfError::TooLong));
        assert_eq!(decompress(b"\x01ab", 1), Err(LzfError::TooLong));
        assert_eq!(decompress(b"\x01ab", 3), Err(LzfError::TooShort));
        assert_eq!(decompress(b"", 0), Ok(Vec::new()));
    }

    #[test]
    fn huge_claimed_length_does_not_reserve_it() {
        assert_eq!(decompress(b"\x00a", usize::MAX), Err(LzfError::TooShort));
    }
}
