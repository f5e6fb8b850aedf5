//! ferrokey-server: start-up, listeners, the cron, and shutdown.
//!
//! Invoked as valkey-server is: `ferrokey-server [config-file] [--directive value ...] [-]`.
//! The configuration crate turns that into a `Config` or a start-up error (printed exactly as
//! Valkey prints it). The server then runs one single-threaded runtime per core ("worker"),
//! each with its own SO_REUSEPORT listener on every `bind` address, so a connection lives on the
//! thread that accepted it and no request crosses threads; shared state is only the sharded
//! keyspace and the registries. The main thread serves `unixsocket`, runs the cron at `hz`, and
//! exits cleanly on SIGTERM or SIGINT.

mod blocking;
mod client;
mod clock;
mod commands;
mod conn;
mod dispatch;
mod evict;
mod idle;
mod keyspace;
mod latency;
mod listener;
mod memory;
mod notify;
mod pause;
mod pubsub;
mod push_queue;
mod server;
#[cfg(test)]
mod test_support;
mod tracking;
mod util;
mod watch;
mod write_stream;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tikv_jemallocator::Jemalloc;
use tokio::net::UnixListener;

use client::Peer;
use server::{Server, Stats};

#[global_allocator]
static GLOBAL: Jemalloc = Jemalloc;

fn main() {
    let executable = std::env::args()
        .next()
        .unwrap_or_else(|| "ferrokey-server".into());
    let mut hooks = ferrokey_config::SystemHooks;
    let config = match ferrokey_config::parse_command_line(std::env::args_os(), &mut hooks) {
        Ok(ferrokey_config::CommandLine::Run(config)) => config,
        Ok(ferrokey_config::CommandLine::Version) => {
            println!("{}", ferrokey_config::version_line("jemalloc", "ferrokey"));
            return;
        }
        Ok(ferrokey_config::CommandLine::Help) => {
            eprintln!("{}", ferrokey_config::usage_text());
            std::process::exit(1);
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    init_logging(&config);
    let workers = worker_count(&config);
    let server = Arc::new(Server::new(*config, executable));
    if let Err(message) = server.listeners.bind_configured(&server, workers) {
        eprintln!("{message}");
        std::process::exit(1);
    }
    for index in 0..workers {
        let server = server.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("ferrokey-worker-{index}"))
            .spawn(move || run_worker(server, index));
        if let Err(error) = spawned {
            eprintln!("cannot start worker thread: {error}");
            std::process::exit(1);
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(idle::before_park)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            std::process::exit(1);
        }
    };
    idle::install(&runtime);
    let code = runtime.block_on(run_main(server));
    std::process::exit(code);
}

/// How many workers serve connections. `io-threads N`, when the operator gives it, means N
/// workers: like Valkey's N threads doing network I/O, and 1 is a single thread. Otherwise one
/// core is left spare, as valkey.conf advises for threaded I/O: on a machine whose clients (or the
/// kernel's network stack) share the cores, a worker per core makes every worker wait on the
/// others' locks and wake-ups, and costs more CPU per command than it gains.
fn worker_count(config: &ferrokey_config::Config) -> usize {
    if config.startup().was_assigned("io-threads") {
        return config.io_threads().max(1) as usize;
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    cores.saturating_sub(1).max(1)
}

/// Logs as `loglevel` and `logfile` say: to stdout when `logfile` is empty, as Valkey does,
/// else appended to the file. RUST_LOG, when set, overrides the level.
fn init_logging(config: &ferrokey_config::Config) {
    use ferrokey_config::LogLevel;
    use std::io::IsTerminal;
    let level = match config.loglevel() {
        LogLevel::Debug => "debug",
        LogLevel::Verbose | LogLevel::Notice => "info",
        LogLevel::Warning => "warn",
        LogLevel::Nothing => "off",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let logfile = config.logfile();
    let file = (!logfile.is_empty())
        .then(|| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&logfile)
        })
        .and_then(Result::ok);
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match file {
        Some(file) => builder
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init(),
        None => builder
            .with_ansi(std::io::stdout().is_terminal())
            .with_writer(std::io::stdout)
            .init(),
    }
}

/// A worker: a single-threaded runtime serving the connections its listeners accept.
fn run_worker(server: Arc<Server>, index: usize) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(idle::before_park)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start a worker runtime: {error}");
            std::process::exit(1);
        }
    };
    idle::install(&runtime);
    let listeners = server.listeners.clone();
    runtime.block_on(listeners.serve_worker(server, index));
}

