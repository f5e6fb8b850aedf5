//! Unit tests for `lcs`: structural properties on random inputs and cases
//! whose replies were read from Valkey 8.1.

use super::*;
use proptest::prelude::*;

/// LCS length by a rolling two-row table, independent of `Table`.
fn reference_len(a: &[u8], b: &[u8]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    for &x in a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            current[j + 1] = if x == y {
                previous[j] + 1
            } else {
                previous[j + 1].max(current[j])
            };
        }
        previous = current;
    }
    previous[b.len()]
}

fn is_subsequence(needle: &[u8], haystack: &[u8]) -> bool {
    let mut rest = haystack.iter();
    needle.iter().all(|n| rest.any(|h| h == n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn result_is_a_longest_common_subsequence_with_consistent_ranges(
        a in prop::collection::vec(b'a'..=b'd', 0..40),
        b in prop::collection::vec(b'a'..=b'd', 0..40),
    ) {
        let found = lcs(&a, &b, u64::MAX).unwrap();
        prop_assert_eq!(found.sequence.len(), reference_len(&a, &b));
        prop_assert!(is_subsequence(&found.sequence, &a));
        prop_assert!(is_subsequence(&found.sequence, &b));
        // Ranges are equal substrings, emitted from the end backwards, and
        // together spell the subsequence.
        let mut spelled = Vec::new();
        let mut previous: Option<LcsMatch> = None;
        for m in &found.matches {
            let a_part = &a[m.a_start as usize..=m.a_end as usize];
            let b_part = &b[m.b_start as usize..=m.b_end as usize];
            prop_assert_eq!(a_part, b_part);
            if let Some(p) = previous {
                prop_assert!(m.a_end < p.a_start && m.b_end < p.b_start);
            }
            previous = Some(*m);
            spelled.splice(0..0, a_part.iter().copied());
        }
        prop_assert_eq!(spelled, found.sequence);
    }
}

#[test]
fn documented_example() {
    // The example from the LCS command documentation, as Valkey 8.1 replies.
    let found = lcs(b"ohmytext", b"mynewtext", u64::MAX).unwrap();
    assert_eq!(found.sequence, b"mytext");
    let ranges: Vec<(u32, u32, u32, u32, u32)> = found
        .matches
        .iter()
        .map(|m| (m.a_start, m.a_end, m.b_start, m.b_end, m.len()))
        .collect();
    assert_eq!(ranges, vec![(4, 7, 5, 8, 4), (2, 3, 0, 1, 2)]);
    assert!(found.matches[0].passes_min_len(4));
    assert!(!found.matches[1].passes_min_len(4));
    assert!(found.matches[1].passes_min_len(0));
    assert!(found.matches[1].passes_min_len(-5));
}

#[test]
fn empty_inputs() {
    let found = lcs(b"", b"abc", u64::MAX).unwrap();
    assert!(found.sequence.is_empty());
    assert!(found.matches.is_empty());
    assert_eq!(lcs(b"", b"", 4).unwrap().sequence, b"");
}

#[test]
fn table_budget_is_checked_in_bytes() {
    // 600 x 600 bytes need 601 * 601 * 4 = 1,444,804 bytes: over the 1mb
    // proto-max-bulk-len Valkey accepts as a minimum, under 2mb.
    let a = vec![b'x'; 600];
    assert_eq!(table_bytes(600, 600), 1_444_804);
    assert_eq!(lcs(&a, &a, 1 << 20), Err(LcsError::TableTooLarge));
    assert!(lcs(&a, &a, 2 << 20).is_ok());
    assert_eq!(lcs(&a, &a, 1_444_804).map(|l| l.sequence.len()), Ok(600));
    assert_eq!(lcs(&a, &a, 1_444_803), Err(LcsError::TableTooLarge));
}
