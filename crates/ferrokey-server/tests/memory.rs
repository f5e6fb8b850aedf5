//! Integration tests for MEMORY USAGE and MEMORY STATS against the ferrokey binary (the reply
//! shapes compared byte for byte with Valkey 8.1 are in tests/corpus/memory.txt). Each test
//! starts its own server.

mod common;

use common::ServerProcess;

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
