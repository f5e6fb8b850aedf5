//! Sorted sets: members with f64 scores, ordered by (score, member bytes), in Redis's two
//! encodings.
//!
//! - [`ZSet::Small`] (reported as `listpack`) is a sorted vector; lookups by member are linear,
//!   which is what Redis does too and is cheap below the listpack limits.
//! - [`ZSet::Large`] (reported as `skiplist`) is a skiplist with per-level span counts (so rank
//!   queries are O(log n)) plus a member→score hash map.
//!
//! Every ordered query is expressed through two primitives that both encodings provide: "how
//! many leading elements satisfy a monotone predicate" and "iterate ascending positions
//! `[a, b)`". Ranks, score ranges and lex ranges are then all position spans.
//!
//! Conversion follows Valkey 8.1 (verified against the server): a new key is created
//! `skiplist` when the ZADD's pair count exceeds `zset-max-listpack-entries` or its longest
//! member exceeds `zset-max-listpack-value`; an existing `listpack` converts when a ZADD brings
//! more pairs than the entry limit or a member longer than the value limit (even with XX and
//! nothing added; [`ZSet::convert_for_add`]), or when an insert would
//! make it longer than the entry limit or adds a member longer than the value limit. Removal
//! never converts back; only ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE shrink their result with
//! [`ZSet::shrink_encoding_if_fits`] (ZRANGESTORE sizes its result up front with
//! [`ZSet::with_hint`] instead, as Valkey does).
//!
//! Scores are never NaN: callers reject NaN before calling (a NaN would break the ordering).

use std::collections::HashMap;
use std::ops::Range;

/// The conversion thresholds (`zset-max-listpack-entries`, `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZSetLimits {
    pub max_listpack_entries: usize,
    pub max_listpack_value: usize,
}

impl Default for ZSetLimits {
    fn default() -> Self {
        ZSetLimits {
            max_listpack_entries: 128,
            max_listpack_value: 64,
        }
    }
}

/// `(score, member) < (other_score, other_member)` in sorted-set order.
fn entry_less(score: f64, member: &[u8], other_score: f64, other_member: &[u8]) -> bool {
    score < other_score || (score == other_score && member < other_member)
}

// ---------------------------------------------------------------------------------------------
// Range arguments
// ---------------------------------------------------------------------------------------------

pub use crate::zset_range::*;

/// Index of "no node" in the arena.
const NIL: usize = usize::MAX;
/// Index of the header node, which holds no element.
const HEADER: usize = 0;
/// Redis's `ZSKIPLIST_MAXLEVEL`.
const MAX_LEVEL: usize = 32;

#[derive(Clone, Copy, Debug)]
struct Level {
    next: usize,
    /// Positions advanced by following `next` (Redis's span); for `next == NIL`, unused.
    span: usize,
}

#[derive(Clone, Debug)]
struct Node {
    score: f64,
    member: Box<[u8]>,
    prev: usize,
    levels: Vec<Level>,
}

/// A skiplist over (score, member) with span counts, nodes held in an arena indexed by `usize`.
#[derive(Clone, Debug)]
struct SkipList {
    nodes: Vec<Node>,
    free_slots: Vec<usize>,
    level: usize,
    len: usize,
    tail: usize,
    rng_state: u64,
}

impl SkipList {
    fn new() -> Self {
        let header = Node {
            score: 0.0,
            member: Box::default(),
            prev: NIL,
            levels: vec![Level { next: NIL, span: 0 }; MAX_LEVEL],
        };
        SkipList {
            nodes: vec![header],
            free_slots: Vec::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng_state: 0x9e37_79b9_7f4a_7c15,
        }
    }

    fn node(&self, index: usize) -> Option<&Node> {
        self.nodes.get(index)
    }

    fn next_at(&self, index: usize, level: usize) -> Level {
        self.node(index)
            .and_then(|node| node.levels.get(level).copied())
            .unwrap_or(Level { next: NIL, span: 0 })
    }

