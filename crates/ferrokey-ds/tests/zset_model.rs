//! Sorted-set tests: encoding thresholds and range-argument parsing checked against facts run
//! on Valkey 8.1, and property tests of both encodings against a simple ordered model.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use ferrokey_ds::zset::{
    normalize_rank_range, parse_lex_bound, parse_score_bound, LexBound, LexRange, RangeParseError,
    ScoreRange, ZSet, ZSetLimits,
};
use proptest::prelude::*;

// ------------------------------------------------------------------------------------------
// Model
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct OrderedScore(f64);

impl PartialEq for OrderedScore {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for OrderedScore {}
impl PartialOrd for OrderedScore {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedScore {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

#[derive(Default)]
struct Model {
    order: BTreeSet<(OrderedScore, Vec<u8>)>,
    scores: HashMap<Vec<u8>, f64>,
}

impl Model {
    /// The same elements with zero scores unsigned, as the listpack form stores them.
    fn with_unsigned_zeros(&self) -> Model {
        let mut model = Model::default();
        for (member, &score) in &self.scores {
            model.insert(member, if score == 0.0 { 0.0 } else { score });
        }
        model
    }

    fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let old = self.scores.insert(member.to_vec(), score);
        if let Some(old) = old {
            self.order.remove(&(OrderedScore(old), member.to_vec()));
        }
        self.order.insert((OrderedScore(score), member.to_vec()));
        old
    }

    fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let old = self.scores.remove(member)?;
        self.order.remove(&(OrderedScore(old), member.to_vec()));
        Some(old)
    }

    fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
        self.order
            .iter()
            .map(|(_, member)| (member.clone(), self.scores[member]))
            .collect()
    }
}

fn collect(iter: impl Iterator<Item = (impl AsRef<[u8]>, f64)>) -> Vec<(Vec<u8>, f64)> {
    iter.map(|(member, score)| (member.as_ref().to_vec(), score))
        .collect()
}

