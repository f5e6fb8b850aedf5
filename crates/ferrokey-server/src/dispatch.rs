//! Dispatch: from a parsed request to a reply, through the command table.
//!
//! The table decides everything it can express: whether the command exists, which subcommand it
//! names, whether the arity fits, which keys it touches. The registry adds the handler and the
//! lock scope. Dispatch then locks the shards in order, runs the handler, records statistics and
//! emits the command's effects into the write stream while the locks are still held.

use std::sync::atomic::Ordering;

use ferrokey_cmdtable::CommandSpec;
use ferrokey_resp::ReplyBuf;
use smallvec::SmallVec;

use crate::client::{ClientState, Peer, Push, ReplyMode};
use crate::clock::MonotonicNs;
use crate::commands::registry::CommandEntry;
use crate::commands::{Ctx, Scope};
use crate::keyspace::{KeySlots, LockSet};
use crate::server::{Server, Stats};
use crate::write_stream::{Effect, EffectBatch};

/// Longest argument text quoted back in "unknown command" errors, as Redis.
const ERROR_ARG_PREVIEW_BYTES: usize = 128;

/// Most consecutive commands run under one hold of their shard locks (`HeldLocks`): bounds
/// how long another worker waits for a shard a pipelining client keeps using.
const MAX_COMMANDS_PER_LOCK_HOLD: u32 = 32;

/// Shard locks kept from one pipelined command to the next when both lock exactly the same
/// shards. A client pipelining commands on one hot key then takes its lock once per batch
/// rather than once per command: handing a contended lock between workers costs more than
/// most commands. The locks are released before anything that could lock on its own (a
/// command on other shards or on none, eviction, EXEC, releasing watches), after
/// `MAX_COMMANDS_PER_LOCK_HOLD` commands, and when the owner drops this at the end of its
/// synchronous pass over the query buffer, so they are never held across an await.
pub struct HeldLocks<'k> {
    locks: Option<LockSet<'k>>,
    commands: u32,
}

impl<'k> HeldLocks<'k> {
    pub fn new() -> Self {
        HeldLocks {
            locks: None,
            commands: 0,
        }
    }

    /// Keeps the locks only if the next command needs exactly these shards and may reuse them.
    fn release_unless_reusable(&mut self, server: &Server, plan: &LockPlan) {
        let reusable = match (&self.locks, plan) {
            (Some(locks), LockPlan::Slots(slots)) => {
                self.commands < MAX_COMMANDS_PER_LOCK_HOLD
                    && locks.holds_exactly(slots)
                    // Eviction locks shards of its own.
                    && !server.eviction.is_limited()
            }
            _ => false,
        };
        if !reusable {
            self.release();
        }
    }

    fn release(&mut self) {
        self.locks = None;
        self.commands = 0;
    }
}

impl Default for HeldLocks<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a command locks, found from the table before it runs.
enum LockPlan {
    None,
    Db(usize),
    All,
    Slots(KeySlots),
}

/// Executes one command and writes its reply into `out` (unless CLIENT REPLY suppresses it).
pub fn execute(server: &Server, client: &mut ClientState, args: &[&[u8]], out: &mut ReplyBuf) {
    execute_pipelined(server, client, args, out, &mut HeldLocks::new());
}

/// `execute` for a command of a pipeline, which may keep its shard locks for the next one.
pub fn execute_pipelined<'k>(
    server: &'k Server,
    client: &mut ClientState,
    args: &[&[u8]],
    out: &mut ReplyBuf,
    held: &mut HeldLocks<'k>,
) {
    let reply_start = out.len();
    run(server, client, args, out, held);
    if client.postponed.is_some() {
        // Held by CLIENT PAUSE: it runs (and counts) later.
        return;
    }
    crate::tracking::update_caching_after(client, args);
    if let Some(watch) = client.deferred_unwatch.take() {
        held.release();
        crate::commands::transaction::release_watch(server, &watch);
        client.handle.watched_key_count.store(0, Ordering::Relaxed);
    }
    // The mode after the command decides, so that CLIENT REPLY ON is answered.
    if matches!(client.reply_mode, ReplyMode::Off | ReplyMode::Skipping) {
        out.truncate(reply_start);
    }
    match client.reply_mode {
        ReplyMode::Skipping => client.reply_mode = ReplyMode::On,
        ReplyMode::SkipNext => client.reply_mode = ReplyMode::Skipping,
        _ => {}
    }
    server.stats.total_commands_processed.add(1);
    // A blocked command counts for its client once it completes (see `finish_wait`).
    if client.blocked.is_none() {
        client
            .handle
            .commands_processed
            .fetch_add(1, Ordering::Relaxed);
    }
}

