//! Transactions with several real connections: WATCH invalidated by other clients' writes, by
//! expiry, by flushes and SWAPDB but not by reads; isolation of MULTI/EXEC across shards while
//! other clients write and read; clients blocked on keys a transaction feeds are served after
//! it; CLIENT LIST and INFO figures, the `d` flag of a watch a change broke among them.
//! Single-connection reply shapes are the corpus's job (`tests/corpus/transactions.txt`).

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{cmd, RespConn, ServerProcess};

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

fn conn(server: &ServerProcess) -> RespConn {
    server.connect().expect("connects")
}

/// Runs `MULTI`, the commands, `EXEC`; returns EXEC's reply.
fn transaction(conn: &mut RespConn, lines: &[&str]) -> Vec<u8> {
    assert_eq!(cmd(conn, "MULTI"), b"+OK\r\n");
    for line in lines {
        assert_eq!(cmd(conn, line), b"+QUEUED\r\n", "{line}");
    }
    cmd(conn, "EXEC")
}

fn info_field(conn: &mut RespConn, name: &str) -> String {
    let info = String::from_utf8(cmd(conn, "INFO clients")).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {name} in {info}"))
}

const ABORTED: &[u8] = b"*-1\r\n";

#[test]
fn another_clients_write_fails_the_watcher_but_its_read_does_not() {
    let server = start();
    let (mut watcher, mut other) = (conn(&server), conn(&server));
    cmd(&mut other, "SET k 1");
    assert_eq!(cmd(&mut watcher, "WATCH k"), b"+OK\r\n");
    cmd(&mut other, "GET k");
    cmd(&mut other, "EXISTS k");
    assert_eq!(
        transaction(&mut watcher, &["INCR k"]),
        b"*1\r\n:2\r\n",
        "reads leave the watch valid"
    );
    for write in [
        "SET k 5",
        "EXPIRE k 100",
        "DEL k",
        "RENAME k k2",
        "APPEND k x",
    ] {
        cmd(&mut other, "SET k 1");
        cmd(&mut watcher, "WATCH k");
        cmd(&mut other, write);
        assert_eq!(
            transaction(&mut watcher, &["SET k mine"]),
            ABORTED,
            "{write}"
        );
    }
    // A write that changes nothing is not a change.
    cmd(&mut other, "SET k 1");
    cmd(&mut watcher, "WATCH k");
    cmd(&mut other, "SET k 2 NX");
    assert_eq!(transaction(&mut watcher, &["GET k"]), b"*1\r\n$1\r\n1\r\n");
}

#[test]
fn a_key_watched_as_missing_fails_when_created() {
    let server = start();
    let (mut watcher, mut other) = (conn(&server), conn(&server));
    cmd(&mut watcher, "WATCH ghost");
    cmd(&mut other, "SET ghost here");
    cmd(&mut other, "DEL ghost");
    assert_eq!(transaction(&mut watcher, &["PING"]), ABORTED);
}

