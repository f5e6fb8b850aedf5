//! Integration tests of the keyspace as clients see it: expiry (lazy and active), SCAN's
//! guarantee under concurrent writes, isolation of multi-key commands across shards, lock
//! ordering under contention, pipelining and the connection-level behaviours.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{RespConn, ServerProcess};
use redis::Commands;

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

/// Polls `check` until it holds or `timeout` passes.
fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    check()
}

#[test]
fn string_commands_round_trip() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = con.set("k", "v").unwrap();
    assert_eq!(con.get::<_, String>("k").unwrap(), "v");
    assert_eq!(con.append::<_, _, i64>("k", "w").unwrap(), 2);
    assert_eq!(con.incr::<_, _, i64>("n", 5).unwrap(), 5);
    assert_eq!(con.decr::<_, _, i64>("n", 7).unwrap(), -2);
    let floats: String = redis::cmd("INCRBYFLOAT")
        .arg("f")
        .arg("0.1")
        .query(&mut con)
        .unwrap();
    assert_eq!(floats, "0.1");
    let floats: String = redis::cmd("INCRBYFLOAT")
        .arg("f")
        .arg("0.2")
        .query(&mut con)
        .unwrap();
    assert_eq!(floats, "0.3");
    let err = redis::cmd("INCR")
        .arg("k")
        .query::<i64>(&mut con)
        .unwrap_err();
    assert!(err.to_string().contains("not an integer"), "{err}");
    let _: () = redis::cmd("SET")
        .arg("max")
        .arg(i64::MAX)
        .query(&mut con)
        .unwrap();
    let err = redis::cmd("INCR")
        .arg("max")
        .query::<i64>(&mut con)
        .unwrap_err();
    assert!(err.to_string().contains("overflow"), "{err}");
    let values: Vec<Option<String>> = con.mget(&["k", "missing", "n"]).unwrap();
    assert_eq!(values, vec![Some("vw".into()), None, Some("-2".into())]);
    assert_eq!(con.strlen::<_, i64>("k").unwrap(), 2);
    assert_eq!(con.setrange::<_, _, i64>("k", 4, "z").unwrap(), 5);
    assert_eq!(con.get::<_, Vec<u8>>("k").unwrap(), b"vw\0\0z");
    assert_eq!(con.getrange::<_, String>("k", -1, -1).unwrap(), "z");
}

#[test]
fn encodings_follow_valkey() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let encoding = |con: &mut redis::Connection, key: &str| -> String {
        redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(key)
            .query(con)
            .unwrap()
    };
    let _: () = con.set("i", "12345").unwrap();
    assert_eq!(encoding(&mut con, "i"), "int");
    let _: () = con.set("e", "a".repeat(40)).unwrap();
    assert_eq!(encoding(&mut con, "e"), "embstr");
    let _: () = con.set("r", "a".repeat(41)).unwrap();
    assert_eq!(encoding(&mut con, "r"), "raw");
    let _: () = con.set("a", "x").unwrap();
    let _: i64 = con.append("a", "y").unwrap();
    assert_eq!(encoding(&mut con, "a"), "raw");
}

#[test]
fn lazy_expiry_hides_and_deletes_keys() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = redis::cmd("DEBUG")
        .arg("SET-ACTIVE-EXPIRE")
        .arg(0)
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("PX")
        .arg(30)
        .query(&mut con)
        .unwrap();
    assert!(con.pttl::<_, i64>("k").unwrap() > 0);
    thread::sleep(Duration::from_millis(60));
    // With active expiry off the key is still stored until something touches it.
    assert_eq!(con.get::<_, Option<String>>("k").unwrap(), None);
    assert_eq!(con.exists::<_, i64>("k").unwrap(), 0);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
}

#[test]
fn active_expiry_frees_keys_nobody_reads() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let mut pipe = redis::pipe();
    for i in 0..2000 {
        pipe.cmd("SET")
            .arg(format!("vol:{i}"))
            .arg("x")
            .arg("PX")
            .arg(50)
            .ignore();
    }
    for i in 0..100 {
        pipe.cmd("SET").arg(format!("keep:{i}")).arg("x").ignore();
    }
    let _: () = pipe.query(&mut con).unwrap();
    // DBSIZE never expires keys itself, so only the active cycle can bring it down.
    let freed = wait_until(Duration::from_secs(10), || {
        redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap() == 100
    });
    assert!(freed, "active expiry did not free the volatile keys");
    let expired: String = redis::cmd("INFO")
        .arg("stats")
        .query(&mut con)
        .unwrap_or_default();
    assert!(
        expired.is_empty() || expired.contains("expired_keys:2000"),
        "{expired}"
    );
}

