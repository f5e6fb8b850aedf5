//! txbench: sends a group of commands (a MULTI ... EXEC transaction, say) from many connections
//! and reports groups per second, in redis-benchmark's `--csv` shape so `bench/compare` reads
//! both tools alike. redis-benchmark sends one command per request; a transaction is several.
//!
//! Each connection sends the whole group in one write, then reads one reply per command before
//! sending the next group (like redis-benchmark with -P 1, a group is one round trip).
//! `__rand_int__` in an argument becomes a random number below `-r`, as in redis-benchmark.
//! `--threads N` spreads the connections over N threads, as redis-benchmark's option does.

use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Options {
    host: String,
    port: u16,
    clients: usize,
    groups: usize,
    key_range: u64,
    threads: usize,
    commands: Vec<Vec<String>>,
}

const USAGE: &str = "usage: txbench -h HOST -p PORT -c CLIENTS -n GROUPS [-r RANGE] \
                     [--threads N] -- 'CMD ARG...' ['CMD ARG...' ...]";

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        port: 6379,
        clients: 50,
        groups: 100_000,
        key_range: 100_000,
        threads: 1,
        commands: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            options.commands = args
                .by_ref()
                .map(|line| line.split_whitespace().map(str::to_string).collect())
                .collect();
            break;
        }
        let value = args.next().ok_or(USAGE)?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("bad value for {arg}"))
        };
        match arg.as_str() {
            "-h" => options.host = value.clone(),
            "-p" => options.port = number()? as u16,
            "-c" => options.clients = number()?.max(1) as usize,
            "-n" => options.groups = number()? as usize,
            "-r" => options.key_range = number()?.max(1),
            "--threads" => options.threads = number()?.max(1) as usize,
            _ => return Err(USAGE.into()),
        }
    }
    if options.commands.is_empty() {
        return Err(USAGE.into());
    }
    Ok(options)
}

/// A xorshift generator: random keys need no quality, only speed and no dependency.
struct Rng(u64);

impl Rng {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn encode_group(commands: &[Vec<String>], rng: &mut Rng, range: u64, out: &mut Vec<u8>) {
    out.clear();
    for command in commands {
        out.extend_from_slice(format!("*{}\r\n", command.len()).as_bytes());
        for arg in command {
            let arg = if arg.contains("__rand_int__") {
                arg.replace("__rand_int__", &format!("{:012}", rng.next_below(range)))
            } else {
                arg.clone()
            };
            out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
        }
    }
}

/// Length of the complete reply at the start of `buf`, or None when more bytes are needed.
fn reply_len(buf: &[u8]) -> Result<Option<usize>, String> {
    let Some(line_end) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    let header = std::str::from_utf8(&buf[1..line_end]).map_err(|e| e.to_string())?;
    let after_header = line_end + 2;
    match kind {
        b'+' | b':' | b',' | b'_' | b'#' => Ok(Some(after_header)),
        b'-' => Err(format!("error reply: {header}")),
        b'$' => {
            let len: i64 = header.parse().map_err(|_| "bad bulk length")?;
            if len < 0 {
                return Ok(Some(after_header));
            }
            let end = after_header + len as usize + 2;
            Ok((buf.len() >= end).then_some(end))
        }
        b'*' | b'%' => {
            let count: i64 = header.parse().map_err(|_| "bad aggregate length")?;
            let count = if kind == b'%' { count * 2 } else { count };
            let mut at = after_header;
            for _ in 0..count.max(0) {
                match reply_len(&buf[at..])? {
                    Some(len) => at += len,
                    None => return Ok(None),
                }
            }
            Ok(Some(at))
        }
        other => Err(format!("unexpected reply type {:?}", other as char)),
    }
}

async fn run_client(options: &Options, groups: usize, seed: u64) -> Result<(), String> {
    let mut stream = TcpStream::connect((options.host.as_str(), options.port))
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut rng = Rng(seed | 1);
    let mut request = Vec::new();
    let mut replies = Vec::with_capacity(64 * 1024);
    for _ in 0..groups {
        encode_group(&options.commands, &mut rng, options.key_range, &mut request);
        stream
            .write_all(&request)
            .await
            .map_err(|e| e.to_string())?;
        let mut pending = options.commands.len();
        let mut consumed = 0;
        replies.clear();
        while pending > 0 {
            match reply_len(&replies[consumed..])? {
                Some(len) => {
                    consumed += len;
                    pending -= 1;
                }
                None => {
                    let n = stream
                        .read_buf(&mut replies)
                        .await
                        .map_err(|e| e.to_string())?;
                    if n == 0 {
                        return Err("connection closed".into());
                    }
                }
            }
        }
    }
    Ok(())
}

/// Runs the connections `first..first + count` of the whole benchmark on this thread.
fn run_thread(options: Arc<Options>, first: usize, count: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the runtime: {error}"))?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let per_client = options.groups / options.clients;
        let extra = options.groups % options.clients;
        let handles: Vec<_> = (first..first + count)
            .map(|i| {
                let groups = per_client + usize::from(i < extra);
                let seed = 0x9E37_79B9_7F4A_7C15 ^ i as u64;
                let options = options.clone();
                tokio::task::spawn_local(async move { run_client(&options, groups, seed).await })
            })
            .collect();
        for handle in handles {
            handle.await.map_err(|e| e.to_string())??;
        }
        Ok(())
    })
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let threads = options.threads.min(options.clients);
    let started = Instant::now();
    let options = Arc::new(options);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let first = options.clients * t / threads;
            let count = options.clients * (t + 1) / threads - first;
            let options = options.clone();
            std::thread::spawn(move || run_thread(options, first, count))
        })
        .collect();
    let result = handles
        .into_iter()
        .try_for_each(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())));
    if let Err(message) = result {
        eprintln!("txbench: {message}");
        std::process::exit(1);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("\"test\",\"rps\"");
    println!("\"group\",\"{:.2}\"", options.groups as f64 / seconds);
}