fn run<'k>(
    server: &'k Server,
    client: &mut ClientState,
    args: &[&[u8]],
    out: &mut ReplyBuf,
    held: &mut HeldLocks<'k>,
) {
    let start = out.len();
    let Some(spec) = resolve(args, out) else {
        held.release();
        count_error_reply(server, out, start);
        abort_transaction(client);
        return;
    };
    let Some(entry) = server.commands.get(spec) else {
        held.release();
        return;
    };
    // A command queued by MULTI locks nothing now: EXEC plans the whole transaction.
    let plan = if client.multi.is_some() && queues_in_transaction(spec) {
        LockPlan::None
    } else {
        lock_plan(server, client.db, entry, args)
    };
    held.release_unless_reusable(server, &plan);
    // CLIENT LIST `cmd=` names a command from the moment it is looked up, refused, queued or
    // held included.
    client
        .handle
        .last_command_id
        .store(spec.id, Ordering::Relaxed);
    // Valkey's order of refusals; a container without its subcommand fails the arity check.
    let refusal = if !arity_ok(spec.arity, args.len()) {
        Some(format!(
            "ERR wrong number of arguments for '{}' command",
            spec.full_name.to_ascii_lowercase()
        ))
    } else if !client.authenticated && !spec.no_auth() {
        Some("NOAUTH Authentication required.".to_string())
    } else if client.multi.is_some() && spec.no_multi() {
        Some("ERR Command not allowed inside a transaction".to_string())
    } else if out_of_memory_refuses(server, client, spec) {
        Some("OOM command not allowed when used memory > 'maxmemory'.".to_string())
    } else if let Some(error) = crate::pubsub::subscribed_context_error(client, spec) {
        Some(error)
    } else if entry.handler.is_none() {
        Some(format!(
            "ERR command '{}' is not implemented by ferrokey yet",
            spec.full_name
        ))
    } else {
        None
    };
    if let Some(text) = refusal {
        Stats::add(&entry.stats.rejected_calls, 1);
        let start = out.len();
        if spec.full_name == "exec" {
            // A refused EXEC discards the transaction, naming why (Valkey drops a plain "ERR").
            crate::commands::transaction::reset_transaction(server, client);
            let reason = text.strip_prefix("ERR ").unwrap_or(&text);
            out.error(&format!(
                "EXECABORT Transaction discarded because of: {reason}"
            ));
        } else {
            out.error(&text);
            abort_transaction(client);
        }
        count_error_reply(server, out, start);
        return;
    }
    let Some(handler) = entry.handler else {
        return;
    };
    if server.pause.holds(spec, may_write(client, spec)) {
        client.postponed = Some(args.iter().map(|a| a.to_vec()).collect());
        // Valkey counts a held client as blocked (INFO blocked_clients, CLIENT LIST `b`).
        client.handle.paused.store(true, Ordering::Relaxed);
        server
            .blocking
            .blocked_clients
            .fetch_add(1, Ordering::Relaxed);
        return;
    }
    if client.multi.is_some() && queue_in_transaction(client, args, spec, out) {
        return;
    }
    if server.clients.has_monitors() {
        feed_monitors(server, client, args, spec);
    }
    call(server, client, args, out, entry, handler, plan, held);
}

/// Whether a command may write, for WRITE pauses: EXEC may when a queued command may.
fn may_write(client: &ClientState, spec: &CommandSpec) -> bool {
    if spec.full_name != "exec" {
        return crate::pause::Pause::may_write(spec);
    }
    let Some(transaction) = &client.multi else {
        return false;
    };
    transaction
        .commands()
        .any(|command| crate::pause::Pause::may_write(command.spec))
}

