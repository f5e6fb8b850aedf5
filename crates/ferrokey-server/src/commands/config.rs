//! CONFIG GET/SET/RESETSTAT/REWRITE/HELP. The directive table and its rules live in
//! `ferrokey-config`; this module applies the server-side effects of a change.

use ferrokey_config::{ConfigSetError, RewriteExtras, SetContext};

use super::registry::{Binding, Scope};
use super::Ctx;
use crate::client::Peer;

pub const COMMANDS: &[Binding] = &[
    ("config|get", config_get, Scope::None),
    ("config|set", config_set, Scope::None),
    ("config|resetstat", config_resetstat, Scope::None),
    ("config|rewrite", config_rewrite, Scope::None),
    ("config|help", config_help, Scope::None),
];

fn config_get(ctx: &mut Ctx) {
    let pairs = ctx.server.config.read().get_matching(&ctx.args[2..]);
    ctx.out.map(pairs.len());
    for (name, value) in &pairs {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(value);
    }
}

/// Whether a client is connected over loopback or a unix socket.
pub fn is_local(peer: &Peer) -> bool {
    match peer {
        Peer::Tcp { addr, .. } => addr.ip().is_loopback(),
        Peer::Unix { .. } => true,
    }
}

fn config_set(ctx: &mut Ctx) {
    let context = SetContext {
        loading: false,
        client_is_local: is_local(&ctx.client.handle.peer),
    };
    let result = {
        let mut config = ctx.server.config.write();
        match config.set(&ctx.args[2..], &context) {
            Ok(change) => {
                // A new port or bind list takes effect by binding the new listeners now; if
                // that fails the whole CONFIG SET is undone, as in Valkey.
                let rebind = change
                    .changed()
                    .iter()
                    .find(|c| matches!(c.name, "port" | "bind"));
                match rebind.map(|c| (c.set_as, ctx.server.listeners.bind(ctx.server, &config, 0)))
                {
                    Some((name, Err(reason))) => {
                        tracing::warn!("CONFIG SET {name}: {reason}");
                        config.rollback(change);
                        let text = if name == "bind" {
                            "Failed to bind to specified addresses."
                        } else {
                            "Unable to listen on this port. Check server logs."
                        };
                        Err(ConfigSetError::apply_failed(name, text))
                    }
                    _ => Ok(()),
                }
            }
            Err(error) => Err(error),
        }
    };
    match result {
        Ok(()) => {
            ctx.server.apply_config();
            ctx.out.ok();
        }
        Err(error) => ctx.out.error(&error.to_string()),
    }
}

fn config_resetstat(ctx: &mut Ctx) {
    super::info::reset_stats(ctx.server);
    ctx.out.ok();
}

fn config_rewrite(ctx: &mut Ctx) {
    let result = ctx.server.config.read().rewrite(&RewriteExtras::default());
    match result {
        Ok(()) => ctx.out.ok(),
        Err(error) => ctx.out.error(&error.to_string()),
    }
}

fn config_help(ctx: &mut Ctx) {
    super::reply_help(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}