/// Scores compared bit for bit, so -0 and 0 are told apart.
fn same(a: &[(Vec<u8>, f64)], b: &[(Vec<u8>, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && x.1.to_bits() == y.1.to_bits())
}

// ------------------------------------------------------------------------------------------
// Facts from Valkey 8.1
// ------------------------------------------------------------------------------------------

fn zadd(set: &mut Option<ZSet>, pairs: &[(f64, Vec<u8>)], limits: &ZSetLimits) {
    let longest = pairs.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let value = set.get_or_insert_with(|| ZSet::with_hint(pairs.len(), longest, limits));
    value.convert_for_hint(pairs.len(), limits);
    for (score, member) in pairs {
        value.insert(member, *score, limits);
    }
}

fn numbered(range: std::ops::RangeInclusive<u32>) -> Vec<(f64, Vec<u8>)> {
    range
        .map(|i| (f64::from(i), format!("m{i}").into_bytes()))
        .collect()
}

#[test]
fn encodings_match_valkey() {
    let limits = ZSetLimits::default();
    // ZADD one at a time: 128 stay listpack, the 129th converts, removal never converts back.
    let mut set = None;
    for pair in numbered(1..=128) {
        zadd(&mut set, &[pair], &limits);
    }
    let mut set = set.unwrap_or_default();
    assert_eq!(set.encoding_name(), "listpack");
    set.insert(b"m129", 129.0, &limits);
    assert_eq!(set.encoding_name(), "skiplist");
    set.remove(b"m129");
    set.remove(b"m1");
    set.remove(b"m2");
    assert_eq!((set.len(), set.encoding_name()), (126, "skiplist"));
    // ZRANGESTORE/ZUNIONSTORE of it gives listpack.
    let mut stored = set.clone();
    stored.shrink_encoding_if_fits(&limits);
    assert_eq!(stored.encoding_name(), "listpack");
    assert!(same(&collect(stored.iter()), &collect(set.iter())));

    let exact = vec![b'x'; 64];
    let long = vec![b'x'; 65];
    let mut set = None;
    zadd(&mut set, &[(1.0, exact)], &limits);
    assert_eq!(set.map(|s| s.encoding_name()), Some("listpack"));
    let mut set = None;
    zadd(&mut set, &[(1.0, long.clone())], &limits);
    let mut set = set.unwrap_or_default();
    assert_eq!(set.encoding_name(), "skiplist");
    set.shrink_encoding_if_fits(&limits);
    assert_eq!(
        set.encoding_name(),
        "skiplist",
        "ZRANGESTORE keeps a long member skiplist"
    );

    let mut set = None;
    zadd(&mut set, &[(1.0, b"a".to_vec())], &limits);
    zadd(&mut set, &[(2.0, long.clone())], &limits);
    let mut set = set.unwrap_or_default();
    set.remove(&long);
    assert_eq!(set.encoding_name(), "skiplist");

    let mut set = None;
    zadd(&mut set, &numbered(1..=129), &limits);
    assert_eq!(set.map(|s| s.encoding_name()), Some("skiplist"));
    // ZADD XX with 129 pairs to a 1-element listpack converts although nothing is added.
    let mut set = ZSet::new();
    set.insert(b"a", 1.0, &limits);
    set.convert_for_hint(129, &limits);
    assert_eq!(set.encoding_name(), "skiplist");
    // ZREMRANGEBYRANK down to one element stays skiplist.
    let mut set = None;
    zadd(&mut set, &numbered(1..=129), &limits);
    let mut set = set.unwrap_or_default();
    let span = normalize_rank_range(1, -1, set.len()).unwrap_or(0..0);
    assert_eq!(set.remove_range_by_rank(span), 128);
    assert_eq!((set.len(), set.encoding_name()), (1, "skiplist"));

    let zero_entries = ZSetLimits {
        max_listpack_entries: 0,
        ..limits
    };
    assert_eq!(
        ZSet::with_hint(1, 1, &zero_entries).encoding_name(),
        "skiplist"
    );
    let zero_value = ZSetLimits {
        max_listpack_value: 0,
        ..limits
    };
    assert_eq!(
        ZSet::with_hint(1, 1, &zero_value).encoding_name(),
        "skiplist"
    );
    assert_eq!(
        ZSet::with_hint(1, 0, &zero_value).encoding_name(),
        "listpack"
    );
}

#[test]
fn score_range_parsing_matches_valkey() {
    // ZCOUNT z <min> 5 on {a:1, b:2, c:3}, as answered by Valkey 8.1.
    let set = {
        let mut set = ZSet::new();
        for (member, score) in [(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)] {
            set.insert(member, score, &ZSetLimits::default());
        }
        set
    };
    let count = |min: &[u8], max: &[u8]| {
        ScoreRange::parse(min, max).map(|range| set.count_in_score_range(&range))
    };
    assert_eq!(count(b"", b"5"), Ok(3));
    assert_eq!(count(b" 1", b"5"), Ok(3));
    assert_eq!(count(b"1e999", b"5"), Ok(0));
    assert_eq!(count(b"(1e999", b"5"), Ok(0));
    assert_eq!(count(b"1e-999", b"5"), Ok(3));
    assert_eq!(count(b"0x10", b"20"), Ok(0));
    assert_eq!(count(b"(", b"5"), Ok(3));
    assert_eq!(count(b"( 1", b"5"), Ok(2));
    assert_eq!(count(b"(-0", b"1"), Ok(1));
    assert_eq!(count(b"+1", b"5"), Ok(3));
    assert_eq!(count(b"inf", b"+inf"), Ok(0));
    assert_eq!(count(b"-inf", b"inf"), Ok(3));
    for bad in [&b"nan"[..], b" ", b"1 "] {
        assert_eq!(count(bad, b"5"), Err(RangeParseError::NotAFloat));
    }
    assert_eq!(
        RangeParseError::NotAFloat.message(),
        "ERR min or max is not a float"
    );
    assert_eq!(parse_score_bound(b"(2.5"), Ok((2.5, true)));
}

#[test]
fn lex_range_parsing_matches_valkey() {
    let mut set = ZSet::new();
    for member in [b"a", b"b", b"c"] {
        set.insert(member, 0.0, &ZSetLimits::default());
    }
    let count = |min: &[u8], max: &[u8]| {
        LexRange::parse(min, max).map(|range| set.count_in_lex_range(&range))
    };
    assert_eq!(count(b"-", b"+"), Ok(3));
    assert_eq!(count(b"+", b"-"), Ok(0));
    assert_eq!(count(b"[a", b"(c"), Ok(2));
    assert_eq!(count(b"[", b"+"), Ok(3));
    for bad in [&b"a"[..], b"+x", b""] {
        assert_eq!(count(bad, b"+"), Err(RangeParseError::NotAStringRangeItem));
    }
    assert_eq!(
        RangeParseError::NotAStringRangeItem.message(),
        "ERR min or max not valid string range item"
    );
    assert_eq!(
        parse_lex_bound(b"(x"),
        Ok(LexBound::Exclusive(b"x".to_vec()))
    );
}

#[test]
fn rank_range_normalization() {
    assert_eq!(normalize_rank_range(0, -1, 3), Some(0..3));
    assert_eq!(normalize_rank_range(-100, 100, 3), Some(0..3));
    assert_eq!(normalize_rank_range(2, 1, 3), None);
    assert_eq!(normalize_rank_range(3, 5, 3), None);
    assert_eq!(normalize_rank_range(0, -1, 0), None);
    assert_eq!(normalize_rank_range(-1, -1, 3), Some(2..3));
}

#[test]
fn skiplist_shrinks_and_stays_consistent() {
    let limits = ZSetLimits::default();
    let mut set = ZSet::new();
    let mut model = Model::default();
    for i in 0..1000u32 {
        let member = format!("k{}", i.wrapping_mul(7919) % 1000).into_bytes();
        let score = f64::from(i % 37);
        set.insert(&member, score, &limits);
        model.insert(&member, score);
    }
    assert_eq!(set.encoding_name(), "skiplist");
    for step in 0..990 {
        let popped = if step % 2 == 0 {
            set.pop_min()
        } else {
            set.pop_max()
        };
        let Some((member, score)) = popped else {
            panic!("set emptied early");
        };
        assert_eq!(model.remove(&member), Some(score));
        if step % 97 == 0 {
            check_queries(&set, &model, &ScoreRange::all(), 3, 50);
        }
    }
    check_queries(&set, &model, &ScoreRange::all(), 1, 5);
    for i in 0..50u32 {
        let member = format!("n{i}").into_bytes();
        set.insert(&member, -f64::from(i), &limits);
        model.insert(&member, -f64::from(i));
    }
    check_queries(&set, &model, &ScoreRange::all(), 0, 100);
}

/// ZRANGE and ZREVRANGE from every start position, with a few lengths.
fn check_rank_ranges_everywhere(set: &ZSet, model: &Model) {
    let sorted = model.sorted();
    let reversed: Vec<_> = sorted.iter().rev().cloned().collect();
    let len = sorted.len();
    for start in 0..=len {
        for width in [0, 1, 2, 37] {
            let end = (start + width).min(len);
            let ascending = collect(set.range_by_rank(start..start + width, false));
            assert!(
                same(&ascending, &sorted[start..end]),
                "ZRANGE {start} +{width}"
            );
            let descending = collect(set.range_by_rank(start..start + width, true));
            assert!(
                same(&descending, &reversed[start..end]),
                "ZREVRANGE {start} +{width}"
            );
        }
    }
}

/// A deterministic xorshift64* stream, so large tests need no proptest shrinking.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) % n
    }
}

