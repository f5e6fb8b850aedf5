//! CONFIG GET / CONFIG SET semantics. Expected replies were observed on
//! valkey-server 8.1.8 (valkey-cli, same arguments).

mod common;

use common::get;
use ferrokey_config::{Config, ConfigSetError, SetContext};

fn config() -> Config {
    Config::with_dir(b"/data")
}

fn set(config: &mut Config, args: &[&str]) -> Result<Vec<&'static str>, String> {
    config
        .set(args, &SetContext::default())
        .map(|change| change.changed().iter().map(|c| c.name).collect())
        .map_err(|e| e.to_string())
}

fn names(pairs: Vec<(String, Vec<u8>)>) -> Vec<String> {
    let mut names: Vec<String> = pairs.into_iter().map(|(n, _)| n).collect();
    names.sort();
    names
}

#[test]
fn get_exact_names_aliases_and_patterns() {
    let c = config();
    assert_eq!(
        c.get_matching(&["PORT"]),
        vec![("PORT".to_string(), b"6379".to_vec())]
    );
    assert_eq!(
        c.get_matching(&["port", "PORT", "Port"]),
        vec![("port".to_string(), b"6379".to_vec())]
    );
    assert_eq!(
        c.get_matching(&["slaveof"]),
        vec![("slaveof".to_string(), Vec::new())]
    );
    assert_eq!(
        names(c.get_matching(&["slave*"])),
        [
            "slave-announce-ip",
            "slave-announce-port",
            "slave-ignore-maxmemory",
            "slave-lazy-flush",
            "slave-priority",
            "slave-read-only",
            "slave-serve-stale-data",
            "slaveof"
        ]
    );
    assert_eq!(
        names(c.get_matching(&["*delay*"])),
        ["repl-disable-tcp-nodelay", "repl-diskless-sync-delay"]
    );
    assert_eq!(
        c.get_matching(&["hz", "h?", "HZ"]),
        vec![("hz".to_string(), b"10".to_vec())]
    );
    assert_eq!(
        c.get_matching(&["HZ*"]),
        vec![("hz".to_string(), b"10".to_vec())]
    );
    assert_eq!(
        c.get_matching(&["[hz]z"]),
        vec![("hz".to_string(), b"10".to_vec())]
    );
    assert_eq!(
        names(c.get_matching(&["slave-pri*", "replica-pri*"])),
        ["replica-priority", "slave-priority"]
    );
    assert!(c.get_matching(&["nonexist"]).is_empty());
    assert_eq!(
        c.get_matching(&["key-load-delay"]),
        vec![("key-load-delay".to_string(), b"0".to_vec())]
    );
}

