//! The blocking pops: BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX, BZMPOP,
//! and the service of clients blocked on them (see `crate::blocking` for the mechanism).
//!
//! Each command first tries its non-blocking form over its keys, in argument order, with the
//! same checks Valkey makes in the same order (argument errors, then WRONGTYPE on the first
//! key of the wrong type). Only when every key is empty does it block, unless the client may
//! not block (inside MULTI or a script), where it replies as a timeout would. A served waiter
//! runs the same non-blocking code on the one key that became ready, so its reply and its
//! effect in the write stream (`LPOP key`, `LMOVE ...`, `ZPOPMIN key`) are those of the
//! immediate case. So are its keyspace events (`lpop`, `rpush` then `lpop` for a move,
//! `zpopmin`, `del` ...), raised after those of the write that fed it, as Valkey serves blocked
//! clients once that write is done.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokey_ds::list::End;
use ferrokey_resp::ReplyBuf;

use super::registry::{Binding, Scope};
use super::zset::PopShape;
use super::{list, zset, Ctx};
use crate::blocking::{parse_timeout, BlockedOp, WaitEnd, Waiter};
use crate::client::ClientState;
use crate::keyspace::LockSet;
use crate::server::{Server, Stats};
use crate::write_stream::EffectBatch;

pub const COMMANDS: &[Binding] = &[
    ("blpop", blpop, Scope::Keys),
    ("brpop", brpop, Scope::Keys),
    ("blmpop", blmpop, Scope::Keys),
    ("blmove", blmove, Scope::Keys),
    ("brpoplpush", brpoplpush, Scope::Keys),
    ("bzpopmin", bzpopmin, Scope::Keys),
    ("bzpopmax", bzpopmax, Scope::Keys),
    ("bzmpop", bzmpop, Scope::Keys),
];

/// The reply of CLIENT UNBLOCK ... ERROR.
const UNBLOCKED_ERROR: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// Parses the timeout argument, replying with the error on failure.
fn timeout(ctx: &mut Ctx, index: usize) -> Option<Option<Duration>> {
    match parse_timeout(ctx.arg(index), ctx.now_ms) {
        Ok(timeout) => Some(timeout),
        Err(message) => {
            ctx.out.error(message);
            None
        }
    }
}

/// The keys of BLPOP/BRPOP/BZPOPMIN/BZPOPMAX: every argument between the name and the timeout.
fn keys_before_timeout<'a>(ctx: &Ctx<'a, '_>) -> &'a [&'a [u8]] {
    let args = ctx.args;
    args.get(1..args.len().saturating_sub(1))
        .unwrap_or_default()
}

fn blpop(ctx: &mut Ctx) {
    list_pop(ctx, End::Head);
}

fn brpop(ctx: &mut Ctx) {
    list_pop(ctx, End::Tail);
}

fn list_pop(ctx: &mut Ctx, end: End) {
    let Some(timeout) = timeout(ctx, ctx.argc() - 1) else {
        return;
    };
    let keys = keys_before_timeout(ctx);
    if !list::pop_first(ctx, keys, end, None) {
        block(ctx, keys, BlockedOp::ListPop { end, count: None }, timeout);
    }
}

fn blmpop(ctx: &mut Ctx) {
    let Some(request) = list::parse_multi_pop(ctx, 2) else {
        return;
    };
    let Some(timeout) = timeout(ctx, 1) else {
        return;
    };
    let count = Some(request.count);
    if !list::pop_first(ctx, request.keys, request.end, count) {
        let op = BlockedOp::ListPop {
            end: request.end,
            count,
        };
        block(ctx, request.keys, op, timeout);
    }
}

fn blmove(ctx: &mut Ctx) {
    let Some(from) = list::parse_end(ctx, ctx.arg(3)) else {
        return;
    };
    let Some(to) = list::parse_end(ctx, ctx.arg(4)) else {
        return;
    };
    let Some(timeout) = timeout(ctx, 5) else {
        return;
    };
    list_move(ctx, (from, to), false, timeout);
}

