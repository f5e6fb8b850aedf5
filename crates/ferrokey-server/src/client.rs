//! Clients: the per-connection state a connection task owns, and the shared handle other
//! connections see (CLIENT LIST, CLIENT KILL, MONITOR).
//!
//! `ClientState` is touched only by its own task, so it needs no locks. `ClientHandle` holds what
//! others read or signal: counters as atomics, the few strings behind a small mutex, the kill
//! flag, and the channel that carries asynchronous output (MONITOR lines) to the task.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ferrokey_resp::Protocol;
use parking_lot::Mutex;
use smallvec::SmallVec;

use crate::blocking::Waiter;
use crate::server::unix_time_ms;
use crate::watch::{ClientWatch, WatchState};

/// How a client connected.
#[derive(Clone, Debug)]
pub enum Peer {
    Tcp { addr: SocketAddr, local: SocketAddr },
    Unix { path: String },
}

/// CLIENT REPLY mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReplyMode {
    #[default]
    On,
    Off,
    /// Skip the reply of the next command only.
    SkipNext,
    /// Skipping the reply of the command being executed now.
    Skipping,
}

/// Strings of a client that others read.
#[derive(Default, Clone)]
pub struct ClientStrings {
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
}

/// Asynchronous output for a client: lines other connections produce for it.
pub enum Push {
    /// Bytes already encoded for the client's protocol.
    Encoded(Vec<u8>),
    /// A pub/sub message, encoded once per protocol and shared by all its receivers; counted
    /// in `ClientPubSub::pending_bytes` until it reaches the output buffer.
    Shared(Arc<[u8]>),
    /// A message for this client alone (a tracking invalidation), counted like `Shared`.
    Counted(Vec<u8>),
    /// CLIENT KILL (or shutdown): close the connection.
    Kill,
}

impl Push {
    /// The bytes the push writes (none for `Kill`).
    #[cfg(test)]
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Push::Encoded(bytes) | Push::Counted(bytes) => Some(bytes),
            Push::Shared(bytes) => Some(bytes),
            Push::Kill => None,
        }
    }

    /// Appends the push to the client's output; false when the connection must close.
    pub fn append_to(self, out: &mut ferrokey_resp::ReplyBuf, handle: &ClientHandle) -> bool {
        match self {
            Push::Encoded(bytes) => out.raw(&bytes),
            Push::Shared(bytes) => {
                out.raw(&bytes);
                handle.pubsub.written_to_output(bytes.len());
            }
            Push::Counted(bytes) => {
                out.raw(&bytes);
                handle.pubsub.written_to_output(bytes.len());
            }
            Push::Kill => return false,
        }
        true
    }
}

pub struct ClientHandle {
    pub id: u64,
    pub peer: Peer,
    pub fd: i32,
    pub created: Instant,
    pub strings: Mutex<ClientStrings>,
    pub db: AtomicU32,
    pub protocol_version: AtomicU32,
    /// Command table id of the last command (u16::MAX: none yet).
    pub last_command_id: AtomicU16,
    pub last_interaction_ms: AtomicI64,
    pub query_buffer_bytes: AtomicU64,
    pub query_buffer_free_bytes: AtomicU64,
    pub output_buffer_bytes: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub commands_processed: AtomicU64,
    pub is_monitor: AtomicBool,
    pub no_evict: AtomicBool,
    pub no_touch: AtomicBool,
    /// A command of this client is held by CLIENT PAUSE (CLIENT LIST flag `b`).
    pub paused: AtomicBool,
    pub in_multi_count: AtomicI64,
    /// What Valkey reports as the queued commands' memory (CLIENT LIST `multi-mem=`).
    pub multi_mem_bytes: AtomicU64,
    /// Keys this client WATCHes (CLIENT LIST `watch=`).
    pub watched_key_count: AtomicU64,
    /// The flag its watches set when a watched key changes (CLIENT LIST `d`); `ClientWatch`
    /// shares it while the client watches.
    pub watch_state: Arc<WatchState>,
    /// The connection closes once its output is written (QUIT, CLIENT KILL of itself, a
    /// protocol error): CLIENT LIST `c`. Mirrors `ClientState::close_after_reply`.
    pub close_after_reply: AtomicBool,
    /// The wait of a client blocked on keys, for CLIENT UNBLOCK and CLIENT LIST.
    pub blocked: Mutex<Option<Arc<Waiter>>>,
    /// Subscriptions and pending pub/sub output.
    pub pubsub: crate::pubsub::ClientPubSub,
    /// Client-side caching mode (CLIENT TRACKING).
    pub tracking: crate::tracking::ClientTracking,
    killed: AtomicBool,
    /// Wakes the task out of a write that a client that stopped reading would never finish.
    kill_signal: tokio::sync::Notify,
    push_tx: crate::push_queue::PushSender,
}

