//! Integration tests of the set commands for what the differential corpus cannot show: SSCAN's
//! cursor over a hashtable (full coverage in steps of COUNT, also while the set changes and
//! resizes), the random commands'
//! guarantees (distinctness, membership, counts, a uniform distribution, O(1) picks on a large
//! hashtable), algebra over sets of a size no corpus line holds, and atomicity of SMOVE under
//! concurrent clients. Exact reply bytes are the corpus's
//! job (`tests/corpus/sets.txt`).

mod common;

use std::collections::HashSet;
use std::thread;
use std::time::Instant;

use common::ServerProcess;
use redis::Commands;

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

fn members(prefix: &str, from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| format!("{prefix}{i}")).collect()
}

fn encoding(con: &mut redis::Connection, key: &str) -> String {
    redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(key)
        .query(con)
        .unwrap()
}

#[test]
fn sscan_covers_a_hashtable_exactly_once() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let all = members("m", 0, 5000);
    let added: usize = con.sadd("big", &all).unwrap();
    assert_eq!(added, all.len());
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let mut seen = Vec::new();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        let (next, batch) = common::scan_step(&mut con, "SSCAN", "big", cursor, 10);
        seen.extend(batch);
        calls += 1;
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert!(calls > 1, "a hashtable is walked in several calls");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates without changes");
    assert_eq!(unique, all.iter().collect::<HashSet<_>>());

    let (next, matched): (String, Vec<String>) = redis::cmd("SSCAN")
        .arg("big")
        .arg(0)
        .arg("MATCH")
        .arg("m12*")
        .arg("COUNT")
        .arg(100_000)
        .query(&mut con)
        .unwrap();
    assert_eq!(next, "0");
    assert_eq!(matched.len(), 1 + 10 + 100);
}

#[test]
fn sscan_returns_every_stable_member_while_the_set_changes() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let stable = members("stable", 0, 2000);
    let _: usize = con.sadd("s", &stable).unwrap();
    let _: usize = con.sadd("s", members("gone", 0, 2000)).unwrap();
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut round = 0;
    loop {
        let (next, batch) = common::scan_step(&mut con, "SSCAN", "s", cursor, 20);
        seen.extend(batch);
        // Between calls: remove members that were not stable and add new ones, which grows
        // and reshapes the table.
        let _: usize = con
            .srem("s", members("gone", round * 20, round * 20 + 20))
            .unwrap();
        let _: usize = con
            .sadd("s", members("new", round * 50, round * 50 + 50))
            .unwrap();
        round += 1;
        if next == 0 {
            break;
        }
        cursor = next;
    }
    for member in &stable {
        assert!(seen.contains(member), "{member} missed");
    }
}

/// SADDs `prefix{from..to}` in batches of 10 000.
fn sadd_range(con: &mut redis::Connection, key: &str, prefix: &str, from: usize, to: usize) {
    for start in (from..to).step_by(10_000) {
        let _: usize = con
            .sadd(key, members(prefix, start, (start + 10_000).min(to)))
            .unwrap();
    }
}

#[test]
fn sscan_of_200k_members_walks_count_at_a_time() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    sadd_range(&mut con, "big", "m", 0, 200_000);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let replies = common::scan_all(&mut con, "SSCAN", "big", 100);
    let (seen, steps) = (replies.concat(), replies.len());
    let largest = replies.iter().map(Vec::len).max().unwrap_or(0);
    // Each step gathers COUNT members, a few more when the home it stops at holds several:
    // about 2000 steps, where a step sized by the set would take a few hundred.
    assert!(largest <= 110, "a step returned {largest}");
    assert!((1800..=2001).contains(&steps), "{steps} steps");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates without changes");
    assert_eq!(unique.len(), 200_000);
}

#[test]
fn sscan_of_200k_members_while_others_come_and_go() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    sadd_range(&mut con, "s", "stable", 0, 150_000);
    sadd_range(&mut con, "s", "gone", 0, 50_000);
    let (mut seen, mut cursor, mut round) = (HashSet::new(), 0, 0);
    loop {
        let (next, batch) = common::scan_step(&mut con, "SSCAN", "s", cursor, 100);
        seen.extend(batch);
        // Between steps: 20 removals and 40 additions, so the set grows past the table's
        // capacity (a resize in mid-walk) while others leave.
        let _: usize = con
            .srem("s", members("gone", round * 20, round * 20 + 20))
            .unwrap();
        let _: usize = con
            .sadd("s", members("new", round * 40, round * 40 + 40))
            .unwrap();
        round += 1;
        assert!(round < 20_000, "the scan ends");
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let missed: Vec<String> = members("stable", 0, 150_000)
        .into_iter()
        .filter(|m| !seen.contains(m))
        .collect();
    assert!(
        missed.is_empty(),
        "{} missed, e.g. {:?}",
        missed.len(),
        missed.first()
    );
}

