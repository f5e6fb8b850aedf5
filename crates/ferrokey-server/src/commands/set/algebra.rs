//! SINTER/SINTERCARD/SINTERSTORE, SUNION/SUNIONSTORE and SDIFF/SDIFFSTORE.
//!
//! The source sets are moved out of their entries for the duration of the computation (leaving
//! an empty placeholder) and put back before anything else is written: the locks the dispatcher
//! holds make that invisible to other clients, and it avoids copying sets just to read several
//! at once. Results are built as Valkey builds them (SINTERSTORE starts from the smallest
//! source's encoding, SUNION/SDIFF from an empty intset, and SDIFF picks between its two
//! algorithms by the same cost estimate), because the path of conversions decides a stored
//! result's encoding.

use std::collections::HashMap;

use ferrokey_ds::intset::{IntSet, SetLimits, SetMember, SetValue};
use ferrokey_ds::listpack::{CompactListpack, Entry};
use ferrokey_resp::ReplyBuf;
use ferrokey_util::number::parse_i64_strict;

use super::super::{err, parse_i64, Ctx};
use super::{
    add_member, bulk_member, delete_raising_del, find, holds, int_reply, limits, remove_member,
    reply_all, Found,
};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;

/// Source sets moved out of the keyspace while a multi-key command computes.
struct Taken<'a> {
    keys: Vec<&'a [u8]>,
    sets: Vec<SetValue>,
}

impl Taken<'_> {
    fn get(&self, index: Option<usize>) -> Option<&SetValue> {
        index.and_then(|i| self.sets.get(i))
    }
}

/// Moves the sets named by `keys` out of their entries, looking each argument up as Valkey does
/// (once per argument, with read statistics). Returns, per argument, the index of its set in
/// `Taken` (None for a missing key; a repeated key shares its index). On a key of another type,
/// everything taken is put back, WRONGTYPE is replied, and None is returned.
fn take_sets<'a>(ctx: &mut Ctx, keys: &[&'a [u8]]) -> Option<(Taken<'a>, Vec<Option<usize>>)> {
    let mut taken = Taken {
        keys: Vec::new(),
        sets: Vec::new(),
    };
    let mut slots = Vec::with_capacity(keys.len());
    let mut index_of: HashMap<&[u8], usize> = HashMap::new();
    for &key in keys {
        let already = index_of.get(key).copied();
        let (_, found) = find(ctx, key, true);
        if let Some(index) = already {
            slots.push(Some(index));
            continue;
        }
        match found {
            Found::Missing => slots.push(None),
            Found::WrongType => {
                restore(ctx, taken);
                ctx.out.error(err::WRONGTYPE);
                return None;
            }
            Found::Value(set) => {
                let placeholder = SetValue::IntSet(IntSet::new());
                let set = std::mem::replace(set, placeholder);
                index_of.insert(key, taken.sets.len());
                slots.push(Some(taken.sets.len()));
                taken.keys.push(key);
                taken.sets.push(set);
            }
        }
    }
    Some((taken, slots))
}

/// Puts taken sets back into their entries (which the held locks kept in place).
fn restore(ctx: &mut Ctx, taken: Taken) {
    let db = ctx.client.db;
    for (key, set) in taken.keys.into_iter().zip(taken.sets) {
        let hash = ctx.server.keyspace.hash(key);
        let entry = ctx
            .locks
            .shard(db, hash)
            .and_then(|shard| shard.get_raw(hash, key));
        if let Some(entry) = entry {
            if let Value::Set(slot) = &mut entry.value {
                **slot = set;
            }
        }
    }
}

/// What an intersection produces.
enum InterMode {
    Reply,
    Cardinality { limit: usize },
    Store,
}

/// Converts a listpack of integers to an intset when it fits (Valkey's `maybeConvertToIntset`).
fn maybe_convert_to_intset(set: &mut SetValue, limits: &SetLimits) {
    let SetValue::Listpack(members) = set else {
        return;
    };
    if members.len() > limits.max_intset_entries {
        return;
    }
    let mut ints = IntSet::new();
    // A listpack stores exactly the members `string2ll` accepts as integer entries.
    for member in members.iter() {
        match member {
            Entry::Int(value) => {
                ints.add(value);
            }
            Entry::Str(_) => return,
        }
    }
    *set = SetValue::IntSet(ints);
}

