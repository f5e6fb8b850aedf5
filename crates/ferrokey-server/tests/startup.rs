//! Start-up and connection handling as operators see them: the command line and config files,
//! the unix socket, maxclients, idle timeouts, MONITOR and CONFIG REWRITE.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{RespConn, ServerProcess};

fn ferrokey() -> Command {
    Command::new(common::ferrokey_binary())
}

#[test]
fn version_and_help() {
    let out = ferrokey().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ferrokey server v="), "{text}");
    assert!(text.contains("redis_version=7.2.4"), "{text}");
    let out = ferrokey().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: ./ferrokey-server"));
}

#[test]
fn bad_config_line_stops_startup_with_its_line_number() {
    let dir = tempdir();
    let path = dir.join("bad.conf");
    std::fs::write(&path, "port 7000\n# comment\nnot-a-directive 1\n").unwrap();
    let out = ferrokey().arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("*** FATAL CONFIG FILE ERROR"), "{err}");
    assert!(err.contains("at line 3"), "{err}");
    assert!(err.contains(">>> 'not-a-directive 1'"), "{err}");
    assert!(
        err.contains("Bad directive or wrong number of arguments"),
        "{err}"
    );

    let out = ferrokey().args(["--port", "notanumber"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FATAL CONFIG FILE ERROR"));
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ferrokey-startup-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until `port` answers PING, or panics after a deadline.
fn wait_for_ping(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut conn) = RespConn::connect(port) {
            if conn.command(&["PING"]).is_ok_and(|r| r == b"+PONG\r\n") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("server on {port} never answered");
}

#[test]
fn config_from_stdin_and_include() {
    let dir = tempdir();
    let port = common::free_port().unwrap();
    let included = dir.join("included.conf");
    std::fs::write(&included, "databases 4\n").unwrap();
    let mut child = ferrokey()
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let config = format!("port {port}\nsave \"\"\ninclude {}\n", included.display());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(config.as_bytes())
        .unwrap();
    wait_for_ping(port);
    let mut conn = RespConn::connect(port).unwrap();
    let reply = conn.command(&["CONFIG", "GET", "databases"]).unwrap();
    assert_eq!(reply, b"*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n");
    assert_eq!(
        conn.command(&["SELECT", "4"]).unwrap(),
        b"-ERR DB index is out of range\r\n"
    );
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn unix_socket_serves_with_its_permissions() {
    let dir = tempdir();
    let socket = dir.join("ferrokey.sock");
    let socket_arg = socket.to_string_lossy().into_owned();
    let _server =
        ServerProcess::start_ferrokey(&["--unixsocket", &socket_arg, "--unixsocketperm", "700"])
            .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let mut stream = UnixStream::connect(&socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 7];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"+PONG\r\n");
}

#[test]
fn maxclients_rejects_the_extra_connection() {
    let server = ServerProcess::start_ferrokey(&["--maxclients", "2"]).unwrap();
    let mut first = server.connect().unwrap();
    // The start-up probe's connection may not be closed on the server side yet: wait until
    // `first` is the only client, so the count below is exact.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let list = first.command(&["CLIENT", "LIST"]).unwrap();
        if String::from_utf8_lossy(&list).matches("id=").count() == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "probe connection never went away"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut second = server.connect().unwrap();
    assert_eq!(first.command(&["PING"]).unwrap(), b"+PONG\r\n");
    assert_eq!(second.command(&["PING"]).unwrap(), b"+PONG\r\n");
    let mut third = server.connect().unwrap();
    assert_eq!(
        third.read_reply().to_bytes(),
        b"-ERR max number of clients reached\r\n"
    );
    drop(first);
    // The freed slot admits a new client once the server has seen the close.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut retry = server.connect().unwrap();
        if retry.command(&["PING"]).is_ok_and(|r| r == b"+PONG\r\n") {
            break;
        }
        assert!(Instant::now() < deadline, "slot never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let server = ServerProcess::start_ferrokey(&["--timeout", "1"]).unwrap();
    let mut idle = RespConn::connect_with_timeout(server.port(), Duration::from_secs(10)).unwrap();
    assert_eq!(idle.command(&["PING"]).unwrap(), b"+PONG\r\n");
    let started = Instant::now();
    assert!(!idle.read_reply().connection_alive());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[test]
fn monitor_sees_other_clients_commands() {
    let server = ServerProcess::start_ferrokey(&[]).unwrap();
    let mut monitor = server.connect().unwrap();
    assert_eq!(monitor.command(&["MONITOR"]).unwrap(), b"+OK\r\n");
    let mut client = server.connect().unwrap();
    assert_eq!(client.command(&["SET", "k", "a b\n"]).unwrap(), b"+OK\r\n");
    let line = monitor.read_reply().to_bytes();
    let text = String::from_utf8_lossy(&line);
    assert!(
        text.starts_with('+') && text.contains(" [0 127.0.0.1:"),
        "{text}"
    );
    assert!(text.ends_with("] \"SET\" \"k\" \"a b\\n\"\r\n"), "{text}");
}

#[test]
fn config_set_get_and_rewrite() {
    let dir = tempdir();
    let path = dir.join("rewrite.conf");
    let port = common::free_port().unwrap();
    std::fs::write(&path, format!("# operator comment\nport {port}\nhz 10\n")).unwrap();
    let mut child = ferrokey()
        .arg(&path)
        .args(["--save", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_ping(port);
    let mut conn = RespConn::connect(port).unwrap();
    assert_eq!(
        conn.command(&["CONFIG", "SET", "hz", "20", "maxclients", "500"])
            .unwrap(),
        b"+OK\r\n"
    );
    assert_eq!(
        conn.command(&["CONFIG", "GET", "hz"]).unwrap(),
        b"*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"
    );
    // An invalid pair makes the whole CONFIG SET fail and change nothing.
    let reply = conn
        .command(&["CONFIG", "SET", "hz", "30", "maxmemory-policy", "nope"])
        .unwrap();
    assert!(
        reply.starts_with(b"-ERR CONFIG SET failed"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(
        conn.command(&["CONFIG", "GET", "hz"]).unwrap(),
        b"*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"
    );
    assert_eq!(conn.command(&["CONFIG", "REWRITE"]).unwrap(), b"+OK\r\n");
    let rewritten = std::fs::read_to_string(&path).unwrap();
    assert!(rewritten.contains("# operator comment"), "{rewritten}");
    assert!(rewritten.contains("hz 20"), "{rewritten}");
    assert!(rewritten.contains("maxclients 500"), "{rewritten}");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn config_rewrite_without_a_file_is_an_error() {
    let server = ServerProcess::start_ferrokey(&[]).unwrap();
    let mut conn = server.connect().unwrap();
    assert_eq!(
        conn.command(&["CONFIG", "REWRITE"]).unwrap(),
        b"-ERR The server is running without a config file\r\n"
    );
}

/// Random bytes from several connections (some shaped like requests, some not) never take the
/// server down: every connection gets replies or is closed, and a fresh client is served.
#[test]
fn hostile_input_does_not_hurt_other_clients() {
    let server = ServerProcess::start_ferrokey(&[]).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const FRAGMENTS: [&[u8]; 10] = [
        b"*",
        b"$",
        b"\r\n",
        b"-1",
        b"99999999999",
        b"SET",
        b"\"",
        b"'",
        b"*3\r\n$3\r\nSET\r\n",
        b"\0",
    ];
    for _ in 0..40 {
        let mut conn =
            RespConn::connect_with_timeout(server.port(), Duration::from_millis(300)).unwrap();
        let mut bytes = Vec::new();
        for _ in 0..(next() % 64) {
            if next() % 2 == 0 {
                bytes.extend_from_slice(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
            } else {
                bytes.push(next() as u8);
            }
        }
        let _ = conn.send_raw(&bytes);
        // Drain whatever comes back; a timeout just means the server waits for more bytes.
        for _ in 0..4 {
            if !conn.read_reply().connection_alive() {
                break;
            }
        }
    }
    let mut fresh = server.connect().unwrap();
    assert_eq!(fresh.command(&["PING"]).unwrap(), b"+PONG\r\n");
}

#[test]
fn config_set_port_moves_the_listener() {
    let server = ServerProcess::start_ferrokey(&[]).unwrap();
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = blocker.local_addr().unwrap().port().to_string();
    let mut conn = server.connect().unwrap();
    assert_eq!(
        conn.command(&["CONFIG", "SET", "port", &taken]).unwrap(),
        b"-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this \
          port. Check server logs.\r\n"
    );
    let new_port = common::free_port().unwrap();
    let new_port_text = new_port.to_string();
    assert_eq!(
        conn.command(&["CONFIG", "SET", "port", &new_port_text])
            .unwrap(),
        b"+OK\r\n"
    );
    // Existing connections stay; new ones go to the new port.
    assert_eq!(conn.command(&["PING"]).unwrap(), b"+PONG\r\n");
    wait_for_ping(new_port);
    let deadline = Instant::now() + Duration::from_secs(5);
    while RespConn::connect(server.port()).is_ok() {
        assert!(
            Instant::now() < deadline,
            "old port still accepts connections"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_port_in_use_stops_startup() {
    let first = ServerProcess::start_ferrokey(&[]).unwrap();
    let port = first.port().to_string();
    let out = ferrokey()
        .args(["--port", &port, "--save", "", "--appendonly", "no"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!(
            "Could not create server TCP listening socket 127.0.0.1:{port}"
        )),
        "{log}"
    );
    // The running server keeps its port and its clients.
    assert_eq!(
        first.connect().unwrap().command(&["PING"]).unwrap(),
        b"+PONG\r\n"
    );
}

/// Worker threads of a running server, by the names its threads carry.
fn worker_threads(server: &ServerProcess) -> usize {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).unwrap();
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("ferrokey-worker"))
        .count()
}

#[test]
fn io_threads_sets_the_workers_and_the_default_leaves_a_core_spare() {
    let chosen = ServerProcess::start_ferrokey(&["--io-threads", "3"]).unwrap();
    assert_eq!(worker_threads(&chosen), 3);
    let single = ServerProcess::start_ferrokey(&["--io-threads", "1"]).unwrap();
    assert_eq!(worker_threads(&single), 1);
    // Started without the test harness's io-threads.
    let by_default = ServerProcess::start(&common::ferrokey_binary(), &[]).unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(worker_threads(&by_default), cores.saturating_sub(1).max(1));
    // Every worker serves: connections spread over them all still get answers.
    let mut conns: Vec<RespConn> = (0..12).map(|_| chosen.connect().unwrap()).collect();
    for conn in &mut conns {
        assert_eq!(conn.command(&["PING"]).unwrap(), b"+PONG\r\n");
    }
}
