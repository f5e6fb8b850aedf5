//! Integration tests over TCP of the keyspace events the list, blocking, set, hash and
//! sorted-set families raise, for what the differential corpus (`tests/corpus/notify_types.txt`)
//! cannot check against Valkey 8.1: the hash field-expiry commands, which come from Valkey 9.0;
//! fields reclaimed by expiry (`hexpired`, when a write overwrites a field whose time passed and
//! when the active cycle reclaims it); events in other databases; moves between keys that live
//! in different shards; and blocked clients served later, including one that subscribes to its
//! own events.
//!
//! There is no Valkey 9 server to compare with, so the expected field-expiry events are those of
//! Valkey 9.0.5's source (`t_hash.c`: `hexpireGenericCommand`, `hpersistCommand`,
//! `hgetexCommand`, `hsetexCommand`, and `hashTypeSet`'s `expired_overwritten` in HSET, HSETNX,
//! HINCRBY and HINCRBYFLOAT; `db.c`'s `dbReclaimExpiredFields` for the active cycle) and of its
//! test suite (`tests/unit/hashexpire.tcl`); HGETDEL's are Valkey 9.1's (`hdel`, then `del`).
//! Everything else was checked on Valkey 8.1.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, send, RespConn, ServerProcess};

fn start(extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    ServerProcess::start_ferrokey(&args).expect("server starts")
}

fn conn(server: &ServerProcess) -> RespConn {
    server.connect().expect("connect")
}

/// Splits a RESP2 array of bulk strings and integers (a pmessage, a subscription confirmation)
/// into its elements, integers as their text.
fn bulks(frame: &[u8]) -> Vec<Vec<u8>> {
    fn line<'a>(bytes: &'a [u8], pos: &mut usize) -> &'a [u8] {
        let start = *pos;
        while &bytes[*pos..*pos + 2] != b"\r\n" {
            *pos += 1;
        }
        let text = &bytes[start..*pos];
        *pos += 2;
        text
    }
    let mut pos = 0;
    let head = line(frame, &mut pos);
    assert_eq!(
        head[0],
        b'*',
        "not an array: {}",
        String::from_utf8_lossy(frame)
    );
    let count: usize = std::str::from_utf8(&head[1..]).unwrap().parse().unwrap();
    (0..count)
        .map(|_| {
            let head = line(frame, &mut pos);
            if head[0] == b':' {
                return head[1..].to_vec();
            }
            assert_eq!(head[0], b'$');
            let len: usize = std::str::from_utf8(&head[1..]).unwrap().parse().unwrap();
            let item = frame[pos..pos + len].to_vec();
            pos += len + 2;
            item
        })
        .collect()
}

/// A RESP2 connection pattern-subscribed to every keyspace and keyevent channel.
struct Subscriber(RespConn);

impl Subscriber {
    fn new(server: &ServerProcess, pattern: &str) -> Subscriber {
        let mut sub = conn(server);
        sub.send_command(&["PSUBSCRIBE", pattern]).unwrap();
        let confirmation = bulks_or_reply(&mut sub);
        assert_eq!(
            confirmation.first().map(Vec::as_slice),
            Some(&b"psubscribe"[..])
        );
        Subscriber(sub)
    }

    /// The next `n` messages, each as `channel message`.
    fn next(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let parts = bulks_or_reply(&mut self.0);
                assert_eq!(parts[0], b"pmessage", "not a pmessage: {parts:?}");
                format!(
                    "{} {}",
                    String::from_utf8_lossy(&parts[2]),
                    String::from_utf8_lossy(&parts[3])
                )
            })
            .collect()
    }

    /// Asserts the next messages are exactly `expected` (`channel message` each).
    fn expect(&mut self, expected: &[&str]) {
        assert_eq!(self.next(expected.len()), expected);
    }
}

fn bulks_or_reply(conn: &mut RespConn) -> Vec<Vec<u8>> {
    match conn.read_reply() {
        common::ReadOutcome::Frame(frame) => bulks(&frame),
        other => panic!("no message: {}", common::escape_bytes(&other.to_bytes())),
    }
}

