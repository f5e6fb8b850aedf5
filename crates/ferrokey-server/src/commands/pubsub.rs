//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and the PUBSUB
//! introspection subcommands. The registry and delivery live in `crate::pubsub`; these
//! handlers parse arguments and shape replies as Valkey 8.1 does.
//!
//! PUBSUB NUMSUB and SHARDNUMSUB answer a flat array of name/count pairs in both protocols
//! (not a map), and CHANNELS/SHARDCHANNELS take at most one pattern, with Valkey's "unknown
//! subcommand or wrong number of arguments" error beyond it.
//!
//! PUBLISH and SPUBLISH enter the write stream as they came, for replicas only (Valkey
//! propagates them with `PROPAGATE_REPL`, whatever the number of receivers): a replica's
//! subscribers hear the primary's messages, and the AOF never replays them.

use super::registry::{Binding, Scope};
use super::Ctx;
use crate::pubsub::{self, Kind};

pub const COMMANDS: &[Binding] = &[
    ("subscribe", subscribe, Scope::None),
    ("psubscribe", psubscribe, Scope::None),
    ("ssubscribe", ssubscribe, Scope::None),
    ("unsubscribe", unsubscribe, Scope::None),
    ("punsubscribe", punsubscribe, Scope::None),
    ("sunsubscribe", sunsubscribe, Scope::None),
    ("publish", publish, Scope::None),
    ("spublish", spublish, Scope::None),
    ("pubsub|channels", pubsub_channels, Scope::None),
    ("pubsub|shardchannels", pubsub_shardchannels, Scope::None),
    ("pubsub|numsub", pubsub_numsub, Scope::None),
    ("pubsub|shardnumsub", pubsub_shardnumsub, Scope::None),
    ("pubsub|numpat", pubsub_numpat, Scope::None),
    ("pubsub|help", pubsub_help, Scope::None),
];

fn subscribe_kind(ctx: &mut Ctx, kind: Kind) {
    let names = ctx.args.get(1..).unwrap_or_default();
    pubsub::subscribe(ctx.server, ctx.client, kind, names, ctx.out);
}

fn unsubscribe_kind(ctx: &mut Ctx, kind: Kind) {
    let names = ctx.args.get(1..).unwrap_or_default();
    pubsub::unsubscribe(ctx.server, ctx.client, kind, names, ctx.out);
}

fn subscribe(ctx: &mut Ctx) {
    subscribe_kind(ctx, Kind::Channel);
}

fn psubscribe(ctx: &mut Ctx) {
    subscribe_kind(ctx, Kind::Pattern);
}

fn ssubscribe(ctx: &mut Ctx) {
    subscribe_kind(ctx, Kind::Shard);
}

fn unsubscribe(ctx: &mut Ctx) {
    unsubscribe_kind(ctx, Kind::Channel);
}

fn punsubscribe(ctx: &mut Ctx) {
    unsubscribe_kind(ctx, Kind::Pattern);
}

fn sunsubscribe(ctx: &mut Ctx) {
    unsubscribe_kind(ctx, Kind::Shard);
}

fn publish(ctx: &mut Ctx) {
    let receivers = pubsub::publish(ctx.server, ctx.arg(1), ctx.arg(2), Some(ctx.client.id()));
    // Replicas publish it to their own subscribers; the AOF does not keep it.
    ctx.record_verbatim_for_replicas();
    ctx.out.int(receivers as i64);
}

fn spublish(ctx: &mut Ctx) {
    let receivers =
        pubsub::publish_shard(ctx.server, ctx.arg(1), ctx.arg(2), Some(ctx.client.id()));
    ctx.record_verbatim_for_replicas();
    ctx.out.int(receivers as i64);
}

fn channels(ctx: &mut Ctx, shard: bool) {
    if ctx.argc() > 3 {
        ctx.out.error_bytes(
            &[
                b"ERR unknown subcommand or wrong number of arguments for '",
                ctx.arg(1),
                b"'. Try PUBSUB HELP.",
            ]
            .concat(),
        );
        return;
    }
    let pattern = (ctx.argc() == 3).then(|| ctx.arg(2));
    let names = ctx.server.pubsub.channel_names(shard, pattern);
    ctx.out.array(names.len());
    for name in &names {
        ctx.out.bulk(name);
    }
}

