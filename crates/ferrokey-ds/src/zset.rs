//! Sorted sets: members with f64 scores, ordered by (score, member bytes), in Redis's two
//! encodings.
//!
//! - [`ZSet::Small`] (reported as `listpack`) is a sorted vector; lookups by member are linear,
//!   which is what Redis does too and is cheap below the listpack limits.
//! - [`ZSet::Large`] (reported as `skiplist`) stores each member once, in an arena shared by a
//!   member → slot hash index and an order-statistics B+tree over (score, slot) that stands in
//!   for Redis's skiplist: the same O(log n) search, rank and rank lookup, in fewer bytes and
//!   cache misses (modules `large` and `tree`).
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

mod arena;
mod large;
mod tree;

pub use large::LargeZSet;
use large::LazyMember;
use tree::Cursor;

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

/// The `listpack` form: entries sorted by (score, member).
#[derive(Clone, Debug, Default)]
pub struct SmallZSet {
    entries: Vec<(f64, Box<[u8]>)>,
}

/// A sorted-set value in either encoding.
#[derive(Clone, Debug)]
pub enum ZSet {
    Small(SmallZSet),
    /// Boxed: it is several times the size of the small form, which most sets stay in.
    Large(Box<LargeZSet>),
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
        set: &'a LargeZSet,
        at: Option<Cursor>,
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
                set,
                at,
                remaining,
                reverse,
            } => {
                if *remaining == 0 {
                    return None;
                }
                let cursor = (*at)?;
                let entry = set.entry(cursor)?;
                *remaining -= 1;
                *at = set.advance(cursor, *reverse);
                Some(entry)
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
            ZSet::Large(Box::new(LargeZSet::new()))
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
            let fits = large.len() <= limits.max_listpack_entries
                && large.members_fit(limits.max_listpack_value);
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
                large.insert_new(&member, score);
            }
            *self = ZSet::Large(Box::new(large));
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
            ZSet::Large(large) => large.len(),
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
            ZSet::Large(large) => large.score(member),
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
        large.set(member, score)
    }

    /// Removes `member`; returns its score if it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Small(small) => {
                let at = small.position_of(member)?;
                Some(small.entries.remove(at).0)
            }
            ZSet::Large(large) => large.remove(member),
        }
    }

    /// Number of leading (ascending) elements satisfying a monotone predicate.
    fn count_prefix(&self, before: impl Fn(f64, LazyMember<'_>) -> bool) -> usize {
        match self {
            ZSet::Small(small) => small
                .entries
                .partition_point(|(s, m)| before(*s, LazyMember::Ready(m))),
            ZSet::Large(large) => large.count_prefix(before),
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
                    set: large,
                    at: if start < end {
                        large.cursor_at(first)
                    } else {
                        None
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

    /// One ZSCAN step: a `skiplist` passes `visit` about `count` members with their scores and
    /// returns the next cursor (see `LargeZSet::scan`); a `listpack` passes every element in
    /// order and returns 0, whatever the cursor, as Valkey does.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(&'a [u8], f64),
    ) -> u64 {
        match self {
            ZSet::Small(_) => {
                self.iter().for_each(|(member, score)| visit(member, score));
                0
            }
            ZSet::Large(large) => large.scan(cursor, count, visit),
        }
    }

    /// 0-based rank of `member`, ascending (ZRANK) or descending (ZREVRANK).
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<usize> {
        let score = self.score(member)?;
        let ascending = self.count_prefix(|s, m| s < score || (s == score && m.get() < member));
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
    /// commands document; see `ZSet::lex_selection` for the other case.
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
            let start = self.count_prefix(|_, m| range.is_below_min(m.get()));
            let end = self.count_prefix(|_, m| range.is_at_most_max(m.get()));
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