/// Evicts what `maxmemory` calls for; true when memory stays over it and the command may
/// grow it: a DENYOOM command, or EXEC of a transaction holding one (Valkey 8.1 queues other
/// commands even then).
fn out_of_memory_refuses(server: &Server, client: &ClientState, spec: &CommandSpec) -> bool {
    if crate::evict::perform_evictions(server) {
        return false;
    }
    match &client.multi {
        Some(transaction) if spec.full_name == "exec" => {
            transaction.commands().any(|c| c.spec.is_denyoom())
        }
        _ => spec.is_denyoom(),
    }
}

/// A command refused while a transaction is being queued makes its EXEC fail.
fn abort_transaction(client: &mut ClientState) {
    if let Some(transaction) = client.multi.as_mut() {
        transaction.aborted = true;
    }
}

/// Inside MULTI, queues the command (replying QUEUED); returns false for the commands that
/// run at once even there: EXEC, DISCARD, QUIT and RESET, as in Valkey. MULTI and WATCH were
/// refused before, through their NO_MULTI flag, like every other such command.
fn queue_in_transaction(
    client: &mut ClientState,
    args: &[&[u8]],
    spec: &'static CommandSpec,
    out: &mut ReplyBuf,
) -> bool {
    if !queues_in_transaction(spec) {
        return false;
    }
    let Some(transaction) = client.multi.as_mut() else {
        return false;
    };
    transaction.push(spec, args);
    let handle = &client.handle;
    handle
        .in_multi_count
        .store(transaction.len() as i64, Ordering::Relaxed);
    handle
        .multi_mem_bytes
        .store(transaction.reported_bytes(), Ordering::Relaxed);
    out.simple("QUEUED");
    true
}

/// Whether MULTI queues the command rather than running it at once.
fn queues_in_transaction(spec: &CommandSpec) -> bool {
    !matches!(spec.full_name, "exec" | "discard" | "quit" | "reset")
}