fn numsub(ctx: &mut Ctx, shard: bool) {
    let channels = ctx.args.get(2..).unwrap_or_default();
    ctx.out.array(channels.len() * 2);
    for &channel in channels {
        ctx.out.bulk(channel);
        let count = ctx.server.pubsub.subscriber_count(shard, channel);
        ctx.out.int(count as i64);
    }
}

fn pubsub_channels(ctx: &mut Ctx) {
    channels(ctx, false);
}

fn pubsub_shardchannels(ctx: &mut Ctx) {
    channels(ctx, true);
}

fn pubsub_numsub(ctx: &mut Ctx) {
    numsub(ctx, false);
}

fn pubsub_shardnumsub(ctx: &mut Ctx) {
    numsub(ctx, true);
}

fn pubsub_numpat(ctx: &mut Ctx) {
    ctx.out.int(ctx.server.pubsub.pattern_count() as i64);
}

fn pubsub_help(ctx: &mut Ctx) {
    super::reply_help(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
}

#[cfg(test)]
mod tests {
    use crate::test_support::{batches_of, effects_of_lines};

    /// Per command: its effects as lines, each prefixed with `repl:` when replicas only.
    fn targeted(lines: &[&str]) -> Vec<Vec<String>> {
        let commands: Vec<Vec<&str>> = lines.iter().map(|l| l.split(' ').collect()).collect();
        let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
        batches_of(&commands)
            .iter()
            .map(|batches| {
                batches
                    .iter()
                    .flat_map(|batch| batch.commands.iter())
                    .map(|effect| {
                        let words: Vec<String> = effect
                            .args
                            .iter()
                            .map(|w| String::from_utf8_lossy(w).into_owned())
                            .collect();
                        let prefix = if effect.replicas_only { "repl:" } else { "" };
                        format!("{prefix}{}", words.join(" "))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn publish_reaches_replicas_only_as_received_in_the_clients_database() {
        let commands = [
            "publish ch m1",
            "SPUBLISH sch m2",
            "SELECT 3",
            "PUBLISH ch3 m3",
        ];
        let effects = targeted(&commands);
        assert_eq!(effects[0], ["repl:publish ch m1"]);
        assert_eq!(effects[1], ["repl:SPUBLISH sch m2"]);
        assert!(effects[2].is_empty());
        assert_eq!(effects[3], ["repl:PUBLISH ch3 m3"]);
        let commands: Vec<Vec<&str>> = commands.iter().map(|l| l.split(' ').collect()).collect();
        let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
        let batches = batches_of(&commands);
        assert_eq!(batches[3][0].db, 3);
        assert_eq!(batches[3][0].for_aof().count(), 0);
        // Nothing in the PUBSUB family but the two publishers produces an effect.
        let quiet = effects_of_lines(&["PUBSUB CHANNELS", "PUBSUB NUMSUB ch", "PUBSUB NUMPAT"]);
        assert!(quiet.iter().all(Vec::is_empty), "{quiet:?}");
    }

    #[test]
    fn a_transaction_keeps_its_messages_in_place() {
        // The shapes Valkey 8.1 sends a replica (checked with `valkey-cli --replica`).
        let effects = targeted(&[
            "MULTI",
            "SET a 1",
            "PUBLISH ch inmulti",
            "SET b 2",
            "EXEC",
            "MULTI",
            "PUBLISH ch only",
            "EXEC",
            "MULTI",
            "PUBLISH ch p1",
            "SPUBLISH ch p2",
            "EXEC",
            "MULTI",
            "SELECT 2",
            "PUBLISH ch indb2",
            "SET x 1",
            "EXEC",
        ]);
        assert_eq!(
            effects[4],
            [
                "MULTI",
                "SET a 1",
                "repl:PUBLISH ch inmulti",
                "SET b 2",
                "EXEC"
            ]
        );
        assert_eq!(effects[7], ["repl:PUBLISH ch only"]);
        assert_eq!(
            effects[11],
            ["MULTI", "repl:PUBLISH ch p1", "repl:SPUBLISH ch p2", "EXEC"]
        );
        assert_eq!(
            effects[16],
            [
                "MULTI",
                "SELECT 2",
                "repl:PUBLISH ch indb2",
                "SET x 1",
                "EXEC"
            ]
        );
    }
}
