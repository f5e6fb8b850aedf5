//! Blocking commands with several real connections: the order waiters are served in, what a
//! served push leaves behind, timeouts, keys deleted or retyped under a waiter, CLIENT UNBLOCK
//! and KILL, disconnection, pipelines behind a blocked command, many waiters at once, and
//! BLMOVE between shards under concurrent load. A test never sleeps to let a client block: it
//! waits until the server lists the client as blocked.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, send, RespConn, ServerProcess};

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&[]).expect("server starts")
}

fn conn(server: &ServerProcess) -> RespConn {
    server.connect().expect("connects")
}

fn reply(conn: &mut RespConn) -> Vec<u8> {
    match conn.read_reply() {
        common::ReadOutcome::Frame(frame) => frame,
        other => panic!(
            "expected a reply, got {}",
            common::escape_bytes(&other.to_bytes())
        ),
    }
}

/// The value of one INFO field.
fn info_field(conn: &mut RespConn, name: &str) -> i64 {
    let info = String::from_utf8(cmd(conn, "INFO clients")).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {info}"))
}

/// Waits until the server reports `n` blocked clients.
fn await_blocked(admin: &mut RespConn, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(admin, "blocked_clients") != n {
        assert!(Instant::now() < deadline, "never saw {n} blocked clients");
        thread::yield_now();
    }
}

fn bulk_pair(key: &str, value: &str) -> Vec<u8> {
    format!(
        "*2\r\n${}\r\n{key}\r\n${}\r\n{value}\r\n",
        key.len(),
        value.len()
    )
    .into_bytes()
}

#[test]
fn waiters_on_one_key_are_served_first_come_first_served() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiters: Vec<RespConn> = (0..3).map(|_| conn(&server)).collect();
    for (i, waiter) in waiters.iter_mut().enumerate() {
        send(waiter, "BLPOP queue 0");
        await_blocked(&mut admin, i as i64 + 1);
    }
    assert_eq!(cmd(&mut admin, "RPUSH queue a b"), b":2\r\n");
    assert_eq!(reply(&mut waiters[0]), bulk_pair("queue", "a"));
    assert_eq!(reply(&mut waiters[1]), bulk_pair("queue", "b"));
    assert_eq!(info_field(&mut admin, "blocked_clients"), 1);
    assert_eq!(info_field(&mut admin, "total_blocking_keys"), 1);
    assert_eq!(cmd(&mut admin, "LPUSH queue c"), b":1\r\n");
    assert_eq!(reply(&mut waiters[2]), bulk_pair("queue", "c"));
    assert_eq!(info_field(&mut admin, "blocked_clients"), 0);
    assert_eq!(info_field(&mut admin, "total_blocking_keys"), 0);
}

#[test]
fn a_push_consumed_by_a_waiter_is_never_seen_by_others() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    send(&mut waiter, "BRPOP q 0");
    await_blocked(&mut admin, 1);
    // The writer's next commands, in the same pipeline, run after the waiter was served.
    admin
        .send_raw(
            &[
                common::encode_command(&["RPUSH", "q", "x"]),
                common::encode_command(&["EXISTS", "q"]),
            ]
            .concat(),
        )
        .unwrap();
    assert_eq!(reply(&mut admin), b":1\r\n");
    assert_eq!(reply(&mut admin), b":0\r\n");
    assert_eq!(reply(&mut waiter), bulk_pair("q", "x"));
}

#[test]
fn a_client_blocked_on_several_keys_is_served_from_the_one_that_gets_data() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    send(&mut waiter, "BLMPOP 0 3 a b c RIGHT COUNT 2");
    await_blocked(&mut admin, 1);
    assert_eq!(info_field(&mut admin, "total_blocking_keys"), 3);
    assert_eq!(cmd(&mut admin, "RPUSH c 1 2 3"), b":3\r\n");
    assert_eq!(
        reply(&mut waiter),
        b"*2\r\n$1\r\nc\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"
    );
    assert_eq!(cmd(&mut admin, "LRANGE c 0 -1"), b"*1\r\n$1\r\n1\r\n");
    assert_eq!(info_field(&mut admin, "total_blocking_keys"), 0);
}

