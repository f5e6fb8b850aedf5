//! Integration tests of per-field hash expiry over TCP: HEXPIRE and its family, HTTL and its
//! family, HPERSIST, HGETEX, HSETEX and HGETDEL, with their codes, options and error texts; how
//! every other hash command treats an expired field that is not reclaimed yet; the active expiry
//! cycle reclaiming fields (and keys) nobody reads; and keys moved or copied with field times.
//!
//! There is no Valkey 9 server to compare with, so the expected replies are Valkey 9.0's as its
//! source (`t_hash.c`, `expire.c`) and its test suite (`tests/unit/hashexpire.tcl`) define them.
//! The effects these commands record in the write stream are tested in the unit tests
//! (`commands/hash/tests.rs`, `keyspace/expire.rs`), where the stream can be read.

mod common;

use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{RespConn, ServerProcess};

fn start(extra: &[&str]) -> (ServerProcess, RespConn) {
    let mut args = vec!["--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    let server = ServerProcess::start_ferrokey(&args).expect("server starts");
    let conn = server.connect().expect("connect");
    (server, conn)
}

/// Renders one RESP2 reply compactly: integers and bulk strings as text, nil as `nil`,
/// arrays as `[a, b]`, errors prefixed with `!`.
fn render(frame: &[u8]) -> String {
    fn line(bytes: &[u8], pos: &mut usize) -> String {
        let start = *pos;
        while *pos + 1 < bytes.len() && &bytes[*pos..*pos + 2] != b"\r\n" {
            *pos += 1;
        }
        let text = String::from_utf8_lossy(&bytes[start..*pos]).into_owned();
        *pos += 2;
        text
    }
    fn value(bytes: &[u8], pos: &mut usize) -> String {
        let kind = bytes[*pos];
        *pos += 1;
        let head = line(bytes, pos);
        match kind {
            b':' | b'+' => head,
            b'-' => format!("!{head}"),
            b'$' => {
                let len: i64 = head.parse().unwrap();
                if len < 0 {
                    return "nil".into();
                }
                let len = len as usize;
                let text = String::from_utf8_lossy(&bytes[*pos..*pos + len]).into_owned();
                *pos += len + 2;
                text
            }
            b'*' => {
                let len: i64 = head.parse().unwrap();
                if len < 0 {
                    return "nil".into();
                }
                let items: Vec<String> = (0..len).map(|_| value(bytes, pos)).collect();
                format!("[{}]", items.join(", "))
            }
            other => panic!("unexpected RESP type {}", other as char),
        }
    }
    let mut pos = 0;
    value(frame, &mut pos)
}

/// Sends a command written as space-separated words and renders its reply.
fn r(conn: &mut RespConn, line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    render(&conn.command(&words).expect("reply"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Polls `check` every 20 ms for up to `limit`.
fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

const NUMFIELDS: &str =
    "!ERR numfields should be greater than 0 and match the provided number of fields";
const WRONGTYPE: &str = "!WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn hexpire_family_argument_errors() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    r(c, "HSET h a 1");
    for cmd in ["hexpire", "hpexpire", "hexpireat", "hpexpireat"] {
        let arity = format!("!ERR wrong number of arguments for '{cmd}' command");
        assert_eq!(r(c, &format!("{cmd} h 10")), arity);
        assert_eq!(r(c, &format!("{cmd} h 10 FIELDS 0")), arity);
        assert_eq!(r(c, &format!("{cmd} h 10 FIELDS 2 a")), NUMFIELDS);
        assert_eq!(r(c, &format!("{cmd} h 10 FIELDS 0 a")), NUMFIELDS);
        assert_eq!(r(c, &format!("{cmd} h 10 FIELDS -1 a")), NUMFIELDS);
        assert_eq!(r(c, &format!("{cmd} h 10 NX NX FIELDS")), NUMFIELDS);
        assert_eq!(r(c, &format!("{cmd} h 10 a b c")), NUMFIELDS);
        assert_eq!(
            r(c, &format!("{cmd} h 10 FIELDS x a")),
            "!ERR value is not an integer or out of range"
        );
        assert_eq!(
            r(c, &format!("{cmd} h 10 NX XX FIELDS 1 a")),
            "!ERR NX and XX, GT or LT options at the same time are not compatible"
        );
        assert_eq!(
            r(c, &format!("{cmd} h 10 GT LT FIELDS 1 a")),
            "!ERR GT and LT options at the same time are not compatible"
        );
        assert_eq!(
            r(c, &format!("{cmd} h 10 FOO FIELDS 1 a")),
            "!ERR Unsupported option FOO"
        );
        assert_eq!(
            r(c, &format!("{cmd} h abc FIELDS 1 a")),
            "!ERR value is not an integer or out of range"
        );
        let invalid = format!("!ERR invalid expire time in '{cmd}' command");
        assert_eq!(r(c, &format!("{cmd} h -1 FIELDS 1 a")), invalid);
    }
    // Overflows of the unit conversion and of the base time.
    assert_eq!(
        r(c, "HEXPIREAT h 9223372036854776 FIELDS 1 a"),
        "!ERR invalid expire time in 'hexpireat' command"
    );
    assert_eq!(
        r(c, "HPEXPIRE h 9223372036854775807 FIELDS 1 a"),
        "!ERR invalid expire time in 'hpexpire' command"
    );
    assert_eq!(r(c, "HPEXPIREAT h 9223372036854775807 FIELDS 1 a"), "[1]");
    // The time is checked before the key's type; the type before anything per field.
    r(c, "SET s x");
    assert_eq!(
        r(c, "HEXPIRE s -1 FIELDS 1 a"),
        "!ERR invalid expire time in 'hexpire' command"
    );
    assert_eq!(r(c, "HEXPIRE s 10 FIELDS 1 a"), WRONGTYPE);
    assert_eq!(r(c, "HEXPIRE nokey 10 FIELDS 2 a b"), "[-2, -2]");
    assert_eq!(r(c, "EXISTS nokey"), "0");
}

#[test]
fn hexpire_codes_and_conditions() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    r(c, "HSET h a 1 b 2 c 3");
    assert_eq!(r(c, "OBJECT ENCODING h"), "listpack");
    // A listpack holds no times: XX and GT never hold, and a missing field converts nothing.
    assert_eq!(r(c, "HEXPIRE h 100 XX FIELDS 1 a"), "[0]");
    assert_eq!(r(c, "HEXPIRE h 100 GT FIELDS 1 a"), "[0]");
    assert_eq!(r(c, "HEXPIRE h 100 FIELDS 1 zz"), "[-2]");
    assert_eq!(r(c, "OBJECT ENCODING h"), "listpack");
    assert_eq!(r(c, "HEXPIRE h 100 FIELDS 3 a zz a"), "[1, -2, 1]");
    assert_eq!(r(c, "OBJECT ENCODING h"), "hashtable");
    assert_eq!(r(c, "HEXPIRE h 50 NX FIELDS 2 a b"), "[0, 1]");
    assert_eq!(r(c, "HEXPIRE h 200 GT FIELDS 3 a b c"), "[1, 1, 0]");
    assert_eq!(r(c, "HEXPIRE h 150 LT FIELDS 3 a b c"), "[1, 1, 1]");
    assert_eq!(r(c, "HEXPIRE h 300 XX LT FIELDS 1 a"), "[0]");
    assert_eq!(r(c, "HEXPIRE h 300 XX GT FIELDS 1 a"), "[1]");
    // Conditions are checked before a time in the past deletes anything.
    assert_eq!(r(c, "HEXPIRE h 0 GT FIELDS 2 a zz"), "[0, -2]");
    assert_eq!(r(c, "HEXPIRE h 0 NX FIELDS 1 a"), "[0]");
    assert_eq!(r(c, "HLEN h"), "3");
    assert_eq!(r(c, "HEXPIRE h 0 FIELDS 2 a zz"), "[2, -2]");
    assert_eq!(r(c, "HEXISTS h a"), "0");
    assert_eq!(r(c, "HLEN h"), "2");
    let past = now_ms() - 10_000;
    assert_eq!(r(c, &format!("HPEXPIREAT h {past} FIELDS 1 b")), "[2]");
    assert_eq!(r(c, "HEXPIREAT h 1 FIELDS 1 c"), "[2]");
    assert_eq!(r(c, "EXISTS h"), "0", "the hash went with its last field");
    // The same on a listpack hash.
    r(c, "HSET l f v");
    assert_eq!(r(c, "HPEXPIRE l 0 LT FIELDS 1 f"), "[2]");
    assert_eq!(r(c, "EXISTS l"), "0");
}

#[test]
fn httl_family_and_hpersist() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    for cmd in ["httl", "hpttl", "hexpiretime", "hpexpiretime"] {
        assert_eq!(
            r(c, &format!("{cmd} h FIELDS 1")),
            format!("!ERR wrong number of arguments for '{cmd}' command")
        );
        assert_eq!(r(c, &format!("{cmd} h FIELDS 2 a")), "!ERR syntax error");
        assert_eq!(r(c, &format!("{cmd} h FIELDS 0 a")), "!ERR syntax error");
        assert_eq!(
            r(c, &format!("{cmd} h FIELDS x a")),
            "!ERR value is not an integer or out of range"
        );
        assert_eq!(r(c, &format!("{cmd} nokey FIELDS 2 a b")), "[-2, -2]");
    }
    assert_eq!(r(c, "HPERSIST h FIELDS 2 a"), NUMFIELDS);
    assert_eq!(r(c, "HPERSIST nokey FIELDS 1 a"), "[-2]");
    r(c, "HSET h a 1 b 2 c 3");
    let at = 1_999_999_999_500i64;
    assert_eq!(r(c, &format!("HPEXPIREAT h {at} FIELDS 1 a")), "[1]");
    assert_eq!(r(c, "HEXPIRE h 1000 FIELDS 1 b"), "[1]");
    assert_eq!(
        r(c, "HPEXPIRETIME h FIELDS 3 a c zz"),
        format!("[{at}, -1, -2]")
    );
    // Seconds are rounded to the nearest one, as EXPIRETIME does.
    assert_eq!(r(c, "HEXPIRETIME h FIELDS 1 a"), "[2000000000]");
    let ttl: i64 = r(c, "HTTL h FIELDS 1 b")
        .trim_matches(['[', ']'])
        .parse()
        .unwrap();
    assert!((999..=1000).contains(&ttl), "{ttl}");
    let pttl: i64 = r(c, "HPTTL h FIELDS 1 b")
        .trim_matches(['[', ']'])
        .parse()
        .unwrap();
    assert!((990_000..=1_000_000).contains(&pttl), "{pttl}");
    // Valkey 9.0 does not check the word before the count.
    assert_eq!(r(c, "HTTL h ANYTHING 1 c"), "[-1]");
    assert_eq!(r(c, "HPERSIST h FIELDS 4 a b c zz"), "[1, 1, -1, -2]");
    assert_eq!(r(c, "HPERSIST h FIELDS 1 a"), "[-1]");
    assert_eq!(r(c, "HTTL h FIELDS 2 a b"), "[-1, -1]");
    assert_eq!(
        r(c, "OBJECT ENCODING h"),
        "hashtable",
        "never converts back"
    );
    r(c, "SET s x");
    for cmd in [
        "HTTL",
        "HPTTL",
        "HEXPIRETIME",
        "HPEXPIRETIME",
        "HPERSIST",
        "HGETDEL",
    ] {
        assert_eq!(r(c, &format!("{cmd} s FIELDS 1 a")), WRONGTYPE, "{cmd}");
    }
}

#[test]
fn hgetex_reads_and_sets_or_removes_times() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    r(c, "HSET h a 1 b 2");
    assert_eq!(r(c, "HGETEX h FIELDS 3 a zz b"), "[1, nil, 2]");
    assert_eq!(r(c, "HTTL h FIELDS 2 a b"), "[-1, -1]");
    assert_eq!(r(c, "HGETEX h EX 100 FIELDS 2 a zz"), "[1, nil]");
    assert_eq!(r(c, "HTTL h FIELDS 3 a b zz"), "[100, -1, -2]");
    let at = 1_999_999_999_000i64;
    assert_eq!(r(c, &format!("HGETEX h PXAT {at} FIELDS 2 a b")), "[1, 2]");
    assert_eq!(r(c, "HPEXPIRETIME h FIELDS 2 a b"), format!("[{at}, {at}]"));
    assert_eq!(r(c, "HGETEX h EXAT 2000000000 FIELDS 1 a"), "[1]");
    assert_eq!(r(c, "HPEXPIRETIME h FIELDS 1 a"), "[2000000000000]");
    assert_eq!(r(c, "HGETEX h PX 5000 FIELDS 1 a"), "[1]");
    assert_eq!(r(c, "HGETEX h PERSIST FIELDS 2 a zz"), "[1, nil]");
    assert_eq!(r(c, "HTTL h FIELDS 1 a"), "[-1]");
    assert_eq!(r(c, "HPEXPIRETIME h FIELDS 1 b"), format!("[{at}]"));
    // A time not in the future deletes the fields after returning them, then the key.
    assert_eq!(r(c, "HGETEX h EX 0 FIELDS 2 a zz"), "[1, nil]");
    assert_eq!(r(c, "HGETEX h EXAT 1 FIELDS 2 b b"), "[2, nil]");
    assert_eq!(r(c, "EXISTS h"), "0");
    assert_eq!(r(c, "HGETEX nokey EX 10 FIELDS 2 a b"), "[nil, nil]");
    assert_eq!(r(c, "EXISTS nokey"), "0");
    // Errors.
    assert_eq!(
        r(c, "HGETEX h FIELDS 0"),
        "!ERR wrong number of arguments for 'hgetex' command"
    );
    assert_eq!(r(c, "HGETEX h FIELDS 2 a"), NUMFIELDS);
    assert_eq!(r(c, "HGETEX h FIELDS -1 a"), NUMFIELDS);
    assert_eq!(r(c, "HGETEX h PERSIST PERSIST FIELDS"), NUMFIELDS);
    assert_eq!(r(c, "HGETEX h EX 1 1 a"), NUMFIELDS);
    assert_eq!(r(c, "HGETEX h EX 10 PX 10 FIELDS 1 a"), "!ERR syntax error");
    assert_eq!(
        r(c, "HGETEX h EX 10 PERSIST FIELDS 1 a"),
        "!ERR syntax error"
    );
    assert_eq!(r(c, "HGETEX h EX FIELDS 1 a"), "!ERR syntax error");
    assert_eq!(r(c, "HGETEX h KEEPTTL FIELDS 1 a"), "!ERR syntax error");
    assert_eq!(r(c, "HGETEX h FNX FIELDS 1 a"), "!ERR syntax error");
    assert_eq!(
        r(c, "HGETEX h EX 10 EX 20 FIELDS 1 a"),
        "[nil]",
        "a form may repeat"
    );
    assert_eq!(
        r(c, "HGETEX h EX abc FIELDS 1 a"),
        "!ERR value is not an integer or out of range"
    );
    for form in ["EX", "PX", "EXAT", "PXAT"] {
        assert_eq!(
            r(c, &format!("HGETEX h {form} -10 FIELDS 1 a")),
            "!ERR invalid expire time in 'hgetex' command"
        );
    }
    r(c, "SET s x");
    // The key's type is checked before the time.
    assert_eq!(r(c, "HGETEX s EX -1 FIELDS 1 a"), WRONGTYPE);
}

