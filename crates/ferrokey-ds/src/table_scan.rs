//! SCAN over the hashbrown tables of the large encodings (`KeyedTable` for sets and hashes, the
//! member index of a `skiplist` sorted set), with Valkey's cursor semantics: a full scan returns
//! every entry present from its first call to its last at least once, and ends, whatever the
//! table goes through in between (growth, shrinking, rehashing in place).
//!
//! The walk is over home buckets, not storage. An entry's home in a table of 2^L buckets is the
//! low L bits of its hash, where hashbrown starts probing for it; where the entry actually sits
//! along its probe sequence does not matter. The cursor steps through homes in reverse-binary
//! order (`next_reverse_binary`), as Valkey's `hashtableScan` does: doubling the table splits
//! home h into h and h + 2^L, halving merges them, and in that order both keep every home
//! already walked before the cursor. A table that grows while it is scanned only spreads the
//! remaining homes thinner, so the scan still ends as long as it is walked at all. Entries can
//! be returned twice only when the table shrank during the scan.
//!
//! The entries of one home are found with hashbrown's own lookup walk (`iter_hash`), which goes
//! on past tombstones exactly as a lookup does, once per tag such an entry can carry. The tag
//! is the top 7 bits of the hash hashbrown is given; with an arbitrary hash that would be 128
//! probes per home, so the tables are given `table_hash` instead: the key's hash with its tag
//! made of the hash's low 4 bits (the low bits of the home in any table of 16 buckets or more)
//! and 3 bits of its own. The entries of a home then carry one of 8 tags. Lookups keep most of
//! the tag's filtering: the other entries a probe group holds mostly belong to the 30 nearest
//! homes, whose low 4 bits differ from the sought home's unless they are that home, so only
//! entries of the same home get through, one in 8 of them.
//!
//! This relies on hashbrown taking the home from the low bits of the hash and the tag from its
//! top 7 bits (of the low 32 on 32-bit targets), as every release has; the scan tests pin it.

use hashbrown::HashTable;

/// Where hashbrown reads its 7-bit control tag.
const TAG_SHIFT: u32 = if usize::BITS < 64 {
    usize::BITS - 7
} else {
    57
};

/// The low hash bits `table_hash` copies into the tag, and the tag bits left to the hash.
const TAG_HOME_BITS: u32 = 4;
const TAG_OWN_BITS: u32 = 7 - TAG_HOME_BITS;

/// Homes a SCAN step looks at per element it was asked for, at most (Valkey's
/// `maxiterations = count * 10`): a sparse stretch costs a bounded amount of work per call, at
/// the price of returning few or no elements.
const HOMES_PER_COUNT: usize = 10;

/// The hash a scannable table gives hashbrown for a key whose hash is `raw`: `raw` with the
/// tag bits replaced by its low `TAG_HOME_BITS` bits, then `TAG_OWN_BITS` bits from its own top
/// (see the module docs). The bits below the tag, which hold the home of any table smaller
/// than 2^`TAG_SHIFT` buckets, are kept.
pub(crate) fn table_hash(raw: u64) -> u64 {
    let home_part = raw & ((1 << TAG_HOME_BITS) - 1);
    let own_part = raw >> (64 - TAG_OWN_BITS);
    let tag = (home_part << TAG_OWN_BITS) | own_part;
    let below_tag = raw & ((1 << TAG_SHIFT) - 1);
    below_tag | (tag << TAG_SHIFT)
}

/// The cursor after `cursor` in a reverse-binary walk over `mask + 1` homes (a power of two):
/// the bits under `mask` reversed, incremented and reversed back; 0 after the last home. Bits
/// above the mask are dropped, so any number is a valid cursor.
pub(crate) fn next_reverse_binary(cursor: u64, mask: u64) -> u64 {
    // Setting the bits above the mask makes the increment carry straight out of them.
    (cursor | !mask)
        .reverse_bits()
        .wrapping_add(1)
        .reverse_bits()
}

