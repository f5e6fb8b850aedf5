//! Client-side caching with several real connections: invalidation pushes in RESP3 default mode
//! and their order after the client's own replies (pipelined), NOLOOP, OPTIN/OPTOUT with CLIENT
//! CACHING, BCAST prefixes, REDIRECT to a RESP2 subscriber of `__redis__:invalidate`, a broken
//! redirection, flushes, expiry, MULTI/EXEC, `tracking-table-max-keys`, writers on many
//! connections at once, and the cleanup of tracking state (OFF, RESET, disconnection, CLIENT
//! KILL) as INFO and CLIENT LIST show it, and the output-buffer limits that close a receiver
//! of invalidations that stops reading. Reply shapes are covered by the differential corpus
//! (tests/corpus/tracking.txt); the facts asserted here were checked on Valkey 8.1.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{
    await_closed, cmd, encode_command, escape_bytes, send, ReadOutcome, RespConn, ServerProcess,
};

fn start(args: &[&str]) -> ServerProcess {
    ServerProcess::start_ferrokey(args).expect("server starts")
}

fn conn(server: &ServerProcess) -> RespConn {
    server.connect().expect("connects")
}

fn resp3(server: &ServerProcess) -> RespConn {
    let mut conn = conn(server);
    assert!(cmd(&mut conn, "HELLO 3").starts_with(b"%"));
    conn
}

fn reply(conn: &mut RespConn) -> Vec<u8> {
    match conn.read_reply() {
        ReadOutcome::Frame(frame) => frame,
        other => panic!("expected a reply, got {}", escape_bytes(&other.to_bytes())),
    }
}

/// The RESP3 invalidation push for one key.
fn invalidation(key: &str) -> Vec<u8> {
    format!(
        ">2\r\n$10\r\ninvalidate\r\n*1\r\n${}\r\n{key}\r\n",
        key.len()
    )
    .into_bytes()
}

/// The RESP3 invalidation push for a BCAST batch.
fn batch(keys: &[&str]) -> Vec<u8> {
    let mut out = format!(">2\r\n$10\r\ninvalidate\r\n*{}\r\n", keys.len());
    for key in keys {
        out.push_str(&format!("${}\r\n{key}\r\n", key.len()));
    }
    out.into_bytes()
}

const FLUSHED: &[u8] = b">2\r\n$10\r\ninvalidate\r\n_\r\n";

fn client_id(conn: &mut RespConn) -> u64 {
    let id = cmd(conn, "CLIENT ID");
    std::str::from_utf8(&id[1..id.len() - 2])
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad CLIENT ID reply {}", escape_bytes(&id)))
}

/// The value of one INFO field.
fn info_field(conn: &mut RespConn, name: &str) -> i64 {
    let info = String::from_utf8(cmd(conn, "INFO everything")).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in INFO"))
}

