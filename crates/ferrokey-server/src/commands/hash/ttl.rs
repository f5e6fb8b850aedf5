//! Valkey 9.0's per-field expiry commands on existing fields: HEXPIRE, HPEXPIRE, HEXPIREAT and
//! HPEXPIREAT (set a time, under NX/XX/GT/LT), HTTL, HPTTL, HEXPIRETIME and HPEXPIRETIME (read
//! it), HPERSIST (remove it). Each names its fields as `FIELDS numfields field...` and replies
//! with one code per field, in order (see `ferrokey_ds::hash::ExpireOutcome`).
//!
//! Argument checks follow Valkey 9.0's `t_hash.c` in its order: the FIELDS block and the
//! conditions before it, the field count, then the time, then the key's type. HTTL and its
//! family answer a wrong count with a plain syntax error, the others with the numfields error;
//! HTTL and HPERSIST do not check that the token before the count says FIELDS, as Valkey does
//! not. Effects: a time set is replicated as `HPEXPIREAT key <unix ms> ...` (the rest of the
//! command verbatim), a time not in the future as `HDEL key <the fields it deleted>`.
//!
//! Keyspace events (Valkey 9.0): HEXPIRE and its family raise `hexpired` when the time was not
//! in the future and deleted fields (even if it also set others), else `hexpire` when it set a
//! time, then `del` when the hash went empty; HPERSIST raises `hpersist` when it removed a time.

use ferrokey_ds::hash::{ExpireConditions, ExpireOutcome, FieldTtl};

use super::{effect, find, raise_del_if, settle_after_write, Found, NUMFIELDS_MISMATCH};
use crate::commands::{err, parse_i64, Ctx};
use crate::notify::class;
use crate::util::eq_ic;

pub(super) fn hexpire(ctx: &mut Ctx) {
    expire_generic(ctx, true, false, "hexpire");
}

pub(super) fn hpexpire(ctx: &mut Ctx) {
    expire_generic(ctx, true, true, "hpexpire");
}

pub(super) fn hexpireat(ctx: &mut Ctx) {
    expire_generic(ctx, false, false, "hexpireat");
}

pub(super) fn hpexpireat(ctx: &mut Ctx) {
    expire_generic(ctx, false, true, "hpexpireat");
}

pub(super) fn httl(ctx: &mut Ctx) {
    ttl_generic(ctx, true, false);
}

pub(super) fn hpttl(ctx: &mut Ctx) {
    ttl_generic(ctx, true, true);
}

pub(super) fn hexpiretime(ctx: &mut Ctx) {
    ttl_generic(ctx, false, false);
}

pub(super) fn hpexpiretime(ctx: &mut Ctx) {
    ttl_generic(ctx, false, true);
}

/// Valkey's `convertExpireArgumentToUnixTime`: the absolute time in unix ms of a time argument
/// relative to `base_ms` (0 for the absolute forms), or the error to reply. Negative times and
/// overflows are refused with the command's own name.
pub(super) fn expire_time_arg(
    arg: &[u8],
    base_ms: i64,
    in_seconds: bool,
    command: &str,
) -> Result<i64, String> {
    let invalid = || format!("ERR invalid expire time in '{command}' command");
    let Some(mut when) = parse_i64(arg) else {
        return Err(err::NOT_INTEGER.to_string());
    };
    if when < 0 {
        return Err(invalid());
    }
    if in_seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    when.checked_add(base_ms).ok_or_else(invalid)
}

/// Parses a field count, replying the integer error when it is not one.
pub(super) fn parse_numfields(ctx: &mut Ctx, arg: &[u8]) -> Option<i64> {
    let parsed = parse_i64(arg);
    if parsed.is_none() {
        ctx.out.error(err::NOT_INTEGER);
    }
    parsed
}

/// Whether `numfields` names exactly the `available` arguments left (and at least one).
pub(super) fn numfields_matches(numfields: i64, available: usize) -> bool {
    numfields != 0 && i64::try_from(available).is_ok_and(|n| n == numfields)
}

/// Valkey's `parseExtendedExpireArgumentsOrReply` over the arguments `from..to`.
fn parse_conditions(ctx: &mut Ctx, from: usize, to: usize) -> Option<ExpireConditions> {
    let mut c = ExpireConditions::default();
    for i in from..to {
        let opt = ctx.arg(i);
        if eq_ic(opt, "nx") {
            c.nx = true;
        } else if eq_ic(opt, "xx") {
            c.xx = true;
        } else if eq_ic(opt, "gt") {
            c.gt = true;
        } else if eq_ic(opt, "lt") {
            c.lt = true;
        } else {
            let mut text = b"ERR Unsupported option ".to_vec();
            text.extend_from_slice(opt);
            ctx.out.error_bytes(&text);
            return None;
        }
    }
    if c.nx && (c.xx || c.gt || c.lt) {
        ctx.out
            .error("ERR NX and XX, GT or LT options at the same time are not compatible");
        return None;
    }
    if c.gt && c.lt {
        ctx.out
            .error("ERR GT and LT options at the same time are not compatible");
        return None;
    }
    Some(c)
}

