//! Pub/Sub with several real connections: delivery to channel, pattern and shard subscribers in
//! RESP2 and RESP3, RESP3 pushes interleaved with the replies of the subscriber's own pipeline,
//! the output-buffer limits that disconnect a subscriber that stops reading (hard limit, soft
//! limit over time, limits from the command line and CONFIG SET), fan-out to ten thousand
//! subscribers, and the cleanup of subscriptions on disconnection, RESET and CLIENT KILL.
//! Reply shapes on a single connection are covered by the differential corpus
//! (tests/corpus/pubsub.txt); the facts asserted here were checked on Valkey 8.1.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{await_closed, encode_command, escape_bytes, ReadOutcome, RespConn, ServerProcess};

fn start(args: &[&str]) -> ServerProcess {
    ServerProcess::start_ferrokey(args).expect("server starts")
}

fn conn(server: &ServerProcess) -> RespConn {
    server.connect().expect("connects")
}

fn cmd(conn: &mut RespConn, line: &str) -> Vec<u8> {
    let args: Vec<&str> = line.split(' ').collect();
    conn.command(&args).expect("reply")
}

fn reply(conn: &mut RespConn) -> Vec<u8> {
    match conn.read_reply() {
        ReadOutcome::Frame(frame) => frame,
        other => panic!("expected a reply, got {}", escape_bytes(&other.to_bytes())),
    }
}

fn resp3(server: &ServerProcess) -> RespConn {
    let mut conn = conn(server);
    assert!(cmd(&mut conn, "HELLO 3").starts_with(b"%"));
    conn
}

fn bulk(text: &[u8]) -> Vec<u8> {
    [format!("${}\r\n", text.len()).as_bytes(), text, b"\r\n"].concat()
}

/// A message frame: `kind` is `*` (RESP2) or `>` (RESP3); parts after the type word.
fn frame(kind: char, word: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("{kind}{}\r\n", parts.len() + 1).into_bytes();
    out.extend(bulk(word.as_bytes()));
    for part in parts {
        out.extend(bulk(part));
    }
    out
}

fn int(n: i64) -> Vec<u8> {
    format!(":{n}\r\n").into_bytes()
}

/// The value of one INFO field, from the given section.
fn info_field(conn: &mut RespConn, section: &str, name: &str) -> i64 {
    let info = String::from_utf8(cmd(conn, &format!("INFO {section}"))).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {info}"))
}

/// PUBSUB NUMSUB for one channel.
fn numsub(conn: &mut RespConn, channel: &str) -> i64 {
    let reply = cmd(conn, &format!("PUBSUB NUMSUB {channel}"));
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.rsplit(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("bad NUMSUB reply {text}"))
}

