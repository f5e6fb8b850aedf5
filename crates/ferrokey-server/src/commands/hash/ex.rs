//! HGETEX and HSETEX (Valkey 9.0), which read or write fields and set, keep or remove their
//! expiry times in one command, and HGETDEL, which Valkey 9.0 does not have: it follows Valkey
//! 9.1's definition (Redis 8.0 has the same command with other error texts and checks the key's
//! type first).
//!
//! HGETEX and HSETEX find their `FIELDS` token by scanning from the key on (so a key named
//! `fields` is taken for the token, as in Valkey) and parse the options between the key and the
//! token as Valkey's `parseExtendedCommandArgumentsOrReply` does: one expiry form (EX, PX, EXAT,
//! PXAT, and KEEPTTL for HSETEX or PERSIST for HGETEX), FNX or FXX for HSETEX; a form may be
//! repeated (the last value wins) but two different ones, or a time argument that would be the
//! FIELDS token, are a syntax error. The key's type is checked before the time argument.
//!
//! Effects: HGETEX is never replicated as it is: `HPEXPIREAT key <ms> FIELDS n <fields changed>`,
//! `HPERSIST key FIELDS n <fields changed>` or, for a time not in the future,
//! `HDEL key <fields deleted>`. HSETEX is replicated without FNX/FXX and with any relative or
//! second-based time as `PXAT <ms>`; a time not in the future becomes `HDEL key <fields deleted>`;
//! with KEEPTTL, fields it overwrote after they expired are first deleted with HDEL, so a replica
//! that still holds them does not keep their old time. HGETDEL is replicated as it is.
//!
//! Keyspace events: HGETEX raises one `hexpire`, `hpersist` or (for a time not in the future)
//! `hexpired` when it changed a field, then `del` if the hash went empty. HSETEX, once its FNX/FXX
//! conditions hold, raises `hexpired` if it overwrote fields whose time had passed, then always
//! `hset`, `hexpire` when a time was given, `hexpired` when that time was not in the future, and
//! `del` when the hash ended empty; as Valkey 9.0 creates the hash before it knows the time is
//! past, a missing key raises `new` ... `del` around those even though nothing is stored. HGETDEL
//! raises `hdel` and then `del`, like HDEL.

use ferrokey_ds::hash::{ExpireConditions, ExpireOutcome, FieldExpiry, HashValue, PersistOutcome};

use super::ttl::{expire_time_arg, numfields_matches, parse_numfields};
use super::{
    bulk_entry, effect, find, limits, raise_del_if, settle_after_write, Found, NUMFIELDS_MISMATCH,
};
use crate::commands::{err, Ctx};
use crate::keyspace::value::Value;
use crate::notify::class;
use crate::util::eq_ic;

/// The expiry form of an HGETEX/HSETEX command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeForm {
    Ex,
    Px,
    ExAt,
    PxAt,
}

impl TimeForm {
    fn of(token: &[u8]) -> Option<TimeForm> {
        [
            ("ex", TimeForm::Ex),
            ("px", TimeForm::Px),
            ("exat", TimeForm::ExAt),
            ("pxat", TimeForm::PxAt),
        ]
        .into_iter()
        .find(|(name, _)| eq_ic(token, name))
        .map(|(_, form)| form)
    }

    fn relative(self) -> bool {
        matches!(self, TimeForm::Ex | TimeForm::Px)
    }

    fn in_seconds(self) -> bool {
        matches!(self, TimeForm::Ex | TimeForm::ExAt)
    }
}

/// The options between the key and FIELDS.
#[derive(Default)]
struct ExOptions<'a> {
    fnx: bool,
    fxx: bool,
    keepttl: bool,
    persist: bool,
    time: Option<(TimeForm, &'a [u8])>,
}

/// Which command's options are parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Get,
    Set,
}

