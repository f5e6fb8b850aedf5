//! TCP listeners: one SO_REUSEPORT socket per worker and bind address, and their replacement
//! at runtime (CONFIG SET port/bind).
//!
//! The current set lives in `Listeners`: one list of std listeners per worker, plus a
//! generation counter. A worker registers clones of its list with its runtime and accepts on
//! them until the generation changes; then it drops them and registers the new list. The old
//! sockets close when the last clone is dropped, so the old port stops listening once every
//! worker has switched.

use std::net::TcpListener as StdTcpListener;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::client::Peer;
use crate::server::Server;

pub struct Listeners {
    per_worker: Mutex<Vec<Vec<StdTcpListener>>>,
    generation: watch::Sender<u64>,
}

impl Listeners {
    pub fn new() -> Self {
        Listeners {
            per_worker: Mutex::new(Vec::new()),
            generation: watch::Sender::new(0),
        }
    }

    /// Binds the configured addresses for `workers` workers and makes them current.
    pub fn bind_configured(&self, server: &Server, workers: usize) -> Result<(), String> {
        let config = server.config.read();
        self.bind(server, &config, workers)
    }

    /// Binds the addresses `config` names for `workers` workers (the current count when 0)
    /// and makes them current; on failure the current listeners stay.
    pub fn bind(
        &self,
        server: &Server,
        config: &ferrokey_config::Config,
        workers: usize,
    ) -> Result<(), String> {
        let workers = if workers == 0 {
            self.per_worker.lock().len()
        } else {
            workers
        };
        let port = config.port();
        let backlog = config.get_i64("tcp-backlog").unwrap_or(511);
        // Our own sockets hold their addresses already; any other holder makes the bind fail.
        let ours: Vec<std::net::SocketAddr> = self
            .per_worker
            .lock()
            .first()
            .map(|list| list.iter().filter_map(|l| l.local_addr().ok()).collect())
            .unwrap_or_default();
        let per_worker = bind_all(port, &config.bind(), backlog, workers, &ours)?;
        *self.per_worker.lock() = per_worker;
        server
            .tcp_port
            .store(u32::from(port), std::sync::atomic::Ordering::Relaxed);
        self.generation.send_modify(|g| *g += 1);
        Ok(())
    }

    /// Serves worker `index`'s listeners on the current runtime, switching to the new set each
    /// time `bind_configured` installs one. Never returns.
    pub async fn serve_worker(self: &Arc<Self>, server: Arc<Server>, index: usize) {
        let mut changes = self.generation.subscribe();
        loop {
            let current: Vec<StdTcpListener> = self
                .per_worker
                .lock()
                .get(index)
                .map(|list| list.iter().filter_map(|l| l.try_clone().ok()).collect())
                .unwrap_or_default();
            let tasks: Vec<_> = current
                .into_iter()
                .filter_map(|l| TcpListener::from_std(l).ok())
                .map(|l| tokio::spawn(accept_tcp(server.clone(), l)))
                .collect();
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
            for task in tasks {
                task.abort();
            }
        }
    }
}

impl Default for Listeners {
    fn default() -> Self {
        Self::new()
    }
}

/// Binds every `bind` address once per worker with SO_REUSEPORT, so the kernel spreads new
/// connections over the workers and each connection stays on the thread that accepted it.
fn bind_all(
    port: u16,
    binds: &[String],
    backlog: i64,
    workers: usize,
    ours: &[std::net::SocketAddr],
) -> Result<Vec<Vec<StdTcpListener>>, String> {
    let mut per_worker: Vec<Vec<StdTcpListener>> = (0..workers).map(|_| Vec::new()).collect();
    if port == 0 {
        return Ok(per_worker);
    }
    for addr in binds {
        let optional = addr.starts_with('-');
        let host = addr.trim_start_matches('-');
        let host = match host {
            "*" => "0.0.0.0",
            "::*" => "::",
            other => other,
        };
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let Ok(sockaddr) = target.parse::<std::net::SocketAddr>() else {
            return Err(format!("Invalid bind address '{host}'"));
        };
        // SO_REUSEPORT would let us share a port another process listens on; Valkey refuses
        // to start then, so a plain bind first checks that nobody else holds it.
        let probe = if ours.contains(&sockaddr) {
            Ok(())
        } else {
            bind_exclusive(sockaddr)
        };
        for listeners in per_worker.iter_mut() {
            let bound = match &probe {
                Ok(()) => bind_reuseport(sockaddr, backlog as i32),
                Err(error) => Err(std::io::Error::new(error.kind(), error.to_string())),
            };
            match bound {
                Ok(listener) => listeners.push(listener),
                Err(_) if optional => break,
                Err(error) => {
                    return Err(format!(
                        "Warning: Could not create server TCP listening socket {target}: {error}"
                    ))
                }
            }
        }
        tracing::info!(
            "ferrokey {} listening on {target}",
            crate::server::FERROKEY_VERSION
        );
    }
    Ok(per_worker)
}

/// Binds `addr` without SO_REUSEPORT (then closes it): fails when any socket holds the address.
fn bind_exclusive(addr: std::net::SocketAddr) -> std::io::Result<()> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.bind(&addr.into())
}

fn bind_reuseport(addr: std::net::SocketAddr, backlog: i32) -> std::io::Result<StdTcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog.max(1))?;
    Ok(socket.into())
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
                crate::admit(&server, stream, Peer::Tcp { addr, local }, fd);
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
    let secs = server.config.read().tcp_keepalive_secs();
    if secs == 0 {
        return;
    }
    let sock = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(secs))
        .with_interval(Duration::from_secs((secs / 3).max(1)));
    let _ = sock.set_tcp_keepalive(&keepalive);
}
