//! Keeps the directive table honest: `valkey_defaults.txt` is `CONFIG GET *`
//! from valkey-server 8.1.8 started as `valkey-server --port 17803` (no config
//! file), sorted, one `name<TAB>value` per line; `valkey_hidden_defaults.txt`
//! holds the hidden directives, fetched by exact name. Run-dependent entries
//! are skipped: `port` (given on that command line) and `dir` (its cwd).

use std::collections::BTreeMap;

use ferrokey_config::{directive, flag, Config};

const RUN_DEPENDENT: [&str; 2] = ["port", "dir"];
/// Deliberate ferrokey defaults: loopback-only `bind`, as in Valkey's shipped valkey.conf.
const FERROKEY_DEFAULTS: [(&str, &str); 1] = [("bind", "127.0.0.1 -::1")];

fn snapshot(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, value) = l.split_once('\t').unwrap_or((l, ""));
            (name.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn config_get_star_matches_valkey() {
    let expected = snapshot(include_str!("valkey_defaults.txt"));
    let config = Config::with_dir(b"/somewhere");
    let ours: BTreeMap<String, String> = config
        .get_matching(&["*"])
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect();
    let expected_names: Vec<&String> = expected.keys().collect();
    let our_names: Vec<&String> = ours.keys().collect();
    assert_eq!(
        our_names, expected_names,
        "directive names (with aliases) differ from CONFIG GET *"
    );
    for (name, value) in &expected {
        if RUN_DEPENDENT.contains(&name.as_str()) {
            continue;
        }
        if let Some((_, ferrokey)) = FERROKEY_DEFAULTS.iter().find(|(n, _)| n == name) {
            assert_eq!(
                ours.get(name).map(String::as_str),
                Some(*ferrokey),
                "{name}"
            );
            continue;
        }
        assert_eq!(ours.get(name), Some(value), "default of {name}");
    }
    assert_eq!(ours.get("port").map(String::as_str), Some("6379"));
    assert_eq!(ours.get("dir").map(String::as_str), Some("/somewhere"));
}

#[test]
fn hidden_directives_match_valkey_by_exact_name_only() {
    let expected = snapshot(include_str!("valkey_hidden_defaults.txt"));
    let config = Config::with_dir(b"/");
    for (name, value) in &expected {
        let got = config.get_matching(&[name.as_str()]);
        assert_eq!(
            got,
            vec![(name.clone(), value.as_bytes().to_vec())],
            "{name}"
        );
        assert!(
            directive(name).is_some_and(|spec| spec.has(flag::HIDDEN)),
            "{name} should be hidden"
        );
        assert!(
            config.get_matching(&["*"]).iter().all(|(n, _)| n != name),
            "{name} leaked into *"
        );
    }
}

#[test]
fn typed_accessors_see_defaults() {
    let config = Config::with_dir(b"/data");
    assert_eq!(config.port(), 6379);
    assert_eq!(
        config.bind(),
        vec!["127.0.0.1".to_string(), "-::1".to_string()]
    );
    assert_eq!(config.databases(), 16);
    assert_eq!(config.maxclients(), 10000);
    assert_eq!(config.hz(), 10);
    assert_eq!(config.proto_max_bulk_len(), 512 * 1024 * 1024);
    assert_eq!(config.client_query_buffer_limit(), 1024 * 1024 * 1024);
    assert_eq!(
        config.enable_debug_command(),
        ferrokey_config::ProtectedAction::No
    );
    assert_eq!(config.loglevel(), ferrokey_config::LogLevel::Notice);
    assert_eq!(
        config.maxmemory_policy(),
        ferrokey_config::MaxmemoryPolicy::NoEviction
    );
    assert_eq!(config.unixsocket(), None);
    assert_eq!(config.requirepass(), None);
    assert!(config.lazyfree_lazy_user_flush());
    assert_eq!(config.save_params().len(), 3);
    assert_eq!(config.dir(), b"/data");
    assert_eq!(config.get_i64("hz"), Some(10));
    assert_eq!(config.get_i64("slowlog-max-len"), Some(128));
    assert_eq!(config.get_bool("slave-read-only"), Some(true));
    assert_eq!(
        config.get_enum("shutdown-on-sigint").as_deref(),
        Some("default")
    );
    assert_eq!(
        config.get_raw("client-output-buffer-limit").as_deref(),
        Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
    );
}
