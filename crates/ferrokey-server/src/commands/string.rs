//! The string family: GET/SET and their variants, counters, ranges and LCS.
//!
//! Encodings follow Valkey 8.1: a value that is the canonical form of an i64 is `int`; a value
//! created whole is `embstr` when it fits the 64-byte object with its key (see
//! `value::embstr_fits`), `raw` otherwise; APPEND and SETRANGE always leave `raw`.
//! Expiry options are replicated as absolute times (`PXAT`), so replay does not depend on when
//! it happens.
//!
//! Keyspace events follow Valkey's t_string.c: `set` (then `expire` when an expiry is given)
//! for every SET-like store, `append`, `setrange` (only when the string changed), `incrby` for
//! all four integer counters, `incrbyfloat`, `del` for GETDEL; an expiry time already past
//! deletes the key with an `expired` event instead (see `Ctx::expire_now`).

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::keyspace::value::{embstr_fits, flags, Value};
use crate::notify::class;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("get", get, Scope::Keys),
    ("set", set, Scope::Keys),
    ("setnx", setnx, Scope::Keys),
    ("setex", setex, Scope::Keys),
    ("psetex", psetex, Scope::Keys),
    ("getset", getset, Scope::Keys),
    ("getdel", getdel, Scope::Keys),
    ("getex", getex, Scope::Keys),
    ("mget", mget, Scope::Keys),
    ("mset", mset, Scope::Keys),
    ("msetnx", msetnx, Scope::Keys),
    ("append", append, Scope::Keys),
    ("strlen", strlen, Scope::Keys),
    ("setrange", setrange, Scope::Keys),
    ("getrange", getrange, Scope::Keys),
    ("substr", getrange, Scope::Keys),
    ("incr", incr, Scope::Keys),
    ("decr", decr, Scope::Keys),
    ("incrby", incrby, Scope::Keys),
    ("decrby", decrby, Scope::Keys),
    ("incrbyfloat", incrbyfloat, Scope::Keys),
    ("lcs", lcs, Scope::Keys),
];

/// Entry flags for a string value created whole (SET and friends).
fn string_flags(key: &[u8], value: &Value, created_with_expire: bool) -> u8 {
    match value {
        Value::Int(_) => 0,
        other => {
            let len = other.string_len().unwrap_or(0);
            if embstr_fits(key.len(), len, created_with_expire) {
                0
            } else {
                flags::RAW
            }
        }
    }
}

fn get(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    ctx.reply_string_of(key);
}

/// When a SET-like command makes the key expire, as parsed from its options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expiry {
    None,
    KeepTtl,
    Persist,
    /// Absolute time in ms.
    At(i64),
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Condition {
    Always,
    Nx,
    Xx,
}

struct SetOptions<'a> {
    condition: Condition,
    get: bool,
    if_eq: Option<&'a [u8]>,
    expiry: Expiry,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum ExpireUnit {
    Seconds,
    Millis,
}

/// Converts an expiry argument to an absolute time in ms, replying with Redis's error when it is
/// invalid. `relative` is EX/PX (from now), otherwise EXAT/PXAT.
fn expire_arg_to_ms(
    ctx: &mut Ctx,
    arg: &[u8],
    unit: ExpireUnit,
    relative: bool,
    command: &str,
) -> Option<i64> {
    let Some(mut ms) = parse_i64(arg) else {
        ctx.out.error(err::NOT_INTEGER);
        return None;
    };
    let invalid = |ctx: &mut Ctx| {
        ctx.out
            .error(&format!("ERR invalid expire time in '{command}' command"));
    };
    if ms <= 0 || (unit == ExpireUnit::Seconds && ms > i64::MAX / 1000) {
        invalid(ctx);
        return None;
    }
    if unit == ExpireUnit::Seconds {
        ms *= 1000;
    }
    if relative {
        match ms.checked_add(ctx.now_ms) {
            Some(at) => ms = at,
            None => {
                invalid(ctx);
                return None;
            }
        }
    }
    Some(ms)
}

