//! Integration tests of the sorted-set commands for what the differential corpus cannot show:
//! sets of a size no corpus line holds (the `skiplist` encoding under ranks, ranges, removals,
//! scans and random picks), and atomicity under concurrent clients. Exact reply bytes are the corpus's job
//! (`tests/corpus/zsets.txt`).

mod common;

use std::collections::{HashMap, HashSet};
use std::thread;
use std::time::Instant;

use common::ServerProcess;
use redis::Commands;

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

fn member(i: usize) -> String {
    format!("m{i:06}")
}

/// Fills `key` with members `m000000..` scored `0..len`, in batches.
fn fill(con: &mut redis::Connection, key: &str, len: usize) {
    for chunk in (0..len).step_by(5_000) {
        let mut cmd = redis::cmd("ZADD");
        cmd.arg(key);
        for i in chunk..(chunk + 5_000).min(len) {
            cmd.arg(i).arg(member(i));
        }
        let _: usize = cmd.query(con).unwrap();
    }
}

#[test]
fn large_sorted_set_ranks_ranges_and_removals() {
    const LEN: usize = 50_000;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    fill(&mut con, "big", LEN);
    assert_eq!(con.zcard::<_, usize>("big").unwrap(), LEN);
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("big")
        .query(&mut con)
        .unwrap();
    assert_eq!(encoding, "skiplist");

    assert_eq!(
        con.zrank::<_, _, usize>("big", member(31_337)).unwrap(),
        31_337
    );
    let rev_rank: usize = con.zrevrank("big", member(0)).unwrap();
    assert_eq!(rev_rank, LEN - 1);
    let middle: Vec<String> = con.zrange("big", 20_000, 20_009).unwrap();
    assert_eq!(middle, (20_000..20_010).map(member).collect::<Vec<_>>());
    let tail: Vec<String> = con.zrevrange("big", 0, 2).unwrap();
    assert_eq!(
        tail,
        vec![member(LEN - 1), member(LEN - 2), member(LEN - 3)]
    );
    let by_score: Vec<String> = redis::cmd("ZRANGE")
        .arg("big")
        .arg("(100")
        .arg("+inf")
        .arg("BYSCORE")
        .arg("LIMIT")
        .arg(10)
        .arg(3)
        .query(&mut con)
        .unwrap();
    assert_eq!(by_score, vec![member(111), member(112), member(113)]);
    assert_eq!(
        con.zcount::<_, _, _, usize>("big", 1000, 1999).unwrap(),
        1000
    );

    let removed: usize = con.zrembyscore("big", 0, 9_999).unwrap();
    assert_eq!(removed, 10_000);
    let removed: usize = con.zremrangebyrank("big", -10_000, -1).unwrap();
    assert_eq!(removed, 10_000);
    assert_eq!(con.zcard::<_, usize>("big").unwrap(), LEN - 20_000);
    let first: Vec<(String, f64)> = con.zrange_withscores("big", 0, 0).unwrap();
    assert_eq!(first, vec![(member(10_000), 10_000.0)]);
    let popped: Vec<(String, f64)> = con.zpopmax("big", 2).unwrap();
    assert_eq!(
        popped,
        vec![(member(39_999), 39_999.0), (member(39_998), 39_998.0)]
    );
    let new_score: f64 = con.zincr("big", member(10_000), 1_000_000).unwrap();
    assert_eq!(new_score, 1_010_000.0);
    let last: Vec<String> = con.zrevrange("big", 0, 0).unwrap();
    assert_eq!(last, vec![member(10_000)]);
}

#[test]
fn zscan_of_a_large_set_returns_every_member_once() {
    const LEN: usize = 3_000;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    fill(&mut con, "s", LEN);
    let mut cursor = 0u64;
    let mut seen = std::collections::HashSet::new();
    loop {
        let (next, items): (u64, Vec<String>) = redis::cmd("ZSCAN")
            .arg("s")
            .arg(cursor)
            .arg("COUNT")
            .arg(100)
            .query(&mut con)
            .unwrap();
        for pair in items.chunks(2) {
            seen.insert(pair[0].clone());
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), LEN);
}

#[test]
fn zscan_of_200k_members_walks_count_at_a_time() {
    const LEN: usize = 200_000;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    fill(&mut con, "big", LEN);
    let replies = common::scan_all(&mut con, "ZSCAN", "big", 100);
    let (steps, largest) = (
        replies.len(),
        replies.iter().map(|r| r.len() / 2).max().unwrap_or(0),
    );
    let mut seen = HashSet::new();
    for pair in replies.concat().chunks(2) {
        let rank: usize = pair[0][1..].parse().unwrap();
        assert_eq!(pair[1], rank.to_string(), "score of {}", pair[0]);
        assert!(seen.insert(rank), "{} returned twice", pair[0]);
    }
    assert!(largest <= 110, "a step returned {largest}");
    assert!((1800..=2001).contains(&steps), "{steps} steps");
    assert_eq!(seen.len(), LEN);
    // NOSCORES: members only.
    let (_, items): (u64, Vec<String>) = redis::cmd("ZSCAN")
        .arg("big")
        .arg(0)
        .arg("COUNT")
        .arg(5)
        .arg("NOSCORES")
        .query(&mut con)
        .unwrap();
    // A step ends at the bucket where it reached COUNT, so it may hold a few more.
    assert!((5..=15).contains(&items.len()), "{} items", items.len());
    assert!(items.iter().all(|m| m.starts_with('m')));
}