#[test]
fn equal_scores_order_by_member_through_churn() {
    let limits = ZSetLimits::default();
    let mut set = ZSet::new();
    let mut model = Model::default();
    let mut rng = Rng(5);
    for i in 0..3000u64 {
        let member = format!("m{}", i * 7919 % 3000).into_bytes();
        set.insert(&member, 1.0, &limits);
        model.insert(&member, 1.0);
    }
    assert_eq!(set.encoding_name(), "skiplist");
    check_queries(&set, &model, &ScoreRange::all(), 5, 40);
    check_rank_ranges_everywhere(&set, &model);
    // Remove and re-insert, sometimes with the same score, sometimes a neighbouring one.
    for _ in 0..6000 {
        let member = format!("m{}", rng.below(3000)).into_bytes();
        match rng.below(4) {
            0 => assert_eq!(set.remove(&member), model.remove(&member)),
            1 => assert_eq!(
                set.insert(&member, 1.0, &limits),
                model.insert(&member, 1.0)
            ),
            2 => assert_eq!(
                set.insert(&member, 0.5, &limits),
                model.insert(&member, 0.5)
            ),
            _ => assert_eq!(
                set.insert(&member, 1.5, &limits),
                model.insert(&member, 1.5)
            ),
        }
    }
    check_queries(&set, &model, &ScoreRange::all(), 7, 100);
    check_rank_ranges_everywhere(&set, &model);
    let lex = LexRange::parse(b"[m1", b"(m2").unwrap_or(LexRange {
        min: LexBound::NegInfinity,
        max: LexBound::PosInfinity,
    });
    let ones: Vec<_> = model
        .sorted()
        .into_iter()
        .filter(|(_, s)| *s == 1.0)
        .collect();
    let mut only_ones = set.clone();
    only_ones
        .remove_range_by_score(&ScoreRange::parse(b"-inf", b"(1").unwrap_or(ScoreRange::all()));
    only_ones
        .remove_range_by_score(&ScoreRange::parse(b"(1", b"+inf").unwrap_or(ScoreRange::all()));
    assert!(same(&collect(only_ones.iter()), &ones));
    let in_lex: Vec<_> = ones
        .iter()
        .filter(|(m, _)| lex.contains(m))
        .cloned()
        .collect();
    assert_eq!(only_ones.count_in_lex_range(&lex), in_lex.len());
    assert!(same(
        &collect(only_ones.range_by_lex(&lex, false, 0, None)),
        &in_lex
    ));
}