    fn set_level(&mut self, index: usize, level: usize, value: Level) {
        if let Some(slot) = self
            .nodes
            .get_mut(index)
            .and_then(|node| node.levels.get_mut(level))
        {
            *slot = value;
        }
    }

    /// Level for a new node: 1, then each further level with probability 1/4 (as Redis).
    fn random_level(&mut self) -> usize {
        // xorshift64*: a fast deterministic source; levels only affect speed, not results.
        let mut x = self.rng_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng_state = x;
        let bits = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let level = 1 + (bits.trailing_zeros() / 2) as usize;
        level.min(MAX_LEVEL)
    }

    /// Number of leading elements for which `before` holds; `before` must be monotone
    /// (true for a prefix of the order, false afterwards).
    fn count_prefix(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let (mut at, mut rank) = (HEADER, 0);
        for level in (0..self.level).rev() {
            loop {
                let step = self.next_at(at, level);
                match self.node(step.next) {
                    Some(next) if before(next.score, &next.member) => {
                        rank += step.span;
                        at = step.next;
                    }
                    _ => break,
                }
            }
        }
        rank
    }

    /// Arena index of the element at 0-based ascending `position`, or NIL.
    fn node_at(&self, position: usize) -> usize {
        if position >= self.len {
            return NIL;
        }
        let target = position + 1;
        let (mut at, mut traversed) = (HEADER, 0);
        for level in (0..self.level).rev() {
            loop {
                let step = self.next_at(at, level);
                if step.next == NIL || traversed + step.span > target {
                    break;
                }
                traversed += step.span;
                at = step.next;
            }
            if traversed == target {
                return at;
            }
        }
        NIL
    }

