//! Integration tests for MEMORY USAGE, STATS and DOCTOR against the ferrokey binary (the reply
//! shapes compared byte for byte with Valkey 8.1 are in tests/corpus/memory.txt). Each test
//! starts its own server. The DOCTOR texts below were taken from Valkey 8.1.8 replies to the
//! same scenarios (an empty instance, 10 MB of data, a 50 MB peak brought down to 10 MB, a client
//! not reading its replies).

mod common;

use std::time::{Duration, Instant};

use common::{RespConn, ServerProcess};

fn start(extra: &[&str]) -> ServerProcess {
    match ServerProcess::start_ferrokey(extra) {
        Ok(server) => server,
        Err(err) => panic!("cannot start ferrokey: {err}"),
    }
}

fn memory_usage(con: &mut redis::Connection, key: &str) -> i64 {
    let usage: Option<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(key)
        .arg("SAMPLES")
        .arg(0)
        .query(con)
        .unwrap_or_else(|e| panic!("MEMORY USAGE {key}: {e}"));
    usage.unwrap_or_else(|| panic!("MEMORY USAGE {key} is null"))
}

/// MEMORY USAGE grows with the value for every type and encoding step, and is null for a
/// missing key. The figures are ferrokey's own estimates, so only their order is checked.
#[test]
fn memory_usage_grows_with_the_value() {
    let server = start(&[]);
    let mut con = server.redis_connection().expect("connect");
    let missing: Option<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("nokey")
        .query(&mut con)
        .expect("MEMORY USAGE nokey");
    assert_eq!(missing, None);
    // (type, command adding `count` elements to key).
    let fill = |con: &mut redis::Connection, kind: &str, key: &str, count: usize| {
        let mut cmd = redis::cmd(match kind {
            "string" => "SET",
            "list" => "RPUSH",
            "set" => "SADD",
            "zset" => "ZADD",
            _ => "HSET",
        });
        cmd.arg(key);
        match kind {
            "string" => {
                cmd.arg("x".repeat(count * 10));
            }
            _ => {
                for i in 0..count {
                    match kind {
                        "zset" => cmd.arg(i).arg(format!("member-{i}")),
                        "hash" => cmd.arg(format!("field-{i}")).arg(format!("value-{i}")),
                        _ => cmd.arg(format!("element-{i}")),
                    };
                }
            }
        }
        let _: redis::Value = cmd.query(con).expect("fill");
    };
    for kind in ["string", "list", "set", "zset", "hash"] {
        let mut previous = 0;
        // 5 and 50 stay small encodings; 5000 is the large one.
        for count in [5, 50, 5000] {
            let key = format!("{kind}-{count}");
            fill(&mut con, kind, &key, count);
            let usage = memory_usage(&mut con, &key);
            assert!(usage > previous, "{kind} x{count}: {usage} <= {previous}");
            // At least one byte per byte of payload, at most a generous overhead per element.
            assert!(usage >= count as i64 * 7, "{kind} x{count}: {usage}");
            assert!(usage < 64 + count as i64 * 200, "{kind} x{count}: {usage}");
            previous = usage;
        }
    }
}

