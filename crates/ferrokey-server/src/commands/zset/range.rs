//! The ZRANGE family: ZRANGE with BYSCORE/BYLEX, REV, LIMIT and WITHSCORES, ZRANGESTORE, and the
//! legacy forms (ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX), all one parser as in Valkey's
//! `zrangeGenericCommand`: the legacy forms fix the range type and direction up front, so the
//! options that would set them again are syntax errors there. ZRANGESTORE sizes its result's
//! encoding by the range length when a rank range knows it (Valkey's `zsetTypeCreate` hint) and
//! otherwise lets inserts convert it.

use ferrokey_ds::zset::{normalize_rank_range, LexRange, ScoreRange, ZRangeIter, ZSet};

use super::{find, limits, reply_elements, store_result, Found};
use crate::commands::{err, parse_i64, Ctx};
use crate::util::eq_ic;

// --- the ZRANGE family -------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

pub(super) enum RangeSpec {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// A parsed range query: which elements, in which direction, after LIMIT.
struct RangeQuery {
    spec: RangeSpec,
    reverse: bool,
    offset: i64,
    /// Negative: no limit.
    limit: i64,
}

impl RangeQuery {
    /// The selected elements (Valkey's `genericZrangeby*Command`), empty when the offset is
    /// negative or past the set.
    fn select<'z>(&self, zset: &'z ZSet) -> ZRangeIter<'z> {
        let empty = || zset.range_by_rank(0..0, false);
        let len = zset.len();
        let offset = usize::try_from(self.offset).ok();
        let limit = usize::try_from(self.limit).ok();
        match &self.spec {
            RangeSpec::Rank(start, stop) => match normalize_rank_range(*start, *stop, len) {
                Some(ranks) => zset.range_by_rank(ranks, self.reverse),
                None => empty(),
            },
            RangeSpec::Score(range) => match offset.filter(|&o| o == 0 || o < len) {
                Some(offset) => zset.range_by_score(range, self.reverse, offset, limit),
                None => empty(),
            },
            RangeSpec::Lex(range) => match offset.filter(|&o| o == 0 || o < len) {
                Some(offset) => zset.range_by_lex(range, self.reverse, offset, limit),
                None => empty(),
            },
        }
    }
}

/// Valkey's `zrangeGenericCommand`. `first` is the index of the source key; `store` is the
/// destination of ZRANGESTORE.
fn zrange_generic(
    ctx: &mut Ctx,
    first: usize,
    store: Option<&[u8]>,
    mut rangetype: RangeType,
    mut reverse: Option<bool>,
) {
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = first + 3;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        let left = ctx.argc() - j - 1;
        if store.is_none() && eq_ic(opt, "withscores") {
            withscores = true;
        } else if eq_ic(opt, "limit") && left >= 2 {
            let (Some(o), Some(l)) = (parse_i64(ctx.arg(j + 1)), parse_i64(ctx.arg(j + 2))) else {
                return ctx.out.error(err::NOT_INTEGER);
            };
            (offset, limit) = (o, l);
            j += 2;
        } else if reverse.is_none() && eq_ic(opt, "rev") {
            reverse = Some(true);
        } else if rangetype == RangeType::Auto && eq_ic(opt, "bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && eq_ic(opt, "byscore") {
            rangetype = RangeType::Score;
        } else {
            return ctx.out.error(err::SYNTAX);
        }
        j += 1;
    }
    let reverse = reverse.unwrap_or(false);
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return ctx.out.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && rangetype == RangeType::Lex {
        return ctx
            .out
            .error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let (mut min, mut max) = (ctx.arg(first + 1), ctx.arg(first + 2));
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let spec = match rangetype {
        RangeType::Auto | RangeType::Rank => {
            let (Some(start), Some(stop)) = (parse_i64(min), parse_i64(max)) else {
                return ctx.out.error(err::NOT_INTEGER);
            };
            RangeSpec::Rank(start, stop)
        }
        RangeType::Score => match ScoreRange::parse(min, max) {
            Ok(range) => RangeSpec::Score(range),
            Err(error) => return ctx.out.error(error.message()),
        },
        RangeType::Lex => match LexRange::parse(min, max) {
            Ok(range) => RangeSpec::Lex(range),
            Err(error) => return ctx.out.error(error.message()),
        },
    };
    let query = RangeQuery {
        spec,
        reverse,
        offset,
        limit,
    };
    let key = ctx.arg(first);
    let limits = limits(ctx);
    let (out, found) = find(ctx, key, true);
    let zset = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(zset) => Some(zset),
    };
    let Some(destination) = store else {
        return match zset {
            Some(zset) => reply_elements(out, query.select(zset), withscores),
            None => out.array(0),
        };
    };
    let mut result = None;
    if let Some(zset) = zset {
        let selected = query.select(zset);
        // A rank range knows its length up front and sizes the result's encoding by it.
        let hint = match query.spec {
            RangeSpec::Rank(..) => selected.len(),
            _ => 0,
        };
        let mut stored = ZSet::with_hint(hint, 0, &limits);
        for (member, score) in selected {
            stored.insert(member, score, &limits);
        }
        result = Some(stored).filter(|stored| !stored.is_empty());
    }
    store_result(ctx, destination, result, "zrangestore");
}

pub(super) fn zrange(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Auto, None);
}

pub(super) fn zrangestore(ctx: &mut Ctx) {
    let destination = ctx.arg(1);
    zrange_generic(ctx, 2, Some(destination), RangeType::Auto, None);
}

pub(super) fn zrevrange(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Rank, Some(true));
}

pub(super) fn zrangebyscore(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Score, Some(false));
}

pub(super) fn zrevrangebyscore(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Score, Some(true));
}

pub(super) fn zrangebylex(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Lex, Some(false));
}

pub(super) fn zrevrangebylex(ctx: &mut Ctx) {
    zrange_generic(ctx, 1, None, RangeType::Lex, Some(true));
}
