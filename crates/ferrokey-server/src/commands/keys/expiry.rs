//! The expiry family: EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT, TTL/PTTL/EXPIRETIME/PEXPIRETIME and
//! PERSIST, and the deletion of a key whose new expiry time is already past.
//!
//! Expiry commands are replicated as absolute `PEXPIREAT`, or as `DEL` when the time given is
//! already past, so replay never depends on when it happens. A time already past deletes the
//! key as expiry would: it counts in `expired_keys` and raises `expired`, not `del` (Valkey's
//! `deleteExpiredKeyFromOverwriteAndPropagate`).

use crate::commands::{err, parse_i64, Ctx};
use crate::notify::class;
use crate::server::Stats;
use crate::util::eq_ic;

/// EXPIRE-family conditions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireCondition {
    Always,
    Nx,
    Xx,
    Gt,
    Lt,
}

fn parse_expire_condition(ctx: &mut Ctx) -> Option<ExpireCondition> {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for i in 3..ctx.argc() {
        let opt = ctx.arg(i);
        if eq_ic(opt, "nx") {
            nx = true;
        } else if eq_ic(opt, "xx") {
            xx = true;
        } else if eq_ic(opt, "gt") {
            gt = true;
        } else if eq_ic(opt, "lt") {
            lt = true;
        } else {
            ctx.out.error(&format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(opt)
            ));
            return None;
        }
    }
    if nx && (xx || gt || lt) {
        ctx.out
            .error("ERR NX and XX, GT or LT options at the same time are not compatible");
        return None;
    }
    if gt && lt {
        ctx.out
            .error("ERR GT and LT options at the same time are not compatible");
        return None;
    }
    Some(match (nx, xx, gt, lt) {
        (true, ..) => ExpireCondition::Nx,
        (_, _, true, _) => ExpireCondition::Gt,
        (_, _, _, true) => ExpireCondition::Lt,
        (_, true, ..) => ExpireCondition::Xx,
        _ => ExpireCondition::Always,
    })
}

fn expire_generic(ctx: &mut Ctx, millis: bool, relative: bool, command: &str) {
    let key = ctx.arg(1);
    let Some(condition) = parse_expire_condition(ctx) else {
        return;
    };
    let xx_with_gt_or_lt = (2..ctx.argc()).any(|i| eq_ic(ctx.arg(i), "xx"));
    let Some(mut when) = parse_i64(ctx.arg(2)) else {
        ctx.out.error(err::NOT_INTEGER);
        return;
    };
    let invalid = format!("ERR invalid expire time in '{command}' command");
    if !millis {
        match when.checked_mul(1000) {
            Some(ms) => when = ms,
            None => {
                ctx.out.error(&invalid);
                return;
            }
        }
    }
    if relative {
        match when.checked_add(ctx.now_ms) {
            Some(at) => when = at,
            None => {
                ctx.out.error(&invalid);
                return;
            }
        }
    }
    if ctx.lookup_write(key).is_none() {
        ctx.out.int(0);
        return;
    }
    let current = ctx.expire_time(key);
    let allowed = match condition {
        ExpireCondition::Always => true,
        ExpireCondition::Nx => current.is_none(),
        ExpireCondition::Xx => current.is_some(),
        ExpireCondition::Gt => current.is_some_and(|c| when > c),
        ExpireCondition::Lt => current.is_none_or(|c| when < c),
    };
    // XX combined with GT/LT also requires an existing expiry.
    if !allowed || (xx_with_gt_or_lt && current.is_none()) {
        ctx.out.int(0);
        return;
    }
    if when <= ctx.now_ms {
        ctx.expire_now(key);
    } else {
        ctx.set_expire(key, when);
        ctx.record_effect(vec![
            b"PEXPIREAT".to_vec(),
            key.to_vec(),
            when.to_string().into_bytes(),
        ]);
        ctx.mark_dirty(1);
        ctx.notify(class::GENERIC, "expire", key);
    }
    ctx.out.int(1);
}

pub(super) fn expire(ctx: &mut Ctx) {
    expire_generic(ctx, false, true, "expire");
}

pub(super) fn pexpire(ctx: &mut Ctx) {
    expire_generic(ctx, true, true, "pexpire");
}

pub(super) fn expireat(ctx: &mut Ctx) {
    expire_generic(ctx, false, false, "expireat");
}

pub(super) fn pexpireat(ctx: &mut Ctx) {
    expire_generic(ctx, true, false, "pexpireat");
}

/// TTL-family replies: -2 for a missing key, -1 without expiry, else relative or absolute time.
fn ttl_generic(ctx: &mut Ctx, millis: bool, absolute: bool) {
    let key = ctx.arg(1);
    let db = ctx.db();
    if ctx.lookup_read_no_touch(db, key).is_none() {
        ctx.out.int(-2);
        return;
    }
    let Some(when) = ctx.expire_time(key) else {
        ctx.out.int(-1);
        return;
    };
    let value = if absolute {
        when
    } else {
        (when - ctx.now_ms).max(0)
    };
    ctx.out
        .int(if millis { value } else { (value + 500) / 1000 });
}

pub(super) fn ttl(ctx: &mut Ctx) {
    ttl_generic(ctx, false, false);
}

pub(super) fn pttl(ctx: &mut Ctx) {
    ttl_generic(ctx, true, false);
}

pub(super) fn expiretime(ctx: &mut Ctx) {
    ttl_generic(ctx, false, true);
}

pub(super) fn pexpiretime(ctx: &mut Ctx) {
    ttl_generic(ctx, true, true);
}

pub(super) fn persist(ctx: &mut Ctx) {
    let key = ctx.arg(1);
    if ctx.lookup_write(key).is_some() && ctx.persist(key) {
        ctx.mark_dirty(1);
        ctx.notify(class::GENERIC, "persist", key);
        ctx.out.int(1);
    } else {
        ctx.out.int(0);
    }
}

impl Ctx<'_, '_> {
    /// Deletes `key` because a command gave it an expiry time already past (EXPIRE, SET EXAT,
    /// GETEX PXAT): counted and announced as an expiry, replicated as `DEL`. Returns whether
    /// the key existed.
    pub fn expire_now(&mut self, key: &[u8]) -> bool {
        let deleted = self.delete(key);
        if deleted {
            Stats::add(&self.server.stats.expired_keys, 1);
            self.mark_dirty(1);
            self.notify(class::EXPIRED, "expired", key);
        }
        self.record_effect(vec![b"DEL".to_vec(), key.to_vec()]);
        deleted
    }
}