#[test]
fn timeouts_reply_null_after_the_time_has_passed() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    for (line, resp2) in [
        ("BLPOP k 0.2", &b"*-1\r\n"[..]),
        ("BLMOVE k d LEFT LEFT 0.2", b"*-1\r\n"),
        ("BZMPOP 0.2 1 z MIN", b"*-1\r\n"),
    ] {
        let started = Instant::now();
        assert_eq!(cmd(&mut waiter, line), resp2, "{line}");
        assert!(started.elapsed() >= Duration::from_millis(200), "{line}");
    }
    assert_eq!(info_field(&mut admin, "clients_in_timeout_table"), 0);
    assert!(cmd(&mut waiter, "HELLO 3").starts_with(b"%"));
    assert_eq!(cmd(&mut waiter, "BZPOPMAX z 0.05"), b"_\r\n");
    assert_eq!(info_field(&mut admin, "blocked_clients"), 0);
}

#[test]
fn waiters_stay_blocked_while_their_key_is_deleted_or_of_another_type() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    send(&mut waiter, "BZPOPMIN z 0");
    await_blocked(&mut admin, 1);
    assert_eq!(cmd(&mut admin, "RPUSH z not-a-zset"), b":1\r\n");
    assert_eq!(cmd(&mut admin, "DEL z"), b":1\r\n");
    assert_eq!(cmd(&mut admin, "SET z string"), b"+OK\r\n");
    assert_eq!(cmd(&mut admin, "FLUSHALL"), b"+OK\r\n");
    assert_eq!(info_field(&mut admin, "blocked_clients"), 1);
    assert_eq!(cmd(&mut admin, "ZADD z 2.5 m"), b":1\r\n");
    assert_eq!(
        reply(&mut waiter),
        b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n$3\r\n2.5\r\n"
    );
}

#[test]
fn a_moved_element_serves_the_clients_waiting_on_the_destination() {
    let server = start();
    let mut admin = conn(&server);
    let mut mover = conn(&server);
    let mut popper = conn(&server);
    send(&mut mover, "BLMOVE src dst RIGHT LEFT 0");
    await_blocked(&mut admin, 1);
    send(&mut popper, "BLPOP dst 0");
    await_blocked(&mut admin, 2);
    assert_eq!(cmd(&mut admin, "RPUSH src a b"), b":2\r\n");
    assert_eq!(reply(&mut mover), b"$1\r\nb\r\n");
    assert_eq!(reply(&mut popper), bulk_pair("dst", "b"));
    assert_eq!(cmd(&mut admin, "LRANGE src 0 -1"), b"*1\r\n$1\r\na\r\n");
    assert_eq!(cmd(&mut admin, "EXISTS dst"), b":0\r\n");
}

#[test]
fn a_destination_of_the_wrong_type_fails_the_waiter_and_keeps_the_element() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    cmd(&mut admin, "SET dst string");
    send(&mut waiter, "BRPOPLPUSH src dst 0");
    await_blocked(&mut admin, 1);
    assert_eq!(cmd(&mut admin, "RPUSH src e"), b":1\r\n");
    assert!(reply(&mut waiter).starts_with(b"-WRONGTYPE"));
    assert_eq!(cmd(&mut admin, "LRANGE src 0 -1"), b"*1\r\n$1\r\ne\r\n");
}

#[test]
fn client_unblock_and_client_kill_end_a_wait() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    let id = String::from_utf8(cmd(&mut waiter, "CLIENT ID")).unwrap();
    let id = id.trim_start_matches(':').trim();
    for (reason, expected) in [
        ("TIMEOUT", &b"*-1\r\n"[..]),
        (
            "ERROR",
            b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n",
        ),
    ] {
        send(&mut waiter, "BLPOP k 0");
        await_blocked(&mut admin, 1);
        let list = String::from_utf8(cmd(&mut admin, "CLIENT LIST")).unwrap();
        assert!(list.contains(" flags=b "), "{list}");
        assert_eq!(
            cmd(&mut admin, &format!("CLIENT UNBLOCK {id} {reason}")),
            b":1\r\n"
        );
        assert_eq!(reply(&mut waiter), expected);
        assert_eq!(cmd(&mut admin, &format!("CLIENT UNBLOCK {id}")), b":0\r\n");
    }
    // The connection works on after an unblock.
    assert_eq!(cmd(&mut waiter, "PING"), b"+PONG\r\n");
    send(&mut waiter, "BLPOP k 0");
    await_blocked(&mut admin, 1);
    assert_eq!(cmd(&mut admin, &format!("CLIENT KILL ID {id}")), b":1\r\n");
    assert!(!waiter.read_reply().connection_alive());
    await_blocked(&mut admin, 0);
    assert_eq!(info_field(&mut admin, "total_blocking_keys"), 0);
    // Nothing is popped for a client that is gone.
    assert_eq!(cmd(&mut admin, "RPUSH k v"), b":1\r\n");
    assert_eq!(cmd(&mut admin, "LLEN k"), b":1\r\n");
}