/// Polls `probe` until it returns `want`, for state that changes when a connection task
/// notices its socket closed.
fn await_value(what: &str, want: i64, mut probe: impl FnMut() -> i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = probe();
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: still {got}, want {want}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn resp2_subscribers_receive_channel_pattern_and_shard_messages() {
    let server = start(&[]);
    let mut publisher = conn(&server);
    let mut channels = conn(&server);
    let mut patterns = conn(&server);
    let mut shards = conn(&server);
    channels
        .send_command(&["SUBSCRIBE", "news.1", "news.2"])
        .unwrap();
    assert_eq!(
        reply(&mut channels),
        frame_count('*', "subscribe", b"news.1", 1)
    );
    assert_eq!(
        reply(&mut channels),
        frame_count('*', "subscribe", b"news.2", 2)
    );
    assert_eq!(
        cmd(&mut patterns, "PSUBSCRIBE news.*"),
        frame_count('*', "psubscribe", b"news.*", 1)
    );
    assert_eq!(
        cmd(&mut shards, "SSUBSCRIBE news.1"),
        frame_count('*', "ssubscribe", b"news.1", 1)
    );
    assert_eq!(cmd(&mut publisher, "PUBLISH news.1 hello"), int(2));
    assert_eq!(cmd(&mut publisher, "SPUBLISH news.1 sharded"), int(1));
    assert_eq!(cmd(&mut publisher, "PUBLISH news.3 third"), int(1));
    assert_eq!(
        reply(&mut channels),
        frame('*', "message", &[b"news.1", b"hello"])
    );
    assert_eq!(
        reply(&mut patterns),
        frame('*', "pmessage", &[b"news.*", b"news.1", b"hello"])
    );
    assert_eq!(
        reply(&mut patterns),
        frame('*', "pmessage", &[b"news.*", b"news.3", b"third"])
    );
    assert_eq!(
        reply(&mut shards),
        frame('*', "smessage", &[b"news.1", b"sharded"])
    );
    // Messages from one publisher arrive in the order published, binary-safe.
    for i in 0..100 {
        let payload = format!("m{i}\r\n\0");
        publisher
            .send_command(&[b"PUBLISH".as_slice(), b"news.2", payload.as_bytes()])
            .unwrap();
    }
    for _ in 0..100 {
        assert_eq!(reply(&mut publisher), int(2));
    }
    for i in 0..100 {
        let payload = format!("m{i}\r\n\0");
        assert_eq!(
            reply(&mut channels),
            frame('*', "message", &[b"news.2", payload.as_bytes()])
        );
        assert_eq!(
            reply(&mut patterns),
            frame('*', "pmessage", &[b"news.*", b"news.2", payload.as_bytes()])
        );
    }
}

/// A `[word, name, count]` confirmation.
fn frame_count(kind: char, word: &str, name: &[u8], count: i64) -> Vec<u8> {
    let mut out = format!("{kind}3\r\n").into_bytes();
    out.extend(bulk(word.as_bytes()));
    out.extend(bulk(name));
    out.extend(int(count));
    out
}

#[test]
fn resp3_pushes_interleave_with_the_subscribers_own_replies() {
    let server = start(&[]);
    let mut subscriber = resp3(&server);
    assert_eq!(
        cmd(&mut subscriber, "SUBSCRIBE ch"),
        frame_count('>', "subscribe", b"ch", 1)
    );
    // Its own message follows the PUBLISH reply, before the next command's (as Valkey).
    subscriber
        .send_raw(
            &[
                encode_command(&["PUBLISH", "ch", "self"]),
                encode_command(&["PING"]),
            ]
            .concat(),
        )
        .unwrap();
    assert_eq!(reply(&mut subscriber), int(1));
    assert_eq!(
        reply(&mut subscriber),
        frame('>', "message", &[b"ch", b"self"])
    );
    assert_eq!(reply(&mut subscriber), b"+PONG\r\n");

    // Another client publishes while the subscriber runs a pipeline: every frame arrives
    // whole, replies in command order, messages in publishing order.
    const COUNT: i64 = 2000;
    let port = server.port();
    let publisher = thread::spawn(move || {
        let mut publisher = RespConn::connect(port).unwrap();
        for i in 0..COUNT {
            let message = format!("msg{i}");
            assert_eq!(
                publisher.command(&["PUBLISH", "ch", &message]).unwrap(),
                int(1)
            );
        }
    });
    for batch in 0..COUNT / 100 {
        let pipeline: Vec<u8> = (0..100)
            .flat_map(|_| encode_command(&["INCR", "counter"]))
            .collect();
        subscriber.send_raw(&pipeline).unwrap();
        if batch % 4 == 0 {
            thread::sleep(Duration::from_millis(1));
        }
    }
    let (mut replies, mut messages) = (0, 0);
    while replies < COUNT || messages < COUNT {
        let frame_bytes = reply(&mut subscriber);
        if frame_bytes.starts_with(b">") {
            let message = format!("msg{messages}");
            assert_eq!(
                frame_bytes,
                frame('>', "message", &[b"ch", message.as_bytes()])
            );
            messages += 1;
        } else {
            replies += 1;
            assert_eq!(frame_bytes, int(replies));
        }
    }
    publisher.join().unwrap();
}

#[test]
fn resp3_subscribers_receive_pushes_and_resp2_rules_return_with_hello_2() {
    let server = start(&[]);
    let mut publisher = conn(&server);
    let mut subscriber = resp3(&server);
    subscriber
        .send_command(&["SSUBSCRIBE", "s1", "s2"])
        .unwrap();
    assert_eq!(
        reply(&mut subscriber),
        frame_count('>', "ssubscribe", b"s1", 1)
    );
    assert_eq!(
        reply(&mut subscriber),
        frame_count('>', "ssubscribe", b"s2", 2)
    );
    assert_eq!(
        cmd(&mut subscriber, "PSUBSCRIBE s*"),
        frame_count('>', "psubscribe", b"s*", 1)
    );
    // Shard channels and channels are separate spaces; patterns match channels only.
    assert_eq!(cmd(&mut publisher, "SPUBLISH s1 a"), int(1));
    assert_eq!(cmd(&mut publisher, "PUBLISH s1 b"), int(1));
    assert_eq!(
        reply(&mut subscriber),
        frame('>', "smessage", &[b"s1", b"a"])
    );
    assert_eq!(
        reply(&mut subscriber),
        frame('>', "pmessage", &[b"s*", b"s1", b"b"])
    );
    assert_eq!(cmd(&mut subscriber, "SET k v"), b"+OK\r\n");
    assert!(cmd(&mut subscriber, "HELLO 2").starts_with(b"*14\r\n"));
    assert_eq!(
        cmd(&mut publisher, "SPUBLISH s2 c"),
        int(1),
        "a subscriber that switched to RESP2 keeps its subscriptions"
    );
    assert_eq!(
        reply(&mut subscriber),
        frame('*', "smessage", &[b"s2", b"c"])
    );
    assert_eq!(
        cmd(&mut subscriber, "GET k"),
        b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
          RESET are allowed in this context\r\n"
    );
    assert_eq!(cmd(&mut subscriber, "RESET"), b"+RESET\r\n");
    assert_eq!(cmd(&mut publisher, "SPUBLISH s2 d"), int(0));
    assert_eq!(cmd(&mut subscriber, "GET k"), bulk(b"v"));
}

/// Publishes `count` messages of `size` bytes to `channel`, returning the replies' counts.
fn publish_big(publisher: &mut RespConn, channel: &str, size: usize, count: usize) -> Vec<i64> {
    let payload = vec![b'x'; size];
    (0..count)
        .map(|_| {
            let reply = publisher
                .command(&[b"PUBLISH".as_slice(), channel.as_bytes(), &payload])
                .unwrap();
            String::from_utf8_lossy(&reply)
                .trim_start_matches(':')
                .trim()
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn a_subscriber_that_stops_reading_is_disconnected_at_the_hard_limit() {
    const MB: usize = 1 << 20;
    // Four times the hard limit: unbounded queueing would grow by about 128 MB.
    const MESSAGES: usize = 128;
    let server = start(&[]);
    let mut admin = conn(&server);
    let mut publisher = conn(&server);
    let mut reader = conn(&server);
    let mut stalled = conn(&server);
    assert_eq!(cmd(&mut stalled, "CLIENT SETNAME stalled"), b"+OK\r\n");
    cmd(&mut stalled, "SUBSCRIBE ch");
    cmd(&mut reader, "SUBSCRIBE ch");
    let baseline = info_field(&mut admin, "memory", "used_memory");
    let mut peak = baseline;
    let mut counts = Vec::new();
    let mut saw_omem = 0;
    for _ in 0..MESSAGES {
        counts.extend(publish_big(&mut publisher, "ch", MB, 1));
        // The other subscriber keeps up, so only the stalled one holds messages.
        assert!(reply(&mut reader).starts_with(b"*3\r\n$7\r\nmessage"));
        peak = peak.max(info_field(&mut admin, "memory", "used_memory"));
        let list = String::from_utf8_lossy(&cmd(&mut admin, "CLIENT LIST")).into_owned();
        if let Some(line) = list.lines().find(|l| l.contains("name=stalled ")) {
            let omem: i64 = line
                .split(' ')
                .find_map(|f| f.strip_prefix("omem="))
                .and_then(|v| v.parse().ok())
                .unwrap();
            saw_omem = saw_omem.max(omem);
        }
    }
    println!(
        "stalled subscriber: omem peaked at {saw_omem}, used_memory grew by at most {}",
        peak - baseline
    );
    // The reader got every message; the stalled subscriber stopped counting once cut off.
    assert_eq!(counts.first(), Some(&2));
    assert_eq!(counts.last(), Some(&1), "counts: {counts:?}");
    assert!(
        saw_omem > 16 * MB as i64 && saw_omem < 33 * MB as i64,
        "omem peaked at {saw_omem}"
    );
    assert!(
        peak - baseline < 56 * MB as i64,
        "used_memory grew by {} bytes",
        peak - baseline
    );
    assert_eq!(
        info_field(
            &mut admin,
            "stats",
            "client_output_buffer_limit_disconnections"
        ),
        1
    );
    await_value("NUMSUB ch", 1, || numsub(&mut admin, "ch"));
    await_closed(&mut stalled);
    assert_eq!(cmd(&mut publisher, "PING"), b"+PONG\r\n");
}

#[test]
fn output_limits_come_from_the_command_line_and_config_set() {
    const MB: usize = 1 << 20;
    let server = start(&["--client-output-buffer-limit", "pubsub", "4mb", "0", "0"]);
    let mut admin = conn(&server);
    let limits = cmd(&mut admin, "CONFIG GET client-output-buffer-limit");
    assert!(
        String::from_utf8_lossy(&limits).contains("pubsub 4194304 0 0"),
        "{}",
        escape_bytes(&limits)
    );
    let mut stalled = conn(&server);
    cmd(&mut stalled, "SUBSCRIBE ch");
    // Socket buffers take a few MB; past them, the queue reaches 4 MB well before 32.
    let counts = publish_big(&mut admin, "ch", MB, 32);
    assert_eq!(counts.last(), Some(&0), "counts: {counts:?}");
    await_closed(&mut stalled);

    // Soft limit: over 1 MB for more than a second, with no message after the first ones.
    let set = [
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "pubsub 0 1mb 1",
    ];
    assert_eq!(admin.command(&set).unwrap(), b"+OK\r\n");
    let mut stalled = conn(&server);
    cmd(&mut stalled, "SUBSCRIBE ch");
    let counts = publish_big(&mut admin, "ch", MB, 16);
    assert!(counts.iter().all(|&n| n == 1), "counts: {counts:?}");
    assert_eq!(numsub(&mut admin, "ch"), 1);
    await_value("NUMSUB ch after the soft limit's seconds", 0, || {
        numsub(&mut admin, "ch")
    });
    await_closed(&mut stalled);
    assert_eq!(
        info_field(
            &mut admin,
            "stats",
            "client_output_buffer_limit_disconnections"
        ),
        2
    );
}

/// This process's soft limit on open files, from /proc (Linux); None when unknown.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn fan_out_to_ten_thousand_subscribers() {
    // Each subscriber is a socket here and one in the server, which inherits our limit.
    let fd_room = open_files_limit().unwrap_or(usize::MAX).saturating_sub(300);
    let subscriber_count = fd_room.min(10_000);
    if subscriber_count < 10_000 {
        println!("open files limit allows only {subscriber_count} subscribers");
    }
    let server = start(&["--maxclients", "10100"]);
    let mut subscribers: Vec<RespConn> = (0..subscriber_count).map(|_| conn(&server)).collect();
    for subscriber in &mut subscribers {
        subscriber.send_command(&["SUBSCRIBE", "fan"]).unwrap();
    }
    for subscriber in &mut subscribers {
        assert_eq!(reply(subscriber), frame_count('*', "subscribe", b"fan", 1));
    }
    let mut admin = conn(&server);
    assert_eq!(numsub(&mut admin, "fan"), subscriber_count as i64);
    assert_eq!(
        info_field(&mut admin, "clients", "pubsub_clients"),
        subscriber_count as i64
    );

    // Another client keeps working while the messages go out.
    let port = server.port();
    let publisher = thread::spawn(move || {
        let mut publisher = RespConn::connect(port).unwrap();
        for i in 0..10 {
            let message = format!("m{i}");
            let reply = publisher.command(&["PUBLISH", "fan", &message]).unwrap();
            assert_eq!(reply, int(subscriber_count as i64));
        }
    });
    let mut slowest_ping = Duration::ZERO;
    while !publisher.is_finished() {
        let started = Instant::now();
        assert_eq!(cmd(&mut admin, "PING"), b"+PONG\r\n");
        slowest_ping = slowest_ping.max(started.elapsed());
    }
    publisher.join().unwrap();
    println!("slowest PING during the fan-out: {slowest_ping:?}");
    for subscriber in &mut subscribers {
        for i in 0..10 {
            let message = format!("m{i}");
            assert_eq!(
                reply(subscriber),
                frame('*', "message", &[b"fan", message.as_bytes()])
            );
        }
    }
    drop(subscribers);
    await_value("NUMSUB after the subscribers left", 0, || {
        numsub(&mut admin, "fan")
    });
    assert_eq!(info_field(&mut admin, "clients", "pubsub_clients"), 0);
    assert_eq!(info_field(&mut admin, "stats", "pubsub_channels"), 0);
}

#[test]
fn disconnection_reset_and_kill_drop_subscriptions() {
    let server = start(&[]);
    let mut admin = conn(&server);
    let mut leaver = conn(&server);
    leaver.send_command(&["SUBSCRIBE", "a", "b"]).unwrap();
    reply(&mut leaver);
    reply(&mut leaver);
    cmd(&mut leaver, "PSUBSCRIBE p*");
    cmd(&mut leaver, "SSUBSCRIBE s");
    let mut resp3_subscriber = resp3(&server);
    cmd(&mut resp3_subscriber, "PSUBSCRIBE p*");
    let mut normal = conn(&server);
    assert_eq!(info_field(&mut admin, "clients", "pubsub_clients"), 2);
    assert_eq!(info_field(&mut admin, "stats", "pubsub_channels"), 2);
    assert_eq!(info_field(&mut admin, "stats", "pubsub_patterns"), 1);
    assert_eq!(info_field(&mut admin, "stats", "pubsubshard_channels"), 1);
    assert_eq!(cmd(&mut admin, "PUBSUB NUMPAT"), int(1));

    // CLIENT LIST: the P flag and the counts, for RESP3 subscribers too.
    let list = String::from_utf8_lossy(&cmd(&mut admin, "CLIENT LIST TYPE pubsub")).into_owned();
    let lines: Vec<&str> = list.lines().filter(|l| l.contains("id=")).collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(lines[0].contains(" flags=P ") && lines[0].contains(" sub=2 psub=1 ssub=1 "));
    assert!(lines[1].contains(" flags=P ") && lines[1].contains(" sub=0 psub=1 ssub=0 "));

    // Disconnection.
    drop(leaver);
    await_value("NUMSUB a", 0, || numsub(&mut admin, "a"));
    await_value("pubsub_clients", 1, || {
        info_field(&mut admin, "clients", "pubsub_clients")
    });
    assert_eq!(info_field(&mut admin, "stats", "pubsub_channels"), 0);
    assert_eq!(info_field(&mut admin, "stats", "pubsubshard_channels"), 0);
    assert_eq!(cmd(&mut admin, "PUBSUB NUMPAT"), int(1));

    // CLIENT KILL TYPE pubsub takes subscribers only, and their subscriptions go at once.
    assert_eq!(cmd(&mut admin, "CLIENT KILL TYPE pubsub"), int(1));
    assert_eq!(cmd(&mut admin, "PUBSUB NUMPAT"), int(0));
    assert_eq!(info_field(&mut admin, "clients", "pubsub_clients"), 0);
    await_closed(&mut resp3_subscriber);
    assert_eq!(cmd(&mut normal, "PING"), b"+PONG\r\n");

    // CLIENT KILL ID on a subscriber; RESET on another.
    let mut killed = conn(&server);
    let id = String::from_utf8_lossy(&cmd(&mut killed, "CLIENT ID"))
        .trim_start_matches(':')
        .trim()
        .to_string();
    cmd(&mut killed, "SUBSCRIBE k");
    let mut reset = conn(&server);
    cmd(&mut reset, "SUBSCRIBE k");
    assert_eq!(numsub(&mut admin, "k"), 2);
    assert_eq!(cmd(&mut admin, &format!("CLIENT KILL ID {id}")), int(1));
    assert_eq!(numsub(&mut admin, "k"), 1);
    await_closed(&mut killed);
    assert_eq!(cmd(&mut reset, "RESET"), b"+RESET\r\n");
    assert_eq!(numsub(&mut admin, "k"), 0);
    assert_eq!(cmd(&mut admin, "PUBLISH k x"), int(0));
    assert_eq!(info_field(&mut admin, "clients", "pubsub_clients"), 0);
}

#[test]
fn subscribers_are_exempt_from_the_idle_timeout() {
    let server = start(&["--timeout", "1"]);
    let mut subscriber = conn(&server);
    cmd(&mut subscriber, "SUBSCRIBE x");
    let mut resp3_subscriber = resp3(&server);
    cmd(&mut resp3_subscriber, "PSUBSCRIBE x*");
    let mut idle = conn(&server);
    assert_eq!(cmd(&mut idle, "PING"), b"+PONG\r\n");
    // The cron-independent timer closes an idle client after one to two seconds.
    await_closed(&mut idle);
    thread::sleep(Duration::from_millis(1500));
    let mut publisher = conn(&server);
    assert_eq!(cmd(&mut publisher, "PUBLISH x hi"), int(2));
    assert_eq!(
        reply(&mut subscriber),
        frame('*', "message", &[b"x", b"hi"])
    );
    assert_eq!(
        reply(&mut resp3_subscriber),
        frame('>', "pmessage", &[b"x*", b"x", b"hi"])
    );
}