#[test]
fn hsetex_sets_with_times_and_conditions() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    assert_eq!(r(c, "HSETEX h FIELDS 2 a 1 b 2"), "1");
    assert_eq!(r(c, "OBJECT ENCODING h"), "listpack");
    assert_eq!(r(c, "HSETEX h FNX EX 10 FIELDS 2 b 3 c 3"), "0");
    assert_eq!(r(c, "HGET h b"), "2");
    assert_eq!(r(c, "HEXISTS h c"), "0");
    assert_eq!(r(c, "HSETEX h FNX EX 100 FIELDS 2 c 3 d 4"), "1");
    assert_eq!(r(c, "OBJECT ENCODING h"), "hashtable");
    assert_eq!(r(c, "HTTL h FIELDS 3 c d a"), "[100, 100, -1]");
    assert_eq!(r(c, "HSETEX h FXX PX 5000 FIELDS 2 a 9 zz 9"), "0");
    assert_eq!(r(c, "HSETEX h FXX KEEPTTL FIELDS 2 a 5 c 5"), "1");
    assert_eq!(r(c, "HMGET h a c"), "[5, 5]");
    assert_eq!(
        r(c, "HTTL h FIELDS 2 a c"),
        "[-1, 100]",
        "KEEPTTL kept c's time"
    );
    assert_eq!(r(c, "HSETEX h FIELDS 1 c 6"), "1");
    assert_eq!(
        r(c, "HTTL h FIELDS 1 c"),
        "[-1]",
        "no option: the time goes"
    );
    let at = 1_999_999_999_000i64;
    assert_eq!(r(c, &format!("HSETEX h PXAT {at} FIELDS 1 a 7")), "1");
    assert_eq!(r(c, "HPEXPIRETIME h FIELDS 1 a"), format!("[{at}]"));
    assert_eq!(r(c, "HSETEX h EXAT 2000000000 FIELDS 1 a 8"), "1");
    assert_eq!(r(c, "HPEXPIRETIME h FIELDS 1 a"), "[2000000000000]");
    // HSET on a field with a time clears it.
    assert_eq!(r(c, "HSET h a 10"), "0");
    assert_eq!(r(c, "HTTL h FIELDS 1 a"), "[-1]");
    // A time not in the future deletes the named fields, and the key with its last field.
    assert_eq!(r(c, "HSETEX h PX 0 FIELDS 2 a x zz y"), "1");
    assert_eq!(r(c, "HEXISTS h a"), "0");
    assert_eq!(r(c, "HEXISTS h zz"), "0");
    assert_eq!(r(c, "HSETEX h EXAT 1 FIELDS 3 b x c x d x"), "1");
    assert_eq!(r(c, "EXISTS h"), "0");
    assert_eq!(r(c, "HSETEX h EX 0 FIELDS 1 a b"), "1");
    assert_eq!(r(c, "EXISTS h"), "0", "nothing created");
    assert_eq!(r(c, "HSETEX h FXX FIELDS 1 a b"), "0");
    assert_eq!(
        r(c, "EXISTS h"),
        "0",
        "FXX on a missing key creates nothing"
    );
    assert_eq!(r(c, "HSETEX h FNX FIELDS 1 a b"), "1");
    // Errors.
    assert_eq!(
        r(c, "HSETEX h FIELDS 1 a"),
        "!ERR wrong number of arguments for 'hsetex' command"
    );
    assert_eq!(r(c, "HSETEX h PX 100 FIELDS 1 f v extra"), NUMFIELDS);
    assert_eq!(r(c, "HSETEX h FIELDS 2 a 1 b"), NUMFIELDS);
    assert_eq!(r(c, "HSETEX h FIELDS 0 a 1"), NUMFIELDS);
    assert_eq!(r(c, "HSETEX h KEEPTTL KEEPTTL KEEPTTL FIELDS"), NUMFIELDS);
    assert_eq!(r(c, "HSETEX h FNX FXX FIELDS 1 a b"), "!ERR syntax error");
    assert_eq!(
        r(c, "HSETEX h EX 10 KEEPTTL FIELDS 1 a b"),
        "!ERR syntax error"
    );
    assert_eq!(
        r(c, "HSETEX h KEEPTTL PX 10 FIELDS 1 a b"),
        "!ERR syntax error"
    );
    assert_eq!(
        r(c, "HSETEX h EX 10 PXAT 10 FIELDS 1 a b"),
        "!ERR syntax error"
    );
    assert_eq!(r(c, "HSETEX h PERSIST FIELDS 1 a b"), "!ERR syntax error");
    assert_eq!(
        r(c, "HSETEX h NX FIELDS 1 a b"),
        "!ERR syntax error",
        "9.0 has no NX"
    );
    assert_eq!(
        r(c, "HSETEX h EX x FIELDS 1 a b"),
        "!ERR value is not an integer or out of range"
    );
    assert_eq!(
        r(c, "HSETEX h EX -10 FIELDS 1 a b"),
        "!ERR invalid expire time in 'hsetex' command"
    );
    r(c, "SET s x");
    assert_eq!(r(c, "HSETEX s EX -1 FIELDS 1 a b"), WRONGTYPE);
    assert_eq!(r(c, "HSETEX s FIELDS 1 a b"), WRONGTYPE);
}