#[test]
fn hundred_thousand_members_with_moving_scores() {
    let limits = ZSetLimits::default();
    let mut set = ZSet::new();
    let mut model = Model::default();
    let mut rng = Rng(9);
    let name = |i: u64| format!("element:{i:012}").into_bytes();
    for i in 0..100_000 {
        let score = rng.below(50_000) as f64;
        set.insert(&name(i), score, &limits);
        model.insert(&name(i), score);
    }
    // Far moves (a new random score), near moves (ZINCRBY by a little), removals and
    // re-insertions, as a ZADD-heavy workload does.
    for _ in 0..100_000 {
        let member = name(rng.below(120_000));
        let current = model.scores.get(&member).copied();
        let score = match (rng.below(4), current) {
            (0, Some(_)) => {
                assert_eq!(set.remove(&member), model.remove(&member));
                continue;
            }
            (1, Some(current)) => current + 0.5,
            _ => rng.below(50_000) as f64,
        };
        let expected = model.insert(&member, score).map(f64::to_bits);
        assert_eq!(
            set.insert(&member, score, &limits).map(f64::to_bits),
            expected
        );
    }
    let range = ScoreRange::parse(b"(1000", b"2000.5").unwrap_or(ScoreRange::all());
    check_queries(&set, &model, &range, 17, 400);
    let sorted = model.sorted();
    for position in (0..sorted.len()).step_by(997) {
        let expected = &sorted[position..(position + 25).min(sorted.len())];
        assert!(same(
            &collect(set.range_by_rank(position..position + 25, false)),
            expected
        ));
    }
    // Emptying it through rank ranges gives the memory back and leaves a working set.
    while set.len() > 10 {
        let removed = set.remove_range_by_rank(0..set.len() / 2);
        assert!(removed > 0);
    }
    let mut rest = Model::default();
    for (member, score) in collect(set.iter()) {
        rest.insert(&member, score);
    }
    assert!(same(
        &rest.sorted(),
        &model.sorted()[model.scores.len() - rest.scores.len()..]
    ));
    check_queries(&set, &rest, &ScoreRange::all(), 0, 10);
}

// ------------------------------------------------------------------------------------------
// Property tests
// ------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Insert(Vec<u8>, f64),
    Remove(Vec<u8>),
    PopMin,
    PopMax,
    RemoveRanks(i64, i64),
    RemoveScores(ScoreRange),
    /// ZINCRBY-like: a present member's score moves by a small step.
    Nudge(Vec<u8>, f64),
}

fn member_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(prop::sample::select(b"abc".to_vec()), 0..4),
        1 => proptest::collection::vec(any::<u8>(), 0..80),
    ]
}

fn score_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            f64::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            1.0,
            2.0,
            f64::INFINITY
        ]),
        (-5i32..5).prop_map(f64::from),
    ]
}

fn score_range_strategy() -> impl Strategy<Value = ScoreRange> {
    (
        score_strategy(),
        any::<bool>(),
        score_strategy(),
        any::<bool>(),
    )
        .prop_map(|(min, min_exclusive, max, max_exclusive)| ScoreRange {
            min,
            min_exclusive,
            max,
            max_exclusive,
        })
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (member_strategy(), score_strategy()).prop_map(|(m, s)| Op::Insert(m, s)),
        3 => member_strategy().prop_map(Op::Remove),
        1 => Just(Op::PopMin),
        1 => Just(Op::PopMax),
        1 => (-8i64..8, -8i64..8).prop_map(|(a, b)| Op::RemoveRanks(a, b)),
        1 => score_range_strategy().prop_map(Op::RemoveScores),
        3 => (member_strategy(), prop::sample::select(vec![0.25, -0.25, 1.0, -3.0]))
            .prop_map(|(m, step)| Op::Nudge(m, step)),
    ]
}

