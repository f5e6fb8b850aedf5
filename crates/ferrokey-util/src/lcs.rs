//! The LCS command's algorithm, reproducing Redis/Valkey exactly.
//!
//! The server fills the classic `(len(a)+1) × (len(b)+1)` dynamic
//! programming table of u32 LCS lengths, then walks back from the bottom
//! right corner: on equal bytes it takes the byte and moves diagonally,
//! otherwise it moves up (`i - 1`) only when that cell is strictly larger
//! than the one to the left, else left (`j - 1`).  That tie-break decides
//! which of several equally long subsequences is returned, and the walk
//! order decides the IDX reply: match ranges come out from the end of the
//! strings towards the start, each range being a maximal run of diagonal
//! moves.  This module does the same walk and returns every range; the
//! caller applies MINMATCHLEN with [`LcsMatch::passes_min_len`].
//!
//! The table is the server's transient memory, so [`lcs`] refuses, like the
//! server, when it would exceed a byte budget (`proto-max-bulk-len`).

use std::fmt;

/// One IDX match range; all positions are inclusive byte offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LcsMatch {
    pub a_start: u32,
    pub a_end: u32,
    pub b_start: u32,
    pub b_end: u32,
}

impl LcsMatch {
    /// The range length, as WITHMATCHLEN reports it.
    pub fn len(&self) -> u32 {
        self.a_end - self.a_start + 1
    }

    /// Never true: a range covers at least one byte.  (Present for clippy's
    /// `len_without_is_empty`.)
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether the range is reported under `MINMATCHLEN min_len` (the
    /// server treats 0, and negative values clamped to 0, as "no limit").
    pub fn passes_min_len(&self, min_len: i64) -> bool {
        min_len <= 0 || i64::from(self.len()) >= min_len
    }
}

/// The full LCS answer: the subsequence itself, and every IDX range in the
/// server's reply order.  `sequence.len()` is the LEN answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lcs {
    pub sequence: Vec<u8>,
    pub matches: Vec<LcsMatch>,
}

/// Why the server would refuse to compute an LCS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LcsError {
    /// An input is `u32::MAX - 1` bytes or longer: "String too long for LCS".
    StringTooLong,
    /// The table would exceed the byte budget: "Insufficient memory,
    /// transient memory for LCS exceeds proto-max-bulk-len".
    TableTooLarge,
    /// The table could not be allocated: "Insufficient memory, failed
    /// allocating transient memory for LCS".
    AllocationFailed,
}

impl fmt::Display for LcsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LcsError::StringTooLong => "String too long for LCS",
            LcsError::TableTooLarge => {
                "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
            }
            LcsError::AllocationFailed => {
                "Insufficient memory, failed allocating transient memory for LCS"
            }
        })
    }
}

impl std::error::Error for LcsError {}

/// Bytes the server's table takes for inputs of these lengths (4 per cell).
pub fn table_bytes(a_len: usize, b_len: usize) -> u128 {
    (a_len as u128 + 1) * (b_len as u128 + 1) * 4
}

/// Computes the LCS of `a` and `b` as the server does, refusing when the
/// table would take more than `max_table_bytes` (pass the configured
/// `proto-max-bulk-len`).
pub fn lcs(a: &[u8], b: &[u8], max_table_bytes: u64) -> Result<Lcs, LcsError> {
    let limit = u32::MAX as usize - 1;
    if a.len() >= limit || b.len() >= limit {
        return Err(LcsError::StringTooLong);
    }
    if table_bytes(a.len(), b.len()) > u128::from(max_table_bytes) {
        return Err(LcsError::TableTooLarge);
    }
    let table = Table::build(a, b)?;
    Ok(table.walk_back(a, b))
}

/// Row-major `(a.len()+1) × (b.len()+1)` table of LCS lengths of prefixes.
struct Table {
    width: usize,
    cells: Vec<u32>,
}

impl Table {
    fn build(a: &[u8], b: &[u8]) -> Result<Table, LcsError> {
        let width = b.len() + 1;
        let size = (a.len() + 1)
            .checked_mul(width)
            .ok_or(LcsError::AllocationFailed)?;
        let mut cells = Vec::new();
        cells
            .try_reserve_exact(size)
            .map_err(|_| LcsError::AllocationFailed)?;
        cells.resize(size, 0);
        // Row 0 and column 0 stay 0.  Each row is computed from the one
        // above it, so split the buffer to borrow both at once.
        for (i, &a_byte) in a.iter().enumerate() {
            let (done, rest) = cells.split_at_mut((i + 1) * width);
            let above = done.get(i * width..).unwrap_or_default();
            let row = rest.get_mut(1..width).unwrap_or_default();
            let mut left = 0u32;
            for ((&b_byte, pair), cell) in b.iter().zip(above.windows(2)).zip(row) {
                let &[diagonal, up] = pair else { break };
                let value = if a_byte == b_byte {
                    diagonal + 1
                } else {
                    up.max(left)
                };
                *cell = value;
                left = value;
            }
        }
        Ok(Table { width, cells })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells.get(i * self.width + j).copied().unwrap_or(0)
    }

    /// The server's traceback: collects the subsequence backwards and emits
    /// a range whenever a run of diagonal moves ends.
    fn walk_back(&self, a: &[u8], b: &[u8]) -> Lcs {
        let total = self.at(a.len(), b.len()) as usize;
        let mut sequence = vec![0u8; total];
        let mut remaining = total;
        let mut matches = Vec::new();
        // The run being extended backwards: (a_start, a_end, b_start, b_end).
        let mut run: Option<(usize, usize, usize, usize)> = None;
        let (mut i, mut j) = (a.len(), b.len());
        while i > 0 && j > 0 {
            let a_byte = a.get(i - 1).copied();
            let emit;
            if a_byte.is_some() && a_byte == b.get(j - 1).copied() {
                remaining -= 1;
                if let (Some(slot), Some(byte)) = (sequence.get_mut(remaining), a_byte) {
                    *slot = byte;
                }
                let extended = match run {
                    None => (i - 1, i - 1, j - 1, j - 1),
                    // After a diagonal step the run always starts at (i, j),
                    // since any other move ends the run first.
                    Some((_, a_end, _, b_end)) => (i - 1, a_end, j - 1, b_end),
                };
                run = Some(extended);
                // Reaching the start of either string ends the walk.
                emit = extended.0 == 0 || extended.2 == 0;
                i -= 1;
                j -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = run.is_some();
            }
            if emit {
                if let Some((a_start, a_end, b_start, b_end)) = run.take() {
                    // Offsets fit: both lengths are below u32::MAX - 1.
                    let offset = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
                    matches.push(LcsMatch {
                        a_start: offset(a_start),
                        a_end: offset(a_end),
                        b_start: offset(b_start),
                        b_end: offset(b_end),
                    });
                }
            }
        }
        Lcs { sequence, matches }
    }
}

#[cfg(test)]
#[path = "lcs_tests.rs"]
mod tests;
