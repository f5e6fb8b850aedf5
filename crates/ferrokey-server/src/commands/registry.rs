//! Binds handlers to the command table.
//!
//! The facts about a command (arity, flags, key specs, ACL categories) live in
//! `ferrokey_cmdtable`; this registry adds what only the server knows: the handler and the lock
//! scope. It is indexed by the table's dense command id, so dispatch and per-command statistics
//! are array lookups.

use std::sync::atomic::{AtomicU64, Ordering};

use ferrokey_cmdtable::CommandSpec;

use crate::server::StripedCounter;

use super::Ctx;

pub type Handler = fn(&mut Ctx);

/// Which shards the dispatcher locks before calling a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Touches no key (PING, CLIENT, CONFIG).
    None,
    /// The shards of the keys the command table locates, in the client's database.
    Keys,
    /// Every shard of the client's database (KEYS, SCAN, DBSIZE, FLUSHDB, RANDOMKEY).
    Db,
    /// Every shard of every database (FLUSHALL, SWAPDB, MOVE, INFO keyspace).
    All,
}

/// One family's commands: full name (`"get"`, `"client|list"`), handler, scope.
pub type Binding = (&'static str, Handler, Scope);

#[derive(Default)]
pub struct CommandStats {
    pub calls: StripedCounter,
    pub usec: StripedCounter,
    pub rejected_calls: AtomicU64,
    pub failed_calls: AtomicU64,
    /// Durations for INFO latencystats.
    pub latency: crate::latency::LatencyHistogram,
}

impl CommandStats {
    pub fn reset(&self) {
        self.calls.reset();
        self.usec.reset();
        for c in [&self.rejected_calls, &self.failed_calls] {
            c.store(0, Ordering::Relaxed);
        }
        self.latency.reset();
    }
}

pub struct CommandEntry {
    pub spec: &'static CommandSpec,
    pub handler: Option<Handler>,
    pub scope: Scope,
    pub stats: CommandStats,
}

pub struct CommandRegistry {
    entries: Vec<CommandEntry>,
}

fn all_bindings() -> impl Iterator<Item = &'static Binding> {
    [
        super::string::COMMANDS,
        super::keys::COMMANDS,
        super::list::COMMANDS,
        super::pubsub::COMMANDS,
        super::blocking::COMMANDS,
        super::transaction::COMMANDS,
        super::set::COMMANDS,
        super::zset::COMMANDS,
        super::hash::COMMANDS,
        super::sort::COMMANDS,
        super::connection::COMMANDS,
        super::server_cmds::COMMANDS,
        super::client::COMMANDS,
        super::tracking::COMMANDS,
        super::config::COMMANDS,
        super::info::COMMANDS,
        super::debug::COMMANDS,
        super::memory_cmds::COMMANDS,
    ]
    .into_iter()
    .flatten()
}

impl CommandRegistry {
    pub fn new() -> Self {
        let mut entries: Vec<CommandEntry> = (0..ferrokey_cmdtable::COMMAND_COUNT)
            .map(|id| CommandEntry {
                spec: ferrokey_cmdtable::by_id(id),
                handler: None,
                scope: Scope::None,
                stats: CommandStats::default(),
            })
            .collect();
        for &(name, handler, scope) in all_bindings() {
            match ferrokey_cmdtable::lookup_full_name(name) {
                Some(spec) => {
                    let entry = &mut entries[spec.id as usize];
                    entry.handler = Some(handler);
                    entry.scope = scope;
                }
                None => tracing::error!("handler bound to unknown command {name}"),
            }
        }
        CommandRegistry { entries }
    }

    pub fn get(&self, spec: &CommandSpec) -> Option<&CommandEntry> {
        self.entries.get(spec.id as usize)
    }

    pub fn entries(&self) -> &[CommandEntry] {
        &self.entries
    }

    #[cfg(test)]
    pub fn is_implemented(&self, spec: &CommandSpec) -> bool {
        self.get(spec).is_some_and(|e| e.handler.is_some())
    }
}

impl Default for CommandRegistry {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/COMPATIBILITY.md is generated from the table and the registry; this test fails when
    /// it is stale. Regenerate with `FERROKEY_BLESS=1 cargo test compatibility_doc`.
    #[test]
    fn compatibility_doc_is_current() {
        let registry = CommandRegistry::new();
        let expected =
            ferrokey_cmdtable::compatibility_markdown(|spec| registry.is_implemented(spec));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/COMPATIBILITY.md");
        if std::env::var_os("FERROKEY_BLESS").is_some() {
            std::fs::write(path, &expected).expect("write docs/COMPATIBILITY.md");
        }
        let current = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            current == expected,
            "docs/COMPATIBILITY.md is stale: run FERROKEY_BLESS=1 cargo test compatibility_doc"
        );
    }

    #[test]
    fn every_binding_names_a_table_command_once() {
        let mut seen = std::collections::HashSet::new();
        for &(name, _, _) in all_bindings() {
            assert!(
                ferrokey_cmdtable::lookup_full_name(name).is_some(),
                "unknown {name}"
            );
            assert!(seen.insert(name), "bound twice: {name}");
        }
    }
}
