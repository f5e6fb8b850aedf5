//! CLIENT subcommands: identity (ID, SETNAME, GETNAME, SETINFO), introspection (INFO, LIST),
//! KILL, and the per-connection modes (REPLY, NO-EVICT, NO-TOUCH). The tracking subcommands
//! (TRACKING, CACHING, GETREDIR, TRACKINGINFO) are in `commands::tracking`.
//!
//! LIST and KILL share one filter parser, as in Valkey 8.1: filters combine with AND, an `ID`
//! filter takes every integer that follows it, repeated filters replace earlier ones (IDs
//! accumulate), and the first invalid filter decides the error. The info line is built from the
//! client handle alone, so listing other clients needs no cooperation from their tasks; the
//! memory figures Valkey reports for its own buffers are estimates here.
//!
//! CLIENT REPLY only changes `ClientState::reply_mode`; the dispatcher suppresses replies while
//! the mode (after the command) is OFF or SKIP, which is what lets `CLIENT REPLY ON` answer OK.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::blocking::UnblockReason;
use crate::client::{ClientHandle, Peer, ReplyMode};
use crate::pause::PauseMode;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("client|id", client_id, Scope::None),
    ("client|setname", client_setname, Scope::None),
    ("client|getname", client_getname, Scope::None),
    ("client|setinfo", client_setinfo, Scope::None),
    ("client|info", client_info, Scope::None),
    ("client|list", client_list, Scope::None),
    ("client|kill", client_kill, Scope::None),
    ("client|reply", client_reply, Scope::None),
    ("client|unblock", client_unblock, Scope::None),
    ("client|pause", client_pause, Scope::None),
    ("client|unpause", client_unpause, Scope::None),
    ("client|no-evict", client_no_evict, Scope::None),
    ("client|no-touch", client_no_touch, Scope::None),
    ("client|help", client_help, Scope::None),
];

/// Reply buffer size Valkey settles a connection's static buffer to once idle; reported as
/// `rbs` because ferrokey's buffer is not comparable.
const REPLY_BUFFER_REPORTED_BYTES: u64 = 1024;
/// Fixed per-client memory reported in `tot-mem` on top of the buffers (the client struct).
const CLIENT_STRUCT_REPORTED_BYTES: u64 = 546;

/// Whether every byte of a client attribute is printable ASCII other than space, so that the
/// CLIENT LIST line still splits on spaces.
fn valid_client_attr(value: &[u8]) -> bool {
    value.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// The error for a client name Redis refuses (spaces, newlines and other non-printables).
pub fn invalid_client_name(name: &[u8]) -> Option<&'static str> {
    if valid_client_attr(name) {
        None
    } else {
        Some("ERR Client names cannot contain spaces, newlines or special characters.")
    }
}

fn client_id(ctx: &mut Ctx) {
    ctx.out.int(ctx.client.id() as i64);
}

fn client_setname(ctx: &mut Ctx) {
    let name = ctx.arg(2);
    if let Some(error) = invalid_client_name(name) {
        ctx.out.error(error);
        return;
    }
    ctx.client.handle.strings.lock().name = name.to_vec();
    ctx.out.ok();
}

fn client_getname(ctx: &mut Ctx) {
    let name = ctx.client.handle.strings.lock().name.clone();
    if name.is_empty() {
        ctx.out.null();
    } else {
        ctx.out.bulk(&name);
    }
}

fn client_setinfo(ctx: &mut Ctx) {
    let attr = ctx.arg(2);
    let value = ctx.arg(3);
    let lib_name = eq_ic(attr, "lib-name");
    if !lib_name && !eq_ic(attr, "lib-ver") {
        ctx.out
            .error_bytes(&[b"ERR Unrecognized option '", attr, b"'"].concat());
        return;
    }
    if !valid_client_attr(value) {
        let text = [
            attr,
            b" cannot contain spaces, newlines or special characters.",
        ]
        .concat();
        ctx.out.error_bytes(&[b"ERR ", &text[..]].concat());
        return;
    }
    let mut strings = ctx.client.handle.strings.lock();
    if lib_name {
        strings.lib_name = value.to_vec();
    } else {
        strings.lib_ver = value.to_vec();
    }
    drop(strings);
    ctx.out.ok();
}

