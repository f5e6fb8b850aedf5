//! Structural tests of the order-statistics tree: random insertions and removals against a
//! `BTreeSet`, with every invariant of the module checked after each step.

use std::collections::BTreeSet;

use super::{Cursor, Tree, LEAF_MIN, NIL};

/// Elements are ordered by score, then id (standing in for the member).
fn before(score: f64, id: u32) -> impl Fn(f64, u32) -> bool {
    move |s, i| s < score || (s == score && i < id)
}

/// The model's key: for the non-negative scores used here, bit patterns order as values do.
fn key(score: f64, id: u32) -> (u64, u32) {
    assert!(score >= 0.0);
    (score.to_bits(), id)
}

/// Walks the subtree at `node`; returns its size and first element, checking counts, minima,
/// depths and order, and appending the leaves in order to `leaves`.
fn check_node(
    tree: &Tree,
    node: u32,
    depth: usize,
    is_root: bool,
    leaves: &mut Vec<u32>,
) -> (usize, Option<(f64, u32)>) {
    if depth == tree.height {
        let leaf = tree
            .leaves
            .get(node)
            .unwrap_or_else(|| panic!("missing leaf {node}"));
        assert!(is_root || leaf.len > 0, "empty non-root leaf");
        leaves.push(node);
        return (leaf.len(), leaf.first());
    }
    let inner = tree
        .inners
        .get(node)
        .unwrap_or_else(|| panic!("missing inner {node}"));
    assert!(
        is_root || inner.len() >= 2,
        "inner node with {} children",
        inner.len()
    );
    assert!(
        inner.len() >= 2 || !is_root,
        "root inner node with one child"
    );
    let (mut total, mut first) = (0, None);
    for i in 0..inner.len() {
        let (size, min) = check_node(tree, inner.children[i], depth + 1, false, leaves);
        assert_eq!(inner.counts[i] as usize, size, "count of child {i}");
        if i == 0 {
            first = min;
        } else {
            assert_eq!(
                Some((inner.min_scores[i], inner.min_ids[i])),
                min,
                "minimum of child {i}"
            );
        }
        total += size;
    }
    (total, first)
}

fn check(tree: &Tree, model: &BTreeSet<(u64, u32)>) {
    assert_eq!(tree.len(), model.len());
    if tree.root == NIL {
        assert!(model.is_empty());
        return;
    }
    let mut leaves = Vec::new();
    let (size, _) = check_node(tree, tree.root, 0, true, &mut leaves);
    assert_eq!(size, model.len());
    for pair in leaves.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        assert_eq!(tree.leaves.get(a).map(|l| l.next), Some(b));
        assert_eq!(tree.leaves.get(b).map(|l| l.prev), Some(a));
    }
    assert_eq!(
        leaves
            .first()
            .and_then(|&l| tree.leaves.get(l))
            .map(|l| l.prev),
        Some(NIL)
    );
    assert_eq!(
        leaves
            .last()
            .and_then(|&l| tree.leaves.get(l))
            .map(|l| l.next),
        Some(NIL)
    );
    let mut forward = Vec::new();
    let mut cursor = tree.cursor_at(0);
    while let Some(at) = cursor {
        let (score, id) = tree.get(at).unwrap_or((f64::NAN, NIL));
        forward.push(key(score, id));
        cursor = tree.next(at);
    }
    assert_eq!(forward, model.iter().copied().collect::<Vec<_>>());
    let mut backward = Vec::new();
    let mut cursor = tree
        .len()
        .checked_sub(1)
        .and_then(|last| tree.cursor_at(last));
    while let Some(at) = cursor {
        let (score, id) = tree.get(at).unwrap_or((f64::NAN, NIL));
        backward.push(key(score, id));
        cursor = tree.prev(at);
    }
    backward.reverse();
    assert_eq!(backward, forward);
}

fn check_positions(tree: &Tree, model: &BTreeSet<(u64, u32)>) {
    for (position, &(score, id)) in model.iter().enumerate() {
        let at: Option<Cursor> = tree.cursor_at(position);
        assert_eq!(
            at.and_then(|c| tree.get(c)).map(|(s, i)| key(s, i)),
            Some((score, id))
        );
        assert_eq!(
            tree.count_prefix(before(f64::from_bits(score), id)),
            position
        );
    }
    assert!(tree.cursor_at(model.len()).is_none());
}

