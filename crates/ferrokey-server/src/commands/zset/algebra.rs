//! Sorted-set algebra: ZUNION/ZINTER/ZDIFF, their *STORE forms and ZINTERCARD, as Valkey's
//! `zunionInterDiffGenericCommand`.
//!
//! Inputs may be sorted sets or plain sets (whose members score 1). Every input key is looked up
//! and type-checked before the options are parsed, as Valkey does, so WRONGTYPE wins over a
//! syntax error. Sources are copied out of the keyspace first, so a destination that is also a
//! source is read before it is overwritten. Arithmetic follows Valkey's order and its NaN rules
//! (a weighted score that is NaN counts as 0, a SUM that becomes NaN is 0). A stored result is
//! built in the `skiplist` form and shrunk when it fits, like `zsetConvertToListpackIfNeeded`.

use std::collections::HashMap;

use ferrokey_ds::zset::{ZSet, ZSetLimits};

use super::{int_len, limits, reply_elements, store_result};
use crate::commands::{err, parse_i64, Ctx};
use crate::keyspace::value::Value;
use crate::util::eq_ic;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Valkey's `zunionInterAggregate`.
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// One input: its elements (empty for a missing key) and weight.
struct Source {
    elements: Vec<(Vec<u8>, f64)>,
    weight: f64,
}

/// Copies the elements of input `key`; Err after replying WRONGTYPE.
fn read_source(ctx: &mut Ctx, key: &[u8]) -> Result<Vec<(Vec<u8>, f64)>, ()> {
    let Some(entry) = ctx.lookup_read(key) else {
        return Ok(Vec::new());
    };
    match &entry.value {
        Value::ZSet(zset) => Ok(zset.iter().map(|(m, s)| (m.to_vec(), s)).collect()),
        Value::Set(set) => Ok(set.iter().map(|m| (m.to_bytes(), 1.0)).collect()),
        _ => {
            ctx.out.error(err::WRONGTYPE);
            Err(())
        }
    }
}

fn weighted(score: f64, weight: f64) -> f64 {
    let value = weight * score;
    if value.is_nan() {
        0.0
    } else {
        value
    }
}

/// The result as member → score, in no particular order.
fn compute(op: Op, sources: &mut [Source], aggregate: Aggregate) -> HashMap<Vec<u8>, f64> {
    let mut result: HashMap<Vec<u8>, f64> = HashMap::new();
    if op != Op::Diff {
        sources.sort_by_key(|source| source.elements.len());
    }
    match op {
        Op::Union => {
            for source in sources.iter() {
                for (member, score) in &source.elements {
                    let value = weighted(*score, source.weight);
                    match result.get_mut(member) {
                        Some(target) => aggregate.apply(target, value),
                        None => {
                            result.insert(member.clone(), value);
                        }
                    }
                }
            }
        }
        Op::Inter => {
            let Some((first, others)) = sources.split_first() else {
                return result;
            };
            let lookups: Vec<(HashMap<&[u8], f64>, f64)> = others
                .iter()
                .map(|source| {
                    let map = source.elements.iter().map(|(m, s)| (&m[..], *s));
                    (map.collect(), source.weight)
                })
                .collect();
            'members: for (member, score) in &first.elements {
                let mut total = weighted(*score, first.weight);
                for (lookup, weight) in &lookups {
                    match lookup.get(&member[..]) {
                        Some(other) => aggregate.apply(&mut total, other * weight),
                        None => continue 'members,
                    }
                }
                result.insert(member.clone(), total);
            }
        }
        Op::Diff => {
            let Some((first, others)) = sources.split_first() else {
                return result;
            };
            let excluded: std::collections::HashSet<&[u8]> = others
                .iter()
                .flat_map(|source| source.elements.iter().map(|(m, _)| &m[..]))
                .collect();
            for (member, score) in &first.elements {
                if !excluded.contains(&member[..]) {
                    result.insert(member.clone(), *score);
                }
            }
        }
    }
    result
}

/// Builds the sorted set of a result: `skiplist` first, then `listpack` if it fits.
fn build(result: HashMap<Vec<u8>, f64>, limits: &ZSetLimits) -> ZSet {
    let mut zset = ZSet::with_hint(usize::MAX, 0, limits);
    for (member, score) in result {
        zset.insert(&member, score, limits);
    }
    zset.shrink_encoding_if_fits(limits);
    zset
}

