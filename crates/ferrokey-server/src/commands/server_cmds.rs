//! Server commands: TIME, LASTSAVE, MONITOR, FUNCTION FLUSH, COMMAND, CONFIG, INFO and DEBUG.

use super::registry::{Binding, Scope};
use super::Ctx;
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("time", time, Scope::None),
    ("lastsave", lastsave, Scope::None),
    ("monitor", monitor, Scope::None),
    ("function|flush", function_flush, Scope::None),
    ("function|list", function_list, Scope::None),
    ("command", command, Scope::None),
    ("command|count", command, Scope::None),
    ("command|list", command, Scope::None),
    ("command|info", command, Scope::None),
    ("command|docs", command, Scope::None),
    ("command|getkeys", command, Scope::None),
    ("command|getkeysandflags", command, Scope::None),
    ("command|help", command, Scope::None),
];

/// COMMAND and its subcommands are answered from the command table.
fn command(ctx: &mut Ctx) {
    ferrokey_cmdtable::reply_command(ctx.out, ctx.args);
}

fn time(ctx: &mut Ctx) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk_int(now.as_secs() as i64);
    ctx.out.bulk_int(now.subsec_micros() as i64);
}

fn lastsave(ctx: &mut Ctx) {
    let secs = ctx
        .server
        .last_save_unix_secs
        .load(std::sync::atomic::Ordering::Relaxed);
    ctx.out.int(secs);
}

fn monitor(ctx: &mut Ctx) {
    ctx.server.clients.set_monitor(&ctx.client.handle);
    ctx.out.ok();
}

/// There are no functions until the scripting issue; FUNCTION FLUSH validates its argument and
/// succeeds, as test suites call it before every block.
fn function_flush(ctx: &mut Ctx) {
    match ctx.argc() {
        2 => ctx.out.ok(),
        3 if eq_ic(ctx.arg(2), "async") || eq_ic(ctx.arg(2), "sync") => ctx.out.ok(),
        3 => ctx
            .out
            .error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"),
        _ => ctx.out.error(super::err::SYNTAX),
    }
}

/// FUNCTION LIST over the (still empty) library set: the arguments are validated as Valkey
/// does, and the reply is the empty list of libraries.
fn function_list(ctx: &mut Ctx) {
    let (mut with_code, mut library_name) = (false, false);
    let mut j = 2;
    while j < ctx.argc() {
        let arg = ctx.arg(j);
        if eq_ic(arg, "withcode") && !with_code {
            with_code = true;
        } else if eq_ic(arg, "libraryname") && !library_name {
            if j + 1 >= ctx.argc() {
                ctx.out.error("ERR library name argument was not given");
                return;
            }
            library_name = true;
            j += 1;
        } else {
            ctx.out.error(&format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(arg)
            ));
            return;
        }
        j += 1;
    }
    ctx.out.array(0);
}
