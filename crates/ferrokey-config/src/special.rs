//! The hand-written directives (`dir`, `save`, `client-output-buffer-limit`,
//! `oom-score-adj-values`, `notify-keyspace-events`, `bind`, `rdma-bind`,
//! `replicaof`, `latency-tracking-info-percentiles`): defaults, parsing with
//! Valkey's error texts, CONFIG GET rendering and CONFIG REWRITE lines.
//!
//! Valkey treats a setting of these as a change even when the value is the
//! same (except `oom-score-adj-values`), so the server re-applies them.

use crate::notify;
use crate::spec::Special;
use crate::text::{c_strtoll, format_f64_trimmed, memory_to_u64, push_repr, string_to_f64};
use crate::value::{Assigned, ClientBufferLimit, Rewrite, SaveParam, SetEnv, Value};

const MB: u64 = 1024 * 1024;
pub(crate) const DEFAULT_SAVE: [SaveParam; 3] = [
    SaveParam {
        seconds: 3600,
        changes: 1,
    },
    SaveParam {
        seconds: 300,
        changes: 100,
    },
    SaveParam {
        seconds: 60,
        changes: 10000,
    },
];
pub(crate) const DEFAULT_CLIENT_BUFFERS: [ClientBufferLimit; 3] = [
    ClientBufferLimit {
        hard_limit_bytes: 0,
        soft_limit_bytes: 0,
        soft_limit_seconds: 0,
    },
    ClientBufferLimit {
        hard_limit_bytes: 256 * MB,
        soft_limit_bytes: 64 * MB,
        soft_limit_seconds: 60,
    },
    ClientBufferLimit {
        hard_limit_bytes: 32 * MB,
        soft_limit_bytes: 8 * MB,
        soft_limit_seconds: 60,
    },
];
const DEFAULT_OOM_SCORES: [i32; 3] = [0, 200, 800];
/// ferrokey listens on loopback only unless told otherwise: the binary's embedded default is
/// the `bind` line of Valkey's shipped valkey.conf, not Valkey's compiled-in `* -::*`, so a
/// server started without a config file is not exposed to the network.
const DEFAULT_BIND: [&str; 2] = ["127.0.0.1", "-::1"];
const DEFAULT_PERCENTILES: [f64; 3] = [50.0, 99.0, 99.9];
/// Valkey's CONFIG_BINDADDR_MAX.
const MAX_BIND_ADDRESSES: usize = 16;

pub(crate) fn default_value(which: Special, cwd: &[u8]) -> Value {
    match which {
        Special::Dir => Value::Dir(cwd.to_vec()),
        Special::Save => Value::Save(DEFAULT_SAVE.to_vec()),
        Special::ClientOutputBufferLimit => Value::ClientBuffers(DEFAULT_CLIENT_BUFFERS),
        Special::OomScoreAdjValues => Value::OomScores(DEFAULT_OOM_SCORES),
        Special::NotifyKeyspaceEvents => Value::Notify(0),
        Special::Bind => Value::Bind(DEFAULT_BIND.iter().map(|a| a.as_bytes().to_vec()).collect()),
        Special::RdmaBind => Value::Bind(Vec::new()),
        Special::ReplicaOf => Value::ReplicaOf(None),
        Special::LatencyTrackingInfoPercentiles => Value::Percentiles(DEFAULT_PERCENTILES.to_vec()),
    }
}

fn is_single_empty(args: &[Vec<u8>]) -> bool {
    matches!(args, [only] if only.is_empty())
}

fn changed(value: Value) -> Result<Assigned, String> {
    Ok(Assigned {
        value,
        changed: true,
    })
}