/// Keyevent messages (`__keyevent@<db>__:<event> <key>`) in db 0, as the subscriber shows them.
fn ev(pairs: &[&str]) -> Vec<String> {
    pairs
        .iter()
        .map(|pair| {
            let (event, key) = pair.split_once(' ').unwrap();
            format!("__keyevent@0__:{event} {key}")
        })
        .collect()
}

/// Runs `line` on `c` and asserts the keyevent messages (db 0) that follow, then that nothing
/// else was raised: a sentinel write's event must come next.
fn check(c: &mut RespConn, sub: &mut Subscriber, line: &str, events: &[&str]) {
    cmd(c, line);
    let expected = ev(events);
    let got = sub.next(expected.len());
    assert_eq!(got, expected, "events of {line}");
    cmd(c, "RPUSH sentinel x");
    assert_eq!(
        sub.next(1),
        ev(&["rpush sentinel"]),
        "stray event after {line}"
    );
}

fn start_with_events(flags: &str, extra: &[&str]) -> (ServerProcess, RespConn, Subscriber) {
    let server = start(extra);
    let mut c = conn(&server);
    assert_eq!(
        cmd(
            &mut c,
            &format!("CONFIG SET notify-keyspace-events {flags}")
        ),
        b"+OK\r\n"
    );
    let sub = Subscriber::new(&server, "__keyevent@*__:*");
    (server, c, sub)
}

#[test]
fn field_expiry_commands_raise_their_events() {
    let (_server, mut c, mut sub) = start_with_events("KEA", &[]);
    check(&mut c, &mut sub, "HSET h a 1 b 2 c 3", &["hset h"]);
    check(&mut c, &mut sub, "HEXPIRE h 100 FIELDS 1 a", &["hexpire h"]);
    check(
        &mut c,
        &mut sub,
        "HPEXPIRE h 100000 FIELDS 2 a b",
        &["hexpire h"],
    );
    // Nothing set: a missing field, a condition not met, a missing key.
    check(&mut c, &mut sub, "HEXPIRE h 100 FIELDS 1 nofield", &[]);
    check(&mut c, &mut sub, "HEXPIRE h 100 NX FIELDS 1 a", &[]);
    check(
        &mut c,
        &mut sub,
        "HEXPIREAT nokey 9999999999 FIELDS 1 a",
        &[],
    );
    check(
        &mut c,
        &mut sub,
        "HPEXPIREAT h 99999999999999 FIELDS 1 c",
        &["hexpire h"],
    );
    // A time in the past deletes: `hexpired`, not `hexpire`.
    check(
        &mut c,
        &mut sub,
        "HEXPIREAT h 1 FIELDS 1 a",
        &["hexpired h"],
    );
    check(&mut c, &mut sub, "HSET h a 1", &["hset h"]);
    check(&mut c, &mut sub, "HSET h d 4", &["hset h"]);
    check(
        &mut c,
        &mut sub,
        "HPERSIST h FIELDS 2 b nofield",
        &["hpersist h"],
    );
    check(&mut c, &mut sub, "HPERSIST h FIELDS 2 b nofield", &[]);
    check(&mut c, &mut sub, "HPERSIST nokey FIELDS 1 b", &[]);
    // HGETEX: one event for the fields it changed.
    check(
        &mut c,
        &mut sub,
        "HGETEX h EX 100 FIELDS 3 a b nofield",
        &["hexpire h"],
    );
    check(
        &mut c,
        &mut sub,
        "HGETEX h PERSIST FIELDS 2 a b",
        &["hpersist h"],
    );
    check(&mut c, &mut sub, "HGETEX h PERSIST FIELDS 1 a", &[]);
    check(&mut c, &mut sub, "HGETEX h FIELDS 1 a", &[]);
    check(&mut c, &mut sub, "HGETEX h EX 100 FIELDS 1 nofield", &[]);
    check(
        &mut c,
        &mut sub,
        "HGETEX h PX 0 FIELDS 2 a nofield",
        &["hexpired h"],
    );
    check(
        &mut c,
        &mut sub,
        "HEXPIRE h 0 FIELDS 2 b nofield",
        &["hexpired h"],
    );
    check(
        &mut c,
        &mut sub,
        "HGETDEL h FIELDS 2 nofield c",
        &["hdel h"],
    );
    check(&mut c, &mut sub, "HGETDEL h FIELDS 1 nofield", &[]);
    check(
        &mut c,
        &mut sub,
        "HGETDEL h FIELDS 2 d nofield",
        &["hdel h", "del h"],
    );
    check(&mut c, &mut sub, "HGETDEL h FIELDS 1 d", &[]);
    // Emptied by a time in the past: `hexpired`, then `del`.
    check(&mut c, &mut sub, "HSET h2 a 1 b 2", &["hset h2"]);
    check(
        &mut c,
        &mut sub,
        "HPEXPIRE h2 0 FIELDS 2 a b",
        &["hexpired h2", "del h2"],
    );
    check(&mut c, &mut sub, "HSET h2 a 1", &["hset h2"]);
    check(
        &mut c,
        &mut sub,
        "HGETEX h2 EXAT 1 FIELDS 1 a",
        &["hexpired h2", "del h2"],
    );
    // Wrong type: nothing.
    c.command(&["CONFIG", "SET", "notify-keyspace-events", ""])
        .unwrap();
    cmd(&mut c, "SET str text");
    cmd(&mut c, "CONFIG SET notify-keyspace-events KEA");
    for line in [
        "HEXPIRE str 10 FIELDS 1 a",
        "HPERSIST str FIELDS 1 a",
        "HGETEX str EX 10 FIELDS 1 a",
        "HSETEX str EX 10 FIELDS 1 a 1",
        "HGETDEL str FIELDS 1 a",
    ] {
        check(&mut c, &mut sub, line, &[]);
    }
}

