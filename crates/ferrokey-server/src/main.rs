//! ferrokey-server: start-up, listeners, the cron, and shutdown.
//!
//! Invoked as valkey-server is: `ferrokey-server [config-file] [--directive value ...] [-]`.
//! The configuration crate turns that into a `Config` or a start-up error (printed exactly as
//! Valkey prints it). The server then listens on every `bind` address and on `unixsocket`,
//! serves each connection in its own task on a multi-threaded runtime, runs the cron at `hz`,
//! and exits cleanly on SIGTERM or SIGINT.

mod client;
mod commands;
mod conn;
mod dispatch;
mod keyspace;
mod server;
mod util;
mod write_stream;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tikv_jemallocator::Jemalloc;
use tokio::net::{TcpListener, UnixListener};

use client::Peer;
use server::{Server, Stats};

#[global_allocator]
static GLOBAL: Jemalloc = Jemalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let executable = std::env::args().next().unwrap_or_else(|| "ferrokey-server".into());
    let config = match ferrokey_config::parse_command_line(&args, &mut std::io::stdin().lock()) {
        Ok(ferrokey_config::CommandLine::Run(config)) => config,
        Ok(ferrokey_config::CommandLine::Version(text))
        | Ok(ferrokey_config::CommandLine::Help(text)) => {
            println!("{text}");
            return;
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let server = Arc::new(Server::new(config, executable));
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("ferrokey-worker")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(run(server));
    runtime.shutdown_timeout(Duration::from_millis(200));
    std::process::exit(code);
}

async fn run(server: Arc<Server>) -> i32 {
    let (port, binds, unixsocket, unixsocket_perm) = {
        let config = server.config.read();
        (
            config.get_i64("port").unwrap_or(6379),
            config.get_raw("bind").unwrap_or_else(|| "127.0.0.1".into()),
            config.get_raw("unixsocket").filter(|s| !s.is_empty()),
            config.get_raw("unixsocketperm").and_then(|p| u32::from_str_radix(&p, 8).ok()),
        )
    };
    server.tcp_port.store(port as u32, Ordering::Relaxed);
    let mut listening = 0;
    if port > 0 {
        for addr in binds.split_whitespace() {
            let optional = addr.starts_with('-');
            let host = addr.trim_start_matches('-');
            let host = if host == "*" { "0.0.0.0" } else { host };
            let target = if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            match TcpListener::bind(&target).await {
                Ok(listener) => {
                    listening += 1;
                    tracing::info!("ferrokey {} listening on {target}", server::FERROKEY_VERSION);
                    tokio::spawn(accept_tcp(server.clone(), listener));
                }
                Err(error) if optional => tracing::warn!("cannot bind {target}: {error}"),
                Err(error) => {
                    eprintln!("Warning: Could not create server TCP listening socket {target}: {error}");
                    return 1;
                }
            }
        }
    }
    if let Some(path) = unixsocket {
        let _ = std::fs::remove_file(&path);
        match UnixListener::bind(&path) {
            Ok(listener) => {
                if let Some(mode) = unixsocket_perm {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
                }
                listening += 1;
                tracing::info!("listening on unix socket {path}");
                tokio::spawn(accept_unix(server.clone(), listener, path));
            }
            Err(error) => {
                eprintln!("Failed opening Unix socket: {error}");
                return 1;
            }
        }
    }
    if listening == 0 {
        eprintln!("Configured to not listen anywhere, exiting.");
        return 1;
    }
    tokio::spawn(cron(server.clone()));
    wait_for_shutdown_signal().await;
    tracing::info!("received shutdown signal, exiting");
    0
}

async fn wait_for_shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
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
fn admit<S>(server: &Arc<Server>, stream: S, peer: Peer, fd: i32)
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
            let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
        });
        return;
    }
    let (handle, pushes) = server.clients.register(peer, fd);
    tokio::spawn(conn::serve(server.clone(), stream, handle, pushes));
}

async fn accept_tcp(server: Arc<Server>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, addr)) => {
                let _ = stream.set_nodelay(true);
                set_keepalive(&server, &stream);
                let local = stream.local_addr().unwrap_or(addr);
                use std::os::fd::AsRawFd;
                let fd = stream.as_raw_fd();
                admit(&server, stream, Peer::Tcp { addr, local }, fd);
            }
            Err(error) => {
                tracing::warn!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Applies `tcp-keepalive` (seconds; 0 disables) to an accepted socket.
fn set_keepalive(server: &Server, stream: &tokio::net::TcpStream) {
    let secs = server.config.read().get_i64("tcp-keepalive").unwrap_or(300);
    if secs <= 0 {
        return;
    }
    let sock = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(secs as u64))
        .with_interval(Duration::from_secs((secs as u64 / 3).max(1)));
    let _ = sock.set_tcp_keepalive(&keepalive);
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
        if server.cron_paused() {
            continue;
        }
        let server = server.clone();
        let _ = tokio::task::spawn_blocking(move || {
            server.lru_clock.store(server::lru_clock_now(), Ordering::Relaxed);
            if server.settings.active_expire_enabled.load(Ordering::Relaxed) {
                keyspace::expire::active_expire_cycle(&server);
            }
            keyspace::expire::rehash_idle_tables(&server);
        })
        .await;
    }
}