/// MEMORY STATS has Valkey 8.1's fields in its order, one `db.N` map per database.
#[test]
fn memory_stats_has_valkey_fields() {
    let server = start(&[]);
    let mut con = server.redis_connection().expect("connect");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query(&mut con)
        .expect("SET");
    let reply: Vec<redis::Value> = redis::cmd("MEMORY")
        .arg("STATS")
        .query(&mut con)
        .expect("MEMORY STATS");
    let names: Vec<String> = reply
        .iter()
        .step_by(2)
        .map(|v| match v {
            redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("field name {other:?}"),
        })
        .collect();
    let mut expected: Vec<String> = "peak.allocated total.allocated startup.allocated \
        replication.backlog clients.slaves clients.normal cluster.links aof.buffer lua.caches \
        functions.caches"
        .split_whitespace()
        .map(String::from)
        .collect();
    expected.extend((0..16).map(|db| format!("db.{db}")));
    expected.extend(
        "overhead.db.hashtable.lut overhead.db.hashtable.rehashing overhead.total \
         db.dict.rehashing.count keys.count keys.bytes-per-key dataset.bytes \
         dataset.percentage peak.percentage allocator.allocated allocator.active \
         allocator.resident allocator.muzzy allocator-fragmentation.ratio \
         allocator-fragmentation.bytes allocator-rss.ratio allocator-rss.bytes \
         rss-overhead.ratio rss-overhead.bytes fragmentation fragmentation.bytes"
            .split_whitespace()
            .map(String::from),
    );
    assert_eq!(names, expected);
    let value_of = |name: &str| {
        let at = names.iter().position(|n| n == name).expect(name);
        reply[at * 2 + 1].clone()
    };
    assert_eq!(value_of("keys.count"), redis::Value::Int(1));
    assert!(matches!(value_of("total.allocated"), redis::Value::Int(n) if n > 0));
    // Doubles are bulk strings in RESP2.
    assert!(matches!(
        value_of("peak.percentage"),
        redis::Value::BulkString(_)
    ));
    match value_of("db.0") {
        redis::Value::Array(fields) => assert_eq!(fields.len(), 4),
        other => panic!("db.0 {other:?}"),
    }
}

const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my \
issues detector can't be used in these conditions. Please, leave for your mission on Earth and \
fill it with some data. The new Sam and I will be back to our programming as soon as I finished \
rebooting.\n";
const DOCTOR_HEALTHY: &str = "Hi Sam, I can't find any memory issue in your instance. I can only \
account for what occurs on this base.\n";
const DOCTOR_HEADER: &str = "Sam, I detected a few issues in this Valkey instance memory \
implants:\n\n";
const DOCTOR_CLOSING: &str = "I'm here to keep you safe, Sam. I want to help you.\n";
const DOCTOR_BIG_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the \
memory that is currently using. The allocator is normally not able to release memory after a \
peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and \
is only due to the memory peak, and if the Valkey instance Resident Set Size (RSS) is currently \
bigger than expected, the memory will be used as soon as you fill the Valkey instance with more \
data. If the memory peak was only occasional and you want to try to reclaim memory, please try \
the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the \
instance.\n\n";
const DOCTOR_BIG_CLIENT_BUFFERS: &str = " * Big client buffers: The clients output buffers in \
this instance are greater than 200K per client (on average). This may result from different \
causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that \
data piles on the Valkey instance output buffer, or clients sending commands with large replies \
or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in \
order to investigate the issue if it causes problems in your instance, or to understand better \
why certain clients are using a big amount of memory.\n\n";
/// How every other paragraph of a report opens, in report order.
const DOCTOR_PARAGRAPH_OPENINGS: &[&str] = &[
    " * Peak memory: ",
    " * High total RSS: ",
    " * High allocator fragmentation: ",
    " * High allocator RSS overhead: ",
    " * High process RSS overhead: ",
    " * Big replica buffers: ",
    " * Big client buffers: ",
    " * Many scripts: ",
];

fn memory_doctor(con: &mut redis::Connection) -> String {
    redis::cmd("MEMORY")
        .arg("DOCTOR")
        .query(con)
        .expect("MEMORY DOCTOR")
}

/// Sets `count` keys `{prefix}{i}` to 1000-byte values, pipelined.
fn fill(con: &mut redis::Connection, prefix: &str, count: usize) {
    let value = vec![b'v'; 1000];
    for chunk_start in (0..count).step_by(1000) {
        let mut pipe = redis::pipe();
        for i in chunk_start..count.min(chunk_start + 1000) {
            pipe.cmd("SET")
                .arg(format!("{prefix}{i}"))
                .arg(&value)
                .ignore();
        }
        let _: () = pipe.query(con).expect("fill");
    }
}

/// The paragraphs of an issues report, checked to be framed and ordered as Valkey's.
fn doctor_paragraphs(report: &str) -> Vec<&str> {
    let body = report
        .strip_prefix(DOCTOR_HEADER)
        .and_then(|rest| rest.strip_suffix(DOCTOR_CLOSING))
        .unwrap_or_else(|| panic!("not an issues report: {report:?}"));
    let paragraphs: Vec<&str> = body.split_inclusive("\n\n").collect();
    let mut last_rank = None;
    for paragraph in &paragraphs {
        let rank = DOCTOR_PARAGRAPH_OPENINGS
            .iter()
            .position(|opening| paragraph.starts_with(opening))
            .unwrap_or_else(|| panic!("unknown paragraph {paragraph:?}"));
        assert!(last_rank < Some(rank), "paragraph out of order: {report}");
        last_rank = Some(rank);
    }
    paragraphs
}