#[test]
fn hsetex_raises_hset_then_hexpire_then_hexpired_and_del() {
    let (_server, mut c, mut sub) = start_with_events("KEA", &[]);
    check(&mut c, &mut sub, "HSETEX h FIELDS 2 a 1 b 2", &["hset h"]);
    check(
        &mut c,
        &mut sub,
        "HSETEX h EX 100 FIELDS 1 a 1",
        &["hset h", "hexpire h"],
    );
    check(
        &mut c,
        &mut sub,
        "HSETEX h KEEPTTL FIELDS 1 a 2",
        &["hset h"],
    );
    check(&mut c, &mut sub, "HSETEX h FNX EX 100 FIELDS 1 a 3", &[]);
    check(&mut c, &mut sub, "HSETEX h FXX FIELDS 1 nofield 3", &[]);
    check(
        &mut c,
        &mut sub,
        "HSETEX h FXX PX 5000 FIELDS 1 b 3",
        &["hset h", "hexpire h"],
    );
    // A time in the past deletes the fields; the events still name the set and the time.
    check(
        &mut c,
        &mut sub,
        "HSETEX h EXAT 1 FIELDS 1 nofield 1",
        &["hset h", "hexpire h", "hexpired h"],
    );
    check(
        &mut c,
        &mut sub,
        "HSETEX h PX 0 FIELDS 2 a 1 b 2",
        &["hset h", "hexpire h", "hexpired h", "del h"],
    );
    // On a missing key Valkey creates the hash first and deletes it at the end.
    cmd(&mut c, "CONFIG SET notify-keyspace-events KEAn");
    check(
        &mut c,
        &mut sub,
        "HSETEX h EX 0 FIELDS 1 a 1",
        &["new h", "hset h", "hexpire h", "hexpired h", "del h"],
    );
    check(
        &mut c,
        &mut sub,
        "HSETEX h2 FNX PX 100000 FIELDS 1 a 1",
        &["new h2", "hset h2", "hexpire h2"],
    );
    check(&mut c, &mut sub, "HSETEX h3 FXX FIELDS 1 a 1", &[]);
    assert_eq!(cmd(&mut c, "EXISTS h h3"), b":0\r\n");
}

