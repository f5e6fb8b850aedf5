//! CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: the commands of client-side caching
//! (the machinery is in `crate::tracking`).
//!
//! TRACKING parses every option before looking at ON/OFF, so a bad option or a redirection to
//! a missing client fails either way, and then checks the options against each other and the
//! client's current mode in Valkey's order. One Valkey quirk is kept on purpose: when a PREFIX
//! other than the first overlaps a later one, Valkey replies with the overlap error and still
//! enables tracking with every prefix and replies OK, two replies to one command; clients and
//! tests that depend on the byte stream see the same here.

use super::registry::{Binding, Scope};
use super::{err, parse_i64, Ctx};
use crate::tracking::{flag, TrackingOptions};
use crate::util::eq_ic;

pub const COMMANDS: &[Binding] = &[
    ("client|tracking", client_tracking, Scope::None),
    ("client|caching", client_caching, Scope::None),
    ("client|getredir", client_getredir, Scope::None),
    ("client|trackinginfo", client_trackinginfo, Scope::None),
];

/// Whether two prefixes would both match some key: one starts with the other.
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let shorter = a.len().min(b.len());
    a[..shorter] == b[..shorter]
}

/// A prefix as Valkey's `%s` prints it: up to its first NUL byte.
fn printed(prefix: &[u8]) -> &[u8] {
    let end = prefix.iter().position(|&b| b == 0).unwrap_or(prefix.len());
    &prefix[..end]
}

/// What the prefix check decided.
enum PrefixCheck {
    Ok,
    /// Error replied; tracking is not enabled.
    Refused,
    /// Error replied, yet Valkey goes on to enable tracking (an overlap found past the first
    /// prefix: its check reports the index, which reads as success).
    ErrorButEnable,
}

/// Valkey's `checkPrefixCollisionsOrReply`: each given prefix against the client's current
/// ones, then against the given prefixes after it.
fn check_prefixes(ctx: &mut Ctx, existing: &[Vec<u8>], given: &[Vec<u8>]) -> PrefixCheck {
    for (i, prefix) in given.iter().enumerate() {
        if let Some(old) = existing.iter().find(|old| overlaps(old, prefix)) {
            ctx.out.error_bytes(
                &[
                    b"ERR Prefix '",
                    printed(prefix),
                    b"' overlaps with an existing prefix '",
                    printed(old),
                    b"'. Prefixes for a single client must not overlap.",
                ]
                .concat(),
            );
            return PrefixCheck::Refused;
        }
        if let Some(other) = given[i + 1..].iter().find(|other| overlaps(prefix, other)) {
            ctx.out.error_bytes(
                &[
                    b"ERR Prefix '",
                    printed(prefix),
                    b"' overlaps with another provided prefix '",
                    printed(other),
                    b"'. Prefixes for a single client must not overlap.",
                ]
                .concat(),
            );
            return if i == 0 {
                PrefixCheck::Refused
            } else {
                PrefixCheck::ErrorButEnable
            };
        }
    }
    PrefixCheck::Ok
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]
fn client_tracking(ctx: &mut Ctx) {
    let mut redirect: i64 = 0;
    let mut modes = 0;
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let argc = ctx.argc();
    let mut j = 3;
    while j < argc {
        let option = ctx.arg(j);
        let more_args = j + 1 < argc;
        if eq_ic(option, "redirect") && more_args {
            j += 1;
            if redirect != 0 {
                return ctx
                    .out
                    .error("ERR A client can only redirect to a single other client");
            }
            let Some(id) = parse_i64(ctx.arg(j)) else {
                return ctx.out.error(err::NOT_INTEGER);
            };
            redirect = id;
            // The target must exist now, even if it may go away later.
            let exists = u64::try_from(id)
                .ok()
                .and_then(|id| ctx.server.clients.get(id))
                .is_some_and(|client| !client.is_killed());
            if !exists {
                return ctx
                    .out
                    .error("ERR The client ID you want redirect to does not exist");
            }
        } else if eq_ic(option, "bcast") {
            modes |= flag::BCAST;
        } else if eq_ic(option, "optin") {
            modes |= flag::OPTIN;
        } else if eq_ic(option, "optout") {
            modes |= flag::OPTOUT;
        } else if eq_ic(option, "noloop") {
            modes |= flag::NOLOOP;
        } else if eq_ic(option, "prefix") && more_args {
            j += 1;
            prefixes.push(ctx.arg(j).to_vec());
        } else {
            return ctx.out.error(err::SYNTAX);
        }
        j += 1;
    }
    let switch = ctx.arg(2);
    if eq_ic(switch, "on") {
        tracking_on(ctx, redirect as u64, modes, prefixes);
    } else if eq_ic(switch, "off") {
        crate::tracking::disable(ctx.server, &ctx.client.handle);
        ctx.client.tracking_caching = false;
        ctx.out.ok();
    } else {
        ctx.out.error(err::SYNTAX);
    }
}