fn limits_strategy() -> impl Strategy<Value = ZSetLimits> {
    prop_oneof![
        Just(ZSetLimits::default()),
        (0usize..12, 0usize..5).prop_map(|(entries, value)| ZSetLimits {
            max_listpack_entries: entries,
            max_listpack_value: value,
        }),
    ]
}

/// Checks every query against the model.
fn check_queries(set: &ZSet, model: &Model, range: &ScoreRange, offset: usize, count: usize) {
    let sorted = model.sorted();
    assert_eq!(set.len(), sorted.len());
    assert!(same(&collect(set.iter()), &sorted));
    let reversed: Vec<_> = sorted.iter().rev().cloned().collect();
    assert!(same(
        &collect(set.range_by_rank(0..usize::MAX, true)),
        &reversed
    ));
    for (rank, (member, score)) in sorted.iter().enumerate() {
        assert_eq!(set.score(member).map(f64::to_bits), Some(score.to_bits()));
        assert_eq!(set.rank(member, false), Some(rank));
        assert_eq!(set.rank(member, true), Some(sorted.len() - 1 - rank));
        assert_eq!(set.get_by_rank(rank, false).map(|e| e.0), Some(&member[..]));
        let from_top = set.get_by_rank(sorted.len() - 1 - rank, true);
        assert_eq!(from_top.map(|e| e.0), Some(&member[..]));
    }
    assert_eq!(set.get_by_rank(sorted.len(), false), None);
    let span = (offset % (sorted.len() + 1))..(offset + count);
    let expected: Vec<_> = sorted
        .get(span.start..span.end.min(sorted.len()))
        .unwrap_or_default()
        .to_vec();
    assert!(same(&collect(set.range_by_rank(span, false)), &expected));
    let in_range: Vec<_> = sorted
        .iter()
        .filter(|(_, score)| range.contains(*score))
        .cloned()
        .collect();
    assert_eq!(set.count_in_score_range(range), in_range.len());
    let forward: Vec<_> = in_range.iter().skip(offset).take(count).cloned().collect();
    let backward: Vec<_> = in_range
        .iter()
        .rev()
        .skip(offset)
        .take(count)
        .cloned()
        .collect();
    assert!(same(
        &collect(set.range_by_score(range, false, offset, Some(count))),
        &forward
    ));
    assert!(same(
        &collect(set.range_by_score(range, true, offset, Some(count))),
        &backward
    ));
    let unlimited = collect(set.range_by_score(range, false, 0, None));
    assert!(same(&unlimited, &in_range));
}