pub(crate) fn assign(
    which: Special,
    current: &Value,
    args: &[Vec<u8>],
    env: &SetEnv,
) -> Result<Assigned, String> {
    match which {
        Special::Dir => match args {
            [path] if path.is_empty() => Err("dir can't be empty".to_string()),
            // The caller turns this into an absolute directory (and chdirs at start-up).
            [path] => changed(Value::Dir(path.clone())),
            _ => Err("wrong number of arguments".to_string()),
        },
        Special::Save => assign_save(current, args, env),
        Special::ClientOutputBufferLimit => assign_client_buffers(current, args),
        Special::OomScoreAdjValues => {
            let invalid = || {
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".to_string()
            };
            let [a, b, c] = args else {
                return Err("wrong number of arguments".to_string());
            };
            let mut scores = [0i32; 3];
            for (slot, arg) in scores.iter_mut().zip([a, b, c]) {
                let parsed = c_strtoll(arg, 10);
                if !parsed.fully_consumed || !(-2000..=2000).contains(&parsed.value) {
                    return Err(invalid());
                }
                *slot = parsed.value as i32;
            }
            let value = Value::OomScores(scores);
            let changed = value != *current;
            Ok(Assigned { value, changed })
        }
        Special::NotifyKeyspaceEvents => match args {
            [classes] => match notify::flags_from_classes(classes) {
                Some(flags) => changed(Value::Notify(flags)),
                None => Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()),
            },
            _ => Err("wrong number of arguments".to_string()),
        },
        Special::Bind | Special::RdmaBind => {
            if args.len() > MAX_BIND_ADDRESSES {
                Err("Too many bind addresses specified.".to_string())
            } else if is_single_empty(args) {
                changed(Value::Bind(Vec::new()))
            } else {
                changed(Value::Bind(args.to_vec()))
            }
        }
        Special::ReplicaOf => {
            let [host, port] = args else {
                return Err("wrong number of arguments".to_string());
            };
            if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
                return changed(Value::ReplicaOf(None));
            }
            let parsed = c_strtoll(port, 10);
            // Stored into an `int`, then range-checked.
            let port = parsed.value as i32;
            if !(0..=65535).contains(&port) || !parsed.fully_consumed {
                return Err("Invalid primary port".to_string());
            }
            changed(Value::ReplicaOf(Some((host.clone(), port))))
        }
        Special::LatencyTrackingInfoPercentiles => {
            if is_single_empty(args) {
                return changed(Value::Percentiles(Vec::new()));
            }
            let mut percentiles = Vec::with_capacity(args.len());
            for arg in args {
                let Some(p) = string_to_f64(arg) else {
                    return Err("Invalid latency-tracking-info-percentiles parameters".to_string());
                };
                if !(0.0..=100.0).contains(&p) {
                    return Err(concat!(
                        "latency-tracking-info-percentiles parameters ",
                        "should sit between [0.0,100.0]"
                    )
                    .to_string());
                }
                percentiles.push(p);
            }
            changed(Value::Percentiles(percentiles))
        }
    }
}

fn assign_save(current: &Value, args: &[Vec<u8>], env: &SetEnv) -> Result<Assigned, String> {
    let invalid = || "Invalid save parameters".to_string();
    // A single "" means "no rules"; Valkey resets the rules before validating.
    let reset = is_single_empty(args);
    let args = if reset { &[][..] } else { args };
    if !args.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let mut parsed = Vec::with_capacity(args.len());
    for (j, arg) in args.iter().enumerate() {
        let number = c_strtoll(arg, 10);
        let minimum = if j % 2 == 0 { 1 } else { 0 };
        if !number.fully_consumed || number.value < minimum {
            return Err(invalid());
        }
        parsed.push(number.value);
    }
    let mut rules = match (env.append_save && !reset, current) {
        (true, Value::Save(existing)) => existing.clone(),
        _ => Vec::new(),
    };
    // `changes` is an `int` in Valkey: larger values wrap.
    rules.extend(parsed.chunks_exact(2).filter_map(|pair| match pair {
        [seconds, changes] => Some(SaveParam {
            seconds: *seconds,
            changes: *changes as i32,
        }),
        _ => None,
    }));
    changed(Value::Save(rules))
}

fn client_class_index(name: &[u8]) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    match lower.as_slice() {
        b"normal" => Some(0),
        b"slave" | b"replica" => Some(1),
        b"pubsub" => Some(2),
        _ => None, // includes master/primary, which Valkey refuses here
    }
}

fn assign_client_buffers(current: &Value, args: &[Vec<u8>]) -> Result<Assigned, String> {
    if !args.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".to_string());
    }
    let mut limits = match current {
        Value::ClientBuffers(limits) => *limits,
        _ => DEFAULT_CLIENT_BUFFERS,
    };
    let mut updates = Vec::with_capacity(args.len() / 4);
    for chunk in args.chunks_exact(4) {
        let [class, hard, soft, seconds] = chunk else {
            continue;
        };
        let Some(index) = client_class_index(class) else {
            return Err(
                "Invalid client class specified in buffer limit configuration.".to_string(),
            );
        };
        let seconds_parsed = c_strtoll(seconds, 10);
        // Valkey stores the seconds in an `int` before checking the sign.
        let soft_seconds = seconds_parsed.value as i32;
        match (memory_to_u64(hard), memory_to_u64(soft)) {
            (Some(hard), Some(soft)) if soft_seconds >= 0 && seconds_parsed.fully_consumed => {
                updates.push((
                    index,
                    ClientBufferLimit {
                        hard_limit_bytes: hard,
                        soft_limit_bytes: soft,
                        soft_limit_seconds: i64::from(soft_seconds),
                    },
                ));
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string(),
                )
            }
        }
    }
    for (index, limit) in updates {
        if let Some(slot) = limits.get_mut(index) {
            *slot = limit;
        }
    }
    changed(Value::ClientBuffers(limits))
}

