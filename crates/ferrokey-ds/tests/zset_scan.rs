//! ZSCAN's walk (`ZSet::scan`): a `skiplist` set is returned about COUNT elements per step, a
//! full scan returns every element once when nothing changes, and every element present for a
//! whole scan at least once however the set changes in between (growth faster than the walk,
//! rebuilds after mass removals), and ends; a `listpack` set is returned whole with cursor 0,
//! as Valkey 8.1 does.

use std::collections::{HashMap, HashSet};

use ferrokey_ds::zset::{ZSet, ZSetLimits};
use proptest::prelude::*;

fn member(i: usize) -> Vec<u8> {
    format!("m{i}").into_bytes()
}

fn large_set(n: usize) -> ZSet {
    let limits = ZSetLimits::default();
    let mut set = ZSet::with_hint(n.max(1000), 0, &limits);
    for i in 0..n {
        set.insert(&member(i), i as f64 / 2.0, &limits);
    }
    set
}

/// A full scan in steps of `count` from `cursor`: the elements in visiting order and each
/// step's size.
fn scan_to_end(set: &ZSet, mut cursor: u64, count: usize) -> (Vec<(Vec<u8>, f64)>, Vec<usize>) {
    let (mut seen, mut steps) = (Vec::new(), Vec::new());
    loop {
        let before = seen.len();
        cursor = set.scan(cursor, count, |m, s| seen.push((m.to_vec(), s)));
        steps.push(seen.len() - before);
        if cursor == 0 {
            return (seen, steps);
        }
        assert!(steps.len() <= 10 * set.len() + 10, "a scan ends");
    }
}

#[test]
fn a_full_scan_returns_every_element_once_in_steps_of_count() {
    let set = large_set(50_000);
    assert_eq!(set.encoding_name(), "skiplist");
    let (seen, steps) = scan_to_end(&set, 0, 100);
    assert_eq!(seen.len(), 50_000);
    let scores: HashMap<Vec<u8>, f64> = seen.into_iter().collect();
    assert_eq!(scores.len(), 50_000, "no element twice");
    for i in 0..50_000 {
        assert_eq!(scores.get(&member(i)), Some(&(i as f64 / 2.0)));
    }
    // A step stops at the home where it reached COUNT, which may hold a few more.
    let (_, full) = steps.split_last().unwrap_or((&0, &[]));
    assert!(full.iter().all(|&s| (100..=115).contains(&s)), "{steps:?}");
}

#[test]
fn the_empty_member_is_an_element_not_a_released_slot() {
    let limits = ZSetLimits::default();
    let mut set = large_set(300);
    set.insert(b"", 0.0, &limits);
    set.insert(b"gone", 1.0, &limits);
    set.remove(b"gone");
    let (seen, _) = scan_to_end(&set, 0, 7);
    assert_eq!(seen.len(), 301);
    assert!(seen.contains(&(Vec::new(), 0.0)));
    assert!(!seen.iter().any(|(m, _)| m == b"gone"));
}

#[test]
fn a_listpack_set_is_returned_whole_whatever_the_cursor() {
    let limits = ZSetLimits::default();
    let mut set = ZSet::new();
    for (i, m) in [b"c", b"a", b"b"].iter().enumerate() {
        set.insert(*m, i as f64, &limits);
    }
    assert_eq!(set.encoding_name(), "listpack");
    for cursor in [0, 5, u64::MAX] {
        let mut seen = Vec::new();
        assert_eq!(set.scan(cursor, 1, |m, s| seen.push((m.to_vec(), s))), 0);
        let expected = vec![
            (b"c".to_vec(), 0.0),
            (b"a".to_vec(), 1.0),
            (b"b".to_vec(), 2.0),
        ];
        assert_eq!(seen, expected);
    }
}

#[test]
fn any_cursor_is_accepted() {
    let set = large_set(10_000);
    let cursor = set.scan(0, 10, |_, _| {});
    assert!(
        cursor != 0 && cursor < 1 << 20,
        "a home below the bucket count: {cursor}"
    );
    for garbage in [1, 7777, 1 << 32, (1 << 53) - 1, u64::MAX] {
        let (seen, _) = scan_to_end(&set, garbage, 1000);
        assert!(seen.len() <= 10_000);
    }
}

#[test]
fn a_scan_ends_while_the_set_grows_faster_than_it_is_walked() {
    let limits = ZSetLimits::default();
    let mut set = large_set(2000);
    let (mut seen, mut cursor, mut steps) = (HashSet::new(), 0, 0);
    loop {
        cursor = set.scan(cursor, 20, |m, _| {
            seen.insert(m.to_vec());
        });
        steps += 1;
        if cursor == 0 {
            break;
        }
        for i in 0..49 {
            set.insert(format!("new{steps}:{i}").as_bytes(), i as f64, &limits);
        }
        assert!(steps < 5000, "the scan ends");
    }
    assert!(set.len() > 8 * 2000, "grew through several resizes");
    assert!((0..2000).all(|i| seen.contains(&member(i))));
}

#[test]
fn mass_removal_rebuilds_and_the_scan_still_returns_the_survivors() {
    let limits = ZSetLimits::default();
    let mut set = large_set(30_000);
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut removed = 0;
    loop {
        cursor = set.scan(cursor, 50, |m, _| {
            seen.insert(m.to_vec());
        });
        // Remove members not divisible by 10 (90% of them: several rebuilds), change the
        // survivors' scores and add members, between steps.
        for _ in 0..200 {
            if removed < 30_000 {
                if removed % 10 != 0 {
                    set.remove(&member(removed));
                } else {
                    set.insert(&member(removed), -1.0, &limits);
                }
                removed += 1;
            }
        }
        set.insert(format!("new{removed}").as_bytes(), 3.0, &limits);
        if cursor == 0 {
            break;
        }
    }
    for i in (0..30_000).step_by(10) {
        assert!(seen.contains(&member(i)), "m{i} missed");
    }
}

proptest! {
    #[test]
    fn scans_return_every_element_present_throughout(
        initial in 200usize..2000,
        ops in proptest::collection::vec((0u8..5, 0usize..3000, 1usize..40), 0..1500),
    ) {
        let limits = ZSetLimits::default();
        let mut set = large_set(initial);
        let mut present: HashSet<usize> = (0..initial).collect();
        let mut throughout = present.clone();
        let mut visited: HashSet<Vec<u8>> = HashSet::new();
        let mut cursor = 0u64;
        for (op, key, count) in ops {
            match op {
                0 => {
                    set.insert(&member(key), count as f64, &limits);
                    present.insert(key);
                }
                1 | 2 => {
                    set.remove(&member(key));
                    present.remove(&key);
                    throughout.remove(&key);
                }
                _ => {
                    cursor = set.scan(cursor, count, |m, _| {
                        visited.insert(m.to_vec());
                    });
                    if cursor == 0 {
                        prop_assert!(throughout.iter().all(|&k| visited.contains(&member(k))));
                        throughout = present.clone();
                        visited.clear();
                    }
                }
            }
        }
        loop {
            cursor = set.scan(cursor, 7, |m, _| {
                visited.insert(m.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        prop_assert!(throughout.iter().all(|&k| visited.contains(&member(k))));
    }
}