#[test]
fn overwriting_a_field_whose_time_passed_raises_hexpired_first() {
    let (_server, mut c, mut sub) = start_with_events("KEA", &[]);
    // The active cycle would reclaim the fields before the writes reach them.
    assert_eq!(cmd(&mut c, "DEBUG SET-ACTIVE-EXPIRE 0"), b"+OK\r\n");
    check(
        &mut c,
        &mut sub,
        "HSETEX h PX 1 FIELDS 6 a 1 b 2 c 3 d 4 e 5 f 6",
        &["hset h", "hexpire h"],
    );
    thread::sleep(Duration::from_millis(20));
    // One `hexpired` however many expired fields the write overwrote.
    check(
        &mut c,
        &mut sub,
        "HSET h a 1 b 2 new 0",
        &["hexpired h", "hset h"],
    );
    check(&mut c, &mut sub, "HSET h a 1", &["hset h"]);
    check(&mut c, &mut sub, "HSETNX h c 3", &["hexpired h", "hset h"]);
    check(
        &mut c,
        &mut sub,
        "HINCRBY h d 1",
        &["hexpired h", "hincrby h"],
    );
    check(
        &mut c,
        &mut sub,
        "HINCRBYFLOAT h e 1.5",
        &["hexpired h", "hincrbyfloat h"],
    );
    check(
        &mut c,
        &mut sub,
        "HSETEX h KEEPTTL FIELDS 1 f 6",
        &["hexpired h", "hset h"],
    );
    // Reading an expired field changes nothing.
    check(
        &mut c,
        &mut sub,
        "HSETEX h PX 1 FIELDS 1 g 7",
        &["hset h", "hexpire h"],
    );
    thread::sleep(Duration::from_millis(20));
    check(&mut c, &mut sub, "HGET h g", &[]);
    check(&mut c, &mut sub, "HGETALL h", &[]);
    assert_eq!(cmd(&mut c, "DEBUG SET-ACTIVE-EXPIRE 1"), b"+OK\r\n");
}

/// Reads the next message, waiting up to `limit` for the active cycle to raise it.
fn next_within(sub: &mut Subscriber, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        match sub.0.read_reply() {
            common::ReadOutcome::Frame(frame) => {
                let parts = bulks(&frame);
                return format!(
                    "{} {}",
                    String::from_utf8_lossy(&parts[2]),
                    String::from_utf8_lossy(&parts[3])
                );
            }
            common::ReadOutcome::TimedOut { partial } if partial.is_empty() => {
                assert!(Instant::now() < deadline, "no event within {limit:?}");
            }
            other => panic!("no message: {}", common::escape_bytes(&other.to_bytes())),
        }
    }
}

#[test]
fn the_active_cycle_raises_hexpired_per_hash_and_del_for_an_emptied_one() {
    let (server, mut c, mut sub) = start_with_events("KEA", &["--hz", "100"]);
    check(&mut c, &mut sub, "HSET keep a 1 b 2 c 3", &["hset keep"]);
    check(
        &mut c,
        &mut sub,
        "HPEXPIRE keep 30 FIELDS 2 a b",
        &["hexpire keep"],
    );
    let limit = Duration::from_secs(10);
    assert_eq!(next_within(&mut sub, limit), "__keyevent@0__:hexpired keep");
    assert_eq!(cmd(&mut c, "HLEN keep"), b":1\r\n");
    check(&mut c, &mut sub, "HSET gone a 1 b 2", &["hset gone"]);
    check(
        &mut c,
        &mut sub,
        "HPEXPIRE gone 30 FIELDS 2 a b",
        &["hexpire gone"],
    );
    assert_eq!(next_within(&mut sub, limit), "__keyevent@0__:hexpired gone");
    assert_eq!(next_within(&mut sub, limit), "__keyevent@0__:del gone");
    assert_eq!(cmd(&mut c, "EXISTS gone"), b":0\r\n");
    // Keyspace channels carry the same events, and only the hash class and `g` are needed.
    cmd(&mut c, "CONFIG SET notify-keyspace-events Kh");
    let mut keyspace = Subscriber::new(&server, "__keyspace@*__:*");
    cmd(&mut c, "HSET k a 1");
    assert_eq!(next_within(&mut keyspace, limit), "__keyspace@0__:k hset");
    cmd(&mut c, "HPEXPIRE k 30 FIELDS 1 a");
    assert_eq!(
        next_within(&mut keyspace, limit),
        "__keyspace@0__:k hexpire"
    );
    // The key went with its field, but `del` is generic: not enabled, not raised.
    assert_eq!(
        next_within(&mut keyspace, limit),
        "__keyspace@0__:k hexpired"
    );
    cmd(&mut c, "HSET k2 a 1");
    assert_eq!(next_within(&mut keyspace, limit), "__keyspace@0__:k2 hset");
}