impl ClientHandle {
    /// Marks the client killed and wakes its task, which closes the connection.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.push_tx.send(Push::Kill);
        self.kill_signal.notify_one();
    }

    /// Completes once the client is killed (at once if it already was).
    pub async fn killed(&self) {
        self.kill_signal.notified().await;
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    pub fn send(&self, push: Push) -> bool {
        self.push_tx.send(push)
    }

    /// Records an interaction at `now_ms` (Unix ms), the base of CLIENT LIST `idle=`.
    pub fn touch(&self, now_ms: i64) {
        self.last_interaction_ms.store(now_ms, Ordering::Relaxed);
    }

    pub fn idle_secs(&self) -> i64 {
        (unix_time_ms() - self.last_interaction_ms.load(Ordering::Relaxed)).max(0) / 1000
    }

    pub fn addr_string(&self) -> String {
        match &self.peer {
            Peer::Tcp { addr, .. } => addr.to_string(),
            Peer::Unix { path } => format!("{path}:0"),
        }
    }

    pub fn laddr_string(&self) -> String {
        match &self.peer {
            Peer::Tcp { local, .. } => local.to_string(),
            Peer::Unix { path } => format!("{path}:0"),
        }
    }
}

/// All connected clients, by id.
#[derive(Default)]
pub struct ClientRegistry {
    next_id: AtomicU64,
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    monitors: AtomicU32,
}