/// Parses SET's (and GETEX's) options from argument `first` on, as Valkey does: each option
/// may only combine with compatible ones, a repeated compatible option is accepted.
fn parse_set_options<'a>(
    ctx: &mut Ctx<'a, '_>,
    first: usize,
    getex: bool,
) -> Option<SetOptions<'a>> {
    let command = if getex { "getex" } else { "set" };
    let mut opts = SetOptions {
        condition: Condition::Always,
        get: false,
        if_eq: None,
        expiry: Expiry::None,
    };
    let mut pending: Option<(&'a [u8], ExpireUnit, bool)> = None;
    let mut kind: Option<&'static str> = None;
    let mut j = first;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        let has_next = j + 1 < ctx.argc();
        let expiry_kind_ok = |k: &str| kind.is_none() || kind == Some(k);
        if !getex && eq_ic(opt, "nx") && opts.condition != Condition::Xx && opts.if_eq.is_none() {
            opts.condition = Condition::Nx;
        } else if !getex
            && eq_ic(opt, "xx")
            && opts.condition != Condition::Nx
            && opts.if_eq.is_none()
        {
            opts.condition = Condition::Xx;
        } else if !getex && eq_ic(opt, "ifeq") && has_next && opts.condition == Condition::Always {
            opts.if_eq = Some(ctx.arg(j + 1));
            j += 1;
        } else if !getex && eq_ic(opt, "get") {
            opts.get = true;
        } else if !getex && eq_ic(opt, "keepttl") && expiry_kind_ok("keepttl") {
            kind = Some("keepttl");
            opts.expiry = Expiry::KeepTtl;
        } else if getex && eq_ic(opt, "persist") && expiry_kind_ok("persist") {
            kind = Some("persist");
            opts.expiry = Expiry::Persist;
        } else if has_next
            && ["ex", "px", "exat", "pxat"]
                .iter()
                .any(|k| eq_ic(opt, k) && expiry_kind_ok(k))
        {
            let name = ["ex", "px", "exat", "pxat"]
                .into_iter()
                .find(|k| eq_ic(opt, k))
                .unwrap_or("ex");
            kind = Some(name);
            let unit = if name.starts_with('e') {
                ExpireUnit::Seconds
            } else {
                ExpireUnit::Millis
            };
            pending = Some((ctx.arg(j + 1), unit, !name.ends_with("at")));
            j += 1;
        } else {
            ctx.out.error(err::SYNTAX);
            return None;
        }
        j += 1;
    }
    if let Some((arg, unit, relative)) = pending {
        opts.expiry = Expiry::At(expire_arg_to_ms(ctx, arg, unit, relative, command)?);
    }
    Some(opts)
}

fn set(ctx: &mut Ctx) {
    let Some(opts) = parse_set_options(ctx, 3, false) else {
        return;
    };
    let key = ctx.arg(1);
    let value = ctx.arg(2);
    let old = if opts.get || opts.if_eq.is_some() {
        match ctx.read_string(key) {
            Ok(old) => old,
            Err(()) => return,
        }
    } else {
        None
    };
    let exists = if opts.get || opts.if_eq.is_some() {
        old.is_some()
    } else {
        ctx.exists(key)
    };
    let proceed = match opts.condition {
        Condition::Nx => !exists,
        Condition::Xx => exists,
        Condition::Always => match opts.if_eq {
            Some(expected) => old.as_deref() == Some(expected),
            None => true,
        },
    };
    if proceed {
        set_string(ctx, key, value, opts.expiry);
    }
    if opts.get {
        match old {
            Some(old) => ctx.out.bulk(&old),
            None => ctx.out.null(),
        }
    } else if proceed {
        ctx.out.ok();
    } else {
        ctx.out.null();
    }
}