#[test]
fn expire_options_and_ttl() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = con.set("k", "v").unwrap();
    let q = |con: &mut redis::Connection, args: &[&str]| -> i64 {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(con).unwrap()
    };
    assert_eq!(q(&mut con, &["EXPIRE", "k", "100", "XX"]), 0);
    assert_eq!(q(&mut con, &["EXPIRE", "k", "100", "NX"]), 1);
    assert_eq!(q(&mut con, &["EXPIRE", "k", "50", "GT"]), 0);
    assert_eq!(q(&mut con, &["EXPIRE", "k", "200", "GT"]), 1);
    assert_eq!(q(&mut con, &["EXPIRE", "k", "300", "LT"]), 0);
    let ttl = q(&mut con, &["TTL", "k"]);
    assert!((199..=200).contains(&ttl), "{ttl}");
    assert_eq!(q(&mut con, &["PERSIST", "k"]), 1);
    assert_eq!(q(&mut con, &["TTL", "k"]), -1);
    assert_eq!(q(&mut con, &["TTL", "missing"]), -2);
    assert_eq!(q(&mut con, &["EXPIREAT", "k", "1"]), 1);
    assert_eq!(q(&mut con, &["EXISTS", "k"]), 0);
    let _: () = con.set("k", "v").unwrap();
    assert_eq!(q(&mut con, &["PEXPIREAT", "k", "99999999999999"]), 1);
    assert_eq!(q(&mut con, &["PEXPIRETIME", "k"]), 99999999999999);
    assert_eq!(q(&mut con, &["EXPIRETIME", "k"]), 100000000000);
}

#[test]
fn scan_returns_every_stable_key_while_others_churn() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let mut pipe = redis::pipe();
    for i in 0..3000 {
        pipe.cmd("SET").arg(format!("stable:{i}")).arg(i).ignore();
    }
    let _: () = pipe.query(&mut con).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let churner = {
        let stop = stop.clone();
        let mut con = server.redis_connection().unwrap();
        thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut pipe = redis::pipe();
                for i in 0..500 {
                    pipe.cmd("SET")
                        .arg(format!("churn:{round}:{i}"))
                        .arg(1)
                        .ignore();
                }
                if round >= 2 {
                    for i in 0..500 {
                        pipe.cmd("DEL")
                            .arg(format!("churn:{}:{i}", round - 2))
                            .ignore();
                    }
                }
                let _: () = pipe.query(&mut con).unwrap();
                round += 1;
            }
        })
    };
    let mut seen = HashSet::new();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(20)
            .query(&mut con)
            .unwrap();
        seen.extend(keys);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    churner.join().unwrap();
    for i in 0..3000 {
        assert!(
            seen.contains(&format!("stable:{i}")),
            "SCAN missed stable:{i}"
        );
    }
}

