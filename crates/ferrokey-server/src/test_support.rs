//! Helpers for the crate's unit tests: a server without listeners, a client on it, and a way
//! to run commands through dispatch and see the effects they record in the write stream.

use std::sync::Arc;

use ferrokey_resp::{Protocol, ReplyBuf};

use crate::client::{ClientState, Peer};
use crate::server::Server;
use crate::write_stream::EffectBatch;

/// A waker that counts its wakes.
pub struct CountingWaker(std::sync::atomic::AtomicUsize);

impl CountingWaker {
    pub fn new() -> Arc<CountingWaker> {
        Arc::new(CountingWaker(std::sync::atomic::AtomicUsize::new(0)))
    }

    pub fn wakes(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

pub fn server() -> Server {
    Server::new(ferrokey_config::Config::new(), "test".into())
}

pub fn client(server: &Server) -> ClientState {
    let (handle, _pushes) = server.clients.register(
        Peer::Unix {
            path: "test".into(),
        },
        -1,
    );
    ClientState::new(handle, true)
}

/// Runs `commands` on a fresh server and returns, per command, the batches it emitted.
pub fn batches_of(commands: &[&[&str]]) -> Vec<Vec<Arc<EffectBatch>>> {
    let server = server();
    let mut stream = server.write_stream.subscribe();
    let mut client = client(&server);
    let mut out = ReplyBuf::new(Protocol::Resp2);
    let mut all = Vec::new();
    for command in commands {
        let args: Vec<&[u8]> = command.iter().map(|a| a.as_bytes()).collect();
        crate::dispatch::execute(&server, &mut client, &args, &mut out);
        let mut emitted = Vec::new();
        while let Ok(batch) = stream.try_recv() {
            emitted.push(batch);
        }
        all.push(emitted);
    }
    all
}

/// Runs `commands` on a fresh server and returns, per command, the effects it emitted, each
/// as its words.
pub fn effects_of(commands: &[&[&str]]) -> Vec<Vec<Vec<String>>> {
    batches_of(commands)
        .into_iter()
        .map(|batches| {
            batches
                .iter()
                .flat_map(|batch| batch.commands.iter())
                .map(|effect| {
                    effect
                        .args
                        .iter()
                        .map(|w| String::from_utf8_lossy(w).into())
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// `effects_of` for commands written as space-separated lines; effects come back as lines.
pub fn effects_of_lines(lines: &[&str]) -> Vec<Vec<String>> {
    let commands: Vec<Vec<&str>> = lines.iter().map(|l| l.split(' ').collect()).collect();
    let commands: Vec<&[&str]> = commands.iter().map(Vec::as_slice).collect();
    effects_of(&commands)
        .into_iter()
        .map(|effects| effects.into_iter().map(|words| words.join(" ")).collect())
        .collect()
}

pub fn words(text: &str) -> Vec<String> {
    text.split(' ').map(String::from).collect()
}