/// HEXPIRE key time [NX|XX|GT|LT] FIELDS numfields field...
fn expire_generic(ctx: &mut Ctx, relative: bool, millis: bool, command: &str) {
    let argc = ctx.argc();
    // The FIELDS token is searched from the first option on, never as the last argument.
    let fields_at = (3..argc.saturating_sub(1)).find(|&i| eq_ic(ctx.arg(i), "fields"));
    let (conditions, numfields, first_field) = match fields_at {
        Some(at) => {
            let Some(conditions) = parse_conditions(ctx, 3, at) else {
                return;
            };
            let Some(numfields) = parse_numfields(ctx, ctx.arg(at + 1)) else {
                return;
            };
            (conditions, numfields, at + 2)
        }
        None => (ExpireConditions::default(), 0, argc),
    };
    if !numfields_matches(numfields, argc - first_field) {
        return ctx.out.error(NUMFIELDS_MISMATCH);
    }
    let now = ctx.now_ms;
    let base = if relative { now } else { 0 };
    let when = match expire_time_arg(ctx.arg(2), base, !millis, command) {
        Ok(when) => when,
        Err(text) => return ctx.out.error(&text),
    };
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(first_field..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, false);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => {
            out.array(fields.len());
            return fields
                .iter()
                .for_each(|_| out.int(ExpireOutcome::NoField as i64));
        }
        Found::Value(hash) => hash,
    };
    let was_volatile = hash.has_volatile_fields();
    out.array(fields.len());
    let mut deleted: Vec<&[u8]> = Vec::new();
    let mut updated = 0u64;
    for &field in fields {
        let outcome = hash.set_expiry(field, when, conditions, now);
        match outcome {
            ExpireOutcome::Deleted => deleted.push(field),
            ExpireOutcome::Set => updated += 1,
            ExpireOutcome::NoField | ExpireOutcome::ConditionNotMet => {}
        }
        out.int(outcome as i64);
    }
    if deleted.is_empty() && updated == 0 {
        return;
    }
    let key_deleted = settle_after_write(ctx, key, was_volatile);
    ctx.mark_dirty(deleted.len() as u64 + updated);
    // One event for the whole command: `hexpired` wins over `hexpire` when both happened.
    let event = if deleted.is_empty() {
        "hexpire"
    } else {
        "hexpired"
    };
    ctx.notify(class::HASH, event, key);
    raise_del_if(ctx, key_deleted, key);
    if !deleted.is_empty() {
        ctx.record_effect(effect([&b"HDEL"[..], key].into_iter().chain(deleted)));
    } else {
        let when = when.to_string();
        let head = [&b"HPEXPIREAT"[..], key, when.as_bytes()];
        let rest = args.get(3..).unwrap_or(&[]).iter().copied();
        ctx.record_effect(effect(head.into_iter().chain(rest)));
    }
}

/// HTTL key FIELDS numfields field... and its family: per field -2 (no such field), -1 (no
/// time), or the remaining time (relative forms, never negative) or the absolute time; seconds
/// are rounded to the nearest one, as TTL does.
fn ttl_generic(ctx: &mut Ctx, relative: bool, millis: bool) {
    let Some(numfields) = parse_numfields(ctx, ctx.arg(3)) else {
        return;
    };
    if !numfields_matches(numfields, ctx.argc().saturating_sub(4)) {
        return ctx.out.error(err::SYNTAX);
    }
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(4..).unwrap_or(&[]);
    let now = ctx.now_ms;
    let base = if relative { now } else { 0 };
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(hash) => Some(hash),
    };
    out.array(fields.len());
    for field in fields {
        let ttl = hash
            .as_ref()
            .map_or(FieldTtl::Missing, |h| h.ttl(field, now));
        out.int(match ttl {
            FieldTtl::Missing => -2,
            FieldTtl::Persistent => -1,
            FieldTtl::At(when) => {
                let value = when.saturating_sub(base).max(0);
                if millis {
                    value
                } else {
                    value.saturating_add(500) / 1000
                }
            }
        });
    }
}

/// HPERSIST key FIELDS numfields field...: per field -2 (no such field), -1 (no time), 1
/// (removed). Replicated as it is.
pub(super) fn hpersist(ctx: &mut Ctx) {
    let Some(numfields) = parse_numfields(ctx, ctx.arg(3)) else {
        return;
    };
    if !numfields_matches(numfields, ctx.argc().saturating_sub(4)) {
        return ctx.out.error(NUMFIELDS_MISMATCH);
    }
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(4..).unwrap_or(&[]);
    let now = ctx.now_ms;
    let (out, found) = find(ctx, key, false);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => {
            out.array(fields.len());
            return fields.iter().for_each(|_| out.int(-2));
        }
        Found::Value(hash) => hash,
    };
    let was_volatile = hash.has_volatile_fields();
    out.array(fields.len());
    let mut changes = 0u64;
    for field in fields {
        let outcome = hash.persist(field, now);
        if outcome == ferrokey_ds::hash::PersistOutcome::Removed {
            changes += 1;
        }
        out.int(outcome as i64);
    }
    if changes > 0 {
        settle_after_write(ctx, key, was_volatile);
        ctx.mark_dirty(changes);
        ctx.notify(class::HASH, "hpersist", key);
    }
}