/// A fresh instance is too empty to judge.
#[test]
fn memory_doctor_empty_instance() {
    let server = start(&[]);
    let mut con = server.redis_connection().expect("connect");
    assert_eq!(memory_doctor(&mut con), DOCTOR_EMPTY);
}

/// 35 MB of plain data, no peak, no big buffers: nothing to report. (With less data, the
/// process's few MB of RSS outside the heap come close to the 1.4 total-RSS ratio.)
#[test]
fn memory_doctor_healthy_instance() {
    let server = start(&[]);
    let mut con = server.redis_connection().expect("connect");
    fill(&mut con, "keep:", 30_000);
    assert_eq!(memory_doctor(&mut con), DOCTOR_HEALTHY);
}

/// A 50 MB peak brought down to 10 MB is reported first, in Valkey's words.
#[test]
fn memory_doctor_reports_a_big_peak() {
    // The cron records the peak: at hz 100 it ticks every 10 ms.
    let server = start(&["--hz", "100"]);
    let mut con = server.redis_connection().expect("connect");
    fill(&mut con, "keep:", 10_000);
    fill(&mut con, "drop:", 40_000);
    // Nothing here reads memory figures (which would record the peak too): the cron must have
    // seen the fill, and 20 of its ticks pass before the data goes.
    std::thread::sleep(std::time::Duration::from_millis(200));
    for chunk_start in (0..40_000).step_by(1000) {
        let keys: Vec<String> = (chunk_start..chunk_start + 1000)
            .map(|i| format!("drop:{i}"))
            .collect();
        let _: i64 = redis::cmd("DEL").arg(&keys).query(&mut con).expect("DEL");
    }
    let report = memory_doctor(&mut con);
    let paragraphs = doctor_paragraphs(&report);
    assert_eq!(
        paragraphs.first().copied(),
        Some(DOCTOR_BIG_PEAK),
        "{report}"
    );
    // The fill reached the intended size.
    let stats: Vec<redis::Value> = redis::cmd("MEMORY")
        .arg("STATS")
        .query(&mut con)
        .expect("MEMORY STATS");
    let peak = match stats.get(1) {
        Some(redis::Value::Int(n)) => *n,
        other => panic!("peak.allocated {other:?}"),
    };
    assert!(peak > 45_000_000, "peak {peak}");
    // Back at the peak, the peak is no longer news.
    fill(&mut con, "drop:", 40_000);
    let report = memory_doctor(&mut con);
    assert!(!report.contains(DOCTOR_BIG_PEAK), "{report}");
}

/// A client that does not read its large replies: its pending output is over 200K per client.
/// (ferrokey stops running a client's pipeline while about 1 MB of its output is unsent, where
/// Valkey runs it all and buffers the 40 MB; either is far over the average.)
#[test]
fn memory_doctor_reports_big_client_buffers() {
    let server = start(&[]);
    let mut con = server.redis_connection().expect("connect");
    fill(&mut con, "keep:", 30_000);
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(vec![b'y'; 1 << 20])
        .query(&mut con)
        .expect("SET big");
    assert_eq!(memory_doctor(&mut con), DOCTOR_HEALTHY);
    let mut stalled = RespConn::connect(server.port()).expect("connect stalled client");
    let requests = common::encode_command(&["GET", "big"]).repeat(40);
    stalled.send_raw(&requests).expect("send GETs");
    // Replies pile up once the socket buffers are full; wait for that, within a bound.
    let deadline = Instant::now() + Duration::from_secs(10);
    let report = loop {
        let report = memory_doctor(&mut con);
        if report.contains(DOCTOR_BIG_CLIENT_BUFFERS) || Instant::now() >= deadline {
            break report;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let paragraphs = doctor_paragraphs(&report);
    assert!(paragraphs.contains(&DOCTOR_BIG_CLIENT_BUFFERS), "{report}");
    drop(stalled);
}