/// Parses the options at `from..to`, replying a syntax error for anything else or any conflict.
fn parse_options<'a>(
    ctx: &mut Ctx<'a, '_>,
    from: usize,
    to: usize,
    flavor: Flavor,
) -> Option<ExOptions<'a>> {
    let mut o = ExOptions::default();
    let mut j = from;
    while j < to {
        let opt = ctx.arg(j);
        let next = (j + 1 < to).then(|| ctx.arg(j + 1));
        let setter = flavor == Flavor::Set;
        if setter && eq_ic(opt, "fnx") && !o.fxx {
            o.fnx = true;
        } else if setter && eq_ic(opt, "fxx") && !o.fnx {
            o.fxx = true;
        } else if setter && eq_ic(opt, "keepttl") && o.time.is_none() {
            o.keepttl = true;
        } else if !setter && eq_ic(opt, "persist") && o.time.is_none() {
            o.persist = true;
        } else if let (Some(form), Some(value)) = (TimeForm::of(opt), next) {
            let other_form = o.time.is_some_and(|(current, _)| current != form);
            if o.keepttl || o.persist || other_form {
                ctx.out.error(err::SYNTAX);
                return None;
            }
            o.time = Some((form, value));
            j += 1;
        } else {
            ctx.out.error(err::SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// The position of the FIELDS token of HGETEX/HSETEX: the first argument from the key on that
/// says FIELDS and is not the last one.
fn fields_token(ctx: &Ctx) -> Option<usize> {
    (1..ctx.argc().saturating_sub(1)).find(|&i| eq_ic(ctx.arg(i), "fields"))
}

/// The absolute time of the options' expiry form, if any (errors are replied later, after the
/// type check, as in Valkey).
fn option_time(ctx: &Ctx, o: &ExOptions, command: &str) -> Option<Result<i64, String>> {
    let (form, value) = o.time?;
    let base = if form.relative() { ctx.now_ms } else { 0 };
    Some(expire_time_arg(value, base, form.in_seconds(), command))
}

/// What HGETEX does to each field it returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GetAction {
    Read,
    Persist,
    ExpireAt(i64),
    Delete,
}

/// HGETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST] FIELDS numfields field...
pub(super) fn hgetex(ctx: &mut Ctx) {
    let argc = ctx.argc();
    let Some(at) = fields_token(ctx) else {
        return ctx.out.error(NUMFIELDS_MISMATCH);
    };
    let Some(options) = parse_options(ctx, 2, at, Flavor::Get) else {
        return;
    };
    let Some(numfields) = parse_numfields(ctx, ctx.arg(at + 1)) else {
        return;
    };
    if !numfields_matches(numfields, argc - (at + 2)) {
        return ctx.out.error(NUMFIELDS_MISMATCH);
    }
    let now = ctx.now_ms;
    let time = option_time(ctx, &options, "hgetex");
    let key = ctx.arg(1);
    let args = ctx.args;
    let fields = args.get(at + 2..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, true);
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(hash) => Some(hash),
    };
    let action = match time {
        Some(Err(text)) => return out.error(&text),
        Some(Ok(when)) if when <= now => GetAction::Delete,
        Some(Ok(when)) => GetAction::ExpireAt(when),
        None if options.persist => GetAction::Persist,
        None => GetAction::Read,
    };
    out.array(fields.len());
    let Some(hash) = hash else {
        return fields.iter().for_each(|_| out.null());
    };
    let was_volatile = hash.has_volatile_fields();
    let mut changed: Vec<&[u8]> = Vec::new();
    for &field in fields {
        match hash.get(field, now) {
            Some(value) => bulk_entry(out, value),
            None => out.null(),
        }
        let done = match action {
            GetAction::Read => false,
            GetAction::Delete => hash.remove(field, now),
            GetAction::Persist => hash.persist(field, now) == PersistOutcome::Removed,
            GetAction::ExpireAt(when) => {
                hash.set_expiry(field, when, ExpireConditions::default(), now) == ExpireOutcome::Set
            }
        };
        if done {
            changed.push(field);
        }
    }
    if changed.is_empty() {
        return;
    }
    let key_deleted = settle_after_write(ctx, key, was_volatile);
    ctx.mark_dirty(changed.len() as u64);
    let event = match action {
        GetAction::Delete => "hexpired",
        GetAction::Persist => "hpersist",
        GetAction::ExpireAt(_) | GetAction::Read => "hexpire",
    };
    ctx.notify(class::HASH, event, key);
    raise_del_if(ctx, key_deleted, key);
    let count = changed.len().to_string();
    let replay = match action {
        GetAction::Delete => effect([&b"HDEL"[..], key].into_iter().chain(changed)),
        GetAction::Persist => effect(
            [&b"HPERSIST"[..], key, b"FIELDS", count.as_bytes()]
                .into_iter()
                .chain(changed),
        ),
        GetAction::ExpireAt(when) => {
            let when = when.to_string();
            effect(
                [
                    &b"HPEXPIREAT"[..],
                    key,
                    when.as_bytes(),
                    b"FIELDS",
                    count.as_bytes(),
                ]
                .into_iter()
                .chain(changed),
            )
        }
        GetAction::Read => return,
    };
    ctx.record_effect(replay);
}

/// HSETEX key [FNX|FXX] [EX s | PX ms | EXAT t | PXAT t | KEEPTTL] FIELDS numfields field value...
/// Replies 0 when FNX/FXX stopped it, else 1.
pub(super) fn hsetex(ctx: &mut Ctx) {
    let argc = ctx.argc();
    let Some(at) = fields_token(ctx) else {
        return ctx.out.error(NUMFIELDS_MISMATCH);
    };
    let Some(options) = parse_options(ctx, 2, at, Flavor::Set) else {
        return;
    };
    let Some(numfields) = parse_numfields(ctx, ctx.arg(at + 1)) else {
        return;
    };
    let pairs_given = (argc - (at + 2)) / 2;
    if (argc - (at + 2)) % 2 == 1 || !numfields_matches(numfields, pairs_given) {
        return ctx.out.error(NUMFIELDS_MISMATCH);
    }
    let now = ctx.now_ms;
    let time = option_time(ctx, &options, "hsetex");
    let limits = limits(ctx);
    let key = ctx.arg(1);
    let args = ctx.args;
    let pairs = args.get(at + 2..).unwrap_or(&[]);
    let (out, found) = find(ctx, key, false);
    let mut created = None;
    let hash = match found {
        Found::WrongType => return out.error(err::WRONGTYPE),
        Found::Missing => None,
        Found::Value(hash) => Some(hash),
    };
    let (expiry, past) = match time {
        Some(Err(text)) => return out.error(&text),
        Some(Ok(when)) => (FieldExpiry::At(when), when <= now),
        None if options.keepttl => (FieldExpiry::Keep, false),
        None => (FieldExpiry::Persistent, false),
    };
    let fields = || {
        pairs
            .chunks_exact(2)
            .filter_map(|pair| pair.first().copied())
    };
    let condition_fails = match hash.as_deref() {
        Some(hash) => fields().any(|f| {
            let exists = hash.contains(f, now);
            (options.fnx && exists) || (options.fxx && !exists)
        }),
        None => options.fxx,
    };
    if condition_fails {
        return out.int(0);
    }
    out.int(1);
    let timed = options.time.is_some();
    let hash = match hash {
        Some(hash) => hash,
        // A time already past on a missing key deletes nothing and creates nothing, but Valkey
        // creates the hash first and deletes it at the end, so its events say so.
        None if past => {
            ctx.notify(class::NEW, "new", key);
            raise_hsetex_events(ctx, key, false, timed, past);
            ctx.notify(class::GENERIC, "del", key);
            return;
        }
        None => created.insert(HashValue::new()),
    };
    let was_volatile = hash.has_volatile_fields();
    let mut deleted: Vec<&[u8]> = Vec::new();
    let mut expired_overwritten: Vec<&[u8]> = Vec::new();
    let mut any_expired_overwritten = false;
    let mut changes = 0u64;
    for pair in pairs.chunks_exact(2) {
        let [field, value] = pair else { continue };
        if past {
            if hash.remove_ignoring_expiry(field) {
                deleted.push(field);
                changes += 1;
            }
            continue;
        }
        let outcome = hash.set_field(field, value, expiry, &limits, now);
        any_expired_overwritten |= outcome.expired_overwritten;
        if outcome.expired_overwritten && options.keepttl {
            expired_overwritten.push(field);
        }
        changes += 1;
    }
    let key_deleted = match created {
        Some(hash) => {
            ctx.set_value(key, Value::Hash(Box::new(hash)), 0, false);
            false
        }
        None => settle_after_write(ctx, key, was_volatile),
    };
    raise_hsetex_events(ctx, key, any_expired_overwritten, timed, past);
    raise_del_if(ctx, key_deleted, key);
    if changes == 0 {
        return;
    }
    ctx.mark_dirty(changes);
    if !expired_overwritten.is_empty() {
        ctx.record_effect(effect(
            [&b"HDEL"[..], key].into_iter().chain(expired_overwritten),
        ));
    }
    if past {
        ctx.record_effect(effect([&b"HDEL"[..], key].into_iter().chain(deleted)));
        return;
    }
    let when = match expiry {
        FieldExpiry::At(when) => Some(when.to_string()),
        _ => None,
    };
    let mut words: Vec<&[u8]> = vec![b"HSETEX", key];
    match &when {
        Some(when) => words.extend([&b"PXAT"[..], when.as_bytes()]),
        None if options.keepttl => words.push(b"KEEPTTL"),
        None => {}
    }
    words.extend([ctx.arg(at), ctx.arg(at + 1)]);
    words.extend(pairs.iter().copied());
    ctx.record_effect(effect(words));
}

/// HSETEX's events between `new` and `del`, in Valkey 9.0's order.
fn raise_hsetex_events(ctx: &Ctx, key: &[u8], overwrote_expired: bool, timed: bool, past: bool) {
    if overwrote_expired {
        ctx.notify(class::HASH, "hexpired", key);
    }
    ctx.notify(class::HASH, "hset", key);
    if timed {
        ctx.notify(class::HASH, "hexpire", key);
    }
    if past {
        ctx.notify(class::HASH, "hexpired", key);
    }
}

/// HGETDEL key FIELDS numfields field...: each field's value (nil when missing), deleting it;
/// the key goes with its last field.
pub(super) fn hgetdel(ctx: &mut Ctx) {
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
            return fields.iter().for_each(|_| out.null());
        }
        Found::Value(hash) => hash,
    };
    let was_volatile = hash.has_volatile_fields();
    out.array(fields.len());
    let mut deleted = 0u64;
    for field in fields {
        // Once the last field went, the key is gone: later fields read as missing.
        match hash.get(field, now) {
            Some(value) => bulk_entry(out, value),
            None => out.null(),
        }
        if hash.remove(field, now) {
            deleted += 1;
        }
    }
    if deleted > 0 {
        let key_deleted = settle_after_write(ctx, key, was_volatile);
        ctx.mark_dirty(deleted);
        ctx.notify(class::HASH, "hdel", key);
        raise_del_if(ctx, key_deleted, key);
    }
}
