//! The sorted-set family. Here: ZADD/ZINCRBY, ZREM, ZCARD, ZSCORE/ZMSCORE, ZRANK/ZREVRANK,
//! ZCOUNT/ZLEXCOUNT, pops (ZPOPMIN/ZPOPMAX/ZMPOP) and ZREMRANGEBY*, plus the helpers the
//! submodules share. `range`: the ZRANGE family and ZRANGESTORE. `algebra`: ZUNION/ZINTER/ZDIFF,
//! their *STORE forms and ZINTERCARD. `whole`: ZRANDMEMBER and ZSCAN.
//!
//! Behaviour follows Valkey 8.1's `t_zset.c`: arguments are parsed and checked in its order (so
//! the same error wins when several apply), a missing key is looked up only after the arguments
//! parsed, and encodings convert at the same points (`ferrokey_ds::zset` holds the rules).
//! Invariants kept here: a sorted set never stays in the keyspace empty (the command that empties
//! it deletes the key), no score is ever NaN, and `dirty` counts what Valkey counts, so a command
//! that changes nothing is not replicated. WITHSCORES replies are flat in RESP2 and
//! `[member, score]` pairs in RESP3.
//!
//! Keyspace events follow `t_zset.c`: the command's event (`zadd`, `zincr` for INCR and ZINCRBY,
//! `zrem`, `zpopmin`, ...) only when it changed something, then `del` when it emptied the key;
//! the STORE forms raise their event on a non-empty result and `del` when an empty result
//! removed an existing destination.

use ferrokey_ds::zset::{normalize_rank_range, LexRange, ScoreRange, ZSet, ZSetLimits};
use ferrokey_resp::ReplyBuf;
use ferrokey_util::number::parse_f64_strict;

mod algebra;
mod range;
mod whole;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;
use range::{RangeSpec, RangeType};

pub const COMMANDS: &[Binding] = &[
    ("zadd", zadd, Scope::Keys),
    ("zincrby", zincrby, Scope::Keys),
    ("zrem", zrem, Scope::Keys),
    ("zcard", zcard, Scope::Keys),
    ("zscore", zscore, Scope::Keys),
    ("zmscore", zmscore, Scope::Keys),
    ("zrank", zrank, Scope::Keys),
    ("zrevrank", zrevrank, Scope::Keys),
    ("zcount", zcount, Scope::Keys),
    ("zlexcount", zlexcount, Scope::Keys),
    ("zrange", range::zrange, Scope::Keys),
    ("zrangestore", range::zrangestore, Scope::Keys),
    ("zrevrange", range::zrevrange, Scope::Keys),
    ("zrangebyscore", range::zrangebyscore, Scope::Keys),
    ("zrevrangebyscore", range::zrevrangebyscore, Scope::Keys),
    ("zrangebylex", range::zrangebylex, Scope::Keys),
    ("zrevrangebylex", range::zrevrangebylex, Scope::Keys),
    ("zpopmin", zpopmin, Scope::Keys),
    ("zpopmax", zpopmax, Scope::Keys),
    ("zmpop", zmpop, Scope::Keys),
    ("zremrangebyrank", zremrangebyrank, Scope::Keys),
    ("zremrangebyscore", zremrangebyscore, Scope::Keys),
    ("zremrangebylex", zremrangebylex, Scope::Keys),
    ("zrandmember", whole::zrandmember, Scope::Keys),
    ("zscan", whole::zscan, Scope::Keys),
    ("zunion", algebra::zunion, Scope::Keys),
    ("zinter", algebra::zinter, Scope::Keys),
    ("zdiff", algebra::zdiff, Scope::Keys),
    ("zunionstore", algebra::zunionstore, Scope::Keys),
    ("zinterstore", algebra::zinterstore, Scope::Keys),
    ("zdiffstore", algebra::zdiffstore, Scope::Keys),
    ("zintercard", algebra::zintercard, Scope::Keys),
];

type Found<'a> = super::Found<'a, ZSet>;