fn apply(set: &mut ZSet, model: &mut Model, op: &Op, limits: &ZSetLimits, large: &mut bool) {
    match op {
        Op::Insert(member, score) => {
            if !*large
                && !model.scores.contains_key(member)
                && (model.scores.len() + 1 > limits.max_listpack_entries
                    || member.len() > limits.max_listpack_value)
            {
                *large = true;
            }
            let got = set.insert(member, *score, limits).map(f64::to_bits);
            // The listpack form stores a zero score without its sign, as Valkey's does.
            let stored = if !*large && *score == 0.0 {
                0.0
            } else {
                *score
            };
            assert_eq!(got, model.insert(member, stored).map(f64::to_bits));
        }
        Op::Nudge(member, step) => {
            if let Some(current) = model.scores.get(member).copied() {
                apply(
                    set,
                    model,
                    &Op::Insert(member.clone(), current + step),
                    limits,
                    large,
                );
            }
        }
        Op::Remove(member) => {
            let got = set.remove(member).map(f64::to_bits);
            assert_eq!(got, model.remove(member).map(f64::to_bits));
        }
        Op::PopMin | Op::PopMax => {
            let sorted = model.sorted();
            let expected = if matches!(op, Op::PopMin) {
                sorted.first()
            } else {
                sorted.last()
            };
            let got = if matches!(op, Op::PopMin) {
                set.pop_min()
            } else {
                set.pop_max()
            };
            assert_eq!(got.as_ref().map(|e| &e.0[..]), expected.map(|e| &e.0[..]));
            if let Some((member, _)) = expected {
                model.remove(member);
            }
        }
        Op::RemoveRanks(start, stop) => {
            let sorted = model.sorted();
            let span = normalize_rank_range(*start, *stop, sorted.len()).unwrap_or(0..0);
            let removed = set.remove_range_by_rank(span.clone());
            assert_eq!(removed, span.len());
            for (member, _) in sorted.get(span).unwrap_or_default() {
                model.remove(member);
            }
        }
        Op::RemoveScores(range) => {
            let doomed: Vec<_> = model
                .sorted()
                .into_iter()
                .filter(|(_, score)| range.contains(*score))
                .collect();
            assert_eq!(set.remove_range_by_score(range), doomed.len());
            for (member, _) in doomed {
                model.remove(&member);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn zset_agrees_with_model(
        limits in limits_strategy(),
        ops in proptest::collection::vec(op_strategy(), 0..160),
        range in score_range_strategy(),
        offset in 0usize..6,
        count in 0usize..6,
    ) {
        let mut set = ZSet::new();
        let mut model = Model::default();
        let mut large = false;
        for op in &ops {
            apply(&mut set, &mut model, op, &limits, &mut large);
            let expected = if large { "skiplist" } else { "listpack" };
            prop_assert_eq!(set.encoding_name(), expected);
        }
        check_queries(&set, &model, &range, offset, count);
        let mut shrunk = set.clone();
        shrunk.shrink_encoding_if_fits(&limits);
        if shrunk.encoding_name() == "listpack" {
            check_queries(&shrunk, &model.with_unsigned_zeros(), &range, offset, count);
        } else {
            check_queries(&shrunk, &model, &range, offset, count);
        }
    }

    #[test]
    fn lex_ranges_agree_with_model(
        members in proptest::collection::btree_set(
            proptest::collection::vec(prop::sample::select(b"abcd".to_vec()), 0..4), 0..40),
        min in prop_oneof![Just(b"-".to_vec()), Just(b"+".to_vec()),
            (any::<bool>(), proptest::collection::vec(prop::sample::select(b"abcd".to_vec()), 0..3))
                .prop_map(|(ex, m)| [vec![if ex { b'(' } else { b'[' }], m].concat())],
        max in prop_oneof![Just(b"-".to_vec()), Just(b"+".to_vec()),
            (any::<bool>(), proptest::collection::vec(prop::sample::select(b"abcd".to_vec()), 0..3))
                .prop_map(|(ex, m)| [vec![if ex { b'(' } else { b'[' }], m].concat())],
        entries in 0usize..50,
        offset in 0usize..5,
        count in 0usize..5,
    ) {
        let limits = ZSetLimits { max_listpack_entries: entries, ..ZSetLimits::default() };
        let mut set = ZSet::new();
        for member in &members {
            set.insert(member, 7.0, &limits);
        }
        let range = LexRange::parse(&min, &max).map_err(|e| TestCaseError::fail(e.message()))?;
        let in_range: Vec<(Vec<u8>, f64)> = members
            .iter()
            .filter(|member| range.contains(member))
            .map(|member| (member.clone(), 7.0))
            .collect();
        prop_assert_eq!(set.count_in_lex_range(&range), in_range.len());
        let forward: Vec<_> = in_range.iter().skip(offset).take(count).cloned().collect();
        let backward: Vec<_> = in_range.iter().rev().skip(offset).take(count).cloned().collect();
        prop_assert!(same(&collect(set.range_by_lex(&range, false, offset, Some(count))), &forward));
        prop_assert!(same(&collect(set.range_by_lex(&range, true, offset, Some(count))), &backward));
        let removed = set.remove_range_by_lex(&range);
        prop_assert_eq!(removed, in_range.len());
        prop_assert_eq!(set.len(), members.len() - in_range.len());
        prop_assert_eq!(set.count_in_lex_range(&range), 0);
    }

    #[test]
    fn deep_skiplists_agree_with_model(
        ops in proptest::collection::vec(
            (0u16..600, prop::option::of(-20i32..20)), 0..2500),
        range in score_range_strategy(),
        offset in 0usize..300,
        count in 0usize..300,
    ) {
        let limits = ZSetLimits::default();
        let mut set = ZSet::new();
        let mut model = Model::default();
        let mut large = false;
        for (member, score) in ops {
            let member = member.to_string().into_bytes();
            let op = match score {
                Some(score) => Op::Insert(member, f64::from(score) / 2.0),
                None => Op::Remove(member),
            };
            apply(&mut set, &mut model, &op, &limits, &mut large);
        }
        check_queries(&set, &model, &range, offset, count);
    }
}
