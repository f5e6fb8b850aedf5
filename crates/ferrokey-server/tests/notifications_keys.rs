//! Keyspace notifications of the generic and string commands where the differential corpus
//! (tests/corpus/notify_keys.txt) cannot reach: `expired` raised by the active expiry cycle
//! (nobody reads the keys) in several databases, no expiry events while writes are paused, a
//! RESP3 client's own lazy `expired` event following its reply, many keys on many shards
//! raising in argument order, concurrent writers, and Spring Session's start-up sequence end to
//! end. The facts asserted were checked on Valkey 8.1; `NOTIFY_TEST_SERVER=/path/to/server`
//! runs this file against another binary (valkey-server) to check them again.

mod common;

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, escape_bytes, ReadOutcome, RespConn, ServerProcess};

/// How long a test waits for an event the active expiry cycle raises (it runs `hz` times a
/// second and may need a few rounds).
const ACTIVE_EXPIRY_WAIT: Duration = Duration::from_secs(5);

/// How long "no event arrives" is watched for.
const QUIET_WAIT: Duration = Duration::from_millis(400);

fn start() -> ServerProcess {
    let args = ["--enable-debug-command", "yes"];
    let server = match std::env::var_os("NOTIFY_TEST_SERVER") {
        Some(binary) => ServerProcess::start(std::path::Path::new(&binary), &args),
        None => ServerProcess::start_ferrokey(&args),
    };
    server.expect("server starts")
}

/// A connection whose reads give up after `QUIET_WAIT`, for subscribers.
fn subscriber(server: &ServerProcess) -> RespConn {
    RespConn::connect_with_timeout(server.port(), QUIET_WAIT).expect("connects")
}

/// The parts of a flat aggregate frame of bulk strings (`*` or `>`), type word included.
fn parts(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let Some(header_end) = find_crlf(text, 0) else {
        return out;
    };
    let mut at = header_end + 2;
    while at < text.len() {
        let Some(line_end) = find_crlf(text, at) else {
            break;
        };
        let Some(len) = std::str::from_utf8(&text[at + 1..line_end])
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
        else {
            break;
        };
        let start = line_end + 2;
        out.push(text[start..start + len].to_vec());
        at = start + len + 2;
    }
    out
}

fn find_crlf(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| i + from)
}

/// One keyspace event as (channel, message).
type Event = (String, String);

/// Reads the next pattern message, or None when none arrives in time.
fn next_event(conn: &mut RespConn) -> Option<Event> {
    match conn.read_reply() {
        ReadOutcome::Frame(frame) => {
            let p = parts(&frame);
            assert_eq!(
                p.first().map(Vec::as_slice),
                Some(&b"pmessage"[..]),
                "not a pattern message: {}",
                escape_bytes(&frame)
            );
            let text = |i: usize| String::from_utf8_lossy(&p[i]).into_owned();
            Some((text(2), text(3)))
        }
        ReadOutcome::TimedOut { partial } if partial.is_empty() => None,
        other => panic!("subscriber read {}", escape_bytes(&other.to_bytes())),
    }
}

/// Reads events until `count` arrived or `wait` passed.
fn events(conn: &mut RespConn, count: usize, wait: Duration) -> Vec<Event> {
    let deadline = Instant::now() + wait;
    let mut got = Vec::new();
    while got.len() < count && Instant::now() < deadline {
        if let Some(event) = next_event(conn) {
            got.push(event);
        }
    }
    got
}

fn event(channel: &str, message: &str) -> Event {
    (channel.to_string(), message.to_string())
}

fn psubscribe(conn: &mut RespConn, patterns: &[&str]) {
    let mut args = vec!["PSUBSCRIBE"];
    args.extend_from_slice(patterns);
    conn.send_command(&args).expect("sent");
    for _ in patterns {
        assert!(
            matches!(conn.read_reply(), ReadOutcome::Frame(f) if f.starts_with(b"*3\r\n$10\r\npsubscribe")),
            "psubscribe confirmation"
        );
    }
}