/// Stores a string value with the given expiry and records the effect: an expiry in the past
/// deletes the key (replicated as DEL), relative expiries replicate as absolute PXAT.
fn set_string(ctx: &mut Ctx, key: &[u8], bytes: &[u8], expiry: Expiry) {
    if let Expiry::At(at) = expiry {
        if at <= ctx.now_ms {
            ctx.expire_now(key);
            return;
        }
    }
    let value = Value::from_bytes(bytes);
    let entry_flags = string_flags(key, &value, matches!(expiry, Expiry::At(_)));
    ctx.set_value(key, value, entry_flags, expiry == Expiry::KeepTtl);
    ctx.mark_dirty(1);
    ctx.notify(class::STRING, "set", key);
    if let Expiry::At(_) = expiry {
        ctx.notify(class::GENERIC, "expire", key);
    }
    match expiry {
        Expiry::At(at) => {
            ctx.set_expire(key, at);
            ctx.record_effect(vec![
                b"SET".to_vec(),
                key.to_vec(),
                bytes.to_vec(),
                b"PXAT".to_vec(),
                at.to_string().into_bytes(),
            ]);
        }
        Expiry::KeepTtl => ctx.record_effect(vec![
            b"SET".to_vec(),
            key.to_vec(),
            bytes.to_vec(),
            b"KEEPTTL".to_vec(),
        ]),
        Expiry::None | Expiry::Persist => {
            ctx.record_effect(vec![b"SET".to_vec(), key.to_vec(), bytes.to_vec()])
        }
    }
}

fn setnx(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    if ctx.exists(key) {
        ctx.out.int(0);
    } else {
        set_string(ctx, key, ctx.arg(2), Expiry::None);
        ctx.out.int(1);
    }
}

fn setex_generic(ctx: &mut Ctx, unit: ExpireUnit, command: &str) {
    let key = ctx.arg(1);
    let Some(at) = expire_arg_to_ms(ctx, ctx.arg(2), unit, true, command) else {
        return;
    };
    set_string(ctx, key, ctx.arg(3), Expiry::At(at));
    ctx.out.ok();
}

fn setex(ctx: &mut Ctx) {
    setex_generic(ctx, ExpireUnit::Seconds, "setex");
}

fn psetex(ctx: &mut Ctx) {
    setex_generic(ctx, ExpireUnit::Millis, "psetex");
}

fn getset(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let Ok(old) = ctx.read_string(key) else {
        return;
    };
    set_string(ctx, key, ctx.arg(2), Expiry::None);
    match old {
        Some(old) => ctx.out.bulk(&old),
        None => ctx.out.null(),
    }
}

fn getdel(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let Ok(old) = ctx.read_string(key) else {
        return;
    };
    match old {
        Some(old) => {
            ctx.delete(key);
            ctx.mark_dirty(1);
            ctx.record_effect(vec![b"DEL".to_vec(), key.to_vec()]);
            ctx.notify(class::GENERIC, "del", key);
            ctx.out.bulk(&old);
        }
        None => ctx.out.null(),
    }
}

fn getex(ctx: &mut Ctx) {
    let Some(opts) = parse_set_options(ctx, 2, true) else {
        return;
    };
    let key = ctx.arg(1);
    let Ok(value) = ctx.read_string(key) else {
        return;
    };
    let Some(value) = value else {
        ctx.out.null();
        return;
    };
    match opts.expiry {
        Expiry::At(at) if at <= ctx.now_ms => {
            ctx.expire_now(key);
        }
        Expiry::At(at) => {
            ctx.set_expire(key, at);
            ctx.mark_dirty(1);
            ctx.record_effect(vec![
                b"PEXPIREAT".to_vec(),
                key.to_vec(),
                at.to_string().into_bytes(),
            ]);
            ctx.notify(class::GENERIC, "expire", key);
        }
        Expiry::Persist => {
            if ctx.persist(key) {
                ctx.mark_dirty(1);
                ctx.record_effect(vec![b"PERSIST".to_vec(), key.to_vec()]);
                ctx.notify(class::GENERIC, "persist", key);
            }
        }
        Expiry::None | Expiry::KeepTtl => {}
    }
    ctx.out.bulk(&value);
}

