//! Replays facts recorded from valkey-server 8.1.8:
//! - `valkey_set_cases.txt`: a sequence of CONFIG SET commands, each followed
//!   by CONFIG GET of the same directive, as `name<TAB>value<TAB>reply<TAB>
//!   value after` (a reply starting with `-` is an error). Directives whose
//!   apply step touches the machine (port, bind, TLS, dir, requirepass, ...)
//!   were left out.
//! - `valkey_file_cases.txt`: one-line config files started as
//!   `valkey-server file --port 0`, as `line<TAB>outcome`, where the outcome is
//!   `OK` or the last line of the FATAL block. Directives with start-up side
//!   effects (dir, logfile, unixsocket, daemonize, cpulists, ...) were left out.

mod common;

use ferrokey_config::{Config, SetContext, StartupError};

#[test]
fn config_set_sequence_matches_valkey() {
    let mut config = Config::with_dir(b"/tmp/vk/diff");
    let mut mismatches = Vec::new();
    for (number, line) in include_str!("valkey_set_cases.txt").lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, value, reply, after] = fields.as_slice() else {
            panic!("malformed line {}: {line:?}", number + 1);
        };
        let ours = match config.set(&[*name, *value], &SetContext::default()) {
            Ok(_change) => "OK".to_string(),
            Err(e) => format!("-{e}"),
        };
        let ours_after = config.get_raw(name).unwrap_or_default();
        if ours != *reply || ours_after != *after {
            mismatches.push(format!(
                "line {}: CONFIG SET {name} {value:?}\n  valkey: {reply} / {after:?}\n  ours:   {ours} / {ours_after:?}",
                number + 1
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn one_line_config_files_match_valkey() {
    let mut mismatches = Vec::new();
    for (number, line) in include_str!("valkey_file_cases.txt").lines().enumerate() {
        let Some((text, expected)) = line.split_once('\t') else {
            panic!("malformed line {}: {line:?}", number + 1);
        };
        let mut config = Config::with_dir(b"/tmp");
        let ours = match config.load_text(
            format!("{text}\n").as_bytes(),
            &mut common::TestHooks::new(),
        ) {
            Ok(()) => "OK".to_string(),
            Err(StartupError::Fatal { message, .. }) => message,
            Err(other) => other.to_string(),
        };
        if ours != expected {
            mismatches.push(format!("{text:?}\n  valkey: {expected}\n  ours:   {ours}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