/// `destination` is set for the *STORE forms; `numkeys_index` is where numkeys is.
fn generic(ctx: &mut Ctx, destination: Option<&[u8]>, numkeys_index: usize, op: Op, card: bool) {
    let Some(numkeys) = parse_i64(ctx.arg(numkeys_index)) else {
        return ctx.out.error(err::NOT_INTEGER);
    };
    if numkeys < 1 {
        let name = String::from_utf8_lossy(ctx.arg(0)).to_lowercase();
        return ctx.out.error(&format!(
            "ERR at least 1 input key is needed for '{name}' command"
        ));
    }
    let available = ctx.argc().saturating_sub(numkeys_index + 1);
    let Some(numkeys) = usize::try_from(numkeys).ok().filter(|&n| n <= available) else {
        return ctx.out.error(err::SYNTAX);
    };
    let args = ctx.args;
    let mut sources = Vec::with_capacity(numkeys);
    for &key in args.iter().skip(numkeys_index + 1).take(numkeys) {
        let Ok(elements) = read_source(ctx, key) else {
            return;
        };
        sources.push(Source {
            elements,
            weight: 1.0,
        });
    }
    let mut aggregate = Aggregate::Sum;
    let mut withscores = false;
    let mut limit: usize = 0;
    let mut j = numkeys_index + 1 + numkeys;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        let remaining = ctx.argc() - j;
        let algebra_option = op != Op::Diff && !card;
        if algebra_option && remaining > numkeys && eq_ic(opt, "weights") {
            for (i, source) in sources.iter_mut().enumerate() {
                let text = args.get(j + 1 + i).copied().unwrap_or_default();
                match ferrokey_util::number::parse_f64_strict(text) {
                    Some(weight) => source.weight = weight,
                    None => return ctx.out.error("ERR weight value is not a float"),
                }
            }
            j += 1 + numkeys;
        } else if algebra_option && remaining >= 2 && eq_ic(opt, "aggregate") {
            let name = ctx.arg(j + 1);
            aggregate = if eq_ic(name, "sum") {
                Aggregate::Sum
            } else if eq_ic(name, "min") {
                Aggregate::Min
            } else if eq_ic(name, "max") {
                Aggregate::Max
            } else {
                return ctx.out.error(err::SYNTAX);
            };
            j += 2;
        } else if destination.is_none() && !card && eq_ic(opt, "withscores") {
            withscores = true;
            j += 1;
        } else if card && remaining >= 2 && eq_ic(opt, "limit") {
            match parse_i64(ctx.arg(j + 1)).map(usize::try_from) {
                Some(Ok(n)) => limit = n,
                _ => return ctx.out.error("ERR LIMIT can't be negative"),
            }
            j += 2;
        } else {
            return ctx.out.error(err::SYNTAX);
        }
    }
    let result = compute(op, &mut sources, aggregate);
    if card {
        let count = if limit == 0 {
            result.len()
        } else {
            result.len().min(limit)
        };
        return ctx.out.int(int_len(count));
    }
    let limits = limits(ctx);
    let zset = build(result, &limits);
    let Some(destination) = destination else {
        return reply_elements(ctx.out, zset.iter(), withscores);
    };
    let event = match op {
        Op::Union => "zunionstore",
        Op::Inter => "zinterstore",
        Op::Diff => "zdiffstore",
    };
    store_result(ctx, destination, Some(zset), event);
}

pub(super) fn zunion(ctx: &mut Ctx) {
    generic(ctx, None, 1, Op::Union, false);
}

pub(super) fn zinter(ctx: &mut Ctx) {
    generic(ctx, None, 1, Op::Inter, false);
}

pub(super) fn zdiff(ctx: &mut Ctx) {
    generic(ctx, None, 1, Op::Diff, false);
}

pub(super) fn zunionstore(ctx: &mut Ctx) {
    let destination = ctx.arg(1);
    generic(ctx, Some(destination), 2, Op::Union, false);
}

pub(super) fn zinterstore(ctx: &mut Ctx) {
    let destination = ctx.arg(1);
    generic(ctx, Some(destination), 2, Op::Inter, false);
}

pub(super) fn zdiffstore(ctx: &mut Ctx) {
    let destination = ctx.arg(1);
    generic(ctx, Some(destination), 2, Op::Diff, false);
}

pub(super) fn zintercard(ctx: &mut Ctx) {
    generic(ctx, None, 1, Op::Inter, true);
}