/// One SCAN step over `table`, whose entries are stored at the `table_hash` of their keys, as
/// `hash_of` recomputes it: passes `visit` the entries of the homes from the one `cursor`
/// designates on, until at least `count` entries were visited or `count * 10` homes looked at,
/// and returns the next cursor, 0 after the last home. Start with cursor 0; any number is
/// accepted (its bits above the table's size are ignored). O(count) expected while the table
/// is a fair share full (a large `KeyedTable` is at least 1/8 full).
pub(crate) fn scan<'a, T>(
    table: &'a HashTable<T>,
    cursor: u64,
    count: usize,
    hash_of: impl Fn(&T) -> u64,
    mut visit: impl FnMut(&'a T),
) -> u64 {
    let mask = (table.num_buckets() as u64).saturating_sub(1);
    let wanted = count.max(1);
    let max_homes = wanted.saturating_mul(HOMES_PER_COUNT);
    let (mut cursor, mut visited, mut homes) = (cursor, 0usize, 0usize);
    loop {
        visited += visit_home(table, cursor & mask, mask, &hash_of, &mut visit);
        homes += 1;
        cursor = next_reverse_binary(cursor, mask);
        if cursor == 0 || visited >= wanted || homes >= max_homes {
            return cursor;
        }
    }
}

/// Passes `visit` every entry of `table` whose home is `home` in its `mask + 1` buckets, by
/// probing for that home with each tag such an entry can carry; returns how many.
fn visit_home<'a, T>(
    table: &'a HashTable<T>,
    home: u64,
    mask: u64,
    hash_of: &impl Fn(&T) -> u64,
    visit: &mut impl FnMut(&'a T),
) -> usize {
    // In a table of fewer than 16 buckets the home fixes fewer than 4 low bits.
    let fixed = mask & ((1 << TAG_HOME_BITS) - 1);
    let mut visited = 0;
    for home_part in 0..1u64 << TAG_HOME_BITS {
        if home_part & fixed != home & fixed {
            continue;
        }
        for own_part in 0..1u64 << TAG_OWN_BITS {
            let tag = (home_part << TAG_OWN_BITS) | own_part;
            for entry in table.iter_hash(home | (tag << TAG_SHIFT)) {
                // The probe also meets entries of other homes that carry the same tag.
                if hash_of(entry) & mask == home {
                    visit(entry);
                    visited += 1;
                }
            }
        }
    }
    visited
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_hash_keeps_the_home_bits_and_builds_the_tag_from_them() {
        for raw in [0u64, u64::MAX, 0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210] {
            let hash = table_hash(raw);
            let below_tag = (1u64 << TAG_SHIFT) - 1;
            assert_eq!(hash & below_tag, raw & below_tag);
            let tag = hash >> TAG_SHIFT;
            assert_eq!(tag >> TAG_OWN_BITS, raw & 0xf, "low 4 bits");
            assert_eq!(tag & 0x7, raw >> 61, "own top 3 bits");
        }
    }

    #[test]
    fn reverse_binary_cursors_visit_every_home_once() {
        for mask in [0u64, 1, 7, 1023] {
            let mut seen = Vec::new();
            let mut cursor = 0;
            loop {
                seen.push(cursor);
                cursor = next_reverse_binary(cursor, mask);
                if cursor == 0 {
                    break;
                }
            }
            assert_eq!(seen.len() as u64, mask + 1);
            seen.sort_unstable();
            assert!(seen.iter().copied().eq(0..=mask));
        }
        // Valkey's order over 8 homes, and bits above the mask ignored.
        let order: Vec<u64> = std::iter::successors(Some(0), |&c| {
            Some(next_reverse_binary(c, 7)).filter(|&n| n != 0)
        })
        .collect();
        assert_eq!(order, [0, 4, 2, 6, 1, 5, 3, 7]);
        assert_eq!(next_reverse_binary(u64::MAX, 7), 0);
        assert_eq!(next_reverse_binary(0xff00 | 2, 7), 6);
    }

    #[test]
    fn homes_walked_before_a_resize_stay_walked() {
        // Walk part of the homes of 64 buckets, then go on in 256 and in 16: every hash whose
        // home was not walked yet is still ahead of the cursor.
        let mut walked = Vec::new();
        let mut cursor = 0;
        for _ in 0..20 {
            walked.push(cursor);
            cursor = next_reverse_binary(cursor, 63);
        }
        for mask in [255u64, 15] {
            let mut ahead = Vec::new();
            let mut c = cursor;
            while c != 0 {
                ahead.push(c & mask);
                c = next_reverse_binary(c, mask);
            }
            for hash in 0..1024u64 {
                let seen = walked.contains(&(hash & 63));
                assert!(
                    seen || ahead.contains(&(hash & mask)),
                    "hash {hash} in {mask}"
                );
            }
        }
    }
}
