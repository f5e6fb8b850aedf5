//! Config-file parsing. Every expected text below was observed on
//! valkey-server 8.1.8 with the same config lines (only the version in the
//! FATAL header differs: ours prints the crate version).

mod common;

use common::{get, load, scratch_dir, TestHooks};
use ferrokey_config::{Config, StartupError, VERSION};

fn fatal(line: usize, text: &str, message: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Version {VERSION}) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{message}"
    )
}

fn error_text(config_text: &str) -> String {
    match load(config_text) {
        Ok(_) => panic!("expected an error for {config_text:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_directive_reports_line_and_text() {
    assert_eq!(
        error_text("port 1\n\nfoo bar\n"),
        fatal(3, "foo bar", "Bad directive or wrong number of arguments")
    );
}

#[test]
fn line_errors_match_valkey() {
    let cases: &[(&str, &str)] = &[
        ("port 1 2", "wrong number of arguments"),
        ("daemonize maybe", "argument must be 'yes' or 'no'"),
        (
            "timeout 70000000000",
            "argument must be between 0 and 2147483647 inclusive",
        ),
        (
            "port 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        (
            "PORT 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        ("port \"abc", "Unbalanced quotes in configuration line"),
        ("port 'a\\'", "Unbalanced quotes in configuration line"),
        ("port abc", "argument couldn't be parsed into an integer"),
        ("maxmemory 1.5mb", "argument must be a memory value"),
        ("maxmemory -5", "argument must be a memory value"),
        (
            "loglevel foo",
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
        ),
        ("save 1", "Invalid save parameters"),
        (
            "unixsocketperm 999",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm abc",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm 1000",
            "argument must be between 0 and 777 inclusive",
        ),
        (
            "unixsocketperm -1",
            "argument must be between 0 and 777 inclusive",
        ),
        (
            "maxmemory-clients 200%",
            "percentage argument must be less or equal to 100",
        ),
        (
            "maxmemory-clients x",
            "argument must be a memory or percent value",
        ),
        (
            "notify-keyspace-events Q",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        ("port   \"1\"  x", "wrong number of arguments"),
        (
            "io-threads 999999",
            "argument must be between 1 and 256 inclusive",
        ),
        (
            "databases 0",
            "argument must be between 1 and 2147483647 inclusive",
        ),
        (
            "tcp-backlog -1",
            "argument must be between 0 and 2147483647 inclusive",
        ),
        (
            "socket-mark-id -1",
            "argument must be between 0 and 4294967295 inclusive",
        ),
        (
            "cluster-port 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        (
            "rdma-rx-size 1",
            "argument must be between 65536 and 16777216 inclusive",
        ),
        (
            "rdma-completion-vector -2",
            "argument must be between -1 and 1024 inclusive",
        ),
        (
            "enable-debug-command maybe",
            "argument(s) must be one of the following: no, yes, local",
        ),
        ("replicaof localhost x", "Invalid primary port"),
        ("replicaof a", "wrong number of arguments"),
        ("slaveof no one x", "wrong number of arguments"),
        ("oom-score-adj-values 1 2", "wrong number of arguments"),
        (
            "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
            "Too many bind addresses specified.",
        ),
        (
            "rdma-bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
            "Too many bind addresses specified.",
        ),
        ("foo.bar", "Module config specified without value"),
        (
            "sentinel monitor x",
            "sentinel directive while not in sentinel mode",
        ),
        (
            "rename-command nosuch x",
            "No such command in rename-command",
        ),
        ("dynamic-hz", "Bad directive or wrong number of arguments"),
        ("include", "Bad directive or wrong number of arguments"),
        ("include a b", "Bad directive or wrong number of arguments"),
        (
            "proc-title-template \"{title}\"",
            "template format is invalid or contains unknown variables",
        ),
        ("dir /nonexistent", "No such file or directory"),
    ];
    for (line, message) in cases {
        let shown = line.trim();
        assert_eq!(
            error_text(&format!("{line}\n")),
            fatal(1, shown, message),
            "line {line:?}"
        );
    }
}

#[test]
fn checks_after_the_text_have_no_line() {
    let mut hooks = TestHooks::new();
    hooks.log_file_error = Some("No such file or directory".into());
    let err = Config::with_dir(b"/")
        .load_text(b"logfile /nonexistent/x.log\n", &mut hooks)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("\n*** FATAL CONFIG FILE ERROR (Version {VERSION}) ***\nCan't open the log file: No such file or directory")
    );
    assert_eq!(
        error_text("cluster-enabled yes\nreplicaof 1.2.3.4 5\n"),
        format!("\n*** FATAL CONFIG FILE ERROR (Version {VERSION}) ***\nreplicaof directive not allowed in cluster mode")
    );
}

#[test]
fn save_lines_accumulate_and_include_resets_the_rule() {
    let dir = scratch_dir("save");
    let inc = dir.join("inc.conf");
    std::fs::write(&inc, "save 7 7\n").unwrap();
    let inc = inc.display();
    assert_eq!(
        get(&load("save 1 1\nsave 2 2\n").unwrap(), "save"),
        "1 1 2 2"
    );
    // After an include returns, Valkey no longer knows it is reading a file,
    // so each later `save` replaces the rules.
    assert_eq!(
        get(
            &load(&format!("save 1 1\ninclude {inc}\nsave 2 2\nsave 3 3\n")).unwrap(),
            "save"
        ),
        "3 3"
    );
    assert_eq!(
        get(
            &load(&format!("include {inc}\nsave 2 2\n")).unwrap(),
            "save"
        ),
        "2 2"
    );
    assert_eq!(get(&load("save\n").unwrap(), "save"), "");
    assert_eq!(get(&load("save \"\"\nsave 5 5\n").unwrap(), "save"), "5 5");
    assert_eq!(
        get(&load("save \"100 1 200 2\"\n").unwrap(), "save"),
        "100 1 200 2"
    );
    assert_eq!(
        get(&load("port 1\n").unwrap(), "save"),
        "3600 1 300 100 60 10000"
    );
}

#[test]
fn values_parse_like_valkey() {
    let config = load(concat!(
        "bind 127.0.0.1\nbind 127.0.0.1 ::1\n",
        "slaveof no one\nhz 1000\nhash-max-ziplist-entries 7\n",
        "dynamic-hz yes\nlist-max-ziplist-entries 5\nio-threads-do-reads yes\nlua-replicate-commands yes\n",
        "maxmemory 1k\nproto-max-bulk-len 2mb\nclient-query-buffer-limit 1G\nunixsocketperm 700\n",
        "notify-keyspace-events \"\"\nappendfsync Always\nloglevel WARNING\n",
        "client-output-buffer-limit normal 1 2 3\nclient-output-buffer-limit \"pubsub 1 2 3\"\n",
        "   # indented comment\n\t\n",
        "requirepass \"a b\\x41\"\n",
        "shutdown-on-sigterm nosave now\n",
    ))
    .unwrap();
    let expect = [
        ("bind", "127.0.0.1 ::1"),
        ("hz", "500"),
        ("replicaof", ""),
        ("hash-max-listpack-entries", "7"),
        ("maxmemory", "1000"),
        ("proto-max-bulk-len", "2097152"),
        ("client-query-buffer-limit", "1000000000"),
        ("unixsocketperm", "700"),
        ("notify-keyspace-events", ""),
        ("appendfsync", "always"),
        ("loglevel", "warning"),
        (
            "client-output-buffer-limit",
            "normal 1 2 3 slave 268435456 67108864 60 pubsub 1 2 3",
        ),
        ("requirepass", "a bA"),
        ("shutdown-on-sigterm", "nosave now"),
    ];
    for (name, value) in expect {
        assert_eq!(get(&config, name), value, "{name}");
    }
    assert_eq!(config.unixsocketperm(), 0o700);
    assert_eq!(config.hz(), 500);
}

#[test]
fn file_only_directives_are_recorded() {
    let mut hooks = TestHooks::new();
    let mut config = Config::with_dir(b"/");
    config
        .load_text(
            b"rename-command FLUSHALL \"\"\nuser alice on >pw\nloadmodule /m.so a b\nfoo.bar 1 2\nfoo.bar 3\nsentinel\n",
            &mut hooks,
        )
        .unwrap();
    let startup = config.startup();
    assert_eq!(
        startup.rename_commands,
        vec![(b"FLUSHALL".to_vec(), Vec::new())]
    );
    assert_eq!(hooks.renames.len(), 1);
    assert_eq!(
        startup.users,
        vec![vec![b"alice".to_vec(), b"on".to_vec(), b">pw".to_vec()]]
    );
    assert_eq!(
        startup.load_modules,
        vec![vec![b"/m.so".to_vec(), b"a".to_vec(), b"b".to_vec()]]
    );
    assert_eq!(
        startup.module_configs,
        vec![(b"foo.bar".to_vec(), b"3".to_vec())]
    );
}

#[test]
fn includes_nest_and_keep_their_own_line_numbers() {
    let dir = scratch_dir("include");
    let inner = dir.join("inner.conf");
    std::fs::write(&inner, "hz 20\n\nbogus line\n").unwrap();
    let outer = dir.join("outer.conf");
    std::fs::write(&outer, format!("port 7000\ninclude {}\n", inner.display())).unwrap();
    let err = load(&format!("include {}\n", outer.display())).unwrap_err();
    assert_eq!(
        err.to_string(),
        fatal(
            3,
            "bogus line",
            "Bad directive or wrong number of arguments"
        )
    );

    std::fs::write(&inner, "hz 20\n").unwrap();
    let config = load(&format!("include {}\nmaxclients 5\n", outer.display())).unwrap();
    assert_eq!(
        (config.port(), config.hz(), config.maxclients()),
        (7000, 20, 5)
    );

    let missing = dir.join("missing.conf");
    let err = load(&format!("include {}\n", missing.display())).unwrap_err();
    assert_eq!(
        err,
        StartupError::CannotOpen {
            path: missing.display().to_string(),
            reason: "No such file or directory".into()
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "Fatal error, can't open config file '{}': No such file or directory",
            missing.display()
        )
    );
}

#[test]
fn glob_includes_read_matches_in_order_and_allow_none() {
    let dir = scratch_dir("glob");
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::write(dir.join("conf.d/b.conf"), "hz 30\n").unwrap();
    std::fs::write(dir.join("conf.d/a.conf"), "hz 20\nport 7001\n").unwrap();
    std::fs::write(dir.join("conf.d/.hidden.conf"), "port 1\n").unwrap();
    let config = load(&format!("include {}/conf.d/*.conf\n", dir.display())).unwrap();
    assert_eq!((config.hz(), config.port()), (30, 7001));
    let config = load(&format!(
        "include {}/conf.d/*.nomatch\nhz 40\n",
        dir.display()
    ))
    .unwrap();
    assert_eq!(config.hz(), 40);
}

#[test]
fn dir_changes_directory_through_the_hooks() {
    let mut hooks = TestHooks::new();
    let mut config = Config::with_dir(&hooks.cwd.clone());
    config.load_text(b"dir sub\n", &mut hooks).unwrap();
    assert_eq!(config.dir(), b"/work/dir/sub");
    assert_eq!(get(&config, "dir"), "/work/dir/sub");
}

#[test]
fn cluster_mode_forces_one_database_with_a_warning() {
    let config = load("cluster-enabled yes\ndatabases 8\n").unwrap();
    assert_eq!(config.databases(), 1);
    assert_eq!(
        config.startup().warnings,
        vec![
            "WARNING: Changing databases number from 8 to 1 since we are in cluster mode"
                .to_string()
        ]
    );
}