#[test]
fn hgetdel_returns_and_deletes() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    r(c, "HSET h a 1 b 2 c 3");
    assert_eq!(r(c, "HGETDEL h FIELDS 3 a zz a"), "[1, nil, nil]");
    assert_eq!(r(c, "HGETALL h"), "[b, 2, c, 3]");
    assert_eq!(r(c, "HGETDEL h FIELDS 3 c b c"), "[3, 2, nil]");
    assert_eq!(r(c, "EXISTS h"), "0");
    assert_eq!(r(c, "HGETDEL h FIELDS 1 a"), "[nil]");
    assert_eq!(
        r(c, "HGETDEL h FIELDS 1"),
        "!ERR wrong number of arguments for 'hgetdel' command"
    );
    assert_eq!(r(c, "HGETDEL h FIELDS 2 a"), NUMFIELDS);
    assert_eq!(r(c, "HGETDEL h FIELDS 0 a"), NUMFIELDS);
    assert_eq!(
        r(c, "HGETDEL h FIELDS x a"),
        "!ERR value is not an integer or out of range"
    );
}

/// With active expiry off, an expired field stays stored: every command sees it as absent, but
/// HLEN counts it until it is reclaimed (Valkey 9.0 never deletes fields on access).
#[test]
fn expired_fields_are_absent_for_every_command_until_reclaimed() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    assert_eq!(r(c, "DEBUG SET-ACTIVE-EXPIRE 0"), "OK");
    r(c, "HSET h a 1 b 2 n 5");
    assert_eq!(r(c, "HPEXPIRE h 1 FIELDS 2 a n"), "[1, 1]");
    thread::sleep(Duration::from_millis(20));
    assert_eq!(r(c, "HGET h a"), "nil");
    assert_eq!(r(c, "HMGET h a b"), "[nil, 2]");
    assert_eq!(r(c, "HEXISTS h a"), "0");
    assert_eq!(r(c, "HSTRLEN h a"), "0");
    assert_eq!(r(c, "HGETALL h"), "[b, 2]");
    assert_eq!(r(c, "HKEYS h"), "[b]");
    assert_eq!(r(c, "HVALS h"), "[2]");
    assert_eq!(r(c, "HSCAN h 0"), "[0, [b, 2]]");
    assert_eq!(r(c, "HRANDFIELD h"), "b");
    assert_eq!(r(c, "HRANDFIELD h -4"), "[b, b, b, b]");
    assert_eq!(r(c, "HRANDFIELD h 5 WITHVALUES"), "[b, 2]");
    assert_eq!(r(c, "HGETEX h FIELDS 2 a b"), "[nil, 2]");
    assert_eq!(r(c, "HTTL h FIELDS 2 a b"), "[-2, -1]");
    assert_eq!(r(c, "HPERSIST h FIELDS 1 a"), "[-2]");
    assert_eq!(r(c, "HEXPIRE h 100 FIELDS 1 a"), "[-2]");
    assert_eq!(r(c, "HLEN h"), "3", "stored until reclaimed");
    assert_eq!(r(c, "HDEL h a"), "0", "HDEL does not find it either");
    assert_eq!(r(c, "HGETDEL h FIELDS 1 a"), "[nil]");
    assert_eq!(r(c, "HLEN h"), "3");
    // Writes overwrite an expired field as a new one, without its old time.
    assert_eq!(r(c, "HINCRBY h n 1"), "1");
    assert_eq!(r(c, "HTTL h FIELDS 1 n"), "[-1]");
    assert_eq!(r(c, "HSETNX h a x"), "1");
    assert_eq!(r(c, "HTTL h FIELDS 1 a"), "[-1]");
    assert_eq!(r(c, "HLEN h"), "3");
    r(c, "HPEXPIRE h 1 FIELDS 1 a");
    thread::sleep(Duration::from_millis(20));
    assert_eq!(r(c, "HSET h a y"), "1", "counted as created");
    assert_eq!(r(c, "HSETEX h PX 1 FIELDS 1 k v"), "1");
    thread::sleep(Duration::from_millis(20));
    assert_eq!(r(c, "HSETEX h KEEPTTL FIELDS 1 k w"), "1");
    assert_eq!(
        r(c, "HTTL h FIELDS 1 k"),
        "[-1]",
        "KEEPTTL does not revive a dead time"
    );
    // A hash whose every field expired still exists, empty, until the cycle reclaims it.
    r(c, "HSET all x 1");
    r(c, "HPEXPIRE all 1 FIELDS 1 x");
    thread::sleep(Duration::from_millis(20));
    assert_eq!(r(c, "EXISTS all"), "1");
    assert_eq!(r(c, "HGETALL all"), "[]");
    assert_eq!(r(c, "HRANDFIELD all"), "nil");
    assert_eq!(r(c, "HRANDFIELD all 3"), "[]");
    assert_eq!(r(c, "HLEN all"), "1");
    assert_eq!(r(c, "DEBUG SET-ACTIVE-EXPIRE 1"), "OK");
    assert!(eventually(Duration::from_secs(5), || r(c, "EXISTS all") == "0"));
}