/// The intersection over `sets` (None = a missing key). Replies directly in `Reply` and
/// `Cardinality` modes; returns the result set in `Store` mode (None when a key was missing).
fn intersect(
    out: &mut ReplyBuf,
    sets: &[Option<&SetValue>],
    slots: &[Option<usize>],
    mode: &InterMode,
    limits: &SetLimits,
) -> Option<SetValue> {
    if sets.iter().any(Option::is_none) {
        match mode {
            InterMode::Reply => out.set(0),
            InterMode::Cardinality { .. } => out.int(0),
            InterMode::Store => {}
        }
        return None;
    }
    // Smallest first (stable, as Valkey's qsort keeps equal sizes in order).
    let mut order: Vec<usize> = (0..sets.len()).collect();
    order.sort_by_key(|&i| sets.get(i).copied().flatten().map_or(0, SetValue::len));
    let first_index = order.first().copied().unwrap_or(0);
    let first = sets.get(first_index).copied().flatten()?;
    let first_slot = slots.get(first_index).copied().flatten();
    let others: Vec<&SetValue> = order
        .iter()
        .skip(1)
        .filter(|&&i| slots.get(i).copied().flatten() != first_slot)
        .filter_map(|&i| sets.get(i).copied().flatten())
        .collect();
    let mut result = match first {
        SetValue::IntSet(_) => SetValue::IntSet(IntSet::new()),
        _ => SetValue::Listpack(CompactListpack::new()),
    };
    let deferred = matches!(mode, InterMode::Reply).then(|| out.deferred_set());
    let mut cardinality = 0usize;
    let mut only_integers = true;
    for member in first.iter() {
        if !others.iter().all(|set| holds(set, member)) {
            continue;
        }
        match mode {
            InterMode::Cardinality { limit } => {
                cardinality += 1;
                if *limit != 0 && cardinality >= *limit {
                    break;
                }
            }
            InterMode::Reply => {
                bulk_member(out, member);
                cardinality += 1;
            }
            InterMode::Store => {
                if let SetMember::Bytes(bytes) = member {
                    only_integers &= parse_i64_strict(bytes).is_some();
                }
                add_member(&mut result, member, limits);
            }
        }
    }
    match mode {
        InterMode::Reply => {
            if let Some(deferred) = deferred {
                out.finish_deferred(deferred, cardinality);
            }
            None
        }
        InterMode::Cardinality { .. } => {
            int_reply(out, cardinality);
            None
        }
        InterMode::Store => {
            if only_integers {
                maybe_convert_to_intset(&mut result, limits);
            }
            Some(result)
        }
    }
}

/// SUNION/SDIFF's result, built as Valkey builds it (starting from an empty intset), because the
/// path of conversions decides a stored result's encoding.
fn union_or_diff(
    sets: &[Option<&SetValue>],
    slots: &[Option<usize>],
    diff: bool,
    limits: &SetLimits,
) -> SetValue {
    let mut result = SetValue::IntSet(IntSet::new());
    if !diff {
        for set in sets.iter().flatten() {
            for member in set.iter() {
                add_member(&mut result, member, limits);
            }
        }
        return result;
    }
    let Some(Some(first)) = sets.first().copied() else {
        return result;
    };
    let first_slot = slots.first().copied().flatten();
    let same_set = slots
        .iter()
        .skip(1)
        .any(|s| s.is_some() && *s == first_slot);
    if same_set {
        return result;
    }
    let present: Vec<&SetValue> = sets.iter().flatten().copied().collect();
    let algo_one_work = (first.len() * present.len()) / 2;
    let algo_two_work: usize = present.iter().map(|s| s.len()).sum();
    let mut rest: Vec<&SetValue> = present.iter().skip(1).copied().collect();
    if algo_one_work <= algo_two_work {
        rest.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for member in first.iter() {
            if !rest.iter().any(|set| holds(set, member)) {
                add_member(&mut result, member, limits);
            }
        }
    } else {
        for member in first.iter() {
            add_member(&mut result, member, limits);
        }
        for set in rest {
            for member in set.iter() {
                remove_member(&mut result, member);
            }
            if result.is_empty() {
                break;
            }
        }
    }
    result
}

