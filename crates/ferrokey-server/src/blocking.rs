//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN and the rest) and how they are served.
//!
//! A blocking command that finds nothing to pop registers a `Waiter` in the `BlockedKeys` of the
//! shard of each of its keys, while it holds those shards' locks, and its connection task then
//! waits. The waiter queues live inside the shards, so the shard lock that protects a key also
//! protects the queue of clients waiting for it, and registering is atomic with the check that
//! found the keys empty.
//!
//! A write that creates or replaces a key somebody waits for marks the key *ready* in its shard
//! (one `is_empty` test per key creation when nobody waits). After the writing command, the
//! dispatcher serves the ready keys while it still holds its locks: nothing can run between the
//! write and the service, as in Redis, and a push consumed at once by a waiter is never seen by
//! anyone else. Waiters on one key are served first come, first served; each is served by
//! running the non-blocking form of its command on that key, on the writer's thread, and its
//! reply is handed to its connection task.
//!
//! A waiter is finished exactly once: `claim` (served), a timeout, CLIENT UNBLOCK or the client's
//! disconnection all race through one compare-and-swap on its state, and the losers back off.
//! The winner that is not the server removes the waiter from its queues; stale entries a server
//! meets (waiters finished elsewhere) are dropped on sight, so queues never hold them for long.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokey_ds::list::End;
use ferrokey_resp::Protocol;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::client::ClientHandle;
use crate::keyspace::value::{Value, ValueType};

/// What a blocked command does once one of its keys is ready.
#[derive(Clone, Debug)]
pub enum BlockedOp {
    /// BLPOP/BRPOP (`count` None: reply `[key, element]`) and BLMPOP (`[key, [elements]]`).
    ListPop { end: End, count: Option<usize> },
    /// BLMOVE, and BRPOPLPUSH when `rpoplpush_form` (the form replicated).
    ListMove {
        destination: Vec<u8>,
        from: End,
        to: End,
        rpoplpush_form: bool,
    },
    /// BZPOPMIN/BZPOPMAX (`count` None: reply `[key, member, score]`) and BZMPOP.
    ZSetPop { max: bool, count: Option<u64> },
}

impl BlockedOp {
    /// The value type this command waits for: a key of another type does not serve it.
    pub fn wanted_type(&self) -> ValueType {
        match self {
            BlockedOp::ListPop { .. } | BlockedOp::ListMove { .. } => ValueType::List,
            BlockedOp::ZSetPop { .. } => ValueType::ZSet,
        }
    }

    pub fn accepts(&self, value: &Value) -> bool {
        value.value_type() == self.wanted_type()
    }

    /// A second key the service writes (BLMOVE's destination).
    pub fn destination(&self) -> Option<&[u8]> {
        match self {
            BlockedOp::ListMove { destination, .. } => Some(destination),
            _ => None,
        }
    }
}

const WAITING: u8 = 0;
const CLAIMED: u8 = 1;
const TIMED_OUT: u8 = 2;
const UNBLOCKED_TIMEOUT: u8 = 3;
const UNBLOCKED_ERROR: u8 = 4;
const GONE: u8 = 5;

/// How a wait ended, from the waiting connection's point of view.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitEnd {
    /// Served: the reply bytes, encoded in the client's protocol.
    Served(Vec<u8>),
    /// The timeout passed, or CLIENT UNBLOCK ... TIMEOUT.
    TimedOut,
    /// CLIENT UNBLOCK ... ERROR.
    Unblocked,
}

/// Why CLIENT UNBLOCK ends a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnblockReason {
    Timeout,
    Error,
}

/// One blocked client.
pub struct Waiter {
    pub client: Arc<ClientHandle>,
    pub db: usize,
    /// The keys waited for, without duplicates, in argument order.
    pub keys: Vec<Vec<u8>>,
    pub op: BlockedOp,
    pub protocol: Protocol,
    pub deadline: Option<Instant>,
    state: AtomicU8,
    reply: Mutex<Option<Vec<u8>>>,
    wake: Notify,
}

impl Waiter {
    pub fn new(
        client: Arc<ClientHandle>,
        db: usize,
        keys: Vec<Vec<u8>>,
        op: BlockedOp,
        protocol: Protocol,
        deadline: Option<Instant>,
    ) -> Self {
        Waiter {
            client,
            db,
            keys,
            op,
            protocol,
            deadline,
            state: AtomicU8::new(WAITING),
            reply: Mutex::new(None),
            wake: Notify::new(),
        }
    }