#[test]
fn active_expiry_reclaims_fields_nobody_reads() {
    let (_server, mut c) = start(&["--hz", "100"]);
    let c = &mut c;
    r(c, "HSET h f v g w");
    assert_eq!(r(c, "HPEXPIRE h 50 FIELDS 1 f"), "[1]");
    assert!(
        eventually(Duration::from_secs(5), || r(c, "HLEN h") == "1"),
        "the expired field was reclaimed"
    );
    assert_eq!(r(c, "HGETALL h"), "[g, w]");
    assert_eq!(r(c, "OBJECT ENCODING h"), "hashtable");
    assert_eq!(r(c, "HPEXPIRE h 50 FIELDS 1 g"), "[1]");
    assert!(
        eventually(Duration::from_secs(5), || r(c, "EXISTS h") == "0"),
        "the key went with its last field"
    );
    // Many hashes, some fields each, with a persistent field in every other one.
    for i in 0..200 {
        r(c, &format!("HSET k{i} a 1 b 2 c 3"));
        if i % 2 == 0 {
            r(c, &format!("HPEXPIRE k{i} 30 FIELDS 3 a b c"));
        } else {
            r(c, &format!("HPEXPIRE k{i} 30 FIELDS 2 a b"));
        }
    }
    assert!(
        eventually(Duration::from_secs(10), || r(c, "DBSIZE") == "100"),
        "every hash left empty was deleted"
    );
    assert!(eventually(Duration::from_secs(10), || {
        (0..200)
            .step_by(2)
            .all(|i| r(c, &format!("HLEN k{}", i + 1)) == "1")
    }));
}