/// Finds the command (or subcommand) named by the arguments, replying with Redis's error when
/// there is none.
fn resolve(args: &[&[u8]], out: &mut ReplyBuf) -> Option<&'static CommandSpec> {
    let name = args.first()?;
    let Some(spec) = ferrokey_cmdtable::lookup(name) else {
        out.error_bytes(&unknown_command_text(args));
        return None;
    };
    if spec.subcommands.is_empty() || args.len() < 2 {
        return Some(spec);
    }
    let sub = args[1];
    match ferrokey_cmdtable::lookup_subcommand(spec, sub) {
        Some(sub_spec) => Some(sub_spec),
        None => {
            out.error(&ferrokey_cmdtable::unknown_subcommand_error(name, sub));
            None
        }
    }
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `, byte-exact with Redis: the
/// argument list stops growing once it reaches 128 bytes, and each argument is cut to the room
/// left.
fn unknown_command_text(args: &[&[u8]]) -> Vec<u8> {
    let mut list: Vec<u8> = Vec::new();
    for arg in args.iter().skip(1) {
        if list.len() >= ERROR_ARG_PREVIEW_BYTES {
            break;
        }
        let room = ERROR_ARG_PREVIEW_BYTES - list.len();
        list.push(b'\'');
        list.extend_from_slice(&arg[..arg.len().min(room)]);
        list.extend_from_slice(b"' ");
    }
    let name = args.first().copied().unwrap_or_default();
    let mut text = b"ERR unknown command '".to_vec();
    text.extend_from_slice(&name[..name.len().min(ERROR_ARG_PREVIEW_BYTES)]);
    text.extend_from_slice(b"', with args beginning with: ");
    text.extend_from_slice(&list);
    text
}

fn arity_ok(arity: i32, argc: usize) -> bool {
    let argc = argc as i64;
    let arity = arity as i64;
    if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    }
}

/// Counts an error reply written at `start` in the error statistics.
pub fn count_error_reply(server: &Server, out: &ReplyBuf, start: usize) {
    let written = &out.as_bytes()[start.min(out.len())..];
    if let Some(line) = written.strip_prefix(b"-") {
        server.stats.count_error(line);
    }
}

#[allow(clippy::too_many_arguments)]
fn call<'k>(
    server: &'k Server,
    client: &mut ClientState,
    args: &[&[u8]],
    out: &mut ReplyBuf,
    entry: &CommandEntry,
    handler: crate::commands::Handler,
    plan: LockPlan,
    held: &mut HeldLocks<'k>,
) {
    let mut locks = match held.locks.take() {
        Some(locks) => locks,
        None => acquire(server, &plan),
    };
    let mut effects = Vec::new();
    let db = client.db;
    let now_ms = run_locked(
        server,
        client,
        args,
        out,
        entry,
        handler,
        &mut locks,
        &mut effects,
    );
    if !effects.is_empty() {
        server.write_stream.emit(EffectBatch {
            db,
            commands: effects,
        });
    }
    // Clients blocked on keys this command made ready are served before anyone else runs.
    crate::commands::blocking::serve_ready(server, &mut locks, now_ms);
    match plan {
        LockPlan::Slots(slots) if client.blocked.is_none() && locks.holds_exactly(&slots) => {
            held.locks = Some(locks);
            held.commands += 1;
        }
        _ => held.release(),
    }
}

/// Runs a handler on shards already locked (by `call`, or by EXEC for its whole transaction):
/// the reply, the effects (appended to `effects`), the invalidation of watchers of the keys it
/// wrote, and the command's statistics. Returns the time the command ran at.
#[allow(clippy::too_many_arguments)]
pub fn run_locked<'k>(
    server: &'k Server,
    client: &mut ClientState,
    args: &[&[u8]],
    out: &mut ReplyBuf,
    entry: &CommandEntry,
    handler: crate::commands::Handler,
    locks: &mut LockSet<'k>,
    effects: &mut Vec<Effect>,
) -> i64 {
    let reply_start = out.len();
    let started = client
        .pipeline_clock
        .take()
        .unwrap_or_else(MonotonicNs::now);
    let effects_start = effects.len();
    // Found before the handler runs, while a key that can only be deleted still shows whether
    // it existed.
    let written = if entry.spec.is_write() && (server.watch.any() || server.tracking.any()) {
        written_keys(server, locks, entry.spec, args, client.db)
    } else {
        SmallVec::new()
    };
    let mut ctx = Ctx {
        server,
        client,
        args,
        out,
        locks,
        now_ms: server.unix_ms_at(started),
        effects,
        custom_effect: false,
        dirty: 0,
    };
    handler(&mut ctx);
    let now_ms = ctx.now_ms;
    let dirty = ctx.dirty;
    let custom_effect = ctx.custom_effect;
    let db = ctx.client.db;
    if dirty > 0 && !custom_effect && server.write_stream.is_active() {
        effects.insert(
            effects_start,
            Effect::from(args.iter().map(|a| a.to_vec()).collect::<Vec<_>>()),
        );
    }
    if dirty > 0 && !written.is_empty() {
        touch_written_keys(server, locks, args, &written, db, client.id());
    }
    if entry.spec.is_readonly() && client.handle.tracking.is_on() {
        crate::tracking::remember_read_keys(server, client, entry.spec, args);
    }
    let ended = MonotonicNs::now();
    client.pipeline_clock = Some(ended);
    let elapsed_us = ended.micros_since(started);
    if dirty > 0 {
        Stats::add(&server.stats.dirty, dirty);
    }
    entry.stats.calls.add(1);
    entry.stats.usec.add(elapsed_us);
    // Valkey records whole microseconds, in nanoseconds.
    entry.stats.latency.record(elapsed_us.saturating_mul(1000));
    if out.as_bytes().get(reply_start) == Some(&b'-') {
        Stats::add(&entry.stats.failed_calls, 1);
        count_error_reply(server, out, reply_start);
    }
    now_ms
}

/// The argument positions of the keys a write command may change: those its key specs mark
/// RW, OW or RM. A key the command can only delete (RM alone, as DEL's) is left out when it
/// does not exist, because only a deletion changes it and Valkey signals only deleted keys.
fn written_keys(
    server: &Server,
    locks: &mut LockSet,
    spec: &CommandSpec,
    args: &[&[u8]],
    db: usize,
) -> SmallVec<[usize; 4]> {
    use ferrokey_cmdtable::spec::{KS_OW, KS_RM, KS_RW};
    let mut keys = Vec::new();
    ferrokey_cmdtable::get_keys(spec, args, &mut keys);
    let mut written = SmallVec::new();
    for key in &keys {
        if key.flags & (KS_RW | KS_OW) == 0 {
            if key.flags & KS_RM == 0 {
                continue;
            }
            let Some(name) = args.get(key.pos) else {
                continue;
            };
            let hash = server.keyspace.hash(name);
            let exists = locks
                .shard(db, hash)
                .is_some_and(|shard| shard.main.peek(hash, name).is_some());
            if !exists {
                continue;
            }
        }
        written.push(key.pos);
    }
    written
}

/// Invalidates the transactions watching, and the clients tracking, the keys a command wrote
/// (`written_keys`), in key-spec order.
fn touch_written_keys(
    server: &Server,
    locks: &mut LockSet,
    args: &[&[u8]],
    written: &[usize],
    db: usize,
    executing: u64,
) {
    for &pos in written {
        let Some(name) = args.get(pos) else {
            continue;
        };
        if let Some(shard) = locks.shard(db, server.keyspace.hash(name)) {
            shard.watched.touch(name);
        }
        if server.tracking.any() {
            crate::tracking::key_modified(server, name, Some(executing));
        }
    }
}

fn lock_plan(server: &Server, db: usize, entry: &CommandEntry, args: &[&[u8]]) -> LockPlan {
    match entry.scope {
        Scope::None => LockPlan::None,
        Scope::Db => LockPlan::Db(db),
        Scope::All => LockPlan::All,
        Scope::Keys => {
            let mut positions: SmallVec<[usize; 8]> = SmallVec::new();
            if ferrokey_cmdtable::key_positions(entry.spec, args, &mut positions) {
                LockPlan::Slots(
                    server
                        .keyspace
                        .slots_for_keys(db, positions.iter().filter_map(|&i| args.get(i).copied())),
                )
            } else {
                // The table cannot locate every key (INCOMPLETE specs): take the database.
                LockPlan::Db(db)
            }
        }
    }
}

fn acquire<'k>(server: &'k Server, plan: &LockPlan) -> LockSet<'k> {
    let keyspace = &server.keyspace;
    match plan {
        LockPlan::None => LockSet::empty(keyspace),
        LockPlan::Db(db) => LockSet::for_dbs(keyspace, &[*db]),
        LockPlan::All => LockSet::everything(keyspace),
        LockPlan::Slots(slots) => LockSet::for_slots(keyspace, slots),
    }
}

/// Sends the command to every MONITOR client, in Redis's line format.
fn feed_monitors(server: &Server, client: &ClientState, args: &[&[u8]], spec: &CommandSpec) {
    if spec.is_admin() || spec.no_monitor() {
        return;
    }
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    let origin = match &client.handle.peer {
        Peer::Tcp { addr, .. } => addr.to_string(),
        Peer::Unix { path } => format!("unix:{path}"),
    };
    let mut line = format!(
        "+{}.{:06} [{} {origin}]",
        now_us / 1_000_000,
        now_us % 1_000_000,
        client.db,
    )
    .into_bytes();
    for arg in args {
        line.push(b' ');
        ferrokey_util::repr::push_repr(&mut line, arg);
    }
    line.extend_from_slice(b"\r\n");
    for monitor in server.clients.monitors() {
        if monitor.id != client.id() {
            monitor.send(Push::Encoded(line.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_rules() {
        assert!(arity_ok(2, 2));
        assert!(!arity_ok(2, 3));
        assert!(arity_ok(-2, 5));
        assert!(!arity_ok(-3, 2));
    }

    #[test]
    fn unknown_command_lists_leading_args() {
        assert_eq!(
            unknown_command_text(&[b"foo", b"a", b"b"]),
            b"ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            unknown_command_text(&[b"foo"]),
            b"ERR unknown command 'foo', with args beginning with: "
        );
    }
}