#[test]
fn mset_is_isolated_across_shards() {
    let server = start();
    let keys: Vec<String> = (0..16).map(|i| format!("iso:{i}")).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let keys = keys.clone();
        let mut con = server.redis_connection().unwrap();
        thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let pairs: Vec<(String, u64)> = keys.iter().map(|k| (k.clone(), n)).collect();
                let _: () = con.mset(&pairs).unwrap();
                n += 1;
            }
        })
    };
    let mut con = server.redis_connection().unwrap();
    for _ in 0..500 {
        let values: Vec<Option<u64>> = con.mget(&keys).unwrap();
        let first = values[0];
        assert!(
            values.iter().all(|v| *v == first),
            "torn MSET observed: {values:?}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
}

#[test]
fn opposite_renames_do_not_deadlock() {
    let server = start();
    let mut setup = server.redis_connection().unwrap();
    let _: () = setup.set("a", "1").unwrap();
    let _: () = setup.set("b", "2").unwrap();
    let workers: Vec<_> = [("a", "b"), ("b", "a")]
        .into_iter()
        .map(|(from, to)| {
            let mut con = server.redis_connection().unwrap();
            thread::spawn(move || {
                for _ in 0..2000 {
                    // Either key may be missing at a given moment; only a hang is a failure.
                    let _: redis::RedisResult<()> =
                        redis::cmd("RENAME").arg(from).arg(to).query(&mut con);
                    let _: redis::RedisResult<i64> =
                        redis::cmd("COPY").arg(to).arg(from).query(&mut con);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert!(setup.exists::<_, i64>(&["a", "b"]).unwrap() >= 1);
}

#[test]
fn pipelined_commands_reply_in_order() {
    let server = start();
    let mut conn = RespConn::connect(server.port()).unwrap();
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend(common::encode_command(&[
            "SET",
            &format!("p{i}"),
            &i.to_string(),
        ]));
        batch.extend(common::encode_command(&["GET", &format!("p{i}")]));
    }
    conn.send_raw(&batch).unwrap();
    for i in 0..1000 {
        assert_eq!(conn.read_reply().to_bytes(), b"+OK\r\n");
        let v = i.to_string();
        assert_eq!(
            conn.read_reply().to_bytes(),
            format!("${}\r\n{v}\r\n", v.len()).into_bytes()
        );
    }
}

#[test]
fn protocol_error_closes_only_that_connection() {
    let server = start();
    let mut bad = RespConn::connect(server.port()).unwrap();
    let mut good = RespConn::connect(server.port()).unwrap();
    bad.send_raw(b"*1\r\n$x\r\n").unwrap();
    assert_eq!(
        bad.read_reply().to_bytes(),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    assert!(!bad.read_reply().connection_alive());
    good.send_command(&["PING"]).unwrap();
    assert_eq!(good.read_reply().to_bytes(), b"+PONG\r\n");
}

#[test]
fn inline_commands_with_quotes() {
    let server = start();
    let mut conn = RespConn::connect(server.port()).unwrap();
    conn.send_raw(b"SET \"a b\" 'c d'\r\nGET \"a b\"\r\n")
        .unwrap();
    assert_eq!(conn.read_reply().to_bytes(), b"+OK\r\n");
    assert_eq!(conn.read_reply().to_bytes(), b"$3\r\nc d\r\n");
}

#[test]
fn select_swapdb_move_copy() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = con.set("k", "v0").unwrap();
    let moved: i64 = redis::cmd("MOVE").arg("k").arg(1).query(&mut con).unwrap();
    assert_eq!(moved, 1);
    assert_eq!(con.exists::<_, i64>("k").unwrap(), 0);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    assert_eq!(con.get::<_, String>("k").unwrap(), "v0");
    let copied: i64 = redis::cmd("COPY")
        .arg("k")
        .arg("k")
        .arg("DB")
        .arg(2)
        .query(&mut con)
        .unwrap();
    assert_eq!(copied, 1);
    let _: () = redis::cmd("SWAPDB").arg(1).arg(3).query(&mut con).unwrap();
    assert_eq!(con.exists::<_, i64>("k").unwrap(), 0);
    let _: () = redis::cmd("SELECT").arg(3).query(&mut con).unwrap();
    assert_eq!(con.get::<_, String>("k").unwrap(), "v0");
}

#[test]
fn keys_and_randomkey_skip_expired() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = redis::cmd("DEBUG")
        .arg("SET-ACTIVE-EXPIRE")
        .arg(0)
        .query(&mut con)
        .unwrap();
    let _: () = con.set("live", "1").unwrap();
    let _: () = redis::cmd("SET")
        .arg("dead")
        .arg("1")
        .arg("PX")
        .arg(1)
        .query(&mut con)
        .unwrap();
    thread::sleep(Duration::from_millis(20));
    let keys: Vec<String> = con.keys("*").unwrap();
    assert_eq!(keys, vec!["live".to_string()]);
    for _ in 0..20 {
        let k: String = redis::cmd("RANDOMKEY").query(&mut con).unwrap();
        assert_eq!(k, "live");
    }
}

#[test]
fn flushall_async_empties_every_db() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let _: () = redis::cmd("DEBUG")
        .arg("POPULATE")
        .arg(100_000)
        .query(&mut con)
        .unwrap_or(());
    let _: () = con.set("x", "1").unwrap();
    let _: () = redis::cmd("FLUSHALL").arg("ASYNC").query(&mut con).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
}

#[test]
fn sigterm_stops_the_server() {
    let mut server = start();
    let pid = server.pid();
    // SAFETY-free: kill(1) via the command line avoids unsafe libc calls in tests.
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    assert!(status.unwrap().success());
    assert!(
        wait_until(Duration::from_secs(5), || !server.is_running()),
        "server still running"
    );
}