/// Polls `probe` until it returns `want` (state a disconnection changes asynchronously).
fn eventually(want: i64, mut probe: impl FnMut() -> i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = probe();
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "still {got}, want {want}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// The `flags=` and `redir=` fields of a CLIENT INFO / CLIENT LIST line.
fn flags_and_redir(line: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(line).into_owned();
    let field = |name: &str| {
        text.split(' ')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    (field("flags="), field("redir="))
}

#[test]
fn resp3_default_mode_invalidates_each_read_once() {
    let server = start(&[]);
    let mut reader = resp3(&server);
    let mut writer = server.redis_connection().expect("writer");
    assert_eq!(cmd(&mut reader, "CLIENT TRACKING on"), b"+OK\r\n");
    assert_eq!(cmd(&mut reader, "GET k"), b"_\r\n");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("1")
        .query(&mut writer)
        .unwrap();
    assert_eq!(reply(&mut reader), invalidation("k"));
    // Not read again: the next write says nothing; the next message is another key's.
    cmd(&mut reader, "GET other");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("2")
        .query(&mut writer)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("other")
        .arg("x")
        .query(&mut writer)
        .unwrap();
    assert_eq!(reply(&mut reader), invalidation("other"));
    // A RESP2 client without redirection hears nothing.
    let mut plain = conn(&server);
    cmd(&mut plain, "CLIENT TRACKING on");
    cmd(&mut plain, "GET k");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("3")
        .query(&mut writer)
        .unwrap();
    assert_eq!(cmd(&mut plain, "PING"), b"+PONG\r\n");
}

#[test]
fn own_writes_are_invalidated_right_after_their_reply_in_a_pipeline() {
    let server = start(&[]);
    let mut client = resp3(&server);
    cmd(&mut client, "CLIENT TRACKING on");
    for line in ["GET a", "SET a 1", "MGET b c", "MSET b 1 c 2", "PING"] {
        send(&mut client, line);
    }
    let expected: Vec<Vec<u8>> = vec![
        b"_\r\n".to_vec(),
        b"+OK\r\n".to_vec(),
        invalidation("a"),
        b"*2\r\n_\r\n_\r\n".to_vec(),
        b"+OK\r\n".to_vec(),
        invalidation("b"),
        invalidation("c"),
        b"+PONG\r\n".to_vec(),
    ];
    for want in expected {
        assert_eq!(escape_bytes(&reply(&mut client)), escape_bytes(&want));
    }
}

#[test]
fn noloop_spares_only_the_clients_own_changes() {
    let server = start(&[]);
    let mut client = resp3(&server);
    let mut writer = conn(&server);
    cmd(&mut client, "CLIENT TRACKING on NOLOOP");
    cmd(&mut client, "MGET mine theirs");
    assert_eq!(cmd(&mut client, "SET mine 1"), b"+OK\r\n");
    cmd(&mut writer, "SET theirs 1");
    assert_eq!(reply(&mut client), invalidation("theirs"));
    // Flushes reach NOLOOP clients whoever flushes.
    assert_eq!(cmd(&mut client, "FLUSHALL"), b"+OK\r\n");
    assert_eq!(reply(&mut client), FLUSHED);
}

#[test]
fn optin_and_optout_follow_client_caching() {
    let server = start(&[]);
    let mut client = resp3(&server);
    let mut writer = conn(&server);
    cmd(&mut client, "CLIENT TRACKING on OPTIN");
    cmd(&mut client, "GET skipped");
    assert_eq!(cmd(&mut client, "CLIENT CACHING yes"), b"+OK\r\n");
    cmd(&mut client, "GET cached");
    cmd(&mut client, "GET skipped2");
    // CACHING covers a whole transaction.
    cmd(&mut client, "CLIENT CACHING yes");
    for line in ["MULTI", "GET t1", "GET t2", "EXEC"] {
        cmd(&mut client, line);
    }
    cmd(&mut writer, "MSET skipped 1 cached 1 skipped2 1 t1 1 t2 1");
    for key in ["cached", "t1", "t2"] {
        assert_eq!(
            escape_bytes(&reply(&mut client)),
            escape_bytes(&invalidation(key))
        );
    }
    cmd(&mut client, "CLIENT TRACKING off");
    cmd(&mut client, "CLIENT TRACKING on OPTOUT");
    cmd(&mut client, "CLIENT CACHING no");
    cmd(&mut client, "GET out1");
    cmd(&mut client, "GET in1");
    cmd(&mut writer, "MSET out1 1 in1 1");
    assert_eq!(reply(&mut client), invalidation("in1"));
    assert_eq!(
        cmd(&mut client, "CLIENT CACHING yes"),
        b"-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n"
    );
}

#[test]
fn bcast_sends_one_batch_per_prefix_after_the_writers_pipeline() {
    let server = start(&[]);
    let mut listener = resp3(&server);
    let mut own = resp3(&server);
    let mut writer = conn(&server);
    cmd(
        &mut listener,
        "CLIENT TRACKING on BCAST PREFIX user: PREFIX item:",
    );
    cmd(&mut own, "CLIENT TRACKING on BCAST PREFIX user: NOLOOP");
    // One pipeline, in one write: the keys collect and go out together, in byte order.
    let pipeline: Vec<u8> = [
        "SET user:2 a",
        "SET item:9 b",
        "SET user:1 c",
        "SET other d",
    ]
    .iter()
    .flat_map(|line| encode_command(&line.split(' ').collect::<Vec<_>>()))
    .collect();
    writer.send_raw(&pipeline).expect("sent");
    for _ in 0..4 {
        assert_eq!(reply(&mut writer), b"+OK\r\n");
    }
    assert_eq!(
        escape_bytes(&reply(&mut listener)),
        escape_bytes(&batch(&["item:9"]))
    );
    assert_eq!(
        escape_bytes(&reply(&mut listener)),
        escape_bytes(&batch(&["user:1", "user:2"]))
    );
    assert_eq!(
        escape_bytes(&reply(&mut own)),
        escape_bytes(&batch(&["user:1", "user:2"]))
    );
    // NOLOOP: the client's own change is left out, another's is not.
    assert_eq!(cmd(&mut own, "SET user:3 x"), b"+OK\r\n");
    cmd(&mut writer, "SET user:4 x");
    assert_eq!(
        escape_bytes(&reply(&mut own)),
        escape_bytes(&batch(&["user:4"]))
    );
    assert_eq!(
        escape_bytes(&reply(&mut listener)),
        escape_bytes(&batch(&["user:3"]))
    );
    assert_eq!(
        escape_bytes(&reply(&mut listener)),
        escape_bytes(&batch(&["user:4"]))
    );
    assert_eq!(info_field(&mut writer, "tracking_total_prefixes"), 2);
    let (flags, redir) = flags_and_redir(&cmd(&mut listener, "CLIENT INFO"));
    assert_eq!((flags.as_str(), redir.as_str()), ("tB", "0"));
}

#[test]
fn redirect_to_a_resp2_subscriber_and_broken_redirect() {
    let server = start(&[]);
    let mut subscriber = conn(&server);
    let target = client_id(&mut subscriber);
    cmd(&mut subscriber, "SUBSCRIBE __redis__:invalidate");
    let mut tracker = resp3(&server);
    let mut writer = conn(&server);
    assert_eq!(
        cmd(
            &mut tracker,
            &format!("CLIENT TRACKING on REDIRECT {target}")
        ),
        b"+OK\r\n"
    );
    assert_eq!(
        cmd(&mut tracker, "CLIENT GETREDIR"),
        format!(":{target}\r\n").into_bytes()
    );
    cmd(&mut tracker, "GET k");
    cmd(&mut writer, "SET k 1");
    assert_eq!(
        reply(&mut subscriber),
        b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n"
    );
    // The tracker's protocol decides the null's shape, even redirected to RESP2.
    cmd(&mut writer, "FLUSHALL");
    assert_eq!(
        reply(&mut subscriber),
        b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n_\r\n"
    );
    let (flags, redir) = flags_and_redir(&cmd(&mut tracker, "CLIENT INFO"));
    assert_eq!((flags, redir), ("t".to_string(), target.to_string()));
    // The target goes away: the tracker is told, and flagged.
    assert_eq!(
        cmd(&mut writer, &format!("CLIENT KILL ID {target}")),
        b":1\r\n"
    );
    cmd(&mut tracker, "GET k");
    cmd(&mut writer, "SET k 2");
    assert_eq!(
        reply(&mut tracker),
        format!(">2\r\n$21\r\ntracking-redir-broken\r\n:{target}\r\n").into_bytes()
    );
    let (flags, _) = flags_and_redir(&cmd(&mut tracker, "CLIENT INFO"));
    assert_eq!(flags, "tR");
    let info = cmd(&mut tracker, "CLIENT TRACKINGINFO");
    assert!(
        info.windows(15).any(|w| w == b"broken_redirect"),
        "{}",
        escape_bytes(&info)
    );
}

#[test]
fn expiry_invalidates_keys_nobody_touches() {
    let server = start(&["--enable-debug-command", "yes"]);
    let mut reader = resp3(&server);
    let mut writer = conn(&server);
    cmd(&mut reader, "CLIENT TRACKING on");
    cmd(&mut writer, "SET e v PX 500");
    assert_eq!(cmd(&mut reader, "GET e"), b"$1\r\nv\r\n");
    // The active expiry cycle deletes it; the message comes without any command.
    assert_eq!(reply(&mut reader), invalidation("e"));
    // Lazy expiry by the reader itself: after the reply.
    cmd(&mut writer, "DEBUG SET-ACTIVE-EXPIRE 0");
    cmd(&mut writer, "SET f v PX 300");
    assert_eq!(cmd(&mut reader, "GET f"), b"$1\r\nv\r\n");
    thread::sleep(Duration::from_millis(400));
    assert_eq!(cmd(&mut reader, "TTL f"), b":-2\r\n");
    assert_eq!(reply(&mut reader), invalidation("f"));
    cmd(&mut writer, "DEBUG SET-ACTIVE-EXPIRE 1");
}

#[test]
fn transaction_invalidations_follow_the_exec_reply() {
    let server = start(&[]);
    let mut client = resp3(&server);
    cmd(&mut client, "CLIENT TRACKING on");
    cmd(&mut client, "MGET a b");
    for line in ["MULTI", "SET a 1", "GET c", "SET b 2", "INCR c"] {
        cmd(&mut client, line);
    }
    assert_eq!(cmd(&mut client, "EXEC"), b"*4\r\n+OK\r\n_\r\n+OK\r\n:1\r\n");
    for key in ["a", "b", "c"] {
        assert_eq!(
            escape_bytes(&reply(&mut client)),
            escape_bytes(&invalidation(key))
        );
    }
    assert_eq!(cmd(&mut client, "PING"), b"+PONG\r\n");
}

#[test]
fn table_limit_evicts_keys_with_an_invalidation() {
    let server = start(&["--tracking-table-max-keys", "10"]);
    let mut client = resp3(&server);
    let mut admin = conn(&server);
    cmd(&mut client, "CLIENT TRACKING on");
    let keys: Vec<String> = (0..50).map(|i| format!("key:{i}")).collect();
    let mget = format!("MGET {}", keys.join(" "));
    assert!(cmd(&mut client, &mget).starts_with(b"*50\r\n"));
    // 40 keys leave the table, each with its invalidation, before the next reply (Valkey
    // evicts before running the next command; ferrokey right after the read).
    send(&mut client, "PING");
    let mut evicted = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let push = reply(&mut client);
        let text = String::from_utf8_lossy(&push).into_owned();
        assert!(
            text.starts_with(">2\r\n$10\r\ninvalidate\r\n*1\r\n"),
            "{text}"
        );
        evicted.insert(text.rsplit("\r\n").nth(1).unwrap_or_default().to_string());
    }
    assert_eq!(evicted.len(), 40);
    assert_eq!(reply(&mut client), b"+PONG\r\n");
    assert_eq!(info_field(&mut admin, "tracking_total_keys"), 10);
    assert_eq!(info_field(&mut admin, "tracking_total_items"), 10);
    // A lower limit applies without any further read (the cron enforces it).
    cmd(&mut admin, "CONFIG SET tracking-table-max-keys 4");
    eventually(4, || info_field(&mut admin, "tracking_total_keys"));
    for _ in 0..6 {
        assert!(reply(&mut client).starts_with(b">2\r\n$10\r\ninvalidate\r\n"));
    }
}

#[test]
fn concurrent_writers_on_many_connections_lose_no_invalidation() {
    const KEYS: usize = 200;
    const WRITERS: usize = 8;
    const ROUNDS: usize = 5;
    let server = start(&[]);
    let port = server.port();
    let mut reader = resp3(&server);
    cmd(&mut reader, "CLIENT TRACKING on");
    let keys: Vec<String> = (0..KEYS).map(|i| format!("k{i}")).collect();
    let mget = format!("MGET {}", keys.join(" "));
    for round in 0..ROUNDS {
        assert!(cmd(&mut reader, &mget).starts_with(format!("*{KEYS}\r\n").as_bytes()));
        // Every key is written by two writers at once, so they race on its invalidation.
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let keys = keys.clone();
                thread::spawn(move || {
                    let mut writer = common::redis_connection(port).expect("writer");
                    for (i, key) in keys.iter().enumerate() {
                        if i % (WRITERS / 2) == w % (WRITERS / 2) {
                            let _: () = redis::cmd("SET")
                                .arg(key)
                                .arg(round)
                                .query(&mut writer)
                                .unwrap();
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("writer thread");
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..KEYS {
            let push = reply(&mut reader);
            let text = String::from_utf8_lossy(&push).into_owned();
            assert!(seen.insert(text.clone()), "duplicate invalidation {text}");
        }
        assert_eq!(seen.len(), KEYS);
        // Nothing more: the next reply is the PING's.
        assert_eq!(cmd(&mut reader, "PING"), b"+PONG\r\n");
    }
}

#[test]
fn tracking_state_goes_with_off_reset_disconnection_and_kill() {
    let server = start(&[]);
    let mut admin = conn(&server);
    let mut a = resp3(&server);
    let mut b = resp3(&server);
    let mut c = resp3(&server);
    let mut d = resp3(&server);
    cmd(&mut a, "CLIENT TRACKING on");
    cmd(&mut b, "CLIENT TRACKING on BCAST PREFIX x");
    cmd(&mut c, "CLIENT TRACKING on");
    cmd(&mut d, "CLIENT TRACKING on BCAST PREFIX y");
    cmd(&mut a, "GET k1");
    cmd(&mut c, "GET k2");
    assert_eq!(info_field(&mut admin, "tracking_clients"), 4);
    assert_eq!(info_field(&mut admin, "tracking_total_prefixes"), 2);
    assert_eq!(info_field(&mut admin, "tracking_total_keys"), 2);
    cmd(&mut a, "CLIENT TRACKING off");
    assert_eq!(info_field(&mut admin, "tracking_clients"), 3);
    let (flags, redir) = flags_and_redir(&cmd(&mut a, "CLIENT INFO"));
    assert_eq!((flags.as_str(), redir.as_str()), ("N", "-1"));
    assert_eq!(cmd(&mut b, "RESET"), b"+RESET\r\n");
    assert_eq!(info_field(&mut admin, "tracking_clients"), 2);
    assert_eq!(info_field(&mut admin, "tracking_total_prefixes"), 1);
    drop(c);
    eventually(1, || info_field(&mut admin, "tracking_clients"));
    let id = client_id(&mut d);
    cmd(&mut admin, &format!("CLIENT KILL ID {id}"));
    assert_eq!(info_field(&mut admin, "tracking_clients"), 0);
    assert_eq!(info_field(&mut admin, "tracking_total_prefixes"), 0);
    // No tracking client left: the table is emptied.
    assert_eq!(info_field(&mut admin, "tracking_total_keys"), 0);
    // A client that stopped tracking is not told about keys it read before.
    cmd(&mut a, "SET k1 x");
    assert_eq!(cmd(&mut a, "PING"), b"+PONG\r\n");
}

/// The `omem=` of client `id` in CLIENT LIST, None once it is gone.
fn client_omem(admin: &mut RespConn, id: u64) -> Option<i64> {
    let list = String::from_utf8_lossy(&cmd(admin, "CLIENT LIST")).into_owned();
    let line = list.lines().find(|l| l.starts_with(&format!("id={id} ")))?;
    line.split(' ')
        .find_map(|f| f.strip_prefix("omem="))
        .and_then(|v| v.parse().ok())
}

/// A key of `len` bytes, distinct per `i`: invalidations of such keys fill buffers fast.
fn long_key(i: usize, len: usize) -> Vec<u8> {
    let mut key = format!("k{i}-").into_bytes();
    key.resize(len, b'x');
    key
}

/// Sends `commands` pipelined and reads (and discards) their replies.
fn pipeline(conn: &mut RespConn, commands: &[Vec<Vec<u8>>]) {
    let mut bytes = Vec::new();
    for command in commands {
        bytes.extend(encode_command(command));
    }
    conn.send_raw(&bytes).unwrap();
    for _ in commands {
        reply(conn);
    }
}

#[test]
fn a_resp2_redirect_target_that_stops_reading_is_closed_at_the_pubsub_limit() {
    const KEY_BYTES: usize = 4096;
    let server = start(&[]);
    let mut admin = conn(&server);
    let set = [
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "pubsub 64kb 0 0",
    ];
    assert_eq!(admin.command(&set).unwrap(), b"+OK\r\n");
    let mut target = conn(&server);
    let target_id = client_id(&mut target);
    cmd(&mut target, "SUBSCRIBE __redis__:invalidate");
    let mut tracker = conn(&server);
    assert_eq!(
        cmd(
            &mut tracker,
            &format!("CLIENT TRACKING on REDIRECT {target_id}")
        ),
        b"+OK\r\n"
    );
    // Each GET then SET sends the target one invalidation of a 4 KB key, which it never reads:
    // past the socket buffers (a few MB), its queue reaches 64 KB and it is closed, as Valkey
    // closes it after about 800 of them.
    let mut rounds = 0;
    while client_omem(&mut admin, target_id).is_some() {
        assert!(rounds < 40, "the target was never closed");
        let commands: Vec<Vec<Vec<u8>>> = (rounds * 100..(rounds + 1) * 100)
            .flat_map(|i| {
                let key = long_key(i, KEY_BYTES);
                [
                    vec![b"GET".to_vec(), key.clone()],
                    vec![b"SET".to_vec(), key, b"v".to_vec()],
                ]
            })
            .collect();
        pipeline(&mut tracker, &commands);
        rounds += 1;
    }
    assert_eq!(
        info_field(&mut admin, "client_output_buffer_limit_disconnections"),
        1
    );
    await_closed(&mut target);
    // The tracking client itself stays, its redirection now broken.
    assert_eq!(cmd(&mut tracker, "PING"), b"+PONG\r\n");
}

#[test]
fn a_resp3_tracker_that_stops_reading_is_a_normal_client_for_the_limits() {
    const KEY_BYTES: usize = 8192;
    let server = start(&[]);
    let mut admin = conn(&server);
    let mut writer = conn(&server);
    let mut tracker = resp3(&server);
    let tracker_id = client_id(&mut tracker);
    assert_eq!(cmd(&mut tracker, "CLIENT TRACKING on BCAST"), b"+OK\r\n");
    let set_limits = |admin: &mut RespConn, value: &str| {
        let set = ["CONFIG", "SET", "client-output-buffer-limit", value];
        assert_eq!(admin.command(&set).unwrap(), b"+OK\r\n");
    };
    // The pubsub class does not apply to a tracker without subscriptions: its invalidations
    // pile up past the socket buffers (Valkey let it reach 9 MB of omem in the same test).
    set_limits(&mut admin, "pubsub 64kb 0 0");
    let mut next = 0;
    let mut write_keys = |writer: &mut RespConn, count: usize| {
        let commands: Vec<Vec<Vec<u8>>> = (next..next + count)
            .map(|i| vec![b"SET".to_vec(), long_key(i, KEY_BYTES), b"v".to_vec()])
            .collect();
        next += count;
        pipeline(writer, &commands);
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        write_keys(&mut writer, 100);
        let omem = client_omem(&mut admin, tracker_id).expect("the tracker stays");
        if omem > 1 << 20 {
            break;
        }
        assert!(Instant::now() < deadline, "omem stays at {omem}");
    }
    assert_eq!(
        info_field(&mut admin, "client_output_buffer_limit_disconnections"),
        0
    );
    // The normal class does: an invalidation (or the cron) that finds its output over 64kb
    // closes it. Socket buffers that grow may still take what was queued, so keep writing.
    set_limits(&mut admin, "normal 64kb 0 0");
    let deadline = Instant::now() + Duration::from_secs(20);
    while info_field(&mut admin, "client_output_buffer_limit_disconnections") == 0 {
        assert!(Instant::now() < deadline, "the tracker is never closed");
        write_keys(&mut writer, 10);
    }
    assert_eq!(
        info_field(&mut admin, "client_output_buffer_limit_disconnections"),
        1
    );
    assert_eq!(client_omem(&mut admin, tracker_id), None);
    await_closed(&mut tracker);
}