fn assert_quiet(conn: &mut RespConn) {
    if let Some(event) = next_event(conn) {
        panic!("unexpected event {event:?}");
    }
}

/// Spring Session's start-up (ConfigureNotifyKeyspaceEventsAction, then the message listener
/// container's pattern subscriptions) followed by sessions that time out and one that is
/// deleted: the listener hears every expiry, from the active cycle, and the DEL, nothing else.
#[test]
fn spring_session_startup_hears_expired_and_del() {
    let server = start();
    let mut client = server.connect().unwrap();
    assert_eq!(
        cmd(&mut client, "CONFIG GET notify-keyspace-events"),
        b"*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"
    );
    assert_eq!(
        cmd(&mut client, "CONFIG SET notify-keyspace-events Egx"),
        b"+OK\r\n"
    );
    assert_eq!(
        cmd(&mut client, "CONFIG GET notify-keyspace-events"),
        b"*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\ngxE\r\n"
    );
    let mut listener = subscriber(&server);
    psubscribe(
        &mut listener,
        &["__keyevent@*__:del", "__keyevent@*__:expired"],
    );

    let sessions = ["s1", "s2", "s3"];
    for id in sessions {
        // `set` and `expire` are in classes Spring does not enable ($, and g's `expire` goes
        // to a channel it does not listen on): nothing is heard yet.
        cmd(
            &mut client,
            &format!("SET spring:session:sessions:expires:{id} x PX 300"),
        );
        cmd(
            &mut client,
            &format!("SET spring:session:sessions:{id} data"),
        );
    }
    cmd(&mut client, "SELECT 1");
    cmd(
        &mut client,
        "SET spring:session:sessions:expires:db1 x PX 300",
    );
    cmd(&mut client, "SELECT 0");
    assert_eq!(
        cmd(&mut client, "DEL spring:session:sessions:s3 nosuchsession"),
        b":1\r\n"
    );

    let heard: BTreeSet<Event> = events(&mut listener, 5, ACTIVE_EXPIRY_WAIT)
        .into_iter()
        .collect();
    let mut wanted: BTreeSet<Event> = sessions
        .iter()
        .map(|id| {
            event(
                "__keyevent@0__:expired",
                &format!("spring:session:sessions:expires:{id}"),
            )
        })
        .collect();
    wanted.insert(event(
        "__keyevent@1__:expired",
        "spring:session:sessions:expires:db1",
    ));
    wanted.insert(event("__keyevent@0__:del", "spring:session:sessions:s3"));
    assert_eq!(heard, wanted);
    assert_quiet(&mut listener);
    assert_eq!(cmd(&mut client, "DBSIZE"), b":2\r\n");
}

/// The active cycle raises `expired` with the key's database in the channel, on both the
/// keyspace and the keyevent channel, for keys no command touches.
#[test]
fn active_expiry_raises_expired_in_each_database() {
    let server = start();
    let mut client = server.connect().unwrap();
    cmd(&mut client, "CONFIG SET notify-keyspace-events KEx");
    let mut sub = subscriber(&server);
    psubscribe(&mut sub, &["__key*@*__:*"]);
    cmd(&mut client, "SELECT 5");
    cmd(&mut client, "SET far v PX 100");
    let got = events(&mut sub, 2, ACTIVE_EXPIRY_WAIT);
    assert_eq!(
        got,
        vec![
            event("__keyspace@5__:far", "expired"),
            event("__keyevent@5__:expired", "far"),
        ]
    );
    assert_eq!(cmd(&mut client, "DBSIZE"), b":0\r\n");
    // Expiring by command (a time already past) is an expiry too, and counted as one.
    cmd(&mut client, "CONFIG RESETSTAT");
    cmd(&mut client, "SET a 1");
    cmd(&mut client, "EXPIRE a -1");
    cmd(&mut client, "SET a 1");
    cmd(&mut client, "SET a 1 PXAT 1");
    cmd(&mut client, "SET a 1");
    cmd(&mut client, "GETEX a PXAT 1");
    let got = events(&mut sub, 6, ACTIVE_EXPIRY_WAIT);
    let wanted: Vec<Event> = (0..3)
        .flat_map(|_| {
            [
                event("__keyspace@5__:a", "expired"),
                event("__keyevent@5__:expired", "a"),
            ]
        })
        .collect();
    assert_eq!(got, wanted);
    let info = String::from_utf8(cmd(&mut client, "INFO stats")).unwrap();
    assert!(info.contains("\r\nexpired_keys:3\r\n"), "{info}");
}

