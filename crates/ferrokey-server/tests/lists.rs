//! Integration tests of the list commands for what the differential corpus cannot show: lists
//! of a size no corpus line holds, and the atomicity of list commands under concurrent clients
//! (moves between keys of different shards, producers and consumers on one list). Exact reply
//! bytes are the corpus's job (`tests/corpus/lists.txt`).

mod common;

use std::thread;

use common::ServerProcess;
use redis::Commands;

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

/// Elements `from..to` as strings, the values the tests push.
fn values(from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| format!("v{i}")).collect()
}

#[test]
fn large_list_ranges_indexes_and_trims() {
    const LEN: usize = 100_000;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    for chunk in (0..LEN).step_by(10_000) {
        let len: usize = con.rpush("big", values(chunk, chunk + 10_000)).unwrap();
        assert_eq!(len, chunk + 10_000);
    }
    assert_eq!(con.llen::<_, usize>("big").unwrap(), LEN);
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("big")
        .query(&mut con)
        .unwrap();
    assert_eq!(encoding, "quicklist");

    let head: Vec<String> = con.lrange("big", 0, 9).unwrap();
    assert_eq!(head, values(0, 10));
    let tail: Vec<String> = con.lrange("big", -10, -1).unwrap();
    assert_eq!(tail, values(LEN - 10, LEN));
    let middle: Vec<String> = con.lrange("big", 50_000, 50_999).unwrap();
    assert_eq!(middle, values(50_000, 51_000));
    let everything: Vec<String> = con.lrange("big", 0, -1).unwrap();
    assert_eq!(everything.len(), LEN);
    assert!(everything.iter().zip(values(0, LEN)).all(|(a, b)| *a == b));
    let clamped: Vec<String> = con.lrange("big", -1_000_000, 4).unwrap();
    assert_eq!(clamped, values(0, 5));

    assert_eq!(con.lindex::<_, String>("big", 77_777).unwrap(), "v77777");
    assert_eq!(con.lindex::<_, String>("big", -77_777).unwrap(), "v22223");
    let position: Option<usize> = redis::cmd("LPOS")
        .arg("big")
        .arg("v99999")
        .query(&mut con)
        .unwrap();
    assert_eq!(position, Some(99_999));
    let limited: Option<usize> = redis::cmd("LPOS")
        .arg("big")
        .arg("v99999")
        .arg("MAXLEN")
        .arg(1000)
        .query(&mut con)
        .unwrap();
    assert_eq!(limited, None);
    let from_tail: Vec<usize> = redis::cmd("LPOS")
        .arg("big")
        .arg("v5")
        .arg("RANK")
        .arg(-1)
        .arg("COUNT")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(from_tail, vec![5]);

    let _: () = con.lset("big", 60_000, "changed").unwrap();
    assert_eq!(con.lindex::<_, String>("big", 60_000).unwrap(), "changed");
    let inserted: i64 = con.linsert_before("big", "v70000", "before").unwrap();
    assert_eq!(inserted, LEN as i64 + 1);
    assert_eq!(con.lindex::<_, String>("big", 70_000).unwrap(), "before");
    assert_eq!(con.lrem::<_, _, usize>("big", 0, "before").unwrap(), 1);

    let popped: Vec<String> = con.lpop("big", std::num::NonZeroUsize::new(1000)).unwrap();
    assert_eq!(popped, values(0, 1000));
    let _: () = con.ltrim("big", 0, 9).unwrap();
    let kept: Vec<String> = con.lrange("big", 0, -1).unwrap();
    assert_eq!(kept, values(1000, 1010));
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("big")
        .query(&mut con)
        .unwrap();
    assert_eq!(encoding, "listpack", "a trimmed list converts back");
    let _: () = con.ltrim("big", 1, 0).unwrap();
    assert!(!con.exists::<_, bool>("big").unwrap());
}

