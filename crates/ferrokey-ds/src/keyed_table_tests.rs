use std::collections::HashMap;

use super::*;

type Pair = (Box<[u8]>, Box<[u8]>);

fn pair(field: &str, value: &str) -> Pair {
    (field.as_bytes().into(), value.as_bytes().into())
}

fn member(i: usize) -> Box<[u8]> {
    format!("m:{i}").into_bytes().into()
}

/// SplitMix64: a fixed, dependency-free random source, so the statistical checks below are
/// deterministic for a given table layout.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // Multiply-shift: uniform enough for bounds far below 2^64.
        ((u128::from(z) * bound as u128) >> 64) as usize
    }
}

fn table_of(n: usize) -> KeyedTable<Box<[u8]>> {
    (0..n).map(member).collect()
}

/// Pearson's statistic of `counts` against a uniform expectation.
fn chi_square(counts: &HashMap<Vec<u8>, usize>, cells: usize, draws: usize) -> f64 {
    let expected = draws as f64 / cells as f64;
    let observed: f64 = counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    // Cells never drawn contribute `expected` each.
    observed + (cells - counts.len()) as f64 * expected
}

#[test]
fn insert_get_replace_remove() {
    let mut table: KeyedTable<Pair> = KeyedTable::new();
    assert!(table.insert(pair("a", "1")).is_none());
    assert_eq!(table.insert(pair("a", "2")), Some(pair("a", "1")));
    assert_eq!(table.get(b"a"), Some(&pair("a", "2")));
    let (slot, created) = table.get_or_insert_with(b"b", || pair("b", "3"));
    assert!(created);
    slot.1 = b"4"[..].into();
    let (_, created) = table.get_or_insert_with(b"b", || unreachable!("b is present"));
    assert!(!created);
    assert_eq!(table.get(b"b"), Some(&pair("b", "4")));
    assert_eq!(table.len(), 2);
    assert_eq!(table.remove(b"a"), Some(pair("a", "2")));
    assert_eq!(table.remove(b"a"), None);
    assert!(!table.contains(b"a") && table.contains(b"b"));
    let collected: KeyedTable<Pair> = [pair("x", "1"), pair("x", "2")].into_iter().collect();
    assert_eq!(collected.len(), 1);
    assert_eq!(
        collected.get(b"x"),
        Some(&pair("x", "2")),
        "later entries win"
    );
}

#[test]
fn an_empty_table_has_no_random_entry() {
    let table = table_of(0);
    assert_eq!(table.random_entry(|bound| bound - 1), None);
    let mut table = table_of(3);
    for i in 0..3 {
        table.remove(&member(i));
    }
    assert_eq!(table.random_entry(|bound| bound - 1), None);
}

#[test]
fn random_picks_are_uniform_and_reach_every_entry() {
    let cells = 1000;
    let draws = 200_000;
    let table = table_of(cells);
    let mut rng = SplitMix(7);
    let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
    for _ in 0..draws {
        let picked = table.random_entry(|bound| rng.below(bound));
        let picked = picked.map(|m| m.to_vec()).unwrap_or_default();
        *counts.entry(picked).or_default() += 1;
    }
    assert_eq!(counts.len(), cells, "every member is picked");
    assert!(counts.keys().all(|m| table.contains(m)));
    // 999 degrees of freedom: mean 999, standard deviation about 44.7; allow six of them.
    let statistic = chi_square(&counts, cells, draws);
    assert!(statistic < 1270.0, "chi-square {statistic}");
}

#[test]
fn a_pick_takes_few_probes_even_after_mass_removal() {
    let n = 100_000;
    let mut table = table_of(n);
    let mut rng = SplitMix(11);
    let mut probes_per_pick = |table: &KeyedTable<Box<[u8]>>| {
        let mut probes = 0usize;
        for _ in 0..10_000 {
            let picked = table.random_entry(|bound| {
                probes += 1;
                rng.below(bound)
            });
            assert!(picked.is_some());
        }
        probes as f64 / 10_000.0
    };
    // Full table: fill is between 7/16 and 7/8, so about 1.1 to 2.3 probes.
    let full = probes_per_pick(&table);
    assert!(full < 2.5, "{full} probes per pick");
    for i in (0..n).filter(|i| i % 64 != 0) {
        assert!(table.remove(&member(i)).is_some());
        let buckets = table.num_buckets();
        assert!(
            buckets <= SHRINK_FLOOR_BUCKETS || table.len() * MIN_FILL_DIVISOR >= buckets,
            "{} entries in {buckets} buckets",
            table.len()
        );
    }
    assert_eq!(table.len(), n.div_ceil(64));
    // Without shrinking the table would still have 131072 buckets: 84 probes per pick. The fill
    // now is at least 1/8, so at most 8 probes are expected.
    let sparse = probes_per_pick(&table);
    assert!(sparse < 9.0, "{sparse} probes per pick after removals");
}