fn brpoplpush(ctx: &mut Ctx) {
    let Some(timeout) = timeout(ctx, 3) else {
        return;
    };
    list_move(ctx, (End::Tail, End::Head), true, timeout);
}

fn list_move(ctx: &mut Ctx, ends: (End, End), rpoplpush_form: bool, timeout: Option<Duration>) {
    let (source, destination) = (ctx.arg(1), ctx.arg(2));
    if ctx.lookup_write(source).is_some() {
        // A non-list source is reported by the move itself.
        return list::lmove_keys(ctx, source, destination, ends, rpoplpush_form);
    }
    let op = BlockedOp::ListMove {
        destination: destination.to_vec(),
        from: ends.0,
        to: ends.1,
        rpoplpush_form,
    };
    block(ctx, &[source], op, timeout);
}

fn bzpopmin(ctx: &mut Ctx) {
    zset_pop(ctx, false);
}

fn bzpopmax(ctx: &mut Ctx) {
    zset_pop(ctx, true);
}

fn zset_pop(ctx: &mut Ctx, max: bool) {
    let Some(timeout) = timeout(ctx, ctx.argc() - 1) else {
        return;
    };
    let keys = keys_before_timeout(ctx);
    if !zset::zpop_first(ctx, keys, max, None, PopShape::Keyed) {
        block(ctx, keys, BlockedOp::ZSetPop { max, count: None }, timeout);
    }
}

fn bzmpop(ctx: &mut Ctx) {
    let Some(request) = zset::parse_multi_pop(ctx, 2) else {
        return;
    };
    let Some(timeout) = timeout(ctx, 1) else {
        return;
    };
    let count = Some(request.count);
    if !zset::zpop_first(ctx, request.keys, request.max, count, PopShape::Multi) {
        let op = BlockedOp::ZSetPop {
            max: request.max,
            count,
        };
        block(ctx, request.keys, op, timeout);
    }
}

/// Blocks the client on `keys` (every one empty), or replies at once when it may not block.
fn block(ctx: &mut Ctx, keys: &[&[u8]], op: BlockedOp, timeout: Option<Duration>) {
    if ctx.client.deny_blocking {
        return match op {
            // Valkey answers an empty BLMOVE source with a null bulk here, unlike a timeout.
            BlockedOp::ListMove { .. } => ctx.out.null(),
            _ => ctx.out.null_array(),
        };
    }
    let mut unique: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.iter().any(|k| k == key) {
            unique.push(key.to_vec());
        }
    }
    let db = ctx.client.db;
    let waiter = Arc::new(Waiter::new(
        ctx.client.handle.clone(),
        db,
        unique,
        op,
        ctx.client.protocol,
        timeout.map(|t| Instant::now() + t),
    ));
    let stats = &ctx.server.blocking;
    for key in &waiter.keys {
        let hash = ctx.server.keyspace.hash(key);
        if let Some(shard) = ctx.locks.shard(db, hash) {
            shard.blocked.add(key, waiter.clone(), stats);
        }
    }
    stats.blocked_clients.fetch_add(1, Ordering::Relaxed);
    if waiter.deadline.is_some() {
        stats.clients_with_timeout.fetch_add(1, Ordering::Relaxed);
    }
    *ctx.client.handle.blocked.lock() = Some(waiter.clone());
    ctx.client.blocked = Some(waiter);
}

/// Serves the clients blocked on keys the command just made ready, while the command's locks
/// are still held. Serving can make further keys ready (BLMOVE pushes), served in turn.
pub fn serve_ready<'k>(server: &'k Server, locks: &mut LockSet<'k>, now_ms: i64) {
    while let Some((db, key)) = locks.take_ready() {
        serve_key(server, locks, now_ms, db, &key);
    }
}