/// Looks `key` up as a zset value (see `Ctx::find_typed`).
fn find<'a>(ctx: &'a mut Ctx, key: &[u8], read: bool) -> (&'a mut ReplyBuf, Found<'a>) {
    ctx.find_typed(key, read, |value| match value {
        Value::ZSet(inner) => Some(&mut **inner),
        _ => None,
    })
}

fn limits(ctx: &Ctx) -> ZSetLimits {
    let settings = &ctx.server.settings;
    let load = crate::server::Settings::limit;
    ZSetLimits {
        max_listpack_entries: load(&settings.zset_max_listpack_entries),
        max_listpack_value: load(&settings.zset_max_listpack_value),
    }
}

/// Deletes a sorted set the command emptied (or a STORE destination), raising `del` if it
/// existed. Returns whether it existed.
fn delete_raising_del(ctx: &mut Ctx, key: &[u8]) -> bool {
    let existed = ctx.delete(key);
    if existed {
        ctx.notify(class::GENERIC, "del", key);
    }
    existed
}

/// Writes a STORE command's result to `destination` (raising `event`), or deletes the
/// destination when the result is empty; replies with the result's size.
fn store_result(ctx: &mut Ctx, destination: &[u8], result: Option<ZSet>, event: &str) {
    match result.filter(|zset| !zset.is_empty()) {
        Some(zset) => {
            let len = zset.len();
            ctx.set_value(destination, Value::ZSet(Box::new(zset)), 0, false);
            ctx.out.int(int_len(len));
            ctx.mark_dirty(1);
            ctx.notify(class::ZSET, event, destination);
        }
        None => {
            ctx.out.int(0);
            if delete_raising_del(ctx, destination) {
                ctx.mark_dirty(1);
            }
        }
    }
}

fn int_len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Writes `(member, score)` pairs as Valkey's range replies do: members only, or with scores
/// flat (RESP2) or as `[member, score]` pairs (RESP3).
fn reply_elements<'z>(
    out: &mut ReplyBuf,
    elements: impl ExactSizeIterator<Item = (&'z [u8], f64)>,
    withscores: bool,
) {
    let nested = withscores && out.is_resp3();
    let len = elements.len();
    out.array(if withscores && !nested { len * 2 } else { len });
    for (member, score) in elements {
        if nested {
            out.array(2);
        }
        out.bulk(member);
        if withscores {
            out.double(score);
        }
    }
}

// --- ZADD / ZINCRBY ----------------------------------------------------------------------------

#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    incr: bool,
}

/// What one `zsetAdd` did.
enum AddOutcome {
    Nop,
    Added(f64),
    Updated(f64),
    /// The score did not change (or was equal): processed, not counted.
    Unchanged(f64),
}

/// The error of arguments Valkey bounds to `-LONG_MAX..=LONG_MAX`: only `i64::MIN` reaches it.
const OUTSIDE_SYMMETRIC_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

const NAN_SCORE: &str = "ERR resulting score is not a number (NaN)";

/// Valkey's `zsetAdd`: Err(()) when an increment makes the score NaN.
fn add_one(
    zset: &mut ZSet,
    score: f64,
    member: &[u8],
    flags: AddFlags,
    limits: &ZSetLimits,
) -> Result<AddOutcome, ()> {
    match zset.score(member) {
        Some(current) => {
            if flags.nx {
                return Ok(AddOutcome::Nop);
            }
            let score = if flags.incr { score + current } else { score };
            if score.is_nan() {
                return Err(());
            }
            if (flags.lt && score >= current) || (flags.gt && score <= current) {
                return Ok(AddOutcome::Nop);
            }
            if score == current {
                return Ok(AddOutcome::Unchanged(score));
            }
            zset.insert(member, score, limits);
            Ok(AddOutcome::Updated(score))
        }
        None if flags.xx => Ok(AddOutcome::Nop),
        None => {
            zset.insert(member, score, limits);
            Ok(AddOutcome::Added(score))
        }
    }
}