#[test]
fn events_name_the_database_they_happen_in() {
    let server = start(&[]);
    let mut c = conn(&server);
    cmd(&mut c, "CONFIG SET notify-keyspace-events KEA");
    let mut sub = Subscriber::new(&server, "__key*@*__:*");
    assert_eq!(cmd(&mut c, "SELECT 3"), b"+OK\r\n");
    cmd(&mut c, "RPUSH l a");
    sub.expect(&["__keyspace@3__:l rpush", "__keyevent@3__:rpush l"]);
    cmd(&mut c, "LMOVE l m LEFT LEFT");
    sub.expect(&[
        "__keyspace@3__:m lpush",
        "__keyevent@3__:lpush m",
        "__keyspace@3__:l lpop",
        "__keyevent@3__:lpop l",
        "__keyspace@3__:l del",
        "__keyevent@3__:del l",
    ]);
    cmd(&mut c, "SADD s a");
    cmd(&mut c, "HSET h a 1");
    cmd(&mut c, "ZADD z 1 a");
    sub.expect(&[
        "__keyspace@3__:s sadd",
        "__keyevent@3__:sadd s",
        "__keyspace@3__:h hset",
        "__keyevent@3__:hset h",
        "__keyspace@3__:z zadd",
        "__keyevent@3__:zadd z",
    ]);
    // A client blocked in db 5 is served in db 5, whoever feeds it.
    let mut blocked = conn(&server);
    cmd(&mut blocked, "SELECT 5");
    send(&mut blocked, "BZPOPMIN z 0");
    thread::sleep(Duration::from_millis(100));
    cmd(&mut c, "SELECT 5");
    cmd(&mut c, "ZADD z 1 a");
    sub.expect(&[
        "__keyspace@5__:z zadd",
        "__keyevent@5__:zadd z",
        "__keyspace@5__:z zpopmin",
        "__keyevent@5__:zpopmin z",
        "__keyspace@5__:z del",
        "__keyevent@5__:del z",
    ]);
    assert!(blocked.read_reply().connection_alive());
    // Another database's same key is untouched, and only its own events were raised.
    cmd(&mut c, "SELECT 3");
    assert_eq!(cmd(&mut c, "ZCARD z"), b":1\r\n");
    cmd(&mut c, "ZREM z a");
    sub.expect(&[
        "__keyspace@3__:z zrem",
        "__keyevent@3__:zrem z",
        "__keyspace@3__:z del",
        "__keyevent@3__:del z",
    ]);
}

#[test]
fn moves_and_stores_across_shards_raise_events_for_every_key() {
    let (_server, mut c, mut sub) = start_with_events("KEA", &[]);
    // Enough pairs that many have their keys in different shards.
    for i in 0..64 {
        let (src, dst) = (format!("src{i}"), format!("dst{i}"));
        check(
            &mut c,
            &mut sub,
            &format!("RPUSH {src} a"),
            &[&format!("rpush {src}")],
        );
        check(
            &mut c,
            &mut sub,
            &format!("LMOVE {src} {dst} RIGHT LEFT"),
            &[
                &format!("lpush {dst}"),
                &format!("rpop {src}"),
                &format!("del {src}"),
            ],
        );
        check(
            &mut c,
            &mut sub,
            &format!("SADD {src} m"),
            &[&format!("sadd {src}")],
        );
        check(
            &mut c,
            &mut sub,
            &format!("SMOVE {src} {dst}s m"),
            &[
                &format!("srem {src}"),
                &format!("del {src}"),
                &format!("sadd {dst}s"),
            ],
        );
        check(
            &mut c,
            &mut sub,
            &format!("SUNIONSTORE {src} {dst}s"),
            &[&format!("sunionstore {src}")],
        );
        check(
            &mut c,
            &mut sub,
            &format!("ZUNIONSTORE {dst}z 2 {src} {dst}s"),
            &[&format!("zunionstore {dst}z")],
        );
        check(
            &mut c,
            &mut sub,
            &format!("ZINTERSTORE {dst}z 2 {src} nokey"),
            &[&format!("del {dst}z")],
        );
        check(
            &mut c,
            &mut sub,
            &format!("SDIFFSTORE {src} {dst}s {src}"),
            &[&format!("del {src}")],
        );
    }
}