fn join(parts: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(&part);
    }
    out
}

/// CONFIG GET rendering of a special value.
pub(crate) fn render(value: &Value) -> Vec<u8> {
    match value {
        Value::Dir(path) => path.clone(),
        Value::Save(rules) => join(
            rules
                .iter()
                .map(|r| format!("{} {}", r.seconds, r.changes).into_bytes()),
        ),
        Value::ClientBuffers(limits) => join(["normal", "slave", "pubsub"].iter().zip(limits).map(
            |(class, l)| {
                format!(
                    "{class} {} {} {}",
                    l.hard_limit_bytes, l.soft_limit_bytes, l.soft_limit_seconds
                )
                .into_bytes()
            },
        )),
        Value::OomScores(scores) => join(scores.iter().map(|s| s.to_string().into_bytes())),
        Value::Notify(flags) => notify::classes_from_flags(*flags).into_bytes(),
        Value::Bind(addresses) => join(addresses.iter().cloned()),
        Value::ReplicaOf(Some((host, port))) => {
            let mut out = host.clone();
            out.extend_from_slice(format!(" {port}").as_bytes());
            out
        }
        Value::ReplicaOf(None) => Vec::new(),
        Value::Percentiles(list) => join(list.iter().map(|p| format_f64_trimmed(*p).into_bytes())),
        Value::Bool(_) | Value::Str(_) | Value::Enum(_) | Value::Num(_) => Vec::new(),
    }
}

fn named(name: &str, rest: &[u8]) -> Vec<u8> {
    let mut out = name.as_bytes().to_vec();
    out.push(b' ');
    out.extend_from_slice(rest);
    out
}

/// CONFIG REWRITE lines of a special directive.
pub(crate) fn rewrite(which: Special, name: &str, value: &Value) -> Rewrite {
    match (which, value) {
        (Special::Dir, Value::Dir(path)) => {
            let mut quoted = Vec::new();
            push_repr(&mut quoted, path);
            Rewrite::Lines(vec![(named(name, &quoted), true)])
        }
        (Special::Save, Value::Save(rules)) if rules.is_empty() => {
            Rewrite::Lines(vec![(named(name, b"\"\""), true)])
        }
        (Special::Save, Value::Save(_)) => {
            Rewrite::Lines(vec![(named(name, &render(value)), true)])
        }
        (Special::ClientOutputBufferLimit, Value::ClientBuffers(limits)) => Rewrite::Lines(
            ["normal", "replica", "pubsub"]
                .iter()
                .zip(limits.iter().zip(DEFAULT_CLIENT_BUFFERS.iter()))
                .map(|(class, (limit, default))| {
                    let text = format!(
                        "{class} {} {} {}",
                        crate::text::format_memory(limit.hard_limit_bytes as i64),
                        crate::text::format_memory(limit.soft_limit_bytes as i64),
                        limit.soft_limit_seconds
                    );
                    (named(name, text.as_bytes()), limit != default)
                })
                .collect(),
        ),
        (Special::OomScoreAdjValues, Value::OomScores(scores)) => Rewrite::Lines(vec![(
            named(name, &render(value)),
            *scores != DEFAULT_OOM_SCORES,
        )]),
        (Special::NotifyKeyspaceEvents, Value::Notify(flags)) => {
            let mut quoted = Vec::new();
            push_repr(&mut quoted, notify::classes_from_flags(*flags).as_bytes());
            Rewrite::Lines(vec![(named(name, &quoted), *flags != 0)])
        }
        (Special::RdmaBind, Value::Bind(addresses)) if addresses.is_empty() => Rewrite::Untouched,
        (Special::Bind | Special::RdmaBind, Value::Bind(addresses)) => {
            if addresses
                .iter()
                .map(Vec::as_slice)
                .eq(DEFAULT_BIND.iter().map(|a| a.as_bytes()))
            {
                Rewrite::Remove
            } else if addresses.is_empty() {
                Rewrite::Lines(vec![(named(name, b"\"\""), true)])
            } else {
                Rewrite::Lines(vec![(named(name, &render(value)), true)])
            }
        }
        (Special::ReplicaOf, Value::ReplicaOf(None)) => Rewrite::Remove,
        (Special::ReplicaOf, Value::ReplicaOf(Some(_))) => {
            Rewrite::Lines(vec![(named(name, &render(value)), true)])
        }
        (Special::LatencyTrackingInfoPercentiles, Value::Percentiles(list)) if list.is_empty() => {
            Rewrite::Lines(vec![(named(name, b"\"\""), true)])
        }
        (Special::LatencyTrackingInfoPercentiles, Value::Percentiles(_)) => {
            Rewrite::Lines(vec![(named(name, &render(value)), true)])
        }
        _ => Rewrite::Untouched,
    }
}
