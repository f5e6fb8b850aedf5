//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queueing happens in the dispatcher (`dispatch::queue_in_transaction`): between MULTI and
//! EXEC every command but EXEC, DISCARD, QUIT and RESET is checked (existence, arity, NOAUTH,
//! NO_MULTI) and stored, and a refusal marks the transaction aborted. EXEC then locks, in one
//! step and in lock order, every shard the queued commands need (their keys; the client's
//! database for a command that needs it; everything when a command needs every database or
//! moves between databases), checks the watches, and runs the commands one after another on
//! those locks. No other client can observe the transaction half done, and clients blocked on
//! keys it fed are served after the whole of it. Its effects reach the write stream as one
//! batch, wrapped in MULTI ... EXEC when there is more than one.
//!
//! While EXEC runs the queued commands the client still shows as in MULTI (CLIENT LIST `x`,
//! `multi=`), as in Valkey. A command that closes the client (CLIENT KILL of itself) does not
//! stop the others, but no reply after its own is sent: EXEC's array stays short, as Valkey's
//! does for a client marked to close. A watched key's change shows as CLIENT LIST `d` until the
//! watches are released (`watch`).

use std::sync::atomic::Ordering;

use smallvec::SmallVec;

use super::registry::{Binding, Scope};
use super::Ctx;
use crate::client::{ClientState, Transaction};
use crate::keyspace::LockSet;
use crate::server::Server;
use crate::watch::{ClientWatch, WatchedKey};
use crate::write_stream::Effect;

pub const COMMANDS: &[Binding] = &[
    ("multi", multi, Scope::None),
    ("exec", exec, Scope::None),
    ("discard", discard, Scope::None),
    ("watch", watch, Scope::Keys),
    ("unwatch", unwatch, Scope::None),
];

fn multi(ctx: &mut Ctx) {
    // MULTI inside MULTI never gets here: its NO_MULTI flag refuses it while queueing.
    let transaction = ctx.client.spare_transaction.take().unwrap_or_default();
    ctx.client.multi = Some(transaction);
    ctx.client.handle.in_multi_count.store(0, Ordering::Relaxed);
    ctx.out.ok();
}

fn discard(ctx: &mut Ctx) {
    if ctx.client.multi.is_none() {
        return ctx.out.error("ERR DISCARD without MULTI");
    }
    end_transaction(ctx.client);
    unwatch_all(ctx.server, ctx.client);
    ctx.out.ok();
}

fn end_transaction(client: &mut ClientState) -> Option<Transaction> {
    client.handle.in_multi_count.store(-1, Ordering::Relaxed);
    client.handle.multi_mem_bytes.store(0, Ordering::Relaxed);
    client.multi.take()
}

fn exec(ctx: &mut Ctx) {
    // The client stays in MULTI for CLIENT LIST (`x`, `multi=`) while its commands run, as in
    // Valkey, though the dispatcher no longer queues for it.
    let Some(transaction) = ctx.client.multi.take() else {
        return ctx.out.error("ERR EXEC without MULTI");
    };
    run_transaction(ctx, &transaction);
    end_transaction(ctx.client);
    ctx.client.spare_transaction = transaction.recycle();
}

fn run_transaction(ctx: &mut Ctx, transaction: &Transaction) {
    if transaction.aborted {
        unwatch_all(ctx.server, ctx.client);
        return ctx
            .out
            .error("EXECABORT Transaction discarded because of previous errors.");
    }
    // The watches are released after the transaction, once its locks are dropped: releasing
    // them needs the watched keys' shards, which may not be among the transaction's.
    let watch = ctx.client.watch.take();
    let server = ctx.server;
    let start_db = ctx.client.db;
    *ctx.locks = lock_for_transaction(server, start_db, transaction);
    if watch.as_ref().is_some_and(|w| w.is_invalidated(ctx.now_ms)) {
        ctx.client.deferred_unwatch = watch;
        return ctx.out.null_array();
    }
    ctx.client.deferred_unwatch = watch;
    ctx.client.deny_blocking = true;
    ctx.out.array(transaction.len());
    let mut effects: Vec<Effect> = Vec::new();
    let mut effects_db = start_db;
    // Where the replies stop once a command closes the client (CLIENT KILL of itself): the
    // rest still run, but nothing more is sent, as Valkey refuses replies to such a client.
    let mut replies_end = None;
    for queued in transaction.commands() {
        let args = queued.args();
        let entry = server.commands.get(queued.spec);
        let Some((entry, handler)) = entry.and_then(|e| Some((e, e.handler?))) else {
            // Validated while queueing; the table cannot change in between.
            ctx.out.error("ERR unknown command");
            continue;
        };
        let db = ctx.client.db;
        let mut command_effects = Vec::new();
        crate::dispatch::run_locked(
            server,
            ctx.client,
            &args,
            ctx.out,
            entry,
            handler,
            ctx.locks,
            &mut command_effects,
        );
        if let Some(end) = replies_end {
            ctx.out.truncate(end);
        } else if ctx.client.close_after_reply {
            replies_end = Some(ctx.out.len());
        }
        if command_effects.is_empty() {
            continue;
        }
        if db != effects_db {
            effects.push(vec![b"SELECT".to_vec(), db.to_string().into_bytes()].into());
            effects_db = db;
        }
        effects.append(&mut command_effects);
    }
    ctx.client.deny_blocking = false;
    ctx.suppress_effect();
    if effects.len() > 1 {
        effects.insert(0, vec![b"MULTI".to_vec()].into());
        effects.push(vec![b"EXEC".to_vec()].into());
    }
    ctx.effects.append(&mut effects);
}