fn client_info(ctx: &mut Ctx) {
    let mut text = Vec::new();
    let argv_bytes = ctx.args.iter().map(|a| a.len() as u64).sum();
    info_line(&mut text, &ctx.client.handle, argv_bytes);
    text.push(b'\n');
    ctx.out.verbatim(b"txt", &text);
}

/// The client classes CLIENT LIST TYPE and CLIENT KILL TYPE select.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClientType {
    Normal,
    Replica,
    PubSub,
    Primary,
}

impl ClientType {
    /// Valkey's `getClientTypeByName`, case-insensitive.
    pub fn from_name(name: &[u8]) -> Option<ClientType> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Some(ClientType::Normal),
            b"slave" | b"replica" => Some(ClientType::Replica),
            b"pubsub" => Some(ClientType::PubSub),
            b"master" | b"primary" => Some(ClientType::Primary),
            _ => None,
        }
    }

    /// The class of a connected client: pub/sub while it has a subscription (in either
    /// protocol), otherwise normal. MONITOR clients count as normal, as in Valkey; replication
    /// is not served yet.
    pub fn of(client: &ClientHandle) -> ClientType {
        if client.pubsub.is_subscribed() {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }
}

/// A parsed CLIENT LIST / CLIENT KILL filter; every field set must match.
#[derive(Default, Debug)]
struct ClientFilter {
    ids: Vec<u64>,
    client_type: Option<ClientType>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    skip_me: Option<bool>,
    max_age_secs: Option<i64>,
}

impl ClientFilter {
    fn matches(&self, client: &ClientHandle, me: u64, skip_me_default: bool) -> bool {
        // A killed client is gone for Valkey at once; here its task may not have exited yet.
        if client.is_killed() {
            return false;
        }
        if !self.ids.is_empty() && !self.ids.contains(&client.id) {
            return false;
        }
        if self
            .client_type
            .is_some_and(|t| t != ClientType::of(client))
        {
            return false;
        }
        if self
            .addr
            .as_deref()
            .is_some_and(|a| a != client.addr_string().as_bytes())
        {
            return false;
        }
        if self
            .laddr
            .as_deref()
            .is_some_and(|a| a != client.laddr_string().as_bytes())
        {
            return false;
        }
        if client.id == me && self.skip_me.unwrap_or(skip_me_default) {
            return false;
        }
        if self
            .max_age_secs
            .is_some_and(|max| (client.created.elapsed().as_secs() as i64) < max)
        {
            return false;
        }
        true
    }
}

/// Parses filters from argument `first` on, replying with Valkey's error on failure.
fn parse_filter(ctx: &mut Ctx, first: usize) -> Option<ClientFilter> {
    let mut filter = ClientFilter::default();
    let mut i = first;
    while i < ctx.argc() {
        let option = ctx.arg(i);
        if i + 1 >= ctx.argc() {
            ctx.out.error(err::SYNTAX);
            return None;
        }
        let value = ctx.arg(i + 1);
        if eq_ic(option, "id") {
            let mut j = i + 1;
            let mut parsed = 0;
            while j < ctx.argc() {
                let Some(id) = parse_i64(ctx.arg(j)) else {
                    break;
                };
                if id <= 0 {
                    ctx.out.error("ERR client-id should be greater than 0");
                    return None;
                }
                filter.ids.push(id as u64);
                parsed += 1;
                j += 1;
            }
            if parsed == 0 {
                ctx.out.error(err::SYNTAX);
                return None;
            }
            i = j;
            continue;
        }
        if eq_ic(option, "type") {
            let Some(client_type) = ClientType::from_name(value) else {
                ctx.out
                    .error_bytes(&[b"ERR Unknown client type '", value, b"'"].concat());
                return None;
            };
            filter.client_type = Some(client_type);
        } else if eq_ic(option, "addr") {
            filter.addr = Some(value.to_vec());
        } else if eq_ic(option, "laddr") {
            filter.laddr = Some(value.to_vec());
        } else if eq_ic(option, "user") {
            // Every connection is the default user until ACLs exist.
            if value != b"default" {
                ctx.out
                    .error_bytes(&[b"ERR No such user '", value, b"'"].concat());
                return None;
            }
        } else if eq_ic(option, "skipme") {
            if eq_ic(value, "yes") {
                filter.skip_me = Some(true);
            } else if eq_ic(value, "no") {
                filter.skip_me = Some(false);
            } else {
                ctx.out.error(err::SYNTAX);
                return None;
            }
        } else if eq_ic(option, "maxage") {
            let Some(max_age) = parse_i64(value) else {
                ctx.out
                    .error("ERR maxage is not an integer or out of range");
                return None;
            };
            if max_age <= 0 {
                ctx.out.error("ERR maxage should be greater than 0");
                return None;
            }
            filter.max_age_secs = Some(max_age);
        } else {
            ctx.out.error(err::SYNTAX);
            return None;
        }
        i += 2;
    }
    Some(filter)
}