/// xorshift64*, so the tests are deterministic without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn run(
    ops: usize,
    id_space: u64,
    score_space: u64,
    remove_weight: u64,
    seed: u64,
    check_every: usize,
) {
    let mut rng = Rng(seed);
    let mut tree = Tree::default();
    let mut model = BTreeSet::new();
    let mut scores = vec![None; id_space as usize];
    for step in 0..ops {
        let id = rng.below(id_space) as u32;
        let slot = &mut scores[id as usize];
        if let Some(score) = *slot {
            if rng.below(10) < remove_weight {
                assert!(tree.remove(score, id, before(score, id)));
                model.remove(&key(score, id));
                *slot = None;
            } else {
                // A score update, far (a new random score) or near (a quarter up or down,
                // which often keeps the element in place).
                let new_score = match rng.below(3) {
                    0 => rng.below(score_space) as f64,
                    1 => score + 0.25,
                    _ => (score - 0.25).max(0.0),
                };
                tree.update(
                    score,
                    id,
                    new_score,
                    before(score, id),
                    before(new_score, id),
                );
                model.remove(&key(score, id));
                model.insert(key(new_score, id));
                *slot = Some(new_score);
            }
        } else {
            let score = rng.below(score_space) as f64;
            assert!(
                !tree.remove(score, id, before(score, id)),
                "removed an absent element"
            );
            tree.insert(score, id, before(score, id));
            model.insert(key(score, id));
            *slot = Some(score);
        }
        if step % check_every == 0 {
            check(&tree, &model);
        }
    }
    check(&tree, &model);
    check_positions(&tree, &model);
    // Drain in random order, checking as the tree shrinks through every height.
    let mut live: Vec<(f64, u32)> = scores
        .iter()
        .enumerate()
        .filter_map(|(id, score)| score.map(|s| (s, id as u32)))
        .collect();
    let mut step = 0;
    while !live.is_empty() {
        let at = rng.below(live.len() as u64) as usize;
        let (score, id) = live.swap_remove(at);
        assert!(tree.remove(score, id, before(score, id)));
        model.remove(&key(score, id));
        if step % check_every == 0 {
            check(&tree, &model);
        }
        step += 1;
    }
    check(&tree, &model);
    assert_eq!(tree.root, NIL);
    assert_eq!((tree.leaves.live(), tree.inners.live()), (0, 0));
}

#[test]
fn small_random_workloads() {
    for seed in 1..40 {
        run(600, 80, 10, 4, seed, 1);
    }
}

#[test]
fn equal_scores_order_by_id() {
    run(6000, 3000, 1, 3, 7, 97);
}

#[test]
fn deep_trees_with_churn() {
    run(60_000, 40_000, 1000, 2, 11, 4999);
}

#[test]
fn ascending_and_descending_loads_fill_leaves() {
    for descending in [false, true] {
        let mut tree = Tree::default();
        let mut model = BTreeSet::new();
        for i in 0..10_000u32 {
            let score = if descending {
                f64::from(10_000 - i)
            } else {
                f64::from(i)
            };
            tree.insert(score, i, before(score, i));
            model.insert(key(score, i));
        }
        check(&tree, &model);
        check_positions(&tree, &model);
        // Full leaves but the last one: 313 leaves of 32 hold 10,000 elements.
        assert!(
            tree.leaves.live() <= 10_000 / 32 + 1,
            "{} leaves",
            tree.leaves.live()
        );
        // Appends leave a one-element edge leaf after each split; removals from anywhere,
        // edges included, must keep every subtree's minimum exact.
        let mut rng = Rng(u64::from(descending) + 21);
        let mut live: Vec<u32> = (0..10_000).collect();
        let mut step = 0u32;
        while !live.is_empty() {
            let pick = match step % 3 {
                0 => 0,
                1 => live.len() - 1,
                _ => rng.below(live.len() as u64) as usize,
            };
            let id = live.remove(pick);
            let score = if descending {
                f64::from(10_000 - id)
            } else {
                f64::from(id)
            };
            assert!(tree.remove(score, id, before(score, id)));
            model.remove(&key(score, id));
            // Now and then an element past either end, recreating small edge leaves.
            if step.is_multiple_of(5) {
                let new_id = 20_000 + step;
                let score = if descending {
                    0.5
                } else {
                    30_000.0 + f64::from(step)
                };
                tree.insert(score, new_id, before(score, new_id));
                model.insert(key(score, new_id));
                if step.is_multiple_of(10) {
                    assert!(tree.remove(score, new_id, before(score, new_id)));
                    model.remove(&key(score, new_id));
                }
            }
            if step.is_multiple_of(61) {
                check(&tree, &model);
            }
            step += 1;
        }
        check(&tree, &model);
    }
}

#[test]
fn removals_keep_nodes_at_least_half_full() {
    let mut tree = Tree::default();
    let mut model = BTreeSet::new();
    let mut rng = Rng(3);
    let mut elements = Vec::new();
    for id in 0..20_000u32 {
        let score = rng.below(1_000_000) as f64;
        tree.insert(score, id, before(score, id));
        model.insert(key(score, id));
        elements.push((score, id));
    }
    for (score, id) in elements.iter().step_by(3) {
        assert!(tree.remove(*score, *id, before(*score, *id)));
        model.remove(&key(*score, *id));
    }
    check(&tree, &model);
    check_positions(&tree, &model);
    let small_leaves = (0..tree.leaves.live() as u32 + tree.leaves.released() as u32)
        .filter_map(|id| tree.leaves.get(id))
        .filter(|leaf| leaf.len > 0 && leaf.len() < LEAF_MIN)
        .count();
    // Only leaves no removal touched since their split (the first and last) may be small.
    assert!(small_leaves <= 2, "{small_leaves} leaves below the minimum");
}