fn zadd_generic(ctx: &mut Ctx, incr_command: bool) {
    let mut flags = AddFlags {
        incr: incr_command,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut first = 2;
    while first < ctx.argc() {
        let opt = ctx.arg(first);
        if eq_ic(opt, "nx") {
            flags.nx = true;
        } else if eq_ic(opt, "xx") {
            flags.xx = true;
        } else if eq_ic(opt, "ch") {
            ch = true;
        } else if eq_ic(opt, "incr") {
            flags.incr = true;
        } else if eq_ic(opt, "gt") {
            flags.gt = true;
        } else if eq_ic(opt, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        first += 1;
    }
    let args = ctx.args;
    let pairs_args = args.get(first..).unwrap_or_default();
    if pairs_args.is_empty() || pairs_args.len() % 2 != 0 {
        return ctx.out.error(err::SYNTAX);
    }
    if flags.nx && flags.xx {
        return ctx
            .out
            .error("ERR XX and NX options at the same time are not compatible");
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return ctx
            .out
            .error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if flags.incr && pairs_args.len() > 2 {
        return ctx
            .out
            .error("ERR INCR option supports a single increment-element pair");
    }
    let mut pairs: Vec<(f64, &[u8])> = Vec::with_capacity(pairs_args.len() / 2);
    for pair in pairs_args.chunks_exact(2) {
        let (Some(&score_arg), Some(&member)) = (pair.first(), pair.get(1)) else {
            return;
        };
        let Some(score) = parse_f64_strict(score_arg) else {
            return ctx.out.error(err::NOT_FLOAT);
        };
        pairs.push((score, member));
    }
    let max_member_len = pairs.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let limits = limits(ctx);
    let key = ctx.arg(1);
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut last_score = 0.0;
    let mut apply = |zset: &mut ZSet| -> Result<(), ()> {
        for &(score, member) in &pairs {
            let outcome = add_one(zset, score, member, flags, &limits)?;
            match outcome {
                AddOutcome::Nop => continue,
                AddOutcome::Added(s) => {
                    added += 1;
                    last_score = s;
                }
                AddOutcome::Updated(s) => {
                    updated += 1;
                    last_score = s;
                }
                AddOutcome::Unchanged(s) => last_score = s,
            }
            processed += 1;
        }
        Ok(())
    };
    let (out, found) = find(ctx, key, false);
    let result = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing if flags.xx => Ok(()),
        Found::Missing => {
            let mut zset = ZSet::with_hint(pairs.len(), max_member_len, &limits);
            let result = apply(&mut zset);
            if !zset.is_empty() {
                ctx.set_value(key, Value::ZSet(Box::new(zset)), 0, false);
            }
            result
        }
        Found::Value(zset) => {
            zset.convert_for_add(pairs.len(), max_member_len, &limits);
            apply(zset)
        }
    };
    if added + updated > 0 {
        // Raised even when a later pair failed, as Valkey's cleanup path does.
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.notify(class::ZSET, event, key);
    }
    if result.is_err() {
        return ctx.out.error(NAN_SCORE);
    }
    ctx.mark_dirty(added + updated);
    if flags.incr {
        if processed > 0 {
            ctx.out.double(last_score);
        } else {
            ctx.out.null();
        }
    } else {
        let count = if ch { added + updated } else { added };
        ctx.out.int(i64::try_from(count).unwrap_or(i64::MAX));
    }
}

fn zadd(ctx: &mut Ctx) {
    zadd_generic(ctx, false);
}

fn zincrby(ctx: &mut Ctx) {
    zadd_generic(ctx, true);
}

// --- removal, cardinality, scores, ranks, counts -----------------------------------------------

fn zrem(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let (out, found) = find(ctx, key, false);
    let zset = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(zset) => zset,
    };
    let mut deleted = 0u64;
    for member in args.get(2..).unwrap_or_default() {
        if zset.remove(member).is_some() {
            deleted += 1;
        }
        if zset.is_empty() {
            break;
        }
    }
    out.int(i64::try_from(deleted).unwrap_or(i64::MAX));
    let emptied = zset.is_empty();
    if deleted > 0 {
        ctx.notify(class::ZSET, "zrem", key);
    }
    if emptied {
        delete_raising_del(ctx, key);
    }
    ctx.mark_dirty(deleted);
}

fn zcard(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(zset) => out.int(int_len(zset.len())),
    }
}