    /// For each level, the last node strictly before (score, member), and its rank.
    fn predecessors(&self, score: f64, member: &[u8]) -> ([usize; MAX_LEVEL], [usize; MAX_LEVEL]) {
        let mut update = [HEADER; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        let mut at = HEADER;
        let mut traversed = 0;
        for level in (0..self.level).rev() {
            loop {
                let step = self.next_at(at, level);
                match self.node(step.next) {
                    Some(next) if entry_less(next.score, &next.member, score, member) => {
                        traversed += step.span;
                        at = step.next;
                    }
                    _ => break,
                }
            }
            update[level] = at;
            rank[level] = traversed;
        }
        (update, rank)
    }

    /// Inserts an element that is not present.
    fn insert(&mut self, score: f64, member: Box<[u8]>) {
        let (mut update, mut rank) = self.predecessors(score, &member);
        let new_level = self.random_level();
        for level in self.level..new_level {
            update[level] = HEADER;
            rank[level] = 0;
            self.set_level(
                HEADER,
                level,
                Level {
                    next: NIL,
                    span: self.len,
                },
            );
        }
        self.level = self.level.max(new_level);
        let node = Node {
            score,
            member,
            prev: if update[0] == HEADER { NIL } else { update[0] },
            levels: vec![Level { next: NIL, span: 0 }; new_level],
        };
        let index = match self.free_slots.pop() {
            Some(slot) => {
                if let Some(old) = self.nodes.get_mut(slot) {
                    *old = node;
                }
                slot
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        let own_rank = rank[0];
        let touched = update.iter().zip(rank.iter()).enumerate();
        for (level, (&before_index, &before_rank)) in touched.take(self.level) {
            let before = self.next_at(before_index, level);
            if level < new_level {
                let distance = own_rank - before_rank;
                let own = Level {
                    next: before.next,
                    span: before.span - distance,
                };
                self.set_level(index, level, own);
                let link = Level {
                    next: index,
                    span: distance + 1,
                };
                self.set_level(before_index, level, link);
            } else {
                let longer = Level {
                    span: before.span + 1,
                    ..before
                };
                self.set_level(before_index, level, longer);
            }
        }
        let next = self.next_at(index, 0).next;
        match self.nodes.get_mut(next) {
            Some(next_node) => next_node.prev = index,
            None => self.tail = index,
        }
        self.len += 1;
    }

    /// Rebuilds the arena once free slots outnumber live nodes two to one (and are more than a
    /// few), so a set that shrank gives its memory back. Amortised O(log n) per removal.
    fn compact_if_sparse(&mut self) {
        if self.free_slots.len() <= 64 || self.free_slots.len() <= 2 * self.len {
            return;
        }
        let mut rebuilt = SkipList::new();
        rebuilt.rng_state = self.rng_state;
        let mut at = self.next_at(HEADER, 0).next;
        while let Some(node) = self.nodes.get_mut(at) {
            let next = node.levels.first().map_or(NIL, |level| level.next);
            rebuilt.insert(node.score, std::mem::take(&mut node.member));
            at = next;
        }
        *self = rebuilt;
    }

    /// Removes (score, member) if present; returns whether it was.
    fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, _) = self.predecessors(score, member);
        let target = self.next_at(update[0], 0).next;
        match self.node(target) {
            Some(node) if node.score == score && *node.member == *member => {}
            _ => return false,
        }
        for (level, &before_index) in update.iter().enumerate().take(self.level) {
            let before = self.next_at(before_index, level);
            if before.next == target {
                let removed = self.next_at(target, level);
                let span = (before.span + removed.span).saturating_sub(1);
                self.set_level(
                    before_index,
                    level,
                    Level {
                        next: removed.next,
                        span,
                    },
                );
            } else {
                let span = before.span.saturating_sub(1);
                self.set_level(before_index, level, Level { span, ..before });
            }
        }
        let (prev, next) = match self.node(target) {
            Some(node) => (node.prev, self.next_at(target, 0).next),
            None => (NIL, NIL),
        };
        match self.nodes.get_mut(next) {
            Some(next_node) => next_node.prev = prev,
            None => self.tail = prev,
        }
        while self.level > 1 && self.next_at(HEADER, self.level - 1).next == NIL {
            self.level -= 1;
        }
        if let Some(node) = self.nodes.get_mut(target) {
            node.member = Box::default();
            node.levels = Vec::new();
        }
        self.free_slots.push(target);
        self.len -= 1;
        true
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

/// The `listpack` form: entries sorted by (score, member).
#[derive(Clone, Debug, Default)]
pub struct SmallZSet {
    entries: Vec<(f64, Box<[u8]>)>,
}

/// The `skiplist` form: ordered skiplist plus member→score map.
#[derive(Clone, Debug)]
pub struct LargeZSet {
    list: SkipList,
    scores: HashMap<Box<[u8]>, f64>,
}

/// A sorted-set value in either encoding.
#[derive(Clone, Debug)]
pub enum ZSet {
    Small(SmallZSet),
    Large(LargeZSet),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl SmallZSet {
    fn position_of(&self, member: &[u8]) -> Option<usize> {
        self.entries.iter().position(|(_, m)| **m == *member)
    }

    fn insert_sorted(&mut self, score: f64, member: Box<[u8]>) {
        // A listpack stores an integral score as an integer, which loses the sign of -0
        // (verified on Valkey 8.1: `ZADD k -0 m` then `ZSCORE k m` is `0` in a listpack, `-0`
        // in a skiplist).
        let score = if score == 0.0 { 0.0 } else { score };
        let at = self
            .entries
            .partition_point(|(s, m)| entry_less(*s, m, score, &member));
        self.entries.insert(at, (score, member));
    }
}

impl LargeZSet {
    fn new() -> Self {
        LargeZSet {
            list: SkipList::new(),
            scores: HashMap::new(),
        }
    }

    fn insert_new(&mut self, score: f64, member: &[u8]) {
        self.list.insert(score, member.into());
        self.scores.insert(member.into(), score);
    }
}

/// Iterator over `(member, score)` at consecutive positions, ascending or descending.
pub struct ZRangeIter<'a> {
    inner: RangeInner<'a>,
}

enum RangeInner<'a> {
    Small {
        entries: std::slice::Iter<'a, (f64, Box<[u8]>)>,
        reverse: bool,
    },
    Large {
        list: &'a SkipList,
        at: usize,
        remaining: usize,
        reverse: bool,
    },
}

impl<'a> Iterator for ZRangeIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RangeInner::Small { entries, reverse } => {
                let entry = if *reverse {
                    entries.next_back()
                } else {
                    entries.next()
                };
                entry.map(|(score, member)| (&**member, *score))
            }
            RangeInner::Large {
                list,
                at,
                remaining,
                reverse,
            } => {
                if *remaining == 0 {
                    return None;
                }
                let node = list.node(*at)?;
                *remaining -= 1;
                *at = if *reverse {
                    node.prev
                } else {
                    list.next_at(*at, 0).next
                };
                Some((&*node.member, node.score))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = match &self.inner {
            RangeInner::Small { entries, .. } => entries.len(),
            RangeInner::Large { remaining, .. } => *remaining,
        };
        (remaining, Some(remaining))
    }
}