fn client_list(ctx: &mut Ctx) {
    let Some(filter) = parse_filter(ctx, 2) else {
        return;
    };
    let me = ctx.client.id();
    let argv_bytes = ctx.args.iter().map(|a| a.len() as u64).sum();
    let mut text = Vec::new();
    for client in ctx.server.clients.all() {
        if filter.matches(&client, me, false) {
            info_line(
                &mut text,
                &client,
                if client.id == me { argv_bytes } else { 0 },
            );
            text.push(b'\n');
        }
    }
    ctx.out.verbatim(b"txt", &text);
}

fn client_kill(ctx: &mut Ctx) {
    let me = ctx.client.id();
    let old_form = ctx.argc() == 3;
    let filter = if old_form {
        ClientFilter {
            addr: Some(ctx.arg(2).to_vec()),
            skip_me: Some(false),
            ..Default::default()
        }
    } else {
        match parse_filter(ctx, 2) {
            Some(filter) => filter,
            None => return,
        }
    };
    let mut killed = 0;
    for client in ctx.server.clients.all() {
        if !filter.matches(&client, me, true) {
            continue;
        }
        if client.id == me {
            ctx.client.set_close_after_reply();
        } else {
            client.kill();
            // Gone at once for PUBSUB NUMSUB too, as in Valkey, not when its task notices.
            crate::pubsub::unsubscribe_all(ctx.server, &client);
            crate::tracking::disable(ctx.server, &client);
        }
        killed += 1;
    }
    if !old_form {
        ctx.out.int(killed);
    } else if killed == 0 {
        ctx.out.error("ERR No such client");
    } else {
        ctx.out.ok();
    }
}