fn zscore(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let member = ctx.arg(2);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.null(),
        Found::Value(zset) => match zset.score(member) {
            Some(score) => out.double(score),
            None => out.null(),
        },
    }
}

fn zmscore(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let args = ctx.args;
    let members = args.get(2..).unwrap_or_default();
    let (out, found) = find(ctx, key, true);
    let zset = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(zset) => Some(zset),
    };
    out.array(members.len());
    for member in members {
        match zset.as_ref().and_then(|zset| zset.score(member)) {
            Some(score) => out.double(score),
            None => out.null(),
        }
    }
}

fn zrank_generic(ctx: &mut Ctx, reverse: bool) {
    if ctx.argc() > 4 {
        let name = if reverse { "zrevrank" } else { "zrank" };
        return ctx.out.error(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
    }
    let withscore = ctx.argc() == 4;
    if withscore && !eq_ic(ctx.arg(3), "withscore") {
        return ctx.out.error(err::SYNTAX);
    }
    let key = ctx.arg(1);
    let member = ctx.arg(2);
    let (out, found) = find(ctx, key, true);
    let zset = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(zset) => Some(zset),
    };
    let ranked = zset.and_then(|zset| Some((zset.rank(member, reverse)?, zset.score(member)?)));
    match ranked {
        Some((rank, score)) => {
            if withscore {
                out.array(2);
            }
            out.int(int_len(rank));
            if withscore {
                out.double(score);
            }
        }
        None if withscore => out.null_array(),
        None => out.null(),
    }
}

fn zrank(ctx: &mut Ctx) {
    zrank_generic(ctx, false);
}

fn zrevrank(ctx: &mut Ctx) {
    zrank_generic(ctx, true);
}

fn zcount(ctx: &mut Ctx) {
    let range = match ScoreRange::parse(ctx.arg(2), ctx.arg(3)) {
        Ok(range) => range,
        Err(error) => return ctx.out.error(error.message()),
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(zset) => out.int(int_len(zset.count_in_score_range(&range))),
    }
}

fn zlexcount(ctx: &mut Ctx) {
    let range = match LexRange::parse(ctx.arg(2), ctx.arg(3)) {
        Ok(range) => range,
        Err(error) => return ctx.out.error(error.message()),
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, true);
    match found {
        Found::WrongType => out.error(err::WRONGTYPE),
        Found::Missing => out.int(0),
        Found::Value(zset) => out.int(int_len(zset.count_in_lex_range(&range))),
    }
}

// --- pops --------------------------------------------------------------------------------------

/// The reply shapes of the pop commands.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum PopShape {
    /// ZPOPMIN/ZPOPMAX: members and scores, nested pairs in RESP3 when COUNT is given.
    Plain,
    /// ZMPOP and BZMPOP: `[key, [[member, score], ...]]`.
    Multi,
    /// BZPOPMIN/BZPOPMAX: `[key, member, score]`.
    Keyed,
}