#[test]
fn blocked_clients_raise_their_events_when_served_and_none_on_timeout() {
    let (server, mut c, mut sub) = start_with_events("KEA", &[]);
    let mut blocked = conn(&server);
    // A wait that times out changes nothing and raises nothing.
    assert_eq!(cmd(&mut blocked, "BLPOP l 0.05"), b"*-1\r\n");
    assert_eq!(cmd(&mut blocked, "BZPOPMAX z 0.05"), b"*-1\r\n");
    check(&mut c, &mut sub, "RPUSH other x", &["rpush other"]);
    // Served later, after the pushing command's own events.
    send(&mut blocked, "BLMOVE l d RIGHT LEFT 0");
    thread::sleep(Duration::from_millis(100));
    check(
        &mut c,
        &mut sub,
        "RPUSH l a b",
        &["rpush l", "lpush d", "rpop l"],
    );
    assert_eq!(
        blocked.read_reply().to_bytes(),
        b"$1\r\nb\r\n".to_vec(),
        "BLMOVE served"
    );
    // Two waiters on one key are served in turn by one push.
    let mut second = conn(&server);
    send(&mut blocked, "BLPOP k 0");
    thread::sleep(Duration::from_millis(50));
    send(&mut second, "BRPOP k 0");
    thread::sleep(Duration::from_millis(50));
    check(
        &mut c,
        &mut sub,
        "RPUSH k 1 2 3",
        &["rpush k", "lpop k", "rpop k"],
    );
    assert!(blocked.read_reply().connection_alive());
    assert!(second.read_reply().connection_alive());
    check(&mut c, &mut sub, "LPOP k", &["lpop k", "del k"]);
}

#[test]
fn a_resp3_waiter_subscribed_to_events_gets_its_own_after_its_reply() {
    let (server, mut c, mut sub) = start_with_events("KEA", &[]);
    let mut waiter = conn(&server);
    assert!(waiter.command(&["HELLO", "3"]).is_ok());
    waiter
        .send_command(&["SUBSCRIBE", "__keyevent@0__:lpush", "__keyevent@0__:rpop"])
        .unwrap();
    assert!(waiter.read_reply().connection_alive());
    assert!(waiter.read_reply().connection_alive());
    send(&mut waiter, "BRPOP k 0");
    thread::sleep(Duration::from_millis(100));
    check(
        &mut c,
        &mut sub,
        "LPUSH k a",
        &["lpush k", "rpop k", "del k"],
    );
    // The feeding push's event, its reply, then the event its own pop raised, before anything
    // it runs next (Valkey 8.1 gives the same sequence).
    let message = |event: &str| {
        let channel = format!("__keyevent@0__:{event}");
        let len = channel.len();
        format!(">3\r\n$7\r\nmessage\r\n${len}\r\n{channel}\r\n$1\r\nk\r\n").into_bytes()
    };
    assert_eq!(waiter.read_reply().to_bytes(), message("lpush"));
    assert_eq!(
        waiter.read_reply().to_bytes(),
        b"*2\r\n$1\r\nk\r\n$1\r\na\r\n"
    );
    assert_eq!(waiter.read_reply().to_bytes(), message("rpop"));
    assert_eq!(cmd(&mut waiter, "PING"), b"+PONG\r\n");
}