fn mget(ctx: &mut Ctx) {
    ctx.out.array(ctx.argc() - 1);
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        let mut tmp = [0u8; 20];
        let found = ctx
            .lookup_read(key)
            .and_then(|e| e.value.string_bytes(&mut tmp).map(|b| b.to_vec()));
        match found {
            Some(bytes) => ctx.out.bulk(&bytes),
            None => ctx.out.null(),
        }
    }
}

fn mset_pairs_ok(ctx: &mut Ctx, command: &str) -> bool {
    if ctx.argc().is_multiple_of(2) {
        ctx.out.error(&format!(
            "ERR wrong number of arguments for '{command}' command"
        ));
        return false;
    }
    true
}

fn mset(ctx: &mut Ctx) {
    if mset_pairs_ok(ctx, "mset") {
        set_pairs(ctx);
        ctx.out.ok();
    }
}

fn msetnx(ctx: &mut Ctx) {
    if !mset_pairs_ok(ctx, "msetnx") {
        return;
    }
    let any_exists = (1..ctx.argc()).step_by(2).any(|i| {
        let key = ctx.arg(i);
        ctx.exists(key)
    });
    if any_exists {
        ctx.out.int(0);
    } else {
        set_pairs(ctx);
        ctx.out.int(1);
    }
}

/// Stores every key/value pair of an MSET-like command, clearing any expiry.
fn set_pairs(ctx: &mut Ctx) {
    for i in (1..ctx.argc()).step_by(2) {
        let (key, bytes) = (ctx.arg(i), ctx.arg(i + 1));
        let value = Value::from_bytes(bytes);
        let entry_flags = string_flags(key, &value, false);
        ctx.set_value(key, value, entry_flags, false);
        ctx.notify(class::STRING, "set", key);
    }
    ctx.mark_dirty((ctx.argc() as u64 - 1) / 2);
}

/// Checks a string's new length against proto-max-bulk-len, replying the error when too long.
fn length_ok(ctx: &mut Ctx, total: u64) -> bool {
    let max = ctx
        .server
        .settings
        .proto_max_bulk_len_bytes
        .load(std::sync::atomic::Ordering::Relaxed);
    if total > max {
        ctx.out.error(err::STRING_TOO_LONG);
        return false;
    }
    true
}

fn append(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let suffix = ctx.arg(2);
    let current = match ctx.lookup_write(key) {
        None => None,
        Some(entry) if !entry.value.is_string() => {
            ctx.out.error(err::WRONGTYPE);
            return;
        }
        Some(entry) => Some(entry.value.string_len().unwrap_or(0)),
    };
    let new_len = match current {
        None => {
            let value = Value::from_bytes(suffix);
            let entry_flags = string_flags(key, &value, false);
            ctx.set_value(key, value, entry_flags, false);
            suffix.len()
        }
        Some(len) => {
            if !length_ok(ctx, len as u64 + suffix.len() as u64) {
                return;
            }
            modify_raw(ctx, key, |bytes| bytes.extend_from_slice(suffix))
        }
    };
    ctx.mark_dirty(1);
    // Raised even for an empty suffix, as Valkey does.
    ctx.notify(class::STRING, "append", key);
    ctx.out.int(new_len as i64);
}

