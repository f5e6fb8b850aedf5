//! The write stream: one ordered sequence of the effects of every write.
//!
//! An effect is a command as it should be replayed (an expiry as `DEL`, `SET ... EX` as an
//! absolute `PXAT`, a blocking pop as its non-blocking form), tagged with its database. AOF
//! and replicas consume this stream and nothing else (keyspace notifications carry event names
//! effects cannot express and are raised beside them, under the same locks: `notify.rs`).
//! Most effects go to both; a few go to replicas only (`Effect::replicas_only`): PUBLISH and
//! SPUBLISH, which Valkey propagates with `PROPAGATE_REPL` alone, so that a replica's
//! subscribers hear what the primary's do while a reloaded AOF does not publish the past again.
//! They stay in their place in the batch, so a transaction's messages reach replicas between its
//! writes, in order; an AOF writer skips them (`EffectBatch::for_aof`), and a transaction that
//! only published leaves an empty `MULTI`/`EXEC` there, as in Valkey.
//!
//! Effects are emitted while the writer still holds the shard locks of the keys involved, and
//! the stream's own lock gives them a total order; so two effects on the same key always appear
//! in the order they were applied. With no subscriber, emitting costs one atomic load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::mpsc;

/// One replayable command, as its words.
pub type EffectArgs = Vec<Vec<u8>>;

/// One command of the stream and who replays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub args: EffectArgs,
    /// For replicas, not for the AOF (Valkey's `PROPAGATE_REPL` without `PROPAGATE_AOF`).
    pub replicas_only: bool,
}

impl Effect {
    /// An effect only replicas replay (PUBLISH, SPUBLISH).
    pub fn replicas_only(args: EffectArgs) -> Effect {
        Effect {
            args,
            replicas_only: true,
        }
    }
}

impl From<EffectArgs> for Effect {
    /// An effect for every reader: AOF and replicas.
    fn from(args: EffectArgs) -> Effect {
        Effect {
            args,
            replicas_only: false,
        }
    }
}

/// The effects of one command, or of a whole transaction, applied atomically in one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectBatch {
    pub db: usize,
    pub commands: Vec<Effect>,
}

impl EffectBatch {
    /// The commands an AOF writer appends: all but the replicas-only ones.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn for_aof(&self) -> impl Iterator<Item = &EffectArgs> {
        self.commands
            .iter()
            .filter(|effect| !effect.replicas_only)
            .map(|effect| &effect.args)
    }
}

#[derive(Default)]
pub struct WriteStream {
    active: AtomicBool,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Arc<EffectBatch>>>>,
}

impl WriteStream {
    /// Whether anyone reads the stream; writers skip building effects otherwise.
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Registers a reader. AOF, replication, notifications and tracking (later issues) are
    /// the readers; until they land only the tests subscribe.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Arc<EffectBatch>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut subs = self.subscribers.lock();
        subs.push(tx);
        self.active.store(true, Ordering::Relaxed);
        rx
    }

    /// Appends a batch. Call while holding the shard locks the batch's keys live in.
    pub fn emit(&self, batch: EffectBatch) {
        if batch.commands.is_empty() {
            return;
        }
        let mut subs = self.subscribers.lock();
        let batch = Arc::new(batch);
        subs.retain(|tx| tx.send(batch.clone()).is_ok());
        if subs.is_empty() {
            self.active.store(false, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_receive_batches_in_order_and_inactive_when_gone() {
        let stream = WriteStream::default();
        assert!(!stream.is_active());
        let mut rx = stream.subscribe();
        assert!(stream.is_active());
        for i in 0..3u8 {
            stream.emit(EffectBatch {
                db: 0,
                commands: vec![vec![b"DEL".to_vec(), vec![i]].into()],
            });
        }
        for i in 0..3u8 {
            let got = rx.try_recv().expect("batch");
            assert_eq!(got.commands[0].args[1], vec![i]);
        }
        drop(rx);
        stream.emit(EffectBatch {
            db: 0,
            commands: vec![vec![b"DEL".to_vec()].into()],
        });
        assert!(!stream.is_active());
    }

    #[test]
    fn the_aof_view_skips_replicas_only_effects_in_place() {
        let words =
            |text: &str| -> EffectArgs { text.split(' ').map(|w| w.as_bytes().to_vec()).collect() };
        let batch = EffectBatch {
            db: 0,
            commands: vec![
                words("MULTI").into(),
                words("SET k v").into(),
                Effect::replicas_only(words("PUBLISH ch hi")),
                words("EXEC").into(),
            ],
        };
        let aof: Vec<&EffectArgs> = batch.for_aof().collect();
        assert_eq!(aof, [&words("MULTI"), &words("SET k v"), &words("EXEC")]);
        assert!(batch.commands[2].replicas_only);
    }
}