impl ClientRegistry {
    pub fn register(
        &self,
        peer: Peer,
        fd: i32,
    ) -> (Arc<ClientHandle>, crate::push_queue::PushReceiver) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (push_tx, push_rx) = crate::push_queue::channel();
        let handle = Arc::new(ClientHandle {
            id,
            peer,
            fd,
            created: Instant::now(),
            strings: Mutex::new(ClientStrings::default()),
            db: AtomicU32::new(0),
            protocol_version: AtomicU32::new(2),
            last_command_id: AtomicU16::new(u16::MAX),
            last_interaction_ms: AtomicI64::new(unix_time_ms()),
            query_buffer_bytes: AtomicU64::new(0),
            query_buffer_free_bytes: AtomicU64::new(0),
            output_buffer_bytes: AtomicU64::new(0),
            net_input_bytes: AtomicU64::new(0),
            net_output_bytes: AtomicU64::new(0),
            commands_processed: AtomicU64::new(0),
            is_monitor: AtomicBool::new(false),
            no_evict: AtomicBool::new(false),
            no_touch: AtomicBool::new(false),
            paused: AtomicBool::new(false),
            in_multi_count: AtomicI64::new(-1),
            multi_mem_bytes: AtomicU64::new(0),
            watched_key_count: AtomicU64::new(0),
            watch_state: Arc::default(),
            close_after_reply: AtomicBool::new(false),
            blocked: Mutex::new(None),
            pubsub: Default::default(),
            tracking: Default::default(),
            killed: AtomicBool::new(false),
            kill_signal: tokio::sync::Notify::new(),
            push_tx,
        });
        self.clients.lock().insert(id, handle.clone());
        (handle, push_rx)
    }

    pub fn unregister(&self, id: u64) {
        if let Some(handle) = self.clients.lock().remove(&id) {
            if handle.is_monitor.load(Ordering::Relaxed) {
                self.monitors.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.clients.lock().len()
    }

    /// The client with this id, if connected.
    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.clients.lock().get(&id).cloned()
    }

    /// A snapshot of every client, in id order.
    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.clients.lock().values().cloned().collect()
    }

    pub fn set_monitor(&self, handle: &ClientHandle) {
        if !handle.is_monitor.swap(true, Ordering::Relaxed) {
            self.monitors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn unset_monitor(&self, handle: &ClientHandle) {
        if handle.is_monitor.swap(false, Ordering::Relaxed) {
            self.monitors.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub fn has_monitors(&self) -> bool {
        self.monitors.load(Ordering::Relaxed) > 0
    }

    pub fn monitors(&self) -> Vec<Arc<ClientHandle>> {
        self.clients
            .lock()
            .values()
            .filter(|c| c.is_monitor.load(Ordering::Relaxed))
            .cloned()
            .collect()
    }
}

/// State owned by one connection's task.
pub struct ClientState {
    pub handle: Arc<ClientHandle>,
    pub db: usize,
    pub protocol: Protocol,
    pub reply_mode: ReplyMode,
    /// False until AUTH/HELLO succeeds when the default user has a password (requirepass).
    pub authenticated: bool,
    /// Set by QUIT, CLIENT KILL of itself or a protocol error (`set_close_after_reply`):
    /// close after flushing the output.
    pub close_after_reply: bool,
    /// When the next command of the current pipeline starts: the time of the read, then the end
    /// of the previous command, so each command costs one clock read. Cleared after the pass.
    pub pipeline_clock: Option<crate::clock::MonotonicNs>,
    /// Set by a blocking command that found nothing: the connection waits before it reads on.
    pub blocked: Option<Arc<Waiter>>,
    /// Inside MULTI or a script, where blocking commands answer at once.
    pub deny_blocking: bool,
    /// The commands queued since MULTI.
    pub multi: Option<Transaction>,
    /// The buffers of the last transaction, for the next MULTI (see `Transaction`).
    pub spare_transaction: Option<Transaction>,
    /// The keys WATCHed, until EXEC, DISCARD, UNWATCH or RESET.
    pub watch: Option<ClientWatch>,
    /// Watches EXEC ended, released by the dispatcher once the transaction's locks are gone.
    pub deferred_unwatch: Option<ClientWatch>,
    /// A command held by CLIENT PAUSE, run once the pause ends.
    pub postponed: Option<Vec<Vec<u8>>>,
    /// CLIENT CACHING was given: the next command (or transaction) counts for OPTIN/OPTOUT.
    pub tracking_caching: bool,
}

/// A transaction being queued (between MULTI and EXEC). The arguments of all its commands share
/// two buffers, and EXEC hands them back to the client (`spare_transaction`) for its next
/// MULTI, so a client repeating transactions of a similar size allocates nothing for them.
#[derive(Default)]
pub struct Transaction {
    /// Each queued command, with the index in `arg_ends` one past its last argument.
    commands: Vec<(&'static ferrokey_cmdtable::CommandSpec, usize)>,
    arg_bytes: Vec<u8>,
    /// Where each argument ends in `arg_bytes`.
    arg_ends: Vec<usize>,
    /// Set by a command refused while queueing: EXEC then fails with EXECABORT.
    pub aborted: bool,
}

/// A finished transaction whose buffers have grown past this is dropped rather than kept.
const SPARE_TRANSACTION_MAX_BYTES: usize = 16 * 1024;

impl Transaction {
    pub fn push(&mut self, spec: &'static ferrokey_cmdtable::CommandSpec, args: &[&[u8]]) {
        for arg in args {
            self.arg_bytes.extend_from_slice(arg);
            self.arg_ends.push(self.arg_bytes.len());
        }
        self.commands.push((spec, self.arg_ends.len()));
    }

    /// Valkey's `multi-mem=`: every queued argument's bytes plus a pointer per argument.
    pub fn reported_bytes(&self) -> u64 {
        (self.arg_bytes.len() + std::mem::size_of::<usize>() * self.arg_ends.len()) as u64
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// The queued commands, in order.
    pub fn commands(&self) -> impl Iterator<Item = QueuedCommand<'_>> {
        // Where the next command's arguments start, in `arg_ends` and in `arg_bytes`.
        let (mut first_arg, mut start) = (0, 0);
        self.commands.iter().map(move |&(spec, args_end)| {
            let ends = self.arg_ends.get(first_arg..args_end).unwrap_or_default();
            let command_start = start;
            first_arg = args_end;
            start = ends.last().copied().unwrap_or(start);
            QueuedCommand {
                spec,
                bytes: &self.arg_bytes,
                start: command_start,
                ends,
            }
        })
    }

    /// Emptied for the client's next MULTI, unless it grew too large to keep.
    pub fn recycle(mut self) -> Option<Transaction> {
        let bytes = self.arg_bytes.capacity()
            + self.arg_ends.capacity() * size_of::<usize>()
            + self.commands.capacity() * size_of::<(&ferrokey_cmdtable::CommandSpec, usize)>();
        if bytes > SPARE_TRANSACTION_MAX_BYTES {
            return None;
        }
        self.commands.clear();
        self.arg_bytes.clear();
        self.arg_ends.clear();
        self.aborted = false;
        Some(self)
    }
}

/// A command queued by MULTI: what the dispatcher resolved, and where its arguments are.
pub struct QueuedCommand<'t> {
    pub spec: &'static ferrokey_cmdtable::CommandSpec,
    bytes: &'t [u8],
    /// Where the first argument starts in `bytes`.
    start: usize,
    /// Where each argument ends in `bytes`.
    ends: &'t [usize],
}

impl<'t> QueuedCommand<'t> {
    pub fn args(&self) -> SmallVec<[&'t [u8]; 8]> {
        let mut start = self.start;
        self.ends
            .iter()
            .map(|&end| {
                let arg = self.bytes.get(start..end).unwrap_or_default();
                start = end;
                arg
            })
            .collect()
    }
}

impl ClientState {
    pub fn new(handle: Arc<ClientHandle>, authenticated: bool) -> Self {
        ClientState {
            authenticated,
            handle,
            db: 0,
            protocol: Protocol::Resp2,
            reply_mode: ReplyMode::On,
            close_after_reply: false,
            pipeline_clock: None,
            blocked: None,
            deny_blocking: false,
            multi: None,
            spare_transaction: None,
            watch: None,
            deferred_unwatch: None,
            postponed: None,
            tracking_caching: false,
        }
    }

    pub fn id(&self) -> u64 {
        self.handle.id
    }

    /// Closes the connection once the replies so far are written; later replies are not sent.
    pub fn set_close_after_reply(&mut self) {
        self.close_after_reply = true;
        self.handle.close_after_reply.store(true, Ordering::Relaxed);
    }

    pub fn select_db(&mut self, db: usize) {
        self.db = db;
        self.handle.db.store(db as u32, Ordering::Relaxed);
    }
}