/// Two clients move elements in opposite directions between the keys of several pairs (so some
/// pairs span two shards) while a third pops from both ends: no element is lost or duplicated,
/// and no command deadlocks.
#[test]
fn concurrent_moves_across_keys_keep_every_element() {
    const PAIRS: usize = 8;
    const MOVES: usize = 2000;
    // More elements per list than one worker moves out of it, so however far one worker runs
    // ahead of the other, no list runs dry.
    const PER_LIST: usize = MOVES / PAIRS + 50;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let pair = |i: usize| (format!("left:{i}"), format!("right:{i}"));
    for i in 0..PAIRS {
        let (left, right) = pair(i);
        let _: usize = con
            .rpush(&left, values(i * 1000, i * 1000 + PER_LIST))
            .unwrap();
        let _: usize = con
            .rpush(&right, values(i * 1000 + 500, i * 1000 + 500 + PER_LIST))
            .unwrap();
    }
    let workers: Vec<_> = (0..2)
        .map(|worker| {
            let port = server.port();
            thread::spawn(move || {
                let mut con = common::redis_connection(port).unwrap();
                for n in 0..MOVES {
                    let (left, right) = pair(n % PAIRS);
                    let (from, to) = if worker == 0 {
                        (left, right)
                    } else {
                        (right, left)
                    };
                    let moved: Option<String> = if n % 2 == 0 {
                        redis::cmd("LMOVE")
                            .arg(&from)
                            .arg(&to)
                            .arg("LEFT")
                            .arg("RIGHT")
                            .query(&mut con)
                            .unwrap()
                    } else {
                        con.rpoplpush(&from, &to).unwrap()
                    };
                    assert!(moved.is_some(), "lists never run dry: {from}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    for i in 0..PAIRS {
        let (left, right) = pair(i);
        let mut seen: Vec<String> = con.lrange(&left, 0, -1).unwrap();
        seen.extend(con.lrange::<_, Vec<String>>(&right, 0, -1).unwrap());
        seen.sort();
        let mut expected = values(i * 1000, i * 1000 + PER_LIST);
        expected.extend(values(i * 1000 + 500, i * 1000 + 500 + PER_LIST));
        expected.sort();
        assert_eq!(seen, expected, "pair {i}");
    }
}

/// A producer LPUSHes while a consumer RPOPs on another connection: the consumer sees every
/// element exactly once, in push order, and the list is gone once drained.
#[test]
fn concurrent_push_and_pop_is_a_fifo_queue() {
    const ITEMS: usize = 20_000;
    let server = start();
    let port = server.port();
    let producer = thread::spawn(move || {
        let mut con = common::redis_connection(port).unwrap();
        for chunk in (0..ITEMS).step_by(100) {
            let mut pipe = redis::pipe();
            for i in chunk..chunk + 100 {
                pipe.lpush("queue", format!("v{i}")).ignore();
            }
            let _: () = pipe.query(&mut con).unwrap();
        }
    });
    let mut con = server.redis_connection().unwrap();
    let mut received = Vec::with_capacity(ITEMS);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while received.len() < ITEMS {
        assert!(std::time::Instant::now() < deadline, "consumer stalled");
        let batch: Option<Vec<String>> =
            con.rpop("queue", std::num::NonZeroUsize::new(64)).unwrap();
        match batch {
            Some(batch) => received.extend(batch),
            None => thread::yield_now(),
        }
    }
    producer.join().unwrap();
    assert_eq!(received, values(0, ITEMS));
    assert!(!con.exists::<_, bool>("queue").unwrap());
    let pops: Option<String> = con.rpop("queue", None).unwrap();
    assert_eq!(pops, None);
}

/// LMPOP across several keys from two clients at once: each element is popped once in total.
#[test]
fn concurrent_lmpop_pops_each_element_once() {
    const KEYS: usize = 6;
    const PER_KEY: usize = 500;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    for k in 0..KEYS {
        let _: usize = con
            .rpush(format!("mp:{k}"), values(k * PER_KEY, (k + 1) * PER_KEY))
            .unwrap();
    }
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let port = server.port();
            thread::spawn(move || {
                let mut con = common::redis_connection(port).unwrap();
                let mut got = Vec::new();
                loop {
                    let mut cmd = redis::cmd("LMPOP");
                    cmd.arg(KEYS);
                    for k in 0..KEYS {
                        cmd.arg(format!("mp:{k}"));
                    }
                    cmd.arg("LEFT").arg("COUNT").arg(7);
                    let reply: Option<(String, Vec<String>)> = cmd.query(&mut con).unwrap();
                    match reply {
                        Some((_, elements)) => got.extend(elements),
                        None => return got,
                    }
                }
            })
        })
        .collect();
    let mut all: Vec<String> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort();
    let mut expected = values(0, KEYS * PER_KEY);
    expected.sort();
    assert_eq!(all, expected);
    let remaining: usize = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(remaining, 0);
}