fn serve_key<'k>(server: &'k Server, locks: &mut LockSet<'k>, now_ms: i64, db: usize, key: &[u8]) {
    let stats = &server.blocking;
    let hash = server.keyspace.hash(key);
    loop {
        let Some(shard) = locks.shard(db, hash) else {
            return;
        };
        let Some(waiter) = shard.blocked.front(key, stats) else {
            return;
        };
        // Every waiter on a key waits for the same type; a key of another type (or none left)
        // serves nobody, and they keep waiting, as in Redis.
        let servable = !shard.is_expired(hash, key, now_ms)
            && shard
                .main
                .peek(hash, key)
                .is_some_and(|entry| waiter.op.accepts(&entry.value));
        if !servable {
            return;
        }
        if let Some(destination) = waiter.op.destination() {
            if locks.ensure(db, server.keyspace.hash(destination)) {
                // Relocked from scratch: look again.
                continue;
            }
        }
        let claimed = waiter.claim();
        if let Some(shard) = locks.shard(db, hash) {
            shard.blocked.remove(key, &waiter, stats);
        }
        if claimed {
            let reply = run_for(server, locks, now_ms, &waiter, key);
            waiter.deliver(reply);
        }
    }
}

/// Runs the non-blocking form of a waiter's command on `key`, returning its reply.
fn run_for<'k>(
    server: &'k Server,
    locks: &mut LockSet<'k>,
    now_ms: i64,
    waiter: &Waiter,
    key: &[u8],
) -> Vec<u8> {
    let mut client = ClientState::new(waiter.client.clone(), true);
    client.db = waiter.db;
    client.protocol = waiter.protocol;
    let mut out = ReplyBuf::new(waiter.protocol);
    let mut effects = Vec::new();
    let mut ctx = Ctx {
        server,
        client: &mut client,
        args: &[],
        out: &mut out,
        locks,
        now_ms,
        effects: &mut effects,
        custom_effect: false,
        dirty: 0,
    };
    match &waiter.op {
        BlockedOp::ListPop { end, count } => {
            list::pop_first(&mut ctx, &[key], *end, *count);
        }
        BlockedOp::ListMove {
            destination,
            from,
            to,
            rpoplpush_form,
        } => list::lmove_keys(&mut ctx, key, destination, (*from, *to), *rpoplpush_form),
        BlockedOp::ZSetPop { max, count } => {
            let shape = if count.is_some() {
                PopShape::Multi
            } else {
                PopShape::Keyed
            };
            zset::zpop_first(&mut ctx, &[key], *max, *count, shape);
        }
    }
    let dirty = ctx.dirty;
    if dirty > 0 {
        Stats::add(&server.stats.dirty, dirty);
        if server.tracking.any() {
            // The served client runs the command: its own invalidations follow its reply.
            let executing = Some(waiter.client.id);
            crate::tracking::key_modified(server, key, executing);
            if let Some(destination) = waiter.op.destination() {
                crate::tracking::key_modified(server, destination, executing);
            }
        }
    }
    server.write_stream.emit(EffectBatch {
        db: waiter.db,
        commands: effects,
    });
    out.as_bytes().to_vec()
}