/// The shards a transaction needs, locked together in order.
fn lock_for_transaction<'k>(
    server: &'k Server,
    db: usize,
    transaction: &Transaction,
) -> LockSet<'k> {
    let keyspace = &server.keyspace;
    let mut keys: SmallVec<[&[u8]; 16]> = SmallVec::new();
    let mut whole_db = false;
    for queued in transaction.commands() {
        let Some(entry) = server.commands.get(queued.spec) else {
            continue;
        };
        let command = queued.args();
        // SELECT moves later commands to another database: take them all.
        if entry.spec.full_name == "select" {
            return LockSet::everything(keyspace);
        }
        match entry.scope {
            Scope::None => {}
            Scope::All => return LockSet::everything(keyspace),
            Scope::Db => whole_db = true,
            Scope::Keys => {
                let mut positions: SmallVec<[usize; 8]> = SmallVec::new();
                if ferrokey_cmdtable::key_positions(entry.spec, &command[..], &mut positions) {
                    keys.extend(positions.iter().filter_map(|&i| command.get(i).copied()));
                } else {
                    whole_db = true;
                }
            }
        }
    }
    if whole_db {
        LockSet::for_dbs(keyspace, &[db])
    } else {
        LockSet::for_keys(keyspace, db, keys.into_iter())
    }
}

fn watch(ctx: &mut Ctx) {
    // WATCH inside MULTI never gets here: its NO_MULTI flag refuses it while queueing.
    let db = ctx.client.db;
    let server = ctx.server;
    let handle_state = ctx.client.handle.watch_state.clone();
    let state = ctx
        .client
        .watch
        .get_or_insert_with(|| {
            server
                .watch
                .watching_clients
                .fetch_add(1, Ordering::Relaxed);
            ClientWatch {
                state: handle_state,
                keys: Vec::new(),
            }
        })
        .state
        .clone();
    for &key in ctx.args.get(1..).unwrap_or_default() {
        let hash = server.keyspace.hash(key);
        let Some(shard) = ctx.locks.shard(db, hash) else {
            continue;
        };
        let expiry = shard.expire_of(hash, key);
        let watched_live = expiry.is_none_or(|at| at > ctx.now_ms);
        if !shard.watched.add(key, &state, watched_live, &server.watch) {
            continue;
        }
        let expires_at_ms = expiry.filter(|&at| at > ctx.now_ms);
        if let Some(watch) = ctx.client.watch.as_mut() {
            watch.keys.push(WatchedKey {
                db,
                key: key.to_vec(),
                expires_at_ms,
            });
            ctx.client
                .handle
                .watched_key_count
                .store(watch.keys.len() as u64, Ordering::Relaxed);
        }
    }
    ctx.out.ok();
}

fn unwatch(ctx: &mut Ctx) {
    unwatch_all(ctx.server, ctx.client);
    ctx.out.ok();
}

/// Forgets every key the client watches. Takes the watched keys' shard locks: call it only
/// while holding none (a handler of scope None, or after the command's locks are dropped).
pub fn unwatch_all(server: &Server, client: &mut ClientState) {
    if let Some(watch) = client.watch.take() {
        release_watch(server, &watch);
    }
    client.handle.watched_key_count.store(0, Ordering::Relaxed);
}

/// Removes a client's watch from the shards of its keys, one database at a time.
pub fn release_watch(server: &Server, watch: &ClientWatch) {
    let mut dbs: SmallVec<[usize; 4]> = watch.keys.iter().map(|k| k.db).collect();
    dbs.sort_unstable();
    dbs.dedup();
    for db in dbs {
        let keys = watch.keys.iter().filter(|k| k.db == db);
        let mut locks = LockSet::for_keys(&server.keyspace, db, keys.clone().map(|k| &k.key[..]));
        for watched in keys {
            if let Some(shard) = locks.shard(db, server.keyspace.hash(&watched.key)) {
                shard
                    .watched
                    .remove(&watched.key, &watch.state, &server.watch);
            }
        }
    }
    // No shard can touch the flag any more: the client is clean for its next WATCH.
    watch.state.clear();
    server
        .watch
        .watching_clients
        .fetch_sub(1, Ordering::Relaxed);
}

/// What RESET and a closing connection do to a transaction: discard it and its watches.
pub fn reset_transaction(server: &Server, client: &mut ClientState) {
    end_transaction(client);
    unwatch_all(server, client);
}

#[cfg(test)]
mod tests {
    use crate::test_support::effects_of_lines;

    #[test]
    fn a_transaction_replicates_as_one_multi_exec_unit() {
        let effects = effects_of_lines(&[
            "MULTI", "SET a 1", "INCR a", "GET a", "SELECT 1", "SET b 2", "EXEC", "MULTI",
            "SET c 3", "EXEC", "MULTI", "GET a", "EXEC",
        ]);
        assert!(
            effects[..6].iter().all(|e| e.is_empty()),
            "queued commands emit nothing"
        );
        assert_eq!(
            effects[6],
            ["MULTI", "SET a 1", "INCR a", "SELECT 1", "SET b 2", "EXEC"]
        );
        assert_eq!(effects[9], ["SET c 3"]);
        assert!(
            effects[12].is_empty(),
            "a read-only transaction replicates nothing"
        );
    }
}