#[test]
fn zscan_of_200k_members_while_most_leave() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    fill(&mut con, "z", 200_000);
    let (mut seen, mut cursor, mut round) = (HashSet::new(), 0, 0);
    loop {
        let (next, items) = common::scan_step(&mut con, "ZSCAN", "z", cursor, 100);
        seen.extend(items.chunks(2).map(|pair| pair[0].clone()));
        // Members 50 000 and up leave, 300 a step, and 10 new ones arrive with scores
        // changing: once released ids outnumber live ones two to one the whole set is rebuilt
        // with a smaller index, in mid-walk.
        if round < 500 {
            let from = 50_000 + round * 300;
            let _: usize = con
                .zrem("z", (from..from + 300).map(member).collect::<Vec<_>>())
                .unwrap();
        }
        let _: usize = con.zadd("z", format!("new{round}"), round as f64).unwrap();
        let _: f64 = con.zincr("z", member(round % 50_000), 0.5).unwrap();
        round += 1;
        assert!(round < 20_000, "the scan ends");
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let missed = (0..50_000).filter(|&i| !seen.contains(&member(i)));
    assert_eq!(missed.count(), 0);
}

#[test]
fn store_commands_on_large_inputs() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    fill(&mut con, "a", 1_000);
    let mut cmd = redis::cmd("ZADD");
    cmd.arg("b");
    for i in (0..2_000).step_by(2) {
        cmd.arg(1).arg(member(i));
    }
    let _: usize = cmd.query(&mut con).unwrap();
    let stored: usize = con.zinterstore("i", &["a", "b"]).unwrap();
    assert_eq!(stored, 500);
    let score: f64 = con.zscore("i", member(998)).unwrap();
    assert_eq!(score, 999.0);
    let stored: usize = con.zunionstore("u", &["a", "b"]).unwrap();
    assert_eq!(stored, 1_500);
    let stored: usize = redis::cmd("ZDIFFSTORE")
        .arg("d")
        .arg(2)
        .arg("a")
        .arg("b")
        .query(&mut con)
        .unwrap();
    assert_eq!(stored, 500);
    let stored: usize = redis::cmd("ZRANGESTORE")
        .arg("r")
        .arg("a")
        .arg(100)
        .arg(199)
        .query(&mut con)
        .unwrap();
    assert_eq!(stored, 100);
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("r")
        .query(&mut con)
        .unwrap();
    assert_eq!(encoding, "listpack");
}

#[test]
fn concurrent_increments_and_pops_are_atomic() {
    const CLIENTS: usize = 4;
    const ROUNDS: usize = 500;
    let server = start();
    let port = server.port();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            thread::spawn(move || {
                let mut con = common::redis_connection(port).unwrap();
                for round in 0..ROUNDS {
                    let _: f64 = con.zincr("counter", "hits", 1).unwrap();
                    let _: usize = con.zadd("queue", member(round), round).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let mut con = server.redis_connection().unwrap();
    let hits: f64 = con.zscore("counter", "hits").unwrap();
    assert_eq!(hits, (CLIENTS * ROUNDS) as f64);
    assert_eq!(con.zcard::<_, usize>("queue").unwrap(), ROUNDS);

    let poppers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            thread::spawn(move || {
                let mut con = common::redis_connection(port).unwrap();
                let mut mine = Vec::new();
                loop {
                    let popped: Vec<(String, f64)> = con.zpopmin("queue", 7).unwrap();
                    if popped.is_empty() {
                        return mine;
                    }
                    mine.extend(popped.into_iter().map(|(member, _)| member));
                }
            })
        })
        .collect();
    let mut all: Vec<String> = poppers
        .into_iter()
        .flat_map(|popper| popper.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (0..ROUNDS).map(member).collect::<Vec<_>>());
    assert!(!con.exists::<_, bool>("queue").unwrap());
}

/// ZRANDMEMBER with a count on a skiplist: distinct, uniform (Valkey's histogram check; 199
/// degrees of freedom, the bound allows six standard deviations), and cheap on a large set,
/// where drawing distinct ranks must not cost O(n) per call.
#[test]
fn zrandmember_is_uniform_and_cheap_on_a_skiplist() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    fill(&mut con, "z", 200);
    let mut pipe = redis::pipe();
    for _ in 0..2_000 {
        pipe.cmd("ZRANDMEMBER").arg("z").arg(20);
    }
    let samples: Vec<Vec<String>> = pipe.query(&mut con).unwrap();
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for sample in &samples {
        assert_eq!(sample.iter().collect::<HashSet<_>>().len(), 20, "distinct");
        for member in sample {
            *counts.entry(member).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), 200);
    let expected = 2_000.0 * 20.0 / 200.0;
    let statistic: f64 = counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    assert!(statistic < 320.0, "chi-square {statistic}");

    fill(&mut con, "big", 500_000);
    let mut pipe = redis::pipe();
    for _ in 0..20_000 {
        pipe.cmd("ZRANDMEMBER").arg("big").arg(5);
    }
    let started = Instant::now();
    let _: redis::Value = pipe.query(&mut con).unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed.as_secs_f64() < 1.5,
        "20000 ZRANDMEMBER took {elapsed:?}"
    );
}