/// The main thread: the unix socket, the cron and the shutdown signal.
async fn run_main(server: Arc<Server>) -> i32 {
    let (unixsocket, unixsocket_perm) = {
        let config = server.config.read();
        (config.unixsocket(), config.unixsocketperm())
    };
    let mut unix_path = None;
    if let Some(path) = unixsocket.filter(|p| !p.is_empty()) {
        let _ = std::fs::remove_file(&path);
        match UnixListener::bind(&path) {
            Ok(listener) => {
                if unixsocket_perm != 0 {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::Permissions::from_mode(unixsocket_perm);
                    let _ = std::fs::set_permissions(&path, mode);
                }
                tracing::info!("listening on unix socket {path}");
                tokio::spawn(accept_unix(server.clone(), listener, path.clone()));
                unix_path = Some(path);
            }
            Err(error) => {
                eprintln!("Failed opening Unix socket: {error}");
                return 1;
            }
        }
    }
    if server.tcp_port.load(Ordering::Relaxed) == 0 && unix_path.is_none() {
        eprintln!("Configured to not listen anywhere, exiting.");
        return 1;
    }
    tokio::spawn(cron(server.clone()));
    wait_for_shutdown_signal().await;
    tracing::info!("received shutdown signal, exiting");
    if let Some(path) = unix_path {
        let _ = std::fs::remove_file(path);
    }
    0
}

async fn wait_for_shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

/// Admits a connection unless maxclients is reached, then serves it.
pub(crate) fn admit<S>(server: &Arc<Server>, stream: S, peer: Peer, fd: i32)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    Stats::add(&server.stats.total_connections_received, 1);
    let max = server.settings.maxclients.load(Ordering::Relaxed);
    if server.clients.len() >= max {
        Stats::add(&server.stats.rejected_connections, 1);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let mut stream = stream;
            let _ = stream
                .write_all(b"-ERR max number of clients reached\r\n")
                .await;
        });
        return;
    }
    let (handle, pushes) = server.clients.register(peer, fd);
    tokio::spawn(conn::serve(server.clone(), stream, handle, pushes));
}

async fn accept_unix(server: Arc<Server>, listener: UnixListener, path: String) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                use std::os::fd::AsRawFd;
                let fd = stream.as_raw_fd();
                admit(&server, stream, Peer::Unix { path: path.clone() }, fd);
            }
            Err(error) => {
                tracing::warn!("unix accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Periodic work at `hz`: the LRU clock, active expiry and incremental rehashing. Runs on a
/// blocking thread because a cycle may take a few milliseconds of CPU.
async fn cron(server: Arc<Server>) {
    loop {
        let hz = server.settings.hz.load(Ordering::Relaxed).max(1);
        tokio::time::sleep(Duration::from_millis(1000 / hz as u64)).await;
        // Command times must follow the wall clock even while DEBUG PAUSE-CRON holds the rest.
        server.sync_clock();
        if server.cron_paused() {
            continue;
        }
        let server = server.clone();
        let _ = tokio::task::spawn_blocking(move || {
            server
                .lru_clock
                .store(server::lru_clock_now(), Ordering::Relaxed);
            if server
                .settings
                .active_expire_enabled
                .load(Ordering::Relaxed)
            {
                keyspace::expire::active_expire_cycle(&server);
            }
            if server.tracking.any() {
                tracking::enforce_key_limit(&server, None);
                tracking::flush_broadcasts(&server, None);
            }
            keyspace::expire::rehash_idle_tables(&server);
            pubsub::enforce_output_limits(&server);
            server.info_state.sample_peak();
        })
        .await;
    }
}