fn client_reply(ctx: &mut Ctx) {
    let mode = ctx.arg(2);
    if eq_ic(mode, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.out.ok();
    } else if eq_ic(mode, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if eq_ic(mode, "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        ctx.out.error(err::SYNTAX);
    }
}

/// Parses ON/OFF (case-insensitive) for NO-EVICT and NO-TOUCH.
fn on_off(ctx: &mut Ctx) -> Option<bool> {
    let arg = ctx.arg(2);
    if eq_ic(arg, "on") {
        Some(true)
    } else if eq_ic(arg, "off") {
        Some(false)
    } else {
        ctx.out.error(err::SYNTAX);
        None
    }
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: the reason is read only when it is the last argument,
/// and before the id, as Valkey does.
fn client_unblock(ctx: &mut Ctx) {
    let reason = if ctx.argc() == 4 {
        if eq_ic(ctx.arg(3), "timeout") {
            UnblockReason::Timeout
        } else if eq_ic(ctx.arg(3), "error") {
            UnblockReason::Error
        } else {
            return ctx
                .out
                .error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        }
    } else {
        UnblockReason::Timeout
    };
    let Some(id) = parse_i64(ctx.arg(2)) else {
        return ctx.out.error(err::NOT_INTEGER);
    };
    let waiter = ctx
        .server
        .clients
        .all()
        .into_iter()
        .find(|c| c.id as i64 == id)
        .and_then(|c| c.blocked.lock().clone());
    let unblocked = waiter.is_some_and(|w| w.unblock(reason));
    ctx.out.int(i64::from(unblocked));
}

/// CLIENT PAUSE timeout-ms [WRITE|ALL]
fn client_pause(ctx: &mut Ctx) {
    let timeout_ms = match parse_i64(ctx.arg(2)) {
        None => {
            return ctx
                .out
                .error("ERR timeout is not an integer or out of range")
        }
        Some(ms) if ms < 0 => return ctx.out.error("ERR timeout is negative"),
        Some(ms) => ms as u64,
    };
    let mode = match ctx.args.get(3) {
        None => PauseMode::All,
        Some(mode) if eq_ic(mode, "write") => PauseMode::Write,
        Some(mode) if eq_ic(mode, "all") => PauseMode::All,
        Some(_) => return ctx.out.error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
    };
    ctx.server
        .pause
        .pause(std::time::Duration::from_millis(timeout_ms), mode);
    ctx.out.ok();
}

fn client_unpause(ctx: &mut Ctx) {
    ctx.server.pause.unpause();
    ctx.out.ok();
}

fn client_no_evict(ctx: &mut Ctx) {
    if let Some(on) = on_off(ctx) {
        ctx.client.handle.no_evict.store(on, Ordering::Relaxed);
        ctx.out.ok();
    }
}

fn client_no_touch(ctx: &mut Ctx) {
    if let Some(on) = on_off(ctx) {
        ctx.client.handle.no_touch.store(on, Ordering::Relaxed);
        ctx.out.ok();
    }
}

/// Valkey 8.1's CLIENT HELP, line for line (IMPORT-SOURCE is listed although ferrokey's command
/// table, taken from 8.0, does not have it yet).
const HELP_LINES: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "CAPA <option> [options...]",
    "    The client claims its some capability options. Options are:",
    "    * REDIRECT",
    "      The client can handle redirection during primary and replica failover in standalone mode.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id> [<client-id>...]",
    "      Kill connections by client ids.",
    "    * MAXAGE <maxage>",
    "      Kill connections older than the specified age.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * USER <username>",
    "      Return clients authenticated by <username>.",
    "    * ADDR <ip:port>",
    "      Return clients connected from the specified address.",
    "    * LADDR <ip:port>",
    "      Return clients connected to the specified local address.",
    "    * ID <client-id> [<client-id>...]",
    "      Return clients with the specified IDs.",
    "    * SKIPME (YES|NO)",
    "      Exclude the current client from the list (default: no).",
    "    * MAXAGE <maxage>",
    "      List connections older than the specified age.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    "IMPORT-SOURCE (ON|OFF)",
    "    Mark this connection as an import source if import-mode is enabled.",
    "    Sync tools can set their connections into 'import-source' state to visit",
    "    expired keys.",
];

fn client_help(ctx: &mut Ctx) {
    super::reply_help(ctx, "CLIENT", HELP_LINES);
}

/// The flags field of an info line, in Valkey's letter order.
fn flags_field(client: &ClientHandle) -> String {
    let mut flags = String::new();
    if client.is_monitor.load(Ordering::Relaxed) {
        flags.push('O');
    }
    if client.pubsub.is_subscribed() {
        flags.push('P');
    }
    if client.in_multi_count.load(Ordering::Relaxed) >= 0 {
        flags.push('x');
    }
    if client.blocked.lock().is_some() || client.paused.load(Ordering::Relaxed) {
        flags.push('b');
    }
    let tracking = client.tracking.flags();
    for (bit, letter) in [
        (crate::tracking::flag::ON, 't'),
        (crate::tracking::flag::BROKEN_REDIR, 'R'),
        (crate::tracking::flag::BCAST, 'B'),
    ] {
        if tracking & bit != 0 {
            flags.push(letter);
        }
    }
    if client.watch_state.is_touched() {
        flags.push('d');
    }
    if client.close_after_reply.load(Ordering::Relaxed) {
        flags.push('c');
    }
    if matches!(client.peer, Peer::Unix { .. }) {
        flags.push('U');
    }
    if client.no_evict.load(Ordering::Relaxed) {
        flags.push('e');
    }
    if client.no_touch.load(Ordering::Relaxed) {
        flags.push('T');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    flags
}

/// `redir=`: the redirection while tracking (0 for none), -1 when not tracking.
fn redirect_field(client: &ClientHandle) -> i64 {
    if client.tracking.is_on() {
        client.tracking.redirect() as i64
    } else {
        -1
    }
}

/// Appends one CLIENT LIST / CLIENT INFO line (without the newline), fields in Valkey 8.1's
/// order. `argv_bytes` is the size of the command the client is executing (0 for others).
pub fn info_line(out: &mut Vec<u8>, client: &ClientHandle, argv_bytes: u64) {
    let strings = client.strings.lock().clone();
    let command = match client.last_command_id.load(Ordering::Relaxed) {
        u16::MAX => "NULL",
        id => ferrokey_cmdtable::get_by_id(id as usize).map_or("NULL", |spec| spec.full_name),
    };
    let qbuf = client.query_buffer_bytes.load(Ordering::Relaxed);
    let qbuf_free = client.query_buffer_free_bytes.load(Ordering::Relaxed);
    // Messages queued for a subscriber are output it has not been sent yet.
    let omem = client.output_buffer_bytes.load(Ordering::Relaxed) + client.pubsub.pending_bytes();
    let (sub, psub, ssub) = client.pubsub.counts();
    let multi = client.in_multi_count.load(Ordering::Relaxed);
    let multi_mem = client.multi_mem_bytes.load(Ordering::Relaxed);
    let total_mem = CLIENT_STRUCT_REPORTED_BYTES
        + REPLY_BUFFER_REPORTED_BYTES
        + qbuf
        + qbuf_free
        + omem
        + argv_bytes
        + multi_mem;
    let mut text = String::with_capacity(400);
    // Writing to a String cannot fail.
    let _ = write!(
        text,
        "id={} addr={} laddr={} fd={} name=",
        client.id,
        client.addr_string(),
        client.laddr_string(),
        client.fd
    );
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&strings.name);
    text.clear();
    let _ = write!(
        text,
        " age={} idle={} flags={} capa= db={} sub={sub} psub={psub} ssub={ssub} multi={} watch={} qbuf={} \
         qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl=0 oll=0 omem={} tot-mem={} \
         events=r cmd={} user=default redir={} resp={} lib-name=",
        client.created.elapsed().as_secs(),
        client.idle_secs(),
        flags_field(client),
        client.db.load(Ordering::Relaxed),
        multi,
        client.watched_key_count.load(Ordering::Relaxed),
        qbuf,
        qbuf_free,
        argv_bytes,
        multi_mem,
        REPLY_BUFFER_REPORTED_BYTES,
        omem,
        omem,
        total_mem,
        command,
        redirect_field(client),
        client.protocol_version.load(Ordering::Relaxed),
    );
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&strings.lib_name);
    out.extend_from_slice(b" lib-ver=");
    out.extend_from_slice(&strings.lib_ver);
    text.clear();
    let _ = write!(
        text,
        " tot-net-in={} tot-net-out={} tot-cmds={}",
        client.net_input_bytes.load(Ordering::Relaxed),
        client.net_output_bytes.load(Ordering::Relaxed),
        client.commands_processed.load(Ordering::Relaxed),
    );
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_attr_charset() {
        assert!(valid_client_attr(b"redis-py"));
        assert!(valid_client_attr(b""));
        assert!(!valid_client_attr(b"a b"));
        assert!(!valid_client_attr(b"a\nb"));
        assert!(!valid_client_attr("é".as_bytes()));
        assert!(invalid_client_name(b"x\x01").is_some());
    }

    #[test]
    fn client_type_names() {
        assert_eq!(ClientType::from_name(b"SLAVE"), Some(ClientType::Replica));
        assert_eq!(ClientType::from_name(b"primary"), Some(ClientType::Primary));
        assert_eq!(ClientType::from_name(b"Normal"), Some(ClientType::Normal));
        assert_eq!(ClientType::from_name(b"foo"), None);
    }

    #[test]
    fn flags_follow_valkeys_letter_order() {
        let registry = crate::client::ClientRegistry::default();
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], 1).into();
        let (tcp, _pushes) = registry.register(Peer::Tcp { addr, local: addr }, -1);
        assert_eq!(flags_field(&tcp), "N");
        let (unix, _pushes) = registry.register(
            Peer::Unix {
                path: "test".into(),
            },
            -1,
        );
        assert_eq!(flags_field(&unix), "U");
        unix.in_multi_count.store(2, Ordering::Relaxed);
        unix.watch_state.touch();
        unix.close_after_reply.store(true, Ordering::Relaxed);
        unix.no_evict.store(true, Ordering::Relaxed);
        unix.no_touch.store(true, Ordering::Relaxed);
        // Valkey 8.1 showed `xd`, `tBd` and `tdc` for these combinations.
        assert_eq!(flags_field(&unix), "xdcUeT");
        tcp.watch_state.touch();
        assert_eq!(flags_field(&tcp), "d");
    }

    #[test]
    fn help_has_valkey_81_length() {
        // Valkey 8.1 answers CLIENT HELP with 78 lines including the usage and HELP lines.
        assert_eq!(HELP_LINES.len() + 3, 78);
    }
}