#[test]
fn field_times_follow_the_key() {
    let (_server, mut c) = start(&["--hz", "100"]);
    let c = &mut c;
    let at = 1_999_999_999_000i64;
    r(c, "HSET h a 1 b 2 c 3");
    r(c, &format!("HPEXPIREAT h {at} FIELDS 1 a"));
    assert_eq!(r(c, "COPY h h2"), "1");
    assert_eq!(
        r(c, "HPEXPIRETIME h2 FIELDS 3 a b zz"),
        format!("[{at}, -1, -2]")
    );
    assert_eq!(r(c, "RENAME h h3"), "OK");
    assert_eq!(r(c, "HPEXPIRETIME h3 FIELDS 1 a"), format!("[{at}]"));
    assert_eq!(r(c, "MOVE h3 1"), "1");
    r(c, "SELECT 1");
    assert_eq!(r(c, "HPEXPIRETIME h3 FIELDS 1 a"), format!("[{at}]"));
    r(c, "SELECT 0");
    // Key-level PERSIST and EXPIRE leave field times alone.
    r(c, "EXPIRE h2 1000");
    assert_eq!(r(c, "PERSIST h2"), "1");
    assert_eq!(r(c, "HPEXPIRETIME h2 FIELDS 1 a"), format!("[{at}]"));
    // The expiry cycle follows a renamed, moved or copied hash.
    r(c, "HPEXPIRE h2 50 FIELDS 3 a b c");
    r(c, "RENAME h2 r");
    r(c, "HSET m f v");
    r(c, "HPEXPIRE m 50 FIELDS 1 f");
    r(c, "MOVE m 2");
    r(c, "HSET o f v");
    r(c, "HPEXPIRE o 50 FIELDS 1 f");
    r(c, "COPY o o2");
    assert!(eventually(Duration::from_secs(5), || {
        r(c, "EXISTS r o o2") == "0"
    }));
    r(c, "SELECT 2");
    assert!(eventually(Duration::from_secs(5), || r(c, "EXISTS m") == "0"));
    // DEL and FLUSHALL leave nothing behind for the cycle.
    r(c, "HSET d f v");
    r(c, "HEXPIRE d 100 FIELDS 1 f");
    assert_eq!(r(c, "DEL d"), "1");
    r(c, "HSET d f v");
    assert_eq!(r(c, "HTTL d FIELDS 1 f"), "[-1]");
    assert_eq!(r(c, "FLUSHALL"), "OK");
}

#[test]
fn wrong_type_for_every_field_expiry_command() {
    let (_server, mut c) = start(&[]);
    let c = &mut c;
    r(c, "SET s x");
    for line in [
        "HEXPIRE s 10 FIELDS 1 a",
        "HPEXPIRE s 10 FIELDS 1 a",
        "HEXPIREAT s 10 FIELDS 1 a",
        "HPEXPIREAT s 10 FIELDS 1 a",
        "HGETEX s FIELDS 1 a",
        "HGETEX s PERSIST FIELDS 1 a",
        "HSETEX s FIELDS 1 a b",
        "HSETEX s FXX FIELDS 1 a b",
    ] {
        assert_eq!(r(c, line), WRONGTYPE, "{line}");
    }
    assert_eq!(r(c, "GET s"), "x");
}
