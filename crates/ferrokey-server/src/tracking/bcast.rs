//! BCAST mode: the prefix table, and the keys changed under each prefix since the last flush.
//!
//! Every prefix some client subscribed to has its clients and the keys changed under it, each
//! with the client that changed it last (none for expiry), so a NOLOOP client can be left its
//! own changes. A flush builds one key array per prefix, in key byte order (Valkey keeps them
//! in a radix tree), shared by the clients that see all of it. Everything is under one mutex:
//! writers take it only while some prefix exists (`count`), and only briefly.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{deliver, flag};
use crate::client::ClientHandle;

#[derive(Default)]
struct PrefixState {
    clients: BTreeMap<u64, Arc<ClientHandle>>,
    /// Keys changed since the last flush, with the client that changed each last.
    changed: BTreeMap<Vec<u8>, Option<u64>>,
}

#[derive(Default)]
pub struct Prefixes {
    table: Mutex<BTreeMap<Vec<u8>, PrefixState>>,
    count: AtomicUsize,
    /// Some prefix has changed keys waiting for a flush.
    pending: AtomicBool,
}

impl Prefixes {
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Adds a client to a prefix; false when it was there already.
    pub fn subscribe(&self, prefix: &[u8], client: &Arc<ClientHandle>) -> bool {
        let mut table = self.table.lock();
        let state = table.entry(prefix.to_vec()).or_default();
        let added = state.clients.insert(client.id, client.clone()).is_none();
        self.count.store(table.len(), Ordering::Relaxed);
        added
    }

    /// Removes a client from a prefix, dropping the prefix when it was the last one.
    pub fn unsubscribe(&self, prefix: &[u8], id: u64) {
        let mut table = self.table.lock();
        let Some(state) = table.get_mut(prefix) else {
            return;
        };
        state.clients.remove(&id);
        if state.clients.is_empty() {
            table.remove(prefix);
        }
        self.count.store(table.len(), Ordering::Relaxed);
    }

    /// Queues `key` under every prefix it starts with; `modifier` is the client that changed it.
    pub fn key_changed(&self, key: &[u8], modifier: Option<u64>) {
        if self.count() == 0 {
            return;
        }
        let mut table = self.table.lock();
        let mut queued = false;
        for (prefix, state) in table.iter_mut() {
            if key.starts_with(prefix) {
                state.changed.insert(key.to_vec(), modifier);
                queued = true;
            }
        }
        if queued {
            self.pending.store(true, Ordering::Release);
        }
    }

    /// Takes the queued keys and returns the messages due: (tracking client, key-array payload),
    /// in prefix order. A NOLOOP client gets the keys others changed, and nothing when that
    /// leaves none.
    pub fn take_messages(&self) -> Vec<(Arc<ClientHandle>, Vec<u8>)> {
        if !self.pending.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        let mut messages = Vec::new();
        let mut table = self.table.lock();
        for state in table.values_mut() {
            let changed = std::mem::take(&mut state.changed);
            if changed.is_empty() {
                continue;
            }
            let everything = deliver::keys_payload(changed.keys().map(Vec::as_slice));
            for (&id, client) in &state.clients {
                if client.tracking.flags() & flag::NOLOOP == 0 {
                    messages.push((client.clone(), everything.clone()));
                    continue;
                }
                let others: Vec<&[u8]> = changed
                    .iter()
                    .filter(|(_, modifier)| **modifier != Some(id))
                    .map(|(key, _)| key.as_slice())
                    .collect();
                if !others.is_empty() {
                    messages.push((client.clone(), deliver::keys_payload(others.into_iter())));
                }
            }
        }
        messages
    }
}