/// Valkey's `genericZpopCommand`: pops from the first of `keys` holding a sorted set. `count`
/// None is the single pop without COUNT. Returns false, having replied nothing, when every key
/// is missing.
pub(super) fn zpop_first(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    max: bool,
    count: Option<u64>,
    shape: PopShape,
) -> bool {
    let mut chosen = None;
    for &key in keys {
        let (out, found) = find(ctx, key, false);
        match found {
            Found::WrongType => {
                out.error(err::WRONGTYPE);
                return true;
            }
            Found::Missing => continue,
            Found::Value(_) => {
                chosen = Some(key);
                break;
            }
        }
    }
    let Some(key) = chosen else {
        return false;
    };
    if count == Some(0) {
        ctx.out.array(0);
        return true;
    }
    let wanted = count.unwrap_or(1);
    let (out, found) = find(ctx, key, false);
    let Found::Value(zset) = found else {
        return true;
    };
    let popped_len = usize::try_from(wanted)
        .unwrap_or(usize::MAX)
        .min(zset.len());
    let nested = match shape {
        PopShape::Plain => out.is_resp3() && count.is_some(),
        PopShape::Multi => true,
        PopShape::Keyed => false,
    };
    match shape {
        PopShape::Multi => {
            out.array(2);
            out.bulk(key);
            out.array(popped_len);
        }
        PopShape::Keyed => {
            out.array(3);
            out.bulk(key);
        }
        PopShape::Plain if nested => out.array(popped_len),
        PopShape::Plain => out.array(popped_len * 2),
    }
    for _ in 0..popped_len {
        let popped = if max { zset.pop_max() } else { zset.pop_min() };
        let Some((member, score)) = popped else {
            break;
        };
        if nested {
            out.array(2);
        }
        out.bulk(&member);
        out.double(score);
    }
    let emptied = zset.is_empty();
    if popped_len > 0 {
        ctx.notify(class::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
    }
    if emptied {
        delete_raising_del(ctx, key);
    }
    ctx.mark_dirty(popped_len as u64);
    let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    match shape {
        PopShape::Plain => {}
        PopShape::Multi => ctx.record_effect(vec![
            name.to_vec(),
            key.to_vec(),
            wanted.to_string().into_bytes(),
        ]),
        PopShape::Keyed => ctx.record_effect(vec![name.to_vec(), key.to_vec()]),
    }
    true
}

fn zpop_command(ctx: &mut Ctx, max: bool) {
    if ctx.argc() > 3 {
        return ctx.out.error(err::SYNTAX);
    }
    let count = if ctx.argc() == 3 {
        match parse_i64(ctx.arg(2)).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => Some(n),
            None => return ctx.out.error("ERR value is out of range, must be positive"),
        }
    } else {
        None
    };
    let key = ctx.arg(1);
    if !zpop_first(ctx, &[key], max, count, PopShape::Plain) {
        ctx.out.array(0);
    }
}

fn zpopmin(ctx: &mut Ctx) {
    zpop_command(ctx, false);
}

fn zpopmax(ctx: &mut Ctx) {
    zpop_command(ctx, true);
}

/// ZMPOP's and BZMPOP's arguments from `numkeys_index` on: the keys, MIN|MAX and the count.
pub(super) struct MultiPop<'a> {
    pub keys: &'a [&'a [u8]],
    pub max: bool,
    pub count: u64,
}

/// Parses `numkeys key... MIN|MAX [COUNT n]`, replying with Valkey's error on failure.
pub(super) fn parse_multi_pop<'a>(
    ctx: &mut Ctx<'a, '_>,
    numkeys_index: usize,
) -> Option<MultiPop<'a>> {
    let fail = |ctx: &mut Ctx, message: &str| {
        ctx.out.error(message);
        None
    };
    let numkeys = match parse_i64(ctx.arg(numkeys_index)) {
        Some(n) if n >= 1 => n,
        _ => return fail(ctx, "ERR numkeys should be greater than 0"),
    };
    let where_index = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_index + 1))
        .filter(|&i| i < ctx.argc());
    let Some(where_index) = where_index else {
        return fail(ctx, err::SYNTAX);
    };
    let max = if eq_ic(ctx.arg(where_index), "min") {
        false
    } else if eq_ic(ctx.arg(where_index), "max") {
        true
    } else {
        return fail(ctx, err::SYNTAX);
    };
    let mut count: Option<u64> = None;
    let mut j = where_index + 1;
    while j < ctx.argc() {
        if count.is_none() && eq_ic(ctx.arg(j), "count") && j + 1 < ctx.argc() {
            match parse_i64(ctx.arg(j + 1)).and_then(|c| u64::try_from(c).ok()) {
                Some(c) if c >= 1 => count = Some(c),
                _ => return fail(ctx, "ERR count should be greater than 0"),
            }
            j += 2;
        } else {
            return fail(ctx, err::SYNTAX);
        }
    }
    let args = ctx.args;
    Some(MultiPop {
        keys: args.get(numkeys_index + 1..where_index).unwrap_or_default(),
        max,
        count: count.unwrap_or(1),
    })
}