impl ExactSizeIterator for ZRangeIter<'_> {}

impl ZSet {
    /// An empty set in the small encoding.
    pub fn new() -> Self {
        ZSet::Small(SmallZSet::default())
    }

    /// A new key's value for a ZADD of `pair_count` pairs whose longest member is
    /// `max_member_len` bytes (the server's `zsetTypeCreate`).
    pub fn with_hint(pair_count: usize, max_member_len: usize, limits: &ZSetLimits) -> Self {
        if pair_count <= limits.max_listpack_entries && max_member_len <= limits.max_listpack_value
        {
            ZSet::new()
        } else {
            ZSet::Large(LargeZSet::new())
        }
    }

    /// Before a ZADD of `pair_count` pairs to an existing key: converts to `skiplist` when the
    /// pair count alone exceeds the entry limit (`zsetTypeMaybeConvert`).
    pub fn convert_for_hint(&mut self, pair_count: usize, limits: &ZSetLimits) {
        if pair_count > limits.max_listpack_entries {
            self.convert_to_large();
        }
    }

    /// Before a ZADD of `pair_count` pairs whose longest member is `max_member_len` bytes to an
    /// existing key: converts to `skiplist` when either exceeds its limit, even if the ZADD
    /// then adds nothing (Valkey 8.1's `zsetTypeMaybeConvert` with its value-length hint).
    pub fn convert_for_add(
        &mut self,
        pair_count: usize,
        max_member_len: usize,
        limits: &ZSetLimits,
    ) {
        if pair_count > limits.max_listpack_entries || max_member_len > limits.max_listpack_value {
            self.convert_to_large();
        }
    }

    /// Converts a `skiplist` result of a *STORE command back to `listpack` when it fits.
    pub fn shrink_encoding_if_fits(&mut self, limits: &ZSetLimits) {
        if let ZSet::Large(large) = self {
            let fits = large.list.len <= limits.max_listpack_entries
                && large
                    .scores
                    .keys()
                    .all(|member| member.len() <= limits.max_listpack_value);
            if fits {
                let entries = self
                    .iter()
                    .map(|(member, score)| (if score == 0.0 { 0.0 } else { score }, member.into()))
                    .collect();
                *self = ZSet::Small(SmallZSet { entries });
            }
        }
    }

    fn convert_to_large(&mut self) {
        if let ZSet::Small(small) = self {
            let mut large = LargeZSet::new();
            for (score, member) in std::mem::take(&mut small.entries) {
                large.insert_new(score, &member);
            }
            *self = ZSet::Large(large);
        }
    }

