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