fn zmpop(ctx: &mut Ctx) {
    let Some(request) = parse_multi_pop(ctx, 1) else {
        return;
    };
    if !zpop_first(
        ctx,
        request.keys,
        request.max,
        Some(request.count),
        PopShape::Multi,
    ) {
        ctx.out.null_array();
    }
}

// --- ZREMRANGEBY* ------------------------------------------------------------------------------

fn zremrange_generic(ctx: &mut Ctx, rangetype: RangeType) {
    let (min, max) = (ctx.arg(2), ctx.arg(3));
    let spec = match rangetype {
        RangeType::Score => match ScoreRange::parse(min, max) {
            Ok(range) => RangeSpec::Score(range),
            Err(error) => return ctx.out.error(error.message()),
        },
        RangeType::Lex => match LexRange::parse(min, max) {
            Ok(range) => RangeSpec::Lex(range),
            Err(error) => return ctx.out.error(error.message()),
        },
        RangeType::Auto | RangeType::Rank => {
            let (Some(start), Some(stop)) = (parse_i64(min), parse_i64(max)) else {
                return ctx.out.error(err::NOT_INTEGER);
            };
            RangeSpec::Rank(start, stop)
        }
    };
    let key = ctx.arg(1);
    let (out, found) = find(ctx, key, false);
    let zset = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => return out.int(0),
        Found::Value(zset) => zset,
    };
    let removed = match &spec {
        RangeSpec::Rank(start, stop) => match normalize_rank_range(*start, *stop, zset.len()) {
            Some(ranks) => zset.remove_range_by_rank(ranks),
            None => 0,
        },
        RangeSpec::Score(range) => zset.remove_range_by_score(range),
        RangeSpec::Lex(range) => zset.remove_range_by_lex(range),
    };
    out.int(int_len(removed));
    let emptied = zset.is_empty();
    if removed > 0 {
        let event = match spec {
            RangeSpec::Rank(..) => "zremrangebyrank",
            RangeSpec::Score(_) => "zremrangebyscore",
            RangeSpec::Lex(_) => "zremrangebylex",
        };
        ctx.notify(class::ZSET, event, key);
    }
    if emptied {
        delete_raising_del(ctx, key);
    }
    ctx.mark_dirty(removed as u64);
}

fn zremrangebyrank(ctx: &mut Ctx) {
    zremrange_generic(ctx, RangeType::Rank);
}

fn zremrangebyscore(ctx: &mut Ctx) {
    zremrange_generic(ctx, RangeType::Score);
}

fn zremrangebylex(ctx: &mut Ctx) {
    zremrange_generic(ctx, RangeType::Lex);
}

#[cfg(test)]
mod tests {

    use crate::test_support::effects_of_lines as effects_of;

    #[test]
    fn zmpop_replicates_as_a_pop_with_the_requested_count() {
        let effects = effects_of(&[
            "ZADD b 1 x 2 y",
            "ZMPOP 2 a b MAX COUNT 10",
            "ZMPOP 2 a b MIN",
        ]);
        assert_eq!(effects[0], vec!["ZADD b 1 x 2 y"]);
        assert_eq!(effects[1], vec!["ZPOPMAX b 10"]);
        assert!(effects[2].is_empty(), "nothing popped, nothing replicated");
    }

    #[test]
    fn commands_that_change_nothing_are_not_replicated() {
        let effects = effects_of(&[
            "ZADD z 1 a 2 b",
            "ZADD z 1 a",
            "ZADD z XX 5 missing",
            "ZADD z GT 0 a",
            "ZINCRBY z 0 a",
            "ZREM z nope",
            "ZPOPMIN z 0",
            "ZREMRANGEBYSCORE z 10 20",
            "ZRANGESTORE d missing 0 -1",
            "ZADD z CH 3 a",
        ]);
        assert!(effects[1..9].iter().all(|e| e.is_empty()), "{effects:?}");
        assert_eq!(effects[9], vec!["ZADD z CH 3 a"]);
    }
}