#[test]
fn spop_and_srandmember_counts_on_large_sets() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let all = members("e", 0, 3000);
    let _: usize = con.sadd("s", &all).unwrap();
    let universe: HashSet<String> = all.iter().cloned().collect();

    let picked: Vec<String> = con.srandmember_multiple("s", 2500).unwrap();
    assert_eq!(picked.len(), 2500);
    assert_eq!(
        picked.iter().collect::<HashSet<_>>().len(),
        2500,
        "distinct"
    );
    assert!(picked.iter().all(|m| universe.contains(m)));
    let repeated: Vec<String> = redis::cmd("SRANDMEMBER")
        .arg("s")
        .arg(-10_000)
        .query(&mut con)
        .unwrap();
    assert_eq!(repeated.len(), 10_000);
    assert!(repeated.iter().all(|m| universe.contains(m)));
    let everything: Vec<String> = con.srandmember_multiple("s", 10_000).unwrap();
    assert_eq!(everything.len(), 3000);

    let popped: Vec<String> = redis::cmd("SPOP")
        .arg("s")
        .arg(1000)
        .query(&mut con)
        .unwrap();
    assert_eq!(popped.len(), 1000);
    let popped: HashSet<String> = popped.into_iter().collect();
    assert_eq!(popped.len(), 1000, "distinct");
    assert_eq!(con.scard::<_, usize>("s").unwrap(), 2000);
    let remaining: HashSet<String> = con.smembers("s").unwrap();
    assert!(remaining.is_disjoint(&popped));
    let rebuilt: HashSet<String> = remaining.union(&popped).cloned().collect();
    assert_eq!(rebuilt, universe);

    let one: String = con.spop("s").unwrap();
    assert!(universe.contains(&one));
    let rest: Vec<String> = redis::cmd("SPOP")
        .arg("s")
        .arg(5000)
        .query(&mut con)
        .unwrap();
    assert_eq!(rest.len(), 1999);
    assert!(!con.exists::<_, bool>("s").unwrap());
}

#[test]
fn algebra_over_large_sets_matches_a_model() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let a: Vec<String> = (0..3000).map(|i| (i * 2).to_string()).collect();
    let b: Vec<String> = (0..3000).map(|i| (i * 3).to_string()).collect();
    let c = members("x", 0, 500);
    let _: usize = con.sadd("a", &a).unwrap();
    let _: usize = con.sadd("b", &b).unwrap();
    let _: usize = con.sadd("c", &c).unwrap();
    let sa: HashSet<String> = a.into_iter().collect();
    let sb: HashSet<String> = b.into_iter().collect();
    let sc: HashSet<String> = c.into_iter().collect();

    let inter: HashSet<String> = con.sinter(&["a", "b"]).unwrap();
    assert_eq!(inter, sa.intersection(&sb).cloned().collect());
    let union: HashSet<String> = con.sunion(&["a", "b", "c"]).unwrap();
    let model: HashSet<String> = sa.union(&sb).chain(sc.iter()).cloned().collect();
    assert_eq!(union, model);
    let diff: HashSet<String> = con.sdiff(&["a", "b", "c"]).unwrap();
    assert_eq!(diff, sa.difference(&sb).cloned().collect());
    let card: usize = redis::cmd("SINTERCARD")
        .arg(2)
        .arg("a")
        .arg("b")
        .query(&mut con)
        .unwrap();
    assert_eq!(card, 1000);
    let limited: usize = redis::cmd("SINTERCARD")
        .arg(2)
        .arg("a")
        .arg("b")
        .arg("LIMIT")
        .arg(7)
        .query(&mut con)
        .unwrap();
    assert_eq!(limited, 7);

    let stored: usize = con.sinterstore("i", &["a", "b"]).unwrap();
    assert_eq!(stored, 1000);
    assert_eq!(encoding(&mut con, "i"), "hashtable");
    let stored: usize = con.sunionstore("u", &["a", "c"]).unwrap();
    assert_eq!(stored, 3500);
    let stored: usize = con.sdiffstore("d", &["b", "a"]).unwrap();
    assert_eq!(stored, 2000);
    let d: HashSet<String> = con.smembers("d").unwrap();
    assert_eq!(d, sb.difference(&sa).cloned().collect());
}

