//! Integration tests of the hash commands for what the differential corpus cannot show: HSCAN's
//! cursor over a hashtable (full coverage, also while the hash changes), HRANDFIELD's guarantees
//! (distinctness, membership, counts, reply shapes on a large hash), and atomicity of HINCRBY
//! and HINCRBYFLOAT under concurrent clients. Exact reply bytes are the corpus's job
//! (`tests/corpus/hashes.txt`).

mod common;

use std::collections::{HashMap, HashSet};
use std::thread;

use common::ServerProcess;
use redis::Commands;

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

fn pairs(from: usize, to: usize) -> Vec<(String, String)> {
    (from..to)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect()
}

fn encoding(con: &mut redis::Connection, key: &str) -> String {
    redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(key)
        .query(con)
        .unwrap()
}

/// One HSCAN call: the next cursor and the flat field/value list returned.
fn hscan_step(
    con: &mut redis::Connection,
    key: &str,
    cursor: u64,
    count: usize,
) -> (u64, Vec<String>) {
    let (next, batch): (String, Vec<String>) = redis::cmd("HSCAN")
        .arg(key)
        .arg(cursor)
        .arg("COUNT")
        .arg(count)
        .query(con)
        .unwrap();
    (next.parse().unwrap(), batch)
}

#[test]
fn hscan_covers_a_hashtable_exactly_once() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let all = pairs(0, 5000);
    let _: () = con.hset_multiple("big", &all).unwrap();
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let mut seen: HashMap<String, String> = HashMap::new();
    let (mut cursor, mut calls) = (0, 0);
    loop {
        let (next, batch) = hscan_step(&mut con, "big", cursor, 10);
        assert_eq!(batch.len() % 2, 0);
        for pair in batch.chunks(2) {
            let previous = seen.insert(pair[0].clone(), pair[1].clone());
            assert!(previous.is_none(), "{} returned twice", pair[0]);
        }
        calls += 1;
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert!(calls > 1, "a hashtable scan takes several calls");
    let expected: HashMap<String, String> = all.into_iter().collect();
    assert_eq!(seen, expected);

    // NOVALUES returns fields only; MATCH filters on the field.
    let (_, fields): (String, Vec<String>) = redis::cmd("HSCAN")
        .arg("big")
        .arg(0)
        .arg("COUNT")
        .arg(100_000)
        .arg("MATCH")
        .arg("f49*")
        .arg("NOVALUES")
        .query(&mut con)
        .unwrap();
    let fields: HashSet<String> = fields.into_iter().collect();
    let expected: HashSet<String> = (0..5000)
        .map(|i| format!("f{i}"))
        .filter(|f| f.starts_with("f49"))
        .collect();
    assert_eq!(fields, expected);
}

#[test]
fn hscan_returns_every_stable_field_while_the_hash_changes() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = con.hset_multiple("h", &pairs(0, 2000)).unwrap();
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        let (next, batch) = hscan_step(&mut con, "h", cursor, 20);
        seen.extend(batch.chunks(2).map(|pair| pair[0].clone()));
        // Churn: add new fields and delete some of the volatile upper range between calls.
        let _: () = con
            .hset_multiple("h", &pairs(10_000 + step * 50, 10_050 + step * 50))
            .unwrap();
        let _: usize = con.hdel("h", format!("f{}", 1000 + step)).unwrap();
        step += 1;
        if next == 0 {
            break;
        }
        cursor = next;
    }
    // Fields 0..1000 were never touched: each must have been returned.
    for i in 0..1000 {
        assert!(seen.contains(&format!("f{i}")), "f{i} missing");
    }
}

#[test]
fn hrandfield_counts_on_a_large_hash() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let all: HashMap<String, String> = pairs(0, 1000).into_iter().collect();
    let list: Vec<(String, String)> = all.clone().into_iter().collect();
    let _: () = con.hset_multiple("h", &list).unwrap();

    let distinct: Vec<String> = redis::cmd("HRANDFIELD")
        .arg("h")
        .arg(300)
        .query(&mut con)
        .unwrap();
    assert_eq!(distinct.len(), 300);
    assert_eq!(distinct.iter().collect::<HashSet<_>>().len(), 300);
    assert!(distinct.iter().all(|f| all.contains_key(f)));

    let repeated: Vec<String> = redis::cmd("HRANDFIELD")
        .arg("h")
        .arg(-3000)
        .arg("WITHVALUES")
        .query(&mut con)
        .unwrap();
    assert_eq!(repeated.len(), 6000);
    for pair in repeated.chunks(2) {
        assert_eq!(all.get(&pair[0]), Some(&pair[1]));
    }

    let whole: Vec<String> = redis::cmd("HRANDFIELD")
        .arg("h")
        .arg(5000)
        .query(&mut con)
        .unwrap();
    assert_eq!(whole.into_iter().collect::<HashSet<_>>().len(), 1000);

    let single: String = redis::cmd("HRANDFIELD").arg("h").query(&mut con).unwrap();
    assert!(all.contains_key(&single));
}

#[test]
fn hrandfield_withvalues_nests_pairs_in_resp3() {
    let server = start();
    let mut conn = server.connect().unwrap();
    conn.command(&["HELLO", "3"]).unwrap();
    conn.command(&["HSET", "h", "a", "1"]).unwrap();
    let reply = conn
        .command(&["HRANDFIELD", "h", "-2", "WITHVALUES"])
        .unwrap();
    assert_eq!(
        reply,
        b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n".to_vec()
    );
    let reply = conn.command(&["HGETALL", "h"]).unwrap();
    assert_eq!(reply, b"%1\r\n$1\r\na\r\n$1\r\n1\r\n".to_vec());
}

#[test]
fn concurrent_increments_are_atomic() {
    let server = start();
    let port = server.port();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let mut con = common::redis_connection(port).unwrap();
                for _ in 0..250 {
                    let _: i64 = con.hincr("counters", "int", 2).unwrap();
                    let _: f64 = con.hincr("counters", "float", 0.5).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let mut con = server.redis_connection().unwrap();
    let int: String = con.hget("counters", "int").unwrap();
    let float: String = con.hget("counters", "float").unwrap();
    assert_eq!(int, "2000");
    assert_eq!(float, "500");
}