#[test]
fn a_watched_key_that_expires_fails_the_transaction() {
    let server = start();
    let (mut watcher, mut other) = (conn(&server), conn(&server));
    cmd(&mut other, "SET k v PX 100");
    cmd(&mut watcher, "WATCH k");
    let deadline = Instant::now() + Duration::from_secs(10);
    while cmd(&mut other, "EXISTS k") != b":0\r\n" {
        assert!(Instant::now() < deadline, "key never expired");
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(transaction(&mut watcher, &["PING"]), ABORTED);
    // A key already expired when watched is no change when it is finally deleted.
    cmd(&mut other, "DEBUG SET-ACTIVE-EXPIRE 0");
    cmd(&mut other, "SET stale v PX 1");
    thread::sleep(Duration::from_millis(5));
    cmd(&mut watcher, "WATCH stale");
    assert_eq!(cmd(&mut other, "EXISTS stale"), b":0\r\n");
    assert_eq!(transaction(&mut watcher, &["PING"]), b"*1\r\n+PONG\r\n");
}

#[test]
fn flushes_and_swapdb_fail_watchers_of_existing_keys_only() {
    let server = start();
    let (mut watcher, mut other) = (conn(&server), conn(&server));
    cmd(&mut other, "SET k 1");
    for (setup, write, aborted) in [
        ("SELECT 0", "FLUSHALL", true),
        ("SELECT 0", "FLUSHDB", true),
        ("SELECT 9", "FLUSHDB", false),
        ("SELECT 0", "SWAPDB 0 1", true),
    ] {
        cmd(&mut other, "FLUSHALL");
        cmd(&mut other, "SELECT 0");
        cmd(&mut other, "SET k 1");
        cmd(&mut watcher, "WATCH k");
        cmd(&mut other, setup);
        cmd(&mut other, write);
        let expected: &[u8] = if aborted { ABORTED } else { b"*1\r\n+PONG\r\n" };
        assert_eq!(transaction(&mut watcher, &["PING"]), expected, "{write}");
    }
    cmd(&mut other, "FLUSHALL");
    cmd(&mut watcher, "WATCH nothing");
    cmd(&mut other, "FLUSHALL");
    assert_eq!(
        transaction(&mut watcher, &["PING"]),
        b"*1\r\n+PONG\r\n",
        "a missing watched key is not touched by a flush"
    );
}

#[test]
fn watch_figures_appear_in_client_list_and_info() {
    let server = start();
    let (mut watcher, mut admin) = (conn(&server), conn(&server));
    cmd(&mut watcher, "WATCH a b c");
    cmd(&mut watcher, "WATCH a");
    assert_eq!(info_field(&mut admin, "watching_clients"), "1");
    assert_eq!(info_field(&mut admin, "total_watched_keys"), "3");
    let list = String::from_utf8(cmd(&mut admin, "CLIENT LIST")).unwrap();
    assert!(list.contains(" watch=3 "), "{list}");
    cmd(&mut watcher, "MULTI");
    cmd(&mut watcher, "SET key2 value2");
    let list = String::from_utf8(cmd(&mut admin, "CLIENT LIST")).unwrap();
    // Valkey 8.1 reports 37: 13 argument bytes and 8 per argument.
    assert!(
        list.contains(" flags=x ") && list.contains(" multi=1 ") && list.contains(" multi-mem=37 "),
        "{list}"
    );
    cmd(&mut watcher, "EXEC");
    assert_eq!(info_field(&mut admin, "watching_clients"), "0");
    assert_eq!(info_field(&mut admin, "total_watched_keys"), "0");
    cmd(&mut watcher, "WATCH x");
    drop(watcher);
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut admin, "total_watched_keys") != "0" {
        assert!(
            Instant::now() < deadline,
            "a closed client's watches stayed"
        );
        thread::yield_now();
    }
}

#[test]
fn transactions_across_shards_are_never_seen_half_done() {
    const ROUNDS: usize = 2000;
    let server = start();
    let port = server.port();
    let keys: Vec<String> = (0..8).map(|i| format!("counter:{i}")).collect();
    let incrs: Vec<String> = keys.iter().map(|k| format!("INCR {k}")).collect();
    let mget = format!("MGET {}", keys.join(" "));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let incrs = incrs.clone();
            thread::spawn(move || {
                let mut conn = RespConn::connect(port).unwrap();
                let lines: Vec<&str> = incrs.iter().map(String::as_str).collect();
                for _ in 0..ROUNDS {
                    let reply = transaction(&mut conn, &lines);
                    assert!(reply.starts_with(b"*8\r\n"));
                }
            })
        })
        .collect();
    let mut checker = conn(&server);
    let mut checks = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        let reply = String::from_utf8(cmd(&mut checker, &mget)).unwrap();
        let values: Vec<&str> = reply
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('$'))
            .collect();
        assert!(
            values.windows(2).all(|w| w[0] == w[1]),
            "a transaction was seen half done: {values:?}"
        );
        checks += 1;
    }
    for writer in writers {
        writer.join().unwrap();
    }
    assert!(checks > 0);
    let total = 2 * ROUNDS;
    assert_eq!(
        cmd(&mut checker, "GET counter:7"),
        format!("${}\r\n{total}\r\n", total.to_string().len()).into_bytes()
    );
}

#[test]
fn clients_blocked_on_keys_a_transaction_feeds_are_served_after_it() {
    let server = start();
    let (mut waiter, mut writer, mut admin) = (conn(&server), conn(&server), conn(&server));
    waiter.send_command(&["BLPOP", "q", "0"]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut admin, "blocked_clients") != "1" {
        assert!(Instant::now() < deadline);
        thread::yield_now();
    }
    assert_eq!(
        transaction(&mut writer, &["RPUSH q a", "RPUSH q b", "LLEN q"]),
        b"*3\r\n:1\r\n:2\r\n:2\r\n",
        "nobody is served in the middle of the transaction"
    );
    assert_eq!(
        waiter.read_reply().to_bytes(),
        b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
    );
    assert_eq!(cmd(&mut writer, "LRANGE q 0 -1"), b"*1\r\n$1\r\nb\r\n");
}

/// The `flags=` field of client `id` in CLIENT LIST.
fn flags_of(admin: &mut RespConn, id: &str) -> String {
    let list = String::from_utf8(cmd(admin, "CLIENT LIST")).unwrap();
    list.lines()
        .find(|l| l.starts_with(&format!("id={id} ")))
        .and_then(|l| l.split(' ').find_map(|f| f.strip_prefix("flags=")))
        .unwrap_or_else(|| panic!("no client {id} in {list}"))
        .to_string()
}