#[test]
fn a_degenerate_pick_still_terminates_on_a_member() {
    let table = table_of(500);
    // Always the last bucket, which may be empty: probing gives up and walks instead.
    let picked = table.random_entry(|bound| bound - 1);
    assert!(picked.is_some_and(|m| table.contains(m)));
}

#[test]
fn matching_picks_are_uniform_over_the_admitted_entries() {
    let table = table_of(2000);
    let mut rng = SplitMix(3);
    let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
    let draws = 40_000;
    for _ in 0..draws {
        let picked = table.random_entry_matching(|b| rng.below(b), |m| m.ends_with(b"0"), || 200);
        let picked = picked.map(|m| m.to_vec()).unwrap_or_default();
        assert!(picked.ends_with(b"0"));
        *counts.entry(picked).or_default() += 1;
    }
    assert_eq!(counts.len(), 200);
    // 199 degrees of freedom: mean 199, standard deviation about 20.
    let statistic = chi_square(&counts, 200, draws);
    assert!(statistic < 320.0, "chi-square {statistic}");

    let only = b"m:1234";
    let found = table.random_entry_matching(|b| rng.below(b), |m| **m == only[..], || 1);
    assert_eq!(
        found.map(|m| &m[..]),
        Some(&b"m:1234"[..]),
        "found by the walk"
    );
    let none = table.random_entry_matching(|b| rng.below(b), |_| false, || 0);
    assert_eq!(none, None);
}

proptest::proptest! {
    #[test]
    fn behaves_like_a_map(ops in proptest::collection::vec((0u8..40, proptest::bool::ANY), 0..400)) {
        let mut table: KeyedTable<Pair> = KeyedTable::new();
        let mut model: HashMap<Vec<u8>, usize> = HashMap::new();
        for (step, (key, insert)) in ops.into_iter().enumerate() {
            let field = format!("f{key}");
            if insert {
                let replaced = table.insert(pair(&field, &step.to_string()));
                let previous = model.insert(field.clone().into_bytes(), step);
                proptest::prop_assert_eq!(replaced.is_some(), previous.is_some());
            } else {
                let removed = table.remove(field.as_bytes());
                proptest::prop_assert_eq!(removed.is_some(), model.remove(field.as_bytes()).is_some());
            }
            proptest::prop_assert_eq!(table.len(), model.len());
        }
        for (field, step) in &model {
            let stored = table.get(field).map(|(_, v)| v.to_vec());
            proptest::prop_assert_eq!(stored, Some(step.to_string().into_bytes()));
        }
        proptest::prop_assert_eq!(table.iter().count(), model.len());
        let picked = table.random_entry(|bound| bound / 2);
        proptest::prop_assert_eq!(picked.is_some(), !model.is_empty());
    }
}

// --- SCAN ----------------------------------------------------------------------------------

/// A full scan in steps of `count`: every entry visited, in visiting order, and each step's size.
fn full_scan(table: &KeyedTable<Box<[u8]>>, count: usize) -> (Vec<Vec<u8>>, Vec<usize>) {
    let (mut seen, mut steps, mut cursor) = (Vec::new(), Vec::new(), 0);
    loop {
        let before = seen.len();
        cursor = table.scan(cursor, count, |m| seen.push(m.to_vec()));
        steps.push(seen.len() - before);
        if cursor == 0 {
            return (seen, steps);
        }
        assert!(steps.len() <= table.num_buckets(), "a scan ends");
    }
}

#[test]
fn a_full_scan_visits_every_entry_once_in_steps_of_about_count() {
    for n in [0, 1, 7, 100, 5000, 100_000] {
        let table = table_of(n);
        let (mut seen, steps) = full_scan(&table, 10);
        assert_eq!(seen.len(), n, "no entry twice without changes");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), n);
        assert!(seen.iter().all(|m| table.contains(m)));
        // A step stops at the home where it reached COUNT, which may hold a few more.
        assert!(steps.iter().all(|&s| s <= 25), "{steps:?}");
        if let Some((_, full)) = steps.split_last() {
            assert!(full.iter().all(|&s| s >= 10), "n {n}: {steps:?}");
        }
    }
}