#[test]
fn concurrent_smoves_conserve_members() {
    const CLIENTS: usize = 4;
    const MOVES: usize = 300;
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let all = members("v", 0, 200);
    let _: usize = con.sadd("left", &all).unwrap();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let port = server.port();
            let all = all.clone();
            thread::spawn(move || {
                let mut con = common::redis_connection(port).unwrap();
                for i in 0..MOVES {
                    let member = &all[(client * 37 + i * 11) % all.len()];
                    let (from, to) = if i % 2 == 0 {
                        ("left", "right")
                    } else {
                        ("right", "left")
                    };
                    let _: i64 = con.smove(from, to, member).unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let left: HashSet<String> = con.smembers("left").unwrap();
    let right: HashSet<String> = con.smembers("right").unwrap();
    assert!(left.is_disjoint(&right));
    assert_eq!(left.len() + right.len(), all.len());
}

/// Valkey's "SRANDMEMBER histogram distribution" and SPOP checks, on a hashtable, where picks
/// probe random buckets. 199 degrees of freedom: mean 199, standard deviation 20; the bound
/// allows six of them.
#[test]
fn random_picks_on_a_hashtable_are_uniform() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let all = members("u", 0, 200);
    let _: usize = con.sadd("s", &all).unwrap();
    assert_eq!(encoding(&mut con, "s"), "hashtable");
    let universe: HashSet<&String> = all.iter().collect();
    let bound = 320.0;

    let repeated: Vec<String> = redis::cmd("SRANDMEMBER")
        .arg("s")
        .arg(-40_000)
        .query(&mut con)
        .unwrap();
    assert!(repeated.iter().all(|m| universe.contains(m)));
    let statistic = common::chi_square(&repeated, 200);
    assert!(
        statistic < bound,
        "SRANDMEMBER -count: chi-square {statistic}"
    );

    let mut pipe = redis::pipe();
    for _ in 0..20_000 {
        pipe.cmd("SRANDMEMBER").arg("s");
    }
    let singles: Vec<String> = pipe.query(&mut con).unwrap();
    let statistic = common::chi_square(&singles, 200);
    assert!(statistic < bound, "SRANDMEMBER: chi-square {statistic}");

    // Distinct picks of a small share of the set (the path that drops repeats).
    let mut pipe = redis::pipe();
    for _ in 0..2_000 {
        pipe.cmd("SRANDMEMBER").arg("s").arg(20);
    }
    let samples: Vec<Vec<String>> = pipe.query(&mut con).unwrap();
    for sample in &samples {
        assert_eq!(sample.iter().collect::<HashSet<_>>().len(), 20, "distinct");
    }
    let statistic = common::chi_square(samples.iter().flatten(), 200);
    assert!(
        statistic < bound,
        "SRANDMEMBER count: chi-square {statistic}"
    );

    // SPOP, putting each popped member back.
    let mut popped = Vec::new();
    for _ in 0..4_000 {
        let member: String = con.spop("s").unwrap();
        let _: usize = con.sadd("s", &member).unwrap();
        popped.push(member);
    }
    let statistic = common::chi_square(&popped, 200);
    assert!(statistic < bound, "SPOP: chi-square {statistic}");
    assert_eq!(con.scard::<_, usize>("s").unwrap(), 200);
}

/// Random picks cost O(1) on a hashtable whatever its size, also after most members are gone.
/// Walking to a random position instead takes about a second per 1000 picks at this size.
#[test]
fn random_picks_on_a_large_hashtable_are_fast() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let len = 500_000;
    for from in (0..len).step_by(10_000) {
        let _: usize = con
            .sadd("big", members("member:", from, from + 10_000))
            .unwrap();
    }
    let timed = |con: &mut redis::Connection, cmd: &redis::Cmd| {
        let mut pipe = redis::pipe();
        for _ in 0..10_000 {
            pipe.add_command(cmd.clone());
        }
        let started = Instant::now();
        let _: redis::Value = pipe.query(con).unwrap();
        started.elapsed()
    };
    let mut single = redis::cmd("SRANDMEMBER");
    single.arg("big");
    let mut distinct = redis::cmd("SRANDMEMBER");
    distinct.arg("big").arg(5);
    let mut repeated = redis::cmd("SRANDMEMBER");
    repeated.arg("big").arg(-5);
    for cmd in [&single, &distinct, &repeated] {
        let elapsed = timed(&mut con, cmd);
        assert!(elapsed.as_secs_f64() < 2.0, "10000 picks took {elapsed:?}");
    }
    // Remove all but one member in 32: the table shrinks, so picks stay O(1).
    for from in (0..len).step_by(10_000) {
        let gone: Vec<String> = (from..from + 10_000)
            .filter(|i| i % 32 != 0)
            .map(|i| format!("member:{i}"))
            .collect();
        let _: usize = con.srem("big", gone).unwrap();
    }
    let elapsed = timed(&mut con, &single);
    assert!(elapsed.as_secs_f64() < 2.0, "10000 picks took {elapsed:?}");
    let mut pop = redis::cmd("SPOP");
    pop.arg("big");
    let elapsed = timed(&mut con, &pop);
    assert!(elapsed.as_secs_f64() < 2.0, "10000 pops took {elapsed:?}");
    assert_eq!(con.scard::<_, usize>("big").unwrap(), len / 32 - 10_000);
}
