//! CLIENT PAUSE and UNPAUSE with several connections: a WRITE pause holds writes (inside MULTI
//! too) and lets reads through, an ALL pause holds everything until its deadline, expired keys
//! are not deleted while writes are paused, and INFO reports the pause.

mod common;

use std::time::{Duration, Instant};

use common::{cmd, send, ReadOutcome, RespConn, ServerProcess};

/// Whether a reply arrives within a short wait (the command was not held).
fn replied_soon(port: u16, line: &str) -> Option<Vec<u8>> {
    let mut conn = RespConn::connect_with_timeout(port, Duration::from_millis(300)).unwrap();
    send(&mut conn, line);
    match conn.read_reply() {
        ReadOutcome::Frame(frame) => Some(frame),
        _ => None,
    }
}

#[test]
fn a_write_pause_holds_writes_until_unpause_and_lets_reads_through() {
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    let port = server.port();
    let (mut admin, mut writer, mut queuer) = (
        server.connect().unwrap(),
        server.connect().unwrap(),
        server.connect().unwrap(),
    );
    cmd(&mut admin, "SET k before");
    assert_eq!(cmd(&mut admin, "CLIENT PAUSE 100000 WRITE"), b"+OK\r\n");
    let info = String::from_utf8(cmd(&mut admin, "INFO clients")).unwrap();
    assert!(
        info.contains("paused_reason:client_pause\r\npaused_actions:write\r\n"),
        "{info}"
    );
    assert_eq!(
        replied_soon(port, "GET k"),
        Some(b"$6\r\nbefore\r\n".to_vec())
    );
    assert_eq!(replied_soon(port, "SET k held"), None, "a write must wait");
    send(&mut writer, "SET k after");
    // The held client shows as blocked, as in Valkey.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let list = String::from_utf8(cmd(&mut admin, "CLIENT LIST")).unwrap();
        let info = String::from_utf8(cmd(&mut admin, "INFO clients")).unwrap();
        if list.contains("flags=b ") && info.contains("blocked_clients:1\r\n") {
            break;
        }
        assert!(Instant::now() < deadline, "{list}\n{info}");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(cmd(&mut queuer, "MULTI"), b"+OK\r\n");
    send(&mut queuer, "INCR counter");
    assert_eq!(cmd(&mut admin, "GET k"), b"$6\r\nbefore\r\n");
    assert_eq!(cmd(&mut admin, "CLIENT UNPAUSE"), b"+OK\r\n");
    assert_eq!(writer.read_reply().to_bytes(), b"+OK\r\n");
    assert_eq!(queuer.read_reply().to_bytes(), b"+QUEUED\r\n");
    let info = String::from_utf8(cmd(&mut admin, "INFO clients")).unwrap();
    assert!(info.contains("blocked_clients:0\r\n"), "{info}");
    assert_eq!(cmd(&mut queuer, "EXEC"), b"*1\r\n:1\r\n");
    assert_eq!(cmd(&mut admin, "GET k"), b"$5\r\nafter\r\n");
}

#[test]
fn an_all_pause_holds_every_command_until_its_deadline() {
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    let mut admin = server.connect().unwrap();
    let mut other = server.connect().unwrap();
    let started = Instant::now();
    assert_eq!(cmd(&mut admin, "CLIENT PAUSE 300"), b"+OK\r\n");
    assert_eq!(cmd(&mut other, "PING"), b"+PONG\r\n");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let info = String::from_utf8(cmd(&mut other, "INFO clients")).unwrap();
    assert!(
        info.contains("paused_reason:none\r\npaused_actions:none\r\n"),
        "{info}"
    );
}

#[test]
fn expired_keys_stay_while_writes_are_paused() {
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    let mut admin = server.connect().unwrap();
    cmd(&mut admin, "SET k v PX 50");
    cmd(&mut admin, "CLIENT PAUSE 100000 WRITE");
    let deadline = Instant::now() + Duration::from_secs(10);
    while cmd(&mut admin, "GET k") != b"$-1\r\n" {
        assert!(Instant::now() < deadline, "the key never read as expired");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        cmd(&mut admin, "DBSIZE"),
        b":1\r\n",
        "not deleted while paused"
    );
    cmd(&mut admin, "CLIENT UNPAUSE");
    assert_eq!(cmd(&mut admin, "GET k"), b"$-1\r\n");
    assert_eq!(cmd(&mut admin, "DBSIZE"), b":0\r\n");
}