#[test]
fn every_entry_is_found_from_its_home() {
    // After churn (tombstones, displaced entries), each entry is among those its home yields.
    let mut table = table_of(3000);
    for i in (0..3000).filter(|i| i % 3 == 0) {
        table.remove(&member(i));
    }
    for i in 3000..4000 {
        table.insert(member(i));
    }
    // Scanning from an entry's home yields it in the first step.
    let mask = table.num_buckets() as u64 - 1;
    for entry in table.iter() {
        let home = table.hash_of(entry) & mask;
        let mut found = Vec::new();
        table.scan(home, 1, |e| found.push(e));
        assert!(found.contains(&entry));
    }
}

#[test]
fn a_sparse_stretch_bounds_the_homes_a_step_looks_at() {
    let mut table = table_of(10_000);
    // Keep 1 in 8 entries: the table shrinks when its fill drops below 1/8, so it stays at
    // about that fill, where 10 * COUNT homes usually hold COUNT entries but need not.
    for i in (0..10_000).filter(|i| i % 8 != 0) {
        table.remove(&member(i));
    }
    let buckets = table.num_buckets();
    let (seen, steps) = full_scan(&table, 1);
    assert_eq!(seen.len(), table.len());
    // Each step looks at 10 homes at most, so the walk takes at least buckets / 10 steps.
    assert!(
        steps.len() >= buckets / 10,
        "{} steps, {buckets} buckets",
        steps.len()
    );
}

#[test]
fn any_cursor_is_accepted() {
    let small = table_of(100);
    let large = table_of(20_000);
    let cursor = large.scan(0, 10, |_| {});
    assert!(cursor != 0 && cursor < large.num_buckets() as u64);
    for garbage in [cursor, 1, 12345, 1 << 40, u64::MAX / 3, u64::MAX] {
        let (mut seen, mut next) = (0, garbage);
        loop {
            next = small.scan(next, 10, |_| seen += 1);
            if next == 0 {
                break;
            }
        }
        assert!(seen <= 100);
        let _ = large.scan(garbage, 10, |_| {});
        let _ = table_of(0).scan(garbage, 10, |_| {});
    }
    // The last home ends the walk.
    let last = small.num_buckets() as u64 - 1;
    assert_eq!(small.scan(last, 1000, |_| {}), 0);
}

/// Scans `table` to the end from cursor 0, calling `between` after every step, and returns
/// the entries visited and the number of steps.
fn scan_while(
    table: &mut KeyedTable<Box<[u8]>>,
    count: usize,
    max_steps: usize,
    mut between: impl FnMut(&mut KeyedTable<Box<[u8]>>, usize),
) -> (std::collections::HashSet<Vec<u8>>, usize) {
    let (mut seen, mut cursor) = (std::collections::HashSet::new(), 0);
    for step in 0..max_steps {
        cursor = table.scan(cursor, count, |m| {
            seen.insert(m.to_vec());
        });
        if cursor == 0 {
            return (seen, step + 1);
        }
        between(table, step);
    }
    panic!("no end after {max_steps} steps");
}

#[test]
fn a_scan_ends_and_misses_nothing_while_the_table_grows_faster_than_it_is_walked() {
    // 20 entries a step walked, 49 added: the table doubles several times during the scan.
    let mut table = table_of(2000);
    let (seen, steps) = scan_while(&mut table, 20, 5000, |t, step| {
        for i in 0..49 {
            t.insert(format!("new:{step}:{i}").into_bytes().into());
        }
        t.remove(&member(1000 + step % 1000));
    });
    assert!(table.len() > 8 * 2000, "grew through several resizes");
    assert!(steps < 2000, "{steps} steps");
    assert!((0..1000).all(|i| seen.contains(&member(i)[..])));
}

#[test]
fn a_scan_misses_nothing_while_the_table_shrinks() {
    let mut table = table_of(50_000);
    let buckets = table.num_buckets();
    let (seen, _) = scan_while(&mut table, 10, 100_000, |t, step| {
        for i in 0..100 {
            t.remove(&member(1000 + step * 100 + i));
        }
    });
    assert!(table.num_buckets() < buckets / 8, "shrank several times");
    assert!((0..1000).all(|i| seen.contains(&member(i)[..])));
}