#[test]
fn client_list_shows_d_while_a_broken_watch_is_held() {
    // Facts checked on Valkey 8.1 with the same steps.
    let server = start();
    let (mut watcher, mut admin) = (conn(&server), conn(&server));
    let id = String::from_utf8(cmd(&mut watcher, "CLIENT ID")).unwrap();
    let id = id.trim_start_matches(':').trim().to_string();
    cmd(&mut watcher, "WATCH k");
    assert_eq!(flags_of(&mut admin, &id), "N");
    cmd(&mut admin, "SET k 1");
    assert_eq!(flags_of(&mut admin, &id), "d");
    let own = String::from_utf8(cmd(&mut watcher, "CLIENT INFO")).unwrap();
    assert!(own.contains(" flags=d "), "{own}");
    cmd(&mut watcher, "MULTI");
    assert_eq!(flags_of(&mut admin, &id), "xd");
    assert_eq!(cmd(&mut watcher, "EXEC"), ABORTED);
    assert_eq!(flags_of(&mut admin, &id), "N");
    // UNWATCH, DISCARD and RESET clear it too.
    for release in [&["UNWATCH"][..], &["MULTI", "DISCARD"], &["RESET"]] {
        cmd(&mut watcher, "WATCH k");
        cmd(&mut admin, "SET k 2");
        for line in release {
            cmd(&mut watcher, line);
        }
        assert_eq!(flags_of(&mut admin, &id), "N", "{release:?}");
    }
    // Deleting a missing key changes nothing; creating it does.
    cmd(&mut watcher, "WATCH missing");
    cmd(&mut admin, "DEL missing");
    assert_eq!(flags_of(&mut admin, &id), "N");
    cmd(&mut admin, "SET missing 1");
    assert_eq!(flags_of(&mut admin, &id), "d");
    cmd(&mut watcher, "UNWATCH");
    // The letter follows the tracking ones.
    cmd(&mut watcher, "CLIENT TRACKING on BCAST");
    cmd(&mut watcher, "WATCH k");
    cmd(&mut admin, "SET k 3");
    assert_eq!(flags_of(&mut admin, &id), "tBd");
    cmd(&mut watcher, "UNWATCH");
    cmd(&mut watcher, "CLIENT TRACKING off");
}

#[test]
fn expiry_sets_d_once_it_deletes_a_key_watched_live() {
    let server = start();
    let (mut watcher, mut admin) = (conn(&server), conn(&server));
    let id = String::from_utf8(cmd(&mut watcher, "CLIENT ID")).unwrap();
    let id = id.trim_start_matches(':').trim().to_string();
    cmd(&mut admin, "DEBUG SET-ACTIVE-EXPIRE 0");
    cmd(&mut admin, "SET e 1 PX 50");
    cmd(&mut watcher, "WATCH e");
    thread::sleep(Duration::from_millis(100));
    // Expired but not yet deleted: EXEC would fail, the flag is not set yet.
    assert_eq!(flags_of(&mut admin, &id), "N");
    assert_eq!(cmd(&mut admin, "GET e"), b"$-1\r\n");
    assert_eq!(flags_of(&mut admin, &id), "d");
    assert_eq!(transaction(&mut watcher, &["PING"]), ABORTED);
    // A key already expired when watched: its deletion is no change.
    cmd(&mut admin, "SET stale 1 PX 1");
    thread::sleep(Duration::from_millis(5));
    cmd(&mut watcher, "WATCH stale");
    assert_eq!(cmd(&mut admin, "GET stale"), b"$-1\r\n");
    assert_eq!(flags_of(&mut admin, &id), "N");
    assert_eq!(transaction(&mut watcher, &["PING"]), b"*1\r\n+PONG\r\n");
}

#[test]
fn commands_inside_exec_see_their_client_still_in_multi() {
    let server = start();
    let mut client = conn(&server);
    let reply = String::from_utf8(transaction(&mut client, &["CLIENT INFO", "PING"])).unwrap();
    // multi-mem as Valkey 8.1 counts it: argument bytes plus 8 per argument (10 + 16, 4 + 8).
    assert!(
        reply.contains(" flags=x ")
            && reply.contains(" multi=2 ")
            && reply.contains(" multi-mem=38 "),
        "{reply}"
    );
    let after = String::from_utf8(cmd(&mut client, "CLIENT INFO")).unwrap();
    assert!(
        after.contains(" flags=N ")
            && after.contains(" multi=-1 ")
            && after.contains(" multi-mem=0 "),
        "{after}"
    );
}
