//! Connection commands: PING, ECHO, QUIT, RESET, SELECT and HELLO.

use ferrokey_resp::Protocol;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::client::ReplyMode;
use crate::server::REDIS_VERSION;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("ping", ping, Scope::None),
    ("echo", echo, Scope::None),
    ("quit", quit, Scope::None),
    ("reset", reset, Scope::None),
    ("select", select, Scope::None),
    ("hello", hello, Scope::None),
    ("auth", auth, Scope::None),
];

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// Checks credentials against the only user that exists until ACLs land: `default`, whose
/// password is `requirepass` (none: any password is accepted).
fn credentials_ok(ctx: &Ctx, user: &[u8], password: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match ctx.server.config.read().requirepass() {
        None => true,
        Some(required) => required == password,
    }
}

fn auth(ctx: &mut Ctx) {
    let (user, password) = match ctx.argc() {
        2 => (&b"default"[..], ctx.arg(1)),
        3 => (ctx.arg(1), ctx.arg(2)),
        _ => {
            ctx.out.error(err::SYNTAX);
            return;
        }
    };
    if ctx.argc() == 2 && ctx.server.config.read().requirepass().is_none() {
        ctx.out.error(
            "ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        );
        return;
    }
    if credentials_ok(ctx, user, password) {
        ctx.client.authenticated = true;
        ctx.out.ok();
    } else {
        ctx.out.error(WRONGPASS);
    }
}

fn ping(ctx: &mut Ctx) {
    // A subscribed RESP2 client cannot tell a reply from a message, so PING answers in the
    // message shape: ["pong", argument or ""].
    let subscribed = ctx.client.handle.pubsub.is_subscribed();
    if subscribed && ctx.client.protocol == Protocol::Resp2 && ctx.argc() <= 2 {
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out.bulk(ctx.arg(1));
        return;
    }
    match ctx.argc() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(ctx.arg(1)),
        _ => ctx
            .out
            .error("ERR wrong number of arguments for 'ping' command"),
    }
}

fn echo(ctx: &mut Ctx) {
    ctx.out.bulk(ctx.arg(1));
}

fn quit(ctx: &mut Ctx) {
    ctx.out.ok();
    ctx.client.set_close_after_reply();
}

fn reset(ctx: &mut Ctx) {
    ctx.server.clients.unset_monitor(&ctx.client.handle);
    super::transaction::reset_transaction(ctx.server, ctx.client);
    crate::pubsub::unsubscribe_all(ctx.server, &ctx.client.handle);
    crate::tracking::disable(ctx.server, &ctx.client.handle);
    ctx.client.tracking_caching = false;
    ctx.client.authenticated = ctx.server.config.read().requirepass().is_none();
    ctx.client.select_db(0);
    ctx.client.protocol = Protocol::Resp2;
    ctx.out.set_protocol(Protocol::Resp2);
    ctx.client.reply_mode = ReplyMode::On;
    ctx.client
        .handle
        .protocol_version
        .store(2, std::sync::atomic::Ordering::Relaxed);
    ctx.client.handle.strings.lock().name.clear();
    ctx.client
        .handle
        .no_evict
        .store(false, std::sync::atomic::Ordering::Relaxed);
    ctx.client
        .handle
        .no_touch
        .store(false, std::sync::atomic::Ordering::Relaxed);
    ctx.out.simple("RESET");
}

fn select(ctx: &mut Ctx) {
    let Some(index) = parse_i64(ctx.arg(1)).filter(|n| i32::try_from(*n).is_ok()) else {
        ctx.out.error(err::NOT_INTEGER);
        return;
    };
    if index < 0 || index as usize >= ctx.server.keyspace.db_count() {
        ctx.out.error(err::DB_INDEX);
        return;
    }
    ctx.client.select_db(index as usize);
    ctx.out.ok();
}

fn hello(ctx: &mut Ctx) {
    let mut protocol = ctx.client.protocol;
    let mut next = 1;
    if ctx.argc() >= 2 {
        let Some(version) = parse_i64(ctx.arg(1)) else {
            ctx.out
                .error("ERR Protocol version is not an integer or out of range");
            return;
        };
        protocol = match version {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => {
                ctx.out.error("NOPROTO unsupported protocol version");
                return;
            }
        };
        next = 2;
    }
    let mut new_name = None;
    while next < ctx.argc() {
        let opt = ctx.arg(next);
        let remaining = ctx.argc() - next - 1;
        if eq_ic(opt, "auth") && remaining >= 2 {
            if !credentials_ok(ctx, ctx.arg(next + 1), ctx.arg(next + 2)) {
                ctx.out.error(WRONGPASS);
                return;
            }
            ctx.client.authenticated = true;
            next += 3;
        } else if eq_ic(opt, "setname") && remaining >= 1 {
            let name = ctx.arg(next + 1);
            if let Some(error) = super::client::invalid_client_name(name) {
                ctx.out.error(error);
                return;
            }
            new_name = Some(name);
            next += 2;
        } else {
            ctx.out.error(&format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            ));
            return;
        }
    }
    if !ctx.client.authenticated {
        ctx.out.error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and \
             select the RESP protocol version at the same time",
        );
        return;
    }
    if let Some(name) = new_name {
        ctx.client.handle.strings.lock().name = name.to_vec();
    }
    ctx.client.protocol = protocol;
    ctx.out.set_protocol(protocol);
    let proto_number = if protocol == Protocol::Resp3 { 3 } else { 2 };
    ctx.client
        .handle
        .protocol_version
        .store(proto_number, std::sync::atomic::Ordering::Relaxed);
    ctx.out.map(7);
    ctx.out.bulk(b"server");
    ctx.out.bulk(b"ferrokey");
    ctx.out.bulk(b"version");
    ctx.out.bulk(REDIS_VERSION.as_bytes());
    ctx.out.bulk(b"proto");
    ctx.out.int(proto_number as i64);
    ctx.out.bulk(b"id");
    ctx.out.int(ctx.client.id() as i64);
    ctx.out.bulk(b"mode");
    ctx.out.bulk(b"standalone");
    ctx.out.bulk(b"role");
    ctx.out.bulk(b"master");
    ctx.out.bulk(b"modules");
    ctx.out.array(0);
}