#[test]
fn set_errors_match_valkey() {
    let cases: &[(&[&str], &str)] = &[
        (&["repl-diskless-load", "bogus"], "ERR CONFIG SET failed (possibly related to argument 'repl-diskless-load') - argument(s) must be one of the following: disabled, on-empty-db, swapdb, flush-before-load"),
        (&["foo", "bar"], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
        (&["port", "1", "hz"], "ERR syntax error"),
        (&["daemonize", "yes"], "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"),
        (&["hz", "maybe"], "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"),
        (&["HZ", "abc"], "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"),
        (&["Slave-Priority", "abc"], "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer"),
        (&["appendonly", "maybe"], "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"),
        (&["active-expire-effort", "0"], "ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - argument must be between 1 and 10 inclusive"),
        (&["maxmemory", "1.5mb"], "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"),
        (&["maxmemory", "-1"], "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"),
        (&["hz", "5", "hz", "6"], "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"),
        (&["hz", "5", "HZ", "6"], "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"),
        (&["hz", "5", "foo", "6", "daemonize", "yes"], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
        (&["daemonize", "yes", "foo", "6"], "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"),
        (&["hz", "5", "maxmemory", "x"], "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"),
        (&["replicaof", "no one"], "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config"),
        (&["dir", "/nonexistent"], "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"),
        (&["dbfilename", "x"], "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"),
        (&["enable-debug-command", "yes"], "ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config"),
        (&["unixsocketperm", "777"], "ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config"),
        (&["save", "100 x"], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
        (&["save", "100 1 200"], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
        (&["save", "100  1"], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
        (&["save", " 100 1"], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"),
        (&["client-output-buffer-limit", "normal 1 2"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration."),
        (&["client-output-buffer-limit", "master 1 2 3"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."),
        (&["client-output-buffer-limit", "pubsub 1 2 -3"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration."),
        (&["client-output-buffer-limit", "pubsub 1 2 3x"], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration."),
        (&["oom-score-adj-values", "1 2"], "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"),
        (&["oom-score-adj-values", ""], "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"),
        (&["oom-score-adj-values", "1 2 3000"], "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000."),
        (&["latency-tracking-info-percentiles", "50 abc"], "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters"),
        (&["latency-tracking-info-percentiles", "50 101"], "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
        (&["shutdown-on-sigint", "save nosave"], "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously"),
        (&["shutdown-on-sigint", ""], "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - argument(s) must be one of the following: default, save, nosave, now, force"),
        (&["notify-keyspace-events", "Q"], "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        (&["acllog-max-len", "-1"], "ERR CONFIG SET failed (possibly related to argument 'acllog-max-len') - argument must be between 0 and 9223372036854775807 inclusive"),
        (&["maxclients", "0"], "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"),
        (&["client-query-buffer-limit", "99999999999999999999999"], "ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive"),
        (&["proto-max-bulk-len", "kb"], "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"),
        (&["maxmemory-clients", "-1"], "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value"),
        (&["cluster-announce-client-ipv4", "kb"], "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-client-ipv4') - Invalid IPv4 address"),
        (&["cluster-announce-hostname", " 5"], "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots"),
        (&["cluster-announce-human-nodename", "5%"], "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-human-nodename') - Announced human node name contained invalid character"),
        (&["proc-title-template", ""], "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables"),
    ];
    for (args, expected) in cases {
        let mut c = config();
        let before = c.clone();
        assert_eq!(set(&mut c, args).unwrap_err(), *expected, "args {args:?}");
        assert_eq!(
            c, before,
            "a failed CONFIG SET must change nothing ({args:?})"
        );
    }
}

#[test]
fn set_values_render_like_valkey() {
    let cases: &[(&str, &str, &str)] = &[
        ("save", "", ""),
        ("save", "100 1 200 2", "100 1 200 2"),
        ("save", "100 ", "100 0"),
        (
            "client-output-buffer-limit",
            "normal 1kb 2mb 3",
            "normal 1024 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        (
            "client-output-buffer-limit",
            "NORMAL 1 2 3 replica 1 2 3 slave 4 5 6",
            "normal 1 2 3 slave 4 5 6 pubsub 33554432 8388608 60",
        ),
        (
            "client-output-buffer-limit",
            "",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        ("notify-keyspace-events", "KEA", "AKE"),
        (
            "latency-tracking-info-percentiles",
            "50 99.999 0.5",
            "50 99.999 0.5",
        ),
        ("latency-tracking-info-percentiles", "1e1 0x10", "10 16"),
        (
            "latency-tracking-info-percentiles",
            "99.99999999 .5 1e-7",
            "100 0.5 0",
        ),
        ("latency-tracking-info-percentiles", "", ""),
        ("shutdown-on-sigint", "now nosave force", "nosave now force"),
        ("shutdown-on-sigint", "default save", "save"),
        ("shutdown-on-sigint", "SAVE", "save"),
        ("maxmemory-clients", "10%", "10%"),
        ("maxmemory-clients", "18446744073709551615", "1%"),
        ("hz", "1000", "500"),
        ("hz", "0", "1"),
        ("oom-score-adj", "relative", "yes"),
        ("oom-score-adj", "absolute", "absolute"),
        ("maxmemory", "1GB", "1073741824"),
        ("maxmemory", "18446744073709551615", "18446744073709551615"),
        (
            "cluster-link-sendbuf-limit",
            "99999999999999999999999",
            "18446744073709551615",
        ),
        ("cluster-blacklist-ttl", "-1", "-1"),
        (
            "cluster-blacklist-ttl",
            "-9223372036854775808",
            "-9223372036854775808",
        ),
        ("auto-aof-rewrite-min-size", "", "0"),
        ("active-defrag-ignore-bytes", "1k", "1000"),
        ("appendfsync", "ALWAYS", "always"),
        ("list-max-ziplist-size", "-1", "-1"),
        ("bind", "", ""),
        ("bind", "127.0.0.1 ::1", "127.0.0.1 ::1"),
        ("requirepass", "", ""),
        ("availability-zone", "eu", "eu"),
    ];
    for (name, value, rendered) in cases {
        let mut c = config();
        set(&mut c, &[name, value]).unwrap_or_else(|e| panic!("{name} {value:?}: {e}"));
        assert_eq!(get(&c, name), *rendered, "{name} {value:?}");
    }
}

#[test]
fn alias_and_primary_in_one_set_are_not_duplicates() {
    let mut c = config();
    set(&mut c, &["replica-priority", "1", "slave-priority", "2"]).unwrap();
    assert_eq!(get(&c, "replica-priority"), "2");
}

#[test]
fn changed_lists_only_real_changes_except_always_applied_directives() {
    let mut c = config();
    assert_eq!(
        set(&mut c, &["hz", "10", "maxclients", "10"]).unwrap(),
        ["maxclients"]
    );
    assert_eq!(
        set(
            &mut c,
            &["bind", "* -::*", "save", "3600 1 300 100 60 10000"]
        )
        .unwrap(),
        ["bind", "save"]
    );
    assert_eq!(
        set(&mut c, &["oom-score-adj-values", "0 200 800"]).unwrap(),
        Vec::<&str>::new()
    );
    let change = c
        .set(&["slave-priority", "7"], &SetContext::default())
        .unwrap();
    assert_eq!(change.changed()[0].name, "replica-priority");
    assert_eq!(change.changed()[0].set_as, "slave-priority");
}

#[test]
fn rollback_restores_everything_the_command_touched() {
    let mut c = config();
    let before = c.clone();
    let change = c
        .set(
            &["hz", "20", "port", "7000", "save", ""],
            &SetContext::default(),
        )
        .unwrap();
    assert_eq!((c.hz(), c.port()), (20, 7000));
    assert!(change.contains("port"));
    c.rollback(change);
    assert_eq!(c, before);
    let err =
        ConfigSetError::apply_failed("port", "Unable to listen on this port. Check server logs.");
    assert_eq!(
        err.to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
    );
}

#[test]
fn protected_and_loading_rules() {
    let local = SetContext {
        loading: false,
        client_is_local: true,
    };
    let remote = SetContext::default();
    let mut c = config();
    c.load_text(
        b"enable-protected-configs local\n",
        &mut common::TestHooks::new(),
    )
    .unwrap();
    assert!(c.set(&["dbfilename", "x.rdb"], &remote).is_err());
    let _ = c.set(&["dbfilename", "x.rdb"], &local).unwrap();
    assert_eq!(get(&c, "dbfilename"), "x.rdb");
    assert_eq!(
        c.set(&["dbfilename", "a/b"], &local).unwrap_err().to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename"
    );
    assert_eq!(
        c.set(&["dbfilename", ""], &local).unwrap_err().to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be empty"
    );
    assert_eq!(
        c.set(&["dir", ""], &local).unwrap_err().to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'dir') - dir can't be empty"
    );
    let _ = c.set(&["dir", "sub"], &local).unwrap();
    assert_eq!(get(&c, "dir"), "/data/sub");
    let _ = c.set(&["dir", ".."], &local).unwrap();
    assert_eq!(get(&c, "dir"), "/data");

    let loading = SetContext {
        loading: true,
        client_is_local: false,
    };
    assert_eq!(
        c.set(&["appendonly", "yes"], &loading)
            .unwrap_err()
            .to_string(),
        "LOADING Valkey is loading the dataset in memory"
    );
    let _ = c.set(&["hz", "12"], &loading).unwrap();
}

#[test]
fn error_replies_have_no_line_breaks() {
    let mut c = config();
    assert_eq!(
        set(&mut c, &["a\r\nb", "1"]).unwrap_err(),
        "ERR Unknown option or number of arguments for CONFIG SET - 'a  b'"
    );
}