#[test]
fn a_scan_misses_nothing_across_a_rehash_in_place() {
    // hashbrown rehashes in place (same bucket count, entries moved) when an insert finds no
    // growth left while at most half the capacity holds entries, the rest being tombstones.
    // Tombstones come from removals inside long runs of full buckets, so: fill one region
    // densely with keys whose home bucket is among the first 32, remove five in six of them,
    // then insert other keys, dropping those that reuse a tombstone, until the growth left
    // runs out. A scan goes on step by step throughout; the 150 base keys (which also keep
    // the table from shrinking) must all be returned.
    let mut table: KeyedTable<Box<[u8]>> = KeyedTable::with_capacity(896);
    assert_eq!(table.num_buckets(), 1024);
    for i in 0..150 {
        table.insert(format!("base:{i}").into_bytes().into());
    }
    let mask = table.num_buckets() as u64 - 1;
    let clustered: Vec<Box<[u8]>> = (0..)
        .map(member)
        .filter(|m| table.hash_of(m) & mask < 32)
        .take(600)
        .collect();
    // Each operation answers whether it rehashed the table in place.
    type Op = Box<dyn FnMut(&mut KeyedTable<Box<[u8]>>) -> bool>;
    let mut ops: Vec<Op> = Vec::new();
    for key in clustered.clone() {
        ops.push(Box::new(move |t| {
            t.insert(key.clone());
            false
        }));
    }
    for (i, key) in clustered.iter().cloned().enumerate() {
        if i % 6 != 0 {
            ops.push(Box::new(move |t| {
                t.remove(&key);
                false
            }));
        }
    }
    for i in 0..1000 {
        let key: Box<[u8]> = format!("filler:{i}").into_bytes().into();
        ops.push(Box::new(move |t| {
            let growth_left = t.entries.capacity() - t.len();
            t.insert(key.clone());
            let growth_now = t.entries.capacity() - t.len();
            if growth_now == growth_left {
                t.remove(&key);
            }
            growth_now > growth_left
        }));
    }
    let (mut rehashed, mut next_op, mut scans) = (false, 0, 0);
    while next_op < ops.len() && !rehashed {
        let (seen, _) = scan_while(&mut table, 3, 100_000, |t, _| {
            // Stop at the rehash: more fillers would only grow the table.
            if let Some(op) = ops.get_mut(next_op).filter(|_| !rehashed) {
                rehashed |= op(t);
                next_op += 1;
            }
        });
        assert!((0..150).all(|i| seen.contains(format!("base:{i}").as_bytes())));
        scans += 1;
    }
    assert_eq!(table.num_buckets(), 1024, "no resize");
    assert!(rehashed, "the inserts rehashed in place ({scans} scans)");
}

proptest::proptest! {
    #[test]
    fn scans_return_every_entry_present_throughout(
        initial in 0usize..3000,
        ops in proptest::collection::vec((0u8..4, 0usize..6000, 1usize..40), 0..1500),
    ) {
        let mut table = table_of(initial);
        let mut present: std::collections::HashSet<usize> = (0..initial).collect();
        // The entries present since the current scan started, and those it has visited.
        let mut throughout = present.clone();
        let mut visited: std::collections::HashSet<Vec<u8>> = Default::default();
        let mut cursor = 0u64;
        let check = |throughout: &std::collections::HashSet<usize>,
                     visited: &std::collections::HashSet<Vec<u8>>| {
            throughout.iter().all(|&k| visited.contains(&member(k)[..]))
        };
        for (op, key, count) in ops {
            match op {
                0 => {
                    table.insert(member(key));
                    present.insert(key);
                }
                1 => {
                    table.remove(&member(key));
                    present.remove(&key);
                    throughout.remove(&key);
                }
                _ => {
                    cursor = table.scan(cursor, count, |m| {
                        visited.insert(m.to_vec());
                    });
                    if cursor == 0 {
                        proptest::prop_assert!(check(&throughout, &visited));
                        throughout = present.clone();
                        visited.clear();
                    }
                }
            }
        }
        // Finish the current scan without changes.
        let mut steps = 0;
        loop {
            cursor = table.scan(cursor, 7, |m| {
                visited.insert(m.to_vec());
            });
            steps += 1;
            if cursor == 0 {
                break;
            }
            proptest::prop_assert!(steps <= table.num_buckets());
        }
        proptest::prop_assert!(check(&throughout, &visited));
    }
}