#[test]
fn a_client_that_disconnects_while_blocked_leaves_no_waiter_behind() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    send(&mut waiter, "BLPOP gone 0");
    await_blocked(&mut admin, 1);
    drop(waiter);
    await_blocked(&mut admin, 0);
    assert_eq!(cmd(&mut admin, "RPUSH gone v"), b":1\r\n");
    assert_eq!(cmd(&mut admin, "LLEN gone"), b":1\r\n");
}

#[test]
fn requests_pipelined_behind_a_blocked_command_wait_for_it() {
    let server = start();
    let mut admin = conn(&server);
    let mut waiter = conn(&server);
    waiter
        .send_raw(
            &[
                common::encode_command(&["BLPOP", "k", "0"]),
                common::encode_command(&["LPUSH", "after", "1"]),
                common::encode_command(&["PING"]),
            ]
            .concat(),
        )
        .unwrap();
    await_blocked(&mut admin, 1);
    assert_eq!(cmd(&mut admin, "EXISTS after"), b":0\r\n");
    assert_eq!(cmd(&mut admin, "RPUSH k v"), b":1\r\n");
    assert_eq!(reply(&mut waiter), bulk_pair("k", "v"));
    assert_eq!(reply(&mut waiter), b":1\r\n");
    assert_eq!(reply(&mut waiter), b"+PONG\r\n");
}

#[test]
fn hundreds_of_waiters_are_each_served_by_their_own_key() {
    const WAITERS: usize = 500;
    let server = start();
    let mut admin = conn(&server);
    let mut waiters: Vec<RespConn> = (0..WAITERS).map(|_| conn(&server)).collect();
    for (i, waiter) in waiters.iter_mut().enumerate() {
        send(waiter, &format!("BLPOP key:{i} other:{i} 0"));
    }
    await_blocked(&mut admin, WAITERS as i64);
    assert_eq!(
        info_field(&mut admin, "total_blocking_keys"),
        2 * WAITERS as i64
    );
    // Commands on other keys are not slowed down by the waiters.
    for i in 0..1000 {
        cmd(&mut admin, &format!("SET unrelated:{i} v"));
    }
    for (i, waiter) in waiters.iter_mut().enumerate().rev() {
        cmd(&mut admin, &format!("RPUSH other:{i} v{i}"));
        assert_eq!(
            reply(waiter),
            bulk_pair(&format!("other:{i}"), &format!("v{i}"))
        );
    }
    assert_eq!(info_field(&mut admin, "total_blocking_keys"), 0);
}

#[test]
fn blocking_moves_between_shards_lose_and_duplicate_nothing() {
    const KEYS: usize = 8;
    const ELEMENTS_PER_PRODUCER: usize = 500;
    const PRODUCERS: usize = 2;
    let server = start();
    let port = server.port();
    // Movers shuttle elements from ring:i to ring:i+1, blocking when empty, until they have
    // passed on the STOP that follows every element.
    let movers: Vec<_> = (0..KEYS - 1)
        .map(|i| {
            thread::spawn(move || {
                let mut conn = RespConn::connect(port).unwrap();
                let line = format!("BLMOVE ring:{i} ring:{} LEFT RIGHT 0", i + 1);
                while cmd(&mut conn, &line) != b"$4\r\nSTOP\r\n" {}
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            thread::spawn(move || {
                let mut conn = RespConn::connect(port).unwrap();
                for n in 0..ELEMENTS_PER_PRODUCER {
                    cmd(&mut conn, &format!("RPUSH ring:0 p{p}-{n}"));
                }
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    cmd(&mut conn(&server), "RPUSH ring:0 STOP");
    for mover in movers {
        mover.join().unwrap();
    }
    let mut admin = conn(&server);
    let total = PRODUCERS * ELEMENTS_PER_PRODUCER + 1;
    assert_eq!(
        cmd(&mut admin, &format!("LLEN ring:{}", KEYS - 1)),
        format!(":{total}\r\n").into_bytes()
    );
    for i in 0..KEYS - 1 {
        assert_eq!(cmd(&mut admin, &format!("EXISTS ring:{i}")), b":0\r\n");
    }
}