fn tracking_on(ctx: &mut Ctx, redirect: u64, modes: u32, prefixes: Vec<Vec<u8>>) {
    let current = ctx.client.handle.tracking.flags();
    if modes & flag::BCAST == 0 && !prefixes.is_empty() {
        return ctx
            .out
            .error("ERR PREFIX option requires BCAST mode to be enabled");
    }
    if current & flag::ON != 0 && (current & flag::BCAST) != (modes & flag::BCAST) {
        return ctx.out.error(
            "ERR You can't switch BCAST mode on/off before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        );
    }
    if modes & flag::BCAST != 0 && modes & (flag::OPTIN | flag::OPTOUT) != 0 {
        return ctx
            .out
            .error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    }
    if modes & flag::OPTIN != 0 && modes & flag::OPTOUT != 0 {
        return ctx
            .out
            .error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    }
    if (modes & flag::OPTIN != 0 && current & flag::OPTOUT != 0)
        || (modes & flag::OPTOUT != 0 && current & flag::OPTIN != 0)
    {
        return ctx.out.error(
            "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        );
    }
    if modes & flag::BCAST != 0 {
        let existing = ctx.client.handle.tracking.prefixes();
        if let PrefixCheck::Refused = check_prefixes(ctx, &existing, &prefixes) {
            return;
        }
    }
    let options = TrackingOptions {
        redirect,
        modes,
        prefixes,
    };
    crate::tracking::enable(ctx.server, &ctx.client.handle, options);
    ctx.out.ok();
}

/// CLIENT CACHING YES|NO: whether the next command's keys count, in OPTIN / OPTOUT mode.
fn client_caching(ctx: &mut Ctx) {
    let modes = ctx.client.handle.tracking.flags();
    if modes & flag::ON == 0 {
        return ctx.out.error(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with \
             OPTIN or OPTOUT mode enabled",
        );
    }
    let choice = ctx.arg(2);
    if eq_ic(choice, "yes") {
        if modes & flag::OPTIN == 0 {
            return ctx.out.error(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
        }
    } else if eq_ic(choice, "no") {
        if modes & flag::OPTOUT == 0 {
            return ctx.out.error(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
        }
    } else {
        return ctx.out.error(err::SYNTAX);
    }
    ctx.client.tracking_caching = true;
    ctx.out.ok();
}

/// The redirection while tracking (0: none), -1 when not tracking.
fn redirect_reply(ctx: &Ctx) -> i64 {
    let tracking = &ctx.client.handle.tracking;
    if tracking.is_on() {
        tracking.redirect() as i64
    } else {
        -1
    }
}

fn client_getredir(ctx: &mut Ctx) {
    let redirect = redirect_reply(ctx);
    ctx.out.int(redirect);
}

/// CLIENT TRACKINGINFO: a map of the mode flags (a set), the redirection and the prefixes.
fn client_trackinginfo(ctx: &mut Ctx) {
    let tracking = &ctx.client.handle.tracking;
    let modes = tracking.flags();
    let caching = ctx.client.tracking_caching;
    let mut flags: Vec<&[u8]> = vec![if modes & flag::ON != 0 { b"on" } else { b"off" }];
    if modes & flag::BCAST != 0 {
        flags.push(b"bcast");
    }
    if modes & flag::OPTIN != 0 {
        flags.push(b"optin");
        if caching {
            flags.push(b"caching-yes");
        }
    }
    if modes & flag::OPTOUT != 0 {
        flags.push(b"optout");
        if caching {
            flags.push(b"caching-no");
        }
    }
    if modes & flag::NOLOOP != 0 {
        flags.push(b"noloop");
    }
    if modes & flag::BROKEN_REDIR != 0 {
        flags.push(b"broken_redirect");
    }
    let prefixes = tracking.prefixes();
    let redirect = redirect_reply(ctx);
    let out = &mut *ctx.out;
    out.map(3);
    out.bulk(b"flags");
    out.set(flags.len());
    for name in flags {
        out.bulk(name);
    }
    out.bulk(b"redirect");
    out.int(redirect);
    out.bulk(b"prefixes");
    out.array(prefixes.len());
    for prefix in &prefixes {
        out.bulk(prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_overlap_when_one_starts_the_other() {
        assert!(overlaps(b"a", b"ab"));
        assert!(overlaps(b"ab", b"a"));
        assert!(overlaps(b"", b"x"));
        assert!(!overlaps(b"ab", b"ac"));
        assert_eq!(printed(b"a\0b"), b"a");
    }
}
