//! Integration tests of the hash commands for what the differential corpus cannot show: HSCAN's
//! cursor over a hashtable (full coverage in steps of COUNT, also while the hash changes and
//! resizes, expired fields left out), HRANDFIELD's guarantees
//! (distinctness, membership, counts, reply shapes on a large hash, a uniform distribution over
//! the live fields, O(1) picks on a large hashtable), and atomicity of HINCRBY
//! and HINCRBYFLOAT under concurrent clients. Exact reply bytes are the corpus's job
//! (`tests/corpus/hashes.txt`).

mod common;

use std::collections::{HashMap, HashSet};
use std::thread;
use std::time::{Duration, Instant};

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
        let (next, batch) = common::scan_step(&mut con, "HSCAN", "big", cursor, 10);
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
        let (next, batch) = common::scan_step(&mut con, "HSCAN", "h", cursor, 20);
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

/// HSETs `f{from..to}` to `v{..}` in batches of 10 000.
fn hset_range(con: &mut redis::Connection, key: &str, from: usize, to: usize) {
    for start in (from..to).step_by(10_000) {
        let _: () = con
            .hset_multiple(key, &pairs(start, (start + 10_000).min(to)))
            .unwrap();
    }
}

#[test]
fn hscan_of_200k_fields_walks_count_at_a_time() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    hset_range(&mut con, "big", 0, 200_000);
    let replies = common::scan_all(&mut con, "HSCAN", "big", 100);
    let (steps, largest) = (
        replies.len(),
        replies.iter().map(|r| r.len() / 2).max().unwrap_or(0),
    );
    let mut seen: HashMap<String, String> = HashMap::new();
    for pair in replies.concat().chunks(2) {
        let previous = seen.insert(pair[0].clone(), pair[1].clone());
        assert!(previous.is_none(), "{} returned twice", pair[0]);
    }
    assert!(largest <= 110, "a step returned {largest} pairs");
    assert!((1800..=2001).contains(&steps), "{steps} steps");
    assert_eq!(seen.len(), 200_000);
    assert!(seen.iter().all(|(f, v)| f[1..] == v[1..]));
}

#[test]
fn hscan_of_200k_fields_while_others_come_and_go() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    hset_range(&mut con, "h", 0, 200_000);
    let (mut seen, mut cursor, mut round) = (HashSet::new(), 0, 0);
    loop {
        let (next, batch) = common::scan_step(&mut con, "HSCAN", "h", cursor, 100);
        seen.extend(batch.chunks(2).map(|pair| pair[0].clone()));
        // Fields from 150 000 up leave, 20 a step, and 40 new ones a step arrive: the table
        // resizes in mid-walk.
        let doomed: Vec<String> = (150_000 + round * 20..150_020 + round * 20)
            .map(|i| format!("f{i}"))
            .collect();
        let _: usize = con.hdel("h", doomed).unwrap();
        let _: () = con
            .hset_multiple("h", &pairs(1_000_000 + round * 40, 1_000_040 + round * 40))
            .unwrap();
        round += 1;
        assert!(round < 20_000, "the scan ends");
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let missed = (0..150_000).filter(|i| !seen.contains(&format!("f{i}")));
    assert_eq!(missed.count(), 0);
}

#[test]
fn hscan_skips_expired_fields_of_a_large_hash() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    hset_range(&mut con, "h", 0, 20_000);
    let mut expire = redis::cmd("HPEXPIRE");
    expire.arg("h").arg(1).arg("FIELDS").arg(10_000);
    for i in 0..10_000 {
        expire.arg(format!("f{i}"));
    }
    let _: Vec<i64> = expire.query(&mut con).unwrap();
    thread::sleep(Duration::from_millis(20));
    let (mut seen, mut cursor) = (HashSet::new(), 0);
    loop {
        let (next, batch) = common::scan_step(&mut con, "HSCAN", "h", cursor, 50);
        seen.extend(batch.chunks(2).map(|pair| pair[0].clone()));
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let expected: HashSet<String> = (10_000..20_000).map(|i| format!("f{i}")).collect();
    assert_eq!(seen, expected);
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

/// Valkey's HRANDFIELD histogram check on a hashtable, then with half the fields expired: picks
/// are uniform over the live fields and never return an expired one. 599 and 299 degrees of
/// freedom; the bounds allow six standard deviations.
#[test]
fn hrandfield_is_uniform_over_live_fields() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = con.hset_multiple("h", &pairs(0, 600)).unwrap();
    assert_eq!(encoding(&mut con, "h"), "hashtable");

    let repeated: Vec<String> = redis::cmd("HRANDFIELD")
        .arg("h")
        .arg(-60_000)
        .query(&mut con)
        .unwrap();
    let statistic = common::chi_square(&repeated, 600);
    assert!(
        statistic < 810.0,
        "HRANDFIELD -count: chi-square {statistic}"
    );
    let mut pipe = redis::pipe();
    for _ in 0..2_000 {
        pipe.cmd("HRANDFIELD").arg("h").arg(30);
    }
    let samples: Vec<Vec<String>> = pipe.query(&mut con).unwrap();
    for sample in &samples {
        assert_eq!(sample.iter().collect::<HashSet<_>>().len(), 30, "distinct");
    }
    let statistic = common::chi_square(samples.iter().flatten(), 600);
    assert!(
        statistic < 810.0,
        "HRANDFIELD count: chi-square {statistic}"
    );

    let mut expire = redis::cmd("HPEXPIRE");
    expire.arg("h").arg(1).arg("FIELDS").arg(300);
    for i in 0..300 {
        expire.arg(format!("f{i}"));
    }
    let _: Vec<i64> = expire.query(&mut con).unwrap();
    thread::sleep(Duration::from_millis(20));
    let live: HashSet<String> = (300..600).map(|i| format!("f{i}")).collect();
    let mut pipe = redis::pipe();
    for _ in 0..30_000 {
        pipe.cmd("HRANDFIELD").arg("h");
    }
    let singles: Vec<String> = pipe.query(&mut con).unwrap();
    assert!(singles.iter().all(|f| live.contains(f)), "no expired field");
    let statistic = common::chi_square(&singles, 300);
    assert!(statistic < 420.0, "HRANDFIELD: chi-square {statistic}");
}

/// Random picks cost O(1) on a large hashtable: walking to a random position instead takes
/// about a second per 1000 picks at this size.
#[test]
fn hrandfield_on_a_large_hashtable_is_fast() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    for from in (0..400_000).step_by(10_000) {
        let _: () = con
            .hset_multiple("big", &pairs(from, from + 10_000))
            .unwrap();
    }
    for count in [None, Some(5), Some(-5)] {
        let mut pipe = redis::pipe();
        for _ in 0..10_000 {
            let cmd = pipe.cmd("HRANDFIELD").arg("big");
            if let Some(count) = count {
                cmd.arg(count);
            }
        }
        let started = Instant::now();
        let _: redis::Value = pipe.query(&mut con).unwrap();
        let elapsed = started.elapsed();
        assert!(
            elapsed.as_secs_f64() < 2.0,
            "10000 HRANDFIELD {count:?} took {elapsed:?}"
        );
    }
}