    pub fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    fn finish(&self, state: u8) -> bool {
        self.state
            .compare_exchange(WAITING, state, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Takes the waiter for service; false when it already ended another way.
    pub fn claim(&self) -> bool {
        self.finish(CLAIMED)
    }

    /// Hands the reply of a claimed waiter to its connection.
    pub fn deliver(&self, reply: Vec<u8>) {
        *self.reply.lock() = Some(reply);
        self.wake.notify_one();
    }

    /// CLIENT UNBLOCK: ends the wait unless it already ended; true when it did.
    pub fn unblock(&self, reason: UnblockReason) -> bool {
        let state = match reason {
            UnblockReason::Timeout => UNBLOCKED_TIMEOUT,
            UnblockReason::Error => UNBLOCKED_ERROR,
        };
        let done = self.finish(state);
        if done {
            self.wake.notify_one();
        }
        done
    }

    /// Ends the wait because the client is going away. False when a server claimed it first
    /// (its element is then delivered to a connection that will not read it, as in Redis when
    /// a client dies with a reply pending).
    pub fn abandon(&self) -> bool {
        self.finish(GONE)
    }

    /// Waits until the wait ends. The caller removes the waiter from its queues afterwards
    /// unless it was served (the server did that).
    pub async fn wait(&self) -> WaitEnd {
        loop {
            let notified = self.wake.notified();
            if let Some(end) = self.check_end() {
                return end;
            }
            match self.deadline {
                Some(deadline) => {
                    let timed_out = tokio::select! {
                        _ = notified => false,
                        _ = tokio::time::sleep_until(deadline.into()) => true,
                    };
                    if timed_out && self.finish(TIMED_OUT) {
                        return WaitEnd::TimedOut;
                    }
                }
                None => notified.await,
            }
        }
    }

    fn check_end(&self) -> Option<WaitEnd> {
        match self.state.load(Ordering::Acquire) {
            CLAIMED => self.reply.lock().take().map(WaitEnd::Served),
            TIMED_OUT | UNBLOCKED_TIMEOUT => Some(WaitEnd::TimedOut),
            UNBLOCKED_ERROR => Some(WaitEnd::Unblocked),
            _ => None,
        }
    }
}

/// Server-wide figures for INFO clients.
#[derive(Default)]
pub struct BlockingStats {
    pub blocked_clients: AtomicU64,
    /// Blocked clients with a finite timeout (INFO's clients_in_timeout_table).
    pub clients_with_timeout: AtomicU64,
    /// Keys with at least one waiter, over every database.
    pub blocking_keys: AtomicU64,
}

/// The waiters of one shard's keys, and the keys made ready since the last service.
#[derive(Default)]
pub struct BlockedKeys {
    queues: HashMap<Box<[u8]>, VecDeque<Arc<Waiter>>, ahash::RandomState>,
    ready: Vec<Box<[u8]>>,
}

impl BlockedKeys {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// Called for every key a write creates or replaces: marks it ready when someone waits.
    pub fn signal(&mut self, key: &[u8]) {
        if self.queues.is_empty() || !self.queues.contains_key(key) {
            return;
        }
        if !self.ready.iter().any(|k| &**k == key) {
            self.ready.push(key.into());
        }
    }

    /// Marks ready every waited-for key `exists` accepts (after SWAPDB).
    pub fn signal_existing(&mut self, exists: impl Fn(&[u8]) -> bool) {
        for key in self.queues.keys() {
            if exists(key) && !self.ready.iter().any(|k| k == key) {
                self.ready.push(key.clone());
            }
        }
    }

    pub fn take_ready(&mut self) -> Option<Box<[u8]>> {
        if self.ready.is_empty() {
            None
        } else {
            Some(self.ready.remove(0))
        }
    }

    pub fn add(&mut self, key: &[u8], waiter: Arc<Waiter>, stats: &BlockingStats) {
        let queue = self.queues.entry(key.into()).or_insert_with(|| {
            stats.blocking_keys.fetch_add(1, Ordering::Relaxed);
            VecDeque::new()
        });
        queue.push_back(waiter);
    }

    /// The first waiter on `key`, dropping those that already ended elsewhere.
    pub fn front(&mut self, key: &[u8], stats: &BlockingStats) -> Option<Arc<Waiter>> {
        let queue = self.queues.get_mut(key)?;
        while let Some(first) = queue.front() {
            if first.is_waiting() {
                return Some(first.clone());
            }
            queue.pop_front();
        }
        self.queues.remove(key);
        stats.blocking_keys.fetch_sub(1, Ordering::Relaxed);
        None
    }

    pub fn remove(&mut self, key: &[u8], waiter: &Arc<Waiter>, stats: &BlockingStats) {
        let Some(queue) = self.queues.get_mut(key) else {
            return;
        };
        queue.retain(|w| !Arc::ptr_eq(w, waiter));
        if queue.is_empty() {
            self.queues.remove(key);
            stats.blocking_keys.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Parses a blocking timeout in seconds (fractions allowed) as Redis's
/// `getTimeoutFromObjectOrReply`: Ok(None) waits forever.
pub fn parse_timeout(arg: &[u8], now_ms: i64) -> Result<Option<Duration>, &'static str> {
    const NOT_A_FLOAT: &str = "ERR timeout is not a float or out of range";
    const OUT_OF_RANGE: &str = "ERR timeout is out of range";
    let seconds = ferrokey_util::long_double::LongDouble::parse(arg).ok_or(NOT_A_FLOAT)?;
    let ms = seconds.to_f64() * 1000.0;
    if ms.is_nan() {
        return Err(NOT_A_FLOAT);
    }
    if ms > i64::MAX as f64 {
        return Err(OUT_OF_RANGE);
    }
    let ms = ms.ceil();
    if ms < 0.0 {
        return Err("ERR timeout is negative");
    }
    let ms = ms as i64;
    if ms == 0 {
        return Ok(None);
    }
    if ms > i64::MAX - now_ms {
        return Err(OUT_OF_RANGE);
    }
    Ok(Some(Duration::from_millis(ms as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_redis() {
        let now = 1_700_000_000_000;
        assert_eq!(parse_timeout(b"0", now), Ok(None));
        assert_eq!(
            parse_timeout(b"0.0001", now),
            Ok(Some(Duration::from_millis(1)))
        );
        assert_eq!(
            parse_timeout(b"1.5", now),
            Ok(Some(Duration::from_millis(1500)))
        );
        assert_eq!(
            parse_timeout(b"0x10", now),
            Ok(Some(Duration::from_secs(16)))
        );
        for bad in [&b"abc"[..], b"nan", b" 1", b"1 ", b""] {
            assert_eq!(
                parse_timeout(bad, now),
                Err("ERR timeout is not a float or out of range"),
                "{bad:?}"
            );
        }
        assert_eq!(parse_timeout(b"-1", now), Err("ERR timeout is negative"));
        for huge in [&b"inf"[..], b"1e20", b"9223372036854775"] {
            assert_eq!(parse_timeout(huge, now), Err("ERR timeout is out of range"));
        }
    }

    #[test]
    fn queues_serve_in_order_and_drop_finished_waiters() {
        let stats = BlockingStats::default();
        let mut keys = BlockedKeys::default();
        let (handle, _rx) = crate::client::ClientRegistry::default().register(
            crate::client::Peer::Unix {
                path: "t".to_string(),
            },
            -1,
        );
        let op = BlockedOp::ListPop {
            end: End::Head,
            count: None,
        };
        let make = || {
            Arc::new(Waiter::new(
                handle.clone(),
                0,
                vec![b"k".to_vec()],
                op.clone(),
                Protocol::Resp2,
                None,
            ))
        };
        let (first, second) = (make(), make());
        keys.add(b"k", first.clone(), &stats);
        keys.add(b"k", second.clone(), &stats);
        assert_eq!(stats.blocking_keys.load(Ordering::Relaxed), 1);
        keys.signal(b"other");
        assert!(keys.take_ready().is_none());
        keys.signal(b"k");
        keys.signal(b"k");
        assert_eq!(keys.take_ready().as_deref(), Some(&b"k"[..]));
        assert!(keys.take_ready().is_none());
        assert!(first.unblock(UnblockReason::Error));
        assert!(!first.claim(), "a finished waiter cannot be claimed");
        let front = keys.front(b"k", &stats);
        assert!(front.is_some_and(|w| Arc::ptr_eq(&w, &second)));
        keys.remove(b"k", &second, &stats);
        assert!(keys.is_empty());
        assert_eq!(stats.blocking_keys.load(Ordering::Relaxed), 0);
    }
}