/// While writes are paused expired keys stay (reads see them missing) and raise nothing; the
/// events come once the pause ends.
#[test]
fn no_expired_events_while_writes_are_paused() {
    let server = start();
    let mut admin = server.connect().unwrap();
    cmd(&mut admin, "CONFIG SET notify-keyspace-events Ex");
    let mut sub = subscriber(&server);
    psubscribe(&mut sub, &["__keyevent@*__:*"]);
    cmd(&mut admin, "SET read v PX 100");
    cmd(&mut admin, "SET unread v PX 100");
    assert_eq!(cmd(&mut admin, "CLIENT PAUSE 60000 WRITE"), b"+OK\r\n");
    thread::sleep(Duration::from_millis(300));
    let mut reader = server.connect().unwrap();
    assert_eq!(cmd(&mut reader, "GET read"), b"$-1\r\n");
    assert_eq!(cmd(&mut reader, "EXISTS unread"), b":0\r\n");
    assert_eq!(cmd(&mut reader, "DBSIZE"), b":2\r\n");
    assert_quiet(&mut sub);
    assert_eq!(cmd(&mut admin, "CLIENT UNPAUSE"), b"+OK\r\n");
    let got: BTreeSet<Event> = events(&mut sub, 2, ACTIVE_EXPIRY_WAIT)
        .into_iter()
        .collect();
    assert_eq!(
        got,
        BTreeSet::from([
            event("__keyevent@0__:expired", "read"),
            event("__keyevent@0__:expired", "unread"),
        ])
    );
}

/// A RESP3 client subscribed to its own events gets the `expired` its command caused by lazy
/// expiry after the command's reply, like the command's own events.
#[test]
fn own_lazy_expired_event_follows_the_reply() {
    let server = start();
    let mut admin = server.connect().unwrap();
    cmd(&mut admin, "CONFIG SET notify-keyspace-events E$x");
    cmd(&mut admin, "DEBUG SET-ACTIVE-EXPIRE 0");
    let mut me = server.connect().unwrap();
    assert!(cmd(&mut me, "HELLO 3").starts_with(b"%"));
    me.send_command(&["SUBSCRIBE", "__keyevent@0__:expired", "__keyevent@0__:set"])
        .unwrap();
    for _ in 0..2 {
        assert!(matches!(me.read_reply(), ReadOutcome::Frame(f) if f.starts_with(b">3")));
    }
    cmd(&mut admin, "SET k v PX 1");
    // Admin's `set` reaches `me` before anything `me` sends next.
    let push = |channel: &str, key: &str| {
        format!(
            ">3\r\n$7\r\nmessage\r\n${}\r\n{channel}\r\n${}\r\n{key}\r\n",
            channel.len(),
            key.len()
        )
        .into_bytes()
    };
    assert_eq!(me.read_reply().to_bytes(), push("__keyevent@0__:set", "k"));
    thread::sleep(Duration::from_millis(20));
    assert_eq!(cmd(&mut me, "GET k"), b"_\r\n");
    assert_eq!(
        me.read_reply().to_bytes(),
        push("__keyevent@0__:expired", "k")
    );
    assert_eq!(cmd(&mut me, "SET k2 v"), b"+OK\r\n");
    assert_eq!(me.read_reply().to_bytes(), push("__keyevent@0__:set", "k2"));
    cmd(&mut admin, "DEBUG SET-ACTIVE-EXPIRE 1");
}