/// Ends a client's wait: writes the reply it gets (nothing when it is going away) and removes
/// it from the queues of its keys.
pub fn finish_wait(
    server: &Server,
    client: &mut ClientState,
    waiter: &Arc<Waiter>,
    end: Option<WaitEnd>,
    out: &mut ReplyBuf,
) {
    match end {
        Some(WaitEnd::Served(reply)) => {
            out.raw(&reply);
            // The events serving raised for this client itself (a RESP3 subscriber) were held
            // back by the publisher; they follow the reply, as after any command.
            client.handle.pubsub.append_deferred(out);
        }
        Some(WaitEnd::TimedOut) => out.null_array(),
        Some(WaitEnd::Unblocked) => {
            let start = out.len();
            out.error(UNBLOCKED_ERROR);
            crate::dispatch::count_error_reply(server, out, start);
        }
        None => {
            waiter.abandon();
        }
    }
    let stats = &server.blocking;
    let mut locks = LockSet::for_keys(
        &server.keyspace,
        waiter.db,
        waiter.keys.iter().map(|k| k.as_slice()),
    );
    for key in &waiter.keys {
        if let Some(shard) = locks.shard(waiter.db, server.keyspace.hash(key)) {
            shard.blocked.remove(key, waiter, stats);
        }
    }
    drop(locks);
    stats.blocked_clients.fetch_sub(1, Ordering::Relaxed);
    if waiter.deadline.is_some() {
        stats.clients_with_timeout.fetch_sub(1, Ordering::Relaxed);
    }
    *client.handle.blocked.lock() = None;
    client
        .handle
        .commands_processed
        .fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use ferrokey_resp::{Protocol, ReplyBuf};

    use crate::blocking::WaitEnd;
    use crate::test_support::{client, effects_of, server, words};

    /// Runs one command for `client`, returning its reply.
    fn run(
        server: &crate::server::Server,
        client: &mut crate::client::ClientState,
        line: &str,
    ) -> Vec<u8> {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        let mut out = ReplyBuf::new(Protocol::Resp2);
        crate::dispatch::execute(server, client, &args, &mut out);
        out.as_bytes().to_vec()
    }

    #[test]
    fn a_served_waiter_replicates_after_the_write_that_served_it() {
        let server = server();
        let mut stream = server.write_stream.subscribe();
        let (mut first, mut second, mut writer) =
            (client(&server), client(&server), client(&server));
        assert_eq!(run(&server, &mut first, "BLMOVE src dst LEFT RIGHT 0"), b"");
        assert_eq!(run(&server, &mut second, "BLPOP dst 0"), b"");
        let (first_wait, second_wait) = (
            first.blocked.take().unwrap(),
            second.blocked.take().unwrap(),
        );
        assert_eq!(run(&server, &mut writer, "RPUSH src a b"), b":2\r\n");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert_eq!(
            runtime.block_on(first_wait.wait()),
            WaitEnd::Served(b"$1\r\na\r\n".to_vec())
        );
        assert_eq!(
            runtime.block_on(second_wait.wait()),
            WaitEnd::Served(b"*2\r\n$3\r\ndst\r\n$1\r\na\r\n".to_vec())
        );
        assert_eq!(
            run(&server, &mut writer, "LRANGE src 0 -1"),
            b"*1\r\n$1\r\nb\r\n"
        );
        assert_eq!(run(&server, &mut writer, "EXISTS dst"), b":0\r\n");
        let mut effects = Vec::new();
        while let Ok(batch) = stream.try_recv() {
            effects.extend(
                batch
                    .commands
                    .iter()
                    .map(|c| String::from_utf8_lossy(&c.args.join(&b' ')).into_owned()),
            );
        }
        assert_eq!(
            effects,
            ["RPUSH src a b", "LMOVE src dst LEFT RIGHT", "LPOP dst"]
        );
    }

    #[test]
    fn immediate_pops_replicate_as_their_non_blocking_forms() {
        let effects = effects_of(&[
            &["RPUSH", "l", "a", "b", "c"],
            &["BLPOP", "missing", "l", "0"],
            &["BRPOP", "l", "0"],
            &["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"],
            &["RPUSH", "s", "x", "y"],
            &["BLMOVE", "s", "d", "LEFT", "RIGHT", "0"],
            &["BRPOPLPUSH", "s", "d", "0"],
            &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            &["BZPOPMIN", "z", "0"],
            &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "9"],
        ]);
        assert_eq!(effects[1], vec![words("LPOP l")]);
        assert_eq!(effects[2], vec![words("RPOP l")]);
        assert_eq!(effects[3], vec![words("LPOP l 1")]);
        assert_eq!(effects[5], vec![words("LMOVE s d LEFT RIGHT")]);
        assert_eq!(effects[6], vec![words("RPOPLPUSH s d")]);
        assert_eq!(effects[8], vec![words("ZPOPMIN z")]);
        assert_eq!(effects[9], vec![words("ZPOPMAX z 9")]);
    }
}