/// Applies `edit` to the bytes of an existing string key, leaving it `raw` encoded as Redis
/// does for in-place edits. Returns the new length.
fn modify_raw(ctx: &mut Ctx, key: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> usize {
    let Some(entry) = ctx.lookup_write(key) else {
        return 0;
    };
    let mut bytes = match std::mem::replace(&mut entry.value, Value::Int(0)) {
        Value::Long(v) => *v,
        other => other.into_string_vec().unwrap_or_default(),
    };
    edit(&mut bytes);
    let len = bytes.len();
    // Keep growable storage even for short strings: APPEND loops rely on amortized growth.
    entry.value = Value::Long(Box::new(bytes));
    entry.set_flag(flags::RAW, true);
    len
}

fn strlen(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    match ctx.lookup_read(key) {
        None => ctx.out.int(0),
        Some(entry) => match entry.value.string_len() {
            Some(len) => ctx.out.int(len as i64),
            None => ctx.out.error(err::WRONGTYPE),
        },
    }
}

fn setrange(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let Some(offset) = parse_i64(ctx.arg(2)) else {
        ctx.out.error(err::NOT_INTEGER);
        return;
    };
    let patch = ctx.arg(3);
    let current = match ctx.lookup_write(key) {
        None => None,
        Some(entry) => match entry.value.string_len() {
            Some(len) => Some(len),
            None => {
                ctx.out.error(err::WRONGTYPE);
                return;
            }
        },
    };
    if offset < 0 {
        ctx.out.error("ERR offset is out of range");
        return;
    }
    let offset = offset as u64;
    match current {
        None if patch.is_empty() => {
            ctx.out.int(0);
            return;
        }
        Some(len) if patch.is_empty() => {
            ctx.out.int(len as i64);
            return;
        }
        _ => {}
    }
    if !length_ok(ctx, offset + patch.len() as u64) {
        return;
    }
    let offset = offset as usize;
    if current.is_none() {
        ctx.set_value(key, Value::Long(Box::default()), flags::RAW, false);
    }
    let len = modify_raw(ctx, key, |bytes| {
        let end = offset + patch.len();
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        bytes[offset..end].copy_from_slice(patch);
    });
    ctx.mark_dirty(1);
    ctx.notify(class::STRING, "setrange", key);
    ctx.out.int(len as i64);
}

fn getrange(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let (Some(mut start), Some(mut end)) = (parse_i64(ctx.arg(2)), parse_i64(ctx.arg(3))) else {
        ctx.out.error(err::NOT_INTEGER);
        return;
    };
    let Ok(value) = ctx.read_string(key) else {
        return;
    };
    let value = value.unwrap_or_default();
    let len = value.len() as i64;
    if start < 0 && end < 0 && start > end {
        ctx.out.bulk(b"");
        return;
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        ctx.out.bulk(b"");
        return;
    }
    ctx.out.bulk(&value[start as usize..=end as usize]);
}

fn incr_by(ctx: &mut Ctx, delta: i64) {
    let key = ctx.arg(1);
    let current = match ctx.lookup_write(key) {
        None => 0,
        Some(entry) => match &entry.value {
            Value::Int(n) => *n,
            other => {
                let mut tmp = [0u8; 20];
                let Some(bytes) = other.string_bytes(&mut tmp) else {
                    ctx.out.error(err::WRONGTYPE);
                    return;
                };
                match parse_i64(bytes) {
                    Some(n) => n,
                    None => {
                        ctx.out.error(err::NOT_INTEGER);
                        return;
                    }
                }
            }
        },
    };
    let Some(new) = current.checked_add(delta) else {
        ctx.out.error(err::OVERFLOW);
        return;
    };
    // The key keeps its TTL: an increment is not a new value.
    ctx.set_value(key, Value::Int(new), 0, true);
    ctx.mark_dirty(1);
    // Valkey names INCR, DECR and DECRBY's event `incrby` too.
    ctx.notify(class::STRING, "incrby", key);
    ctx.out.int(new);
}

fn incr(ctx: &mut Ctx) {
    incr_by(ctx, 1);
}

fn decr(ctx: &mut Ctx) {
    incr_by(ctx, -1);
}

fn incrby(ctx: &mut Ctx) {
    match parse_i64(ctx.arg(2)) {
        Some(delta) => incr_by(ctx, delta),
        None => ctx.out.error(err::NOT_INTEGER),
    }
}

fn decrby(ctx: &mut Ctx) {
    match parse_i64(ctx.arg(2)) {
        Some(i64::MIN) => ctx.out.error("ERR decrement would overflow"),
        Some(delta) => incr_by(ctx, -delta),
        None => ctx.out.error(err::NOT_INTEGER),
    }
}

fn incrbyfloat(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    let current = match ctx.read_string_for_write(key) {
        Ok(current) => current,
        Err(()) => return,
    };
    use ferrokey_util::long_double::{incr_by_float, IncrFloatError};
    let result = match incr_by_float(current.as_deref(), ctx.arg(2)) {
        Ok(result) => result,
        Err(IncrFloatError::NotFinite) => {
            ctx.out.error("ERR increment would produce NaN or Infinity");
            return;
        }
        Err(IncrFloatError::InvalidCurrent | IncrFloatError::InvalidIncrement) => {
            ctx.out.error(err::NOT_FLOAT);
            return;
        }
    };
    let value = Value::from_bytes_verbatim(&result);
    let entry_flags = string_flags(key, &value, false);
    ctx.set_value(key, value, entry_flags, true);
    ctx.mark_dirty(1);
    ctx.notify(class::STRING, "incrbyfloat", key);
    ctx.record_effect(vec![
        b"SET".to_vec(),
        key.to_vec(),
        result.clone(),
        b"KEEPTTL".to_vec(),
    ]);
    ctx.out.bulk(&result);
}

fn lcs(ctx: &mut Ctx) {
    let mut values = [Vec::new(), Vec::new()];
    for (slot, key_index) in values.iter_mut().zip([1, 2]) {
        let key = ctx.arg(key_index);
        let mut tmp = [0u8; 20];
        match ctx.lookup_read(key) {
            None => {}
            Some(entry) => match entry.value.string_bytes(&mut tmp) {
                Some(bytes) => *slot = bytes.to_vec(),
                None => {
                    ctx.out
                        .error("ERR The specified keys must contain string values");
                    return;
                }
            },
        }
    }
    let mut want_len = false;
    let mut want_idx = false;
    let mut with_match_len = false;
    let mut min_match_len: i64 = 0;
    let mut j = 3;
    while j < ctx.argc() {
        let opt = ctx.arg(j);
        if eq_ic(opt, "idx") {
            want_idx = true;
        } else if eq_ic(opt, "len") {
            want_len = true;
        } else if eq_ic(opt, "withmatchlen") {
            with_match_len = true;
        } else if eq_ic(opt, "minmatchlen") && j + 1 < ctx.argc() {
            match parse_i64(ctx.arg(j + 1)) {
                Some(n) => min_match_len = n.max(0),
                None => {
                    ctx.out.error(err::NOT_INTEGER);
                    return;
                }
            }
            j += 1;
        } else {
            ctx.out.error(err::SYNTAX);
            return;
        }
        j += 1;
    }
    if want_len && want_idx {
        ctx.out
            .error("ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    let max = ctx
        .server
        .settings
        .proto_max_bulk_len_bytes
        .load(std::sync::atomic::Ordering::Relaxed);
    let [a, b] = &values;
    let result = match ferrokey_util::lcs::lcs(a, b, max) {
        Ok(result) => result,
        Err(error) => {
            ctx.out.error(&format!("ERR {error}"));
            return;
        }
    };
    if !want_idx {
        if want_len {
            ctx.out.int(result.sequence.len() as i64);
        } else {
            ctx.out.bulk(&result.sequence);
        }
        return;
    }
    let matches: Vec<_> = result
        .matches
        .iter()
        .filter(|m| m.passes_min_len(min_match_len))
        .collect();
    ctx.out.map(2);
    ctx.out.bulk(b"matches");
    ctx.out.array(matches.len());
    for m in matches {
        ctx.out.array(if with_match_len { 3 } else { 2 });
        ctx.out.array(2);
        ctx.out.int(m.a_start as i64);
        ctx.out.int(m.a_end as i64);
        ctx.out.array(2);
        ctx.out.int(m.b_start as i64);
        ctx.out.int(m.b_end as i64);
        if with_match_len {
            ctx.out.int(m.len() as i64);
        }
    }
    ctx.out.bulk(b"len");
    ctx.out.int(result.sequence.len() as i64);
}