/// Keys spread over every shard: MSET raises `set` and DEL raises `del` key by key in
/// argument order, whatever shard holds each key.
#[test]
fn many_keys_on_many_shards_raise_in_argument_order() {
    let server = start();
    let mut client = server.connect().unwrap();
    cmd(&mut client, "CONFIG SET notify-keyspace-events Eg$");
    let mut sub = subscriber(&server);
    psubscribe(&mut sub, &["__keyevent@0__:*"]);
    let keys: Vec<String> = (0..200)
        .map(|i| format!("key:{}", (i * 7919) % 1000))
        .collect();
    let mut mset = vec!["MSET".to_string()];
    for key in &keys {
        mset.push(key.clone());
        mset.push("v".to_string());
    }
    client.command(&mset).unwrap();
    let got = events(&mut sub, keys.len(), ACTIVE_EXPIRY_WAIT);
    let wanted: Vec<Event> = keys
        .iter()
        .map(|k| event("__keyevent@0__:set", k))
        .collect();
    assert_eq!(got, wanted);

    let mut del = vec!["DEL".to_string()];
    del.extend(keys.iter().rev().cloned());
    del.push("missing".to_string());
    assert_eq!(client.command(&del).unwrap(), b":200\r\n");
    let got = events(&mut sub, keys.len(), ACTIVE_EXPIRY_WAIT);
    let wanted: Vec<Event> = keys
        .iter()
        .rev()
        .map(|k| event("__keyevent@0__:del", k))
        .collect();
    assert_eq!(got, wanted);
    assert_quiet(&mut sub);
}

/// Writers on several connections: every event arrives once, and each writer's events in the
/// order of its commands.
#[test]
fn concurrent_writers_each_keep_their_order() {
    let server = start();
    let mut admin = server.connect().unwrap();
    cmd(&mut admin, "CONFIG SET notify-keyspace-events E$");
    let mut sub = subscriber(&server);
    psubscribe(&mut sub, &["__keyevent@0__:incrby"]);
    const WRITERS: usize = 4;
    const ROUNDS: usize = 200;
    let port = server.port();
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            thread::spawn(move || {
                let mut conn = RespConn::connect(port).unwrap();
                for round in 0..ROUNDS {
                    // Each round increments another key so order is visible in the keys.
                    cmd(&mut conn, &format!("INCR w{w}:{round}"));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let got = events(&mut sub, WRITERS * ROUNDS, ACTIVE_EXPIRY_WAIT);
    assert_eq!(got.len(), WRITERS * ROUNDS);
    for w in 0..WRITERS {
        let prefix = format!("w{w}:");
        let mine: Vec<String> = got
            .iter()
            .filter(|(_, key)| key.starts_with(&prefix))
            .map(|(_, key)| key.clone())
            .collect();
        let wanted: Vec<String> = (0..ROUNDS).map(|r| format!("{prefix}{r}")).collect();
        assert_eq!(mine, wanted);
    }
    assert_quiet(&mut sub);
}

/// EXISTS, TYPE and the TTL family count hits and misses without touching the key; OBJECT
/// counts them without raising `keymiss`; COPY reads its source as a lookup.
#[test]
fn read_lookups_count_hits_and_misses() {
    let server = start();
    let mut client = server.connect().unwrap();
    cmd(&mut client, "SET a 1");
    cmd(&mut client, "CONFIG RESETSTAT");
    let stats = |client: &mut RespConn| -> (u64, u64) {
        let info = String::from_utf8(cmd(client, "INFO stats")).unwrap();
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(u64::MAX)
        };
        (field("keyspace_hits:"), field("keyspace_misses:"))
    };
    cmd(&mut client, "EXISTS a z");
    assert_eq!(stats(&mut client), (1, 1));
    cmd(&mut client, "TTL a");
    cmd(&mut client, "PTTL z");
    assert_eq!(stats(&mut client), (2, 2));
    cmd(&mut client, "COPY a b");
    cmd(&mut client, "COPY z b");
    assert_eq!(stats(&mut client), (3, 3));
    cmd(&mut client, "OBJECT ENCODING a");
    cmd(&mut client, "TYPE z");
    assert_eq!(stats(&mut client), (4, 4));
}