    /// `OBJECT ENCODING` name: `listpack` or `skiplist`.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSet::Small(_) => "listpack",
            ZSet::Large(_) => "skiplist",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ZSet::Small(small) => small.entries.len(),
            ZSet::Large(large) => large.list.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member's score.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Small(small) => small
                .position_of(member)
                .and_then(|at| small.entries.get(at))
                .map(|(score, _)| *score),
            ZSet::Large(large) => large.scores.get(member).copied(),
        }
    }

    /// Sets `member`'s score, adding it if absent; returns the previous score. Converts to
    /// `skiplist` first when adding would pass the limits. `score` must not be NaN.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &ZSetLimits) -> Option<f64> {
        debug_assert!(!score.is_nan(), "callers reject NaN scores");
        if let ZSet::Small(small) = self {
            if let Some(at) = small.position_of(member) {
                let (old_score, owned) = small.entries.remove(at);
                small.insert_sorted(score, owned);
                return Some(old_score);
            }
            if small.entries.len() + 1 > limits.max_listpack_entries
                || member.len() > limits.max_listpack_value
            {
                self.convert_to_large();
            } else {
                small.insert_sorted(score, member.into());
                return None;
            }
        }
        let ZSet::Large(large) = self else {
            return None;
        };
        match large.scores.get_mut(member) {
            Some(stored) => {
                let old_score = *stored;
                *stored = score;
                if old_score.to_bits() != score.to_bits() {
                    large.list.remove(old_score, member);
                    large.list.insert(score, member.into());
                }
                Some(old_score)
            }
            None => {
                large.insert_new(score, member);
                None
            }
        }
    }

    /// Removes `member`; returns its score if it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Small(small) => {
                let at = small.position_of(member)?;
                Some(small.entries.remove(at).0)
            }
            ZSet::Large(large) => {
                let score = large.scores.remove(member)?;
                large.list.remove(score, member);
                large.list.compact_if_sparse();
                Some(score)
            }
        }
    }

    /// Number of leading (ascending) elements satisfying a monotone predicate.
    fn count_prefix(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self {
            ZSet::Small(small) => small.entries.partition_point(|(s, m)| before(*s, m)),
            ZSet::Large(large) => large.list.count_prefix(before),
        }
    }

    /// Iterates ascending positions `span` (clamped to the set), forwards or backwards.
    fn iter_span(&self, span: Range<usize>, reverse: bool) -> ZRangeIter<'_> {
        let end = span.end.min(self.len());
        let start = span.start.min(end);
        let inner = match self {
            ZSet::Small(small) => RangeInner::Small {
                entries: small.entries.get(start..end).unwrap_or_default().iter(),
                reverse,
            },
            ZSet::Large(large) => {
                let first = if reverse { end.wrapping_sub(1) } else { start };
                RangeInner::Large {
                    list: &large.list,
                    at: if start < end {
                        large.list.node_at(first)
                    } else {
                        NIL
                    },
                    remaining: end - start,
                    reverse,
                }
            }
        };
        ZRangeIter { inner }
    }

    /// Converts a span of ranks counted in iteration order to ascending positions.
    fn ascending_span(&self, span: Range<usize>, reverse: bool) -> Range<usize> {
        let len = self.len();
        let end = span.end.min(len);
        let start = span.start.min(end);
        if reverse {
            len - end..len - start
        } else {
            start..end
        }
    }

    /// All elements in ascending order.
    pub fn iter(&self) -> ZRangeIter<'_> {
        self.iter_span(0..self.len(), false)
    }

    /// 0-based rank of `member`, ascending (ZRANK) or descending (ZREVRANK).
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<usize> {
        let score = self.score(member)?;
        let ascending = self.count_prefix(|s, m| entry_less(s, m, score, member));
        Some(if reverse {
            self.len() - 1 - ascending
        } else {
            ascending
        })
    }

    /// The element at 0-based `rank`, ascending or descending.
    pub fn get_by_rank(&self, rank: usize, reverse: bool) -> Option<(&[u8], f64)> {
        let span = self.ascending_span(rank..rank.saturating_add(1), reverse);
        self.iter_span(span, false).next()
    }

    /// Elements at ranks `ranks` (0-based, end exclusive, clamped) counted in iteration order:
    /// ZRANGE is `reverse == false`, ZREVRANGE `reverse == true`. See [`normalize_rank_range`].
    pub fn range_by_rank(&self, ranks: Range<usize>, reverse: bool) -> ZRangeIter<'_> {
        self.iter_span(self.ascending_span(ranks, reverse), reverse)
    }

    /// Ascending positions of the elements whose scores lie in `range`.
    pub fn score_span(&self, range: &ScoreRange) -> Range<usize> {
        let start = self.count_prefix(|s, _| range.is_below_min(s));
        let end = self.count_prefix(|s, _| range.is_at_most_max(s));
        start..end.max(start)
    }

    /// Ascending positions of the elements whose members lie in `range`, found as Valkey's
    /// ZLEXCOUNT and ZREMRANGEBYLEX find them. Meaningful when all scores are equal, as the
    /// commands document; see [`ZSet::lex_selection`] for the other case.
    pub fn lex_span(&self, range: &LexRange) -> Range<usize> {
        self.lex_selection(range, false, 0, None)
    }

    /// Valkey's `zslIsInLexRange`: false when no element can match, because the bounds are
    /// crossed (or equal with an exclusive end), the last member is below the minimum or the
    /// first above the maximum.
    fn lex_range_may_match(&self, range: &LexRange) -> bool {
        fn rank(bound: &LexBound) -> (u8, &[u8]) {
            match bound {
                LexBound::NegInfinity => (0, &[]),
                LexBound::Inclusive(m) | LexBound::Exclusive(m) => (1, m),
                LexBound::PosInfinity => (2, &[]),
            }
        }
        let exclusive = |bound: &LexBound| matches!(bound, LexBound::Exclusive(_));
        match rank(&range.min).cmp(&rank(&range.max)) {
            std::cmp::Ordering::Greater => return false,
            std::cmp::Ordering::Equal if exclusive(&range.min) || exclusive(&range.max) => {
                return false
            }
            _ => {}
        }
        let (Some((first, _)), Some((last, _))) =
            (self.get_by_rank(0, false), self.get_by_rank(0, true))
        else {
            return false;
        };
        !range.is_below_min(last) && range.is_at_most_max(first)
    }

    /// The ascending positions a lex query selects, LIMIT `offset count` applied in iteration
    /// order. When scores differ, members are not in lex order and the answer depends on how it
    /// is searched; the `listpack` form reproduces Valkey's linear search (the first member at
    /// or above the minimum, or from the tail the first at or below the maximum, must itself be
    /// in range; then `offset` elements are skipped unchecked and the run continues while the
    /// far bound holds). The `skiplist` form assumes lex order, as Valkey's own skiplist search
    /// (which depends on random node levels there) does.
    fn lex_selection(
        &self,
        range: &LexRange,
        reverse: bool,
        offset: usize,
        count: Option<usize>,
    ) -> Range<usize> {
        if !self.lex_range_may_match(range) {
            return 0..0;
        }
        let ZSet::Small(small) = self else {
            let start = self.count_prefix(|_, m| range.is_below_min(m));
            let end = self.count_prefix(|_, m| range.is_at_most_max(m));
            let span = start..end.max(start);
            let available = span.len().saturating_sub(offset);
            let taken = count.map_or(available, |count| count.min(available));
            return if reverse {
                let hi = span.end - offset.min(span.len());
                hi - taken..hi
            } else {
                let lo = span.start + offset.min(span.len());
                lo..lo + taken
            };
        };
        let members: Vec<&[u8]> = small.entries.iter().map(|(_, m)| &m[..]).collect();
        let wanted = count.unwrap_or(usize::MAX);
        if reverse {
            let Some(last) = members.iter().rposition(|m| range.is_at_most_max(m)) else {
                return 0..0;
            };
            if members.get(last).is_none_or(|m| range.is_below_min(m)) || offset > last {
                return 0..0;
            }
            let top = last - offset;
            let run = members
                .get(..=top)
                .unwrap_or_default()
                .iter()
                .rev()
                .take(wanted)
                .take_while(|m| !range.is_below_min(m))
                .count();
            top + 1 - run..top + 1
        } else {
            let Some(first) = members.iter().position(|m| !range.is_below_min(m)) else {
                return 0..0;
            };
            if members.get(first).is_none_or(|m| !range.is_at_most_max(m)) {
                return 0..0;
            }
            let start = first.saturating_add(offset).min(members.len());
            let run = members
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take(wanted)
                .take_while(|m| range.is_at_most_max(m))
                .count();
            start..start + run
        }
    }

    /// ZCOUNT.
    pub fn count_in_score_range(&self, range: &ScoreRange) -> usize {
        self.score_span(range).len()
    }

    /// ZLEXCOUNT.
    pub fn count_in_lex_range(&self, range: &LexRange) -> usize {
        self.lex_span(range).len()
    }

    /// Elements of an ascending-position span with a LIMIT `offset` and optional `count`
    /// applied in iteration order (descending for the REV forms).
    fn limited(
        &self,
        span: Range<usize>,
        reverse: bool,
        offset: usize,
        count: Option<usize>,
    ) -> ZRangeIter<'_> {
        let available = span.len().saturating_sub(offset);
        let taken = count.map_or(available, |count| count.min(available));
        let sub = if reverse {
            let hi = span.end - offset.min(span.len());
            hi - taken..hi
        } else {
            let lo = span.start + offset.min(span.len());
            lo..lo + taken
        };
        self.iter_span(sub, reverse)
    }

    /// ZRANGEBYSCORE / ZREVRANGEBYSCORE with LIMIT `offset count` (`count: None` is no limit).
    pub fn range_by_score(
        &self,
        range: &ScoreRange,
        reverse: bool,
        offset: usize,
        count: Option<usize>,
    ) -> ZRangeIter<'_> {
        self.limited(self.score_span(range), reverse, offset, count)
    }

    /// ZRANGEBYLEX / ZREVRANGEBYLEX with LIMIT `offset count`.
    pub fn range_by_lex(
        &self,
        range: &LexRange,
        reverse: bool,
        offset: usize,
        count: Option<usize>,
    ) -> ZRangeIter<'_> {
        self.iter_span(self.lex_selection(range, reverse, offset, count), reverse)
    }

    /// Removes and returns the lowest element (ZPOPMIN).
    pub fn pop_min(&mut self) -> Option<(Box<[u8]>, f64)> {
        let member: Box<[u8]> = self.get_by_rank(0, false)?.0.into();
        let score = self.remove(&member)?;
        Some((member, score))
    }

    /// Removes and returns the highest element (ZPOPMAX).
    pub fn pop_max(&mut self) -> Option<(Box<[u8]>, f64)> {
        let member: Box<[u8]> = self.get_by_rank(0, true)?.0.into();
        let score = self.remove(&member)?;
        Some((member, score))
    }

    /// Removes the elements at ascending positions `span` (clamped); returns how many.
    pub fn remove_span(&mut self, span: Range<usize>) -> usize {
        let end = span.end.min(self.len());
        let start = span.start.min(end);
        match self {
            ZSet::Small(small) => small.entries.drain(start..end).count(),
            ZSet::Large(_) => {
                let doomed: Vec<Box<[u8]>> = self
                    .iter_span(start..end, false)
                    .map(|(member, _)| member.into())
                    .collect();
                doomed
                    .iter()
                    .filter(|member| self.remove(member).is_some())
                    .count()
            }
        }
    }

    /// ZREMRANGEBYRANK over ascending ranks `ranks` (see [`normalize_rank_range`]).
    pub fn remove_range_by_rank(&mut self, ranks: Range<usize>) -> usize {
        self.remove_span(ranks)
    }

    /// ZREMRANGEBYSCORE.
    pub fn remove_range_by_score(&mut self, range: &ScoreRange) -> usize {
        let span = self.score_span(range);
        self.remove_span(span)
    }

    /// ZREMRANGEBYLEX.
    pub fn remove_range_by_lex(&mut self, range: &LexRange) -> usize {
        let span = self.lex_span(range);
        self.remove_span(span)
    }
}