/// Stores a STORE command's result: the destination is overwritten (losing any TTL) and
/// `event` raised or, for an empty result, deleted (raising `del` if it existed). Replies with
/// the result's size.
fn store_result(ctx: &mut Ctx, destination: &[u8], result: Option<SetValue>, event: &str) {
    match result.filter(|set| !set.is_empty()) {
        Some(set) => {
            let len = set.len();
            ctx.set_value(destination, Value::Set(Box::new(set)), 0, false);
            int_reply(ctx.out, len);
            ctx.mark_dirty(1);
            ctx.notify(class::SET, event, destination);
        }
        None => {
            ctx.out.int(0);
            if delete_raising_del(ctx, destination) {
                ctx.mark_dirty(1);
            }
        }
    }
}

/// SINTER / SINTERCARD / SINTERSTORE over `keys`.
fn inter_generic(ctx: &mut Ctx, keys: &[&[u8]], mode: InterMode, destination: Option<&[u8]>) {
    let limits = limits(ctx);
    let Some((taken, slots)) = take_sets(ctx, keys) else {
        return;
    };
    let sets: Vec<Option<&SetValue>> = slots.iter().map(|&s| taken.get(s)).collect();
    let result = intersect(ctx.out, &sets, &slots, &mode, &limits);
    drop(sets);
    restore(ctx, taken);
    if let Some(destination) = destination {
        store_result(ctx, destination, result, "sinterstore");
    }
}

fn union_diff_generic(ctx: &mut Ctx, keys: &[&[u8]], diff: bool, destination: Option<&[u8]>) {
    let limits = limits(ctx);
    let Some((taken, slots)) = take_sets(ctx, keys) else {
        return;
    };
    let sets: Vec<Option<&SetValue>> = slots.iter().map(|&s| taken.get(s)).collect();
    let result = union_or_diff(&sets, &slots, diff, &limits);
    drop(sets);
    restore(ctx, taken);
    match destination {
        Some(destination) => {
            let event = if diff { "sdiffstore" } else { "sunionstore" };
            store_result(ctx, destination, Some(result), event);
        }
        None => reply_all(ctx.out, &result, true),
    }
}

pub(super) fn sinter(ctx: &mut Ctx) {
    let args = ctx.args;
    inter_generic(ctx, args.get(1..).unwrap_or(&[]), InterMode::Reply, None);
}

pub(super) fn sinterstore(ctx: &mut Ctx) {
    let args = ctx.args;
    let destination = ctx.arg(1);
    let keys = args.get(2..).unwrap_or(&[]);
    inter_generic(ctx, keys, InterMode::Store, Some(destination));
}

pub(super) fn sintercard(ctx: &mut Ctx) {
    let numkeys = match parse_i64(ctx.arg(1)) {
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => return ctx.out.error("ERR numkeys should be greater than 0"),
    };
    if numkeys > ctx.argc() - 2 {
        return ctx
            .out
            .error("ERR Number of keys can't be greater than number of args");
    }
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < ctx.argc() {
        if eq_ic(ctx.arg(j), "limit") && j + 1 < ctx.argc() {
            match parse_i64(ctx.arg(j + 1)) {
                Some(n) if n >= 0 => limit = usize::try_from(n).unwrap_or(usize::MAX),
                _ => return ctx.out.error("ERR LIMIT can't be negative"),
            }
            j += 2;
        } else {
            return ctx.out.error(err::SYNTAX);
        }
    }
    let args = ctx.args;
    let keys = args.get(2..2 + numkeys).unwrap_or(&[]);
    inter_generic(ctx, keys, InterMode::Cardinality { limit }, None);
}

pub(super) fn sunion(ctx: &mut Ctx) {
    let args = ctx.args;
    union_diff_generic(ctx, args.get(1..).unwrap_or(&[]), false, None);
}

pub(super) fn sunionstore(ctx: &mut Ctx) {
    let args = ctx.args;
    let destination = ctx.arg(1);
    union_diff_generic(ctx, args.get(2..).unwrap_or(&[]), false, Some(destination));
}

pub(super) fn sdiff(ctx: &mut Ctx) {
    let args = ctx.args;
    union_diff_generic(ctx, args.get(1..).unwrap_or(&[]), true, None);
}

pub(super) fn sdiffstore(ctx: &mut Ctx) {
    let args = ctx.args;
    let destination = ctx.arg(1);
    union_diff_generic(ctx, args.get(2..).unwrap_or(&[]), true, Some(destination));
}
