//! maxmemory under real load: an evicting policy keeps memory near the limit while writes go
//! on, evictions raise `evicted` and invalidate WATCH and client-side caches, and volatile
//! policies spare keys without an expiry. The reply shapes and OOM errors are in
//! tests/corpus/maxmemory.txt.

mod common;

use common::{cmd, send, ReadOutcome, RespConn, ServerProcess};

fn info_field(conn: &mut RespConn, field: &str) -> u64 {
    let info = String::from_utf8(cmd(conn, "INFO all")).unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in INFO"))
}

#[test]
fn allkeys_lru_holds_memory_near_the_limit_while_writes_continue() {
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    let mut conn = server.connect().unwrap();
    let baseline = info_field(&mut conn, "used_memory");
    let limit = baseline + 4 * 1024 * 1024;
    cmd(&mut conn, "CONFIG SET maxmemory-policy allkeys-lru");
    cmd(&mut conn, &format!("CONFIG SET maxmemory {limit}"));
    let value = "v".repeat(200);
    let total = 60_000;
    for batch in 0..total / 1000 {
        for i in 0..1000 {
            send(&mut conn, &format!("SET key:{batch}:{i} {value}"));
        }
        for _ in 0..1000 {
            assert_eq!(conn.read_reply().to_bytes(), b"+OK\r\n");
        }
    }
    let used = info_field(&mut conn, "used_memory");
    // Every command may evict first: lift the limit so the counts below agree.
    cmd(&mut conn, "CONFIG SET maxmemory 0");
    let evicted = info_field(&mut conn, "evicted_keys");
    let keys = String::from_utf8(cmd(&mut conn, "DBSIZE")).unwrap();
    let keys: u64 = keys.trim_start_matches(':').trim().parse().unwrap();
    // About 60,000 x 200 B would be over 12 MB: most keys had to go.
    assert!(evicted > 10_000, "evicted {evicted}");
    assert_eq!(keys + evicted, total as u64);
    // Within the limit give or take what allocator caches hold.
    assert!(
        used <= limit + 1024 * 1024,
        "used {used} over limit {limit}"
    );
}

#[test]
fn evictions_raise_evicted_and_fail_watch() {
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    let (mut conn, mut watcher, mut sub) = (
        server.connect().unwrap(),
        server.connect().unwrap(),
        server.connect().unwrap(),
    );
    cmd(&mut conn, "CONFIG SET notify-keyspace-events Ee");
    cmd(&mut sub, "SUBSCRIBE __keyevent@0__:evicted");
    for key in ["a", "b", "c"] {
        cmd(&mut conn, &format!("SET {key} 1"));
    }
    assert_eq!(cmd(&mut watcher, "WATCH a"), b"+OK\r\n");
    let mut tracker = server.connect().unwrap();
    assert!(cmd(&mut tracker, "HELLO 3").starts_with(b"%"));
    assert_eq!(cmd(&mut tracker, "CLIENT TRACKING ON"), b"+OK\r\n");
    assert_eq!(cmd(&mut tracker, "GET b"), b"$1\r\n1\r\n");
    cmd(&mut conn, "CONFIG SET maxmemory-policy allkeys-random");
    // Without a time limit: one eviction pass must go through every key, however busy the
    // machine (past its budget a pass stops and lets the command run, as Valkey's does).
    cmd(&mut conn, "CONFIG SET maxmemory-eviction-tenacity 100");
    cmd(&mut conn, "CONFIG SET maxmemory 1");
    // Everything is evicted, and memory is still over: the write is refused.
    assert!(cmd(&mut conn, "SET d 1").starts_with(b"-OOM "));
    cmd(&mut conn, "CONFIG SET maxmemory 0");
    assert_eq!(cmd(&mut conn, "DBSIZE"), b":0\r\n");
    let mut evicted = Vec::new();
    for _ in 0..3 {
        match sub.read_reply() {
            ReadOutcome::Frame(frame) => evicted.push(String::from_utf8(frame).unwrap()),
            other => panic!("no evicted message: {other:?}"),
        }
    }
    evicted.sort();
    let expected: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|k| format!("*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$1\r\n{k}\r\n"))
        .collect();
    assert_eq!(evicted, expected);
    // The tracker's cached `b` is invalidated.
    assert_eq!(
        tracker.read_reply().to_bytes(),
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nb\r\n"
    );
    assert_eq!(cmd(&mut watcher, "MULTI"), b"+OK\r\n");
    cmd(&mut watcher, "SET a 2");
    assert_eq!(cmd(&mut watcher, "EXEC"), b"*-1\r\n");
}

#[test]
fn volatile_policies_spare_keys_without_expiry() {
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    let mut conn = server.connect().unwrap();
    for i in 0..100 {
        cmd(&mut conn, &format!("SET keep:{i} 1"));
        cmd(&mut conn, &format!("SET temp:{i} 1 EX 1000"));
    }
    cmd(&mut conn, "CONFIG SET maxmemory-policy volatile-ttl");
    cmd(&mut conn, "CONFIG SET maxmemory-eviction-tenacity 100");
    cmd(&mut conn, "CONFIG SET maxmemory 1");
    assert!(cmd(&mut conn, "SET x 1").starts_with(b"-OOM "));
    cmd(&mut conn, "CONFIG SET maxmemory 0");
    assert_eq!(cmd(&mut conn, "DBSIZE"), b":100\r\n");
    assert_eq!(info_field(&mut conn, "evicted_keys"), 100);
}
